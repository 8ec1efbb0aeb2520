"""FastAPI application factory: the REST API, the French pages and the websockets.

Every route module exports one ``router``; :data:`ROUTERS` lists them all, in the order
they are matched.  The factory is what ``oasis serve`` and the tests instantiate, so a
test gets a fresh app bound to its own settings.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from oasis import __version__
from oasis.config import Settings, get_settings, require_secret
from oasis.territory.demo import use_ages_file
from oasis.territory.warmup import warm_up
from oasis.web.api import (
    appointments,
    audit,
    auth,
    billing,
    care_options,
    france_sante,
    missions,
    networks,
    notifications,
    patients,
    planning,
    practitioners,
    schedules,
    sites,
    slots,
    system,
    teleconsult,
    teleexpertise,
    territory,
)
from oasis.web.api.fhir import expertise as fhir_expertise
from oasis.web.api.fhir import router as fhir
from oasis.web.api.fhir.errors import OUTCOME_RESPONSES
from oasis.web.kit.errors import ERROR_RESPONSES, document_errors, install_errors
from oasis.web.kit.limits import InputGuard
from oasis.web.kit.security import SecurityMiddleware
from oasis.web.kit.writes import install_write_gate
from oasis.web.live import queue as live_queue
from oasis.web.live import visio as live_visio
from oasis.web.live.measurements import install_measurement_hooks
from oasis.web.pages.patient import account, directory, find, price, profile
from oasis.web.pages.patient import appointments as patient_appointments
from oasis.web.pages.patient import teleexpertise as patient_expertise
from oasis.web.pages.planner import coverage, dashboard, map, outlook, waits
from oasis.web.pages.planner import ministry as planner_ministry
from oasis.web.pages.pro import agenda, consultations, siting, volunteers
from oasis.web.pages.pro import audit as audit_page
from oasis.web.pages.pro import missions as mission_pages
from oasis.web.pages.pro import networks as network_pages
from oasis.web.pages.pro import teleexpertise as expertise_pages
from oasis.web.pages.public import home, rules
from oasis.web.pages.teleconsult import queue as queue_pages
from oasis.web.pages.visio import call

WEB_DIR = Path(__file__).resolve().parent

ROUTERS: tuple[APIRouter, ...] = (
    # JSON
    system.router, auth.router, patients.router, practitioners.router, sites.router,
    schedules.router, slots.router, appointments.router, audit.router, care_options.router,
    teleconsult.router, billing.router, france_sante.router, missions.router, planning.router,
    notifications.router, territory.router, fhir_expertise.router, fhir.router,
    teleexpertise.router, networks.router,
    # websockets
    live_queue.router, live_visio.router,
    # HTML
    home.router, rules.router, price.router, map.router, dashboard.router, coverage.router,
    outlook.router, planner_ministry.router, account.router, find.router, profile.router,
    patient_appointments.router,
    queue_pages.router, call.router,
    agenda.router, audit_page.router, consultations.router, siting.router,
    mission_pages.router, volunteers.router, expertise_pages.router, network_pages.router,
    patient_expertise.router, waits.router, directory.router,
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Warm the demo territory in the background when a server starts; never block.

    With ``jobs_in_process`` (``oasis serve`` on SQLite) the background jobs run in this
    process instead (they include the warm-up); they stop, after the job in progress,
    when the server shuts down.
    """
    settings = getattr(app.state, "settings", None)
    if settings is not None and settings.jobs_in_process:
        from oasis.care.jobs.runner import InProcessRunner

        runner = InProcessRunner(settings.database_url).start()
        yield
        runner.stop()
        return
    geography_file = str(settings.geography_file) if settings is not None else None
    threading.Thread(target=warm_up, name="oasis-warm-up", daemon=True,
                     kwargs={"geography_file": geography_file}).start()
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` defaults to the environment's.

    Refuses (:class:`~oasis.config.MissingSecret`) to build a server without a secret key
    outside development: sessions signed with a public key can be forged.
    """
    settings = require_secret(settings or get_settings())
    app = FastAPI(
        title="Oasis",
        version=__version__,
        description="API d'Oasis : accès aux soins, APL, plateforme de soins.",
        docs_url=None,  # served by pages.public.home from the app's own Swagger UI
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    use_ages_file(settings.ages_file)  # planners' pages: age-standardised demand if given
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(SecurityMiddleware, secret=settings.secret_key,
                       allowed_origins=tuple(settings.allowed_origins))
    app.add_middleware(InputGuard)  # outermost: oversized or unstorable input never routes
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    install_errors(app)
    install_measurement_hooks(app)
    for router in ROUTERS:
        if router.prefix.startswith("/fhir"):  # FHIR answers errors as OperationOutcome
            app.include_router(router, responses=OUTCOME_RESPONSES)
        else:
            app.include_router(document_errors(router), responses=ERROR_RESPONSES)
    install_write_gate(app)
    return app
