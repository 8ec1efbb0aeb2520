"""Coverage page ("care within 30 minutes") on the demo sites.

Runs :func:`oasis.territory.demo.demo_coverage` with the planner's parameters (minutes,
site kinds); results are cached per parameter set, so only the first request with new
parameters pays the ~0.3 s computation.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oasis.territory.coverage import reach_text
from oasis.territory.demo import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MIN_MINUTES,
    check_coverage_parameters,
    demo_coverage,
)
from oasis.territory.sites import SITE_KINDS
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.planner import charts

router = APIRouter(tags=["planification"], include_in_schema=False)


@router.get("/planification/couverture", response_class=HTMLResponse)
def coverage_page(request: Request, session: SessionDep, minutes: int = DEFAULT_MINUTES,
                  types: list[str] | None = Query(None)) -> HTMLResponse:
    minutes, kinds = check_coverage_parameters(minutes, types)
    result = demo_coverage(minutes, kinds)
    departments = result.level("departement").head(15)
    context = {
        "summary": result.summary(), "minutes": minutes, "kinds": kinds,
        "site_kinds": SITE_KINDS, "departments": departments.to_dict("records"),
        "uncovered": result.uncovered().head(50).to_dict("records"),
        "areas": result.level("zone").to_dict("records"), "reach_text": reach_text,
        "fr": charts.fr_number, "min_minutes": MIN_MINUTES, "max_minutes": MAX_MINUTES,
    }
    return render(request, "couverture.html", visitor(request, session), **context)
