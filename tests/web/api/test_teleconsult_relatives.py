"""Teleconsultation for a relative, through the HTTP API (SQLite and PostgreSQL): the
guardian joins the queue for the child they manage (price from the same billing engine,
for the child), follows the position, sends a file, joins the call, chats, reads the
summary and the prescription; another patient, a practitioner not party, a nurse not of
the session and a coordinator get the 404 of a missing record, each refusal audited."""

from __future__ import annotations

from sqlalchemy import select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.clock import paris_today
from oasis.care.core.db import session_factory
from oasis.care.people.models import Patient
from oasis.care.teleconsult import billing
from tests.factories.care import login
from tests.factories.teleexpertise import png_bytes
from tests.web.api.test_teleconsult_exchanges import (  # noqa: F401
    client,
    join,
    on_duty,
    patient,
    upload,
    world,
)

CHILD = {"family_name": "Durand", "given_name": "Léo", "birth_date": "2019-03-02",
         "sex": "M", "relation": "enfant"}


def _denied(db_url, entity: str, patient_id: int) -> list[AuditEvent]:
    with session_factory(db_url)() as s:
        return list(s.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == entity, AuditEvent.outcome == "denied",
            AuditEvent.patient_id == patient_id)))


def _engine_price(db_url, patient_id: int) -> int:
    with session_factory(db_url)() as s:
        _, st = billing.conditions(s, s.get(Patient, patient_id), None, "video",
                                   "generaliste", paris_today(), partners=())
        return st.patient_cents


def test_a_guardian_teleconsults_for_a_relative_nobody_else(client, world, db_url):  # noqa: F811
    me, gh, _ = patient(client)
    _, oh, _ = patient(client, "paul@t.fr", "Paul")
    r = client.post("/api/v1/patients/me/relatives", json=CHILD, headers=gh)
    assert r.status_code == 201, r.text
    child = r.json()["id"]
    others = {"patient": oh, "gp2": login(client, "gp2@t.fr"),
              "nurse2": login(client, "nurse2@t.fr"), "coord": login(client, "coord@t.fr")}

    # Another patient cannot queue the child: the 404 of a missing record, audited.
    body = {"reason": "Fièvre depuis hier", "patient_id": child}
    r = client.post("/api/v1/teleconsult/queue", headers=oh, json=body)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert _denied(db_url, "QueueEntry", child)

    # The guardian queues the child: the entry and the price are the child's.
    r = client.post("/api/v1/teleconsult/queue", headers=gh, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["patient_id"] == child
    assert out["reimbursement"]["patient_cents"] == _engine_price(db_url, child)
    # an adult pays the participation forfaitaire, a child does not: not the holder's price
    assert _engine_price(db_url, child) != _engine_price(db_url, me["id"])
    entry = out["entry"]["entry_id"]
    assert client.get(f"/api/v1/teleconsult/queue/{entry}", headers=gh).status_code == 200
    path = f"/api/v1/teleconsult/queue/{entry}/attachments"
    assert upload(client, gh, path, "gorge.png", png_bytes()).status_code == 201
    for who, h in others.items():
        assert client.get(f"/api/v1/teleconsult/queue/{entry}", headers=h).status_code \
            == 404, who
        assert upload(client, h, path, "x.png", png_bytes()).status_code == 404, who

    # The GP takes the call: the guardian joins it, chats, sees the files.
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    taken = client.post("/api/v1/teleconsult/queue/next", headers=gp)
    assert taken.status_code == 201, taken.text
    eid = taken.json()["encounter"]["id"]
    assert taken.json()["encounter"]["patient_id"] == child
    call = client.get(f"/api/v1/encounters/{eid}/call", headers=gh)
    assert call.status_code == 200, call.text
    assert call.json()["role"] == "patient"
    msg = client.post(f"/api/v1/encounters/{eid}/messages", headers=gh,
                      json={"text": "Il a 39 °C depuis ce matin"})
    assert msg.status_code == 201, msg.text
    files = client.get(f"/api/v1/encounters/{eid}/attachments", headers=gh)
    assert [f["filename"] for f in files.json()] == ["gorge.png"]
    rx = client.post(f"/api/v1/encounters/{eid}/prescriptions", headers=gp, json={"lines": [
        {"name": "Paracétamol 250 mg", "dosage": "1 sachet 4 fois par jour",
         "duration": "3 jours"}]}).json()
    assert client.post(f"/api/v1/encounters/{eid}/close", headers=gp,
                       json={}).status_code == 200
    pdf = client.get(rx["pdf_url"], headers=gh)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert [e["id"] for e in client.get("/api/v1/encounters", headers=gh).json()] == [eid]
    assert client.get(f"/api/v1/encounters/{eid}", headers=gh).status_code == 200

    for who, h in others.items():
        for url in (f"/api/v1/encounters/{eid}", f"/api/v1/encounters/{eid}/call",
                    f"/api/v1/encounters/{eid}/messages",
                    f"/api/v1/encounters/{eid}/attachments", rx["pdf_url"]):
            r = client.get(url, headers=h)
            assert r.status_code == 404, (who, url, r.status_code)
            assert r.json()["code"] == "not_found", (who, url)
    assert client.get("/api/v1/encounters", headers=oh).json() == []
    # every refusal left a trace, under the child's record
    for entity in ("Encounter", "MedicationRequest", "EncounterAttachment"):
        assert _denied(db_url, entity, child), entity
