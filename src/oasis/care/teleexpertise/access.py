"""Who sees a patient because of a téléexpertise, plugged into :mod:`oasis.care.core.access`:
the requesting professional and the expert who took the request (so either can book the
proposed slot for the patient).  Practitioners a request is merely routed to see the
request itself (:func:`oasis.care.teleexpertise.service.is_party`), not the record.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from oasis.care.core.access import RELATIONSHIP_CHECKS
from oasis.care.core.actor import Actor
from oasis.care.teleexpertise.models import ExpertiseRequest


def expertise_relationship(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        return bool(session.scalar(select(exists().where(
            ExpertiseRequest.patient_id == patient_id,
            or_(ExpertiseRequest.requester_practitioner_id == actor.practitioner_id,
                ExpertiseRequest.expert_id == actor.practitioner_id)))))
    if actor.role == "nurse" and actor.staff_id is not None:
        return bool(session.scalar(select(exists().where(
            ExpertiseRequest.patient_id == patient_id,
            ExpertiseRequest.requester_staff_id == actor.staff_id))))
    return False


def register() -> None:
    if expertise_relationship not in RELATIONSHIP_CHECKS:
        RELATIONSHIP_CHECKS.append(expertise_relationship)
