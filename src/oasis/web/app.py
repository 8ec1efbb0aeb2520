"""FastAPI application factory: REST API, FHIR facade and French web pages.

Each domain plugs its router in :func:`create_app`; the factory is what ``oasis serve``
and the tests instantiate, so a test gets a fresh app bound to its own settings.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from oasis import __version__
from oasis.care.programmes import views as programmes
from oasis.care.teleconsult.live import include as include_teleconsult
from oasis.config import Settings, get_settings
from oasis.web import maps, patient, planning, pro, visio
from oasis.web.api import care_options, include_care_routers

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` defaults to the environment's."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Oasis",
        version=__version__,
        description="API d'Oasis : accès aux soins, APL, plateforme de soins.",
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(maps.router)
    app.include_router(visio.router)
    app.include_router(planning.router)
    include_care_routers(app)
    app.include_router(care_options.router)
    app.include_router(patient.router)
    app.include_router(programmes.france_sante)
    app.include_router(programmes.router)
    include_teleconsult(app)
    pro.include(app)

    @app.get("/healthz", tags=["système"])
    def healthz() -> dict[str, str]:
        """Liveness probe for load balancers and the test suite."""
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        from oasis.territory.geography import load_geography

        stats = load_geography(settings.geography_file).stats()
        return templates.TemplateResponse(request, "home.html", {"stats": stats})

    @app.get("/carte", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, indicateur: str = "apl", niveau: str = "commune",
                 territoire: str = "") -> HTMLResponse:
        from oasis.web.territory_data import LEVEL_LABELS

        context = {
            "indicators": [(k, label) for k, (label, _) in maps.INDICATORS.items()],
            "levels": maps.LEVEL_CHOICES,
            "level_units": LEVEL_LABELS,
            "selected": {"indicateur": indicateur, "niveau": niveau, "territoire": territoire},
            "departements": maps.departments(),
            "legends": maps.LEGENDS,
        }
        return templates.TemplateResponse(request, "carte.html", context)

    return app
