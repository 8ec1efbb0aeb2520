"""« Trouver un soin » and the booking confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from oasis.care.billing.situation import seen_in_person
from oasis.care.booking import service as booking
from oasis.care.core.errors import CareError, NotFound
from oasis.care.core.geo import geography
from oasis.care.core.vocab import SITE_KINDS, SPECIALTIES
from oasis.care.finder import PlaceError, Situation, costs, find_care, resolve
from oasis.care.finder.service import CATEGORIES, TITLES
from oasis.care.finder.text import local
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.web.api.care_options import patient_of
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import safe_next, to_login

router = APIRouter(include_in_schema=False)
TELECONSULTATION_PAGE = "/teleconsultation"


@router.get("/trouver-un-soin")
def find_page(request: Request, session: SessionDep, ou: str | None = None,
              besoin: str = "generaliste"):
    who = visitor(request, session)
    if besoin not in SPECIALTIES:
        besoin = "generaliste"
    patient = patient_of(session, who.account, "recherche de soins (coût, parcours)")
    context = {"title": "Trouver un soin", "ou": ou or "", "besoin": besoin,
               "needs": SPECIALTIES, "answer": None, "error": None, "choices": [],
               "titles": TITLES, "categories": CATEGORIES, "site_kinds": SITE_KINDS,
               "tele_url": TELECONSULTATION_PAGE}
    text = ou if ou is not None else None
    if text is None and patient is not None:
        text = patient.commune_code
    if text is not None:
        geo = geography()
        try:
            place = resolve(text, geo, codes="ask")
        except PlaceError as exc:
            context.update(error=exc.message, choices=exc.suggestions)
        else:
            booking.expire_offers(session)
            context["answer"] = find_care(session, place, besoin, patient=patient, geo=geo,
                                          partners=request.app.state.settings
                                          .partner_mutuelles)
            context["ou"] = place.search_label
    session.commit()
    status = 422 if context["error"] else 200
    return render(request, "patient/trouver.html", who, status_code=status, **context)


def _slot_view(session: Session, slot_id: int, patient: Patient, partners) -> dict:
    """What the confirmation page shows about a slot, with this patient's cost."""
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound("ce créneau n'existe pas", code="unknown_slot")
    doctor = session.get(Practitioner, slot.practitioner_id)
    site = session.get(Location, slot.location_id)
    day = local(slot.start_at).date()
    remote = slot.mode != "in_person"
    situation = Situation.of_patient(patient, day)
    parcours = costs.parcours(situation, specialty=slot.specialty, practitioner_id=doctor.id,
                              on=day, remote=remote)
    seen = seen_in_person(session, patient.id, doctor.id, day) if remote else None
    cost = costs.estimate(situation, specialty=slot.specialty, sector=doctor.sector,
                          remote=remote, on=day, partners=partners,
                          practitioner_id=doctor.id, seen=seen,
                          channel="phone" if slot.mode == "phone" else "video")
    return {"slot": slot, "doctor": doctor, "site": site, "cost": cost, "parcours": parcours,
            "specialty": SPECIALTIES[slot.specialty]}


@router.get("/rendez-vous/confirmer")
def confirm_page(request: Request, session: SessionDep, creneau: int, retour: str = ""):
    retour = safe_next(retour, "/trouver-un-soin")
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    patient = patient_of(session, who.account, "prise de rendez-vous")
    view = _slot_view(session, creneau, patient, request.app.state.settings.partner_mutuelles)
    session.commit()
    return render(request, "patient/confirmer.html", who, title="Confirmer le rendez-vous",
                  error=None, retour=retour, **view)


@router.post("/rendez-vous/confirmer")
def confirm(request: Request, session: SessionDep, creneau: Annotated[int, Form()],
            csrf: Annotated[str, Form()] = "", motif: Annotated[str, Form()] = "",
            retour: Annotated[str, Form()] = ""):
    retour = safe_next(retour, "/trouver-un-soin")
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        appointment = booking.book(session, who.actor, slot_id=creneau,
                                   patient_id=who.actor.patient_id,
                                   reason=motif.strip()[:2000] or None)
        session.commit()
    except CareError as exc:
        session.rollback()
        patient = patient_of(session, who.account, "prise de rendez-vous")
        view = _slot_view(session, creneau, patient,
                          request.app.state.settings.partner_mutuelles)
        session.commit()
        return render(request, "patient/confirmer.html", who, status_code=409,
                      title="Confirmer le rendez-vous", error=exc.message, retour=retour,
                      **view)
    return RedirectResponse(f"/mes-rendez-vous?reserve={appointment.id}", status_code=303)
