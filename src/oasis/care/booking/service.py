"""Book, cancel, reschedule, no-show; the waiting list gets freed slots first.

Double booking is prevented by the database, not by a read-then-write in Python: the
slot is claimed with one conditional ``UPDATE … WHERE status = 'free'`` (on PostgreSQL a
second concurrent claim waits for the first and then matches no row; SQLite is
serialisable: a writer either holds the write lock from ``BEGIN IMMEDIATE`` or, in a web
request's deferred transaction, fails on a stale snapshot and is run again, see
:mod:`oasis.care.core.db`), and the appointment insert is backed by the
partial unique index on the slot and the practitioner overlap constraint/trigger.  Any
violation becomes a :class:`~oasis.care.core.errors.Conflict` with a precise ``code``.

Services never commit: the caller (API route, CLI) commits, or rolls back on error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, load_only
from sqlalchemy.orm.attributes import set_committed_value

from oasis.care.accounts import service as accounts
from oasis.care.audit.models import AuditEvent
from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.access import (
    can_see_patient,
    ensure_can_see_patient,
    represented_ids,
    speaks_for,
)
from oasis.care.core.actor import Actor
from oasis.care.core.base import UTCDateTime, expire_cached
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError, Conflict, Forbidden, Invalid, NotFound
from oasis.care.core.lookup import get_or_raise
from oasis.care.core.vocab import ACTIVE_APPOINTMENT_STATUSES, MODES, SPECIALTIES
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location

OFFER_HOLD = timedelta(hours=2)  # how long a freed slot is held for a waiting patient


def _integrity_conflict(exc: IntegrityError) -> CareError:
    text = str(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate == "23P01" or "appointment_overlap" in text or \
            "ex_appointment_practitioner_overlap" in text:
        return Conflict("le praticien a déjà un rendez-vous sur cet horaire",
                        code="practitioner_overlap")
    if sqlstate == "23503" or "FOREIGN KEY" in text:  # the patient does not exist
        return NotFound("Patient introuvable", code="not_found")
    return Conflict("ce créneau vient d'être réservé", code="slot_taken")


def _claimable(now: datetime, waitlist_entry_id: int | None):
    return or_(Slot.status == "free",
               and_(Slot.status == "busy-tentative",
                    or_(Slot.held_until < now,
                        Slot.held_for_waitlist_id == waitlist_entry_id
                        if waitlist_entry_id is not None else false())))


def _patient_free(patient_id: int, start_at, end_at):
    """No active appointment of the patient overlaps ``[start_at, end_at)``."""
    return ~exists().where(Appointment.patient_id == patient_id,
                           Appointment.status.in_(("booked", "arrived")),
                           Appointment.start_at < end_at, Appointment.end_at > start_at)


def _slot_refusal(session: Session, slot_id: int, patient_id: int,
                  now: datetime) -> Exception:
    """Why the claim matched no row (refusals only: the success path never reads)."""
    row = session.execute(select(Slot.start_at, Slot.end_at, Slot.status)
                          .where(Slot.id == slot_id)).first()
    if row is None:
        return NotFound("créneau introuvable", code="unknown_slot")
    start_at, end_at, status = row
    if start_at <= now:
        return Invalid("ce créneau est déjà passé", code="slot_in_past")
    if status == "busy-unavailable":
        return Conflict("ce créneau n'est plus proposé", code="slot_unavailable")
    if status == "busy-tentative":
        return Conflict("ce créneau est proposé en priorité à un patient en liste d'attente",
                        code="slot_held")
    if status == "free" and not session.scalar(select(_patient_free(patient_id, start_at,
                                                                   end_at))):
        return Conflict("vous avez déjà un rendez-vous sur cet horaire", code="patient_overlap")
    return Conflict("ce créneau vient d'être réservé", code="slot_taken")


# Roles that book for any patient without a care relationship (the patient's existence
# is then checked by the appointment's foreign key, in the booking statement itself).
_TRUSTED_BOOKERS = ("system", "coordinator", "admin", "regulator")


def _check_patient_may_book(session: Session, actor: Actor, patient_id: int, *,
                            read: bool = True) -> None:
    """Whether ``actor`` may book for ``patient_id``; ``read=False`` (the booking itself)
    leaves the patient's existence to the appointment's foreign key.

    A patient books for themself (the account row references that patient: no read) or
    for a relative they speak for (:func:`~oasis.care.core.access.speaks_for`); any
    other patient is refused as missing, and the refusal audited.
    """
    if read:
        get_or_raise(session, Patient, patient_id, "Patient introuvable", code="not_found")
    if actor.role == "patient" and actor.patient_id == patient_id:
        return  # the account's own patient
    if actor.role in _TRUSTED_BOOKERS:
        return
    if not read:
        get_or_raise(session, Patient, patient_id, "Patient introuvable", code="not_found")
    ensure_can_see_patient(session, actor, patient_id, purpose="prise de rendez-vous")


# What the answer and the confirmation read of the parties; any other attribute is
# loaded on first access, as for any partly loaded object.
_PARTIES = (load_only(Patient.id, Patient.email, Patient.phone),
            load_only(Practitioner.id, Practitioner.profession, Practitioner.given_name,
                      Practitioner.family_name),
            load_only(Location.id, Location.name))
_BOOKED = "prise de rendez-vous"


def _parties(entity):
    return (select(entity, Patient, Practitioner, Location)
            .join(Patient, Patient.id == entity.patient_id)
            .join(Practitioner, Practitioner.id == entity.practitioner_id)
            .join(Location, Location.id == entity.location_id).options(*_PARTIES))


def _claim(held: bool, token: bool):
    """Claim the slot if it is bookable and the patient has nothing at that time (and,
    for an actor straight from its token, if the account still honours the token)."""
    now = bindparam("now", type_=UTCDateTime())
    patient = bindparam("patient_id")
    conditions = [Slot.id == bindparam("slot_id"), Slot.start_at > now,
                  _claimable(now, bindparam("waitlist_entry_id") if held else None),
                  _patient_free(patient, Slot.start_at, Slot.end_at)]
    if token:
        conditions.append(accounts.token_still_valid(bindparam("token_account_id"),
                                                     bindparam("token_version"), patient))
        # Checked in the statement only when booking for the token's own patient: for a
        # relative, ``book`` checked the token beforehand (ensure_token_valid).
    return (update(Slot).where(*conditions)
            .values(status="busy", held_for_waitlist_id=None, held_until=None)
            .returning(Slot.id, Slot.practitioner_id, Slot.location_id, Slot.mode,
                       Slot.start_at, Slot.end_at))


_FIXED = ("patient_id", "status", "reason", "booked_by_account_id", "created_at",
          "rescheduled_from_id")
_AUDIT = ("recorded_at", "account_id", "role", "action", "entity_type", "patient_id",
          "purpose", "outcome")


def _param(table, name: str, key: str | None = None):
    return bindparam(key or name, type_=table.c[name].type)


@cache
def _one_statement(held: bool, token: bool):
    """PostgreSQL: the whole booking as one statement, built once per process."""
    claimed = _claim(held, token).cte("claimed")
    appointments, events = Appointment.__table__, AuditEvent.__table__
    made = (insert(Appointment).from_select(
        ["slot_id", "practitioner_id", "location_id", "mode", "start_at", "end_at", *_FIXED],
        select(claimed.c.id, claimed.c.practitioner_id, claimed.c.location_id,
               claimed.c.mode, claimed.c.start_at, claimed.c.end_at,
               *(_param(appointments, k) for k in _FIXED)))
        .returning(*appointments.c).cte("made"))
    audited = insert(AuditEvent).from_select(
        [*_AUDIT, "entity_id"],
        select(*(_param(events, k, "audit_" + k) for k in _AUDIT),
               cast(made.c.id, String)).select_from(made)).cte("audited")
    return _parties(aliased(Appointment, made)).add_cte(audited)


_STEPS_PARTIES = _parties(Appointment).where(Appointment.id == bindparam("appointment_id"))


def _attach(row) -> Appointment | None:
    if row is None:
        return None
    appointment, patient, practitioner, location = row
    for name, value in (("patient", patient), ("practitioner", practitioner),
                        ("location", location)):
        set_committed_value(appointment, name, value)
    return appointment


def book(session: Session, actor: Actor, *, slot_id: int, patient_id: int,
         reason: str | None = None, now: datetime | None = None,
         waitlist_entry_id: int | None = None,
         rescheduled_from_id: int | None = None) -> Appointment:
    """Book ``slot_id`` for ``patient_id``; Conflict if someone else got it first.

    On PostgreSQL the whole booking is one statement (one round trip): claim the slot,
    check the patient has nothing at that time, insert the appointment and its audit
    event, and return them with the patient, practitioner and site.  SQLite has no
    data-modifying CTE: the same statements run one after the other (in-process, no
    round trip to save).  Either way no savepoint: a violation of the database's own
    rules (unique active appointment per slot, practitioner overlap) fails the whole
    statement, and the caller rolls the transaction back.
    """
    now = now or utcnow()
    token = actor.token_version is not None
    if token and actor.patient_id != patient_id:
        accounts.ensure_token_valid(session, actor)  # a revoked token gets 401, not 404
        token = False  # checked: the statement's condition names the token's own patient
    _check_patient_may_book(session, actor, patient_id, read=False)
    held = waitlist_entry_id is not None
    fixed = {"patient_id": patient_id, "status": "booked", "reason": reason,
             "booked_by_account_id": actor.account_id, "created_at": now,
             "rescheduled_from_id": rescheduled_from_id}
    audit = {"recorded_at": utcnow(), "account_id": actor.account_id, "role": actor.role,
             "action": "create", "entity_type": "Appointment", "patient_id": patient_id,
             "purpose": _BOOKED, "outcome": "success"}
    claim = {"slot_id": slot_id, "now": now, "patient_id": patient_id}
    if held:
        claim["waitlist_entry_id"] = waitlist_entry_id
    if token:
        claim |= {"token_account_id": actor.account_id, "token_version": actor.token_version}
    try:
        if session.get_bind().dialect.name == "postgresql":
            appointment = _attach(session.execute(_one_statement(held, token), {
                **claim, **fixed, **{"audit_" + k: v for k, v in audit.items()}}).first())
        else:
            claimed = session.execute(_claim(held, token), claim).first()
            appointment = None
            if claimed is not None:
                new_id = session.scalar(insert(Appointment).values(
                    slot_id=claimed.id, practitioner_id=claimed.practitioner_id,
                    location_id=claimed.location_id, mode=claimed.mode,
                    start_at=claimed.start_at, end_at=claimed.end_at, **fixed)
                    .returning(Appointment.id))
                session.execute(insert(AuditEvent).values(entity_id=str(new_id), **audit))
                appointment = _attach(session.execute(
                    _STEPS_PARTIES, {"appointment_id": new_id}).first())
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    expire_cached(session, Slot, [slot_id])
    if appointment is None:
        accounts.ensure_token_valid(session, actor)
        raise _slot_refusal(session, slot_id, patient_id, now)
    return appointment


def get_appointment(session: Session, actor: Actor, appointment_id: int,
                    purpose: str = "consultation du rendez-vous") -> Appointment:
    appointment = get_or_raise(session, Appointment, appointment_id,
                               "Appointment introuvable", code="not_found")
    if not _is_party(session, actor, appointment):
        ensure_can_see_patient(session, actor, appointment.patient_id, "Appointment",
                               appointment_id, purpose)
    record(session, actor, "read", "Appointment", appointment_id,
           patient_id=appointment.patient_id, purpose=purpose)
    return appointment


def _is_party(session: Session, actor: Actor, appointment: Appointment) -> bool:
    return (actor.role == "system"
            or speaks_for(session, actor, appointment.patient_id)
            or (actor.role == "practitioner"
                and actor.practitioner_id == appointment.practitioner_id))


def _free_slot(session: Session, slot_id: int, now: datetime) -> WaitlistEntry | None:
    """Make a slot bookable again, offering it to the waiting list first."""
    slot = session.get(Slot, slot_id, populate_existing=True)
    if slot is None or slot.start_at <= now or slot.status != "busy":
        return None
    slot.status = "free"
    session.flush()
    return offer_slot(session, slot, now)


def cancel(session: Session, actor: Actor, appointment_id: int, *, reason: str | None = None,
           now: datetime | None = None, offer: bool = True) -> Appointment:
    """Cancel a booked appointment; its slot goes to the waiting list, else back to free."""
    now = now or utcnow()
    appointment = get_appointment(session, actor, appointment_id, "annulation")
    if actor.role == "nurse":
        raise Forbidden("une infirmière ne peut pas annuler un rendez-vous", code="forbidden")
    if appointment.status != "booked":
        raise Conflict(f"rendez-vous non annulable (statut : {appointment.status})",
                       code="not_cancellable")
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    appointment.cancel_reason = (reason or "")[:200] or None
    session.flush()
    if offer:
        _free_slot(session, appointment.slot_id, now)
    record(session, actor, "update", "Appointment", appointment.id,
           patient_id=appointment.patient_id, purpose="annulation")
    return appointment


def reschedule(session: Session, actor: Actor, appointment_id: int, *, new_slot_id: int,
               now: datetime | None = None) -> Appointment:
    """Move to another slot atomically: the old one is released only if the new one is got."""
    now = now or utcnow()
    old = cancel(session, actor, appointment_id, reason="déplacé", now=now, offer=False)
    new = book(session, actor, slot_id=new_slot_id, patient_id=old.patient_id,
               reason=old.reason, now=now, rescheduled_from_id=old.id)
    _free_slot(session, old.slot_id, now)
    return new


def mark_no_show(session: Session, actor: Actor, appointment_id: int, *,
                 now: datetime | None = None) -> Appointment:
    now = now or utcnow()
    appointment = get_appointment(session, actor, appointment_id, "absence du patient")
    if actor.role not in ("practitioner", "nurse", "coordinator", "admin", "system"):
        raise NotFound("Appointment introuvable", code="not_found")
    if appointment.status != "booked":
        raise Conflict(f"statut actuel : {appointment.status}", code="invalid_status")
    if appointment.start_at > now:
        raise Invalid("le rendez-vous n'a pas encore commencé", code="not_started")
    appointment.status = "noshow"
    record(session, actor, "update", "Appointment", appointment.id,
           patient_id=appointment.patient_id, purpose="absence du patient")
    return appointment


def appointments_of(session: Session, actor: Actor, *, upcoming_only: bool = False,
                    now: datetime | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[Appointment], int]:
    """The actor's own appointments: a patient's, or a practitioner's agenda."""
    from sqlalchemy import func

    now = now or utcnow()
    stmt = select(Appointment)
    if actor.role == "patient":  # their own and their relatives'
        stmt = stmt.where(Appointment.patient_id.in_(represented_ids(session, actor)))
    elif actor.role == "practitioner":
        stmt = stmt.where(Appointment.practitioner_id == actor.practitioner_id)
    elif actor.role == "nurse" and actor.location_id is not None:
        stmt = stmt.where(Appointment.location_id == actor.location_id)
    else:
        return [], 0
    if upcoming_only:
        stmt = stmt.where(Appointment.end_at > now,
                          Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Appointment.start_at, Appointment.id)
                                .limit(limit).offset(offset)).all())
    for a in rows:
        record(session, actor, "read", "Appointment", a.id, patient_id=a.patient_id,
               purpose="liste des rendez-vous")
    return rows, int(total)


