"""« Un médecin près de chez vous » on the database: zones, mission sites, days, money.

Services never commit (the caller does).  The pure rules live in
:mod:`oasis.care.programmes.missions` (day cap, dated daily rate, statements); this
module applies them to stored rows and lets the database have the last word on the cap
(see :mod:`oasis.care.programmes.models`): the Python check gives the precise French
message in the ordinary case, the trigger refuses the race that slips past it, and both
end as a :class:`~oasis.care.core.errors.Conflict` with code ``mission_day_cap``.

A mission day materialises ordinary in-person slots at the mission site (the doctor's
schedule there, created on first use without weekly availability, so nightly slot
generation never adds days nobody signed up for): patients find and book them through
the normal search and booking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.base import expire_cached
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Conflict, Forbidden, Invalid, NotFound
from oasis.care.core.identifiers import InvalidIdentifier, normalise_rpps
from oasis.care.core.lookup import get_or_raise
from oasis.care.notifications import service as notifications
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner, StaffMember
from oasis.care.programmes import missions
from oasis.care.programmes.missions import ACTIVE_DAY_STATUSES, MissionRuleError
from oasis.care.programmes.models import MissionDay, MissionSite, PriorityZone
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.scheduling.service import PARIS, local_starts
from oasis.care.sites.models import Location

# Opening of a mission day at the site, local time: the slots patients can book.
MISSION_HOURS: tuple[tuple[time, time], ...] = ((time(9), time(12, 30)),
                                                (time(14), time(17, 30)))
COORDINATORS = ("coordinator", "admin", "system")
PURPOSE = "mission « Un médecin près de chez vous »"


def _ensure_coordinator(actor: Actor) -> None:
    if actor.role not in COORDINATORS:
        raise Forbidden("réservé à la coordination du programme", code="forbidden_role")


def today_paris(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(PARIS).date()


# ---------------------------------------------------------------------------- zones
def prefill_zones(session: Session, ranking: Iterable[Mapping[str, Any]] | None = None, *,
                  top: int = 151) -> tuple[int, int]:
    """Create (or refresh the rank of) zones from the priority EPCI ranking.

    ``ranking`` rows carry ``epci``, ``name``, ``rank`` and ``score`` (the columns of
    :meth:`oasis.territory.zoning.Zoning.priority`); by default the ranking is computed
    on the demo APL.  Zones added by hand are kept; returns (created, updated).
    """
    if top < 1:
        raise Invalid(f"nombre de zones invalide : {top}", code="invalid_top")
    rows = list(default_ranking(top) if ranking is None else ranking)[:top]
    existing = {z.epci: z for z in session.scalars(select(PriorityZone)).all()}
    created = updated = 0
    for row in rows:
        code = str(row["epci"])
        zone = existing.get(code)
        rank = int(row["rank"]) if row.get("rank") is not None else None
        score = float(row["score"]) if row.get("score") is not None else None
        if score is not None and not math.isfinite(score):  # out of reach: the rank says it
            score = None
        if zone is None:
            session.add(PriorityZone(epci=code, name=str(row["name"]), rank=rank, score=score,
                                     source="ranking", active=True))
            created += 1
        elif zone.source == "ranking" and (zone.rank, zone.score) != (rank, score):
            zone.rank, zone.score = rank, score
            updated += 1
    session.flush()
    return created, updated


def default_ranking(top: int) -> list[dict[str, Any]]:
    """The reference priority ranking (``oasis deserts --level epci``) on the demo APL."""
    from oasis.territory.demo import demo_apl
    from oasis.territory.zoning import zoning

    frame = zoning(demo_apl()).priority(top)
    return frame[["epci", "name", "rank", "score"]].to_dict("records")


def add_zone(session: Session, epci: str, geo=None) -> PriorityZone:
    """Mark an EPCI as a priority zone by hand (a coordinator's decision)."""
    from oasis.care.core.geo import geography
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownEpciError

    geo = geo or geography()
    try:
        info = geo.epci_info(epci)
    except InvalidCodeError as exc:
        raise Invalid(str(exc), code="invalid_epci") from exc
    except UnknownEpciError as exc:
        raise NotFound(str(exc), code="unknown_epci") from exc
    zone = session.scalar(select(PriorityZone).where(PriorityZone.epci == info.code))
    if zone is None:
        zone = PriorityZone(epci=info.code, name=info.name, source="manual", active=True)
        session.add(zone)
    else:
        zone.active = True
    session.flush()
    return zone


def get_zone(session: Session, zone_id: int) -> PriorityZone:
    return get_or_raise(session, PriorityZone, zone_id,
                        "zone prioritaire introuvable", code="unknown_zone")


def list_zones(session: Session, *, active_only: bool = True) -> list[PriorityZone]:
    stmt = select(PriorityZone)
    if active_only:
        stmt = stmt.where(PriorityZone.active.is_(True))
    return list(session.scalars(stmt.order_by(PriorityZone.rank.is_(None), PriorityZone.rank,
                                              PriorityZone.epci)).all())


# ---------------------------------------------------------------------- mission sites
def medical_assistants(session: Session, location_id: int) -> int:
    return len(session.scalars(select(StaffMember.id).where(
        StaffMember.location_id == location_id,
        StaffMember.kind == "medical_assistant")).all())


def create_mission_site(session: Session, *, location_id: int, zone_id: int,
                        slot_minutes: int = 20, note: str | None = None,
                        geo=None) -> MissionSite:
    """Declare a site a mission site: it must be in the zone, equipped and staffed."""
    from oasis.care.core.geo import geography

    location = get_or_raise(session, Location, location_id,
                            "site introuvable", code="unknown_location")
    zone = get_zone(session, zone_id)
    geo = geo or geography()
    epci = geo.commune(location.commune_code).epci
    if epci != zone.epci:
        raise Invalid(f"le site {location.name} n'est pas dans la zone {zone.name} "
                      f"(EPCI {epci or 'aucun'})", code="outside_zone")
    if not location.equipment:
        raise Invalid("un site de mission doit être équipé (aucun équipement déclaré)",
                      code="not_equipped")
    if medical_assistants(session, location_id) == 0:
        raise Invalid("un site de mission doit disposer d'assistant(e)s médicaux",
                      code="no_medical_assistant")
    if not 10 <= slot_minutes <= 60:
        raise Invalid("durée de créneau entre 10 et 60 minutes", code="invalid_slot_minutes")
    if session.scalar(select(MissionSite.id).where(MissionSite.location_id == location_id)):
        raise Conflict("ce site est déjà un site de mission", code="mission_site_exists")
    site = MissionSite(location_id=location_id, zone_id=zone.id, slot_minutes=slot_minutes,
                       note=note, active=True)
    session.add(site)
    session.flush()
    return site


def get_mission_site(session: Session, mission_site_id: int) -> MissionSite:
    site = session.get(MissionSite, mission_site_id)
    if site is None or not site.active:
        raise NotFound("site de mission introuvable", code="unknown_mission_site")
    return site


def list_mission_sites(session: Session, zone_id: int | None = None) -> list[MissionSite]:
    stmt = select(MissionSite).where(MissionSite.active.is_(True))
    if zone_id is not None:
        stmt = stmt.where(MissionSite.zone_id == zone_id)
    return list(session.scalars(stmt.order_by(MissionSite.id)).all())


# -------------------------------------------------------------------------- sign-up
@dataclass(frozen=True)
class Replacement:
    """Who replaces the doctor at their own practice that day (optional, recorded)."""

    name: str
    rpps: str | None = None
    note: str | None = None


def _cap_conflict(message: str) -> Conflict:
    return Conflict(message, code="mission_day_cap")


def _check_cap(session: Session, practitioner_id: int, day: date) -> None:
    first = day.replace(day=1)
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    days = session.scalars(select(MissionDay.day).where(
        MissionDay.practitioner_id == practitioner_id,
        MissionDay.status.in_(ACTIVE_DAY_STATUSES),
        MissionDay.day >= first, MissionDay.day < following)).all()
    try:
        missions.check_month_cap(days, day)
    except MissionRuleError as exc:
        code = "mission_day_taken" if day in days else "mission_day_cap"
        raise Conflict(str(exc), code=code) from exc


def _integrity(exc: IntegrityError, day: date) -> Conflict:
    text = str(exc.orig)
    if "mission_day_cap" in text:
        return _cap_conflict(
            f"limite atteinte : {missions.MAX_DAYS_PER_MONTH} jours de mission au plus par "
            f"mois ({day:%m/%Y}), une autre inscription vient d'être enregistrée")
    return Conflict(f"vous êtes déjà inscrit(e) le {day:%d/%m/%Y}", code="mission_day_taken")


def _mission_schedule(session: Session, practitioner: Practitioner,
                      site: MissionSite) -> Schedule:
    schedule = session.scalar(select(Schedule).where(
        Schedule.practitioner_id == practitioner.id,
        Schedule.location_id == site.location_id, Schedule.mode == "in_person"))
    if schedule is None:
        people.add_role(session, practitioner.id, site.location_id)
        schedule = Schedule(practitioner_id=practitioner.id, location_id=site.location_id,
                            mode="in_person", slot_minutes=site.slot_minutes, active=True)
        session.add(schedule)
        session.flush()
    return schedule


def _create_slots(session: Session, schedule: Schedule, practitioner: Practitioner,
                  site: MissionSite, day: date, now: datetime) -> int:
    from datetime import timedelta

    step = timedelta(minutes=site.slot_minutes)
    starts = [s for a, b in MISSION_HOURS
              for s in local_starts(day, a, b, site.slot_minutes) if s > now]
    existing = set(session.scalars(select(Slot.start_at).where(
        Slot.schedule_id == schedule.id, Slot.start_at.in_(starts))).all()) if starts else set()
    rows = [{"schedule_id": schedule.id, "practitioner_id": practitioner.id,
             "location_id": site.location_id, "mode": "in_person",
             "specialty": practitioner.specialty, "start_at": s, "end_at": s + step,
             "status": "free"} for s in starts if s not in existing]
    if rows:
        session.execute(insert(Slot), rows)
    return len(rows)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    from datetime import timedelta

    start = datetime.combine(day, time(0), PARIS)
    return start, datetime.combine(day + timedelta(days=1), time(0), PARIS)


def sign_up(session: Session, actor: Actor, *, mission_site_id: int, day: date,
            practitioner_id: int | None = None, replacement: Replacement | None = None,
            source: str = "volunteer", now: datetime | None = None) -> MissionDay:
    """Sign a doctor up for a mission day and open its slots; Conflict past the cap."""
    now = now or utcnow()
    if actor.role == "practitioner":
        if practitioner_id not in (None, actor.practitioner_id):
            raise Forbidden("un médecin ne peut inscrire que lui-même", code="forbidden")
        practitioner_id = actor.practitioner_id
    elif actor.role not in COORDINATORS:
        raise Forbidden("réservé aux médecins volontaires et à la coordination",
                        code="forbidden_role")
    if practitioner_id is None:
        raise Invalid("médecin non précisé", code="missing_practitioner")
    practitioner = people.get_practitioner(session, practitioner_id)
    if practitioner.profession != "medecin":
        raise Invalid("le programme s'adresse aux médecins", code="not_a_doctor")
    site = get_mission_site(session, mission_site_id)
    if not site.zone.active:
        raise Invalid("la zone de ce site n'est plus prioritaire", code="zone_inactive")
    if day < today_paris(now):
        raise Invalid(f"le {day:%d/%m/%Y} est déjà passé", code="day_in_past")
    try:
        missions.daily_rate(day)
    except MissionRuleError as exc:
        raise Invalid(str(exc), code="no_daily_rate") from exc
    location = site.location
    open_days = {h.weekday for h in location.hours}
    if open_days and day.weekday() not in open_days:
        raise Invalid(f"le site {location.name} est fermé ce jour-là ({day:%d/%m/%Y})",
                      code="site_closed")
    rpps = None
    if replacement is not None and replacement.rpps:
        try:
            rpps = normalise_rpps(replacement.rpps)
        except InvalidIdentifier as exc:
            raise Invalid(f"remplaçant : {exc}", code="invalid_rpps") from exc
    _check_cap(session, practitioner.id, day)
    mission_day = MissionDay(
        practitioner_id=practitioner.id, mission_site_id=site.id, day=day, status="planned",
        replacement_name=replacement.name[:200] if replacement else None,
        replacement_rpps=rpps, replacement_note=replacement.note if replacement else None,
        source=source, created_by_account_id=actor.account_id)
    session.add(mission_day)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _integrity(exc, day) from exc
    schedule = _mission_schedule(session, practitioner, site)
    mission_day.schedule_id = schedule.id
    _create_slots(session, schedule, practitioner, site, day, now)
    session.flush()
    record(session, actor, "create", "MissionDay", mission_day.id, purpose=PURPOSE)
    return mission_day


def get_day(session: Session, day_id: int) -> MissionDay:
    return get_or_raise(session, MissionDay, day_id,
                        "journée de mission introuvable", code="unknown_mission_day")


def _day_slots(mission_day: MissionDay):
    start, end = _day_bounds(mission_day.day)
    return (Slot.schedule_id == mission_day.schedule_id, Slot.start_at >= start,
            Slot.start_at < end)


def cancel_day(session: Session, actor: Actor, day_id: int, *, reason: str | None = None,
               now: datetime | None = None) -> tuple[MissionDay, list[int]]:
    """Cancel a planned day: its slots are withdrawn, its appointments cancelled.

    Returns the day and the ids of the patients' appointments cancelled with it, so the
    coordination can call them (they are listed, never silently dropped).
    """
    now = now or utcnow()
    mission_day = get_day(session, day_id)
    if actor.role == "practitioner" and actor.practitioner_id != mission_day.practitioner_id:
        raise NotFound("journée de mission introuvable", code="unknown_mission_day")
    if actor.role not in (*COORDINATORS, "practitioner"):
        raise Forbidden("réservé au médecin et à la coordination", code="forbidden_role")
    if mission_day.status != "planned":
        raise Conflict(f"journée non annulable (statut : {mission_day.status})",
                       code="not_cancellable")
    cancelled: list[int] = []
    if mission_day.schedule_id is not None:
        where = _day_slots(mission_day)
        appointments = session.scalars(select(Appointment.id).join(
            Slot, Slot.id == Appointment.slot_id).where(
            *where, Appointment.status == "booked")).all()
        for appointment_id in appointments:
            cancelled_row = booking.cancel(session, Actor.system(), appointment_id, now=now,
                                           offer=False, reason="journée de mission annulée")
            notifications.cancelled_by_practice(session, cancelled_row, now)
            cancelled.append(appointment_id)
        session.execute(update(Slot).where(*where).values(
            status="busy-unavailable", held_for_waitlist_id=None, held_until=None)
            .execution_options(synchronize_session=False))
        expire_cached(session, Slot)
    mission_day.status = "cancelled"
    mission_day.cancelled_at = now
    mission_day.cancel_reason = (reason or "")[:200] or None
    session.flush()
    record(session, actor, "update", "MissionDay", mission_day.id, purpose=PURPOSE)
    return mission_day, cancelled


def close_day(session: Session, actor: Actor, day_id: int, *, status: str,
              now: datetime | None = None) -> MissionDay:
    """Record that a day was done (paid) or not done (not paid), once it has come."""
    now = now or utcnow()
    _ensure_coordinator(actor)
    if status not in ("completed", "not_done"):
        raise Invalid("statut attendu : completed ou not_done", code="invalid_status")
    mission_day = get_day(session, day_id)
    if mission_day.status == "cancelled":
        raise Conflict("journée annulée", code="day_cancelled")
    if mission_day.day > today_paris(now):
        raise Invalid("la journée n'a pas encore eu lieu", code="day_in_future")
    mission_day.status = status
    mission_day.closed_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # not_done → completed past the cap
        raise _integrity(exc, mission_day.day) from exc
    record(session, actor, "update", "MissionDay", mission_day.id, purpose=PURPOSE)
    return mission_day


def list_days(session: Session, actor: Actor, *, month: str | None = None,
              practitioner_id: int | None = None,
              mission_site_id: int | None = None) -> list[MissionDay]:
    """A doctor sees their own days; the coordination sees everyone's."""
    stmt = select(MissionDay)
    if actor.role == "practitioner":
        practitioner_id = actor.practitioner_id
    elif actor.role not in COORDINATORS:
        raise Forbidden("réservé aux médecins volontaires et à la coordination",
                        code="forbidden_role")
    if practitioner_id is not None:
        stmt = stmt.where(MissionDay.practitioner_id == practitioner_id)
    if mission_site_id is not None:
        stmt = stmt.where(MissionDay.mission_site_id == mission_site_id)
    if month is not None:
        first, following = month_bounds(month)
        stmt = stmt.where(MissionDay.day >= first, MissionDay.day < following)
    return list(session.scalars(stmt.order_by(MissionDay.day, MissionDay.id)).all())


# ----------------------------------------------------------------------- indemnities
def month_bounds(month: str) -> tuple[date, date]:
    """``"2026-12"`` → (1 Dec 2026, 1 Jan 2027); Invalid with a French message else."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"mois invalide : « {month} » (attendu AAAA-MM)",
                      code="invalid_month") from exc
    return first, date(year + (mon == 12), mon % 12 + 1, 1)


def _pure_days(session: Session, month: str | None,
               practitioner_id: int | None) -> list[missions.DayRecord]:
    stmt = (select(MissionDay.practitioner_id, PriorityZone.epci, MissionDay.day,
                   MissionDay.status)
            .join(MissionSite, MissionSite.id == MissionDay.mission_site_id)
            .join(PriorityZone, PriorityZone.id == MissionSite.zone_id))
    if month is not None:
        first, following = month_bounds(month)
        stmt = stmt.where(MissionDay.day >= first, MissionDay.day < following)
    if practitioner_id is not None:
        stmt = stmt.where(MissionDay.practitioner_id == practitioner_id)
    return [missions.DayRecord(str(p), epci, d, s) for p, epci, d, s in session.execute(stmt)]


@dataclass(frozen=True)
class DoctorStatement:
    practitioner_id: int
    practitioner_name: str
    rpps: str
    month: str
    paid_days: int
    amount_cents: int
    not_paid_days: int  # cancelled or not done that month (shown, not paid)


def statements(session: Session, actor: Actor, *, month: str | None = None,
               practitioner_id: int | None = None) -> list[DoctorStatement]:
    """Monthly statements per doctor, in integer cents (completed days only)."""
    if actor.role == "practitioner":
        practitioner_id = actor.practitioner_id
    else:
        _ensure_coordinator(actor)
    days = _pure_days(session, month, practitioner_id)
    unpaid: dict[tuple[str, str], int] = {}
    for d in days:
        if d.status in ("cancelled", "not_done"):
            key = (d.doctor_id, d.day.strftime("%Y-%m"))
            unpaid[key] = unpaid.get(key, 0) + 1
    out = []
    for st in missions.monthly_statements(days):
        doctor = session.get(Practitioner, int(st.doctor_id))
        out.append(DoctorStatement(int(st.doctor_id), doctor.display_name, doctor.rpps,
                                   st.month, st.paid_days, st.amount_cents,
                                   unpaid.get((st.doctor_id, st.month), 0)))
    return out


@dataclass(frozen=True)
class ZoneTotal:
    epci: str
    name: str
    completed_days: int
    amount_cents: int


def zone_totals(session: Session, actor: Actor, *, month: str | None = None) -> list[ZoneTotal]:
    """Indemnities per priority zone in integer cents (completed days only)."""
    _ensure_coordinator(actor)
    days = _pure_days(session, month, None)
    totals = missions.zone_totals(days)
    counts: dict[str, int] = {}
    for d in days:
        if d.status == "completed":
            counts[d.zone] = counts.get(d.zone, 0) + 1
    names = dict(session.execute(select(PriorityZone.epci, PriorityZone.name)).all())
    return [ZoneTotal(epci, names.get(epci, epci), counts[epci], cents)
            for epci, cents in sorted(totals.items())]
