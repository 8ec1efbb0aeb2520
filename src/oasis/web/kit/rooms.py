"""Signed room tokens: who may enter which video room, in which role, until when.

A token is ``base64url(json claims) + "." + base64url(HMAC-SHA256)``, keyed by a key
derived from ``settings.secret_key`` for this purpose only (a prescription code can never
pass for a room token).  Tokens travel in the invitation link, so they are short-lived
and bound to one room and one participant.

Other code hands out links with :func:`invite` once a consultation exists::

    link = invite(settings, room=consultation.room, participant=f"patient-{p.id}",
                  role="patient", name=p.display_name)
    link.url   # "/visio/<room>?token=..."
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import quote

from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS
from oasis.care.core.inputs import same_secret
from oasis.care.teleconsult import encounters
from oasis.config import Settings

Role = Literal["doctor", "patient", "nurse"]
ROLES: dict[str, str] = {"doctor": "Médecin", "patient": "Patient(e)", "nurse": "Infirmier(ère)"}
DEFAULT_TTL = timedelta(hours=4)
ROOM_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PARTICIPANT_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")


class TokenError(ValueError):
    """Refused token; the message is French and safe to show to the user."""


@dataclass(frozen=True)
class RoomGrant:
    room: str
    participant: str
    role: Role
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class Invitation:
    url: str
    token: str
    expires_at: datetime


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"oasis/visio-room-token/v1\x00" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_room() -> str:
    """An unguessable room name (the token is what admits, but names leak in logs)."""
    return secrets.token_urlsafe(12)


def check_room(room: str) -> str:
    if not ROOM_RE.match(room):
        raise ValueError("room names are 1-64 characters among A-Z a-z 0-9 _ -")
    return room


def issue_token(secret: str, room: str, participant: str, role: str, *, name: str = "",
                ttl: timedelta = DEFAULT_TTL, now: datetime | None = None) -> str:
    """Sign a grant for ``participant`` to enter ``room`` as ``role`` for ``ttl``."""
    check_room(room)
    if not PARTICIPANT_RE.match(participant):
        raise ValueError("participant ids are 1-64 characters among A-Z a-z 0-9 _ . : @ -")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = now or datetime.now(UTC)
    claims = {"r": room, "p": participant, "role": role, "n": name[:80],
              "exp": int((now + ttl).timestamp())}
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify_token(secret: str, token: str, *, room: str | None = None,
                 now: datetime | None = None) -> RoomGrant:
    """The grant carried by ``token``, or :class:`TokenError` (forged, expired, other room)."""
    body, _, mac = (token or "").strip().partition(".")
    if not body or not body.isascii():
        raise TokenError("Lien de consultation invalide.")
    expected = _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
    if not same_secret(expected, mac):
        raise TokenError("Lien de consultation invalide.")
    try:
        claims = json.loads(_unb64(body))
        grant = RoomGrant(room=claims["r"], participant=claims["p"], role=claims["role"],
                          name=claims.get("n", ""),
                          expires_at=datetime.fromtimestamp(claims["exp"], PARIS))
    except (ValueError, KeyError, TypeError):
        raise TokenError("Lien de consultation invalide.") from None
    if grant.expires_at <= (now or datetime.now(UTC)):
        raise TokenError("Lien de consultation expiré le "
                         f"{grant.expires_at:%d/%m/%Y à %H:%M} : demandez-en un nouveau.")
    if room is not None and grant.room != room:
        raise TokenError("Ce lien ne donne pas accès à cette salle de consultation.")
    return grant


def invite(settings: Settings, room: str, participant: str, role: str, *, name: str = "",
           ttl: timedelta = DEFAULT_TTL) -> Invitation:
    """The link to give ``participant``: the page ``/visio/{room}?token=...``."""
    now = datetime.now(UTC)
    token = issue_token(settings.secret_key, room, participant, role, name=name, ttl=ttl,
                        now=now)
    return Invitation(url=f"/visio/{room}?token={quote(token)}", token=token,
                      expires_at=(now + ttl).astimezone(PARIS))


def call_link(session, settings: Settings, actor: Actor, encounter_id: int,
              for_patient: bool = False) -> dict:
    """The invitation of ``actor`` (or, for the ETT nurse, of her walk-in patient) to the
    call of a consultation; the grant is audited by the teleconsultation domain."""
    grant = encounters.call_grant(session, actor, encounter_id, for_patient)
    session.commit()
    link = invite(settings, room=grant.room, participant=grant.participant, role=grant.role,
                  name=grant.name)
    return {"url": link.url, "token": link.token, "expires_at": link.expires_at.isoformat(),
            "room": grant.room, "role": grant.role}
