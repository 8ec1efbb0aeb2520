"""The planners' map page ``/carte``: choropleths drawn by the page's own script."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oasis.territory import maps
from oasis.territory.indicators import LEVEL_LABELS
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/carte", response_class=HTMLResponse)
def map_page(request: Request, session: SessionDep,
             indicateur: str = Query("apl", max_length=40),
             niveau: str = Query("commune", max_length=20),
             territoire: str = Query("", max_length=20)) -> HTMLResponse:
    context = {
        "indicators": [(k, label) for k, (label, _) in maps.INDICATORS.items()],
        "levels": maps.LEVEL_CHOICES,
        "level_units": LEVEL_LABELS,
        "selected": {"indicateur": indicateur, "niveau": niveau, "territoire": territoire},
        "departements": maps.departments(),
    }
    return render(request, "carte.html", visitor(request, session), section="carte",
                  **context)
