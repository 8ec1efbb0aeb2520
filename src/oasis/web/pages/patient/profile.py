"""« Mon profil »: the médecin traitant (found on Oasis or declared), the mutuelle, and
« Mes proches » (children, a dependent parent) with theirs.

Both change what the finder and the bill say (parcours de soins, what is reimbursed),
so a patient told « remboursement réduit » for want of a declared médecin traitant can
fix it here, in two clicks — for themselves or for a relative they book for.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.core.clock import paris_today
from oasis.care.core.errors import CareError, Invalid, NotFound
from oasis.care.core.inputs import ascii_digits, parse_id
from oasis.care.people import relatives
from oasis.care.people import service as people
from oasis.care.people.models import RELATIONS, Practitioner
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login

router = APIRouter(include_in_schema=False)
PAGE = "/mon-profil"
RELATIVE_PAGE = PAGE + "/proches/{relative_id}"
SAVED = {"medecin": "Votre médecin traitant est enregistré.",
         "mutuelle": "Votre mutuelle est enregistrée.",
         "proche": "Votre proche est enregistré·e.",
         "proche-nir": f"Votre proche est enregistré·e. {relatives.NIR_NOTICE}.",
         "retire": "Votre proche est retiré·e de votre compte.",
         "proche-medecin": "Son médecin traitant est enregistré.",
         "proche-mutuelle": "Sa mutuelle est enregistrée."}


def _sentence(exc: CareError) -> str:
    return exc.message[0].upper() + exc.message[1:] + "."


def _page(request: Request, session, who, *, medecin: str = "", error: str | None = None,
          saved: str | None = None, status_code: int = 200, form: dict | None = None):
    patient = people.get_patient(session, who.actor, who.actor.patient_id,
                                 purpose="mon profil")
    found = people.search_practitioners(session, medecin) if medecin else []
    gp = session.get(Practitioner, patient.gp_id) if patient.gp_id else None
    family = relatives.relatives_of(session, who.actor)
    session.commit()
    partners = list(request.app.state.settings.partner_mutuelles)
    return render(request, "patient/profil.html", who, status_code=status_code,
                  title="Mon profil", section="profil", patient=patient, gp=gp,
                  medecin=medecin, found=found, partners=partners, error=error,
                  saved=SAVED.get(saved or ""), relatives=family, relations=RELATIONS,
                  today=paris_today(), form=form or {})


def _relative_page(request: Request, session, who, relative_id: int, *, medecin: str = "",
                   error: str | None = None, saved: str | None = None,
                   status_code: int = 200):
    try:
        relative = relatives.get_relative(session, who.actor, relative_id)
    except NotFound:
        session.commit()  # keep the audited refusal
        raise PageNotFound() from None
    found = people.search_practitioners(session, medecin) if medecin else []
    patient = relative.patient
    gp = session.get(Practitioner, patient.gp_id) if patient.gp_id else None
    session.commit()
    partners = list(request.app.state.settings.partner_mutuelles)
    return render(request, "patient/proche.html", who, status_code=status_code,
                  title=f"Mon proche : {relative.display_name}", section="profil",
                  relative=relative, patient=patient, gp=gp, medecin=medecin, found=found,
                  partners=partners, error=error, saved=SAVED.get(saved or ""),
                  relations=RELATIONS, today=paris_today())


def _target(who, pour: str) -> int:
    """Whose profile a form changes: the account holder (empty) or a relative's id."""
    if not pour:
        return who.actor.patient_id
    relative_id = parse_id(pour)
    if relative_id is None:
        raise PageNotFound()
    return relative_id


def _ensure_mine(session, who, target: int) -> None:
    """The 404 page unless ``target`` is the account holder or one of their relatives."""
    if target == who.actor.patient_id:
        return
    try:
        relatives.get_relative(session, who.actor, target)
    except NotFound:
        session.commit()  # keep the audited refusal
        raise PageNotFound() from None


def _back(who, target: int, saved: str) -> RedirectResponse:
    if target == who.actor.patient_id:
        return RedirectResponse(f"{PAGE}?enregistre={saved}", status_code=303)
    return RedirectResponse(RELATIVE_PAGE.format(relative_id=target)
                            + f"?enregistre=proche-{saved}", status_code=303)


def _error_page(request, session, who, target: int, exc: CareError):
    if target == who.actor.patient_id:
        return _page(request, session, who, status_code=422, error=_sentence(exc))
    return _relative_page(request, session, who, target, status_code=422,
                          error=_sentence(exc))


