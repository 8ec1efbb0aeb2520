"""« Mes rendez-vous » (with cancelling) and « Mes consultations et ordonnances »."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from oasis.care.base import utcnow
from oasis.care.booking import service as booking
from oasis.care.errors import CareError
from oasis.care.vocab import MODES, SPECIALTIES
from oasis.web.deps import SessionDep
from oasis.web.patient.pages import check_csrf, render, to_login, visitor

router = APIRouter()
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
    check_csrf(request, csrf)
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


@router.get("/mes-consultations")
def my_consultations(request: Request, session: SessionDep):
    """Past consultations; records and prescriptions come from the teleconsultation
    domain once it is installed (``oasis.care.teleconsult``)."""
    who = visitor(request, session)
    if not who.is_patient:
        return to_login(request)
    rows, _ = booking.appointments_of(session, who.actor, limit=200)
    session.commit()
    done = [a for a in reversed(rows) if a.status in ("arrived", "fulfilled")]
    return render(request, "patient/consultations.html", who,
                  title="Mes consultations et ordonnances", done=done, records=[],
                  modes=MODES, specialties=SPECIALTIES)
