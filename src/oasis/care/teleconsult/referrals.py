"""Orientation after a teleconsultation (FHIR ServiceRequest): to a site or a specialty.

When the doctor needs a physical exam or a hospital, they address the patient to a site
(an MSP, an hôpital de proximité) or to a specialty.  The patient then sees the matching
in-person options near home; the receiving site's staff see the referral (and, through
:mod:`oasis.care.teleconsult.access`, the patient's record it refers to).

The in-person options come from the care finder (``oasis.care.finder``), restricted to
the addressed site when there is one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.core.access import represented_ids, speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid, NotFound
from oasis.care.core.geo import commune_place
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.finder import find_care
from oasis.care.finder.serialize import option_dict
from oasis.care.people.models import Patient
from oasis.care.scheduling.search import search_slots
from oasis.care.sites.models import Location
from oasis.care.teleconsult.access import actor_sites
from oasis.care.teleconsult.encounters import own_encounter
from oasis.care.teleconsult.models import REFERRAL_PRIORITIES, ServiceRequest

OPTIONS_MINUTES = 60
OPTIONS_HOURS = 14 * 24
OPTIONS_LIMIT = 10


def create(session: Session, actor: Actor, encounter_id: int, *, reason: str,
           target_location_id: int | None = None, specialty: str | None = None,
           priority: str = "routine", now: datetime | None = None) -> ServiceRequest:
    encounter = own_encounter(session, actor, encounter_id, "orientation", open_only=False)
    if target_location_id is None and not specialty:
        raise Invalid("indiquez un site ou une spécialité", code="referral_target_required")
    if specialty and specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : {specialty!r}", code="invalid_specialty")
    if target_location_id is not None:
        site = session.get(Location, target_location_id)
        if site is None or not site.active:
            raise NotFound("site introuvable", code="unknown_location")
    if priority not in REFERRAL_PRIORITIES:
        raise Invalid("priorité attendue : routine ou urgent", code="invalid_priority")
    if not (reason or "").strip():
        raise Invalid("indiquez le motif de l'orientation", code="reason_required")
    referral = ServiceRequest(encounter_id=encounter.id, patient_id=encounter.patient_id,
                              practitioner_id=encounter.practitioner_id,
                              target_location_id=target_location_id, specialty=specialty or None,
                              reason=reason.strip(), priority=priority, status="active",
                              created_at=now or utcnow())
    session.add(referral)
    session.flush()
    record(session, actor, "create", "ServiceRequest", referral.id,
           patient_id=encounter.patient_id, purpose="orientation après téléconsultation")
    return referral


def may_read(session: Session, actor: Actor, referral: ServiceRequest) -> bool:
    if actor.role == "patient":
        return speaks_for(session, actor, referral.patient_id)
    if actor.role == "practitioner" and actor.practitioner_id == referral.practitioner_id:
        return True
    return (referral.target_location_id is not None and referral.status == "active"
            and referral.target_location_id in actor_sites(session, actor))


def get(session: Session, actor: Actor, referral_id: int) -> ServiceRequest:
    referral = session.get(ServiceRequest, referral_id)
    if referral is None or not may_read(session, actor, referral):
        record(session, actor, "read", "ServiceRequest", referral_id,
               patient_id=referral.patient_id if referral else None,
               purpose="lecture de l'orientation", outcome="denied")
        session.commit()
        raise NotFound("orientation introuvable", code="not_found")
    record(session, actor, "read", "ServiceRequest", referral_id,
           patient_id=referral.patient_id, purpose="lecture de l'orientation")
    return referral


def for_patient(session: Session, actor: Actor, patient_id: int | None = None
                ) -> list[ServiceRequest]:
    """The referrals of ``patient_id`` (one the account speaks for), or, without it, of
    everyone the account represents (itself and its relatives)."""
    if patient_id is None:
        wanted = represented_ids(session, actor)
    elif speaks_for(session, actor, patient_id):
        wanted = [patient_id]
    else:
        raise NotFound("Patient introuvable", code="not_found")
    rows = list(session.scalars(select(ServiceRequest).where(
        ServiceRequest.patient_id.in_(wanted)).order_by(ServiceRequest.created_at.desc())))
    for r in rows:
        record(session, actor, "search", "ServiceRequest", r.id, patient_id=r.patient_id,
               purpose="mes orientations")
    return rows


def for_site(session: Session, actor: Actor, location_id: int) -> list[ServiceRequest]:
    """Referrals addressed to a site, for its own staff only (404 for anyone else)."""
    if location_id not in actor_sites(session, actor):
        raise NotFound("site introuvable", code="not_found")
    rows = list(session.scalars(select(ServiceRequest).where(
        ServiceRequest.target_location_id == location_id, ServiceRequest.status == "active")
        .order_by(ServiceRequest.priority.desc(), ServiceRequest.created_at)))
    for r in rows:
        record(session, actor, "search", "ServiceRequest", r.id, patient_id=r.patient_id,
               purpose="orientations reçues par le site")
    return rows


def in_person_options(session: Session, referral: ServiceRequest,
                      now: datetime | None = None, geo=None,
                      partners: tuple[str, ...] = ()) -> list[dict]:
    """Matching in-person options near the patient's home, best first (the care finder).

    The finder ranks by the France Santé promise (≤ 30 min, ≤ 48 h first) and prices each
    option for this patient.  Addressed to a site, only that site's options are kept;
    when the finder's short list does not reach that site, its free slots are searched
    directly so the patient still sees when the addressed site can receive them.
    """
    now = now or utcnow()
    patient = session.get(Patient, referral.patient_id)
    answer = find_care(session, patient.commune_code, referral.specialty or "generaliste",
                       patient=patient, now=now, geo=geo, partners=partners)
    options = [o for o in answer.options if o.mode == "in_person"]
    if referral.target_location_id is not None:
        options = [o for o in options if o.location_id == referral.target_location_id]
        if not options:
            return _site_slots(session, referral, patient, now, geo)
    return [option_dict(o, now) for o in options[:OPTIONS_LIMIT]]


def _site_slots(session: Session, referral: ServiceRequest, patient: Patient,
                now: datetime, geo) -> list[dict]:
    place = commune_place(patient.commune_code, geo)
    hits, _ = search_slots(session, lat=place.lat, lon=place.lon,
                           within_minutes=OPTIONS_MINUTES * 3, within_hours=OPTIONS_HOURS,
                           specialty=referral.specialty, mode="in_person", now=now, limit=500)
    out = []
    for hit in [h for h in hits if h.location_id == referral.target_location_id]:
        out.append({"category": "later", "mode": "in_person",
                    "start_at": hit.start_at.isoformat(),
                    "travel_minutes": hit.travel_minutes,
                    "practitioner": {"id": hit.practitioner_id, "name": hit.practitioner_name,
                                     "sector": hit.sector},
                    "location": {"id": hit.location_id, "name": hit.location_name,
                                 "kind": hit.location_kind, "commune_code": hit.commune_code},
                    "slots": [{"slot_id": hit.slot_id, "start_at": hit.start_at.isoformat(),
                               "end_at": hit.end_at.isoformat()}]})
        if len(out) >= OPTIONS_LIMIT:
            break
    return out
