"""A small care world for the professional pages: a doctor with appointments *today*.

Slots are generated as if it were local midnight so today's morning exists even when
the test runs in the evening, and appointments are booked with that same ``now``.
Used by the page tests (TestClient) and the browser journeys (live server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.agenda import PARIS, day_bounds, today
from oasis.care.scheduling.models import Slot
from oasis.care.sites import service as sites
from tests.factories.care import PASSWORD, make_patient, make_practice


def client_for(app, email: str | None) -> TestClient:
    """A page client, signed in as ``email`` (cookie session) unless None."""
    client = TestClient(app, follow_redirects=False)
    if email:
        r = client.post("/api/v1/auth/login", data={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{32})"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
ALL_DAY = [(d, time(7), time(20)) for d in range(7)]


@dataclass
class World:
    site: int
    doctor: int
    other_doctor: int
    schedule: int
    patient: int
    other_patient: int
    appointments: list[int]  # today at 10:00 and 11:00 (Paris) with the doctor
    day: date


def build(db_url: str, day: date | None = None) -> World:
    """Doctor (doc@test.fr), another doctor, nurses (at the doctor's site; at an ETT),
    coordinator, patient."""
    day = day or today()
    midnight = day_bounds(day)[0]
    session = session_factory(db_url)()
    site, doctor, schedule = make_practice(session, rpps_seed=21, weekly=ALL_DAY)
    _, other, other_schedule = make_practice(session, rpps_seed=22, commune="58303",
                                             weekly=ALL_DAY)
    for s in (schedule, other_schedule):
        scheduling.generate_slots(session, s.id, days=10, first_day=day,
                                  now=midnight - timedelta(seconds=1))
    patient = make_patient(session, name="Durand")
    other_patient = make_patient(session, name="Lefèvre")
    appointments = []
    for at, who, reason in ((time(10), patient, "Douleur au genou"),
                            (time(11), other_patient, "Renouvellement")):
        start = midnight.astimezone(PARIS).replace(hour=at.hour).astimezone(midnight.tzinfo)
        slot = session.scalar(select(Slot).where(Slot.schedule_id == schedule.id,
                                                 Slot.start_at == start))
        appointment = booking.book(session, Actor.system(), slot_id=slot.id,
                                   patient_id=who.id, reason=reason,
                                   now=midnight - timedelta(seconds=1))
        appointments.append(appointment.id)
    nurse = people.create_staff(session, kind="nurse", family_name="Dupont",
                                given_name="Marie", location_id=site.id)
    ett = sites.create_location(session, name="ETT de Nevers (test)", kind="ett",
                                commune_code="58194", nurse_present=True)
    ett_nurse = people.create_staff(session, kind="nurse", family_name="Petit",
                                    given_name="Anne", location_id=ett.id)
    coord = people.create_staff(session, kind="coordinator", family_name="Roy",
                                given_name="Léa", organisation="ARS")
    for email, role, extra, name in (
            ("doc@test.fr", "practitioner", {"practitioner_id": doctor.id}, "Dr Alice Martin"),
            ("doc2@test.fr", "practitioner", {"practitioner_id": other.id}, "Dr Bob"),
            ("infirmiere@test.fr", "nurse", {"staff_id": nurse.id}, "Marie Dupont"),
            ("ide.ett@test.fr", "nurse", {"staff_id": ett_nurse.id}, "Anne Petit"),
            ("coord@test.fr", "coordinator", {"staff_id": coord.id}, "Léa Roy"),
            ("patient@test.fr", "patient", {"patient_id": patient.id}, "Jeanne Durand")):
        accounts.create_account(session, email=email, password=PASSWORD, role=role,
                                display_name=name, **extra)
    session.commit()
    world = World(site=site.id, doctor=doctor.id, other_doctor=other.id,
                  schedule=schedule.id, patient=patient.id, other_patient=other_patient.id,
                  appointments=appointments, day=day)
    session.close()
    return world


@dataclass
class MissionWorld:
    zone: int
    site: int  # the mission site (programme_mission_site.id), Château-Chinon (58062)
    location: int
    volunteers: list[int]  # doctors with no practice of their own
    volunteer_names: list[str]


def build_missions(db_url: str, geo=None) -> MissionWorld:
    """« Un médecin près de chez vous » on top of :func:`build`: two priority zones, an
    equipped mission site with a medical assistant, two volunteer doctors."""
    from tests.factories.programmes import make_mission_world

    session = session_factory(db_url)()
    zone, site, volunteers = make_mission_world(session, doctors=2, geo=geo)
    session.commit()
    world = MissionWorld(zone=zone.id, site=site.id, location=site.location_id,
                         volunteers=[v.id for v in volunteers],
                         volunteer_names=[v.display_name for v in volunteers])
    session.close()
    return world


def next_month_days(count: int) -> list[date]:
    """The first ``count`` working days of next month (Paris): always bookable."""
    first = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    return [d for d in (first + timedelta(days=k) for k in range(31))
            if d.month == first.month and d.weekday() < 5][:count]
