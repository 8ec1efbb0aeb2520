"""Who sees a patient because of a teleconsultation, plugged into :mod:`oasis.care.core.access`.

* a practitioner who consulted the patient (any encounter, even finished: follow-up);
* a nurse at the ETT site where the patient was seen or is waiting;
* the staff (nurses, practitioners with an active role) of a site a referral is addressed to.

Everybody else gets the same 404 as for a record that does not exist.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from oasis.care.core.access import RELATIONSHIP_CHECKS
from oasis.care.core.actor import Actor
from oasis.care.people.models import PractitionerRole
from oasis.care.teleconsult.models import Encounter, QueueEntry, ServiceRequest


def practitioner_sites(session: Session, practitioner_id: int) -> list[int]:
    return list(session.scalars(select(PractitionerRole.location_id).where(
        PractitionerRole.practitioner_id == practitioner_id,
        PractitionerRole.active.is_(True))))


def actor_sites(session: Session, actor: Actor) -> list[int]:
    """The sites whose incoming referrals ``actor`` handles."""
    if actor.role == "nurse" and actor.location_id is not None:
        return [actor.location_id]
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        return practitioner_sites(session, actor.practitioner_id)
    return []


def teleconsult_relationship(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role == "practitioner" and actor.practitioner_id is not None and session.scalar(
            select(exists().where(Encounter.patient_id == patient_id,
                                  Encounter.practitioner_id == actor.practitioner_id))):
        return True
    if actor.role == "nurse" and actor.location_id is not None:
        seen_here = or_(
            exists().where(Encounter.patient_id == patient_id,
                           Encounter.location_id == actor.location_id),
            exists().where(QueueEntry.patient_id == patient_id,
                           QueueEntry.location_id == actor.location_id))
        if session.scalar(select(seen_here)):
            return True
    sites = actor_sites(session, actor)
    if sites:
        return bool(session.scalar(select(exists().where(
            ServiceRequest.patient_id == patient_id, ServiceRequest.status == "active",
            ServiceRequest.target_location_id.in_(sites)))))
    return False


def register() -> None:
    if teleconsult_relationship not in RELATIONSHIP_CHECKS:
        RELATIONSHIP_CHECKS.append(teleconsult_relationship)
