"""WebRTC signalling over ``/ws/visio/{room}``: admission, peer list, relay, measurements.

The server never sees media; it relays SDP descriptions and ICE candidates between the
(at most three) browsers of a room, through the hub, so peers may sit on different app
workers.  Protocol, JSON text frames:

client -> server
  {"type": "signal", "to": PEER_ID, "data": {...}}      description or candidate
  {"type": "measurement", "values": {"systolic": 120, "diastolic": 80, ...}}
  {"type": "chat", "text": "…"}                         a chat line (2000 characters)
  {"type": "ping"}
server -> client
  {"type": "welcome", "you": PEER, "peers": [PEER...], "ice_servers": [...],
   "max_participants": 3, "measurements": [MEASUREMENT...], "chat": [CHAT...]}
  {"type": "peer-joined", "peer": PEER}      {"type": "peer-left", "id": PEER_ID}
  {"type": "signal", "from": PEER_ID, "data": {...}}
  {"type": "measurement", ...MEASUREMENT}     {"type": "pong"}
  {"type": "chat", ...CHAT}   CHAT is {"id", "from": PEER, "text", "sent_at", "attachment"}
                              (a file sent through the REST API is announced the same way)
  {"type": "error", "code": CODE, "message": "French text"}
PEER is {"id", "role", "name"}.  Refusals close the socket after an error message with
4400 (bad room), 4401 (token), 4403 (other room), 4409 (room full), 4410 (same person
joined from another tab), 4408 (presence lost: the client reconnects) or 4404 (the
consultation is closed: its room is over, whatever the token's expiry).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from oasis.care.core.errors import CareError
from oasis.care.teleconsult.exchanges import clean_text
from oasis.care.teleconsult.vitals import VitalsError, parse_vitals
from oasis.web.kit.rooms import PARIS, ROOM_RE, RoomGrant, TokenError, verify_token
from oasis.web.live.hub import GroupFullError, Hub, HubError, get_hub
from oasis.web.live.hub.tasks import until_first_done
from oasis.web.live.visio_hooks import ChatEvent, MeasurementEvent, call, visio_hooks

log = logging.getLogger(__name__)
router = APIRouter()

MAX_PARTICIPANTS = 3
PRESENCE_TTL = 30.0  # seconds a member survives without heartbeat (crashed worker)
HEARTBEAT = 10.0
MAX_FRAME = 64 * 1024
MEASURING_ROLES = {"nurse", "doctor"}
ENDED = "La consultation est terminée : cette salle est fermée."


def channel(room: str) -> str:
    return f"visio:{room}"


def group(room: str) -> str:
    return f"visio:{room}"


def public(info: dict[str, Any]) -> dict[str, Any]:
    return {"id": info["id"], "role": info["role"], "name": info.get("name", "")}


class Closed(Exception):
    """The session ends with this websocket close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class RoomSession:
    """One participant's websocket, bridged to the room's hub channel."""

    def __init__(self, websocket: WebSocket, grant: RoomGrant, hub: Hub) -> None:
        self.ws = websocket
        self.grant = grant
        self.hub = hub
        self.info = {"id": grant.participant, "role": grant.role, "name": grant.name,
                     "conn": uuid.uuid4().hex}
        self.peers: dict[str, dict[str, Any]] = {}
        self._send_lock = asyncio.Lock()
        self.app = websocket.app

    @property
    def id(self) -> str:
        return self.grant.participant

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(message, ensure_ascii=False))
            except (RuntimeError, OSError) as exc:  # closed under our feet
                raise WebSocketDisconnect(1006) from exc

    async def error(self, code: str, message: str) -> None:
        await self.send({"type": "error", "code": code, "message": message})

    async def publish(self, kind: str, **fields: Any) -> None:
        await self.hub.publish(channel(self.grant.room),
                               {"kind": kind, "peer": self.info, **fields})

    async def run(self) -> None:
        room = self.grant.room
        async with self.hub.subscribe(channel(room)) as sub:
            try:
                members = await self.hub.join(group(room), self.id, self.info,
                                              limit=MAX_PARTICIPANTS, ttl=PRESENCE_TTL)
            except GroupFullError:
                await self.error("room-full", f"La salle est complète ({MAX_PARTICIPANTS} "
                                              "participants au maximum).")
                raise Closed(4409, "room full") from None
            try:
                self.peers = {k: v for k, v in members.items() if k != self.id}
                await self.publish("joined")
                await self.send({
                    "type": "welcome", "you": public(self.info),
                    "peers": [public(p) for p in self.peers.values()],
                    "ice_servers": [s.model_dump(exclude_none=True)
                                    for s in self.app.state.settings.ice_servers],
                    "max_participants": MAX_PARTICIPANTS,
                    "measurements": await self._history(),
                    "chat": await self._chat_history(),
                })
                await self._pump(sub)
            finally:
                with contextlib.suppress(Exception):
                    if await self.hub.leave(group(room), self.id, self.info):
                        await self.publish("left")

    async def _history(self) -> list[dict[str, Any]]:
        provider = visio_hooks(self.app).history
        if provider is None:
            return []
        return [event.to_message() for event in await call(provider, self.grant.room)]

    async def _chat_history(self) -> list[dict[str, Any]]:
        provider = visio_hooks(self.app).chat_history
        return [] if provider is None else list(await call(provider, self.grant.room))

    async def _pump(self, sub) -> None:
        # the first loop to end ends the others; Closed and errors are re-raised
        await until_first_done(self._from_client(), self._from_room(sub), self._heartbeat())

    # ---------------------------------------------------------------- client -> room
    async def _from_client(self) -> None:
        while True:
            try:
                text = await self.ws.receive_text()
            except WebSocketDisconnect:
                return
            if len(text) > MAX_FRAME:
                await self.error("too-large", "Message trop volumineux.")
                continue
            try:
                message = json.loads(text)
                kind = message["type"]
            except (ValueError, KeyError, TypeError):
                await self.error("bad-message", "Message illisible.")
                continue
            if kind == "signal":
                await self._signal(message)
            elif kind == "measurement":
                await self._measurement(message.get("values"))
            elif kind == "chat":
                await self._chat(message.get("text"))
            elif kind == "ping":
                await self.send({"type": "pong"})
            else:
                await self.error("bad-message", f"Type de message inconnu : {kind!s:.40}.")

    async def _signal(self, message: dict[str, Any]) -> None:
        to, data = message.get("to"), message.get("data")
        if not isinstance(to, str) or not isinstance(data, dict):
            await self.error("bad-message", "Signal sans destinataire ou sans contenu.")
            return
        if to in self.peers:  # a signal to someone who just left is dropped
            await self.publish("signal", to=to, data=data)

    async def _measurement(self, values: Any) -> None:
        if self.grant.role not in MEASURING_ROLES:
            await self.error("forbidden", "Seuls l'infirmier(ère) et le médecin peuvent "
                                          "saisir des mesures.")
            return
        try:
            vitals = parse_vitals(values if isinstance(values, dict) else {})
        except VitalsError as exc:
            await self.send({"type": "error", "code": "invalid-measurement",
                             "message": str(exc), "errors": exc.errors})
            return
        event = MeasurementEvent(
            id=uuid.uuid4().hex, room=self.grant.room, participant=self.id,
            role=self.grant.role, name=self.grant.name, vitals=vitals,
            recorded_at=datetime.now(PARIS))
        try:
            for hook in visio_hooks(self.app).measurement:
                await call(hook, event)
        except Exception:
            log.exception("measurement hook failed for room %s", self.grant.room)
            await self.error("not-recorded", "Mesure non enregistrée (erreur du serveur) : "
                                             "réessayez.")
            return
        payload = event.to_message()
        await self.publish("measurement", event=payload)
        await self.send({"type": "measurement", **payload})

    async def _chat(self, text: Any) -> None:
        try:
            clean = clean_text(text)
        except CareError as exc:
            await self.error("invalid-chat", exc.message[:1].upper() + exc.message[1:] + ".")
            return
        event = ChatEvent(id=uuid.uuid4().hex, room=self.grant.room, participant=self.id,
                          role=self.grant.role, name=self.grant.name, text=clean,
                          sent_at=datetime.now(PARIS))
        try:
            for hook in visio_hooks(self.app).chat:
                await call(hook, event)
        except CareError as exc:
            await self.error("chat-not-recorded", exc.message[:1].upper() + exc.message[1:]
                             + ".")
            return
        except Exception:
            log.exception("chat hook failed for room %s", self.grant.room)
            await self.error("chat-not-recorded", "Message non enregistré (erreur du "
                                                  "serveur) : réessayez.")
            return
        payload = event.to_message()
        await self.publish("chat", event=payload)
        await self.send({"type": "chat", **payload})

    # ---------------------------------------------------------------- room -> client
    async def _from_room(self, sub) -> None:
        async for message in sub:
            sender = message.get("peer") or {}
            if sender.get("conn") == self.info["conn"]:
                continue
            kind, peer_id = message.get("kind"), sender.get("id")
            if kind == "joined":
                if peer_id == self.id:
                    await self.error("replaced", "Vous avez rejoint l'appel depuis une "
                                                 "autre fenêtre : celle-ci est fermée.")
                    raise Closed(4410, "replaced")
                if self.peers.get(peer_id, {}).get("conn") == sender.get("conn"):
                    continue  # already in the welcome's member list
                self.peers[peer_id] = sender
                await self.send({"type": "peer-joined", "peer": public(sender)})
            elif kind == "left":
                if self.peers.get(peer_id, {}).get("conn") != sender.get("conn"):
                    continue  # an old tab of a peer who has since come back
                del self.peers[peer_id]
                await self.send({"type": "peer-left", "id": peer_id})
            elif kind == "signal" and message.get("to") == self.id:
                await self.send({"type": "signal", "from": peer_id, "data": message["data"]})
            elif kind == "measurement":
                await self.send({"type": "measurement", **message["event"]})
            elif kind == "chat":
                await self.send({"type": "chat", **message["event"]})
            elif kind == "ended":
                await self.error("ended", ENDED)
                raise Closed(4404, "consultation closed")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            if not await self.hub.refresh(group(self.grant.room), self.id, self.info,
                                          PRESENCE_TTL):
                await self.error("expired", "Connexion perdue avec la salle : reconnexion…")
                raise Closed(4408, "presence lost")


