"""Slot search: free slots near a point, soonest first, then nearest.

Sites within the travel limit are found in Python with the territory travel model
(a bounding box in SQL first, then exact minutes with numpy), then one indexed query
fetches their free slots in the time window ordered by start.  Ties on the start time
are broken by travel time, so the page boundary is widened to the whole last start
time before sorting, to keep pagination stable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Integer, Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from oasis.care.core.clock import utcnow
from oasis.care.people.models import Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.territory.travel import TravelModel, minutes_from

KM_PER_DEG_LAT = 111.2
COUNT_CAP = 1000  # counting every match in a dense city costs more than the page itself


@dataclass(frozen=True)
class SlotHit:
    slot_id: int
    start_at: datetime
    end_at: datetime
    mode: str
    specialty: str
    practitioner_id: int
    practitioner_name: str
    sector: str
    location_id: int
    location_name: str
    location_kind: str
    commune_code: str
    travel_minutes: float | None
    schedule_id: int = 0


def sites_within(session: Session, lat: float, lon: float, minutes: float,
                 model: TravelModel | None = None) -> dict[int, float]:
    """Active site id → car minutes from (lat, lon), for sites within ``minutes``."""
    model = model or TravelModel()
    km = model.max_straight_km(minutes)
    dlat = km / KM_PER_DEG_LAT
    dlon = km / (KM_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.01))
    # Core rows straight into one array: around a city this is 6,000 sites, and the ORM
    # row machinery cost more than the query.
    rows = session.connection().execute(select(Location.id, Location.lat, Location.lon).where(
        Location.active.is_(True), Location.lat.between(lat - dlat, lat + dlat),
        Location.lon.between(lon - dlon, lon + dlon))).fetchall()
    if not rows:
        return {}
    id_col, lat_col, lon_col = zip(*rows, strict=True)  # numpy reads Row objects slowly
    ids = np.array(id_col, dtype=np.int64)
    lats, lons = np.array(lat_col, dtype=np.float64), np.array(lon_col, dtype=np.float64)
    mins = minutes_from(lat, lon, lats, lons, model)
    keep = mins <= minutes
    return dict(zip(ids[keep].tolist(), mins[keep].tolist(), strict=True))


def in_sites(session: Session, ids: list[int]):
    """``location_id IN ids``: one array parameter on PostgreSQL (thousands of bound
    parameters cost more to send and plan than the query itself), a plain IN elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        # Sent as one text literal: psycopg dumps a list of thousands of ints one by one.
        literal = "{" + ",".join(str(int(i)) for i in ids) + "}"
        return Slot.location_id == any_(cast(bindparam(None, literal, type_=Text),
                                             ARRAY(Integer)))
    return Slot.location_id.in_(ids)


FIRST_WINDOW = timedelta(hours=2)


def _first_matches(session: Session, where: list, now: datetime, end: datetime,
                   needed: int) -> tuple[list, bool]:
    """The first matches (id, start, site), soonest first, from the shortest window
    ``(now, hi]`` that holds enough of them; and whether they are all the window holds.

    Every match inside the window starts before every match outside it, so once the
    window holds ``max(COUNT_CAP, needed)`` matches the capped total, the page and its
    ties are decided inside it.  In a city the window is a few hours (a thousand slots
    read through the site index, no joins, instead of every slot of 4,000 sites over
    48 h sorted); in the country it widens in a few steps (×2 to ×16, by the density
    seen) to the whole span.
    """
    want = max(COUNT_CAP, needed)
    span = FIRST_WINDOW
    while True:
        hi = min(now + span, end)
        rows = session.execute(select(Slot.id, Slot.start_at, Slot.location_id)
                               .where(*where, Slot.start_at <= hi)
                               .order_by(Slot.start_at, Slot.id).limit(want)).all()
        if len(rows) >= want or hi >= end:
            return rows, len(rows) < want
        span *= min(16.0, max(2.0, 1.5 * want / max(len(rows), 1)))


