"""The call page ``/visio/{room}?token=...``: the link other pages and e-mails point to."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oasis.web.visio.tokens import ROLES, ROOM_RE, TokenError, verify_token

router = APIRouter()


@router.get("/visio/{room}", response_class=HTMLResponse, include_in_schema=False)
def visio_page(request: Request, room: str,
               token: str = Query("", description="Jeton d'accès signé")) -> HTMLResponse:
    from oasis.web.app import templates

    error = None
    grant = None
    if not ROOM_RE.match(room):
        error = "Salle de consultation inconnue."
    else:
        try:
            grant = verify_token(request.app.state.settings.secret_key, token, room=room)
        except TokenError as exc:
            error = str(exc)
    context = {"room": room, "token": token, "grant": grant, "error": error,
               "role_label": ROLES.get(grant.role, "") if grant else "", "roles": ROLES}
    response = templates.TemplateResponse(request, "visio.html", context,
                                          status_code=403 if error else 200)
    # The token is in the URL: keep it out of Referer headers and shared caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
