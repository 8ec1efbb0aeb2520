"""Pages for professionals: practitioners, ETT nurses, coordinators (French, server-rendered).

« Mon agenda du jour », schedule management, the audit log search, the siting planner,
the volunteer missions and their allocation plan;
each page is a thin view over the care services or the territory planners, gated by the
cookie session's role (sign-in redirect when signed out, 404 for another role).
"""

from __future__ import annotations

from fastapi import FastAPI

from oasis.web.pro import (
    agenda_views,
    audit_views,
    consult_views,
    mission_views,
    planner_views,
    volunteer_views,
)
from oasis.web.pro.common import PageNotFound, SignInRequired, not_found_page, sign_in_redirect


def include(app: FastAPI) -> None:
    """Mount the professional pages and the gate's answers on ``app``."""
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(PageNotFound, not_found_page)
    for module in (agenda_views, audit_views, consult_views, planner_views, mission_views,
                   volunteer_views):
        app.include_router(module.router)
