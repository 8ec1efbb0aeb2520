"""The public home page: what Oasis is, the national figures, where to start."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.territory.geography import load_geography
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    stats = load_geography(request.app.state.settings.geography_file).stats()
    return render(request, "home.html", visitor(request, session), stats=stats,
                  section="accueil")
