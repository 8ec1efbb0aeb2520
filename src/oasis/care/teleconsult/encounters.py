"""The consultation record (FHIR Encounter): read, write, measurements, room access, closing.

Who may do what:

* read: the patient, the consulting practitioner, the ETT nurse of the session, and
  whoever :func:`oasis.care.core.access.can_see_patient` allows (e.g. the médecin traitant);
  anyone else gets a 404 — and every read, write and refusal is audited;
* write (notes, diagnosis), close, prescribe, refer: the consulting practitioner only;
* measurements: the ETT nurse and the practitioner;
* room tokens for the call: only the encounter's participants, while it is in progress.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.core.access import ensure_can_see_patient, represented_ids, speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.base import expire_cached
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Conflict, Forbidden, Invalid, NotFound
from oasis.care.core.inputs import parse_id
from oasis.care.core.lookup import get_or_raise
from oasis.care.people.models import Patient, Practitioner, StaffMember
from oasis.care.teleconsult.billing import Situation, bill_encounter
from oasis.care.teleconsult.models import (
    BillingStatement,
    Encounter,
    EncounterMeasurement,
    PractitionerPresence,
)
from oasis.care.teleconsult.vitals import Vitals, VitalsError, parse_vitals

# CIM-10 (ICD-10) code shape: letter, two digits, optional dot and one or two characters.
ICD10_RE = re.compile(r"^[A-Z][0-9]{2}(?:\.?[0-9A-Z]{1,2})?$")
MAX_NOTES = 20_000


def is_participant(session: Session, actor: Actor, encounter: Encounter) -> bool:
    """A party of the consultation: its patient (or the guardian who speaks for them,
    :func:`~oasis.care.core.access.speaks_for`), its doctor, the ETT nurse of the session."""
    return ((actor.role == "patient" and speaks_for(session, actor, encounter.patient_id))
            or (actor.role == "practitioner"
                and actor.practitioner_id == encounter.practitioner_id)
            or (actor.role == "nurse" and encounter.nurse_staff_id is not None
                and actor.staff_id == encounter.nurse_staff_id))


def _load(session: Session, encounter_id: int) -> Encounter:
    return get_or_raise(session, Encounter, encounter_id, "Encounter introuvable", code="not_found")


def get_encounter(session: Session, actor: Actor, encounter_id: int,
                  purpose: str = "lecture du compte rendu de téléconsultation") -> Encounter:
    """The encounter if ``actor`` may read it (audited), NotFound otherwise."""
    encounter = _load(session, encounter_id)
    if not is_participant(session, actor, encounter):
        ensure_can_see_patient(session, actor, encounter.patient_id, "Encounter",
                               encounter_id, purpose)
    record(session, actor, "read", "Encounter", encounter_id,
           patient_id=encounter.patient_id, purpose=purpose)
    return encounter


def own_encounter(session: Session, actor: Actor, encounter_id: int, purpose: str,
                  *, open_only: bool = True) -> Encounter:
    """The encounter of the consulting practitioner; others get 404 (audited)."""
    encounter = _load(session, encounter_id)
    if actor.role != "practitioner" or actor.practitioner_id != encounter.practitioner_id:
        if actor.role == "practitioner" or not is_participant(session, actor, encounter):
            record(session, actor, "update", "Encounter", encounter_id,
                   patient_id=encounter.patient_id, purpose=purpose, outcome="denied")
            session.commit()
            raise NotFound("Encounter introuvable", code="not_found")
        raise Forbidden("réservé au médecin de la consultation", code="practitioner_only")
    if open_only and encounter.status != "in-progress":
        raise Conflict("la consultation est close", code="encounter_closed")
    return encounter


def list_encounters(session: Session, actor: Actor, limit: int = 50,
                    offset: int = 0) -> list[Encounter]:
    """The actor's own consultations, most recent first (patient, practitioner, nurse)."""
    stmt = select(Encounter)
    if actor.role == "patient":
        stmt = stmt.where(Encounter.patient_id.in_(represented_ids(session, actor)))
    elif actor.role == "practitioner":
        stmt = stmt.where(Encounter.practitioner_id == actor.practitioner_id)
    elif actor.role == "nurse":
        stmt = stmt.where(or_(Encounter.nurse_staff_id == actor.staff_id,
                              Encounter.location_id == actor.location_id)
                          if actor.location_id else Encounter.nurse_staff_id == actor.staff_id)
    else:
        return []
    rows = list(session.scalars(stmt.order_by(Encounter.started_at.desc(), Encounter.id.desc())
                                .limit(limit).offset(offset)))
    for e in rows:
        record(session, actor, "search", "Encounter", e.id, patient_id=e.patient_id,
               purpose="liste des téléconsultations")
    return rows


