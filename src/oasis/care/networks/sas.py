"""SAS participation: member sites keep unscheduled-care slots for the SAS regulators.

The Service d'accès aux soins (SAS) regulators, answering a caller, need a slot today or
tomorrow.  A network member site *publishes* some of its free slots of the next
:data:`SAS_HORIZON` (48 h) for them: the slot becomes ``busy-unavailable`` so the public
search no longer offers it, and a :class:`SasReservation` records it.  A ``regulator``
account books it for the caller; the France Santé SAS criterion reads the site's
participation through :func:`sas_participation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.base import expire_cached
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Conflict, Forbidden, Invalid, NotFound
from oasis.care.networks.models import CareNetwork, NetworkMember, SasReservation
from oasis.care.people import service as people
from oasis.care.people.models import Patient, PractitionerRole
from oasis.care.scheduling.models import Slot

SAS_HORIZON = timedelta(hours=48)  # the SAS promise (avenant 9, art. 3: soins non programmés)


def member_network(session: Session, location_id: int) -> CareNetwork | None:
    return session.scalar(select(CareNetwork).join(NetworkMember).where(
        NetworkMember.location_id == location_id,
        CareNetwork.kind.in_(("cpts", "reseau_sante", "msp_team"))).order_by(CareNetwork.id))


def may_publish(session: Session, actor: Actor, location_id: int,
                network: CareNetwork) -> bool:
    if actor.role in ("admin", "system"):
        return True
    if actor.role == "coordinator":
        return network.coordinator_account_id == actor.account_id
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        return bool(session.scalar(select(PractitionerRole.id).where(
            PractitionerRole.practitioner_id == actor.practitioner_id,
            PractitionerRole.location_id == location_id, PractitionerRole.active.is_(True))))
    return False


def publish(session: Session, actor: Actor, location_id: int, slot_ids: list[int], *,
            now: datetime | None = None) -> list[SasReservation]:
    """Keep these free slots of a member site, all within 48 h, for the SAS regulators."""
    now = now or utcnow()
    network = member_network(session, location_id)
    if network is None:
        raise Invalid("ce site n'est membre d'aucun réseau de soins", code="not_a_member_site")
    if not may_publish(session, actor, location_id, network):
        raise Forbidden("seuls le site et la coordination du réseau publient ses créneaux SAS",
                        code="forbidden")
    if not slot_ids:
        raise Invalid("choisissez au moins un créneau", code="slots_required")
    out = []
    for slot_id in slot_ids:
        slot = session.get(Slot, slot_id)
        if slot is None or slot.location_id != location_id:
            raise NotFound("créneau introuvable sur ce site", code="unknown_slot")
        if not now < slot.start_at <= now + SAS_HORIZON:
            raise Invalid("un créneau SAS commence dans les 48 heures", code="sas_horizon")
        if slot.mode != "in_person":
            raise Invalid("un créneau SAS est une consultation au cabinet", code="sas_mode")
        claimed = session.execute(update(Slot).where(Slot.id == slot_id, Slot.status == "free")
                                  .values(status="busy-unavailable")
                                  .execution_options(synchronize_session=False)).rowcount
        expire_cached(session, Slot, [slot_id])
        if not claimed:
            raise Conflict("ce créneau n'est plus libre", code="slot_taken")
        row = SasReservation(slot_id=slot_id, location_id=location_id, network_id=network.id,
                             start_at=slot.start_at, end_at=slot.end_at,
                             published_by_account_id=actor.account_id, published_at=now)
        session.add(row)
        out.append(row)
    session.flush()
    return out


def open_reservations(session: Session, actor: Actor, *, now: datetime | None = None,
                      specialty: str | None = None) -> list[tuple[SasReservation, Slot]]:
    """The SAS slots a regulator can still book, soonest first."""
    if actor.role not in ("regulator", "admin"):
        raise NotFound("page introuvable", code="not_found")
    now = now or utcnow()
    stmt = (select(SasReservation, Slot).join(Slot, Slot.id == SasReservation.slot_id)
            .where(SasReservation.appointment_id.is_(None), SasReservation.start_at > now,
                   SasReservation.start_at <= now + SAS_HORIZON)
            .order_by(SasReservation.start_at, SasReservation.id))
    if specialty:
        stmt = stmt.where(Slot.specialty == specialty)
    return [(r, s) for r, s in session.execute(stmt).all()]


@dataclass(frozen=True)
class Caller:
    """The person the regulator books for (found by name and birth date, else registered)."""

    family_name: str
    given_name: str
    birth_date: date
    commune_code: str
    phone: str | None = None


def _caller_patient(session: Session, actor: Actor, caller: Caller) -> Patient:
    found = session.scalar(select(Patient).where(
        func.lower(Patient.family_name) == caller.family_name.strip().lower(),
        func.lower(Patient.given_name) == caller.given_name.strip().lower(),
        Patient.birth_date == caller.birth_date).order_by(Patient.id))
    if found is not None:
        return found
    return people.create_patient(session, Actor.system(), family_name=caller.family_name.strip(),
                                 given_name=caller.given_name.strip(),
                                 birth_date=caller.birth_date, commune_code=caller.commune_code,
                                 phone=caller.phone)


def book(session: Session, actor: Actor, reservation_id: int, caller: Caller, *,
         reason: str | None = None, now: datetime | None = None):
    """Book a SAS slot for a caller; only regulators (404 for anyone else)."""
    if actor.role != "regulator":
        raise NotFound("créneau SAS introuvable", code="not_found")
    now = now or utcnow()
    row = session.get(SasReservation, reservation_id)
    if row is None:
        raise NotFound("créneau SAS introuvable", code="not_found")
    if row.appointment_id is not None:
        raise Conflict("ce créneau SAS vient d'être réservé", code="slot_taken")
    if row.start_at <= now:
        raise Invalid("ce créneau est déjà passé", code="slot_in_past")
    patient = _caller_patient(session, actor, caller)
    released = session.execute(update(Slot).where(Slot.id == row.slot_id,
                                                  Slot.status == "busy-unavailable")
                               .values(status="free")
                               .execution_options(synchronize_session=False)).rowcount
    expire_cached(session, Slot, [row.slot_id])
    if not released:
        raise Conflict("ce créneau SAS vient d'être réservé", code="slot_taken")
    appointment = booking.book(session, actor, slot_id=row.slot_id, patient_id=patient.id,
                               reason=(reason or "Soins non programmés (SAS)")[:2000], now=now)
    row.appointment_id, row.booked_by_account_id, row.booked_at = (
        appointment.id, actor.account_id, now)
    session.flush()
    record(session, actor, "create", "SasReservation", row.id, patient_id=patient.id,
           purpose="réservation SAS pour un appelant")
    return appointment


def sas_participation(session: Session, location_id: int,
                      period: tuple[datetime, datetime]) -> dict:
    """What a site gave the SAS over ``period`` (start inclusive, end exclusive): the
    France Santé SAS criterion reads ``participates`` and the counts."""
    start, end = period
    if not start < end:
        raise Invalid("période vide", code="invalid_period")
    rows = list(session.scalars(select(SasReservation).where(
        SasReservation.location_id == location_id, SasReservation.start_at >= start,
        SasReservation.start_at < end)))
    hours = sum((r.end_at - r.start_at).total_seconds() for r in rows) / 3600
    booked = sum(1 for r in rows if r.appointment_id is not None)
    return {"location_id": location_id, "start": start, "end": end,
            "published_slots": len(rows), "published_hours": round(hours, 2),
            "booked_slots": booked, "participates": bool(rows),
            "network_member": member_network(session, location_id) is not None}
