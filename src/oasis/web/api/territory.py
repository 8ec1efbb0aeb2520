"""Map layers for the planners' pages: boundaries as GeoJSON, indicator values apart.

Thin routes over :mod:`oasis.territory.maps`; unknown departments, levels and indicators
answer 404 with the one error body.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from oasis.territory import maps
from oasis.web.api.schemas.territory import DepartmentOut, IndicatorOut

router = APIRouter(prefix="/api/v1/carte", tags=["cartes"])
GEOJSON = {200: {"content": {"application/geo+json": {}},
                 "description": "FeatureCollection GeoJSON (EPSG:4326)"}}


def _geojson(body: bytes) -> Response:
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/communes.geojson", summary="Contours des communes (GeoJSON, EPSG:4326)",
            response_class=Response, responses=GEOJSON)
def communes_geojson(
    request: Request,
    dep: str | None = Query(None, max_length=3,
                            description="Code département ; absent : la métropole"),
) -> Response:
    return _geojson(maps.commune_layer(str(request.app.state.settings.geography_file), dep))


@router.get("/departements", summary="Départements disponibles pour la carte",
            response_model=list[DepartmentOut])
def departments() -> list[dict[str, str]]:
    return maps.departments()


@router.get("/territoires/{niveau}.geojson", response_class=Response, responses=GEOJSON,
            summary="Contours des EPCI, départements ou régions (GeoJSON, EPSG:4326)")
def territories_geojson(
    request: Request, niveau: str,
    dep: str | None = Query(None, max_length=3,
                            description="Code département : les territoires qui ont une "
                                        "commune dans ce département ; absent : la métropole"),
) -> Response:
    path = str(request.app.state.settings.geography_file)
    return _geojson(maps.level_layer(path, niveau, dep))


@router.get("/indicateurs/{name}", response_model=IndicatorOut,
            summary="Valeurs d'un indicateur par commune, EPCI, département ou région")
def indicator(
    name: str,
    niveau: str = Query("commune", description="commune, epci, departement ou region"),
) -> dict:
    return maps.indicator_values(name, niveau)
