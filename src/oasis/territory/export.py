"""Tables to CSV, Parquet or GeoJSON, with commune (or dissolved) boundaries for QGIS.

Shared by ``oasis apl``, ``oasis deserts``, ``oasis coverage`` and ``oasis plan`` so that
every export has the same shape: one feature per row, the row's columns as properties,
and the simplified IGN boundary of the commune, or the union of its communes' boundaries
for an EPCI, a department or a region.  A unit without a boundary gets its point.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from oasis.territory.errors import TerritoryInputError
from oasis.territory.geography import read_boundaries

FORMATS = (".csv", ".parquet", ".geojson")


class ExportError(TerritoryInputError):
    """An output path Oasis cannot write (message in French)."""

    code = "invalid_export"


def check_output(path: Path | None) -> None:
    """Refuse an unsupported suffix before any computation starts."""
    if path is not None and Path(path).suffix not in FORMATS:
        raise ExportError(f"format de sortie non pris en charge : « {Path(path).suffix} » "
                          "(.csv, .parquet, .geojson)")


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def commune_geometries(geo, rows: np.ndarray) -> list[dict]:
    """GeoJSON geometry of each geography row: boundary, or the point when it has none."""
    from shapely import wkb
    from shapely.geometry import mapping


    out = []
    for row, blob in zip(rows, read_boundaries(geo.source, rows), strict=True):
        out.append(mapping(wkb.loads(blob)) if blob else
                   {"type": "Point", "coordinates": [float(geo.lon[row]), float(geo.lat[row])]})
    return out


def dissolved_geometries(geo, rows: np.ndarray, groups: Sequence[str],
                         wanted: Sequence[str]) -> list[dict | None]:
    """Union of the boundaries of ``rows`` per group, in the order of ``wanted``.

    About 5 s for the 1,256 EPCIs of France (plain ``union_all``: the simplified
    boundaries are not noded exactly enough for the faster coverage union).
    """
    import shapely
    from shapely.geometry import mapping


    blobs = read_boundaries(geo.source, rows)
    groups = np.asarray(groups, dtype=object)
    want = set(wanted)
    keep = np.array([g in want and b is not None for g, b in zip(groups, blobs, strict=True)])
    shapes = shapely.from_wkb(np.array([b for b, k in zip(blobs, keep, strict=True) if k],
                                       dtype=object))
    kept_groups = groups[keep]
    order = np.argsort(kept_groups, kind="stable")
    sorted_groups = kept_groups[order]
    bounds = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1], True])
    unions: dict[str, dict] = {}
    for a, b in pairwise(bounds.tolist()):
        unions[str(sorted_groups[a])] = mapping(shapely.union_all(shapes[order[a:b]]))
    return [unions.get(str(w)) for w in wanted]


def write_geojson(frame: pd.DataFrame, geometries: Sequence[dict | None], path: Path,
                  metadata: dict | None = None) -> None:
    features = [{"type": "Feature", "geometry": geom,
                 "properties": {k: _plain(v) for k, v in rec.items()}}
                for rec, geom in zip(frame.to_dict("records"), geometries, strict=True)]
    payload = {"type": "FeatureCollection", "features": features,
               "metadata": metadata or {}}
    Path(path).write_text(json.dumps(payload, ensure_ascii=False, default=str),
                          encoding="utf-8")


def write_frame(frame: pd.DataFrame, path: Path, *, geo=None, rows: np.ndarray | None = None,
                groups: Sequence[str] | None = None, key: str | None = None,
                metadata: dict | None = None) -> None:
    """Write ``frame`` by suffix.  GeoJSON needs ``geo`` and either ``rows`` (one geography
    row per frame row: commune boundaries) or ``rows`` + ``groups`` + ``key`` (member rows,
    their group codes, and the frame column holding each row's group: dissolved)."""
    path = Path(path)
    check_output(path)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        if geo is None or rows is None:
            raise ExportError("export GeoJSON impossible : géographie non fournie")
        if groups is None:
            geometries = commune_geometries(geo, np.asarray(rows))
        else:
            geometries = dissolved_geometries(geo, np.asarray(rows), groups,
                                              frame[key].astype(str).tolist())
        write_geojson(frame, geometries, path, metadata)
