"""« Mes rendez-vous » (with cancelling) and « Mes consultations et ordonnances »."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.booking import service as booking
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError
from oasis.care.core.vocab import MODES, SPECIALTIES
from oasis.care.finder.text import when_text
from oasis.care.people.models import Practitioner
from oasis.care.teleconsult import encounters, prescriptions
from oasis.web.kit.auth import visitor
from oasis.web.kit.csrf import require_csrf
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login

router = APIRouter(include_in_schema=False)
STATUS_FR = {"booked": "prévu", "arrived": "arrivé·e", "fulfilled": "effectué",
             "cancelled": "annulé", "noshow": "absent·e"}


@router.get("/mes-rendez-vous")
def my_appointments(request: Request, session: SessionDep, reserve: int | None = None,
                    annule: int | None = None):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    rows, _ = booking.appointments_of(session, who.actor, limit=200)
    session.commit()
    now = utcnow()
    upcoming = [a for a in rows if a.status == "booked" and a.end_at > now]
    past = [a for a in reversed(rows) if a not in upcoming]
    return render(request, "patient/rendez_vous.html", who, title="Mes rendez-vous",
                  upcoming=upcoming, past=past, now=now, reserve=reserve, annule=annule,
                  status_fr=STATUS_FR, modes=MODES, specialties=SPECIALTIES)


@router.get("/mes-rendez-vous/{appointment_id}/annuler")
def cancel_page(request: Request, session: SessionDep, appointment_id: int):
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    appointment = booking.get_appointment(session, who.actor, appointment_id,
                                          "annulation (confirmation)")
    session.commit()
    return render(request, "patient/annuler.html", who, title="Annuler le rendez-vous",
                  a=appointment, now=utcnow(), error=None)


@router.post("/mes-rendez-vous/{appointment_id}/annuler")
def cancel(request: Request, session: SessionDep, appointment_id: int,
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
    """The patient's teleconsultation records and prescriptions (reads audited by the
    teleconsultation domain), each prescription with its PDF link."""
    out = []
    for e in encounters.list_encounters(session, actor, limit=100):
        doctor = session.get(Practitioner, e.practitioner_id)
        rxs = prescriptions.list_for_encounter(session, e.id)
        out.append({
            "when": when_text(e.started_at), "practitioner": doctor.display_name,
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
