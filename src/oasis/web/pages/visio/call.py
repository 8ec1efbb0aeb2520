"""The call page ``/visio/{room}?token=...``: the link other pages and e-mails point to."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import OperationalError, ProgrammingError

from oasis.care.teleconsult.encounters import call_brief, encounter_by_room, is_participant
from oasis.care.teleconsult.exchanges import MAX_BYTES
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.rooms import ROLES, ROOM_RE, TokenError, verify_token
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/visio/{room}", response_class=HTMLResponse)
def visio_page(request: Request, room: str, session: SessionDep,
               token: str = Query("", description="Jeton d'accès signé")) -> HTMLResponse:
    error = None
    grant = None
    if not ROOM_RE.match(room):
        error = "Salle de consultation inconnue."
    else:
        try:
            grant = verify_token(request.app.state.settings.secret_key, token, room=room)
        except TokenError as exc:
            error = str(exc)
    who = _visitor(request, session)
    brief = None
    if grant is not None and grant.role == "doctor" and who is not None and who.account:
        brief = call_brief(session, who.actor, room)
        session.commit()  # the audit of the read
    exchange = _exchange(session, who, room) if grant is not None else {}
    context = {"room": room, "token": token, "grant": grant, "error": error, "brief": brief,
               "role_label": ROLES.get(grant.role, "") if grant else "", "roles": ROLES,
               **exchange}
    response = render(request, "visio.html", who, status_code=403 if error else 200,
                      **context)
    # The token is in the URL: keep it out of Referer headers.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _visitor(request: Request, session):
    """Who is signed in, for the header as on every page (« Mon compte », not « Se
    connecter »); None where the care tables are absent (video-only deployments)."""
    try:
        return visitor(request, session)
    except (OperationalError, ProgrammingError):
        session.rollback()
        return None


def _exchange(session, who, room: str) -> dict:
    """Where a signed-in party of the consultation behind ``room`` sends files, and
    where the patient lands when the doctor closes (the end-of-call summary).

    The chat itself needs only the room token (it goes over the room's websocket); a
    room that is not a consultation (video-only deployments, tests) has neither.
    """
    if who is None:
        return {}
    try:
        encounter = encounter_by_room(session, room)
    except (OperationalError, ProgrammingError):
        session.rollback()
        return {}
    if (encounter is None or who.account is None
            or not is_participant(session, who.actor, encounter)):
        return {}
    out = {"upload_to": encounter.id, "max_mb": MAX_BYTES // 2**20}
    if who.actor.role == "patient":
        out["summary_url"] = f"/teleconsultation/{encounter.id}/recapitulatif"
    return out
