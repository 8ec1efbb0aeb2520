"""Programmes API: sign-up cap (also with parallel HTTP requests), statements, roles."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from oasis.care.accounts import service as accounts
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.programmes.models import MissionDay
from oasis.care.scheduling.service import PARIS
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, login
from tests.factories.programmes import make_mission_world


def weekdays_in_month_ahead(months: int = 1, n: int = 8) -> list[date]:
    """The first ``n`` Monday–Friday dates of the month ``months`` ahead (always future)."""
    today = utcnow().astimezone(PARIS).date()
    year, month = today.year, today.month + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    first = date(year, month, 1)
    days = [first + timedelta(days=k) for k in range(28)]
    return [d for d in days if d.weekday() < 5][:n]


@pytest.fixture
def world(db_url, geo):
    session = session_factory(db_url)()
    zone, site, (doc, other) = make_mission_world(session, doctors=2, geo=geo)
    coord = people.create_staff(session, kind="coordinator", family_name="Roy",
                                given_name="Lea", organisation="ARS BFC")
    accounts.create_account(session, email="coord@test.fr", password=PASSWORD,
                            role="coordinator", display_name="Léa Roy", staff_id=coord.id)
    for i, d in enumerate((doc, other)):
        accounts.create_account(session, email=f"doc{i}@test.fr", password=PASSWORD,
                                role="practitioner", practitioner_id=d.id,
                                display_name=f"Dr {i}")
    patient = people.create_patient(session, Actor.system(), family_name="Durand",
                                    given_name="J", birth_date=date(1950, 1, 1),
                                    commune_code="58062")
    accounts.create_account(session, email="patient@test.fr", password=PASSWORD,
                            role="patient", patient_id=patient.id, display_name="J Durand")
    session.commit()
    ids = {"zone": zone.id, "site": site.id, "location": site.location_id, "doc": doc.id,
           "other": other.id, "doc_rpps": doc.rpps}
    session.close()
    return ids


@pytest.fixture
def client(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with TestClient(app) as c:
        yield c



def test_sign_up_third_day_refused_with_french_error(client, world):
    doc = login(client, "doc0@test.fr")
    d1, d2, d3 = weekdays_in_month_ahead()[:3]
    for d in (d1, d2):
        r = client.post("/api/v1/missions/days", headers=doc, json={
            "mission_site_id": world["site"], "day": d.isoformat(),
            "replacement": {"name": "Dr Remplaçant", "note": "cabinet ouvert"}})
        assert r.status_code == 201, r.text
        assert r.json()["daily_rate_cents"] == 20_000
        assert r.json()["replacement_name"] == "Dr Remplaçant"
    r = client.post("/api/v1/missions/days", headers=doc,
                    json={"mission_site_id": world["site"], "day": d3.isoformat()})
    assert r.status_code == 409
    assert r.json()["code"] == "mission_day_cap"
    assert "2 jours de mission au plus par mois" in r.json()["detail"]
    # The slots of the two days are in the ordinary slot search, bookable by a patient.
    r = client.get("/api/v1/slots", params={"commune": "58062", "within_hours": 24 * 59})
    assert r.status_code == 200 and r.json()["total"] == 40
    patient = login(client, "patient@test.fr")
    slot_id = r.json()["items"][0]["slot_id"]
    r = client.post("/api/v1/appointments", json={"slot_id": slot_id}, headers=patient)
    assert r.status_code == 201, r.text
    # Roles: a doctor cannot sign a colleague up, a patient cannot sign up at all.
    r = client.post("/api/v1/missions/days", headers=doc, json={
        "mission_site_id": world["site"], "day": d3.isoformat(),
        "practitioner_id": world["other"]})
    assert r.status_code == 403
    r = client.post("/api/v1/missions/days", headers=patient,
                    json={"mission_site_id": world["site"], "day": d3.isoformat()})
    assert r.status_code == 403
    # Cancelling a day cancels its appointments and frees the place in the month.
    days = client.get("/api/v1/missions/days", headers=doc).json()
    r = client.post(f"/api/v1/missions/days/{days[0]['id']}/cancel", headers=doc,
                    json={"reason": "empêchement"})
    assert r.status_code == 200 and len(r.json()["cancelled_appointment_ids"]) == 1
    r = client.post("/api/v1/missions/days", headers=doc,
                    json={"mission_site_id": world["site"], "day": d3.isoformat()})
    assert r.status_code == 201


def test_coordinator_endpoints_and_statements(client, world):
    coord = login(client, "coord@test.fr")
    doc = login(client, "doc0@test.fr")
    zones = client.get("/api/v1/missions/zones", headers=doc).json()
    assert [z["epci"] for z in zones][:2] == ["200067890", "200067882"]
    assert client.post("/api/v1/missions/zones", headers=doc,
                       json={"epci": "245804406"}).status_code == 403
    r = client.post("/api/v1/missions/zones", headers=coord, json={"epci": "245804406"})
    assert r.status_code == 201 and r.json()["source"] == "manual"
    r = client.post("/api/v1/missions/zones", headers=coord, json={"epci": "999999999"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_epci"
    sites = client.get("/api/v1/missions/sites", headers=doc).json()
    assert sites[0]["medical_assistants"] == 1 and sites[0]["epci"] == "200067890"
    d1, d2, d3 = weekdays_in_month_ahead()[:3]
    r = client.post("/api/v1/missions/proposals/accept", headers=coord, json={"proposals": [
        {"doctor": world["doc"], "site": world["site"], "date": d1.isoformat()},
        {"doctor": world["doc_rpps"], "commune": "58062", "date": d2.isoformat()},
        {"doctor": world["doc"], "site": world["site"], "date": d3.isoformat()}]})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["refused"]) == (2, 1)
    assert r.json()["outcomes"][2]["code"] == "mission_day_cap"
    days = client.get("/api/v1/missions/days", headers=coord).json()
    assert [d["source"] for d in days] == ["optimiser", "optimiser"]
    # Days still to come cannot be closed; statements are empty until days are done.
    r = client.post(f"/api/v1/missions/days/{days[0]['id']}/close", headers=coord,
                    json={"status": "completed"})
    assert r.status_code == 422 and r.json()["code"] == "day_in_future"
    assert client.get("/api/v1/missions/statements", headers=coord).json() == []
    assert client.get("/api/v1/missions/zones/totals", headers=doc).status_code == 403
    assert client.get("/api/v1/missions/statements", headers=coord,
                      params={"month": "juin"}).status_code == 422


def test_statements_over_http_in_cents(client, world, db_url):
    """Past days closed by the coordination show up in cents, cancelled ones unpaid."""
    session = session_factory(db_url)()
    last_month = weekdays_in_month_ahead(months=-1, n=2)
    month = last_month[0].strftime("%Y-%m")
    for d, status in zip(last_month, ("completed", "cancelled"), strict=True):
        session.add(MissionDay(practitioner_id=world["doc"], mission_site_id=world["site"],
                               day=d, status=status, source="volunteer"))
    session.commit()
    session.close()
    doc = login(client, "doc0@test.fr")
    r = client.get("/api/v1/missions/statements", headers=doc, params={"month": month})
    assert r.status_code == 200
    assert [(s["paid_days"], s["amount_cents"], s["not_paid_days"]) for s in r.json()] == [
        (1, 20_000, 1)]
    coord = login(client, "coord@test.fr")
    totals = client.get("/api/v1/missions/zones/totals", headers=coord).json()
    assert totals == [{"epci": "200067890", "name": "CC Morvan Sommets et Grands Lacs",
                       "completed_days": 1, "amount_cents": 20_000}]


@pytest.fixture
def live_server(db_url, world):
    with LiveServer(create_app(Settings(database_url=db_url, secret_key="test-secret"))) as live:
        yield live.url


def test_parallel_http_sign_ups_exactly_two_201(live_server, db_url, world):
    n = 8
    with httpx.Client(base_url=live_server, timeout=60) as c:
        r = c.post("/api/v1/auth/token", data={"username": "doc0@test.fr",
                                               "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    days = weekdays_in_month_ahead(n=n)
    barrier = threading.Barrier(n)
    results: list[tuple[int, str | None]] = []

    def attempt(day: date) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            barrier.wait()
            r = c.post("/api/v1/missions/days", headers=headers,
                       json={"mission_site_id": world["site"], "day": day.isoformat()})
            results.append((r.status_code, r.json().get("code")))

    threads = [threading.Thread(target=attempt, args=(d,)) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) == sorted(
        [(201, None)] * 2 + [(409, "mission_day_cap")] * (n - 2), key=str), results
    session = session_factory(db_url)()
    assert session.scalar(select(func.count(MissionDay.id))) == 2
    session.close()
