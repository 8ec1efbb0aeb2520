"""« Mon profil »: the médecin traitant (found on Oasis or declared) and the mutuelle.

Both change what the finder and the bill say (parcours de soins, what is reimbursed),
so a patient told « remboursement réduit » for want of a declared médecin traitant can
fix it here, in two clicks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.core.errors import CareError
from oasis.care.core.inputs import ascii_digits
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login

router = APIRouter(include_in_schema=False)
PAGE = "/mon-profil"
SAVED = {"medecin": "Votre médecin traitant est enregistré.",
         "mutuelle": "Votre mutuelle est enregistrée."}


def _page(request: Request, session, who, *, medecin: str = "", error: str | None = None,
          saved: str | None = None, status_code: int = 200):
    patient = people.get_patient(session, who.actor, who.actor.patient_id,
                                 purpose="mon profil")
    found = people.search_practitioners(session, medecin) if medecin else []
    gp = session.get(Practitioner, patient.gp_id) if patient.gp_id else None
    session.commit()
    partners = list(request.app.state.settings.partner_mutuelles)
    return render(request, "patient/profil.html", who, status_code=status_code,
                  title="Mon profil", section="profil", patient=patient, gp=gp,
                  medecin=medecin, found=found, partners=partners, error=error,
                  saved=SAVED.get(saved or ""))


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
           declared_rpps: Annotated[str, Form()] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        people.set_gp(session, who.actor, who.actor.patient_id,
                      practitioner_id=int(practitioner_id) if ascii_digits(practitioner_id)
                      else None, declared_name=declared_name, declared_rpps=declared_rpps)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _page(request, session, who, status_code=422,
                     error=exc.message[0].upper() + exc.message[1:] + ".")
    return RedirectResponse(f"{PAGE}?enregistre=medecin", status_code=303)


@router.post(PAGE + "/mutuelle")
def set_mutuelle(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "",
                 mutuelle: Annotated[str, Form()] = "",
                 autre: Annotated[str, Form()] = "",
                 member_number: Annotated[str, Form()] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    name = autre if mutuelle == "autre" else ("" if mutuelle == "aucune" else mutuelle)
    try:
        people.set_mutuelle(session, who.actor, who.actor.patient_id, name, member_number)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _page(request, session, who, status_code=422,
                     error=exc.message[0].upper() + exc.message[1:] + ".")
    return RedirectResponse(f"{PAGE}?enregistre=mutuelle", status_code=303)