def search_slots(session: Session, *, lat: float | None = None, lon: float | None = None,
                 within_minutes: float = 30, within_hours: float = 48,
                 specialty: str | None = None, mode: str = "in_person",
                 now: datetime | None = None, limit: int = 20, offset: int = 0,
                 model: TravelModel | None = None) -> tuple[list[SlotHit], int]:
    """One page of free slots and the total; in person needs (lat, lon), remote does not.

    The total is exact up to :data:`COUNT_CAP` and reported as ``COUNT_CAP`` beyond
    (callers say "1000+").
    """
    now = now or utcnow()
    travel: dict[int, float] | None = None
    where = [Slot.status == "free", Slot.start_at > now,
             Slot.start_at <= now + timedelta(hours=within_hours), Slot.mode == mode]
    if specialty:
        where.append(Slot.specialty == specialty)
    if mode == "in_person":
        if lat is None or lon is None:
            raise ValueError("in-person search needs a point")
        travel = sites_within(session, lat, lon, within_minutes, model)
        if not travel:
            return [], 0
        where.append(in_sites(session, list(travel)))
    rows, whole = _first_matches(session, where, now, now + timedelta(hours=within_hours),
                                 offset + limit)
    total = min(len(rows), COUNT_CAP)
    if total == 0 or offset >= total:
        return [], int(total)
    # Ties on the last start time of the page are ordered by travel: take them all.
    boundary = rows[min(offset + limit, len(rows)) - 1].start_at
    if not whole and rows[-1].start_at == boundary:
        seen = {r.id for r in rows}
        rows += [r for r in session.execute(select(Slot.id, Slot.start_at, Slot.location_id)
                                            .where(*where, Slot.start_at == boundary)).all()
                 if r.id not in seen]

    def key(r) -> tuple:
        return (r.start_at, travel.get(r.location_id, 0.0) if travel else 0.0, r.id)

    ids = [r.id for r in sorted((r for r in rows if r.start_at <= boundary),
                                key=key)[offset:offset + limit]]
    found = {r.id: r for r in session.execute(
        select(Slot.id, Slot.start_at, Slot.end_at, Slot.mode, Slot.specialty,
               Slot.practitioner_id, Practitioner.given_name, Practitioner.family_name,
               Practitioner.sector, Slot.location_id, Location.name, Location.kind,
               Location.commune_code, Slot.schedule_id)
        .join(Practitioner, Practitioner.id == Slot.practitioner_id)
        .join(Location, Location.id == Slot.location_id).where(Slot.id.in_(ids))).all()}
    page = [found[i] for i in ids if i in found]  # a slot deleted meanwhile is left out
    return [SlotHit(slot_id=r.id, start_at=r.start_at, end_at=r.end_at, mode=r.mode,
                    specialty=r.specialty, practitioner_id=r.practitioner_id,
                    practitioner_name=f"Dr {r.given_name} {r.family_name}", sector=r.sector,
                    location_id=r.location_id, location_name=r.name, location_kind=r.kind,
                    commune_code=r.commune_code,
                    travel_minutes=None if travel is None
                    else round(travel[r.location_id], 1), schedule_id=r.schedule_id)
            for r in page], int(total)


def list_slots(session: Session, *, schedule_ids: list[int] | None = None,
               practitioner_ids: list[int] | None = None,
               location_ids: list[int] | None = None, statuses: list[str] | None = None,
               start_from: datetime | None = None, start_to: datetime | None = None,
               specialty: str | None = None, mode: str | None = None, limit: int = 20,
               offset: int = 0) -> tuple[list[Slot], int]:
    """Slots of given agendas, practitioners or sites, any status, earliest first.

    The agenda view of the slots (FHIR ``Slot?schedule=…``), where the search above is
    the patient's view (free slots near a point); the total is capped like the search.
    """
    where = []
    for column, values in ((Slot.schedule_id, schedule_ids),
                           (Slot.practitioner_id, practitioner_ids),
                           (Slot.location_id, location_ids), (Slot.status, statuses)):
        if values is not None:
            where.append(column.in_(values))
    if start_from is not None:
        where.append(Slot.start_at >= start_from)
    if start_to is not None:
        where.append(Slot.start_at <= start_to)
    if specialty:
        where.append(Slot.specialty == specialty)
    if mode:
        where.append(Slot.mode == mode)
    total = session.scalar(select(func.count()).select_from(
        select(Slot.id).where(*where).limit(COUNT_CAP).subquery())) or 0
    rows = session.scalars(select(Slot).where(*where).order_by(Slot.start_at, Slot.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), int(total)
