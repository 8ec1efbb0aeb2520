"""Planning figures for scripts: priority EPCIs (JSON or CSV), key figures, coverage.

The same tables as the planners' pages, from :mod:`oasis.territory.indicators` and
:mod:`oasis.territory.demo` (computed once per process, on the labelled demo supply).
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from oasis.territory import indicators as data
from oasis.territory.demo import DEFAULT_MINUTES, check_coverage_parameters, demo_coverage
from oasis.web.api.schemas.territory import CoverageOut, KeyFiguresOut, PriorityRankingOut
from oasis.web.kit.download import attachment

router = APIRouter(tags=["planification"])
CSV = {200: {"content": {"text/csv": {}}, "description": "Le classement au format CSV"}}
Top = Query(data.PRIORITY_PROGRAMME_SIZE, ge=1, le=2000,
            description="nombre d'EPCI (151 : le programme national)")


def _csv_response(rows: list[dict], top: int) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=data.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"epci-prioritaires-top{top}.csv")})


@router.get("/planification/epci-prioritaires.csv", include_in_schema=False)
def priority_csv(top: int = Top) -> Response:
    return _csv_response(data.priority_rows(top), top)


@router.get("/api/v1/planification/epci-prioritaires", response_model=PriorityRankingOut,
            responses=CSV, summary="EPCI prioritaires (classement par score de besoin)")
def priority_api(top: int = Top,
                 format: Literal["json", "csv"] = Query("json", description="json ou csv")):
    rows = data.priority_rows(top)
    if format == "csv":
        return _csv_response(rows, top)
    figures = data.national_figures()
    return {"top": top, "synthetic_supply": figures["synthetic"], "score": data.SCORE_TEXT,
            "epci": rows}


@router.get("/api/v1/planification/chiffres", response_model=KeyFiguresOut,
            summary="Chiffres clés nationaux (zonage APL)")
def key_figures() -> dict:
    figures = data.national_figures()
    figures["thresholds"] = list(figures["thresholds"])
    return figures


@router.get("/api/v1/planification/couverture", response_model=CoverageOut,
            summary="Population à moins de N minutes d'un lieu de soins (sites de démo)")
def coverage_api(minutes: int = Query(DEFAULT_MINUTES, description="minutes (5 à 120)"),
                 types: list[str] | None = Query(None, description="types de site")) -> dict:
    minutes, kinds = check_coverage_parameters(minutes, types)
    result = demo_coverage(minutes, kinds)
    uncovered = result.uncovered()[["code", "name", "dep", "population", "minutes_to_site"]]
    return {**result.summary(), "site_kinds": list(kinds),
            "uncovered": uncovered.round({"minutes_to_site": 1}).to_dict("records")}
