"""Live side of teleconsultation: queue positions over a websocket, measurements persisted.

``/ws/teleconsult/queue/{entry_id}`` (session cookie, or ``?access_token=`` for API
clients) pushes the patient's place, the doctors on duty and the estimated wait every
time the queue of their specialty changes, then the call link the moment a doctor takes
them.  Changes are announced on the hub channel ``teleconsult:queue`` (in-process, or
Redis with several workers: a patient connected to worker A learns of a doctor clicking
on worker B); each socket then re-reads its own state from the database, so what is
pushed is always what is committed, and only sends it when it changed.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from oasis.care.accounts import service as accounts
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.core.errors import CareError, Unauthenticated
from oasis.care.teleconsult import queue
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.rooms import call_link
from oasis.web.live.hub import HubError, get_hub
from oasis.web.live.hub.tasks import until_first_done

log = logging.getLogger(__name__)
router = APIRouter()
CHANNEL = "teleconsult:queue"
KEEPALIVE = 25.0  # seconds: a refresh even without change (doctor counts, estimates)


async def notify_queue(app: FastAPI, event: str, specialty: str,
                       entry_id: int | None = None) -> None:
    """Announce a committed queue change to every worker's sockets (never raises)."""
    try:
        await get_hub(app).publish(CHANNEL, {"event": event, "specialty": specialty,
                                             "entry_id": entry_id})
    except Exception:  # a hub outage must not fail the request that already committed
        log.exception("could not publish queue event %s", event)


def _actor(app: FastAPI, token: str | None) -> Actor:
    if not token:
        raise Unauthenticated("authentification requise", code="unauthenticated")
    session = session_factory(app.state.settings.database_url)()
    try:
        account = accounts.account_from_token(session, token, app.state.settings.secret_key)
        return accounts.actor_for(session, account)
    finally:
        session.close()


def _state(app: FastAPI, actor: Actor, entry_id: int) -> dict[str, Any]:
    """The message for this socket now: position, or the call link once taken."""
    session = session_factory(app.state.settings.database_url)()
    try:
        view = queue.get_view(session, actor, entry_id)
        out: dict[str, Any] = {"type": "queue", **view.as_dict()}
        if view.status == "taken" and view.encounter_id is not None:
            out["type"] = "taken"
            try:
                out["call"] = call_link(session, app.state.settings, actor, view.encounter_id)
            except CareError as exc:  # closed meanwhile
                out["call"] = None
                out["message"] = exc.message
        session.commit()
        return out
    finally:
        session.rollback()
        session.close()


@router.websocket("/ws/teleconsult/queue/{entry_id}")
async def queue_socket(websocket: WebSocket, entry_id: int, access_token: str = "") -> None:
    await websocket.accept()
    app = websocket.app
    try:
        actor = await run_in_threadpool(
            _actor, app, access_token or websocket.cookies.get(COOKIE_NAME))
    except CareError as exc:
        await _fail(websocket, 4401, exc.code, exc.message)
        return
    try:
        async with get_hub(app).subscribe(CHANNEL) as sub:
            try:
                state = await run_in_threadpool(_state, app, actor, entry_id)
            except CareError as exc:
                await _fail(websocket, 4404, exc.code, exc.message)
                return
            await websocket.send_json(state)
            if state["status"] != "waiting":
                await _close(websocket, 1000)
                return
            await _pump(websocket, sub, app, actor, entry_id, state)
    except HubError:
        log.exception("hub failure on queue socket")
        await _close(websocket, 1011)


async def _pump(websocket: WebSocket, sub, app, actor: Actor, entry_id: int,
                last: dict[str, Any]) -> None:
    specialty = last["specialty"]

    async def from_client() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                text = await websocket.receive_text()
                if text.strip() == '{"type":"ping"}' or text.strip() == "ping":
                    await websocket.send_json({"type": "pong"})

    async def from_hub() -> None:
        nonlocal last
        while True:
            try:
                msg = await sub.get(timeout=KEEPALIVE)
                if msg.get("specialty") != specialty:
                    continue
            except TimeoutError:
                pass
            state = await run_in_threadpool(_state, app, actor, entry_id)
            if state != last:
                await websocket.send_json(state)
                last = state
            if state["status"] != "waiting":
                return

    await until_first_done(from_client(), from_hub(), ignore=(WebSocketDisconnect,))
    await _close(websocket, 1000)


async def _fail(websocket: WebSocket, code: int, error: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json({"type": "error", "code": error, "message": message})
    await _close(websocket, code)


async def _close(websocket: WebSocket, code: int) -> None:
    if websocket.application_state == WebSocketState.CONNECTED \
            and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code)
