"""« Trouver un soin » and the booking confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.billing.situation import seen_in_person
from oasis.care.booking import service as booking
from oasis.care.core.clock import paris_today
from oasis.care.core.errors import CareError, Invalid, NotFound
from oasis.care.core.geo import geography
from oasis.care.core.inputs import parse_id
from oasis.care.core.vocab import SITE_KINDS, SPECIALTIES
from oasis.care.finder import PlaceError, Situation, costs, find_care, resolve
from oasis.care.finder.grid import grids
from oasis.care.finder.service import CATEGORIES, FILTER_MODES, TITLES, parse_filters
from oasis.care.finder.text import local
from oasis.care.networks.service import mutuelle_offers
from oasis.care.notifications import service as notifications
from oasis.care.people import relatives
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.web.api.care_options import patient_of
from oasis.web.kit import notify
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.errors import PageNotFound
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
    return {"slot": slot, "doctor": doctor, "site": site,
            "specialty": SPECIALTIES[slot.specialty],
            **_cost_for(session, slot, doctor, patient, partners)}


def _cost_for(session: Session, slot: Slot, doctor: Practitioner, patient: Patient,
              partners) -> dict:
    """The price and parcours of this slot for the person the care is for."""
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
    return {"cost": cost, "parcours": parcours}


def _for_whom(session: Session, who, pour: str | int | None) -> tuple[Patient, list[dict]]:
    """« Pour qui ? »: the person chosen (the account holder by default) and the choices.

    Another patient's id is the 404 page, as for any record one may not see.
    """
    holder = patient_of(session, who.account, "prise de rendez-vous")
    family = relatives.relatives_of(session, who.actor)
    chosen = holder
    wanted = parse_id(str(pour)) if pour not in (None, "") else None
    if pour not in (None, "") and wanted != holder.id:
        if wanted is None:
            raise PageNotFound()
        try:
            chosen = relatives.get_relative(session, who.actor, wanted,
                                            purpose="prise de rendez-vous").patient
        except NotFound:
            session.commit()  # keep the audited refusal
            raise PageNotFound() from None
    choices = [{"id": holder.id, "value": "", "name": "Moi",
                "detail": f"{holder.given_name} {holder.family_name}", "patient": holder}]
    choices += [{"id": r.id, "value": str(r.id), "name": r.display_name,
                 "detail": f"{r.relation_label.lower()}, {r.age_on(paris_today())} ans",
                 "patient": r.patient} for r in family]
    return chosen, choices


def _confirm_view(session: Session, who, creneau: int, pour, partners) -> dict:
    chosen, choices = _for_whom(session, who, pour)
    view = _slot_view(session, creneau, chosen, partners)
    for c in choices:  # each person's own price and parcours, next to their name
        c.update(_cost_for(session, view["slot"], view["doctor"], c["patient"], partners)
                 if c["patient"] is not chosen else
                 {"cost": view["cost"], "parcours": view["parcours"]})
    return {**view, "choices": choices, "chosen": chosen}


@router.get("/rendez-vous/confirmer")
def confirm_page(request: Request, session: SessionDep, creneau: int, retour: str = "",
                 pour: str = ""):
    retour = safe_next(retour, "/trouver-un-soin")
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    view = _confirm_view(session, who, creneau, pour[:12],
                         request.app.state.settings.partner_mutuelles)
    session.commit()
    return render(request, "patient/confirmer.html", who, title="Confirmer le rendez-vous",
                  error=None, retour=retour, **view)


@router.post("/rendez-vous/confirmer")
def confirm(request: Request, session: SessionDep, creneau: Annotated[int, Form()],
            csrf: Annotated[str, Form()] = "", motif: Annotated[str, Form()] = "",
            retour: Annotated[str, Form()] = "",
            pour: Annotated[str, Form(max_length=12)] = ""):
    """Book for the account holder or for the relative chosen in « Pour qui ? » (the
    booking service refuses, with the usual 404 and audit, any other patient)."""
    retour = safe_next(retour, "/trouver-un-soin")
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    patient_id = who.actor.patient_id if not pour else (parse_id(pour) or 0)
    try:
        appointment = booking.book(session, who.actor, slot_id=creneau,
                                   patient_id=patient_id,
                                   reason=motif.strip()[:2000] or None)
        session.commit()
        notify.send(request, session, [notifications.booking_confirmed(session, appointment)])
    except CareError as exc:
        session.rollback()
        view = _confirm_view(session, who, creneau, pour,
                             request.app.state.settings.partner_mutuelles)
        session.commit()
        return render(request, "patient/confirmer.html", who, status_code=409,
                      title="Confirmer le rendez-vous", error=exc.message, retour=retour,
                      **view)
    return RedirectResponse(f"/mes-rendez-vous?reserve={appointment.id}", status_code=303)
