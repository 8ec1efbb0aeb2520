"""The fast finder and slot-search queries give the answers of the plain queries they replace.

A seeded random world around Nevers (sites of every kind, ETTs, sectors, specialties,
modes, statuses, many slots on the same start time) is searched from several communes,
moments, filters and pages; each answer is compared with the reference query kept here:
for care options, every reachable free slot numbered per practitioner × site × mode by a
window function; for the slot search, one ORDER BY start LIMIT over the whole span with
its count.  Both databases (the ``session`` fixture runs on SQLite and PostgreSQL).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import case, func, or_, select

from oasis.care.core.vocab import SECTORS_WITHOUT_FREE_FEES
from oasis.care.finder import service as finder
from oasis.care.finder.service import Filters, SlotRef, earliest_reachable, find_care
from oasis.care.people.models import Practitioner
from oasis.care.scheduling import search
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.sites.models import Location

NOW = datetime(2026, 6, 1, 5, 7, tzinfo=UTC)  # Monday 07:07 in Paris
COMMUNES = ("58194", "58303", "58095", "58062", "58117", "58086")  # Nevers … Château-Chinon


@pytest.fixture
def world(session, geo):
    """~60 sites, ~150 practitioners, ~6,000 slots over three weeks, seeded."""
    rng = random.Random(20)
    codes = [str(c) for c in geo.code if str(c).startswith("58")]
    sites = []
    for i in range(60):
        i_geo = geo.index[rng.choice(codes)]
        kind = rng.choice(["cabinet", "msp", "ett", "centre_sante"])
        sites.append(Location(name=f"Site {i}", kind=kind, commune_code=str(geo.code[i_geo]),
                              lat=float(geo.lat[i_geo]) + rng.uniform(-0.01, 0.01),
                              lon=float(geo.lon[i_geo]) + rng.uniform(-0.01, 0.01),
                              nurse_present=kind == "ett", active=rng.random() > 0.05))
    session.add_all(sites)
    session.flush()
    slots = []
    for p in range(150):
        doctor = Practitioner(rpps=f"1{p:010d}", family_name=f"Nom{p}", given_name="Dr",
                              specialty=rng.choice(["generaliste"] * 3 + ["pediatre"]),
                              sector=rng.choice(["1", "2", "OPTAM"]))
        session.add(doctor)
        session.flush()
        for site in rng.sample(sites, rng.choice([1, 1, 2])):
            for mode in rng.sample(["in_person", "video", "phone"], rng.choice([1, 2])):
                schedule = Schedule(practitioner_id=doctor.id, location_id=site.id, mode=mode)
                session.add(schedule)
                session.flush()
                starts = set()
                for _ in range(rng.randint(0, 60)):
                    # Quarter-hour grid: many slots of different doctors share a start.
                    starts.add(NOW.replace(minute=0) + timedelta(
                        minutes=15 * rng.randint(-8, 4 * 24 * 22)))
                for start in starts:
                    slots.append(Slot(
                        schedule_id=schedule.id, practitioner_id=doctor.id,
                        location_id=site.id, mode=mode, specialty=doctor.specialty,
                        start_at=start, end_at=start + timedelta(minutes=15),
                        status=rng.choice(["free"] * 6 + ["busy", "busy-tentative"])))
    session.add_all(slots)
    session.commit()
    return sites


def reference_groups(session, travel, need, now, filters=None) -> list[dict]:
    """The query the finder used: every reachable free slot numbered per group."""
    filters = filters or Filters()
    if not travel:
        return []
    by_minute: dict[int, list[int]] = {}
    for site, minutes in travel.items():
        by_minute.setdefault(-int(-minutes // 1), []).append(site)
    cutoff = case(*[(Slot.location_id.in_(ids), earliest_reachable(now, m))
                    for m, ids in sorted(by_minute.items())],
                  else_=earliest_reachable(now, 60))
    in_person = Slot.mode == "in_person"
    at_ett = (Slot.mode == "video") & (Location.kind == "ett")
    modes = {"cabinet": in_person, "video": at_ett}.get(filters.mode or "",
                                                       or_(in_person, at_ett))
    rn = func.row_number().over(partition_by=(Slot.practitioner_id, Slot.location_id,
                                              Slot.mode),
                                order_by=(Slot.start_at, Slot.id)).label("rn")
    inner = (select(Slot.id, Slot.start_at, Slot.end_at, Slot.mode, Slot.practitioner_id,
                    Slot.location_id, rn)
             .join(Location, Location.id == Slot.location_id)
             .where(Slot.status == "free", Slot.specialty == need, Slot.start_at >= cutoff,
                    Slot.start_at <= now + timedelta(days=finder.HORIZON_DAYS),
                    Slot.location_id.in_(list(travel)), modes))
    if filters.no_overrun:
        inner = inner.join(Practitioner, Practitioner.id == Slot.practitioner_id).where(
            Practitioner.sector.in_(SECTORS_WITHOUT_FREE_FEES))
    inner = inner.subquery()
    groups: dict[tuple, dict] = {}
    for r in session.execute(select(inner).where(inner.c.rn <= finder.SLOTS_PER_OPTION)
                             .order_by(inner.c.start_at, inner.c.id)).all():
        g = groups.setdefault((r.practitioner_id, r.location_id, r.mode), {
            "practitioner_id": r.practitioner_id, "location_id": r.location_id,
            "mode": "in_person" if r.mode == "in_person" else "ett", "slots": []})
        g["slots"].append(SlotRef(r.id, r.start_at, r.end_at))
    return list(groups.values())


def summary(answer) -> list[tuple]:
    return [(o.rank, o.category, o.mode, o.practitioner_id, o.location_id, o.start_at,
             o.travel_minutes, [s.slot_id for s in o.slots]) for o in answer.options]


FILTERS = [Filters(), Filters(mode="cabinet"), Filters(mode="video"),
           Filters(no_overrun=True), Filters(max_minutes=20, mode="cabinet"),
           Filters(max_minutes=45, no_overrun=True)]


def test_care_options_same_answer_as_the_window_query(session, geo, world, monkeypatch):
    compared = kept = 0
    for commune in COMMUNES:
        for need in ("generaliste", "pediatre"):
            for hours in (0, 5, 30, 47, 24 * 6, 24 * 19):
                now = NOW + timedelta(hours=hours)
                for filters in FILTERS:
                    new = find_care(session, commune, need, now=now, geo=geo,
                                    filters=filters)
                    with monkeypatch.context() as m:
                        m.setattr(finder, "_slot_groups", reference_groups)
                        old = find_care(session, commune, need, now=now, geo=geo,
                                        filters=filters)
                    assert summary(new) == summary(old), (commune, need, hours, filters)
                    compared += 1
                    kept += len(new.options)
    assert compared == len(COMMUNES) * 2 * 6 * len(FILTERS)
    assert kept > compared * 3  # the world is not empty: most answers fill categories


def reference_search(session, *, lat, lon, within_minutes=30, within_hours=48,
                     specialty=None, mode="in_person", now, limit=20, offset=0):
    """The slot search as it was: the count, one page over the span, the page's ties."""
    travel = None
    where = [Slot.status == "free", Slot.start_at > now,
             Slot.start_at <= now + timedelta(hours=within_hours), Slot.mode == mode]
    if specialty:
        where.append(Slot.specialty == specialty)
    if mode == "in_person":
        travel = search.sites_within(session, lat, lon, within_minutes)
        if not travel:
            return [], 0
        where.append(Slot.location_id.in_(list(travel)))
    total = session.scalar(select(func.count()).select_from(
        select(Slot.id).where(*where).limit(search.COUNT_CAP).subquery())) or 0
    if total == 0 or offset >= total:
        return [], total
    base = select(Slot.id, Slot.start_at, Slot.location_id).where(*where)
    rows = session.execute(base.order_by(Slot.start_at, Slot.id).limit(offset + limit)).all()
    seen = {r.id for r in rows}
    rows += [r for r in session.execute(base.where(Slot.start_at == rows[-1].start_at))
             if r.id not in seen]
    rows.sort(key=lambda r: (r.start_at, travel.get(r.location_id, 0.0) if travel else 0.0,
                             r.id))
    return [r.id for r in rows[offset:offset + limit]], total


