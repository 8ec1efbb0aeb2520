"""Turn the volunteer optimiser's proposals into real mission days, one by one.

The optimiser (``oasis plan volunteers``, :mod:`oasis.territory` planning) works on
communes and doctors, not on database rows: each proposal is a plain record —
``(doctor, site or commune, date)`` — as a mapping, a dataclass or a named tuple.  A
coordinator accepts a batch: every proposal is tried in its own savepoint through the
same :func:`~oasis.care.programmes.service.sign_up` as a volunteer's own request, so the
monthly cap, the zone and the opening days are checked exactly as for a sign-up, and a
refused proposal (with its French reason and code) never undoes the accepted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.access import Actor
from oasis.care.errors import CareError, Invalid, NotFound
from oasis.care.people.models import Practitioner
from oasis.care.programmes import service
from oasis.care.programmes.models import MissionSite
from oasis.care.sites.models import Location


@dataclass(frozen=True)
class Proposal:
    """One proposed day: ``doctor`` is a practitioner id or an RPPS number; the place is
    a mission site id or the INSEE code of a commune holding a mission site."""

    doctor: int | str
    day: date
    mission_site_id: int | None = None
    commune: str | None = None


@dataclass(frozen=True)
class Outcome:
    proposal: Proposal
    accepted: bool
    mission_day_id: int | None = None
    code: str | None = None
    message: str | None = None


def _field(record: Any, *names: str) -> Any:
    for name in names:
        if isinstance(record, dict) and name in record:
            return record[name]
        if hasattr(record, name):
            return getattr(record, name)
    return None


def as_proposal(record: Any) -> Proposal:
    """Read a plain record: doctor|practitioner_id|rpps, site|mission_site_id, commune,
    date|day (a date or ISO text)."""
    if isinstance(record, Proposal):
        return record
    doctor = _field(record, "doctor", "practitioner_id", "rpps", "doctor_id")
    raw_day = _field(record, "date", "day")
    if doctor is None or raw_day is None:
        raise Invalid("proposition incomplète : médecin et date requis", code="invalid_proposal")
    try:
        day = raw_day if isinstance(raw_day, date) and not isinstance(raw_day, datetime) \
            else date.fromisoformat(str(raw_day)[:10])
    except ValueError as exc:
        raise Invalid(f"date invalide : {raw_day!r}", code="invalid_proposal") from exc
    site = _field(record, "mission_site_id", "site")
    commune = _field(record, "commune", "commune_code")
    if site is None and commune is None:
        raise Invalid("proposition sans site ni commune", code="invalid_proposal")
    return Proposal(doctor=doctor, day=day, mission_site_id=int(site) if site is not None
                    else None, commune=str(commune) if commune is not None else None)


def _practitioner_id(session: Session, doctor: int | str) -> int:
    if isinstance(doctor, int) or (isinstance(doctor, str) and doctor.isdigit()
                                   and len(doctor) < 11):
        pid = int(doctor)
        if session.get(Practitioner, pid) is None:
            raise NotFound(f"médecin introuvable : {doctor}", code="unknown_practitioner")
        return pid
    from oasis.care.identifiers import InvalidIdentifier, normalise_rpps

    try:
        rpps = normalise_rpps(str(doctor))
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_rpps") from exc
    pid = session.scalar(select(Practitioner.id).where(Practitioner.rpps == rpps))
    if pid is None:
        raise NotFound(f"aucun médecin avec le RPPS {rpps}", code="unknown_practitioner")
    return pid


def _site_id(session: Session, proposal: Proposal) -> int:
    if proposal.mission_site_id is not None:
        return proposal.mission_site_id
    site_id = session.scalar(select(MissionSite.id).join(
        Location, Location.id == MissionSite.location_id).where(
        Location.commune_code == proposal.commune, MissionSite.active.is_(True))
        .order_by(MissionSite.id).limit(1))
    if site_id is None:
        raise NotFound(f"aucun site de mission dans la commune {proposal.commune}",
                       code="no_mission_site_in_commune")
    return site_id


def accept_proposals(session: Session, actor: Actor, proposals,
                     now: datetime | None = None) -> list[Outcome]:
    """Create a mission day for each acceptable proposal; report every refusal."""
    service._ensure_coordinator(actor)
    outcomes = []
    for record in proposals:
        try:
            proposal = as_proposal(record)
        except CareError as exc:
            outcomes.append(Outcome(Proposal(doctor=str(record), day=date.min), False,
                                    code=exc.code, message=exc.message))
            continue
        try:
            with session.begin_nested():
                day = service.sign_up(
                    session, actor, mission_site_id=_site_id(session, proposal),
                    day=proposal.day, practitioner_id=_practitioner_id(session,
                                                                       proposal.doctor),
                    source="optimiser", now=now)
            outcomes.append(Outcome(proposal, True, mission_day_id=day.id))
        except CareError as exc:
            outcomes.append(Outcome(proposal, False, code=exc.code, message=exc.message))
    return outcomes
