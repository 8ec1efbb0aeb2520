"""« Mes rendez-vous » (with cancelling) and « Mes consultations et ordonnances »."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from oasis.care.booking import service as booking
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError
from oasis.care.core.vocab import MODES, SPECIALTIES
from oasis.care.finder.text import when_text
from oasis.care.notifications import ics
from oasis.care.notifications import service as notifications
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.teleconsult import encounters, prescriptions
from oasis.web.kit import notify
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login

router = APIRouter(include_in_schema=False)
OFFER_ERRORS = {"offer_expired": "La proposition a expiré : vous restez sur la liste d'attente.",
                "no_offer": "Cette proposition n'est plus disponible."}
STATUS_FR = {"booked": "prévu", "arrived": "arrivé·e", "fulfilled": "effectué",
             "cancelled": "annulé", "noshow": "absent·e"}


@router.get("/mes-rendez-vous")
def my_appointments(request: Request, session: SessionDep, reserve: int | None = None,
                    annule: int | None = None, deplace: int | None = None,
                    attente: int | None = None, erreur: str | None = None):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    rows, _ = booking.appointments_of(session, who.actor, limit=200)
    waiting = booking.waitlist_of(session, who.actor)
    slots = {e.offered_slot_id: session.get(Slot, e.offered_slot_id)
             for e in waiting if e.offered_slot_id}
    session.commit()
    now = utcnow()
    upcoming = [a for a in rows if a.status == "booked" and a.end_at > now]
    past = [a for a in reversed(rows) if a not in upcoming]
    return render(request, "patient/rendez_vous.html", who, title="Mes rendez-vous",
                  upcoming=upcoming, past=past, now=now, reserve=reserve, annule=annule,
                  deplace=deplace, attente=attente, waiting=waiting, offered=slots,
                  erreur=OFFER_ERRORS.get(erreur or "", "") if erreur else "",
                  status_fr=STATUS_FR, modes=MODES, specialties=SPECIALTIES)


@router.get("/mes-rendez-vous/{appointment_id}/annuler")
def cancel_page(request: Request, session: SessionDep, appointment_id: Id):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    appointment = booking.get_appointment(session, who.actor, appointment_id,
                                          "annulation (confirmation)")
    session.commit()
    return render(request, "patient/annuler.html", who, title="Annuler le rendez-vous",
                  a=appointment, now=utcnow(), error=None)


@router.get("/mes-rendez-vous/{appointment_id}/calendrier.ics")
def calendar_export(request: Request, session: SessionDep, appointment_id: Id):
    """One appointment as an .ics file to add to one's calendar: its patient only (anyone
    else gets the same 404 as for an appointment that does not exist)."""
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    appointment = booking.get_appointment(session, who.actor, appointment_id,
                                          "export vers un agenda")
    body = ics.appointment_ics(session, appointment, method="PUBLISH")
    session.commit()
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="rendez-vous-{appointment_id}.ics"',
        "Cache-Control": "no-store"})


@router.post("/mes-rendez-vous/{appointment_id}/annuler")
def cancel(request: Request, session: SessionDep, appointment_id: Id,
           csrf: Annotated[str, Form()] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        booking.cancel(session, who.actor, appointment_id, reason="annulé par le patient")
        session.commit()
    except CareError as exc:
        session.rollback()
        appointment = booking.get_appointment(session, who.actor, appointment_id,
                                              "annulation (confirmation)")
        session.commit()
        return render(request, "patient/annuler.html", who, status_code=409,
                      title="Annuler le rendez-vous", a=appointment, now=utcnow(),
                      error=exc.message)
    return RedirectResponse(f"/mes-rendez-vous?annule={appointment_id}", status_code=303)


PDF_ROUTE = "/api/v1/prescriptions/{prescription_id}/pdf"


def _records(session, actor) -> list[dict]:
    """The patient's teleconsultation records and prescriptions, and those of the
    relatives they manage (reads audited by the teleconsultation domain), each
    prescription with its PDF link."""
    out = []
    for e in encounters.list_encounters(session, actor, limit=100):
        doctor = session.get(Practitioner, e.practitioner_id)
        rxs = prescriptions.list_for_encounter(session, e.id)
        patient = session.get(Patient, e.patient_id)
        out.append({
            "id": e.id, "when": when_text(e.started_at), "practitioner": doctor.display_name,
            # a relative's consultation (the account speaks for them) says whose it is
            "for_name": (f"{patient.given_name} {patient.family_name}"
                         if e.patient_id != actor.patient_id and patient else None),
            "reason": e.reason, "diagnosis": e.diagnosis_text, "notes": e.notes,
            "status": e.status,
            "prescriptions": [{"id": rx.id, "date": when_text(rx.issued_at).rsplit(" à ", 1)[0],
                               "pdf_url": PDF_ROUTE.format(prescription_id=rx.id),
                               "lines": rx.lines} for rx in rxs]})
    return out


@router.get("/mes-consultations")
def my_consultations(request: Request, session: SessionDep):
    """Teleconsultation records with their prescriptions, then past in-person visits."""
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    records = _records(session, who.actor)
    rows, _ = booking.appointments_of(session, who.actor, limit=200)
    session.commit()
    done = [a for a in reversed(rows) if a.status in ("arrived", "fulfilled")]
    return render(request, "patient/consultations.html", who,
                  title="Mes consultations et ordonnances", done=done, records=records,
                  modes=MODES, specialties=SPECIALTIES)


# ------------------------------------------------- reschedule and the waiting list
def _move_page(request, session, who, appointment_id: int, *, error: str | None = None,
               status_code: int = 200):
    appointment, slots = booking.alternatives(session, who.actor, appointment_id)
    session.commit()
    return render(request, "patient/deplacer.html", who, status_code=status_code,
                  title="Déplacer le rendez-vous", a=appointment, slots=slots, now=utcnow(),
                  error=error, specialties=SPECIALTIES)


@router.get("/mes-rendez-vous/{appointment_id}/deplacer")
def move_page(request: Request, session: SessionDep, appointment_id: int):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    return _move_page(request, session, who, appointment_id)


@router.post("/mes-rendez-vous/{appointment_id}/deplacer")
def move(request: Request, session: SessionDep, appointment_id: int,
         slot_id: Annotated[int, Form()], csrf: Annotated[str, Form()] = ""):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    try:
        new = booking.reschedule(session, who.actor, appointment_id, new_slot_id=slot_id)
        session.commit()
        notify.send(request, session, [notifications.booking_confirmed(session, new)])
    except CareError as exc:
        session.rollback()
        return _move_page(request, session, who, appointment_id, status_code=409,
                          error=exc.message[0].upper() + exc.message[1:] + ".")
    return RedirectResponse(f"/mes-rendez-vous?deplace={new.id}", status_code=303)


@router.post("/mes-rendez-vous/{appointment_id}/liste-attente")
def wait_for_earlier(request: Request, session: SessionDep, appointment_id: int,
                     csrf: Annotated[str, Form()] = ""):
    """« Prévenez-moi si un créneau se libère plus tôt » with the same doctor and site."""
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    a = booking.get_appointment(session, who.actor, appointment_id, "liste d'attente")
    booking.join_waitlist(session, who.actor, patient_id=a.patient_id,
                          specialty=a.practitioner.specialty, practitioner_id=a.practitioner_id,
                          location_id=a.location_id, mode=a.mode, not_after=a.start_at)
    session.commit()
    return RedirectResponse("/mes-rendez-vous?attente=1", status_code=303)


@router.post("/liste-attente/{entry_id}/{action}")
def answer_offer(request: Request, session: SessionDep, entry_id: int, action: str,
                 csrf: Annotated[str, Form()] = ""):
    """Accept (« Je prends ce créneau »), decline or leave the waiting list."""
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    require_csrf(request, csrf)
    actions = {"accepter": booking.accept_offer, "refuser": booking.decline_offer,
               "quitter": booking.leave_waitlist}
    if action not in actions:
        from oasis.web.kit.errors import PageNotFound

        raise PageNotFound()
    try:
        out = actions[action](session, who.actor, entry_id)
        session.commit()
    except CareError as exc:
        session.rollback()
        return RedirectResponse(f"/mes-rendez-vous?erreur={exc.code}", status_code=303)
    if action == "accepter":
        return RedirectResponse(f"/mes-rendez-vous?reserve={out.id}", status_code=303)
    return RedirectResponse("/mes-rendez-vous", status_code=303)
