"""Weekly availability → slots, DST-correct in Europe/Paris; exceptions withdraw slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.care.scheduling.search import search_slots
from tests.factories.care import make_patient, make_practice


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_starts_skip_the_missing_spring_hour():
    # 29 March 2026: clocks go from 02:00 to 03:00 in Paris.
    starts = list(scheduling.local_starts(date(2026, 3, 29), time(1, 30), time(3, 30), 30))
    assert starts == [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0)]


def test_local_starts_in_the_repeated_autumn_hour_use_the_first_occurrence():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:xx happens twice.
    starts = list(scheduling.local_starts(date(2026, 10, 25), time(2), time(3, 30), 30))
    assert starts == [utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30),
                      utc(2026, 10, 25, 2, 0)]


def test_nine_oclock_is_eight_utc_in_winter_and_seven_in_summer(session):
    _, _, schedule = make_practice(session, weekly=[(0, time(9), time(10))])
    now = utc(2026, 3, 20, 12)
    assert scheduling.generate_slots(session, schedule.id, days=14, now=now) == 6
    starts = session.scalars(select(Slot.start_at).order_by(Slot.start_at)).all()
    assert starts[:3] == [utc(2026, 3, 23, 8, 0), utc(2026, 3, 23, 8, 20),
                          utc(2026, 3, 23, 8, 40)]
    assert starts[3:] == [utc(2026, 3, 30, 7, 0), utc(2026, 3, 30, 7, 20),
                          utc(2026, 3, 30, 7, 40)]
    assert all(s.tzinfo is not None for s in starts)
    # Idempotent: a second run creates nothing.
    assert scheduling.generate_slots(session, schedule.id, days=14, now=now) == 0


def test_exception_withdraws_free_slots_and_lists_booked_ones(session):
    _, _, schedule = make_practice(session)
    now = utc(2026, 6, 1, 5)  # Monday 07:00 Paris
    scheduling.generate_slots(session, schedule.id, days=7, now=now)
    patient = make_patient(session)
    first = session.scalars(select(Slot).order_by(Slot.start_at)).first()
    appt = booking.book(session, Actor.system(), slot_id=first.id, patient_id=patient.id,
                        now=now)
    _, booked = scheduling.add_exception(session, schedule.id, utc(2026, 6, 1, 0),
                                         utc(2026, 6, 2, 0), "formation")
    assert booked == [appt.id]
    statuses = dict(session.execute(
        select(Slot.status, func.count()).where(Slot.start_at < utc(2026, 6, 2))
        .group_by(Slot.status)).all())
    assert statuses == {"busy": 1, "busy-unavailable": 8}
    # Regenerating does not bring back slots inside the exception.
    scheduling.generate_slots(session, schedule.id, days=7, now=now)
    assert session.scalar(select(func.count()).where(Slot.status == "free",
                                                     Slot.start_at < utc(2026, 6, 2))) == 0


def test_schedule_rules(session):
    site, doctor, _ = make_practice(session, teleconsultation=False)
    with pytest.raises(Invalid, match="téléconsultation"):
        scheduling.create_schedule(session, practitioner_id=doctor.id, location_id=site.id,
                                   mode="video", weekly=[(0, time(9), time(10))])
    with pytest.raises(Conflict) as exc:
        scheduling.create_schedule(session, practitioner_id=doctor.id, location_id=site.id,
                                   weekly=[(0, time(9), time(10))])
    assert exc.value.code == "schedule_exists"
    with pytest.raises(Invalid):
        scheduling.create_schedule(session, practitioner_id=doctor.id, location_id=site.id,
                                   mode="phone", weekly=[(0, time(10), time(9))])


def test_search_orders_by_start_then_travel(session):
    now = utc(2026, 6, 1, 5)
    # Nevers and a site at Varennes-Vauzelles (next to Nevers), same hours.
    near_site, _, s1 = make_practice(session, commune="58194", rpps_seed=1)
    far_site, _, s2 = make_practice(session, commune="58303", rpps_seed=2)
    remote_site, _, s3 = make_practice(session, commune="75056", rpps_seed=3)
    for s in (s1, s2, s3):
        scheduling.generate_slots(session, s.id, days=3, now=now)
    hits, total = search_slots(session, lat=near_site.lat, lon=near_site.lon,
                               within_minutes=30, within_hours=48, now=now, limit=4)
    assert total == 2 * 2 * 9  # two sites in range, two days (Mon, Tue) of 9 slots
    assert [h.location_id for h in hits] == [near_site.id, far_site.id] * 2
    assert hits[0].travel_minutes < hits[1].travel_minutes
    assert hits[0].start_at == hits[1].start_at < hits[2].start_at
    page2, _ = search_slots(session, lat=near_site.lat, lon=near_site.lon, now=now,
                            limit=4, offset=2)
    assert [h.slot_id for h in page2[:2]] == [h.slot_id for h in hits[2:]]
    assert remote_site.id not in {h.location_id for h in hits}
    # Within 24 h only Monday's slots remain.
    _, total_24 = search_slots(session, lat=near_site.lat, lon=near_site.lon, now=now,
                               within_hours=24)
    assert total_24 == 2 * 9
