"""Authentication: OAuth2 password flow for the API, HttpOnly cookie sessions for pages.

Reusable dependencies for every router:

* ``current_account`` — the logged-in :class:`Account` (bearer token or session cookie),
  401 otherwise; ``optional_account`` gives ``None`` instead of 401;
* ``current_actor`` — the :class:`~oasis.care.access.Actor` services take;
* ``require_role("coordinator", "admin")`` — an actor with one of these roles, else 403.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
HTTPS (behind a TLS proxy run ``uvicorn --proxy-headers``); plain-HTTP development on
127.0.0.1 keeps working.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

from oasis.care.access import Actor
from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.errors import Forbidden, Unauthenticated
from oasis.web.deps import SessionDep, SettingsDep

COOKIE_NAME = "oasis_session"

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
router = APIRouter(prefix="/api/v1/auth", tags=["authentification"])


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


def require_role(*roles: str):
    """Dependency factory: the actor, if their role is one of ``roles`` (else 403)."""

    def dependency(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"réservé aux rôles : {', '.join(roles)}", code="forbidden_role")
        return actor

    return dependency


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str


class MeOut(BaseModel):
    id: int
    email: str
    role: str
    display_name: str
    patient_id: int | None
    practitioner_id: int | None
    staff_id: int | None


@router.post("/token", response_model=TokenOut, summary="Jeton OAuth2 (mot de passe)")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> TokenOut:
    """OAuth2 password flow: ``username`` is the account's e-mail."""
    account = accounts.authenticate(session, form.username, form.password)
    session.commit()
    return TokenOut(access_token=accounts.issue_token(account, settings.secret_key),
                    expires_in=accounts.TOKEN_TTL_S, role=account.role)


@router.post("/login", response_model=MeOut, summary="Connexion des pages (cookie)")
def login(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
          email: Annotated[str, Form()], password: Annotated[str, Form()]) -> MeOut:
    account = accounts.authenticate(session, email, password)
    session.commit()
    response.set_cookie(COOKIE_NAME, accounts.issue_token(account, settings.secret_key),
                        max_age=accounts.TOKEN_TTL_S, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return me(account)


@router.post("/logout", status_code=204, summary="Déconnexion des pages")
def logout(response: Response) -> Response:
    response.delete_cookie(COOKIE_NAME, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=MeOut, summary="Compte connecté")
def me(account: Annotated[Account, Depends(current_account)]) -> MeOut:
    return MeOut(id=account.id, email=account.email, role=account.role,
                 display_name=account.display_name, patient_id=account.patient_id,
                 practitioner_id=account.practitioner_id, staff_id=account.staff_id)
