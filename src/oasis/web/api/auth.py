"""Sign-in API: OAuth2 password flow (bearer token) and the pages' cookie session.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
HTTPS (behind a TLS proxy run ``uvicorn --proxy-headers``); plain-HTTP development on
127.0.0.1 keeps working.  Sign-in is throttled per account and per address (429 with
``Retry-After``); signing out, changing one's password and an admin's revocation end
every session of the account (its token version moves on).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from oasis.care.accounts import onboarding
from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.audit.service import record
from oasis.care.core.actor import Actor
from oasis.care.core.errors import CareError, NotFound
from oasis.web.api.schemas.auth import (
    ConfirmIn,
    InvitationIn,
    MeOut,
    PasswordIn,
    RevokedOut,
    TokenOut,
)
from oasis.web.kit.auth import bearer, client_address, current_account, require_role
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/auth", tags=["authentification"])
THROTTLED = {429: {"description": "Trop de tentatives (code too_many_attempts, en-tête "
                                  "Retry-After)"}}


def _token(account: Account, settings) -> TokenOut:
    return TokenOut(access_token=accounts.issue_token(account, settings.secret_key),
                    expires_in=accounts.TOKEN_TTL_S, role=account.role)


@router.post("/token", response_model=TokenOut, summary="Jeton OAuth2 (mot de passe)",
             responses=THROTTLED)
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          session: SessionDep, settings: SettingsDep) -> TokenOut:
    """OAuth2 password flow: ``username`` is the account's e-mail."""
    account = accounts.sign_in(session, form.username, form.password, client_address(request))
    session.commit()
    return _token(account, settings)


@router.post("/login", response_model=MeOut, summary="Connexion des pages (cookie)",
             responses=THROTTLED)
def login(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
          email: Annotated[str, Form()], password: Annotated[str, Form()]) -> MeOut:
    account = accounts.sign_in(session, email, password, client_address(request))
    session.commit()
    response.set_cookie(COOKIE_NAME, accounts.issue_token(account, settings.secret_key),
                        max_age=accounts.TOKEN_TTL_S, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return me(account)


@router.post("/logout", status_code=204, summary="Déconnexion (met fin à toutes les "
             "sessions du compte)")
def logout(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
           token: Annotated[str | None, Depends(bearer)] = None) -> Response:
    token = token or request.cookies.get(COOKIE_NAME)
    if token:
        try:
            accounts.revoke_sessions(accounts.account_from_token(session, token,
                                                                 settings.secret_key))
            session.commit()
        except CareError:
            pass  # already expired or revoked: nothing left to end
    response.delete_cookie(COOKIE_NAME, path="/")
    response.status_code = 204
    return response


@router.post("/password", response_model=TokenOut, summary="Changer mon mot de passe",
             responses=THROTTLED)
def change_password(request: Request, body: PasswordIn, session: SessionDep,
                    settings: SettingsDep,
                    account: Annotated[Account, Depends(current_account)]) -> TokenOut:
    """Every earlier session ends; the answer carries the one new token."""
    accounts.sign_in(session, account.email, body.current_password, client_address(request))
    accounts.change_password(session, account, body.new_password)
    session.commit()
    return _token(account, settings)


@router.post("/invitation", response_model=TokenOut,
             summary="Accepter une invitation de professionnel (choisir son mot de passe)")
def accept_invitation(body: InvitationIn, session: SessionDep,
                      settings: SettingsDep) -> TokenOut:
    account = onboarding.accept_invitation(session, body.token, body.password)
    session.commit()
    return _token(account, settings)


@router.post("/confirm", response_model=TokenOut, summary="Activer mon compte (lien reçu)")
def confirm(body: ConfirmIn, session: SessionDep, settings: SettingsDep) -> TokenOut:
    account = onboarding.confirm_signup(session, body.token)
    session.commit()
    return _token(account, settings)


@router.post("/accounts/{account_id}/revoke", response_model=RevokedOut,
             summary="Mettre fin aux sessions d'un compte (admin) ; `deactivate` le ferme")
def revoke(account_id: int, session: SessionDep,
           actor: Annotated[Actor, Depends(require_role("admin"))],
           deactivate: bool = False) -> RevokedOut:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("compte introuvable", code="not_found")
    accounts.revoke_sessions(account)
    if deactivate:
        account.active = False
    record(session, actor, "update", "Account", account_id,
           purpose="fermeture du compte" if deactivate else "fin des sessions du compte")
    session.commit()
    return RevokedOut(account_id=account.id, active=account.active,
                      detail="Sessions terminées." + (" Compte fermé." if deactivate else ""))


@router.get("/me", response_model=MeOut, summary="Compte connecté")
def me(account: Annotated[Account, Depends(current_account)]) -> MeOut:
    return MeOut(id=account.id, email=account.email, role=account.role,
                 display_name=account.display_name, patient_id=account.patient_id,
                 practitioner_id=account.practitioner_id, staff_id=account.staff_id)