# ------------------------------------------------------------------------ waiting list
def join_waitlist(session: Session, actor: Actor, *, patient_id: int, specialty: str,
                  practitioner_id: int | None = None, location_id: int | None = None,
                  mode: str | None = None, not_before: datetime | None = None,
                  not_after: datetime | None = None) -> WaitlistEntry:
    _check_patient_may_book(session, actor, patient_id)
    if specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : {specialty!r}", code="invalid_specialty")
    if mode is not None and mode not in MODES:
        raise Invalid(f"mode inconnu : {mode!r}", code="invalid_mode")
    if practitioner_id is not None:
        get_or_raise(session, Practitioner, practitioner_id, "praticien introuvable",
                     "unknown_practitioner")
    if location_id is not None:
        get_or_raise(session, Location, location_id, "site introuvable", "unknown_site")
    entry = WaitlistEntry(patient_id=patient_id, specialty=specialty,
                          practitioner_id=practitioner_id, location_id=location_id, mode=mode,
                          not_before=not_before, not_after=not_after, status="waiting")
    session.add(entry)
    session.flush()
    record(session, actor, "create", "WaitlistEntry", entry.id, patient_id=patient_id,
           purpose="inscription en liste d'attente")
    return entry


def _matching_entry(session: Session, slot: Slot, exclude: set[int]) -> WaitlistEntry | None:
    stmt = (select(WaitlistEntry).where(
        WaitlistEntry.status == "waiting", WaitlistEntry.specialty == slot.specialty,
        or_(WaitlistEntry.practitioner_id.is_(None),
            WaitlistEntry.practitioner_id == slot.practitioner_id),
        or_(WaitlistEntry.location_id.is_(None), WaitlistEntry.location_id == slot.location_id),
        or_(WaitlistEntry.mode.is_(None), WaitlistEntry.mode == slot.mode),
        or_(WaitlistEntry.not_before.is_(None), WaitlistEntry.not_before <= slot.start_at),
        or_(WaitlistEntry.not_after.is_(None), WaitlistEntry.not_after >= slot.start_at))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id))
    if exclude:
        stmt = stmt.where(WaitlistEntry.id.not_in(exclude))
    return session.scalars(stmt.limit(1)).first()


