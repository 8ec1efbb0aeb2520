"""EPCI, department and region boundaries dissolved from the commune boundaries.

Why dissolve rather than ship a second boundary source: the aggregated layers then match
the commune layer exactly (same vintage, same simplification), and nothing new has to be
fetched.  Dissolving ~35,000 polygons takes ~15 s on a laptop core, far too slow for a
page request, so the result is written once next to ``communes.parquet`` (at ``oasis data
build`` time, or on first use) as ``territoires.parquet`` and read back in ~0.1 s.  The
file records the size and modification time of the commune file it came from and is
rebuilt when they change.

The commune boundaries are simplified one by one, so neighbours no longer share their
edges exactly and the union leaves hair-thin slivers as interior rings; rings smaller
than :data:`SLIVER_MAX_DEG2` are dropped.  Real enclaves are larger, and map clients draw
small territories last (see ``order``), so an enclave stays visible either way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from oasis.territory.geography import Geography, read_boundaries

LEVELS = ("epci", "departement", "region")
SLIVER_MAX_DEG2 = 2e-4  # ~1.5 km² at French latitudes
FILE_NAME = "territoires.parquet"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Territories:
    """Dissolved boundaries of one level, sorted by code."""

    level: str
    code: np.ndarray
    name: np.ndarray
    zone: np.ndarray  # "metro" or "drom"-like zone of the member communes
    wkb: list[bytes]

    def __len__(self) -> int:
        return len(self.code)


def group_keys(geo: Geography, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Per geography row, the code and name of its territory at ``level`` (None: none)."""
    if level == "epci":
        return geo.epci, geo.epci_name
    if level == "departement":
        return geo.dep, geo.dep_name
    if level == "region":
        return geo.region, geo.region_name
    raise ValueError(f"niveau inconnu : {level} ; niveaux : commune, {', '.join(LEVELS)}")


def _drop_slivers(geom: shapely.Geometry) -> shapely.Geometry:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if not isinstance(poly, shapely.Polygon) or poly.is_empty:
            continue
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= SLIVER_MAX_DEG2]
        parts.append(shapely.Polygon(poly.exterior, holes))
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _union_groups(shapes: np.ndarray, keys: np.ndarray) -> list[tuple[str, np.ndarray, object]]:
    """(code, member positions, union) per distinct non-None key, sorted by code."""
    idx = np.flatnonzero(np.array([k is not None for k in keys], dtype=bool))
    labels = keys[idx].astype(str)
    order = np.argsort(labels, kind="stable")
    idx, labels = idx[order], labels[order]
    codes, starts = np.unique(labels, return_index=True)
    bounds = [*starts.tolist(), len(labels)]
    out = []
    for j, code in enumerate(codes):
        members = idx[bounds[j]:bounds[j + 1]]
        out.append((str(code), members, shapely.union_all(shapes[members])))
    return out


def dissolve(geo: Geography, progress: Callable[[str], None] | None = None
             ) -> dict[str, Territories]:
    """Union of the member communes' boundaries for every EPCI, department and region.

    Regions are unions of the (already dissolved) departments: 13 times fewer inputs.
    """
    assert geo.source is not None, "geography read from a file is needed for its boundaries"
    rows = np.flatnonzero(geo.is_commune)
    wkb = read_boundaries(geo.source, rows)
    have = np.array([b is not None for b in wkb])
    rows = rows[have]
    shapes = shapely.from_wkb(np.array([b for b in wkb if b is not None], dtype=object))
    out: dict[str, Territories] = {}
    dep_shapes = dep_regions = None
    dep_first: list[int] = []
    for level in LEVELS:
        keys, names = group_keys(geo, level)
        if level == "region":
            groups = _union_groups(dep_shapes, dep_regions)
            first_rows = [dep_first[m[0]] for _, m, _ in groups]
        else:
            groups = _union_groups(shapes, keys[rows])
            first_rows = [rows[m[0]] for _, m, _ in groups]
        if level == "departement":
            dep_shapes = np.array([g for _, _, g in groups], dtype=object)
            dep_first = first_rows
            dep_regions = np.array([geo.region[i] for i in first_rows], dtype=object)
        kept = [(c, _drop_slivers(g), i)
                for (c, _, g), i in zip(groups, first_rows, strict=True)]
        kept = [k for k in kept if not k[1].is_empty]
        out[level] = Territories(
            level, np.array([c for c, _, _ in kept], dtype=object),
            np.array([str(names[i]) for _, _, i in kept], dtype=object),
            np.array([str(geo.zone[i]) for _, _, i in kept], dtype=object),
            shapely.to_wkb(np.array([g for _, g, _ in kept], dtype=object)).tolist())
        if progress:
            progress(level)
    return out


def _fingerprint(source: Path) -> dict:
    stat = source.stat()
    return {"source_size": stat.st_size, "source_mtime_ns": stat.st_mtime_ns,
            "format": FORMAT_VERSION}


def write_territories(territories: dict[str, Territories], source: Path, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, list] = {"level": [], "code": [], "name": [], "zone": [], "boundary": []}
    for t in territories.values():
        cols["level"] += [t.level] * len(t)
        cols["code"] += t.code.tolist()
        cols["name"] += t.name.tolist()
        cols["zone"] += t.zone.tolist()
        cols["boundary"] += t.wkb
    table = pa.table({k: pa.array(v, type=pa.binary() if k == "boundary" else pa.string())
                      for k, v in cols.items()})
    table = table.replace_schema_metadata({"oasis": json.dumps(_fingerprint(source))})
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)


def read_territories(path: Path, source: Path) -> dict[str, Territories] | None:
    """The cached file's content, or None when it is absent or stale."""
    import pyarrow.parquet as pq

    if not path.exists():
        return None
    pf = pq.ParquetFile(path)
    meta = (pf.schema_arrow.metadata or {}).get(b"oasis")
    if meta is None or json.loads(meta) != _fingerprint(source):
        return None
    table = pf.read()
    level = np.array(table.column("level").to_pylist(), dtype=object)
    code = np.array(table.column("code").to_pylist(), dtype=object)
    name = np.array(table.column("name").to_pylist(), dtype=object)
    zone = np.array(table.column("zone").to_pylist(), dtype=object)
    wkb = table.column("boundary").to_pylist()
    out = {}
    for lv in LEVELS:
        sel = np.flatnonzero(level == lv)
        out[lv] = Territories(lv, code[sel], name[sel], zone[sel], [wkb[i] for i in sel])
    return out


def load_territories(geo: Geography, path: Path | None = None,
                     progress: Callable[[str], None] | None = None) -> dict[str, Territories]:
    """Dissolved boundaries, from the cache file when it is fresh, else built (and saved
    when the data directory is writable; a read-only install just keeps them in memory)."""
    assert geo.source is not None
    path = path or geo.source.with_name(FILE_NAME)
    cached = read_territories(path, geo.source)
    if cached is not None:
        return cached
    built = dissolve(geo, progress)
    with contextlib.suppress(OSError):
        write_territories(built, geo.source, path)
    return built
