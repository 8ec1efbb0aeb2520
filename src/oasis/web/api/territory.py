"""Map layers for the planners' pages: boundaries as GeoJSON, indicator values apart.

Thin routes over :mod:`oasis.territory.maps`; unknown departments, levels and indicators
answer 404 with the one error body.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from oasis.territory import maps
from oasis.web.api.schemas.territory import (
    DepartmentOut,
    IndicatorOut,
    MapPointOut,
    PathLayerOut,
    PlaceLabelOut,
    PlaceOut,
    TerritorySheetOut,
)

router = APIRouter(prefix="/api/v1/carte", tags=["cartes"])
GEOJSON = {200: {"content": {"application/geo+json": {}},
                 "description": "FeatureCollection GeoJSON (EPSG:4326)"}}


def _cached(request: Request, body: bytes, gzipped: bytes, cache: str) -> Response:
    """A body computed once per process, sent precompressed when the client accepts
    gzip, with an ETag so that a revalidation is answered 304 without the bytes."""
    tag = maps.etag(body)
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding", "ETag": tag}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(gzipped, media_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type="application/json", headers=headers)


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
    request: Request, name: str,
    niveau: str = Query("commune", description="commune, epci, departement ou region"),
) -> Response:
    # IndicatorOut documents the body; it is encoded and compressed once per process
    # (maps.indicator_json); values change when an age file is loaded: revalidated.
    return _cached(request, maps.indicator_json(name, niveau),
                   maps.indicator_json_gzip(name, niveau), "no-cache")


@router.get("/etiquettes", response_model=list[PlaceLabelOut],
            summary="Préfectures et villes de 50 000 habitants ou plus, à étiqueter")
def labels(dep: str | None = Query(None, max_length=3,
                                   description="Code département ; absent : la métropole")
           ) -> list[dict]:
    return maps.place_labels(dep)


@router.get("/recherche", response_model=list[PlaceOut],
            summary="Chercher une commune (nom, code INSEE ou code postal) pour y zoomer")
def search(q: str = Query(..., max_length=80, description="texte cherché")) -> list[dict]:
    return maps.search_places(q)


@router.get("/fiche/{niveau}/{code}", response_model=TerritorySheetOut,
            summary="Fiche d'un territoire : APL, classe, population, site le plus proche, "
                    "rang de priorité, couverture")
def sheet(niveau: str, code: str) -> dict:
    return maps.territory_sheet(niveau, code)


@router.get("/sites-proposes", response_model=list[MapPointOut],
            summary="Sites proposés par l'implantation de démonstration (20 sites, 30 min)")
def proposed_sites() -> list[dict]:
    return maps.siting_points()


@router.get("/chemins/{niveau}.json", response_class=Response,
            summary="Contours projetés et quantifiés en chemins SVG (affichage rapide)",
            responses={200: {"model": PathLayerOut,
                             "description": "bbox, k et [code, nom, chemin SVG] par "
                                            "territoire"}})
def paths_layer(
    request: Request, niveau: str,
    dep: str | None = Query(None, max_length=3,
                            description="Code département ; absent : la métropole"),
) -> Response:
    path = str(request.app.state.settings.geography_file)
    return _cached(request, maps.path_layer(path, niveau, dep),
                   maps.path_layer_gzip(path, niveau, dep), "public, max-age=86400")