def update_record(session: Session, actor: Actor, encounter_id: int, *,
                  notes: str | None = None, diagnosis_text: str | None = None,
                  diagnosis_code: str | None = None, reason: str | None = None) -> Encounter:
    """Write the record during the consultation; fields left ``None`` are unchanged."""
    encounter = own_encounter(session, actor, encounter_id, "rédaction du compte rendu")
    if notes is not None:
        if len(notes) > MAX_NOTES:
            raise Invalid(f"notes trop longues ({MAX_NOTES} caractères au plus)",
                          code="notes_too_long")
        encounter.notes = notes
    if diagnosis_text is not None:
        encounter.diagnosis_text = diagnosis_text.strip() or None
    if diagnosis_code is not None:
        code = diagnosis_code.strip().upper() or None
        if code is not None and not ICD10_RE.match(code):
            raise Invalid(f"code CIM-10 invalide : « {diagnosis_code} » (ex. J06.9)",
                          code="invalid_diagnosis_code")
        encounter.diagnosis_code = code
    if reason is not None and reason.strip():
        encounter.reason = reason.strip()
    session.flush()
    record(session, actor, "update", "Encounter", encounter_id,
           patient_id=encounter.patient_id, purpose="rédaction du compte rendu")
    return encounter


def close(session: Session, actor: Actor, encounter_id: int, situation: Situation,
          now: datetime | None = None, partners=None) -> tuple[Encounter, BillingStatement]:
    """End the consultation: duration, the doctor back on duty, the statement stored."""
    now = now or utcnow()
    encounter = own_encounter(session, actor, encounter_id, "clôture de la consultation")
    done = session.execute(update(Encounter).where(
        Encounter.id == encounter_id, Encounter.status == "in-progress")
        .values(status="finished", ended_at=now,
                duration_seconds=max(0, int((now - encounter.started_at).total_seconds())))
        .execution_options(synchronize_session=False)).rowcount
    expire_cached(session, Encounter, [encounter_id])
    if not done:
        raise Conflict("la consultation est déjà close", code="encounter_closed")
    session.execute(update(PractitionerPresence).where(
        PractitionerPresence.practitioner_id == encounter.practitioner_id,
        PractitionerPresence.status == "busy")
        .values(status="available", since=now, seen_at=now)
        .execution_options(synchronize_session=False))
    expire_cached(session, PractitionerPresence, [encounter.practitioner_id])
    encounter = session.get(Encounter, encounter_id)
    statement = bill_encounter(session, encounter, situation, partners)
    record(session, actor, "update", "Encounter", encounter_id,
           patient_id=encounter.patient_id, purpose="clôture de la consultation")
    record(session, actor, "create", "BillingStatement", statement.id,
           patient_id=encounter.patient_id, purpose="feuille de soins")
    return encounter, statement


def statement_for(session: Session, actor: Actor, encounter_id: int) -> BillingStatement:
    encounter = get_encounter(session, actor, encounter_id, "lecture de la feuille de soins")
    row = session.scalar(select(BillingStatement).where(
        BillingStatement.encounter_id == encounter.id))
    if row is None:
        raise NotFound("pas encore de feuille de soins : la consultation est en cours",
                       code="not_billed")
    return row


# ------------------------------------------------------------------------ measurements
def add_measurement(session: Session, actor: Actor, *, encounter: Encounter,
                    event_id: str, vitals: Vitals, participant: str, name: str,
                    recorded_at: datetime) -> EncounterMeasurement:
    """Persist one validated measurement (idempotent on ``event_id``)."""
    if encounter.status != "in-progress":
        raise Conflict("la consultation est close", code="encounter_closed")
    existing = session.scalar(select(EncounterMeasurement).where(
        EncounterMeasurement.event_id == event_id))
    if existing is not None:
        return existing
    row = EncounterMeasurement(encounter_id=encounter.id, event_id=event_id,
                               recorded_at=recorded_at, participant=participant,
                               role=actor.role, name=name[:100], values=vitals.as_dict())
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return session.scalar(select(EncounterMeasurement).where(
            EncounterMeasurement.event_id == event_id))
    record(session, actor, "create", "Observation", row.id, patient_id=encounter.patient_id,
           purpose="mesures pendant la téléconsultation", source=participant)
    return row


def measure(session: Session, actor: Actor, encounter_id: int, values: dict,
            now: datetime | None = None) -> EncounterMeasurement:
    """The REST path for measurements (the call page uses the websocket hook)."""
    import uuid

    encounter = _load(session, encounter_id)
    if not is_participant(session, actor, encounter) or actor.role == "patient":
        if not is_participant(session, actor, encounter):
            record(session, actor, "create", "Observation", None,
                   patient_id=encounter.patient_id, purpose="mesures", outcome="denied")
            session.commit()
            raise NotFound("Encounter introuvable", code="not_found")
        raise Forbidden("seuls l'infirmier(ère) et le médecin saisissent des mesures",
                        code="forbidden_role")
    try:
        vitals = parse_vitals(values)
    except VitalsError as exc:
        raise Invalid(str(exc), code="invalid_measurement") from exc
    return add_measurement(session, actor, encounter=encounter, event_id=uuid.uuid4().hex,
                           vitals=vitals, participant=participant_id(actor),
                           name=display_name(session, actor), recorded_at=now or utcnow())


