"""France Santé label and dashboard on the demo data, and the definition of a request."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment, WaitlistEntry
from oasis.care.core.db import dispose_engine, session_factory, session_scope
from oasis.care.demo import DEMO_PASSWORD, load_demo
from oasis.care.programmes import demo as programmes_demo
from oasis.care.programmes.dashboard import dashboard
from oasis.care.programmes.label import label_sites, requests_at
from oasis.care.scheduling.models import Slot
from oasis.config import Settings
from oasis.territory.coverage import coverage
from oasis.territory.sites import Sites
from oasis.web.app import create_app
from tests.factories.care import (
    DB_PARAMS,
    _pg_create,
    _pg_drop,
    _worker,
    make_patient,
    make_practice,
    postgres_base_url,
)

ALL = {"nurse", "open_days", "no_overrun", "sas", "within_48_h"}


@pytest.fixture(scope="module", params=DB_PARAMS)
def demo_url(request, tmp_path_factory, geo) -> Iterator[str]:
    """One database with the whole demo loaded, shared by this module's tests (which
    roll back whatever they change)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("programmes_demo") / "demo.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("_postgres_template")
        base = postgres_base_url()
        name = f"oasis_programmes_demo_{_worker()}"
        url = _pg_create(base, name, template)
    with session_scope(url) as s:
        load_demo(s, days=7, geo=geo)
    yield url
    if request.param == "sqlite":
        dispose_engine(url)
    else:
        _pg_drop(base, name)


@pytest.fixture
def session(demo_url) -> Iterator[Session]:
    s = session_factory(demo_url)()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def demo(session, geo):
    labels = {s.location_name: s for s in label_sites(session, geo=geo)}
    session.rollback()  # release SQLite's write lock (BEGIN IMMEDIATE) for other sessions
    return labels


def test_label_checks_on_demo_sites(demo):
    passing = demo[programmes_demo.PASSING_SITE]
    assert passing.eligible and passing.report.failing() == []
    evidence = {c.code: c for c in passing.report.criteria}
    assert evidence["within_48_h"].figures == {"requests": 20, "served_within_48h": 18,
                                              "share": 0.9, "threshold": 0.8}
    assert "18/20" in evidence["within_48_h"].evidence
    assert evidence["nurse"].figures["nurses"] == 1
    assert evidence["open_days"].figures["open_days"] == 6
    assert evidence["sas"].passed and "03/11/2025" in evidence["sas"].evidence
    failing = demo[programmes_demo.FAILING_SITE]
    assert {c.code for c in failing.report.failing()} == ALL
    f = {c.code: c for c in failing.report.criteria}
    assert "7/20" in f["within_48_h"].evidence
    assert f["open_days"].evidence == "4 jour(s) : lundi, mardi, mercredi, jeudi"
    assert f["no_overrun"].figures == {"practitioners": 1, "outside_sector_1": 1,
                                       "tarif_opposable": False}
    assert f["sas"].evidence == "aucune participation au SAS enregistrée"
    # A care-demo ETT: staffed, open 6 days, sector 1 — no SAS, no measured requests.
    ett = demo["ETT d'Hérimoncourt (démo)"]
    assert [c.code for c in ett.report.failing()] == ["sas", "within_48_h"]
    assert sum(s.eligible for s in demo.values()) == 1


def test_label_and_dashboard_over_http(demo_url, demo):
    app = create_app(Settings(database_url=demo_url, secret_key="test-secret"))
    site_id = demo[programmes_demo.FAILING_SITE].location_id
    with TestClient(app) as c:
        assert c.get(f"/api/v1/france-sante/sites/{site_id}/label").status_code == 401
        r = c.post("/api/v1/auth/token", data={"username": "patient@demo.oasis.fr",
                                               "password": DEMO_PASSWORD})
        patient = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert c.get(f"/api/v1/france-sante/sites/{site_id}/label",
                     headers=patient).status_code == 403
        r = c.post("/api/v1/auth/token", data={"username": "coordination@demo.oasis.fr",
                                               "password": DEMO_PASSWORD})
        coord = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = c.get(f"/api/v1/france-sante/sites/{site_id}/label", headers=coord)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["eligible"] is False and set(body["failing"]) == ALL
        assert [c["code"] for c in body["criteria"]] == ["nurse", "open_days", "no_overrun",
                                                          "doctor", "sas", "within_48_h"]
        assert c.get("/api/v1/france-sante/sites/999999/label",
                     headers=coord).status_code == 404
        r = c.get("/api/v1/france-sante/dashboard", headers=coord,
                  params={"departement": "58", "gaps": 5})
        assert r.status_code == 200, r.text
        d = r.json()
        assert [s["name"] for s in d["labelled_sites"]] == [programmes_demo.PASSING_SITE]
        assert d["labelled_sites"][0]["free_slot_48h"] is True
        (nievre,) = d["departments"]
        assert nievre["dep"] == "58" and 0 < nievre["covered_population"] < \
            nievre["population"]
        assert d["gaps"][0]["name"] == "Nevers" and d["gaps_total"] == \
            nievre["communes"] - nievre["covered_communes"]
        assert c.get("/api/v1/france-sante/dashboard", headers=coord,
                     params={"departement": "XX"}).json()["code"] == "unknown_department"
        r = c.get("/api/v1/missions/sites", headers=coord)
        assert [s["name"] for s in r.json()] == [programmes_demo.MISSION_SITE]


