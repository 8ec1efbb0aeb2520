"""Map layers for the planners: boundaries as GeoJSON, indicator values apart.

Geometry and indicator values travel separately so the browser caches the (large,
static) boundaries once and fetches only small ``{code: value}`` objects when the
planner switches indicator.  The national layer is simplified to 0.01° (≈ 1 km, below a
pixel on a whole-France map); a department layer keeps the shipped 0.0015°.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import shapely

from oasis.territory.demo import coverage_share
from oasis.territory.dissolve import load_territories
from oasis.territory.errors import TerritoryNotFound
from oasis.territory.geography import Geography, load_geography, read_boundaries
from oasis.territory.indicators import CLASSES, aggregate, check_level

NATIONAL_TOLERANCE = 0.01
DEPARTMENT_TOLERANCE = 0.0015


def layer_rows(geo: Geography, dep: str | None) -> np.ndarray:
    """Analysis units of metropolitan France, or of one department (DROM included)."""
    mask = geo.analysis_units & (geo.zone == "metro" if dep is None else geo.dep == dep)
    return np.flatnonzero(mask)


@lru_cache(maxsize=16)
def geojson_layer(path: str, dep: str | None) -> bytes:
    """FeatureCollection of commune boundaries; properties: code and name only (the rest
    comes with the indicator values, keeping the national layer small)."""
    geo = load_geography()
    rows = layer_rows(geo, dep)
    if rows.size == 0:
        raise KeyError(dep)
    wkb = read_boundaries(path, rows)
    keep = [i for i, b in enumerate(wkb) if b is not None]
    shapes = shapely.from_wkb(np.array([wkb[i] for i in keep], dtype=object))
    tolerance = NATIONAL_TOLERANCE if dep is None else DEPARTMENT_TOLERANCE
    if dep is None:
        shapes = shapely.simplify(shapes, tolerance, preserve_topology=True)
    shapes = shapely.set_precision(shapes, tolerance / 10)
    geometries = shapely.to_geojson(shapes)
    features = []
    for geometry, k in zip(geometries, keep, strict=True):
        i = rows[k]
        props = {"code": geo.code[i], "name": geo.name[i]}
        features.append(f'{{"type":"Feature","properties":{json.dumps(props)},'
                        f'"geometry":{geometry}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def departments() -> list[dict[str, str]]:
    geo = load_geography()
    seen: dict[str, str] = {}
    for i in np.flatnonzero(geo.analysis_units):
        seen.setdefault(str(geo.dep[i]), str(geo.dep_name[i]))
    return [{"code": c, "name": n} for c, n in sorted(seen.items())]


@lru_cache(maxsize=1)
def territories() -> dict:
    """EPCI, department and region boundaries (dissolved once, cached on disk)."""
    return load_territories(load_geography())


@lru_cache(maxsize=32)
def territory_layer(path: str, level: str, dep: str | None) -> bytes:
    """FeatureCollection of the territories of ``level`` (metropolitan France, or those
    with a commune in ``dep``), largest first so that enclaves are drawn on top."""
    geo = load_geography()
    layer = territories()[level]
    if dep is None:
        sel = np.flatnonzero(layer.zone == "metro")
    else:
        keys = {"epci": geo.epci, "departement": geo.dep, "region": geo.region}[level]
        wanted = {k for k in keys[geo.dep == dep] if k is not None}
        sel = np.flatnonzero(np.isin(layer.code, list(wanted)))
    if sel.size == 0:
        raise KeyError(dep)
    shapes = shapely.from_wkb(np.array([layer.wkb[i] for i in sel], dtype=object))
    tolerance = NATIONAL_TOLERANCE if dep is None else DEPARTMENT_TOLERANCE
    if dep is None:
        shapes = shapely.simplify(shapes, tolerance, preserve_topology=True)
    shapes = shapely.set_precision(shapes, tolerance / 10)
    order = np.argsort(-shapely.area(shapes), kind="stable")
    geometries = shapely.to_geojson(shapes)
    features = []
    for k in order:
        props = {"code": layer.code[sel[k]], "name": layer.name[sel[k]]}
        features.append(f'{{"type":"Feature","properties":{json.dumps(props)},'
                        f'"geometry":{geometries[k]}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def _column(level: str, column: str, digits: int, scale: float = 1.0) -> dict[str, float]:
    frame = aggregate(level)
    values = frame[column].to_numpy(dtype=float) * scale
    ok = np.isfinite(values)
    return dict(zip(frame.index[ok].tolist(), np.round(values[ok], digits).tolist(),
                    strict=True))


def population_density(level: str = "commune") -> dict[str, float]:
    """Inhabitants per km², the indicator every map can show without any model."""
    frame = aggregate(level)
    area = frame["area_km2"].to_numpy(dtype=float)
    ok = np.isfinite(area)
    density = frame["population"].to_numpy()[ok] / np.maximum(area[ok], 0.01)
    return dict(zip(frame.index[ok].tolist(), np.round(density, 1).tolist(), strict=True))


def apl_generaliste(level: str = "commune") -> dict[str, float]:
    """APL per commune, population-weighted above."""
    return _column(level, "apl", 3)


def desert_class(level: str = "commune") -> dict[str, int]:
    """Position of the class in LEGENDS["classe"]["names"] (sous-dense first)."""
    labels = aggregate(level)["apl_class"]
    return {code: CLASSES.index(c) for code, c in labels.items()}


def share_sous_dense(level: str = "commune") -> dict[str, float]:
    return _column(level, "share_sous_dense", 1, 100.0)


def coverage_30(level: str = "commune") -> dict[str, float]:
    return coverage_share(level)


INDICATORS = {
    "apl": ("APL médecins généralistes (consultations/an/hab.) — offre de démonstration "
            "synthétique", apl_generaliste),
    "classe": ("Zonage : classe d'APL (sous-dense < 2,5 ; vigilance < 4) — offre de "
               "démonstration synthétique", desert_class),
    "part_sous_dense": ("Part de la population en commune sous-dense (%) — offre de "
                        "démonstration synthétique", share_sous_dense),
    "couverture": ("Population à 30 minutes ou moins d'un lieu de soins (%) — sites de "
                   "démonstration synthétiques", coverage_30),
    "densite": ("Densité de population (hab./km²)", population_density),
}

# Fixed classes where the indicator has official thresholds; others use quantiles.
LEGENDS: dict[str, dict] = {
    "apl": {"breaks": [2.5, 4.0], "colors": ["#d7301f", "#fdae61", "#1a9850"],
            "names": ["sous-dense", "vigilance", "hors zone"]},
    "classe": {"breaks": [1, 2], "colors": ["#d7301f", "#fdae61", "#1a9850"],
               "names": ["sous-dense", "vigilance", "autre"], "categories": True},
    "part_sous_dense": {"breaks": [1, 10, 25, 50], "colors": ["#fff5eb", "#fdd0a2", "#fd8d3c",
                                                              "#d94801", "#7f2704"]},
    "couverture": {"breaks": [50, 90, 99, 99.9], "colors": ["#7f2704", "#d94801", "#fd8d3c",
                                                         "#fdd0a2", "#f7f7f7"]},
    "densite": {"breaks": [10, 30, 100, 500], "colors": ["#f0f9e8", "#bae4bc", "#7bccc4",
                                                         "#43a2ca", "#0868ac"]},
}

LEVEL_CHOICES = [("commune", "Communes"), ("epci", "EPCI (intercommunalités)"),
                 ("departement", "Départements"), ("region", "Régions")]


def unknown_department(dep: str | None) -> TerritoryNotFound:
    return TerritoryNotFound(f"département inconnu : {dep}", code="unknown_department")


def commune_layer(path: str, dep: str | None) -> bytes:
    """The commune boundaries of metropolitan France or of one department."""
    try:
        return geojson_layer(path, dep)
    except KeyError:
        raise unknown_department(dep) from None


def level_layer(path: str, level: str, dep: str | None) -> bytes:
    """The boundaries of ``level`` (commune, epci, departement, region)."""
    if level == "commune":
        return commune_layer(path, dep)
    if level not in ("epci", "departement", "region"):
        raise TerritoryNotFound(f"niveau inconnu : {level} ; niveaux : commune, epci, "
                                "departement, region", code="unknown_level")
    try:
        return territory_layer(path, level, dep)
    except KeyError:
        raise unknown_department(dep) from None


def indicator_values(name: str, level: str) -> dict:
    """An indicator's values by territory of ``level``, with its label and categories."""
    if name not in INDICATORS:
        raise TerritoryNotFound(f"indicateur inconnu : {name} ; disponibles : "
                                f"{', '.join(INDICATORS)}", code="unknown_indicator")
    try:
        check_level(level)
    except ValueError as exc:
        raise TerritoryNotFound(str(exc), code="unknown_level") from None
    label, compute = INDICATORS[name]
    payload = {"name": name, "label": label, "level": level, "values": compute(level)}
    if LEGENDS.get(name, {}).get("categories"):
        payload["categories"] = LEGENDS[name]["names"]
    return payload