def offer_slot(session: Session, slot: Slot, now: datetime,
               exclude: set[int] | None = None) -> WaitlistEntry | None:
    """Hold a free slot for the longest-waiting matching patient, if any."""
    entry = _matching_entry(session, slot, exclude or set())
    if entry is None:
        return None
    hold = min(now + OFFER_HOLD, slot.start_at)
    slot.status, slot.held_for_waitlist_id, slot.held_until = "busy-tentative", entry.id, hold
    entry.status, entry.offered_slot_id, entry.offer_expires_at = "offered", slot.id, hold
    session.flush()
    return entry


def _release_offer(session: Session, entry: WaitlistEntry, now: datetime) -> None:
    slot = session.get(Slot, entry.offered_slot_id) if entry.offered_slot_id else None
    entry.status, entry.offered_slot_id, entry.offer_expires_at = "waiting", None, None
    if slot is not None and slot.status == "busy-tentative" and \
            slot.held_for_waitlist_id == entry.id:
        slot.status, slot.held_for_waitlist_id, slot.held_until = "free", None, None
        session.flush()
        if slot.start_at > now:
            offer_slot(session, slot, now, exclude={entry.id})


def expire_offers(session: Session, now: datetime | None = None) -> int:
    """Offers not taken in time go to the next patient (or back to free)."""
    now = now or utcnow()
    expired = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at < now)).all()
    for entry in expired:
        _release_offer(session, entry, now)
    return len(expired)


