"""Missions on the database: the 2-days-a-month cap (also concurrent), slots, indemnities."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.core.errors import CareError, Conflict, Forbidden, Invalid
from oasis.care.programmes import service as missions
from oasis.care.programmes.models import MissionDay
from oasis.care.programmes.proposals import accept_proposals
from oasis.care.scheduling.models import Slot
from oasis.care.scheduling.search import search_slots
from tests.factories.care import make_patient
from tests.factories.programmes import NOW, ZONE_EPCI, make_mission_world

SYSTEM = Actor.system()
COORD = Actor(account_id=None, role="coordinator")


@pytest.fixture
def world(session, geo):
    zone, site, doctors = make_mission_world(session, doctors=3, geo=geo)
    session.commit()
    return zone, site, doctors


def as_doctor(doctor) -> Actor:
    return Actor(account_id=None, role="practitioner", practitioner_id=doctor.id)


def test_third_day_in_a_month_is_refused_across_sites(session, world, geo):
    _, site, (doc, other, _) = world
    d1 = missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                          day=date(2026, 6, 3), now=NOW)
    missions.sign_up(session, as_doctor(doc), mission_site_id=site.id, day=date(2026, 6, 17),
                     replacement=missions.Replacement("Dr Remplaçante", note="cabinet ouvert"),
                     now=NOW)
    session.commit()
    with pytest.raises(Conflict) as exc:
        missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                         day=date(2026, 6, 24), now=NOW)
    assert exc.value.code == "mission_day_cap" and "2 jours" in exc.value.message
    session.rollback()
    with pytest.raises(Conflict) as exc:
        missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                         day=date(2026, 6, 3), now=NOW)
    assert exc.value.code == "mission_day_taken"
    session.rollback()
    # Another month, another doctor: fine.  A cancelled day frees its place.
    missions.sign_up(session, as_doctor(doc), mission_site_id=site.id, day=date(2026, 7, 1),
                     now=NOW)
    missions.sign_up(session, as_doctor(other), mission_site_id=site.id, day=date(2026, 6, 24),
                     now=NOW)
    missions.cancel_day(session, as_doctor(doc), d1.id, reason="malade", now=NOW)
    third = missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                             day=date(2026, 6, 24), now=NOW)
    session.commit()
    assert third.status == "planned"
    assert session.get(MissionDay, d1.id).status == "cancelled"


def test_database_refuses_the_third_day_even_without_the_service(session, world):
    """The cap is the database's: a raw INSERT past it fails on SQLite and PostgreSQL."""
    _, site, (doc, _, _) = world
    for d in (date(2026, 6, 3), date(2026, 6, 10)):
        missions.sign_up(session, as_doctor(doc), mission_site_id=site.id, day=d, now=NOW)
    session.commit()
    insert = text("INSERT INTO programme_mission_day (practitioner_id, mission_site_id, day, "
                  "status, source, created_at) VALUES (:p, :s, :d, 'planned', 'volunteer', "
                  ":c)")
    with pytest.raises(IntegrityError, match="mission_day_cap"):
        session.execute(insert, {"p": doc.id, "s": site.id, "d": date(2026, 6, 30),
                                 "c": NOW.replace(tzinfo=None)})
    session.rollback()
    # A cancelled day can be reactivated only while the month has room.
    day = session.scalars(select(MissionDay)).first()
    day.status = "cancelled"
    session.commit()
    missions.sign_up(session, as_doctor(doc), mission_site_id=site.id, day=date(2026, 6, 30),
                     now=NOW)
    session.commit()
    day.status = "planned"
    with pytest.raises(IntegrityError, match="mission_day_cap"):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("attempts", [6])
def test_concurrent_sign_ups_never_exceed_the_cap(db_url, world, attempts):
    _, site, (doc, _, _) = world
    days = [date(2026, 6, d) for d in (2, 3, 4, 5, 6, 8, 9, 10)][:attempts]
    barrier = threading.Barrier(attempts)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        s = session_factory(db_url)()
        try:
            barrier.wait()
            missions.sign_up(s, as_doctor(doc), mission_site_id=site.id,
                             day=days[i], now=NOW)
            s.commit()
            outcome = "ok"
        except CareError as exc:
            s.rollback()
            outcome = exc.code
        finally:
            s.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["mission_day_cap"] * (attempts - 2) + ["ok", "ok"]
    s = session_factory(db_url)()
    assert s.scalar(select(func.count(MissionDay.id)).where(
        MissionDay.practitioner_id == doc.id)) == 2
    s.close()