@pytest.mark.parametrize("cap", [1000, 7])  # 7: the capped total and the narrow windows
def test_slot_search_same_page_as_one_query_over_the_span(session, geo, world, monkeypatch,
                                                         cap):
    monkeypatch.setattr(search, "COUNT_CAP", cap)
    monkeypatch.setattr(search, "FIRST_WINDOW", timedelta(minutes=30))
    pages = 0
    for commune in COMMUNES:
        i = geo.index[commune]
        lat, lon = float(geo.lat[i]), float(geo.lon[i])
        for now in (NOW, NOW + timedelta(hours=30, minutes=15), NOW + timedelta(days=9)):
            for minutes, hours in ((30, 48), (60, 6), (15, 24 * 10), (45, 1)):
                for specialty, mode in ((None, "in_person"), ("generaliste", "in_person"),
                                        ("pediatre", "video"), (None, "phone")):
                    for limit, offset in ((20, 0), (5, 0), (5, 5), (3, 17), (50, 990)):
                        args = dict(lat=lat, lon=lon, within_minutes=minutes,
                                    within_hours=hours, specialty=specialty, mode=mode,
                                    now=now, limit=limit, offset=offset)
                        hits, total = search.search_slots(session, **args)
                        ids, old_total = reference_search(session, **args)
                        assert ([h.slot_id for h in hits], total) == (ids, old_total), args
                        pages += bool(ids)
    assert pages > 300