def _own_entry(session: Session, actor: Actor, entry_id: int) -> WaitlistEntry:
    """The entry if ``actor`` may act on it: its patient, or a practitioner or nurse who
    may see that patient; everybody else (coordinators and admins included) gets the same
    404 as for an entry that does not exist, and the refusal is audited."""
    entry = session.get(WaitlistEntry, entry_id)
    missing = NotFound("inscription en liste d'attente introuvable", code="not_found")
    if entry is None:
        raise missing
    if actor.role == "system" or speaks_for(session, actor, entry.patient_id):
        return entry
    if actor.is_staff_reader and can_see_patient(session, actor, entry.patient_id):
        return entry
    record(session, actor, "update", "WaitlistEntry", entry_id, patient_id=entry.patient_id,
           purpose="liste d'attente d'un autre patient", outcome="denied")
    session.commit()
    raise missing


def accept_offer(session: Session, actor: Actor, entry_id: int,
                 now: datetime | None = None) -> Appointment:
    now = now or utcnow()
    entry = _own_entry(session, actor, entry_id)
    if entry.status != "offered" or entry.offered_slot_id is None:
        raise Conflict("aucune proposition en cours", code="no_offer")
    if entry.offer_expires_at is not None and entry.offer_expires_at < now:
        _release_offer(session, entry, now)
        raise Conflict("la proposition a expiré", code="offer_expired")
    appointment = book(session, actor, slot_id=entry.offered_slot_id,
                       patient_id=entry.patient_id, now=now, waitlist_entry_id=entry.id)
    entry.status, entry.appointment_id = "booked", appointment.id
    return appointment


