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


def population_density() -> dict[str, float]:
    """Inhabitants per km², the indicator every map can show without any model."""
    geo = load_geography()
    rows = np.flatnonzero(geo.analysis_units & np.isfinite(geo.area_km2))
    density = geo.population[rows] / np.maximum(geo.area_km2[rows], 0.01)
    return dict(zip(geo.code[rows].tolist(), np.round(density, 1).tolist(), strict=True))


@lru_cache(maxsize=1)
def demo_apl():
    """APL of GPs on the seeded synthetic demo supply (computed once per process)."""
    from oasis.territory.apl import compute
    from oasis.territory.synthetic import synthetic_supply

    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    return compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0))


def apl_generaliste() -> dict[str, float]:
    result = demo_apl()
    codes = load_geography().code[result.units]
    return dict(zip(codes.tolist(), np.round(result.apl, 3).tolist(), strict=True))


INDICATORS = {
    "apl": ("APL médecins généralistes (consultations/an/hab.) — offre de démonstration "
            "synthétique", apl_generaliste),
    "densite": ("Densité de population (hab./km²)", population_density),
}

# Fixed classes where the indicator has official thresholds; others use quantiles.
LEGENDS: dict[str, dict] = {
    "apl": {"breaks": [2.5, 4.0], "colors": ["#d7301f", "#fdae61", "#1a9850"],
            "names": ["sous-dense", "vigilance", "hors zone"]},
    "densite": {"breaks": [10, 30, 100, 500], "colors": ["#f0f9e8", "#bae4bc", "#7bccc4",
                                                         "#43a2ca", "#0868ac"]},
}


@router.get("/indicateurs/{name}", summary="Valeurs d'un indicateur par commune")
def indicator(name: str) -> dict:
    if name not in INDICATORS:
        raise HTTPException(404, detail={"code": "unknown_indicator",
                                         "message": f"indicateur inconnu : {name} ; "
                                                    f"disponibles : {', '.join(INDICATORS)}"})
    label, compute = INDICATORS[name]
    return {"name": name, "label": label, "values": compute()}
