"""Schedules, exceptions and slot generation, DST-correct in Europe/Paris.

Availability is stated the way practices state it — "Tuesdays 9:00–12:00" in local
wall-clock time — and slots are stored as absolute UTC instants.  Generation walks the
local wall clock of each day and converts each start: a start that does not exist (the
spring-forward hour) is skipped; an ambiguous one (the autumn fall-back hour) uses its
first occurrence.  So "9:00" is 08:00 UTC in winter and 07:00 UTC in summer, and a slot
never silently shifts by an hour around the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment
from oasis.care.core.base import expire_cached
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.core.lookup import get_or_raise
from oasis.care.core.vocab import ACTIVE_APPOINTMENT_STATUSES, MODES
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.scheduling.models import AvailableTime, Schedule, ScheduleException, Slot
from oasis.care.sites.models import Location

DEFAULT_HORIZON_DAYS = 21

Weekly = Iterable[tuple[int, time, time]]


def local_starts(day: date, start: time, end: time, minutes: int,
                 tz: ZoneInfo = PARIS) -> Iterator[datetime]:
    """UTC starts of ``minutes``-long slots from ``start`` to ``end`` local time on ``day``.

    Steps are taken on the wall clock and each slot must fit before ``end`` on it.
    """
    step = timedelta(minutes=minutes)
    wall = datetime.combine(day, start)
    last = datetime.combine(day, end)
    while wall + step <= last:
        local = wall.replace(tzinfo=tz)
        as_utc = local.astimezone(UTC)
        if as_utc.astimezone(tz).replace(tzinfo=None) == wall:  # exists on this day
            yield as_utc
        wall += step


def _weekly(rows: Weekly) -> list[AvailableTime]:
    out = []
    for weekday, start, end in rows:
        if not 0 <= weekday <= 6 or start >= end:
            raise Invalid(f"disponibilité invalide : jour {weekday}, {start}–{end}",
                          code="invalid_availability")
        out.append(AvailableTime(weekday=weekday, start_time=start, end_time=end))
    return out


def create_schedule(session: Session, *, practitioner_id: int, location_id: int,
                    mode: str = "in_person", slot_minutes: int = 20, weekly: Weekly = (),
                    valid_from: date | None = None,
                    valid_until: date | None = None) -> Schedule:
    """A weekly availability for one practitioner at one site in one mode."""
    if mode not in MODES:
        raise Invalid(f"mode inconnu : {mode!r} ({', '.join(MODES)})", code="invalid_mode")
    if not 5 <= slot_minutes <= 240:
        raise Invalid("durée de créneau entre 5 et 240 minutes", code="invalid_slot_minutes")
    practitioner = get_or_raise(session, Practitioner, practitioner_id,
                                "praticien introuvable", code="unknown_practitioner")
    if session.get(Location, location_id) is None:
        raise NotFound("site introuvable", code="unknown_location")
    if mode != "in_person" and not practitioner.teleconsultation:
        raise Invalid("ce praticien ne pratique pas la téléconsultation",
                      code="no_teleconsultation")
    role = session.scalar(select(PractitionerRole).where(
        PractitionerRole.practitioner_id == practitioner_id,
        PractitionerRole.location_id == location_id, PractitionerRole.active.is_(True)))
    if role is None:
        raise Invalid("le praticien n'exerce pas sur ce site (ajoutez-le d'abord)",
                      code="no_practitioner_role")
    existing = session.scalar(select(Schedule).where(
        Schedule.practitioner_id == practitioner_id, Schedule.location_id == location_id,
        Schedule.mode == mode))
    if existing is not None:
        raise Conflict(f"un agenda existe déjà pour ce praticien, ce site et ce mode "
                       f"(n° {existing.id})", code="schedule_exists")
    schedule = Schedule(practitioner_id=practitioner_id, location_id=location_id, mode=mode,
                        slot_minutes=slot_minutes, valid_from=valid_from,
                        valid_until=valid_until)
    schedule.available_times = _weekly(weekly)
    session.add(schedule)
    session.flush()
    return schedule


def get_schedule(session: Session, schedule_id: int) -> Schedule:
    return get_or_raise(session, Schedule, schedule_id,
                        "agenda introuvable", code="unknown_schedule")


def set_weekly(session: Session, schedule_id: int, weekly: Weekly) -> Schedule:
    """Replace the weekly availability; future free slots outside it are withdrawn."""
    schedule = get_schedule(session, schedule_id)
    schedule.available_times = _weekly(weekly)
    session.flush()
    return schedule


def add_exception(session: Session, schedule_id: int, start_at: datetime, end_at: datetime,
                  reason: str | None = None) -> tuple[ScheduleException, list[int]]:
    """Block a period; free slots in it are withdrawn.

    Returns the exception and the ids of appointments already booked in the period,
    which stay booked: the practice must contact those patients (listed, not lost).
    """
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise Invalid("dates sans fuseau horaire", code="naive_datetime")
    if start_at >= end_at:
        raise Invalid("période vide ou inversée", code="invalid_period")
    schedule = get_schedule(session, schedule_id)
    exception = ScheduleException(schedule_id=schedule.id, start_at=start_at, end_at=end_at,
                                  reason=reason)
    session.add(exception)
    session.flush()
    in_period = and_(Slot.schedule_id == schedule.id, Slot.start_at < end_at,
                     Slot.end_at > start_at)
    session.execute(update(Slot).where(in_period, Slot.status.in_(("free", "busy-tentative")))
                    .values(status="busy-unavailable", held_for_waitlist_id=None,
                            held_until=None).execution_options(synchronize_session=False))
    expire_cached(session, Slot)
    booked = session.scalars(select(Appointment.id).join(Slot, Slot.id == Appointment.slot_id)
                             .where(in_period,
                                    Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES))).all()
    session.flush()
    return exception, list(booked)


def planned_starts(schedule: Schedule, first_day: date, days: int,
                   tz: ZoneInfo = PARIS) -> list[datetime]:
    """UTC slot starts the weekly availability gives over ``days`` days (no exceptions)."""
    by_day: dict[int, list[AvailableTime]] = {}
    for at in schedule.available_times:
        by_day.setdefault(at.weekday, []).append(at)
    starts: list[datetime] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if schedule.valid_from and day < schedule.valid_from:
            continue
        if schedule.valid_until and day > schedule.valid_until:
            continue
        for at in by_day.get(day.weekday(), ()):
            starts.extend(local_starts(day, at.start_time, at.end_time,
                                       schedule.slot_minutes, tz))
    return starts


def generate_slots(session: Session, schedule_id: int, *, days: int = DEFAULT_HORIZON_DAYS,
                   first_day: date | None = None, now: datetime | None = None) -> int:
    """Materialise the schedule's slots for ``days`` days ahead; returns how many were new.

    Idempotent: existing slots are kept (booked or not), past starts and starts inside an
    exception are not created.
    """
    now = now or utcnow()
    schedule = get_schedule(session, schedule_id)
    if not schedule.active:
        return 0
    first_day = first_day or now.astimezone(PARIS).date()
    starts = [s for s in planned_starts(schedule, first_day, days) if s > now]
    if not starts:
        return 0
    step = timedelta(minutes=schedule.slot_minutes)
    exceptions = [(e.start_at, e.end_at) for e in schedule.exceptions]
    starts = [s for s in starts
              if not any(a < s + step and s < b for a, b in exceptions)]
    existing = set(session.scalars(select(Slot.start_at).where(
        Slot.schedule_id == schedule.id, Slot.start_at >= min(starts),
        Slot.start_at <= max(starts))).all())
    specialty = session.scalar(select(Practitioner.specialty)
                               .where(Practitioner.id == schedule.practitioner_id))
    rows = [{"schedule_id": schedule.id, "practitioner_id": schedule.practitioner_id,
             "location_id": schedule.location_id, "mode": schedule.mode,
             "specialty": specialty, "start_at": s, "end_at": s + step, "status": "free"}
            for s in starts if s not in existing]
    if rows:
        session.execute(insert(Slot), rows)
    return len(rows)


def generate_all(session: Session, *, days: int = DEFAULT_HORIZON_DAYS,
                 now: datetime | None = None) -> int:
    """Generate ahead for every active schedule (the nightly job; also `oasis demo load`)."""
    ids = session.scalars(select(Schedule.id).where(Schedule.active.is_(True))).all()
    return sum(generate_slots(session, sid, days=days, now=now) for sid in ids)
