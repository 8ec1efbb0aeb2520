"""REST API of the care platform: registration, auth, access rules, booking, audit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, login, make_practice, outbox, signup


@pytest.fixture
def world(db_url):
    """A coordinator, two doctors at Nevers with generated slots, and their accounts."""
    session = session_factory(db_url)()
    site, doc1, sched1 = make_practice(session, rpps_seed=11)
    _, doc2, sched2 = make_practice(session, rpps_seed=12, commune="58303")
    for s in (sched1, sched2):
        scheduling.generate_slots(session, s.id, days=10)
    coord = people.create_staff(session, kind="coordinator", family_name="Roy",
                                given_name="Lea", organisation="ARS BFC")
    accounts.create_account(session, email="coord@test.fr", password=PASSWORD,
                            role="coordinator", display_name="Léa Roy", staff_id=coord.id)
    accounts.create_account(session, email="doc1@test.fr", password=PASSWORD,
                            role="practitioner", practitioner_id=doc1.id, display_name="Dr 1")
    accounts.create_account(session, email="doc2@test.fr", password=PASSWORD,
                            role="practitioner", practitioner_id=doc2.id, display_name="Dr 2")
    session.commit()
    ids = {"site": site.id, "doc1": doc1.id, "doc2": doc2.id, "sched1": sched1.id}
    session.close()
    return ids


@pytest.fixture
def client(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret"))
    with TestClient(app) as c:
        yield c



def register(client, email="jeanne@test.fr", **extra) -> tuple[dict, dict]:
    body = {"email": email, "password": PASSWORD, "family_name": "Durand",
            "given_name": "Jeanne", "birth_date": "1950-03-02", "commune_code": "58194",
            "nir": "2 55 08 14 168 025 38"} | extra
    patient, token = signup(client, body)
    return patient, {"Authorization": f"Bearer {token}"}


def first_slot(client) -> dict:
    r = client.get("/api/v1/slots", params={"commune": "58194", "within_hours": 24 * 10})
    assert r.status_code == 200, r.text
    return r.json()["items"][0]


def test_registration_validates_and_logs_in(client):
    r = client.post("/api/v1/patients", json={
        "email": "x@test.fr", "password": PASSWORD, "family_name": "X", "given_name": "Y",
        "birth_date": "1980-01-01", "commune_code": "58194", "nir": "255081416802539"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_nir"
    assert "clé du NIR" in r.json()["detail"]
    r = client.post("/api/v1/patients", json={
        "email": "x@test.fr", "password": PASSWORD, "family_name": "X", "given_name": "Y",
        "birth_date": "1980-01-01", "commune_code": "99999"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_commune"
    patient, headers = register(client)
    assert patient["nir"] == "255081416802538"
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["role"] == "patient" and me["patient_id"] == patient["id"]
    # an address already registered: the same answer as a new one (no enumeration),
    # a notice to its owner, no second account
    r = client.post("/api/v1/patients", json={
        "email": "JEANNE@test.fr", "password": PASSWORD, "family_name": "X", "given_name": "Y",
        "birth_date": "1980-01-01", "commune_code": "58194"})
    assert r.status_code == 202 and r.json()["code"] == "signup_requested"
    db_url = client.app.state.settings.database_url
    assert [n.kind for n in outbox(db_url, "jeanne@test.fr")] == ["signup-confirm",
                                                                   "signup-existing"]


def test_auth_errors_and_cookie_session(client):
    r = client.post("/api/v1/auth/token", data={"username": "doc1@test.fr", "password": "bad"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    assert client.get("/api/v1/auth/me").json()["code"] == "unauthenticated"
    r = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer v1.abc.def"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = client.post("/api/v1/auth/login", data={"email": "doc1@test.fr", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "oasis_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP development
    assert client.get("/api/v1/auth/me").json()["role"] == "practitioner"
    stolen = client.cookies.get("oasis_session")
    # a cookie-only state change naming no origin is refused (CSRF), the browser's is not
    assert client.post("/api/v1/auth/logout").json()["code"] == "csrf"
    r = client.post("/api/v1/auth/logout", headers={"Origin": "http://testserver"})
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    # the token itself is revoked, not just the cookie deleted
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {stolen}"})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    r = client.post("https://testserver/api/v1/auth/login",
                    data={"email": "doc1@test.fr", "password": PASSWORD})
    assert "Secure" in r.headers["set-cookie"]


def test_slot_search_api(client, world):
    r = client.get("/api/v1/slots", params={"commune": "58194", "within_minutes": 30,
                                            "within_hours": 24 * 10, "per_page": 5})
    body = r.json()
    assert r.status_code == 200 and body["total"] > 5 and len(body["items"]) == 5
    starts = [(i["start_at"], i["travel_minutes"]) for i in body["items"]]
    assert starts == sorted(starts)
    assert body["origin"]["name"] == "Nevers"
    r = client.get("/api/v1/slots", params={"commune": "58194", "specialty": "dentiste"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_specialty"
    r = client.get("/api/v1/slots", params={"commune": "75056"})
    assert r.json()["total"] == 0
    r = client.get("/api/v1/slots")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_booking_flow_access_rules_and_audit(client, world):
    patient, headers = register(client)
    _, other_headers = register(client, email="autre@test.fr", nir=None)
    slot = first_slot(client)
    r = client.post("/api/v1/appointments", json={"slot_id": slot["slot_id"]}, headers=headers)
    assert r.status_code == 201, r.text
    appt = r.json()
    r = client.post("/api/v1/appointments", json={"slot_id": slot["slot_id"]},
                    headers=other_headers)
    assert r.status_code == 409 and r.json()["code"] == "slot_taken"
    # A patient books only for themselves, and cannot see others' records.
    r = client.post("/api/v1/appointments", json={"slot_id": slot["slot_id"] + 1,
                                                  "patient_id": patient["id"]},
                    headers=other_headers)
    assert r.status_code == 404
    assert client.get(f"/api/v1/appointments/{appt['id']}", headers=other_headers) \
        .status_code == 404
    assert client.get(f"/api/v1/patients/{patient['id']}", headers=other_headers) \
        .status_code == 404
    mine = client.get("/api/v1/appointments/mine", headers=headers).json()
    assert [a["id"] for a in mine["items"]] == [appt["id"]]
    # The slot's doctor sees the patient; the other doctor gets 404, like a missing one.
    doc = login(client, "doc1@test.fr" if slot["practitioner_id"] == world["doc1"]
                else "doc2@test.fr")
    stranger = login(client, "doc2@test.fr" if slot["practitioner_id"] == world["doc1"]
                     else "doc1@test.fr")
    assert client.get(f"/api/v1/patients/{patient['id']}", headers=doc).status_code == 200
    assert client.get(f"/api/v1/patients/{patient['id']}", headers=stranger).json() == \
        client.get("/api/v1/patients/999999", headers=stranger).json()
    assert [p["id"] for p in client.get("/api/v1/patients", headers=doc).json()["items"]] \
        == [patient["id"]]
    # Cancel, then the other patient gets it.
    r = client.post(f"/api/v1/appointments/{appt['id']}/cancel", json={"reason": "mieux"},
                    headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post("/api/v1/appointments", json={"slot_id": slot["slot_id"]},
                    headers=other_headers)
    assert r.status_code == 201
    # Audit: coordinators only; the refused read by the stranger doctor is there.
    assert client.get("/api/v1/audit", headers=headers).status_code == 403
    coord = login(client, "coord@test.fr")
    log = client.get("/api/v1/audit", params={"patient_id": patient["id"], "per_page": 200},
                     headers=coord).json()
    kinds = {(e["action"], e["entity_type"], e["outcome"]) for e in log["items"]}
    assert ("read", "Patient", "denied") in kinds
    assert ("create", "Appointment", "success") in kinds
    assert ("update", "Appointment", "success") in kinds
    assert ("read", "Patient", "success") in kinds
    # No route edits or deletes audit events.
    event_id = log["items"][0]["id"]
    assert client.delete(f"/api/v1/audit/{event_id}", headers=coord).status_code in (404, 405)
    assert client.put(f"/api/v1/audit/{event_id}", headers=coord).status_code in (404, 405)


def test_management_endpoints(client, world):
    coord = login(client, "coord@test.fr")
    doc = login(client, "doc1@test.fr")
    r = client.post("/api/v1/sites", json={
        "name": "ETT de Nevers", "kind": "ett", "commune_code": "58194", "nurse_present": True,
        "finess": "750712185", "hours": [{"weekday": 0, "opens": "08:00", "closes": "18:00"}]},
        headers=coord)
    assert r.status_code == 422 and r.json()["code"] == "invalid_finess"
    r = client.post("/api/v1/sites", json={
        "name": "ETT de Nevers", "kind": "ett", "commune_code": "58194", "nurse_present": True,
        "hours": [{"weekday": d, "opens": "08:00", "closes": "18:00"} for d in range(5)]},
        headers=coord)
    assert r.status_code == 201, r.text
    site = r.json()
    assert client.post("/api/v1/sites", json={"name": "x", "kind": "ett",
                                              "commune_code": "58194"},
                       headers=doc).status_code == 403
    r = client.post("/api/v1/practitioners", json={
        "rpps": "12345678901", "family_name": "Faux", "given_name": "Num"}, headers=coord)
    assert r.status_code == 422 and r.json()["code"] == "invalid_rpps"
    r = client.post(f"/api/v1/practitioners/{world['doc1']}/sites",
                    json={"location_id": site["id"]}, headers=coord)
    assert site["id"] in r.json()["location_ids"]
    # The doctor opens a video agenda at the ETT; slots are generated.
    r = client.post("/api/v1/schedules", json={
        "practitioner_id": world["doc1"], "location_id": site["id"], "mode": "video",
        "slot_minutes": 15, "weekly": [{"weekday": d, "start_time": "14:00",
                                        "end_time": "16:00"} for d in range(5)],
        "generate_days": 14}, headers=doc)
    assert r.status_code == 201, r.text
    assert r.json()["slots_created"] >= 8 * 5
    other = login(client, "doc2@test.fr")
    r = client.post(f"/api/v1/schedules/{r.json()['id']}/generate", headers=other)
    assert r.status_code == 403
    r = client.get("/api/v1/slots", params={"commune": "58194", "mode": "video",
                                            "within_hours": 24 * 14})
    assert r.json()["total"] >= 8 * 5 and r.json()["items"][0]["travel_minutes"] is None
    # Absence: free slots of that day disappear from search.
    start = datetime.now(UTC) + timedelta(days=1)
    r = client.post(f"/api/v1/schedules/{world['sched1']}/exceptions", json={
        "start_at": start.isoformat(), "end_at": (start + timedelta(days=30)).isoformat(),
        "reason": "congés"}, headers=doc)
    assert r.status_code == 201 and r.json()["booked_appointment_ids"] == []
    r = client.get("/api/v1/practitioners", params={"specialty": "generaliste"})
    assert r.json()["total"] == 2


# ------------------------------------------------------------------ parallel HTTP booking
@pytest.fixture
def live_server(db_url, world):
    with LiveServer(create_app(Settings(database_url=db_url, secret_key="test-secret"))) as live:
        yield live.url


def test_parallel_http_bookings_exactly_one_201(live_server, db_url):
    n = 12
    tokens = []
    with httpx.Client(base_url=live_server, timeout=60) as c:
        for i in range(n):
            _, token = signup(c, {
                "email": f"p{i}@test.fr", "password": PASSWORD, "family_name": f"P{i}",
                "given_name": "Test", "birth_date": "1970-01-01", "commune_code": "58194"},
                db_url)
            tokens.append(token)
        slot_id = c.get("/api/v1/slots", params={"commune": "58194", "within_hours": 240}) \
            .json()["items"][0]["slot_id"]
    barrier = threading.Barrier(n)
    results: list[tuple[int, str | None]] = []

    def attempt(token: str) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            barrier.wait()
            r = c.post("/api/v1/appointments", json={"slot_id": slot_id},
                       headers={"Authorization": f"Bearer {token}"})
            results.append((r.status_code, r.json().get("code")))

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) == sorted([(201, None)] + [(409, "slot_taken")] * (n - 1),
                                              key=str), results
    session = session_factory(db_url)()
    assert session.scalar(select(Slot.status).where(Slot.id == slot_id)) == "busy"
    session.close()


def test_openapi_lists_the_care_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/patients", "/api/v1/slots",
                 "/api/v1/appointments", "/api/v1/appointments/{appointment_id}/cancel",
                 "/api/v1/audit", "/api/v1/schedules", "/api/v1/sites", "/healthz"):
        assert path in paths
    assert time(9) < time(12)
