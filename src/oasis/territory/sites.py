"""Care sites (MSP, centres de santé, cabinets, hôpitaux de proximité, ETT): file and demo.

A sites file is the planner's own inventory, CSV ``id,name,commune,lat,lon,kind``.  The
coordinates may be left empty: the site is then put at its commune's point, which is the
resolution of every travel time in Oasis anyway (commune point to commune point).
Every bad line is reported with its number and the whole file is refused, the same rule
as the supply importers: a silently shortened inventory would understate coverage.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from oasis.territory.errors import TerritoryInputError
from oasis.territory.supply import _UnitResolver
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.travel import TravelModel, chord_to_km, unit_vectors

SITE_KINDS: dict[str, str] = {
    "msp": "maison de santé pluriprofessionnelle",
    "centre_sante": "centre de santé",
    "cabinet": "cabinet médical",
    "hopital_proximite": "hôpital de proximité",
    "ett": "ETT (site France Santé)",
}
COLUMNS = ("id", "name", "commune", "lat", "lon", "kind")


class SitesFileError(TerritoryInputError):
    """A sites file Oasis refuses; the message lists the bad lines."""

    code = "invalid_sites_file"


@dataclass
class Sites:
    """Row-aligned arrays of care sites; ``unit`` is the analysis-unit position."""

    id: np.ndarray
    name: np.ndarray
    commune: np.ndarray  # INSEE code of the analysis unit
    unit: np.ndarray  # int64
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray
    synthetic: bool = False
    source: str = ""

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def empty(cls) -> Sites:
        e = np.array([], dtype=object)
        return cls(e, e, e, np.array([], np.int64), np.array([]), np.array([]), e)

    @classmethod
    def at_units(cls, geo, unit_pos: np.ndarray, kind: str = "ett",
                 prefix: str = "NOUVEAU") -> Sites:
        """Sites at commune points (e.g. the communes a siting plan opens)."""
        units = np.flatnonzero(geo.analysis_units)
        rows = units[np.asarray(unit_pos, dtype=np.int64)]
        n = len(rows)
        ids = np.array([f"{prefix}-{k + 1:03d}" for k in range(n)], dtype=object)
        return cls(ids, geo.name[rows].astype(object), geo.code[rows].astype(object),
                   np.asarray(unit_pos, dtype=np.int64), geo.lat[rows].astype(float),
                   geo.lon[rows].astype(float), np.full(n, kind, dtype=object))

    def concat(self, other: Sites) -> Sites:
        return Sites(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in
                       ("id", "name", "commune", "unit", "lat", "lon", "kind")),
                     self.synthetic or other.synthetic,
                     " + ".join(s for s in (self.source, other.source) if s))


def _float(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".")) if text else math.nan
    except ValueError:
        return None
    return value


def read_sites(path: Path, geo) -> Sites:
    """Read and check a sites CSV (comma or semicolon separated, UTF-8)."""
    path = Path(path)
    if not path.exists():
        raise SitesFileError(f"{path} : fichier introuvable")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise SitesFileError(f"{path.name} : fichier vide (en-tête attendu : "
                             f"{','.join(COLUMNS)})")
    dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=dialect)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise SitesFileError(f"{path.name} : colonnes manquantes {', '.join(missing)} "
                             f"(en-tête attendu : {','.join(COLUMNS)})")
    col = {c: header.index(c) for c in COLUMNS}
    resolve = _UnitResolver(geo)
    units_rows = resolve.units
    rows: list[tuple] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) < len(header):
            errors.append(f"ligne {line} : {len(raw)} champs au lieu de {len(header)}")
            continue
        rec = {c: raw[i].strip() for c, i in col.items()}
        problems = []
        if not rec["id"]:
            problems.append("identifiant vide")
        elif rec["id"] in seen:
            problems.append(f"identifiant « {rec['id']} » déjà utilisé ligne {seen[rec['id']]}")
        if rec["kind"] not in SITE_KINDS:
            problems.append(f"type « {rec['kind']} » inconnu (attendu : "
                            f"{', '.join(SITE_KINDS)})")
        pos, why = resolve(rec["commune"]) if rec["commune"] else (None, "commune vide")
        if pos is None:
            problems.append(why)
        lat, lon = _float(rec["lat"]), _float(rec["lon"])
        if lat is None or lon is None:
            problems.append(f"coordonnées non numériques ({rec['lat']}, {rec['lon']})")
        elif math.isnan(lat) != math.isnan(lon):
            problems.append("latitude et longitude : les deux ou aucune")
        elif not math.isnan(lat) and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(f"coordonnées hors limites ({lat}, {lon})")
        if problems:
            errors.append(f"ligne {line} : " + " ; ".join(problems))
            continue
        seen[rec["id"]] = line
        if math.isnan(lat):
            lat, lon = float(geo.lat[units_rows[pos]]), float(geo.lon[units_rows[pos]])
        rows.append((rec["id"], rec["name"] or rec["id"], str(geo.code[units_rows[pos]]), pos,
                     lat, lon, rec["kind"]))
    if errors:
        shown = "\n".join(errors[:30])
        more = f"\n… et {len(errors) - 30} autres" if len(errors) > 30 else ""
        raise SitesFileError(f"{path.name} : {len(errors)} ligne(s) invalide(s)\n{shown}{more}")
    if not rows:
        raise SitesFileError(f"{path.name} : aucun site (le fichier n'a que l'en-tête)")
    cols = list(zip(*rows, strict=True))
    return Sites(np.array(cols[0], dtype=object), np.array(cols[1], dtype=object),
                 np.array(cols[2], dtype=object), np.array(cols[3], dtype=np.int64),
                 np.array(cols[4], dtype=np.float64), np.array(cols[5], dtype=np.float64),
                 np.array(cols[6], dtype=object), False, str(path))


def demo_sites(geo, seed: int = 0) -> Sites:
    """SYNTHETIC demo inventory: one site per unit where the synthetic GP supply practises.

    Kind by the number of synthetic GPs there (Oasis demo rule, not real data): 1–2 →
    cabinet, 3–9 → msp, 10+ → centre_sante; units of ≥ 20,000 inhabitants also get a
    hopital_proximite.  Same seed as ``oasis apl``'s demo supply, so maps agree.
    """
    units = np.flatnonzero(geo.analysis_units)
    supply = synthetic_supply(geo.population[units], "generaliste", seed=seed)
    count = np.bincount(supply.unit, minlength=len(units))
    pos = np.flatnonzero(count > 0)
    kinds = np.where(count[pos] >= 10, "centre_sante",
                     np.where(count[pos] >= 3, "msp", "cabinet")).astype(object)
    hosp = pos[geo.population[units[pos]] >= 20_000]
    pos = np.concatenate((pos, hosp))
    kinds = np.concatenate((kinds, np.full(len(hosp), "hopital_proximite", dtype=object)))
    rows = units[pos]
    ids = np.array([f"DEMO-{k + 1:05d}" for k in range(len(pos))], dtype=object)
    names = np.array([f"{SITE_KINDS[k]} de {n}" for k, n in zip(kinds, geo.name[rows],
                                                                strict=True)], dtype=object)
    return Sites(ids, names, geo.code[rows].astype(object), pos.astype(np.int64),
                 geo.lat[rows].astype(float), geo.lon[rows].astype(float), kinds, True,
                 f"demo:seed={seed}")


def write_sites_csv(sites: Sites, path: Path) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for rec in zip(sites.id, sites.name, sites.commune, sites.lat, sites.lon, sites.kind,
                       strict=True):
            w.writerow([rec[0], rec[1], rec[2], f"{rec[3]:.6f}", f"{rec[4]:.6f}", rec[5]])


# Islands nobody drives from: Corsica is its own travel area (Oasis choice: a ferry
# crossing is not a drive), as is each overseas department or collectivity.
CORSICA_DEPARTMENTS = ("2A", "2B")
MAINLAND = "metro"


def travel_area(geo, rows: np.ndarray) -> np.ndarray:
    """The travel area of each geography row: ``metro`` (mainland France), ``corse``, or
    the overseas department code (971…989).  No travel time links two areas, so a
    commune of Guyane is never "3 233 minutes" from a site in the Nièvre: it is out of
    reach (``inf``) until its own territory has a site."""
    rows = np.asarray(rows, dtype=np.int64)
    zone = np.asarray(geo.zone[rows]).astype(str)
    dep = np.asarray(geo.dep[rows]).astype(str)
    return np.where(zone != MAINLAND, dep,
                    np.where(np.isin(dep, CORSICA_DEPARTMENTS), "corse", MAINLAND))


def nearest_site(lat: np.ndarray, lon: np.ndarray, site_lat: np.ndarray, site_lon: np.ndarray,
                 model: TravelModel | None = None, *, area: np.ndarray | None = None,
                 site_area: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, site index) of the nearest site from each point (-1 / inf when none).

    The travel model's time grows with distance, so the nearest site in straight line
    is also the nearest in minutes: one k-d tree query, exact.  With ``area`` and
    ``site_area`` (:func:`travel_area`) a point only reaches the sites of its own area.
    """
    model = model or TravelModel()
    n = len(lat)
    minutes = np.full(n, np.inf)
    index = np.full(n, -1, dtype=np.int64)
    ok = np.isfinite(site_lat) & np.isfinite(site_lon)
    if not ok.any():
        return minutes, index
    here_ok = np.isfinite(lat) & np.isfinite(lon)
    if area is None or site_area is None:
        groups = [(here_ok, ok)]
    else:
        area, site_area = np.asarray(area), np.asarray(site_area)
        groups = [(here_ok & (area == a), ok & (site_area == a)) for a in np.unique(area)]
    for point_mask, site_mask in groups:
        valid = np.flatnonzero(site_mask)
        here = np.flatnonzero(point_mask)
        if not valid.size or not here.size:
            continue
        tree = cKDTree(unit_vectors(np.asarray(site_lat)[valid], np.asarray(site_lon)[valid]))
        chord, k = tree.query(unit_vectors(np.asarray(lat)[here], np.asarray(lon)[here]))
        minutes[here] = model.minutes(chord_to_km(chord))
        index[here] = valid[k]
    return minutes, index
    valid = np.flatnonzero(ok)
    tree = cKDTree(unit_vectors(np.asarray(site_lat)[valid], np.asarray(site_lon)[valid]))
    here = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    chord, k = tree.query(unit_vectors(np.asarray(lat)[here], np.asarray(lon)[here]))
    minutes[here] = model.minutes(chord_to_km(chord))
    index[here] = valid[k]
    return minutes, index
