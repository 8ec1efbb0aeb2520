"""« Trouver un soin » and the booking confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.billing.situation import seen_in_person
from oasis.care.booking import service as booking
from oasis.care.core.errors import CareError, Invalid, NotFound
from oasis.care.core.geo import geography
from oasis.care.core.vocab import SITE_KINDS, SPECIALTIES
from oasis.care.finder import PlaceError, Situation, costs, find_care, resolve
from oasis.care.finder.grid import grids
from oasis.care.finder.service import CATEGORIES, FILTER_MODES, TITLES, parse_filters
from oasis.care.finder.text import local
from oasis.care.networks.service import mutuelle_offers
from oasis.care.notifications import service as notifications
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.web.api.care_options import patient_of
from oasis.web.kit import notify
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import safe_next, to_login

router = APIRouter(include_in_schema=False)
TELECONSULTATION_PAGE = "/teleconsultation"
DISTANCE_CHOICES = (10, 20, 30, 45, 60)  # minutes by car, the filter's menu


def _filter_params(distance: str, mode: str, tarif: str) -> dict[str, str]:
    """The filters as they travel in links (only those set)."""
    return {k: v for k, v in (("distance", distance), ("mode", mode), ("tarif", tarif)) if v}


def _map_markers(session: Session, answer) -> list[dict]:
    """One marker per result site, numbered like the list (« 1, 3 » when a site holds
    two options), for the results map."""
    ranks: dict[int, list[int]] = {}
    for o in answer.options:
        if o.location_id is not None:
            ranks.setdefault(o.location_id, []).append(o.rank)
    if not ranks:
        return []
    sites = {s.id: s for s in session.scalars(select(Location).where(
        Location.id.in_(list(ranks))))}
    return [{"n": ", ".join(map(str, r)), "lat": sites[i].lat, "lon": sites[i].lon,
             "label": f"{', '.join(map(str, r))}. {sites[i].name}"}
            for i, r in sorted(ranks.items(), key=lambda kv: kv[1][0])]


def _option_grids(session: Session, answer) -> dict[int, object]:
    """Option rank → its 7-day grid, in one query; the drive time of each option's site
    keeps the finder's rule (start after now + drive + margin)."""
    opts = [o for o in answer.options if o.mode in ("in_person", "ett")]
    keys = {o.rank: (o.practitioner_id, o.location_id, o.mode) for o in opts}
    if not keys:
        return {}
    travel = {o.location_id: float(o.travel_minutes) for o in opts}
    found = grids(session, set(keys.values()), now=answer.now, travel=travel,
                  specialty=answer.need)
    return {rank: found[key] for rank, key in keys.items()}


@router.get("/trouver-un-soin")
def find_page(request: Request, session: SessionDep,
              ou: Annotated[str | None, Query(max_length=80)] = None,
              besoin: Annotated[str, Query(max_length=30)] = "generaliste",
              distance: Annotated[str, Query(max_length=10)] = "",
              mode: Annotated[str, Query(max_length=20)] = "",
              tarif: Annotated[str, Query(max_length=30)] = ""):
    who = visitor(request, session)
    if besoin not in SPECIALTIES:
        besoin = "generaliste"
    patient = patient_of(session, who.account, "recherche de soins (coût, parcours)")
    context = {"title": "Trouver un soin", "ou": ou or "", "besoin": besoin,
               "needs": SPECIALTIES, "answer": None, "error": None, "choices": [],
               "titles": TITLES, "categories": CATEGORIES, "site_kinds": SITE_KINDS,
               "tele_url": TELECONSULTATION_PAGE, "filter_error": None,
               "distance": distance, "mode": mode, "tarif": tarif,
               "distances": DISTANCE_CHOICES, "filter_modes": FILTER_MODES,
               "kept": _filter_params(distance, mode, tarif), "grids": {}, "markers": []}
    try:
        filters = parse_filters(distance, mode, tarif)
    except Invalid as exc:
        context.update(filter_error=exc.message, kept={})
        filters = None
    if patient is not None:  # the partner networks of care of the patient's mutuelle
        offers = mutuelle_offers(session, patient)
        context["mutuelle_offers"] = offers
        context["network_sites"] = {site.id for o in offers for site in o.sites}
    text = ou if ou is not None else None
    if text is None and patient is not None:
        text = patient.commune_code
    if text is not None and filters is not None:
        geo = geography()
        try:
            place = resolve(text, geo, codes="ask")
        except PlaceError as exc:
            context.update(error=exc.message, choices=exc.suggestions)
        else:
            booking.expire_offers(session)
            answer = find_care(session, place, besoin, patient=patient, geo=geo,
                               partners=request.app.state.settings.partner_mutuelles,
                               filters=filters)
            context.update(answer=answer, ou=place.search_label,
                           grids=_option_grids(session, answer),
                           markers=_map_markers(session, answer), filters=filters)
    session.commit()
    status = 422 if context["error"] or context["filter_error"] else 200
    return render(request, "patient/trouver.html", who, status_code=status, **context)


def _slot_view(session: Session, slot_id: Id, patient: Patient, partners) -> dict:
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
        notify.send(request, session, [notifications.booking_confirmed(session, appointment)])
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