@router.get(PAGE)
def profile(request: Request, session: SessionDep, medecin: str = "",
            enregistre: str | None = None):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    return _page(request, session, who, medecin=medecin.strip()[:100], saved=enregistre)


@router.post(PAGE + "/medecin-traitant")
def set_gp(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "",
           practitioner_id: Annotated[str, Form()] = "",
           declared_name: Annotated[str, Form()] = "",
           declared_rpps: Annotated[str, Form()] = "",
           pour: Annotated[str, Form(max_length=12)] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    target = _target(who, pour)
    _ensure_mine(session, who, target)
    try:
        people.set_gp(session, who.actor, target,
                      practitioner_id=(parse_id(practitioner_id) or 0)
                      if ascii_digits(practitioner_id) else None,
                      declared_name=declared_name, declared_rpps=declared_rpps)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _error_page(request, session, who, target, exc)
    return _back(who, target, "medecin")


@router.post(PAGE + "/mutuelle")
def set_mutuelle(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "",
                 mutuelle: Annotated[str, Form()] = "",
                 autre: Annotated[str, Form()] = "",
                 member_number: Annotated[str, Form()] = "",
                 pour: Annotated[str, Form(max_length=12)] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    target = _target(who, pour)
    name = autre if mutuelle == "autre" else ("" if mutuelle == "aucune" else mutuelle)
    _ensure_mine(session, who, target)
    try:
        people.set_mutuelle(session, who.actor, target, name, member_number)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _error_page(request, session, who, target, exc)
    return _back(who, target, "mutuelle")


# ------------------------------------------------------------------ « Mes proches »
def _birth(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise Invalid("date de naissance invalide (jj/mm/aaaa)",
                      code="invalid_birth_date") from None


Text = Annotated[str, Form(max_length=200)]


@router.post(PAGE + "/proches")
def add_relative(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "",
                 family_name: Text = "", given_name: Text = "", birth_date: Text = "",
                 sex: Text = "", relation: Text = "", nir: Text = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    form = {"family_name": family_name, "given_name": given_name, "birth_date": birth_date,
            "sex": sex, "relation": relation, "nir": nir}
    try:
        relative = relatives.add_relative(
            session, who.actor, family_name=family_name, given_name=given_name,
            birth_date=_birth(birth_date), sex=sex or None, relation=relation,
            nir=nir or None)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _page(request, session, who, status_code=422, error=_sentence(exc), form=form)
    # whoever gives a NIR hears the same thing, whether it was already on Oasis or not
    return RedirectResponse(RELATIVE_PAGE.format(relative_id=relative.id)
                            + f"?enregistre=proche{'-nir' if nir.strip() else ''}",
                            status_code=303)


@router.get(RELATIVE_PAGE)
def relative_page(request: Request, session: SessionDep, relative_id: Id, medecin: str = "",
                  enregistre: str | None = None):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    return _relative_page(request, session, who, relative_id, medecin=medecin.strip()[:100],
                          saved=enregistre)


@router.post(RELATIVE_PAGE)
def update_relative(request: Request, session: SessionDep, relative_id: Id,
                    csrf: Annotated[str, Form()] = "", family_name: Text = "",
                    given_name: Text = "", birth_date: Text = "", sex: Text = "",
                    relation: Text = "", nir: Text = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        relatives.update_relative(session, who.actor, relative_id, family_name=family_name,
                                  given_name=given_name, birth_date=_birth(birth_date),
                                  sex=sex or None, relation=relation, nir=nir)
        session.commit()
    except NotFound:
        session.commit()
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _relative_page(request, session, who, relative_id, status_code=422,
                              error=_sentence(exc))
    return RedirectResponse(RELATIVE_PAGE.format(relative_id=relative_id)
                            + f"?enregistre=proche{'-nir' if nir.strip() else ''}",
                            status_code=303)


@router.post(RELATIVE_PAGE + "/retirer")
def remove_relative(request: Request, session: SessionDep, relative_id: Id,
                    csrf: Annotated[str, Form()] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        relatives.remove_relative(session, who.actor, relative_id)
        session.commit()
    except NotFound:
        session.commit()
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _relative_page(request, session, who, relative_id, status_code=409,
                              error=_sentence(exc))
    return RedirectResponse(f"{PAGE}?enregistre=retire", status_code=303)
