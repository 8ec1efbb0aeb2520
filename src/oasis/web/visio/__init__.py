"""Teleconsultation video: WebRTC signalling, room tokens, the call page (issue 6).

``router`` carries the websocket ``/ws/visio/{room}`` and the page ``/visio/{room}``.
Other domains use :func:`invite` to hand out links and :func:`on_measurement` to persist
the vital signs entered during a call.
"""

from __future__ import annotations

from fastapi import APIRouter

from oasis.web.visio.hooks import (
    MeasurementEvent,
    on_measurement,
    set_measurement_history,
    visio_hooks,
)
from oasis.web.visio.signalling import MAX_PARTICIPANTS
from oasis.web.visio.signalling import router as _ws_router
from oasis.web.visio.tokens import (
    ROLES,
    Invitation,
    RoomGrant,
    TokenError,
    invite,
    issue_token,
    new_room,
    verify_token,
)
from oasis.web.visio.views import router as _page_router

router = APIRouter(tags=["téléconsultation"])
router.include_router(_ws_router)
router.include_router(_page_router)

__all__ = [
    "MAX_PARTICIPANTS",
    "ROLES",
    "Invitation",
    "MeasurementEvent",
    "RoomGrant",
    "TokenError",
    "invite",
    "issue_token",
    "new_room",
    "on_measurement",
    "router",
    "set_measurement_history",
    "verify_token",
    "visio_hooks",
]
