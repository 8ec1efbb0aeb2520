"""The 24/7 on-demand teleconsultation queue: join (after triage), leave, take the next patient.

Taking a patient is safe under concurrency without any lock held in Python:

1. the doctor's presence row goes ``available → busy`` with a conditional UPDATE (a
   double click or a second tab gets 0 rows and a Conflict);
2. the oldest waiting entry is selected ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two
   doctors pick *different* patients instead of queueing behind one row lock; SQLite
   is serialisable — a transaction that read a stale queue cannot write, see
   :mod:`oasis.care.core.db` — so the plain select is already exclusive);
3. the entry is claimed with ``UPDATE … WHERE id = ? AND status = 'waiting'`` — if it
   matches no row another doctor got there first and we try the next one;
4. the Encounter insert is backed by unique indexes (one encounter per entry, one
   in-progress encounter per practitioner).

Estimated wait (documented estimator, see :func:`estimate_wait_minutes`): with ``n``
doctors on duty for the specialty (available or in a call), ``i`` of them idle, ``a``
patients ahead and ``m`` the mean duration of recent consultations, a patient waits
``0`` when ``i > a`` and otherwise ``(a − i + 1) · m / n`` minutes: each doctor frees up
every ``m`` minutes on average, so the ``n`` of them free one place every ``m / n``.
With nobody on duty there is no estimate (``None``), said as such to the patient.

A doctor is « on duty » only while alive: their duty page pings :func:`heartbeat` every
20 s, and an ``available`` presence not seen for ``PRESENCE_TTL`` (a ``busy`` one, in a
call page that does not ping, for ``BUSY_TTL``) counts as offline, so a closed browser
does not leave patients told « 1 médecin en service » by nobody.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.core.access import speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.base import expire_cached
from oasis.care.core.clock import paris_today, utcnow
from oasis.care.core.errors import Conflict, Forbidden, Invalid, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.notifications import service as notifications
from oasis.care.people.models import Patient, Practitioner, StaffMember
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.care.teleconsult.exchanges import attach_queue_files
from oasis.care.teleconsult.models import (
    ENCOUNTER_MODES,
    Encounter,
    PractitionerPresence,
    QueueEntry,
)
from oasis.care.teleconsult.triage import UnknownFlagError, triage

DEFAULT_CONSULTATION_MINUTES = 15.0  # before enough consultations have been measured
RECENT_WINDOW = timedelta(days=7)
RECENT_SAMPLE = 50
MIN_SAMPLE = 3
EMERGENCY_NUMBERS = {"15": "SAMU", "112": "numéro d'urgence européen",
                     "114": "urgences par SMS (personnes sourdes ou malentendantes)",
                     "3114": "prévention du suicide"}
PHONE_RE = re.compile(r"^(?:\+33|0033|0)[1-9](?:\d{8})$")
MAX_REASON = 2000
# Oasis parameters (no public figure): 4 missed pings of the duty page (every 20 s); a
# call is assumed forgotten after an hour without the doctor back on the duty page.
PRESENCE_TTL = timedelta(seconds=90)
BUSY_TTL = timedelta(minutes=60)
# The general-practice queue is always open (a GP on duty or not, the patient keeps
# their place); a specialty is offered only while one of its teleconsulting doctors is
# on duty, or has a free video slot that is running or starts within this horizon
# (Oasis parameter: a specialist who opened video slots this afternoon is reachable).
GP = "generaliste"
VIDEO_HORIZON = timedelta(hours=2)
NO_SPECIALIST = "aucun spécialiste disponible pour le moment"


@dataclass(frozen=True)
class EmergencyRouting:
    """The triage refused the queue: the patient must call 15/112 (or 3114) now."""

    message: str
    flags: list[str]
    numbers: dict[str, str] = field(default_factory=lambda: dict(EMERGENCY_NUMBERS))


@dataclass(frozen=True)
class QueueView:
    """What the waiting patient sees, recomputed on every queue change."""

    entry_id: int
    status: str
    specialty: str
    mode: str
    position: int | None  # 1 = next; None once taken or cancelled
    ahead: int
    doctors_on_duty: int
    doctors_available: int
    mean_consultation_minutes: float
    estimated_wait_minutes: int | None
    encounter_id: int | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def normalise_phone(raw: str | None) -> str | None:
    """French numbers as 10 digits (``0612345678``); refuse what cannot be called back."""
    if raw is None or not raw.strip():
        return None
    digits = re.sub(r"[\s.\-()]", "", raw)
    if not PHONE_RE.match(digits):
        raise Invalid(f"numéro de rappel invalide : « {raw} » (ex. 06 12 34 56 78)",
                      code="invalid_phone")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    return digits


def age_on(birth: date, on: date) -> tuple[int, int]:
    """(years, months) of age on ``on``."""
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    return months // 12, months




# ------------------------------------------------------------------------------- join
def ett_site(session: Session, actor: Actor) -> Location:
    """The ETT of the nurse opening a session there; Forbidden for anyone else.

    Checked before anything about the patient, so that a refusal tells nothing of them.
    """
    if actor.role != "nurse" or actor.location_id is None:
        raise Forbidden("une séance en espace de télésanté est ouverte par l'infirmier·ère "
                        "du site", code="ett_nurse_only")
    site = session.get(Location, actor.location_id)
    if site is None or site.kind != "ett":
        raise Forbidden("votre site n'est pas un espace de télésanté", code="not_an_ett")
    return site


def join(session: Session, actor: Actor, *, patient_id: int, reason: str,
         triage_answers: list[str] | tuple[str, ...] = (), specialty: str = "generaliste",
         mode: str = "video", callback_phone: str | None = None,
         now: datetime | None = None) -> QueueEntry | EmergencyRouting:
    """Put the patient in the queue, or route them to emergency services (never both).

    ``mode`` ``phone`` is the audio-only fallback and needs a callback number (the
    patient's own by default); ``ett`` is opened by a nurse at their ETT site.
    """
    now = now or utcnow()
    patient = session.get(Patient, patient_id)
    if patient is None or (actor.role == "patient"
                           and not speaks_for(session, actor, patient_id)):
        if patient is not None:  # someone else's record: refused as if missing, audited
            record(session, actor, "create", "QueueEntry", None, patient_id=patient_id,
                   purpose="file de téléconsultation", outcome="denied")
            session.commit()
        raise NotFound("Patient introuvable", code="not_found")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("indiquez le motif de la consultation", code="reason_required")
    if len(reason) > MAX_REASON:
        raise Invalid(f"motif trop long ({len(reason)} caractères, {MAX_REASON} au plus)",
                      code="reason_too_long")
    if specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : {specialty!r}", code="invalid_specialty")
    if specialty != GP and specialty not in available_specialties(session, now):
        raise Invalid(f"{NO_SPECIALIST} en {SPECIALTIES[specialty].lower()} : rejoignez la "
                      "file de médecine générale", code="specialty_unavailable")
    if mode not in ENCOUNTER_MODES:
        raise Invalid(f"mode inconnu : {mode!r} (valeurs : {', '.join(ENCOUNTER_MODES)})",
                      code="invalid_mode")
    location_id = nurse_id = None
    if mode == "ett":
        site = ett_site(session, actor)
        location_id, nurse_id = site.id, actor.staff_id
    elif actor.role not in ("patient", "system"):
        raise Forbidden("seul le patient rejoint la file pour lui-même", code="forbidden_role")
    phone = normalise_phone(callback_phone)
    if mode == "phone" and phone is None:
        phone = normalise_phone(patient.phone) if patient.phone else None
        if phone is None:
            raise Invalid("consultation par téléphone : indiquez un numéro de rappel",
                          code="callback_required")
    try:
        _, months = age_on(patient.birth_date, paris_today(now))
        decision = triage(list(triage_answers), reason, age_months=months)
    except UnknownFlagError as exc:
        raise Invalid(str(exc), code="unknown_triage_answer") from exc
    if not decision.allowed_in_queue:
        record(session, actor, "create", "QueueEntry", None, patient_id=patient_id,
               purpose="triage : orientation vers le 15 / 112, pas de file",
               outcome="emergency")
        return EmergencyRouting(decision.message, decision.flags)
    entry = QueueEntry(patient_id=patient_id, specialty=specialty, reason=reason,
                       triage_answers=list(triage_answers), mode=mode, callback_phone=phone,
                       location_id=location_id, nurse_staff_id=nurse_id, status="waiting",
                       joined_at=now, created_by_account_id=actor.account_id)
    session.add(entry)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("vous êtes déjà dans la file d'attente", code="already_waiting") from exc
    record(session, actor, "create", "QueueEntry", entry.id, patient_id=patient_id,
           purpose="file de téléconsultation")
    return entry


def _entry_for(session: Session, actor: Actor, entry_id: int) -> QueueEntry:
    entry = session.get(QueueEntry, entry_id)
    allowed = entry is not None and (
        actor.role == "system"
        or (actor.role == "patient" and speaks_for(session, actor, entry.patient_id))
        or (actor.role == "nurse" and entry.location_id is not None
            and actor.location_id == entry.location_id)
        or (actor.role == "practitioner" and entry.taken_by_practitioner_id is not None
            and entry.taken_by_practitioner_id == actor.practitioner_id))
    if not allowed:
        if entry is not None:  # not a party: the answer of a missing entry, audited
            record(session, actor, "read", "QueueEntry", entry_id, patient_id=entry.patient_id,
                   purpose="file de téléconsultation", outcome="denied")
            session.commit()
        raise NotFound("demande de téléconsultation introuvable", code="not_found")
    return entry


def leave(session: Session, actor: Actor, entry_id: int, now: datetime | None = None
          ) -> QueueEntry:
    """Cancel a waiting entry (the patient gave up or went to the emergency room)."""
    entry = _entry_for(session, actor, entry_id)
    done = session.execute(update(QueueEntry).where(
        QueueEntry.id == entry_id, QueueEntry.status == "waiting")
        .values(status="cancelled", left_at=now or utcnow())
        .execution_options(synchronize_session=False)).rowcount
    expire_cached(session, QueueEntry, [entry_id])
    if not done:
        raise Conflict("cette demande n'est plus en attente", code="not_waiting")
    record(session, actor, "update", "QueueEntry", entry_id, patient_id=entry.patient_id,
           purpose="sortie de la file de téléconsultation")
    return entry


# ---------------------------------------------------------------------------- presence
def _teleconsulting(session: Session, actor: Actor) -> Practitioner:
    if actor.role != "practitioner" or actor.practitioner_id is None:
        raise Forbidden("réservé aux médecins téléconsultants", code="forbidden_role")
    doctor = session.get(Practitioner, actor.practitioner_id)
    if doctor is None or not doctor.teleconsultation:
        raise Forbidden("vous n'êtes pas inscrit·e comme téléconsultant·e",
                        code="not_teleconsulting")
    return doctor


def set_presence(session: Session, actor: Actor, status: str,
                 now: datetime | None = None) -> PractitionerPresence:
    """``available`` (on duty, takes patients) or ``offline``; ``busy`` is set by calls."""
    if status not in ("available", "offline"):
        raise Invalid("statut attendu : available ou offline", code="invalid_presence")
    doctor = _teleconsulting(session, actor)
    presence = session.get(PractitionerPresence, doctor.id, with_for_update=True)
    in_call = session.scalar(select(Encounter.id).where(
        Encounter.practitioner_id == doctor.id, Encounter.status == "in-progress"))
    effective = "busy" if status == "available" and in_call else status
    now = now or utcnow()
    if presence is None:
        presence = PractitionerPresence(practitioner_id=doctor.id, status=effective,
                                        since=now, seen_at=now)
        session.add(presence)
    else:
        if presence.status != effective or not _alive(presence, now):
            presence.status, presence.since = effective, now
        presence.seen_at = now
    session.flush()
    return presence


def heartbeat(session: Session, actor: Actor, now: datetime | None = None) -> str:
    """The duty page is still open: keep the doctor's presence alive; returns the status."""
    doctor = _teleconsulting(session, actor)
    now = now or utcnow()
    row = session.get(PractitionerPresence, doctor.id)
    if row is None or not _alive(row, now):
        return "offline"  # expired: the doctor says « Je suis disponible » again
    row.seen_at = now
    session.flush()
    return row.status


def _alive(row: PractitionerPresence, now: datetime) -> bool:
    if row.status == "available":
        return row.seen_at >= now - PRESENCE_TTL
    if row.status == "busy":
        return row.seen_at >= now - BUSY_TTL
    return False


def _alive_clause(now: datetime):
    return or_(and_(PractitionerPresence.status == "available",
                    PractitionerPresence.seen_at >= now - PRESENCE_TTL),
               and_(PractitionerPresence.status == "busy",
                    PractitionerPresence.seen_at >= now - BUSY_TTL))


def presence_of(session: Session, practitioner_id: int, now: datetime | None = None) -> str:
    """available, busy or offline — an expired presence is offline."""
    row = session.get(PractitionerPresence, practitioner_id)
    return row.status if row and _alive(row, now or utcnow()) else "offline"


# ------------------------------------------------------------------------- specialties
def available_specialties(session: Session, now: datetime | None = None) -> list[str]:
    """The specialties (general practice excluded: always open) a patient may queue for
    now, in the order of :data:`~oasis.care.core.vocab.SPECIALTIES`: a teleconsulting
    doctor of the specialty is on duty (alive presence), or has a free video slot that
    is running or starts within :data:`VIDEO_HORIZON`."""
    now = now or utcnow()
    on_duty = select(Practitioner.specialty).join(
        PractitionerPresence, PractitionerPresence.practitioner_id == Practitioner.id).where(
        Practitioner.teleconsultation.is_(True), _alive_clause(now))
    video = select(Practitioner.specialty).join(
        Slot, Slot.practitioner_id == Practitioner.id).where(
        Practitioner.teleconsultation.is_(True), Slot.mode == "video", Slot.status == "free",
        Slot.end_at > now, Slot.start_at < now + VIDEO_HORIZON)
    found = set(session.scalars(on_duty.union(video)))
    return [s for s in SPECIALTIES if s != GP and s in found]


# ---------------------------------------------------------------------------- take next
def _candidates(session: Session, specialty: str, skip: list[int]):
    stmt = (select(QueueEntry.id).where(QueueEntry.status == "waiting",
                                        QueueEntry.specialty == specialty)
            .order_by(QueueEntry.joined_at, QueueEntry.id).limit(1))
    if skip:
        stmt = stmt.where(QueueEntry.id.not_in(skip))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalar(stmt)


def take_next(session: Session, actor: Actor, now: datetime | None = None) -> Encounter:
    """The next waiting patient of the doctor's specialty becomes their consultation.

    The room name is random (``secrets``), as oasis.web.kit.rooms.new_room makes them:
    the signed token admits, but names show up in logs.
    """
    now = now or utcnow()
    doctor = _teleconsulting(session, actor)
    claimed = session.execute(update(PractitionerPresence).where(
        PractitionerPresence.practitioner_id == doctor.id,
        PractitionerPresence.status == "available")
        .values(status="busy", since=now, seen_at=now)
        .execution_options(synchronize_session=False)).rowcount
    expire_cached(session, PractitionerPresence, [doctor.id])
    if not claimed:
        status = presence_of(session, doctor.id, now)
        if status == "busy":
            raise Conflict("vous êtes déjà en consultation : terminez-la d'abord",
                           code="already_in_consultation")
        raise Conflict("indiquez d'abord que vous êtes disponible", code="not_available")
    tried: list[int] = []
    while True:
        entry_id = _candidates(session, doctor.specialty, tried)
        if entry_id is None:
            raise NotFound("aucun patient en attente", code="queue_empty")
        tried.append(entry_id)
        took = session.execute(update(QueueEntry).where(
            QueueEntry.id == entry_id, QueueEntry.status == "waiting")
            .values(status="taken", taken_at=now, taken_by_practitioner_id=doctor.id)
            .execution_options(synchronize_session=False)).rowcount
        expire_cached(session, QueueEntry, [entry_id])
        if took:
            break
    entry = session.get(QueueEntry, entry_id)
    encounter = Encounter(queue_entry_id=entry.id, patient_id=entry.patient_id,
                          practitioner_id=doctor.id, nurse_staff_id=entry.nurse_staff_id,
                          location_id=entry.location_id, mode=entry.mode,
                          status="in-progress", room=secrets.token_urlsafe(12),
                          reason=entry.reason,
                          triage_answers=list(entry.triage_answers or []),
                          callback_phone=entry.callback_phone, started_at=now)
    session.add(encounter)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("ce patient vient d'être pris en charge", code="already_taken") from exc
    record(session, actor, "create", "Encounter", encounter.id, patient_id=entry.patient_id,
           purpose="prise en charge depuis la file de téléconsultation")
    attach_queue_files(session, entry.id, encounter)  # sent while waiting: now the call's
    notifications.doctor_ready(session, encounter, now)  # « le médecin est prêt »
    return encounter


# ---------------------------------------------------------------------------- estimate
def mean_consultation_minutes(session: Session, specialty: str,
                              now: datetime | None = None) -> float:
    """Mean duration of the last consultations of the specialty (7 days, 50 at most)."""
    now = now or utcnow()
    rows = session.scalars(
        select(Encounter.duration_seconds)
        .join(Practitioner, Practitioner.id == Encounter.practitioner_id)
        .where(Encounter.status == "finished", Encounter.duration_seconds.is_not(None),
               Encounter.ended_at >= now - RECENT_WINDOW, Practitioner.specialty == specialty)
        .order_by(Encounter.ended_at.desc()).limit(RECENT_SAMPLE)).all()
    if len(rows) < MIN_SAMPLE:
        return DEFAULT_CONSULTATION_MINUTES
    return sum(rows) / len(rows) / 60


def estimate_wait_minutes(ahead: int, on_duty: int, idle: int, mean_minutes: float
                          ) -> int | None:
    """See the module docstring; whole minutes, rounded up."""
    if on_duty <= 0:
        return None
    if idle > ahead:
        return 0
    return math.ceil((ahead - idle + 1) * mean_minutes / on_duty)


def duty_counts(session: Session, specialty: str,
                now: datetime | None = None) -> tuple[int, int]:
    """(on duty, idle) teleconsulting doctors of ``specialty`` whose presence is alive."""
    rows = dict(session.execute(
        select(PractitionerPresence.status, func.count())
        .join(Practitioner, Practitioner.id == PractitionerPresence.practitioner_id)
        .where(Practitioner.specialty == specialty, _alive_clause(now or utcnow()))
        .group_by(PractitionerPresence.status)).all())
    return rows.get("available", 0) + rows.get("busy", 0), rows.get("available", 0)


def view(session: Session, entry: QueueEntry, now: datetime | None = None) -> QueueView:
    """Position, doctors and estimated wait of one entry (no audit: no health data)."""
    encounter_id = None
    on_duty, idle = duty_counts(session, entry.specialty, now)
    mean = mean_consultation_minutes(session, entry.specialty, now)
    if entry.status == "waiting":
        ahead = session.scalar(select(func.count()).where(
            QueueEntry.status == "waiting", QueueEntry.specialty == entry.specialty,
            or_(QueueEntry.joined_at < entry.joined_at,
                and_(QueueEntry.joined_at == entry.joined_at, QueueEntry.id < entry.id)))) or 0
        position, wait = ahead + 1, estimate_wait_minutes(ahead, on_duty, idle, mean)
    else:
        ahead, position, wait = 0, None, None
        if entry.status == "taken":
            encounter_id = session.scalar(select(Encounter.id).where(
                Encounter.queue_entry_id == entry.id))
    return QueueView(entry_id=entry.id, status=entry.status, specialty=entry.specialty,
                     mode=entry.mode, position=position, ahead=ahead, doctors_on_duty=on_duty,
                     doctors_available=idle, mean_consultation_minutes=round(mean, 1),
                     estimated_wait_minutes=wait, encounter_id=encounter_id)


def get_view(session: Session, actor: Actor, entry_id: int,
             now: datetime | None = None) -> QueueView:
    entry = _entry_for(session, actor, entry_id)
    session.refresh(entry)
    # The patient's own polling is not logged (it would bury the log); anyone else's
    # reading is, her guardian's included (a relative's record read from another account).
    if not (actor.role == "patient" and actor.patient_id == entry.patient_id):
        record(session, actor, "read", "QueueEntry", entry.id, patient_id=entry.patient_id,
               purpose="place dans la file de téléconsultation")
    return view(session, entry, now)


def summary(session: Session, specialty: str, now: datetime | None = None) -> dict:
    """What a doctor on duty sees: patients waiting (no identities) and doctors."""
    waiting = session.scalar(select(func.count()).where(
        QueueEntry.status == "waiting", QueueEntry.specialty == specialty)) or 0
    oldest = session.scalar(select(func.min(QueueEntry.joined_at)).where(
        QueueEntry.status == "waiting", QueueEntry.specialty == specialty))
    now = now or utcnow()
    on_duty, idle = duty_counts(session, specialty, now)
    return {"specialty": specialty, "waiting": int(waiting), "doctors_on_duty": on_duty,
            "doctors_available": idle,
            "longest_wait_minutes": None if oldest is None
            else max(0, int((now - oldest).total_seconds() // 60)),
            "mean_consultation_minutes": round(
                mean_consultation_minutes(session, specialty, now), 1)}


def nurse_of(session: Session, actor: Actor) -> StaffMember | None:
    return session.get(StaffMember, actor.staff_id) if actor.staff_id else None