def test_mission_day_opens_bookable_slots_and_cancel_withdraws_them(session, world, geo):
    _, site, (doc, _, _) = world
    day = missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                           day=date(2026, 6, 2), now=NOW)
    session.commit()
    slots = session.scalars(select(Slot).where(Slot.schedule_id == day.schedule_id)
                            .order_by(Slot.start_at)).all()
    # 9:00–12:30 and 14:00–17:30 in 20-minute slots: 10 + 10.
    assert len(slots) == 20 and all(s.status == "free" for s in slots)
    assert slots[0].start_at.hour == 7  # 09:00 Paris summer time
    place = geo.commune("58062")
    hits, total = search_slots(session, lat=place.lat, lon=place.lon, within_hours=72, now=NOW)
    assert total == 20 and {h.location_id for h in hits} == {site.location_id}
    patient = make_patient(session, commune="58062")
    appt = booking.book(session, SYSTEM, slot_id=hits[0].slot_id, patient_id=patient.id,
                        now=NOW)
    session.commit()
    cancelled_day, cancelled = missions.cancel_day(session, COORD, day.id, now=NOW)
    session.commit()
    assert cancelled == [appt.id] and cancelled_day.status == "cancelled"
    assert session.get(Appointment, appt.id).status == "cancelled"
    assert session.scalar(select(func.count(Slot.id)).where(
        Slot.schedule_id == day.schedule_id, Slot.status == "free")) == 0
    assert search_slots(session, lat=place.lat, lon=place.lon, within_hours=72,
                        now=NOW)[1] == 0


def test_rules_of_sign_up(session, world):
    _, site, (doc, other, _) = world
    with pytest.raises(Forbidden):
        missions.sign_up(session, as_doctor(doc), practitioner_id=other.id,
                         mission_site_id=site.id, day=date(2026, 6, 3), now=NOW)
    with pytest.raises(Invalid) as exc:
        missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                         day=date(2026, 5, 29), now=NOW)
    assert exc.value.code == "day_in_past"
    with pytest.raises(Invalid) as exc:  # Sunday: the site is closed
        missions.sign_up(session, as_doctor(doc), mission_site_id=site.id,
                         day=date(2026, 6, 7), now=NOW)
    assert exc.value.code == "site_closed"
    with pytest.raises(Forbidden):
        missions.sign_up(session, Actor(account_id=None, role="patient", patient_id=1),
                         mission_site_id=site.id, day=date(2026, 6, 3), now=NOW)


def test_statements_pay_completed_days_in_cents(session, world):
    _, site, (doc, other, _) = world
    days = [missions.sign_up(session, COORD, practitioner_id=p.id, mission_site_id=site.id,
                             day=d, now=NOW)
            for p, d in ((doc, date(2026, 6, 2)), (doc, date(2026, 6, 9)),
                         (other, date(2026, 6, 3)), (other, date(2026, 6, 10)),
                         (doc, date(2026, 7, 1)))]
    session.commit()
    later = NOW + timedelta(days=40)
    with pytest.raises(Invalid):
        missions.close_day(session, COORD, days[0].id, status="completed", now=NOW)
    missions.close_day(session, COORD, days[0].id, status="completed", now=later)
    missions.close_day(session, COORD, days[1].id, status="completed", now=later)
    missions.close_day(session, COORD, days[2].id, status="completed", now=later)
    missions.close_day(session, COORD, days[3].id, status="not_done", now=later)
    missions.close_day(session, COORD, days[4].id, status="completed", now=later)
    session.commit()
    june = missions.statements(session, COORD, month="2026-06")
    assert [(s.practitioner_id, s.paid_days, s.amount_cents, s.not_paid_days)
            for s in june] == [(doc.id, 2, 40_000, 0), (other.id, 1, 20_000, 1)]
    assert all(isinstance(s.amount_cents, int) for s in june)
    own = missions.statements(session, as_doctor(doc))
    assert [(s.month, s.amount_cents) for s in own] == [("2026-06", 40_000),
                                                        ("2026-07", 20_000)]
    totals = missions.zone_totals(session, COORD, month="2026-06")
    assert [(t.epci, t.completed_days, t.amount_cents) for t in totals] == [
        (ZONE_EPCI, 3, 60_000)]
    with pytest.raises(Forbidden):
        missions.zone_totals(session, as_doctor(doc))
    with pytest.raises(Invalid):
        missions.statements(session, COORD, month="juin")