def decline_offer(session: Session, actor: Actor, entry_id: int,
                  now: datetime | None = None) -> WaitlistEntry:
    """Decline the slot but stay on the list; the slot goes to the next patient."""
    now = now or utcnow()
    entry = _own_entry(session, actor, entry_id)
    if entry.status != "offered":
        raise Conflict("aucune proposition en cours", code="no_offer")
    _release_offer(session, entry, now)
    return entry


def leave_waitlist(session: Session, actor: Actor, entry_id: int,
                   now: datetime | None = None) -> WaitlistEntry:
    now = now or utcnow()
    entry = _own_entry(session, actor, entry_id)
    if entry.status == "offered":
        _release_offer(session, entry, now)
    entry.status = "cancelled"
    return entry


def alternatives(session: Session, actor: Actor, appointment_id: int, *, limit: int = 12,
                 now: datetime | None = None) -> tuple[Appointment, list[Slot]]:
    """The next free slots of the same practitioner, site and mode: where to move to."""
    now = now or utcnow()
    appointment = get_appointment(session, actor, appointment_id, "déplacement (choix)")
    slots = list(session.scalars(select(Slot).where(
        Slot.practitioner_id == appointment.practitioner_id,
        Slot.location_id == appointment.location_id, Slot.mode == appointment.mode,
        Slot.status == "free", Slot.start_at > now, Slot.id != appointment.slot_id)
        .order_by(Slot.start_at, Slot.id).limit(limit)).all())
    return appointment, slots


def waitlist_of(session: Session, actor: Actor,
                now: datetime | None = None) -> list[WaitlistEntry]:
    """The patient's live waiting-list entries (waiting or with an offer), offers first."""
    if actor.role != "patient" or actor.patient_id is None:
        return []
    expire_offers(session, now)
    rows = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.patient_id.in_(represented_ids(session, actor)),
        WaitlistEntry.status.in_(("waiting", "offered")))
        .order_by(WaitlistEntry.status, WaitlistEntry.id)).all()  # offered first
    return list(rows)
