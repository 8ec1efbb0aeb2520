"""Map layers for the planners' pages: commune boundaries as GeoJSON, values apart.

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
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from oasis.territory.geography import Geography, load_geography, read_boundaries

router = APIRouter(prefix="/api/v1/carte", tags=["cartes"])

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


@router.get("/communes.geojson", summary="Contours des communes (GeoJSON, EPSG:4326)")
def communes_geojson(
    request: Request,
    dep: str | None = Query(None, description="Code département ; absent : la métropole"),
) -> Response:
    settings = request.app.state.settings
    try:
        body = geojson_layer(str(settings.geography_file), dep)
    except KeyError:
        raise HTTPException(404, detail={"code": "unknown_department",
                                         "message": f"département inconnu : {dep}"}) from None
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/departements", summary="Départements disponibles pour la carte")
def departments() -> list[dict[str, str]]:
    geo = load_geography()
    seen: dict[str, str] = {}
    for i in np.flatnonzero(geo.analysis_units):
        seen.setdefault(str(geo.dep[i]), str(geo.dep_name[i]))
    return [{"code": c, "name": n} for c, n in sorted(seen.items())]


@lru_cache(maxsize=1)
def territories() -> dict:
    """EPCI, department and region boundaries (dissolved once, cached on disk)."""
    from oasis.territory.dissolve import load_territories

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


@router.get("/territoires/{niveau}.geojson",
            summary="Contours des EPCI, départements ou régions (GeoJSON, EPSG:4326)")
def territories_geojson(
    request: Request, niveau: str,
    dep: str | None = Query(None, description="Code département : les territoires qui ont "
                                              "une commune dans ce département ; absent : "
                                              "la métropole"),
) -> Response:
    settings = request.app.state.settings
    if niveau == "commune":
        return communes_geojson(request, dep)
    if niveau not in ("epci", "departement", "region"):
        raise HTTPException(404, detail={"code": "unknown_level",
                                         "message": f"niveau inconnu : {niveau} ; niveaux : "
                                                    "commune, epci, departement, region"})
    try:
        body = territory_layer(str(settings.geography_file), niveau, dep)
    except KeyError:
        raise HTTPException(404, detail={"code": "unknown_department",
                                         "message": f"département inconnu : {dep}"}) from None
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


def _column(level: str, column: str, digits: int, scale: float = 1.0) -> dict[str, float]:
    from oasis.web.territory_data import aggregate

    frame = aggregate(level)
    values = frame[column].to_numpy(dtype=float) * scale
    ok = np.isfinite(values)
    return dict(zip(frame.index[ok].tolist(), np.round(values[ok], digits).tolist(),
                    strict=True))


def population_density(level: str = "commune") -> dict[str, float]:
    """Inhabitants per km², the indicator every map can show without any model."""
    from oasis.web.territory_data import aggregate

    frame = aggregate(level)
    area = frame["area_km2"].to_numpy(dtype=float)
    ok = np.isfinite(area)
    density = frame["population"].to_numpy()[ok] / np.maximum(area[ok], 0.01)
    return dict(zip(frame.index[ok].tolist(), np.round(density, 1).tolist(), strict=True))


@lru_cache(maxsize=1)
def demo_apl():
    """APL of GPs on the seeded synthetic demo supply (computed once per process)."""
    from oasis.territory.apl import compute
    from oasis.territory.synthetic import synthetic_supply

    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    return compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0))


def apl_generaliste(level: str = "commune") -> dict[str, float]:
    """APL per commune, population-weighted above."""
    return _column(level, "apl", 3)


def desert_class(level: str = "commune") -> dict[str, int]:
    """Position of the class in LEGENDS["classe"]["names"] (sous-dense first)."""
    from oasis.web.territory_data import CLASSES, aggregate

    labels = aggregate(level)["apl_class"]
    return {code: CLASSES.index(c) for code, c in labels.items()}


def share_sous_dense(level: str = "commune") -> dict[str, float]:
    return _column(level, "share_sous_dense", 1, 100.0)


def coverage_30(level: str = "commune") -> dict[str, float]:
    from oasis.web.planning_coverage import coverage_share

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


@router.get("/indicateurs/{name}",
            summary="Valeurs d'un indicateur par commune, EPCI, département ou région")
def indicator(
    name: str,
    niveau: str = Query("commune", description="commune, epci, departement ou region"),
) -> dict:
    from oasis.web.territory_data import UnknownLevelError, check_level

    if name not in INDICATORS:
        raise HTTPException(404, detail={"code": "unknown_indicator",
                                         "message": f"indicateur inconnu : {name} ; "
                                                    f"disponibles : {', '.join(INDICATORS)}"})
    try:
        check_level(niveau)
    except UnknownLevelError as exc:
        raise HTTPException(404, detail={"code": "unknown_level", "message": str(exc)}) from None
    label, compute = INDICATORS[name]
    payload = {"name": name, "label": label, "level": niveau, "values": compute(niveau)}
    if LEGENDS.get(name, {}).get("categories"):
        payload["categories"] = LEGENDS[name]["names"]
    return payload