def test_coordinator_accepts_optimiser_proposals(session, world):
    _, site, (doc, other, third) = world
    proposals = [
        {"doctor": doc.id, "site": site.id, "date": "2026-06-02"},
        {"doctor": doc.rpps, "commune": "58062", "date": date(2026, 6, 9)},
        {"doctor": doc.id, "site": site.id, "date": "2026-06-16"},  # third: refused
        {"doctor": other.id, "commune": "58194", "date": "2026-06-02"},  # no site there
        {"doctor": third.id, "site": site.id},  # no date
    ]
    with pytest.raises(Forbidden):
        accept_proposals(session, as_doctor(doc), proposals, now=NOW)
    outcomes = accept_proposals(session, COORD, proposals, now=NOW)
    session.commit()
    assert [(o.accepted, o.code) for o in outcomes] == [
        (True, None), (True, None), (False, "mission_day_cap"),
        (False, "no_mission_site_in_commune"), (False, "invalid_proposal")]
    stored = session.scalars(select(MissionDay).order_by(MissionDay.day)).all()
    assert [(d.practitioner_id, d.day, d.source) for d in stored] == [
        (doc.id, date(2026, 6, 2), "optimiser"), (doc.id, date(2026, 6, 9), "optimiser")]


def test_mission_site_requirements(session, geo):
    from oasis.care.sites import service as sites

    zone = missions.add_zone(session, ZONE_EPCI, geo=geo)
    bare = sites.create_location(session, name="Cabinet nu", kind="cabinet",
                                 commune_code="58062", hours=[(0, time(9), time(17))], geo=geo)
    with pytest.raises(Invalid) as exc:
        missions.create_mission_site(session, location_id=bare.id, zone_id=zone.id, geo=geo)
    assert exc.value.code == "not_equipped"
    bare.equipment = ["ECG"]
    with pytest.raises(Invalid) as exc:
        missions.create_mission_site(session, location_id=bare.id, zone_id=zone.id, geo=geo)
    assert exc.value.code == "no_medical_assistant"
    far = sites.create_location(session, name="Nevers", kind="msp", commune_code="58194",
                                equipment=["ECG"], geo=geo)
    with pytest.raises(Invalid) as exc:
        missions.create_mission_site(session, location_id=far.id, zone_id=zone.id, geo=geo)
    assert exc.value.code == "outside_zone"
    from oasis.care.core.errors import NotFound

    with pytest.raises(NotFound):
        missions.add_zone(session, "999999999", geo=geo)


def test_alembic_history_stays_linear():
    """One head, and the programmes revision is on the single chain from base."""
    from alembic.script import ScriptDirectory

    from oasis.care.core.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()]
    assert "0004_programmes" in chain and chain[-1] == "0001_care_core"


def test_volunteer_plan_becomes_mission_days(session, world, geo):
    """The real optimiser (oasis plan volunteers) on the demo APL, hosts = mission sites."""
    import numpy as np

    from oasis.care.programmes.missions import mission_terms
    from oasis.care.programmes.proposals import (
        mission_hosts,
        proposals_from_plan,
        spread_dates,
    )
    from oasis.territory.demo import demo_apl
    from oasis.territory.volunteers import Doctors, plan_volunteers

    _, site, (doc, other, _) = world
    epcis, hosts = mission_hosts(session, geo)
    assert epcis == sorted([ZONE_EPCI, "200067882"]) and len(hosts) == 1
    apl = demo_apl()
    units = np.flatnonzero(geo.analysis_units)
    nevers = int(np.flatnonzero(geo.code[units] == "58194")[0])
    doctors = Doctors(np.array([doc.rpps, other.rpps], dtype=object),
                      np.array([nevers, nevers]), np.array([2, 1]))
    plan = plan_volunteers(apl, doctors, epcis, mission_terms(NOW.date()), hosts=hosts)
    assert plan.days == 3 and set(plan.assignment["host"]) == {"58062"}
    proposals = proposals_from_plan(plan, "2026-06")
    assert sorted((p.doctor, p.day) for p in proposals) == sorted(
        [(doc.rpps, d) for d in spread_dates("2026-06", 2)]
        + [(other.rpps, d) for d in spread_dates("2026-06", 1)])
    assert all(d.weekday() < 5 for d in spread_dates("2026-06", 2))
    outcomes = accept_proposals(session, COORD, proposals, now=NOW)
    session.commit()
    assert all(o.accepted for o in outcomes), outcomes
    days = session.scalars(select(MissionDay).order_by(MissionDay.day)).all()
    assert sorted((d.practitioner_id, d.mission_site_id) for d in days) == sorted(
        [(doc.id, site.id), (doc.id, site.id), (other.id, site.id)])