@router.websocket("/ws/visio/{room}")
async def visio_socket(websocket: WebSocket, room: str, token: str = "") -> None:
    """Signalling socket; admission by the room token in the query string."""
    await websocket.accept()
    session: RoomSession | None = None
    try:
        if not ROOM_RE.match(room):
            raise Closed(4400, "bad room")
        try:
            grant = verify_token(websocket.app.state.settings.secret_key, token)
        except TokenError as exc:
            await websocket.send_json({"type": "error", "code": "token", "message": str(exc)})
            raise Closed(4401, "token") from None
        if grant.room != room:
            await websocket.send_json({"type": "error", "code": "token", "message":
                                       "Ce lien ne donne pas accès à cette salle."})
            raise Closed(4403, "other room")
        check = visio_hooks(websocket.app).is_open
        if check is not None and not await call(check, room):
            await websocket.send_json({"type": "error", "code": "ended", "message": ENDED})
            raise Closed(4404, "consultation closed")
        session = RoomSession(websocket, grant, get_hub(websocket.app))
        await session.run()
    except Closed as closed:
        await _close(websocket, closed.code, closed.reason)
    except WebSocketDisconnect:
        pass  # the browser left while we were talking to it
    except HubError:
        log.exception("hub failure in room %s", room)
        await _close(websocket, 1011, "hub failure")
    else:
        await _close(websocket, 1000, "bye")


async def end_room(app, room: str) -> None:
    """Close every socket of ``room`` (on every worker, through the hub)."""
    await get_hub(app).publish(channel(room), {"kind": "ended", "peer": {"id": "server"}})


async def publish_chat(app, room: str, message: dict[str, Any]) -> None:
    """Show a chat line stored through the REST API (a file sent) to the room's sockets
    on every worker; never raises (the request has already committed)."""
    try:
        await get_hub(app).publish(channel(room), {
            "kind": "chat", "peer": {"id": "server", "conn": "server"}, "event": message})
    except Exception:
        log.exception("could not publish a chat line to room %s", room)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED \
            and websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code, reason)


__all__ = ["MAX_PARTICIPANTS", "RoomSession", "end_room", "publish_chat", "router"]
