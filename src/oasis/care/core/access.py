"""Who may see which patient's health data, and the actor every service call runs as.

The rule of the platform: a patient sees their own records and those of the relatives
they manage (:class:`~oasis.care.people.models.PatientGuardian`: a child, a dependent
parent) — :func:`speaks_for` is that rule, the one every domain asks; a practitioner sees the
patients they have (or had) an appointment or a consultation with, or whose médecin
traitant they are; a nurse sees the patients booked at their site; nobody else —
coordinators and admins run the platform but do not read health data.  A denied
request looks exactly like a missing record (404, not 403), so existence does not leak.

Other domains (teleconsultation encounters, referrals) add relationships by appending a
function to :data:`RELATIONSHIP_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.errors import NotFound
from oasis.care.people.models import Patient, PatientGuardian

RelationshipCheck = Callable[[Session, Actor, int], bool]


def _appointment_relationship(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        q = select(exists().where(Appointment.patient_id == patient_id,
                                  Appointment.practitioner_id == actor.practitioner_id))
        return bool(session.scalar(q))
    if actor.role == "nurse" and actor.location_id is not None:
        q = select(exists().where(Appointment.patient_id == patient_id,
                                  Appointment.location_id == actor.location_id))
        return bool(session.scalar(q))
    return False


def _treating_doctor(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role != "practitioner" or actor.practitioner_id is None:
        return False
    return session.scalar(select(Patient.gp_id).where(Patient.id == patient_id)) \
        == actor.practitioner_id


RELATIONSHIP_CHECKS: list[RelationshipCheck] = [_appointment_relationship, _treating_doctor]


def represented_ids(session: Session, actor: Actor) -> list[int]:
    """The patients a patient account acts for: itself first, then its dependants."""
    if actor.role != "patient" or actor.patient_id is None:
        return []
    dependants = session.scalars(select(PatientGuardian.dependant_id).where(
        PatientGuardian.guardian_id == actor.patient_id)
        .order_by(PatientGuardian.id)).all()
    return [actor.patient_id, *dependants]


def speaks_for(session: Session, actor: Actor, patient_id: int | None) -> bool:
    """Whether a patient account may read and act on ``patient_id``'s records: its own,
    or a dependant's it manages (the guardian link); never another patient's."""
    if actor.role != "patient" or actor.patient_id is None or patient_id is None:
        return False
    if actor.patient_id == patient_id:
        return True
    return bool(session.scalar(select(exists().where(
        PatientGuardian.guardian_id == actor.patient_id,
        PatientGuardian.dependant_id == patient_id))))


def can_see_patient(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role == "system":
        return True
    if actor.role == "patient":
        return speaks_for(session, actor, patient_id)
    if not actor.is_staff_reader:
        return False
    return any(check(session, actor, patient_id) for check in RELATIONSHIP_CHECKS)


def ensure_can_see_patient(session: Session, actor: Actor, patient_id: int,
                           entity_type: str = "Patient", entity_id: object = None,
                           purpose: str = "consultation du dossier") -> None:
    """Raise NotFound unless allowed; a refusal is audited and committed at once.

    Committing here keeps the trace of the refused attempt even though the request
    then fails and its session is rolled back.
    """
    if can_see_patient(session, actor, patient_id):
        return

    record(session, actor, "read", entity_type, entity_id if entity_id is not None
           else patient_id, patient_id=patient_id, purpose=purpose, outcome="denied")
    session.commit()
    raise NotFound(f"{entity_type} introuvable", code="not_found")
