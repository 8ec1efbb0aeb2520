"""Patient pages (French, server-rendered, usable at 360 px without JavaScript).

Sign up / sign in, « Trouver un soin », booking and cancelling, « Mes rendez-vous »,
« Mes consultations et ordonnances ».  Each page is a thin view over the care services;
authentication is the care platform's HttpOnly cookie session.
"""

from __future__ import annotations

from fastapi import APIRouter

from oasis.web.patient import account_views, appointment_views, find_views

router = APIRouter(include_in_schema=False)
for _module in (account_views, find_views, appointment_views):
    router.include_router(_module.router)

__all__ = ["router"]
