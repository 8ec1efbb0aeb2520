"""The availability grid (7 days of a practitioner's free slots) and the finder's filters.

The grid keeps the finder's rule (tests/care/test_finder.py
``test_no_slot_starts_before_the_patient_can_get_there``): a slot at a site starts after
now + drive time (whole minutes, rounded up) + the arrival margin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from oasis.care.core.errors import Invalid
from oasis.care.finder import find_care, resolve
from oasis.care.finder.grid import grid, grids, travel_to, window_start
from oasis.care.finder.service import ARRIVAL_MARGIN_MINUTES, Filters, parse_filters
from tests.factories import finder as finder_world

MONDAY_7H = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # 07:00 in Paris (CEST)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(session, geo):
    return finder_world.build(session, geo, MONDAY_7H)


def test_grid_slots_start_after_drive_time_plus_margin(session, geo, world):
    varennes = resolve("58303", geo)
    sites = [world.msp_nevers.id, world.ett_nevers.id, world.decize.id]
    travel = travel_to(session, varennes, sites)
    assert [round(travel[s], 2) for s in sites] == [8.08, 8.08, 41.99]  # the finder's model
    for now in (utc(2026, 6, 1, 6, 49), utc(2026, 6, 1, 6, 55), utc(2026, 6, 1, 7, 31)):
        for doctor in (world.gp_nevers, world.gp_tele, world.gp_decize):
            g = grid(session, doctor.id, now=now, travel=travel)
            cells = [s for d in g.days for s in d.slots]
            assert cells
            for s in cells:
                # by hand: drive (whole minutes, rounded up) + margin after now
                minutes = -(-travel[s.location_id] // 1) + ARRIVAL_MARGIN_MINUTES
                assert s.start_at >= now + timedelta(minutes=minutes), (doctor, s)
    # 8 h 49 Paris: MSP du Banlay 9 min + 10 min → 9 h 08 at the earliest: 9 h 20 first
    # (like the finder); Decize 42 min + 10 → 9 h 41: its 9 h 40 slot is gone, 10 h 00.
    now = utc(2026, 6, 1, 6, 49)
    monday = grid(session, world.gp_nevers.id, now=now, travel=travel).days[0]
    assert monday.day == date(2026, 6, 1)
    assert monday.slots[0].start_at == utc(2026, 6, 1, 7, 20)
    assert len(monday.slots) == 8  # 9 h 20 … 11 h 40 (20-min slots until noon)
    decize = grid(session, world.gp_decize.id, now=now, travel=travel).days[0]
    assert decize.slots[0].start_at == utc(2026, 6, 1, 8, 0)
    # The ETT's video slots need the trip too: 9 h 15 (not 9 h 00).
    ett = grid(session, world.gp_tele.id, now=now, travel=travel).days[0]
    assert ett.slots[0].start_at == utc(2026, 6, 1, 7, 15) and ett.slots[0].mode == "ett"
    # Commune unknown: only the margin (8 h 49 + 10 → 8 h 59), so 9 h 00 is offered.
    blind = grid(session, world.gp_nevers.id, now=now)
    assert blind.days[0].slots[0].start_at == utc(2026, 6, 1, 7, 0)
    assert not blind.travel_known


def test_grid_is_seven_days_and_pages_by_seven(session, geo, world):
    g = grid(session, world.gp_nevers.id, now=MONDAY_7H)
    assert [d.day for d in g.days] == [date(2026, 6, d) for d in range(1, 8)]
    assert [len(d.slots) for d in g.days] == [9, 9, 9, 9, 9, 0, 0]  # 9 h – 12 h, weekdays
    assert g.days[0].label == "lundi 1 juin" and g.days[0].short == "lun. 1 juin"
    assert g.next_first_day == date(2026, 6, 8) and g.previous_first_day is None
    more = grid(session, world.gp_nevers.id, now=MONDAY_7H, first_day=g.next_first_day)
    assert more.days[0].day == date(2026, 6, 8)
    # agendas generated for 10 days: Monday 8 … Wednesday 10 June only
    assert [len(d.slots) for d in more.days] == [9, 9, 9, 0, 0, 0, 0]
    assert more.previous_first_day == date(2026, 6, 1)
    # one query for several keys: per site and per mode
    keys = [(world.gp_tele.id, world.ett_nevers.id, "ett"),
            (world.gp_tele.id, world.ett_nevers.id, "in_person")]
    both = grids(session, keys, now=MONDAY_7H)
    assert both[keys[0]].count == 6 * 12  # Mon–Sat 9 h – 12 h, 15-min video slots
    assert both[keys[1]].empty


@pytest.mark.parametrize("text", ["zz", "2026-13-01", "2026-05-31", "2026-06-22", "1" * 20])
def test_grid_start_is_bounded(text):
    with pytest.raises(Invalid) as exc:
        window_start(text, MONDAY_7H)
    assert exc.value.code == "invalid_grid_start"
    assert "date de début" in exc.value.message


def test_grid_start_accepts_today_to_the_horizon():
    assert window_start(None, MONDAY_7H) == date(2026, 6, 1)
    assert window_start("", MONDAY_7H) == date(2026, 6, 1)
    assert window_start("2026-06-21", MONDAY_7H) == date(2026, 6, 21)  # 21st day


@pytest.mark.parametrize(("distance", "mode", "tarif", "code"), [
    ("4", "", "", "invalid_distance"), ("61", "", "", "invalid_distance"),
    ("-5", "", "", "invalid_distance"), ("trente", "", "", "invalid_distance"),
    ("9" * 400, "", "", "invalid_distance"), ("³", "", "", "invalid_distance"),
    ("", "maison", "", "invalid_mode"),
    ("", "", "oui", "invalid_tarif"),
])
def test_filters_are_bounded_and_refused_in_french(distance, mode, tarif, code):
    with pytest.raises(Invalid) as exc:
        parse_filters(distance, mode, tarif)
    assert exc.value.code == code
    assert "invalide" in exc.value.message


def test_filters_narrow_the_answer(session, geo, world):
    assert parse_filters("", "", "") == Filters() and not Filters().active
    assert parse_filters("30", "cabinet", "sans_depassement") == Filters(30.0, "cabinet", True)
    every = find_care(session, "58303", now=MONDAY_7H, geo=geo)
    assert world.decize.id in {o.location_id for o in every.options}
    near = find_care(session, "58303", now=MONDAY_7H, geo=geo, filters=Filters(30.0))
    assert near.options and all(o.travel_minutes <= 30 for o in near.options)
    assert world.decize.id not in {o.location_id for o in near.options}  # 42 min
    in_person = find_care(session, "58303", now=MONDAY_7H, geo=geo,
                          filters=Filters(mode="cabinet"))
    assert {o.mode for o in in_person.options} == {"in_person"}
    video = find_care(session, "58303", now=utc(2026, 6, 1, 8, 0), geo=geo,
                      filters=Filters(mode="video"))
    assert {o.mode for o in video.options} == {"ett", "on_demand"}
    # Dr Roux (Decize) is secteur 2: gone; Dr Benali (ETT) is OPTAM: kept.
    fair = find_care(session, "58303", now=MONDAY_7H, geo=geo,
                     filters=Filters(no_overrun=True))
    assert world.gp_decize.id not in {o.practitioner_id for o in fair.options}
    assert {o.sector for o in fair.options if o.sector} <= {"1", "OPTAM"}
    assert world.gp_tele.id in {o.practitioner_id for o in fair.options}
