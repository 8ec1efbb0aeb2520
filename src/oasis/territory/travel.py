"""Road travel times between communes, from their points, without a routing engine.

The default model turns the great-circle distance into a road distance with a detour
factor, then into minutes with speeds that rise with distance (village streets, then
departmental roads, then main roads), the way a car trip in rural France behaves.  Time
*within* a commune uses the mean distance to the town hall of a point spread uniformly
over a disc of the commune's area.  An origin–destination file from a real router
(OSRM, r5py, Metric…) replaces the model through :func:`read_od_matrix`.

Constants (documented in ``docs/travel-model.md``):

* detour factor 1.3 — ratio of road to straight-line distance between French communes
  (the usual 1.2–1.4 range of road circuity studies; 1.3 is the mid value used by
  INSEE/IGN accessibility work when no network is available);
* speeds by road-distance band: 0–5 km at 30 km/h, 5–20 km at 60 km/h, 20–50 km at
  75 km/h, beyond at 90 km/h, applied like tax brackets so time is continuous and
  increasing with distance;
* within a commune: mean distance 2r/3 for a disc of radius r, same detour, 30 km/h.

Everything is vectorised numpy; pairs within a time limit come from a k-d tree on unit
vectors, so a national 20-minute matrix (≈ 1.7 M pairs) builds in a fraction of a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from oasis.territory.errors import TerritoryInputError
from oasis.territory.files import read_parquet, text_lines

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelModel:
    """Straight-line distance → car minutes; see the module docstring for the constants."""

    detour: float = 1.3
    band_upper_km: tuple[float, ...] = (5.0, 20.0, 50.0, math.inf)
    band_speed_kmh: tuple[float, ...] = (30.0, 60.0, 75.0, 90.0)
    intra_speed_kmh: float = 30.0

    def road_minutes(self, road_km: np.ndarray) -> np.ndarray:
        """Minutes to drive ``road_km``, each band at its speed (continuous, increasing)."""
        road_km = np.asarray(road_km, dtype=np.float64)
        minutes = np.zeros_like(road_km)
        lower = 0.0
        for upper, speed in zip(self.band_upper_km, self.band_speed_kmh, strict=True):
            in_band = np.clip(road_km, lower, upper) - lower
            minutes += in_band / speed * 60.0
            lower = upper
        return minutes

    def minutes(self, straight_km: np.ndarray) -> np.ndarray:
        """Minutes for straight-line distances between two distinct points."""
        return self.road_minutes(np.asarray(straight_km, dtype=np.float64) * self.detour)

    def max_straight_km(self, minutes: float) -> float:
        """Largest straight-line distance reachable within ``minutes`` (inverse of minutes)."""
        remaining, km, lower = float(minutes), 0.0, 0.0
        for upper, speed in zip(self.band_upper_km, self.band_speed_kmh, strict=True):
            span_minutes = (upper - lower) / speed * 60.0
            if remaining <= span_minutes:
                km += remaining / 60.0 * speed
                break
            km, remaining, lower = upper, remaining - span_minutes, upper
        return km / self.detour

    def intra_minutes(self, area_km2: np.ndarray) -> np.ndarray:
        """Mean trip to the centre of a commune from anywhere in it (disc approximation).

        A commune with unknown area gets the national median commune (≈ 10.8 km²).
        """
        area = np.asarray(area_km2, dtype=np.float64)
        area = np.where(np.isfinite(area) & (area > 0), area, 10.8)
        radius = np.sqrt(area / math.pi)
        return (2.0 / 3.0) * radius * self.detour / self.intra_speed_kmh * 60.0


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere; chord distances there order like great-circle ones."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def km_to_chord(km: float) -> float:
    return 2.0 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2.0)


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class TravelTimes:
    """Sparse origin × destination minutes, as coordinate arrays (COO).

    Kept as arrays rather than a scipy matrix because 0 minutes is a real value (a
    practitioner in one's own arrondissement) that a sparse matrix would drop.
    """

    origin: np.ndarray  # int32 row index into the origins
    dest: np.ndarray  # int32 row index into the destinations
    minutes: np.ndarray  # float64
    n_origins: int
    n_dests: int
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.minutes)

    def within(self, max_minutes: float) -> TravelTimes:
        keep = self.minutes <= max_minutes
        return TravelTimes(self.origin[keep], self.dest[keep], self.minutes[keep],
                           self.n_origins, self.n_dests, dict(self.meta))

    def to_sparse(self, values: np.ndarray | None = None) -> sparse.csr_matrix:
        """CSR matrix of ``values`` (default: minutes + 1e-9 so zeros survive)."""
        data = self.minutes + 1e-9 if values is None else values
        return sparse.csr_matrix((data, (self.origin, self.dest)),
                                 shape=(self.n_origins, self.n_dests))

    def lookup(self, origin: int, dest: int) -> float | None:
        hits = np.flatnonzero((self.origin == origin) & (self.dest == dest))
        return float(self.minutes[hits[0]]) if hits.size else None


def travel_times(
    lat: np.ndarray,
    lon: np.ndarray,
    max_minutes: float,
    *,
    area_km2: np.ndarray | None = None,
    dest_lat: np.ndarray | None = None,
    dest_lon: np.ndarray | None = None,
    model: TravelModel | None = None,
) -> TravelTimes:
    """All origin–destination pairs within ``max_minutes`` under the travel model.

    With no destinations given, destinations are the origins themselves and the
    diagonal gets the intra-commune time from ``area_km2``.  Points with a NaN
    coordinate are left out (no pairs).
    """
    model = model or TravelModel()
    same = dest_lat is None
    o_ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    o_xyz = unit_vectors(np.asarray(lat)[o_ok], np.asarray(lon)[o_ok])
    if same:
        d_ok, d_xyz = o_ok, o_xyz
        n_dests = len(lat)
    else:
        d_ok = np.flatnonzero(np.isfinite(dest_lat) & np.isfinite(dest_lon))
        d_xyz = unit_vectors(np.asarray(dest_lat)[d_ok], np.asarray(dest_lon)[d_ok])
        n_dests = len(dest_lat)
    radius = km_to_chord(model.max_straight_km(max_minutes))
    o_tree = cKDTree(o_xyz)
    if same:
        pairs = o_tree.query_pairs(radius, output_type="ndarray")
        a, b = pairs[:, 0], pairs[:, 1]
        a, b = np.concatenate((a, b)), np.concatenate((b, a))
    else:
        coo = o_tree.sparse_distance_matrix(cKDTree(d_xyz), radius, output_type="ndarray")
        a, b = coo["i"].astype(np.int64), coo["j"].astype(np.int64)
    chord = np.linalg.norm(o_xyz[a] - d_xyz[b], axis=1)
    minutes = model.minutes(chord_to_km(chord))
    origin, dest = o_ok[a], d_ok[b]
    if same:
        areas = np.full(len(lat), np.nan) if area_km2 is None else np.asarray(area_km2)
        diag = o_ok
        origin = np.concatenate((origin, diag))
        dest = np.concatenate((dest, diag))
        minutes = np.concatenate((minutes, model.intra_minutes(areas[diag])))
    keep = minutes <= max_minutes
    return TravelTimes(origin[keep].astype(np.int32), dest[keep].astype(np.int32),
                       minutes[keep], len(lat), n_dests,
                       {"model": model, "max_minutes": max_minutes})


def minutes_from(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray,
                 model: TravelModel | None = None) -> np.ndarray:
    """Minutes from one point to many (used to rank care sites for a patient)."""
    model = model or TravelModel()
    return model.minutes(haversine_km(lat, lon, np.asarray(lats), np.asarray(lons)))


class ODMatrixError(TerritoryInputError):
    """A malformed origin–destination file; the message names the line."""

    code = "invalid_od_matrix"


def read_od_matrix(path: Path, code_index: dict[str, int], n: int,
                   max_minutes: float | None = None) -> TravelTimes:
    """Read a real ``origin,destination,minutes`` matrix (CSV or Parquet) of INSEE codes.

    Every bad row is reported with its line number (CSV) or row number (Parquet) and
    the whole file is refused: a silently truncated matrix would bias every APL.
    Pairs absent from the file are unreachable.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        table = read_parquet(path)
        missing = {"origin", "destination", "minutes"} - set(table.column_names)
        if missing:
            raise ODMatrixError(f"{path.name}: colonnes manquantes {sorted(missing)}")
        rows = zip(table.column("origin").to_pylist(), table.column("destination").to_pylist(),
                   table.column("minutes").to_pylist(), strict=True)
        first_line = 1
    else:
        import csv

        fh = text_lines(path)
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        if header[:3] != ["origin", "destination", "minutes"]:
            fh.close()
            raise ODMatrixError(
                f"{path.name}: l'en-tête doit être « origin,destination,minutes » "
                f"(trouvé : {','.join(header) or 'fichier vide'})")
        rows = (r[:3] if len(r) >= 3 else [*r, None, None][:3] for r in reader)
        first_line = 2
    origins, dests, minutes, errors = [], [], [], []
    for line, (o, d, m) in enumerate(rows, start=first_line):
        o_i, d_i = code_index.get(str(o).strip()), code_index.get(str(d).strip())
        try:
            value = float(m)
        except (TypeError, ValueError):
            value = math.nan
        if o_i is None or d_i is None or not math.isfinite(value) or value < 0:
            what = ("origine inconnue" if o_i is None else "destination inconnue"
                    if d_i is None else "minutes invalides")
            errors.append(f"ligne {line}: {what} ({o},{d},{m})")
            continue
        if max_minutes is None or value <= max_minutes:
            origins.append(o_i)
            dests.append(d_i)
            minutes.append(value)
    if errors:
        shown = "\n".join(errors[:20])
        more = f"\n… et {len(errors) - 20} autres" if len(errors) > 20 else ""
        raise ODMatrixError(f"{path.name}: {len(errors)} ligne(s) invalide(s)\n{shown}{more}")
    return TravelTimes(np.array(origins, np.int32), np.array(dests, np.int32),
                       np.array(minutes, np.float64), n, n,
                       {"source": str(path), "max_minutes": max_minutes})
