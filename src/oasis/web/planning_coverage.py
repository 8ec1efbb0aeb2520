"""Coverage page ("care within 30 minutes") and the map's coverage indicator.

Runs :func:`oasis.territory.coverage.coverage` on demand with the planner's parameters
(minutes, site kinds) on the demo sites; results are cached per parameter set, so only
the first request with new parameters pays the ~0.3 s computation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from oasis.territory.coverage import Coverage, coverage
from oasis.territory.geography import load_geography
from oasis.territory.sites import SITE_KINDS, Sites, demo_sites
from oasis.web import charts

router = APIRouter(tags=["planification"])
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 5, 120, 30


def check_parameters(minutes: int, kinds: list[str] | None) -> tuple[int, tuple[str, ...]]:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise HTTPException(400, detail={
            "code": "invalid_parameter",
            "message": f"minutes doit être entre {MIN_MINUTES} et {MAX_MINUTES} (reçu : "
                       f"{minutes})"})
    chosen = tuple(sorted(set(kinds or SITE_KINDS)))
    unknown = [k for k in chosen if k not in SITE_KINDS]
    if unknown or not chosen:
        raise HTTPException(400, detail={
            "code": "invalid_parameter",
            "message": f"type de site inconnu : {', '.join(unknown) or '(aucun)'} ; types : "
                       f"{', '.join(SITE_KINDS)}"})
    return minutes, chosen


@lru_cache(maxsize=1)
def _all_demo_sites() -> Sites:
    return demo_sites(load_geography())


@lru_cache(maxsize=16)
def demo_coverage(minutes: int = DEFAULT_MINUTES,
                  kinds: tuple[str, ...] = tuple(sorted(SITE_KINDS))) -> Coverage:
    """Coverage of the population by the demo sites of ``kinds`` within ``minutes``."""
    sites = _all_demo_sites()
    keep = np.isin(sites.kind, list(kinds))
    subset = Sites(*(getattr(sites, f)[keep] for f in
                     ("id", "name", "commune", "unit", "lat", "lon", "kind")),
                   sites.synthetic, sites.source)
    return coverage(load_geography(), subset, float(minutes))


def coverage_share(level: str = "commune") -> dict[str, float]:
    """Map indicator: % of the population within 30 minutes of a demo site."""
    key = {"commune": "code", "epci": "epci", "departement": "dep", "region": "region"}[level]
    frame = demo_coverage().level(level)
    if level == "commune":
        share = frame["covered"].to_numpy(dtype=float)
    else:
        frame = frame[frame[key] != ""]
        share = frame["share_covered"].to_numpy(dtype=float)
    return dict(zip(frame[key].tolist(), np.round(100 * share, 1).tolist(), strict=True))


@router.get("/planification/couverture", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(request: Request, minutes: int = DEFAULT_MINUTES,
                  types: list[str] | None = Query(None)) -> HTMLResponse:
    minutes, kinds = check_parameters(minutes, types)
    result = demo_coverage(minutes, kinds)
    departments = result.level("departement").head(15)
    context = {
        "summary": result.summary(), "minutes": minutes, "kinds": kinds,
        "site_kinds": SITE_KINDS, "departments": departments.to_dict("records"),
        "uncovered": result.uncovered().head(50).to_dict("records"),
        "fr": charts.fr_number, "min_minutes": MIN_MINUTES, "max_minutes": MAX_MINUTES,
    }
    return templates.TemplateResponse(request, "couverture.html", context)


@router.get("/api/v1/planification/couverture", summary="Population à moins de N minutes "
                                                        "d'un lieu de soins (sites de démo)")
def coverage_api(minutes: int = Query(DEFAULT_MINUTES, description="minutes (5 à 120)"),
                 types: list[str] | None = Query(None, description="types de site")) -> dict:
    minutes, kinds = check_parameters(minutes, types)
    result = demo_coverage(minutes, kinds)
    uncovered = result.uncovered()[["code", "name", "dep", "population", "minutes_to_site"]]
    return {**result.summary(), "site_kinds": list(kinds),
            "uncovered": uncovered.round({"minutes_to_site": 1}).to_dict("records")}