def encounter_by_room(session: Session, room: str) -> Encounter | None:
    return session.scalar(select(Encounter).where(Encounter.room == room))


# ------------------------------------------------------------------------------ call
def participant_id(actor: Actor) -> str:
    if actor.role == "patient":
        return f"patient-{actor.patient_id}"
    if actor.role == "practitioner":
        return f"practitioner-{actor.practitioner_id}"
    return f"nurse-{actor.staff_id}"


def actor_for_participant(participant: str, role: str) -> Actor:
    """The audit identity behind a room participant id (room tokens carry no account)."""
    kind, _, number = participant.partition("-")
    value = parse_id(number)
    if kind == "patient":
        return Actor(account_id=None, role="patient", patient_id=value)
    if kind == "practitioner":
        return Actor(account_id=None, role="practitioner", practitioner_id=value)
    return Actor(account_id=None, role="nurse", staff_id=value)


def display_name(session: Session, actor: Actor) -> str:
    if actor.role == "patient":
        p = session.get(Patient, actor.patient_id)
        return f"{p.given_name} {p.family_name}" if p else "Patient"
    if actor.role == "practitioner":
        d = session.get(Practitioner, actor.practitioner_id)
        return d.display_name if d else "Médecin"
    s = session.get(StaffMember, actor.staff_id) if actor.staff_id else None
    return f"{s.given_name} {s.family_name}" if s else "Infirmier(ère)"


@dataclass(frozen=True)
class CallGrant:
    room: str
    participant: str
    role: str  # visio role: doctor, patient, nurse
    name: str


VISIO_ROLE = {"patient": "patient", "practitioner": "doctor", "nurse": "nurse"}


def call_grant(session: Session, actor: Actor, encounter_id: int,
               for_patient: bool = False) -> CallGrant:
    """What the room token will say; only the encounter's participants get one.

    ``for_patient``: the ETT nurse asks for the walk-in patient's own link (the patient
    joins from the ETT's second screen; they may have no account).
    """
    encounter = _load(session, encounter_id)
    if for_patient:
        if not (actor.role == "nurse" and is_participant(session, actor, encounter)):
            raise Forbidden("seul l'infirmier·ère de la séance ouvre le lien du patient",
                            code="nurse_only")
        actor = Actor(account_id=actor.account_id, role="patient",
                      patient_id=encounter.patient_id)
    if not is_participant(session, actor, encounter):
        record(session, actor, "read", "Encounter", encounter_id,
               patient_id=encounter.patient_id, purpose="accès à l'appel vidéo",
               outcome="denied")
        session.commit()
        raise NotFound("Encounter introuvable", code="not_found")
    if encounter.status != "in-progress":
        raise Conflict("la consultation est close", code="encounter_closed")
    record(session, actor, "read", "Encounter", encounter_id, patient_id=encounter.patient_id,
           purpose="accès à l'appel vidéo")
    return CallGrant(room=encounter.room, participant=participant_id(actor),
                     role=VISIO_ROLE[actor.role], name=display_name(session, actor))


def open_encounter_of(session: Session, practitioner_id: int) -> int | None:
    """The doctor's consultation still in progress (a forgotten one blocks « suivant »)."""
    return session.scalar(select(Encounter.id).where(
        Encounter.practitioner_id == practitioner_id, Encounter.status == "in-progress"))


@dataclass(frozen=True)
class CallBrief:
    """What the doctor needs on the call page: why the patient came and who they are."""

    encounter_id: int
    reason: str
    patient_name: str
    birth_date: date | None
    mode: str


def call_brief(session: Session, actor: Actor, room: str) -> CallBrief | None:
    """The motif and patient of the call in ``room``, for its practitioner only (audited).

    Anyone else (patient, nurse, signed-out visitor) gets None: the page then shows the
    call alone, as before.
    """
    if actor is None or actor.role != "practitioner":
        return None
    encounter = session.scalar(select(Encounter).where(Encounter.room == room))
    if encounter is None or not is_participant(session, actor, encounter):
        return None
    patient = session.get(Patient, encounter.patient_id)
    record(session, actor, "read", "Encounter", encounter.id, patient_id=encounter.patient_id,
           purpose="motif et dossier sur la page d'appel")
    return CallBrief(encounter_id=encounter.id, reason=encounter.reason,
                     patient_name=f"{patient.given_name} {patient.family_name}" if patient else "",
                     birth_date=patient.birth_date if patient else None, mode=encounter.mode)
