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

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.actor import Actor
from oasis.care.core.errors import CareError, Invalid, NotFound
from oasis.care.core.identifiers import InvalidIdentifier, normalise_rpps
from oasis.care.people.models import Practitioner
from oasis.care.programmes import service
from oasis.care.programmes.models import MissionSite, PriorityZone
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


def spread_dates(month: str, count: int) -> list[date]:
    """``count`` working days (Monday–Friday) spread over ``month`` (AAAA-MM): the
    optimiser plans days per month, a mission needs dates; the coordinator can move them."""
    first, following = service.month_bounds(month)
    working = [first.fromordinal(o) for o in range(first.toordinal(), following.toordinal())
               if first.fromordinal(o).weekday() < 5]
    if count <= 0:
        return []
    step = len(working) / count
    return [working[int(step * k + step / 2)] for k in range(min(count, len(working)))]


def proposals_from_plan(plan, month: str) -> list[Proposal]:
    """Proposals from a volunteer plan (:func:`oasis.territory.volunteers.plan_volunteers`
    or its ``assignment`` table: one row per doctor × host commune with a number of days a
    month) for ``month``: each row's days get dates spread over the month, each doctor's
    dates distinct across their hosts."""
    table = getattr(plan, "assignment", plan)
    out: list[Proposal] = []
    per_doctor: dict[str, int] = {}
    for row in table.to_dict("records"):
        doctor = str(row["doctor"])
        total = int(table.loc[table["doctor"].astype(str) == doctor, "days"].sum())
        dates = spread_dates(month, total)
        start = per_doctor.get(doctor, 0)
        for day in dates[start:start + int(row["days"])]:
            out.append(Proposal(doctor=doctor, day=day, commune=str(row["host"])))
        per_doctor[doctor] = start + int(row["days"])
    return out


def mission_hosts(session: Session, geo) -> tuple[list[str], np.ndarray]:
    """Zones and host communes to give the optimiser: the active priority zones' EPCIs and
    the analysis-unit positions of the communes holding an active mission site."""
    epcis = list(session.scalars(select(PriorityZone.epci).where(
        PriorityZone.active.is_(True)).order_by(PriorityZone.epci)).all())
    communes = set(session.scalars(select(Location.commune_code).join(
        MissionSite, MissionSite.location_id == Location.id).where(
        MissionSite.active.is_(True))).all())
    units = np.flatnonzero(geo.analysis_units)
    positions = np.flatnonzero(np.isin(geo.code[units].astype(str), sorted(communes)))
    return epcis, positions.astype(np.int64)
