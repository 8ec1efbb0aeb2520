"""The teleconsultation journey through the HTTP API, on SQLite and PostgreSQL:
join the queue (live position) → taken → consultation → prescription PDF → public
verification → orientation → closing with the billing statement → monthly export."""

from __future__ import annotations

import io
import json
import re
from datetime import time
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from websockets.sync.client import connect as ws_connect

from oasis.care.accounts import service as accounts
from oasis.care.audit.models import AuditEvent
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.sites import service as sites
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, login, make_practice, signup


@pytest.fixture
def world(db_url):
    """Two teleconsulting GPs (one with slots at his MSP), an ETT with its nurse, a
    coordinator, and their accounts."""
    s = session_factory(db_url)()
    _, doc1, _ = make_practice(s, rpps_seed=21)
    site2, doc2, sched2 = make_practice(s, rpps_seed=22, commune="58303")
    scheduling.generate_slots(s, sched2.id, days=14)
    ett = sites.create_location(s, name="ETT de Luzy", kind="ett", commune_code="58149",
                                nurse_present=True, hours=[(d, time(8), time(18))
                                                           for d in range(7)])
    nurse = people.create_staff(s, kind="nurse", family_name="Petit", given_name="Anne",
                                location_id=ett.id)
    coord = people.create_staff(s, kind="coordinator", family_name="Roy", given_name="Lea")
    for email, kw in (("doc1@t.fr", {"role": "practitioner", "practitioner_id": doc1.id}),
                      ("doc2@t.fr", {"role": "practitioner", "practitioner_id": doc2.id}),
                      ("nurse@t.fr", {"role": "nurse", "staff_id": nurse.id}),
                      ("coord@t.fr", {"role": "coordinator", "staff_id": coord.id})):
        accounts.create_account(s, email=email, password=PASSWORD, display_name=email, **kw)
    s.commit()
    ids = {"doc1": doc1.id, "doc2": doc2.id, "site2": site2.id, "ett": ett.id,
           "rpps1": doc1.rpps}
    s.close()
    return ids


@pytest.fixture
def client(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret",
                              partner_mutuelles=["Mutuelle Partenaire"]))
    with TestClient(app) as c:
        yield c



def register(client, email="jeanne@t.fr", **extra) -> tuple[dict, dict, str]:
    body = {"email": email, "password": PASSWORD, "family_name": "Durand",
            "given_name": "Jeanne", "birth_date": "1950-03-02", "commune_code": "58194"} | extra
    patient, token = signup(client, body)
    return patient, {"Authorization": f"Bearer {token}"}, token


def test_red_flags_route_to_emergency_never_queue(client):
    _, h, _ = register(client)
    r = client.post("/api/v1/teleconsult/queue", headers=h,
                    json={"reason": "j'ai mal", "triage": ["stroke_signs"]})
    assert r.status_code == 200 and r.json()["queued"] is False
    assert "15" in r.json()["message"] and "112" in r.json()["message"]
    r = client.post("/api/v1/teleconsult/queue", headers=h,
                    json={"reason": "douleur thoracique depuis ce matin"})
    assert r.json()["queued"] is False and r.json()["flags"] == ["chest_pain"]
    r = client.post("/api/v1/teleconsult/queue", headers=h,
                    json={"reason": "toux", "triage": ["nope"]})
    assert r.status_code == 422 and r.json()["code"] == "unknown_triage_answer"
    doc = login(client, "doc1@t.fr")
    assert client.get("/api/v1/teleconsult/queue", headers=doc).json()["waiting"] == 0


def test_joining_says_whether_it_will_be_reimbursed(client):
    """No médecin traitant, no territorial organisation: not reimbursed, 25 €, and why."""
    _, h, _ = register(client, email="paul@t.fr")
    r = client.post("/api/v1/teleconsult/queue", headers=h, json={"reason": "toux"})
    assert r.status_code == 201, r.text
    reimb = r.json()["reimbursement"]
    assert reimb["reimbursable"] is False and reimb["patient_cents"] == 2500
    assert "médecin traitant" in reimb["reasons"][0]


