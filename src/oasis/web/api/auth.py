"""Sign-in API: OAuth2 password flow (bearer token) and the pages' cookie session.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
HTTPS (behind a TLS proxy run ``uvicorn --proxy-headers``); plain-HTTP development on
127.0.0.1 keeps working.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.web.api.schemas.auth import MeOut, TokenOut
from oasis.web.kit.auth import current_account
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/auth", tags=["authentification"])


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
