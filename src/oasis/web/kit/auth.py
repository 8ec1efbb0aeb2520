"""Who is asking: bearer tokens for the API, the HttpOnly cookie session for pages.

Reusable dependencies for every router:

* ``current_account`` — the logged-in :class:`Account` (bearer token or session cookie),
  401 otherwise; ``optional_account`` gives ``None`` instead of 401;
* ``current_actor`` — the :class:`~oasis.care.core.access.Actor` services take;
* ``require_role("coordinator", "admin")`` — an actor with one of these roles, else 403;
* ``page_gate("practitioner")`` — the :class:`Visitor` of a page, sent to the sign-in
  page when signed out and given the HTML 404 for another role.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
HTTPS (behind a TLS proxy run ``uvicorn --proxy-headers``); plain-HTTP development on
127.0.0.1 keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.core.actor import Actor
from oasis.care.core.errors import CareError, Forbidden, Unauthenticated
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.csrf import csrf_token
from oasis.web.kit.deps import SessionDep, SettingsDep
from oasis.web.kit.errors import PageNotFound, SignInRequired

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def client_address(request: Request) -> str | None:
    """The address guesses are counted against (behind a proxy: ``--proxy-headers``)."""
    return request.client.host if request.client else None


def optional_account(request: Request, session: SessionDep, settings: SettingsDep,
                     token: Annotated[str | None, Depends(bearer)] = None) -> Account | None:
    token = token or request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    return accounts.account_from_token(session, token, settings.secret_key)


def current_account(account: Annotated[Account | None, Depends(optional_account)]) -> Account:
    if account is None:
        raise Unauthenticated("authentification requise", code="unauthenticated")
    return account


def current_actor(session: SessionDep,
                  account: Annotated[Account, Depends(current_account)]) -> Actor:
    return accounts.actor_for(session, account)


ActorDep = Annotated[Actor, Depends(current_actor)]


def booking_actor(request: Request, session: SessionDep, settings: SettingsDep,
                  token: Annotated[str | None, Depends(bearer)] = None) -> Actor:
    """The actor of the booking route: a patient's token is trusted as signed and checked
    against its account inside the booking statement (no read of its own; see
    ``accounts.token_actor``); any other token goes through :func:`current_actor`."""
    token = token or request.cookies.get(COOKIE_NAME)
    if token:
        actor = accounts.token_actor(token, settings.secret_key)
        if actor is not None:
            return actor
    account = optional_account(request, session, settings, token)
    return current_actor(session, current_account(account))


BookingActorDep = Annotated[Actor, Depends(booking_actor)]


def require_role(*roles: str):
    """Dependency factory: the actor, if their role is one of ``roles`` (else 403)."""

    def dependency(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"réservé aux rôles : {', '.join(roles)}", code="forbidden_role")
        return actor

    return dependency


@dataclass(frozen=True)
class Visitor:
    """The person looking at a page: an account (maybe none), its actor, its form token."""

    account: Account | None
    actor: Actor | None
    csrf: str

    @property
    def role(self) -> str | None:
        return self.actor.role if self.actor is not None else None

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"


def visitor(request: Request, session: Session) -> Visitor:
    """The page's visitor from the session cookie (expired or revoked: signed out)."""
    secret = request.app.state.settings.secret_key
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        try:
            account = accounts.account_from_token(session, cookie, secret)
            return Visitor(account, accounts.actor_for(session, account),
                           csrf_token(secret, cookie))
        except CareError:
            pass
    return Visitor(None, None, "")


def page_gate(*roles: str):
    """Dependency factory: the page's visitor if their role is one of ``roles``."""

    def dependency(request: Request, session: SessionDep) -> Visitor:
        who = visitor(request, session)
        if who.account is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        if who.role not in roles:
            raise PageNotFound()
        return who

    return dependency