def test_whole_journey(client, world, db_url):
    patient, ph, ptoken = register(client, mutuelle_name="Mutuelle Partenaire")
    doc, doc2 = login(client, "doc1@t.fr"), login(client, "doc2@t.fr")

    r = client.post("/api/v1/teleconsult/queue", headers=ph,
                    json={"reason": "Fièvre et toux depuis 3 jours", "triage": []})
    assert r.status_code == 201, r.text
    # Before the call: the partner funds the teleconsultation, nothing to pay.
    reimb = r.json()["reimbursement"]
    assert (reimb["tiers_payant"], reimb["patient_cents"]) == ("partenaire", 0)
    assert reimb["reasons"]
    entry = r.json()["entry"]
    assert (entry["position"], entry["doctors_on_duty"], entry["estimated_wait_minutes"]) \
        == (1, 0, None)
    r = client.post("/api/v1/teleconsult/queue", headers=ph, json={"reason": "encore"})
    assert r.status_code == 409 and r.json()["code"] == "already_waiting"

    with client.websocket_connect(f"/ws/teleconsult/queue/{entry['entry_id']}"
                                  f"?access_token={ptoken}") as ws:
        first = ws.receive_json()
        assert first["type"] == "queue" and first["position"] == 1
        r = client.post("/api/v1/teleconsult/queue/next", headers=doc)
        assert r.status_code == 409 and r.json()["code"] == "not_available"
        assert client.put("/api/v1/teleconsult/presence", headers=doc,
                          json={"status": "available"}).json()["status"] == "available"
        update = ws.receive_json()
        assert (update["doctors_on_duty"], update["estimated_wait_minutes"]) == (1, 0)
        r = client.post("/api/v1/teleconsult/queue/next", headers=doc)
        assert r.status_code == 201, r.text
        encounter = r.json()["encounter"]
        assert encounter["patient_id"] == patient["id"] and encounter["status"] == "in-progress"
        assert r.json()["call"]["role"] == "doctor"
        taken = ws.receive_json()
        assert taken["type"] == "taken" and taken["encounter_id"] == encounter["id"]
        assert taken["call"]["url"].startswith(f"/visio/{taken['call']['room']}?token=")
        assert taken["call"]["role"] == "patient"
    eid = encounter["id"]

    # room tokens only for participants; the record only for those allowed
    assert client.get(f"/api/v1/encounters/{eid}/call", headers=doc2).status_code == 404
    coord = login(client, "coord@t.fr")
    assert client.get(f"/api/v1/encounters/{eid}/call", headers=coord).status_code == 404
    assert client.get(f"/api/v1/encounters/{eid}", headers=doc2).status_code == 404
    assert client.get(f"/visio/{taken['call']['room']}?token="
                      f"{taken['call']['token']}").status_code == 200

    r = client.patch(f"/api/v1/encounters/{eid}", headers=doc, json={
        "notes": "Auscultation normale.", "diagnosis_text": "Bronchite aiguë",
        "diagnosis_code": "J20.9"})
    assert r.status_code == 200 and r.json()["diagnosis"]["code"] == "J20.9"
    assert client.patch(f"/api/v1/encounters/{eid}", headers=ph,
                        json={"notes": "x"}).status_code == 403
    r = client.post(f"/api/v1/encounters/{eid}/measurements", headers=doc,
                    json={"temperature": "38,4"})
    assert r.status_code == 201 and r.json()["values"] == {"temperature": 38.4}
    assert client.post(f"/api/v1/encounters/{eid}/measurements", headers=doc,
                       json={"temperature": 98.6}).status_code == 422

    # e-prescription: PDF for patient and prescriber, public verification without content
    r = client.post(f"/api/v1/encounters/{eid}/prescriptions", headers=doc, json={"lines": [
        {"name": "Paracétamol 1 g", "dosage": "1 comprimé 3 fois par jour",
         "duration": "5 jours"}]})
    assert r.status_code == 201, r.text
    rx = r.json()
    for headers in (ph, doc):
        pdf = client.get(rx["pdf_url"], headers=headers)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert world["rpps1"] in text and rx["id"] in text and "Durand" in text
    assert client.get(rx["pdf_url"], headers=doc2).status_code == 404
    code = parse_qs(urlparse(rx["verify_url"]).query)["code"][0]
    assert code in text
    ok = client.get(f"/api/v1/prescriptions/verify/{rx['id']}", params={"code": code})
    assert ok.status_code == 200 and ok.json()["genuine"] is True
    assert set(ok.json()) == {"id", "genuine", "message"}
    assert "Paracétamol" not in ok.text and "Durand" not in ok.text
    bad = client.get(f"/api/v1/prescriptions/verify/{rx['id']}", params={"code": "X" * 10})
    assert bad.json()["genuine"] is False
    fake = client.get("/api/v1/prescriptions/verify/ORD-AAAA-BBBB-CCCC-DDDD",
                      params={"code": code})
    assert fake.json()["genuine"] is False

    # orientation: the patient sees in-person options, the receiving site sees it
    r = client.post(f"/api/v1/encounters/{eid}/referrals", headers=doc, json={
        "reason": "Radiographie pulmonaire si pas d'amélioration",
        "target_location_id": world["site2"], "specialty": "generaliste"})
    assert r.status_code == 201, r.text
    ref = r.json()
    mine = client.get(f"/api/v1/referrals/{ref['id']}", headers=ph).json()
    assert mine["in_person_options"]
    assert {o["location"]["id"] for o in mine["in_person_options"]} == {world["site2"]}
    assert all(o["mode"] == "in_person" and o["slots"] for o in mine["in_person_options"])
    site_list = client.get(f"/api/v1/sites/{world['site2']}/referrals", headers=doc2)
    assert [x["id"] for x in site_list.json()] == [ref["id"]]
    assert client.get(f"/api/v1/sites/{world['site2']}/referrals",
                      headers=coord).status_code == 404

    # closing: duration, statement (partner mutuelle: nothing to pay, nothing to advance)
    r = client.post(f"/api/v1/encounters/{eid}/close", headers=doc, json={"referred": True})
    assert r.status_code == 200, r.text
    st = r.json()["statement"]
    assert r.json()["encounter"]["status"] == "finished"
    assert r.json()["encounter"]["duration_seconds"] >= 0
    assert (st["act_code"], st["fee_cents"], st["amo_cents"], st["mutuelle_cents"],
            st["patient_cents"], st["patient_advance_cents"], st["tiers_payant"]) \
        == ("TCG", 2500, 0, 2500, 0, 0, "partenaire")
    assert client.post(f"/api/v1/encounters/{eid}/close", headers=doc,
                       json={}).status_code == 409
    assert client.get(f"/api/v1/encounters/{eid}/statement", headers=ph).json() == st
    month = st["act_date"][:7]
    r = client.get("/api/v1/billing/export", headers=coord,
                   params={"month": month, "payer": "Assurance Maladie"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"TLC-{eid:08d}" not in r.text  # partner-funded: nothing claimed from the AMO
    r = client.get("/api/v1/billing/export", headers=coord,
                   params={"month": month, "payer": "Mutuelle Partenaire"})
    assert re.search(rf"TLC-{eid:08d};{st['act_date']};TCG;2500;2500;2500;partenaire",
                     r.text)
    assert client.get("/api/v1/billing/export", headers=ph,
                      params={"month": month, "payer": "x"}).status_code == 403
    assert client.get("/api/v1/billing/export", headers=coord,
                      params={"month": "2026-13x", "payer": "x"}).status_code == 422

    # the patient reads the record; all of it audited
    rec = client.get(f"/api/v1/encounters/{eid}", headers=ph).json()
    assert rec["diagnosis"]["text"] == "Bronchite aiguë" and rec["measurements"]
    assert [p["id"] for p in rec["prescriptions"]] == [rx["id"]]
    s = session_factory(db_url)()
    try:
        events = dict(s.execute(select(AuditEvent.outcome, func.count()).where(
            AuditEvent.patient_id == patient["id"]).group_by(AuditEvent.outcome)).all())
        kinds = set(s.scalars(select(AuditEvent.entity_type).where(
            AuditEvent.patient_id == patient["id"])))
    finally:
        s.close()
    assert events["success"] >= 10 and events["denied"] >= 4
    assert {"QueueEntry", "Encounter", "MedicationRequest", "ServiceRequest",
            "BillingStatement", "Observation"} <= kinds


def test_ett_session_three_parties_and_measurement_persisted(client, world):
    nurse, doc = login(client, "nurse@t.fr"), login(client, "doc1@t.fr")
    r = client.post("/api/v1/teleconsult/queue", headers=doc, json={"reason": "x",
                                                                     "mode": "ett"})
    assert r.status_code == 403
    r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "Plaie du mollet à surveiller", "mode": "ett",
        "new_patient": {"family_name": "Morel", "given_name": "Louis",
                        "birth_date": "1948-07-14", "commune_code": "58149"}})
    assert r.status_code == 201, r.text
    entry_id = r.json()["entry"]["entry_id"]
    walk_in = r.json()["patient_id"]
    assert client.get(f"/api/v1/teleconsult/queue/{entry_id}", headers=nurse).status_code == 200
    # an existing patient: only with their date of birth (identity checked at the desk)
    other, _, _ = register(client, email="autre@t.fr", given_name="Paul")
    r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "x", "mode": "ett", "patient_id": other["id"]})
    assert r.status_code == 404
    r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "x", "mode": "ett", "patient_id": walk_in,
        "patient_birth_date": "1948-07-14"})
    assert r.status_code == 409 and r.json()["code"] == "already_waiting"
    client.put("/api/v1/teleconsult/presence", headers=doc, json={"status": "available"})
    enc = client.post("/api/v1/teleconsult/queue/next", headers=doc).json()["encounter"]
    assert enc["mode"] == "ett" and enc["location_id"] == world["ett"]
    call = client.get(f"/api/v1/encounters/{enc['id']}/call", headers=nurse).json()
    assert call["role"] == "nurse"
    # the call itself on a real server (a second worker on the same database)
    with LiveServer(create_app(client.app.state.settings)) as server:
        with ws_connect(f"{server.ws_url}/ws/visio/{call['room']}?token={call['token']}") \
                as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            ws.send(json.dumps({"type": "measurement",
                                "values": {"systolic": 142, "diastolic": 88, "spo2": 96}}))
            echo = json.loads(ws.recv(timeout=10))
            assert echo["type"] == "measurement" and echo["values"]["systolic"] == 142
        rec = client.get(f"/api/v1/encounters/{enc['id']}", headers=doc).json()
        assert [m["values"] for m in rec["measurements"]] == [
            {"systolic": 142, "diastolic": 88, "spo2": 96}]
        assert rec["measurements"][0]["role"] == "nurse"
        # a late joiner (the doctor) gets it from the database
        dcall = client.get(f"/api/v1/encounters/{enc['id']}/call", headers=doc).json()
        with ws_connect(f"{server.ws_url}/ws/visio/{dcall['room']}?token={dcall['token']}") \
                as ws:
            welcome = json.loads(ws.recv(timeout=10))
            assert [m["values"]["systolic"] for m in welcome["measurements"]] == [142]


def test_phone_fallback_and_leaving(client):
    _, ph, _ = register(client, phone="0612345678")
    r = client.post("/api/v1/teleconsult/queue", headers=ph,
                    json={"reason": "renouvellement", "mode": "phone"})
    assert r.status_code == 201 and r.json()["entry"]["mode"] == "phone"
    entry_id = r.json()["entry"]["entry_id"]
    assert client.delete(f"/api/v1/teleconsult/queue/{entry_id}", headers=ph).json()[
        "status"] == "cancelled"
    assert client.delete(f"/api/v1/teleconsult/queue/{entry_id}",
                         headers=ph).status_code == 409
    _, other, otoken = register(client, email="autre@t.fr", given_name="Paul")
    assert client.get(f"/api/v1/teleconsult/queue/{entry_id}", headers=other).status_code == 404
    with client.websocket_connect(f"/ws/teleconsult/queue/{entry_id}"
                                  f"?access_token={otoken}") as ws:
        assert ws.receive_json()["code"] == "not_found"
    with client.websocket_connect(f"/ws/teleconsult/queue/{entry_id}") as ws:
        assert ws.receive_json()["code"] == "unauthenticated"
