"""Schedules: weekly availability, exceptions, slot generation (practitioner or manager)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from oasis.care.core.actor import Actor
from oasis.care.core.errors import Forbidden
from oasis.care.notifications import service as notifications
from oasis.care.scheduling import agenda
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Schedule
from oasis.web.api.schemas.care import ORM, SlotsCreatedOut
from oasis.web.kit import notify
from oasis.web.kit.auth import ActorDep
from oasis.web.kit.deps import Id, LocalTime, SessionDep

router = APIRouter(prefix="/api/v1/schedules", tags=["agendas"])


class AvailableTimeIO(ORM):
    weekday: int = Field(ge=0, le=6, description="0 = lundi … 6 = dimanche")
    start_time: LocalTime
    end_time: LocalTime


class ScheduleIn(BaseModel):
    practitioner_id: Id
    location_id: Id
    mode: str = "in_person"
    slot_minutes: int = Field(default=20, ge=5, le=240)  # the column's CHECK
    weekly: list[AvailableTimeIO]
    valid_from: date | None = None
    valid_until: date | None = None
    generate_days: int = Field(default=scheduling.DEFAULT_HORIZON_DAYS, ge=0, le=120)


class ScheduleOut(ORM):
    id: int
    practitioner_id: Id
    location_id: Id
    mode: str
    slot_minutes: int
    active: bool
    valid_from: date | None
    valid_until: date | None
    available_times: list[AvailableTimeIO]


class ScheduleCreated(ScheduleOut):
    slots_created: int


class ExceptionIn(BaseModel):
    start_at: datetime
    end_at: datetime
    reason: str | None = Field(default=None, max_length=200)
    cancel_booked: bool = Field(
        default=False, description="Annuler les rendez-vous déjà pris dans la période et "
                                   "prévenir chaque patient (e-mail avec .ics d'annulation)")


class ExceptionOut(BaseModel):
    id: int
    start_at: datetime
    end_at: datetime
    reason: str | None
    booked_appointment_ids: list[Id] = Field(
        description="Rendez-vous déjà pris dans la période : à recontacter")
    cancelled_appointment_ids: list[Id] = Field(
        default=[], description="Rendez-vous annulés par le cabinet (patients prévenus)")


def _may_manage(actor: Actor, practitioner_id: Id) -> None:
    if actor.role in ("coordinator", "admin"):
        return
    if actor.role == "practitioner" and actor.practitioner_id == practitioner_id:
        return
    raise Forbidden("seul le praticien ou un coordinateur gère cet agenda", code="forbidden")


def _weekly(rows: list[AvailableTimeIO]):
    return [(r.weekday, r.start_time, r.end_time) for r in rows]


@router.post("", status_code=201, response_model=ScheduleCreated, summary="Créer un agenda")
def create(body: ScheduleIn, session: SessionDep, actor: ActorDep) -> ScheduleCreated:
    _may_manage(actor, body.practitioner_id)
    schedule = scheduling.create_schedule(
        session, practitioner_id=body.practitioner_id, location_id=body.location_id,
        mode=body.mode, slot_minutes=body.slot_minutes, weekly=_weekly(body.weekly),
        valid_from=body.valid_from, valid_until=body.valid_until)
    created = scheduling.generate_slots(session, schedule.id, days=body.generate_days) \
        if body.generate_days else 0
    session.commit()
    return ScheduleCreated(**ScheduleOut.model_validate(schedule).model_dump(),
                           slots_created=created)


@router.get("", response_model=list[ScheduleOut], summary="Agendas d'un praticien ou d'un site")
def list_schedules(session: SessionDep, practitioner_id: Id | None = None,
                   location_id: Id | None = None) -> list[ScheduleOut]:
    stmt = select(Schedule)
    if practitioner_id is not None:
        stmt = stmt.where(Schedule.practitioner_id == practitioner_id)
    if location_id is not None:
        stmt = stmt.where(Schedule.location_id == location_id)
    return [ScheduleOut.model_validate(s) for s in session.scalars(stmt.order_by(Schedule.id))]


@router.put("/{schedule_id}/weekly", response_model=ScheduleOut)
def set_weekly(schedule_id: Id, body: list[AvailableTimeIO], session: SessionDep,
               actor: ActorDep) -> ScheduleOut:
    _may_manage(actor, scheduling.get_schedule(session, schedule_id).practitioner_id)
    schedule = scheduling.set_weekly(session, schedule_id, _weekly(body))
    session.commit()
    return ScheduleOut.model_validate(schedule)


@router.post("/{schedule_id}/exceptions", status_code=201, response_model=ExceptionOut,
             summary="Absence, congés : retire les créneaux libres de la période")
def add_exception(schedule_id: Id, body: ExceptionIn, request: Request, session: SessionDep,
                  actor: ActorDep) -> ExceptionOut:
    _may_manage(actor, scheduling.get_schedule(session, schedule_id).practitioner_id)
    exc, booked = scheduling.add_exception(session, schedule_id, body.start_at, body.end_at,
                                           body.reason)
    cancelled = agenda.cancel_in_exception(session, actor, exc.id) if body.cancel_booked \
        else []
    session.commit()
    out = ExceptionOut(id=exc.id, start_at=exc.start_at, end_at=exc.end_at, reason=exc.reason,
                       booked_appointment_ids=[i for i in booked
                                               if i not in {a.id for a in cancelled}],
                       cancelled_appointment_ids=[a.id for a in cancelled])
    if cancelled:
        notify.send(request, session, notifications.outbox_for(
            session, "cancelled_by_practice", [f"appointment:{a.id}" for a in cancelled]))
    return out


@router.post("/{schedule_id}/generate", response_model=SlotsCreatedOut,
             summary="Générer les créneaux à l'avance")
def generate(schedule_id: Id, session: SessionDep, actor: ActorDep,
             days: int = Query(default=scheduling.DEFAULT_HORIZON_DAYS, ge=1, le=120)) -> dict:
    _may_manage(actor, scheduling.get_schedule(session, schedule_id).practitioner_id)
    created = scheduling.generate_slots(session, schedule_id, days=days)
    session.commit()
    return {"slots_created": created}
