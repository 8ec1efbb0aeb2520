"""Appointments and the waiting list: book (409 on conflict), cancel, reschedule, mine."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from oasis.care.booking import service as booking
from oasis.care.booking.models import WaitlistEntry
from oasis.care.core.access import represented_ids
from oasis.care.core.errors import Invalid
from oasis.care.notifications import service as notifications
from oasis.web.api.schemas.care import AppointmentOut, WaitlistOut, page_of
from oasis.web.kit import notify
from oasis.web.kit.auth import ActorDep, BookingActorDep
from oasis.web.kit.deps import Id, Instant, PageDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["rendez-vous"])


class BookingIn(BaseModel):
    slot_id: Id
    patient_id: Id | None = Field(default=None, description="Par défaut : le patient connecté ; "
                                  "un de ses proches (GET /api/v1/patients/me/relatives)")
    reason: str | None = Field(default=None, max_length=2000)


class CancelIn(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


class RescheduleIn(BaseModel):
    slot_id: Id


def _patient_id(actor, requested: int | None) -> int:
    if requested is not None:
        return requested
    if actor.patient_id is None:
        raise Invalid("précisez patient_id", code="patient_required")
    return actor.patient_id


@router.post("/appointments", status_code=201, response_model=AppointmentOut,
             responses={409: {"description": "Créneau déjà pris (code slot_taken, "
                                             "slot_held, practitioner_overlap, …)"}},
             summary="Prendre rendez-vous")
def book(body: BookingIn, request: Request, session: SessionDep,
         actor: BookingActorDep) -> AppointmentOut:
    appointment = booking.book(session, actor, slot_id=body.slot_id,
                               patient_id=_patient_id(actor, body.patient_id),
                               reason=body.reason)
    # Queued in the booking's own transaction: one commit, and no booking without its
    # confirmation; the mail itself goes out after the commit (a mail outage never
    # undoes a booking).
    confirmation = notifications.booking_confirmed(session, appointment)
    session.commit()
    notify.send(request, session, [confirmation])
    return AppointmentOut.model_validate(appointment)


@router.get("/appointments/mine", response_model=page_of(AppointmentOut),
            summary="Mes rendez-vous (patient) ou mon agenda (praticien)")
def mine(session: SessionDep, actor: ActorDep, page: PageDep, upcoming: bool = False) -> dict:
    rows, total = booking.appointments_of(session, actor, upcoming_only=upcoming,
                                          limit=page.per_page, offset=page.offset)
    session.commit()
    return page.wrap([AppointmentOut.model_validate(a) for a in rows], total)


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def read(appointment_id: Id, session: SessionDep, actor: ActorDep) -> AppointmentOut:
    appointment = booking.get_appointment(session, actor, appointment_id)
    session.commit()
    return AppointmentOut.model_validate(appointment)


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut,
             summary="Annuler (le créneau est proposé d'abord à la liste d'attente)")
def cancel(appointment_id: Id, request: Request, session: SessionDep, actor: ActorDep,
           body: CancelIn | None = None) -> AppointmentOut:
    appointment = booking.cancel(session, actor, appointment_id,
                                 reason=body.reason if body else None)
    message = notifications.after_cancel(session, actor, appointment)  # by the practice
    session.commit()
    out = AppointmentOut.model_validate(appointment)
    notify.send(request, session, [message])
    return out


@router.post("/appointments/{appointment_id}/reschedule", status_code=201,
             response_model=AppointmentOut, summary="Déplacer vers un autre créneau")
def reschedule(appointment_id: Id, body: RescheduleIn, request: Request, session: SessionDep,
               actor: ActorDep) -> AppointmentOut:
    appointment = booking.reschedule(session, actor, appointment_id, new_slot_id=body.slot_id)
    session.commit()
    out = AppointmentOut.model_validate(appointment)
    # same UID, SEQUENCE + 1: the patient's calendar moves the event
    notify.send(request, session, [notifications.booking_confirmed(session, appointment)])
    return out


@router.post("/appointments/{appointment_id}/no-show", response_model=AppointmentOut,
             summary="Patient absent")
def no_show(appointment_id: Id, session: SessionDep, actor: ActorDep) -> AppointmentOut:
    appointment = booking.mark_no_show(session, actor, appointment_id)
    session.commit()
    return AppointmentOut.model_validate(appointment)


class WaitlistIn(BaseModel):
    specialty: str = "generaliste"
    patient_id: Id | None = None
    practitioner_id: Id | None = None
    location_id: Id | None = None
    mode: str | None = None
    not_before: Instant | None = None
    not_after: Instant | None = None


@router.post("/waitlist", status_code=201, response_model=WaitlistOut,
             summary="S'inscrire en liste d'attente")
def join(body: WaitlistIn, session: SessionDep, actor: ActorDep) -> WaitlistOut:
    data = body.model_dump(exclude={"patient_id"})
    entry = booking.join_waitlist(session, actor,
                                  patient_id=_patient_id(actor, body.patient_id), **data)
    session.commit()
    return WaitlistOut.model_validate(entry)


@router.get("/waitlist/mine", response_model=list[WaitlistOut])
def my_entries(session: SessionDep, actor: ActorDep) -> list[WaitlistOut]:
    from sqlalchemy import select


    if actor.patient_id is None:
        return []
    if booking.expire_offers(session):
        session.commit()
    rows = session.scalars(select(WaitlistEntry).where(  # their own and their relatives'
        WaitlistEntry.patient_id.in_(represented_ids(session, actor)))
        .order_by(WaitlistEntry.id)).all()
    return [WaitlistOut.model_validate(e) for e in rows]


@router.post("/waitlist/{entry_id}/accept", status_code=201, response_model=AppointmentOut,
             summary="Accepter le créneau proposé")
def accept(entry_id: Id, session: SessionDep, actor: ActorDep) -> AppointmentOut:
    appointment = booking.accept_offer(session, actor, entry_id)
    session.commit()
    return AppointmentOut.model_validate(appointment)


@router.post("/waitlist/{entry_id}/decline", response_model=WaitlistOut)
def decline(entry_id: Id, session: SessionDep, actor: ActorDep) -> WaitlistOut:
    entry = booking.decline_offer(session, actor, entry_id)
    session.commit()
    return WaitlistOut.model_validate(entry)


@router.delete("/waitlist/{entry_id}", response_model=WaitlistOut)
def leave(entry_id: Id, session: SessionDep, actor: ActorDep) -> WaitlistOut:
    entry = booking.leave_waitlist(session, actor, entry_id)
    session.commit()
    return WaitlistOut.model_validate(entry)
