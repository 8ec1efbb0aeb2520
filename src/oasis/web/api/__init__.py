"""REST API of the care platform under ``/api/v1``, one router per domain."""

from __future__ import annotations

from fastapi import FastAPI


def include_care_routers(app: FastAPI) -> None:
    from oasis.web import auth, errors
    from oasis.web.api import appointments, audit, patients, practitioners, schedules, sites
    from oasis.web.api import slots as slot_routes

    errors.install(app)
    for module in (auth, patients, practitioners, sites, schedules, slot_routes, appointments,
                   audit):
        app.include_router(module.router)
