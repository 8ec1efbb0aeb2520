"""Sign up, sign in, sign out (cookie session of the care platform).

Sign-in is throttled like the API's; signing out ends every session of the account.
Sign-up answers the same page whoever is already registered and activates the account
from the link e-mailed to its address; professionals set their password from their
invitation link.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.accounts import onboarding
from oasis.care.accounts import service as accounts
from oasis.care.core.errors import CareError, TooManyAttempts
from oasis.care.finder import PlaceError, resolve
from oasis.web.kit.auth import client_address, visitor
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import safe_next

router = APIRouter(include_in_schema=False)


def _signed_in(request: Request, account, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE_NAME, accounts.issue_token(
        account, request.app.state.settings.secret_key), max_age=accounts.TOKEN_TTL_S,
        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


@router.get("/connexion")
def login_page(request: Request, session: SessionDep, suite: str | None = None):
    return render(request, "patient/connexion.html", visitor(request, session),
                  title="Se connecter", suite=safe_next(suite, ""), email="", error=None)


@router.post("/connexion")
def login(request: Request, session: SessionDep, email: Annotated[str, Form()],
          password: Annotated[str, Form()], suite: Annotated[str, Form()] = ""):
    try:
        account = accounts.sign_in(session, email, password, client_address(request))
    except TooManyAttempts as exc:
        page = render(request, "patient/connexion.html", visitor(request, session),
                      status_code=429, title="Se connecter", suite=safe_next(suite, ""),
                      email=email, error=exc.message)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except CareError:
        return render(request, "patient/connexion.html", visitor(request, session),
                      status_code=401, title="Se connecter", suite=safe_next(suite, ""),
                      email=email, error="Adresse e-mail ou mot de passe incorrect.")
    session.commit()
    # Without a page to go back to, each role lands on its own space (professionals: /pro).
    home = "/mes-rendez-vous" if account.role == "patient" else "/pro"
    return _signed_in(request, account, safe_next(suite, home))


@router.post("/deconnexion")
def logout(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = ""):
    require_csrf(request, csrf)
    who = visitor(request, session)
    if who.account is not None:
        accounts.revoke_sessions(who.account)
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


EMPTY = {"email": "", "given_name": "", "family_name": "", "birth_date": "", "commune": "",
         "mutuelle": ""}


@router.get("/inscription")
def signup_page(request: Request, session: SessionDep, suite: str | None = None):
    return render(request, "patient/inscription.html", visitor(request, session),
                  title="Créer mon compte", form=EMPTY, errors={}, choices=[],
                  suite=safe_next(suite, "/trouver-un-soin"))


@router.post("/inscription")
def signup(request: Request, session: SessionDep,
           email: Annotated[str, Form()], password: Annotated[str, Form()],
           given_name: Annotated[str, Form()], family_name: Annotated[str, Form()],
           birth_date: Annotated[str, Form()], commune: Annotated[str, Form()],
           mutuelle: Annotated[str, Form()] = "", suite: Annotated[str, Form()] = "",
           commune_choisie: Annotated[str, Form()] = ""):
    commune = commune_choisie or commune
    form = {"email": email, "given_name": given_name, "family_name": family_name,
            "birth_date": birth_date, "commune": commune, "mutuelle": mutuelle}
    errors: dict[str, str] = {}
    choices = []
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        errors["birth_date"] = "Indiquez votre date de naissance (jour, mois, année)."
    try:
        place = resolve(commune, codes="ask")
    except PlaceError as exc:
        errors["commune"] = exc.message[0].upper() + exc.message[1:] + "."
        choices = exc.suggestions
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        errors["password"] = (f"Le mot de passe doit avoir au moins "
                              f"{accounts.MIN_PASSWORD_LENGTH} caractères.")
    if not given_name.strip() or not family_name.strip():
        errors["name"] = "Indiquez votre prénom et votre nom."
    if not errors:
        try:
            onboarding.request_signup(
                session, email=email, password=password, family_name=family_name,
                given_name=given_name, birth_date=born, commune_code=place.code,
                mutuelle_name=mutuelle.strip() or None,
                link_base=str(request.base_url).rstrip("/"))
            session.commit()
            return render(request, "patient/inscription_envoyee.html", visitor(request, session),
                          status_code=202, title="Vérifiez vos e-mails",
                          message=onboarding.SIGNUP_SENT)
        except CareError as exc:
            session.rollback()
            key = "email" if exc.code == "invalid_email" else "form"
            errors[key] = exc.message[0].upper() + exc.message[1:] + "."
    return render(request, "patient/inscription.html", visitor(request, session),
                  status_code=422, title="Créer mon compte", form=form, errors=errors,
                  choices=choices, suite=safe_next(suite, "/trouver-un-soin"))


@router.get("/inscription/confirmer/{secret}")
def confirm_page(request: Request, session: SessionDep, secret: str):
    """A button, not an action: mail scanners open links, only a person presses it."""
    return render(request, "patient/lien.html", visitor(request, session),
                  title="Activer mon compte", action=f"/inscription/confirmer/{secret}",
                  password=False, button="Activer mon compte", error=None)


@router.post("/inscription/confirmer/{secret}")
def confirm(request: Request, session: SessionDep, secret: str):
    try:
        account = onboarding.confirm_signup(session, secret)
    except CareError as exc:
        return render(request, "patient/lien.html", visitor(request, session), status_code=404,
                      title="Activer mon compte", action=None, password=False, button="",
                      error=exc.message[0].upper() + exc.message[1:] + ".")
    session.commit()
    return _signed_in(request, account, "/trouver-un-soin")


@router.get("/invitation/{secret}")
def invitation_page(request: Request, session: SessionDep, secret: str):
    return render(request, "patient/lien.html", visitor(request, session),
                  title="Choisir mon mot de passe", action=f"/invitation/{secret}",
                  password=True, button="Enregistrer et me connecter", error=None)


@router.post("/invitation/{secret}")
def accept_invitation(request: Request, session: SessionDep, secret: str,
                      password: Annotated[str, Form()] = ""):
    try:
        account = onboarding.accept_invitation(session, secret, password)
    except CareError as exc:
        status = 404 if exc.code == "invalid_link" else 422
        return render(request, "patient/lien.html", visitor(request, session),
                      status_code=status, title="Choisir mon mot de passe",
                      action=f"/invitation/{secret}" if status == 422 else None,
                      password=True, button="Enregistrer et me connecter",
                      error=exc.message[0].upper() + exc.message[1:] + ".")
    session.commit()
    return _signed_in(request, account, "/pro")
