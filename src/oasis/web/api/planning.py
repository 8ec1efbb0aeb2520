"""Planning figures for scripts: priority EPCIs (JSON or CSV), key figures, coverage.

The same tables as the planners' pages, from :mod:`oasis.territory.indicators` and
:mod:`oasis.territory.demo` (computed once per process, on the labelled demo supply).
"""

from __future__ import annotations

import csv
import io
import math
from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from oasis.territory import indicators as data
from oasis.territory.demo import (
    DEFAULT_MINUTES,
    check_coverage_parameters,
    demo_coverage,
    depends_on_demo_apl,
)
from oasis.web.api.schemas.territory import (
    CoverageOut,
    KeyFiguresOut,
    OutlookOut,
    PriorityRankingOut,
)

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
        "Content-Disposition": f'attachment; filename="epci-prioritaires-top{top}.csv"'})


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
    rows = uncovered.round({"minutes_to_site": 1}).to_dict("records")
    for row in rows:  # out of reach (no site in the travel area): null, « hors de portée »
        if not math.isfinite(row["minutes_to_site"]):
            row["minutes_to_site"] = None
    return {**result.summary(), "site_kinds": list(kinds), "uncovered": rows}


# ------------------------------------------------------------------ « Et dans 5 ans ? »
OUTLOOK_DOCTORS, OUTLOOK_SEED, OUTLOOK_SOLVER_SECONDS = 500, 0, 5.0


@depends_on_demo_apl
@lru_cache(maxsize=1)
def outlook_data():
    """The demo outlook (territory/outlook.py): demo APL, the 20 proposed sites of the
    map, and the volunteer plan of the demo (500 synthetic volunteers on the 151
    priority EPCIs, today's mission terms), computed once per process."""
    from oasis.care.core.clock import paris_today
    from oasis.care.programmes.missions import mission_terms
    from oasis.territory.demo import demo_apl
    from oasis.territory.maps import siting_points
    from oasis.territory.outlook import outlook
    from oasis.territory.volunteers import plan_volunteers, synthetic_doctors

    apl = demo_apl()
    today = paris_today()
    epcis = data.priority_epci().sort_values("rank").index[
        :data.PRIORITY_PROGRAMME_SIZE].astype(str).tolist()
    plan = plan_volunteers(apl, synthetic_doctors(apl, OUTLOOK_DOCTORS, OUTLOOK_SEED), epcis,
                           mission_terms(today), time_limit=OUTLOOK_SOLVER_SECONDS)
    return outlook(apl, apl.supply, base_year=today.year,
                   site_codes=[p["code"] for p in siting_points()],
                   volunteer_gain=plan.apl_after - apl.apl)


@router.get("/api/v1/planification/dans-5-ans", response_model=OutlookOut,
            summary="APL aujourd'hui et dans 5 ans, avec et sans sites proposés et "
                    "volontaires (offre de démonstration)")
def outlook_api() -> dict:
    o = outlook_data()
    deps = o.departments()
    return {"year_now": o.base_year, "year_horizon": o.horizon, "variant": o.variant,
            "synthetic_supply": o.synthetic, "notes": o.notes,
            "national": o.national().round(4).to_dict("records"),
            "departments": deps.round(4).to_dict("records")}
