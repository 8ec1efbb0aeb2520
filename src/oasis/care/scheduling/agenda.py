"""Read models for the practitioners' and nurses' screens: a day's agenda, schedules.

The pages show a *local* day (Europe/Paris): its bounds are computed on the wall clock
and converted to UTC, so the 23- and 25-hour days of the clock changes hold exactly
the appointments that fall in them.  Every appointment line shown is a read of health
data (the patient's name, the reason), so each one is written to the audit log with the
purpose the screen serves; the caller commits with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from oasis.care.audit.service import record
from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.errors import Forbidden, Invalid, NotFound
from oasis.care.core.lookup import get_or_raise
from oasis.care.notifications import service as notifications
from oasis.care.people.models import Patient, PractitionerRole
from oasis.care.scheduling.models import Schedule, ScheduleException, Slot
from oasis.care.sites.models import Location


def day_bounds(day: date, tz: ZoneInfo = PARIS) -> tuple[datetime, datetime]:
    """UTC instants of local midnight on ``day`` and on the next day."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def local_datetime(day: date, at: time, tz: ZoneInfo = PARIS) -> datetime:
    """A local wall-clock time as an aware UTC instant (first occurrence if ambiguous)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def today(now: datetime | None = None, tz: ZoneInfo = PARIS) -> date:
    return (now or utcnow()).astimezone(tz).date()


@dataclass(frozen=True)
class AgendaLine:
    appointment_id: int
    start: datetime  # Europe/Paris
    end: datetime
    status: str
    mode: str
    patient_id: int
    patient_name: str
    patient_birth_date: date
    reason: str | None
    location_id: int
    location_name: str
    practitioner_id: int


def _agenda_filter(actor: Actor, practitioner_id: int | None):
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        if practitioner_id not in (None, actor.practitioner_id):
            raise NotFound("agenda introuvable", code="not_found")
        return Appointment.practitioner_id == actor.practitioner_id
    if actor.role == "nurse" and actor.location_id is not None:
        if practitioner_id is not None:
            return and_(Appointment.location_id == actor.location_id,
                        Appointment.practitioner_id == practitioner_id)
        return Appointment.location_id == actor.location_id
    raise Forbidden("l'agenda est réservé aux praticiens et aux équipes des sites",
                    code="forbidden_role")


def day_agenda(session: Session, actor: Actor, day: date, *,
               practitioner_id: int | None = None,
               include_cancelled: bool = False) -> list[AgendaLine]:
    """The actor's appointments on local ``day``: a practitioner's own, a nurse's site.

    Every line is audited as a read (``purpose`` « agenda du jour »).
    """
    start, end = day_bounds(day)
    stmt = (select(Appointment).options(joinedload(Appointment.patient),
                                        joinedload(Appointment.location))
            .where(_agenda_filter(actor, practitioner_id), Appointment.start_at < end,
                   Appointment.end_at > start)
            .order_by(Appointment.start_at, Appointment.id))
    if not include_cancelled:
        stmt = stmt.where(Appointment.status != "cancelled")
    lines = []
    for a in session.scalars(stmt).unique():
        record(session, actor, "read", "Appointment", a.id, patient_id=a.patient_id,
               purpose="agenda du jour")
        lines.append(AgendaLine(
            appointment_id=a.id, start=a.start_at.astimezone(PARIS),
            end=a.end_at.astimezone(PARIS), status=a.status, mode=a.mode,
            patient_id=a.patient_id,
            patient_name=f"{a.patient.given_name} {a.patient.family_name}",
            patient_birth_date=a.patient.birth_date, reason=a.reason,
            location_id=a.location_id, location_name=a.location.name,
            practitioner_id=a.practitioner_id))
    return lines


# ------------------------------------------------------------------ schedule management
@dataclass(frozen=True)
class ScheduleSummary:
    schedule: Schedule
    location: Location
    free_slots: int  # future free slots
    booked_slots: int  # future booked slots
    last_slot: datetime | None  # Europe/Paris, how far ahead slots exist
    exceptions: list[ScheduleException]  # current and future ones, earliest first


def practitioner_sites(session: Session, practitioner_id: int) -> list[Location]:
    """Sites where the practitioner has an active role (where a schedule may be opened)."""
    return list(session.scalars(
        select(Location).join(PractitionerRole, PractitionerRole.location_id == Location.id)
        .where(PractitionerRole.practitioner_id == practitioner_id,
               PractitionerRole.active.is_(True)).order_by(Location.name)))


def schedules_of(session: Session, practitioner_id: int,
                 now: datetime | None = None) -> list[ScheduleSummary]:
    """Each schedule of a practitioner with its future slot counts and exceptions."""
    now = now or utcnow()
    schedules = session.scalars(
        select(Schedule).options(joinedload(Schedule.available_times))
        .where(Schedule.practitioner_id == practitioner_id)
        .order_by(Schedule.location_id, Schedule.mode)).unique().all()
    if not schedules:
        return []
    ids = [s.id for s in schedules]
    counts: dict[tuple[int, str], int] = {}
    for sid, status, n in session.execute(
            select(Slot.schedule_id, Slot.status, func.count())
            .where(Slot.schedule_id.in_(ids), Slot.start_at > now)
            .group_by(Slot.schedule_id, Slot.status)):
        counts[(sid, status)] = n
    last = dict(session.execute(select(Slot.schedule_id, func.max(Slot.start_at))
                                .where(Slot.schedule_id.in_(ids))
                                .group_by(Slot.schedule_id)).all())
    exceptions: dict[int, list[ScheduleException]] = {}
    for e in session.scalars(select(ScheduleException)
                             .where(ScheduleException.schedule_id.in_(ids),
                                    ScheduleException.end_at > now)
                             .order_by(ScheduleException.start_at)):
        exceptions.setdefault(e.schedule_id, []).append(e)
    locations = {loc.id: loc for loc in session.scalars(
        select(Location).where(Location.id.in_({s.location_id for s in schedules})))}
    out = []
    for s in schedules:
        latest = last.get(s.id)
        if latest is not None and latest.tzinfo is None:  # SQLite's func.max gives text
            latest = datetime.fromisoformat(str(latest)).replace(tzinfo=UTC)
        elif isinstance(latest, str):
            latest = datetime.fromisoformat(latest).replace(tzinfo=UTC)
        out.append(ScheduleSummary(
            schedule=s, location=locations[s.location_id],
            free_slots=counts.get((s.id, "free"), 0),
            booked_slots=counts.get((s.id, "busy"), 0),
            last_slot=latest.astimezone(PARIS) if latest else None,
            exceptions=exceptions.get(s.id, [])))
    return out


def owned_schedule(session: Session, actor: Actor, schedule_id: int) -> Schedule:
    """The schedule if the actor may manage it (its practitioner, a coordinator), else 404."""
    schedule = session.get(Schedule, schedule_id)
    allowed = schedule is not None and (
        actor.role in ("coordinator", "admin")
        or (actor.role == "practitioner" and actor.practitioner_id == schedule.practitioner_id))
    if not allowed:
        raise NotFound("agenda introuvable", code="unknown_schedule")
    return schedule


def appointments_to_contact(session: Session, actor: Actor,
                            appointment_ids: list[int]) -> list[AgendaLine]:
    """Booked appointments caught in a new absence: who the practice must call.

    Audited as reads (purpose « absence : patients à recontacter »).
    """
    if not appointment_ids:
        return []
    rows = session.scalars(select(Appointment)
                           .options(joinedload(Appointment.patient),
                                    joinedload(Appointment.location))
                           .where(Appointment.id.in_(appointment_ids))
                           .order_by(Appointment.start_at)).unique().all()
    out = []
    for a in rows:
        if actor.role == "practitioner" and a.practitioner_id != actor.practitioner_id:
            continue
        record(session, actor, "read", "Appointment", a.id, patient_id=a.patient_id,
               purpose="absence : patients à recontacter")
        patient: Patient = a.patient
        out.append(AgendaLine(
            appointment_id=a.id, start=a.start_at.astimezone(PARIS),
            end=a.end_at.astimezone(PARIS), status=a.status, mode=a.mode,
            patient_id=a.patient_id, patient_name=f"{patient.given_name} {patient.family_name}",
            patient_birth_date=patient.birth_date, reason=a.reason, location_id=a.location_id,
            location_name=a.location.name, practitioner_id=a.practitioner_id))
    return out


def parse_local_period(start_day: date, start_time: time | None, end_day: date,
                       end_time: time | None) -> tuple[datetime, datetime]:
    """A period typed as local dates (and optional times) → UTC instants.

    No start time means from the start of the day; no end time means to the end of
    the end day (an absence « du 3 au 5 » includes the 5th).
    """
    start = local_datetime(start_day, start_time) if start_time else day_bounds(start_day)[0]
    end = local_datetime(end_day, end_time) if end_time else day_bounds(end_day)[1]
    if start >= end:
        raise Invalid("la fin de l'absence doit être après son début", code="invalid_period")
    return start, end


def booked_in_exception(session: Session, actor: Actor, exception_id: int) -> tuple[
        ScheduleException, list[AgendaLine]]:
    """An absence of the actor's and the active appointments it overlaps (to call back)."""
    exception = get_or_raise(session, ScheduleException, exception_id,
                             "absence introuvable", code="not_found")
    schedule = owned_schedule(session, actor, exception.schedule_id)
    ids = session.scalars(
        select(Appointment.id).join(Slot, Slot.id == Appointment.slot_id)
        .where(Slot.schedule_id == schedule.id, Appointment.start_at < exception.end_at,
               Appointment.end_at > exception.start_at, Appointment.status == "booked")).all()
    return exception, appointments_to_contact(session, actor, list(ids))


