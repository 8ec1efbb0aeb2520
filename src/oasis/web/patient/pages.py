"""What every patient page needs: templates, the signed-in account, CSRF, redirects.

Forms post to the same origin with the session cookie (SameSite=Lax); each state-changing
form also carries a token derived from that cookie (HMAC under the secret key), so a
request forged from another site or a stale tab is refused rather than acted upon.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from oasis.care.access import Actor
from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.errors import CareError, Forbidden
from oasis.care.finder.text import euros, minutes_text, when_text
from oasis.web.auth import COOKIE_NAME

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
TEMPLATES.env.filters["euros"] = euros
TEMPLATES.env.filters["minutes"] = minutes_text
TEMPLATES.env.filters["when"] = when_text


@dataclass(frozen=True)
class Visitor:
    """The person looking at a page: an account (maybe none) and its actor."""

    account: Account | None
    actor: Actor | None
    csrf: str

    @property
    def is_patient(self) -> bool:
        return self.actor is not None and self.actor.role == "patient"


def csrf_token(secret: str, cookie: str | None) -> str:
    if not cookie:
        return ""
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()[:32]


def visitor(request: Request, session: Session) -> Visitor:
    secret = request.app.state.settings.secret_key
    cookie = request.cookies.get(COOKIE_NAME)
    account = actor = None
    if cookie:
        try:
            account = accounts.account_from_token(session, cookie, secret)
            actor = accounts.actor_for(session, account)
        except CareError:  # expired or revoked: the visitor is simply not signed in
            account = None
    return Visitor(account, actor, csrf_token(secret, cookie) if account else "")


def check_csrf(request: Request, sent: str | None) -> None:
    expected = csrf_token(request.app.state.settings.secret_key,
                          request.cookies.get(COOKIE_NAME))
    if not expected or not hmac.compare_digest(expected, sent or ""):
        raise Forbidden("formulaire expiré : rechargez la page et recommencez",
                        code="csrf")


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/connexion?suite={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None, default: str = "/mes-rendez-vous") -> str:
    """Only local paths: never redirect a patient to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return default


def render(request: Request, name: str, who: Visitor, status_code: int = 200, **context):
    context.setdefault("title", "Oasis")
    return TEMPLATES.TemplateResponse(request, name, {"who": who, **context},
                                      status_code=status_code)


def route_exists(request: Request, path: str) -> bool:
    """Link to another helper's page only once it is mounted (no dead links)."""
    return any(getattr(r, "path", None) == path for r in request.app.routes)