def test_dashboard_figures_on_demo_data(session, demo, geo):
    labels = list(demo.values())
    d = dashboard(session, geo=geo, labels=labels)
    decize = demo[programmes_demo.PASSING_SITE]
    assert d.with_slot == {decize.location_id}
    # Cross-check with the territory coverage of the one labelled, available site.
    unit = int(np.flatnonzero(geo.code[np.flatnonzero(geo.analysis_units)] == "58095")[0])
    ref = coverage(geo, Sites.at_units(geo, [unit]), 30.0).level("departement")
    ref = ref[ref["covered_population"] > 0].set_index("dep")["covered_population"]
    mine = d.departments().set_index("dep")["covered_population"]
    assert mine[mine > 0].to_dict() == ref.to_dict()
    assert set(ref.index) == {"58", "03"}  # Decize is close to the Allier
    summary = d.summary()
    assert summary["covered_population"] == int(ref.sum())
    assert summary["labelled_sites"] == 1 and summary["communes"] == len(d.communes)
    gaps = d.gaps()
    assert set(gaps["gap"]) == {"no_labelled_site_30min"}
    # Fill every free slot of Decize in the next 48 h: its communes become gaps.
    now = d.now
    session.execute(update(Slot).where(
        Slot.location_id == decize.location_id, Slot.status == "free",
        Slot.start_at <= now + timedelta(hours=48)).values(status="busy"))
    after = dashboard(session, geo=geo, labels=labels, now=now)
    assert after.summary()["covered_population"] == 0
    no_slot = after.gaps().query("gap == 'no_slot_48h'")
    assert int(no_slot["population"].sum()) == summary["covered_population"]


def test_what_counts_as_a_request(db_url):
    session = session_factory(db_url)()
    site, doctor, schedule = make_practice(session)
    patients = [make_patient(session, name=f"R{i}") for i in range(4)]
    now = datetime(2026, 6, 20, 10, tzinfo=UTC)

    def past(start: datetime, created: datetime, patient, **kw) -> Appointment:
        slot_id = session.execute(insert(Slot).values(
            schedule_id=schedule.id, practitioner_id=doctor.id, location_id=site.id,
            mode="in_person", specialty="generaliste", start_at=start,
            end_at=start + timedelta(minutes=20), status="busy").returning(Slot.id)).scalar()
        a = Appointment(slot_id=slot_id, patient_id=patient.id, practitioner_id=doctor.id,
                        location_id=site.id, mode="in_person", start_at=start,
                        end_at=start + timedelta(minutes=20), created_at=created, **kw)
        session.add(a)
        session.flush()
        return a

    day = datetime(2026, 6, 10, 8, tzinfo=UTC)
    fast = past(day, day - timedelta(hours=10), patients[0], status="fulfilled")
    past(day + timedelta(days=3), day - timedelta(hours=5), patients[0], status="fulfilled",
         rescheduled_from_id=fast.id)  # the same request, moved: not counted again
    past(day + timedelta(hours=1), day - timedelta(hours=100), patients[1], status="cancelled")
    listed = past(day + timedelta(hours=2), day - timedelta(hours=20), patients[2],
                  status="fulfilled")
    session.add(WaitlistEntry(patient_id=patients[2].id, specialty="generaliste",
                              location_id=site.id, status="booked", appointment_id=listed.id,
                              created_at=day - timedelta(hours=60)))
    session.add(WaitlistEntry(patient_id=patients[3].id, specialty="generaliste",
                              location_id=site.id, status="waiting",
                              created_at=day - timedelta(hours=30)))
    session.add(WaitlistEntry(patient_id=patients[3].id, specialty="generaliste",
                              location_id=site.id, status="waiting",
                              created_at=now - timedelta(hours=3)))  # too recent to judge
    past(day - timedelta(weeks=5), day - timedelta(weeks=5, hours=1), patients[1],
         status="fulfilled")  # before the window
    session.flush()
    reqs = requests_at(session, site.id, now - timedelta(weeks=4), now)
    delays = sorted((r.first_offer_at - r.requested_at).total_seconds() / 3600
                    if r.first_offer_at else -1 for r in reqs)
    assert delays == [-1, 10, 62, 101]
    assert [r.served_within(timedelta(hours=48)) for r in
            sorted(reqs, key=lambda r: r.requested_at)].count(True) == 1
    session.rollback()
    session.close()