def cancel_in_exception(session: Session, actor: Actor, exception_id: int,
                        now: datetime | None = None) -> list[Appointment]:
    """The practice cancels the appointments still booked in one of its absences.

    Each patient is told (« Rendez-vous annulé par le cabinet », with an ``.ics``
    CANCEL); the slots stay unavailable, as the whole period is.  Only the absence's
    practitioner (or the coordination) may do it; others get the absence's 404.
    """
    now = now or utcnow()
    exception = get_or_raise(session, ScheduleException, exception_id,
                             "absence introuvable", code="not_found")
    schedule = owned_schedule(session, actor, exception.schedule_id)
    ids = session.scalars(
        select(Appointment.id).join(Slot, Slot.id == Appointment.slot_id)
        .where(Slot.schedule_id == schedule.id, Appointment.start_at < exception.end_at,
               Appointment.end_at > exception.start_at, Appointment.status == "booked")
        .order_by(Appointment.start_at)).all()
    cancelled = []
    for appointment_id in ids:
        a = booking.cancel(session, actor, appointment_id, reason="absence du praticien",
                           now=now, offer=False)
        slot = session.get(Slot, a.slot_id)
        if slot is not None:
            slot.status, slot.held_for_waitlist_id, slot.held_until = \
                "busy-unavailable", None, None
        notifications.cancelled_by_practice(session, a, now)
        cancelled.append(a)
    session.flush()
    return cancelled
