"""Téléexpertise and SAS through the HTTP API (SQLite and PostgreSQL): multipart request
with a photo, 404 for non-parties on the request, its attachment and its answer, 422 and
nothing stored for bad files, the answer's acts, booking; SAS publish → regulator books."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from oasis.care.accounts import service as accounts
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.networks.models import SasReservation
from oasis.care.people import service as people
from oasis.care.scheduling.models import Slot
from oasis.care.teleexpertise.models import ExpertiseAttachment, ExpertiseRequest
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.care import PASSWORD, login
from tests.factories.teleexpertise import make_world, pdf_bytes, png_bytes


@pytest.fixture
def setup(db_url, tmp_path):
    s = session_factory(db_url)()
    w = make_world(s, accounts_too=True)
    reg = people.create_staff(s, kind="coordinator", family_name="Sas", given_name="Régis")
    accounts.create_account(s, email="regul@test.fr", password=PASSWORD, role="regulator",
                            display_name="Régulateur", staff_id=reg.id)
    accounts.create_account(s, email="coord@test.fr", password=PASSWORD, role="coordinator",
                            display_name="Coordination")
    s.commit()
    ids = {"patient": w.patient.id, "derm": w.derm.id, "network": w.network_id}
    s.close()
    store = tmp_path / "pj"
    app = create_app(Settings(database_url=db_url, secret_key="t", attachments_dir=store,
                              attachment_max_bytes=50_000))
    with TestClient(app) as client:
        yield client, ids, store, db_url


def _count(db_url, model) -> int:
    s = session_factory(db_url)()
    try:
        return s.scalar(select(func.count(model.id)))
    finally:
        s.close()


def _send(client, h, ids, files):
    return client.post("/api/v1/teleexpertises", headers=h, data={
        "patient_id": ids["patient"], "specialty": "dermatologue", "consent": "true",
        "question": "Lésion du dos qui change ?"}, files=files)


def test_api_journey_and_non_party_404(setup):
    client, ids, store, _db_url = setup
    gp, derm, other, pat = (login(client, e) for e in
                            ("gp@test.fr", "derm@test.fr", "autre@test.fr", "patient@test.fr"))
    r = _send(client, gp, ids, [("files", ("lesion.png", png_bytes(), "image/png")),
                                ("files", ("ecg.pdf", pdf_bytes(), "application/pdf"))])
    assert r.status_code == 201, r.text
    req = r.json()
    rid, att = req["id"], req["attachments"][0]["id"]
    assert req["resourceType"] == "CommunicationRequest" and len(req["attachments"]) == 2
    queue = client.get("/api/v1/teleexpertises/file", headers=derm).json()
    assert [line["request"]["id"] for line in queue] == [rid]
    assert 167 <= queue[0]["hours_left"] <= 168
    r = client.post(f"/api/v1/teleexpertises/{rid}/avis", headers=derm, json={
        "text": "À examiner au cabinet.", "recommendation": "in_person"})
    assert r.status_code == 200 and r.json()["recommendation"] == "in_person"
    acts = client.get(f"/api/v1/teleexpertises/{rid}/actes", headers=gp).json()
    assert {a["code"]: a["amount_cents"] for a in acts} == {"TE2": 2300, "RQD": 1000}
    got = client.get(f"/api/v1/teleexpertises/{rid}/pieces/{att}", headers=pat)
    assert got.status_code == 200 and got.content == png_bytes()
    assert got.headers["content-type"] == "image/png"
    coord = login(client, "coord@test.fr")
    for who in (other, coord):
        for path in (f"/{rid}", f"/{rid}/pieces/{att}", f"/{rid}/creneaux"):
            r = client.get(f"/api/v1/teleexpertises{path}", headers=who)
            assert r.status_code == 404 and r.json()["code"] == "not_found", path
    options = client.get(f"/api/v1/teleexpertises/{rid}/creneaux", headers=pat).json()
    assert options and options[0]["practitioner_id"] == ids["derm"]
    r = client.post(f"/api/v1/teleexpertises/{rid}/rendez-vous", headers=pat,
                    json={"slot_id": options[0]["slots"][0]["slot_id"]})
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/teleexpertises/{rid}", headers=pat).json()[
        "appointment_id"] == r.json()["appointment_id"]
    # Static files never expose the store.
    assert not str(store).startswith(str(client.app.state.settings.data_dir))


@pytest.mark.parametrize("name,data,code", [
    ("x.png", b"\x89PNG\r\n\x1a\nnot really", "attachment_corrupt"),
    ("x.exe", b"MZ\x90\x00", "attachment_type"),
    ("big.png", None, "attachment_too_large"),
])
def test_api_bad_files_422_nothing_stored(setup, name, data, code):
    client, ids, store, db_url = setup
    gp = login(client, "gp@test.fr")
    data = png_bytes((400, 400)) + b"\x00" * 60_000 if data is None else data
    r = _send(client, gp, ids, [("files", ("ok.png", png_bytes(), "image/png")),
                                ("files", (name, data, "image/png"))])
    assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert isinstance(r.json()["detail"], str)
    assert _count(db_url, ExpertiseRequest) == 0 and _count(db_url, ExpertiseAttachment) == 0
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))


def test_sas_publish_and_regulator_books(setup):
    client, ids, _store, db_url = setup
    s = session_factory(db_url)()
    soon = s.scalars(select(Slot).where(Slot.practitioner_id == ids["derm"],
                                        Slot.start_at > utcnow(),
                                        Slot.start_at <= utcnow() + timedelta(hours=48))
                     .order_by(Slot.start_at).limit(2)).all()
    later = s.scalar(select(Slot).where(Slot.practitioner_id == ids["derm"],
                                        Slot.start_at > utcnow() + timedelta(hours=49)))
    location = later.location_id
    s.close()
    derm = login(client, "derm@test.fr")
    r = client.post("/api/v1/sas/creneaux", headers=derm,
                    json={"location_id": location, "slot_ids": [later.id]})
    assert r.status_code == 422 and r.json()["code"] == "sas_horizon"
    if not soon:
        pytest.skip("no slot in the next 48 h at this time of the week")
    r = client.post("/api/v1/sas/creneaux", headers=derm,
                    json={"location_id": location, "slot_ids": [x.id for x in soon]})
    assert r.status_code == 201, r.text
    reg = login(client, "regul@test.fr")
    assert client.get("/api/v1/sas/creneaux", headers=derm).status_code == 403
    listed = client.get("/api/v1/sas/creneaux", headers=reg).json()
    assert [x["slot_id"] for x in listed] == [x.id for x in soon]
    r = client.post(f"/api/v1/sas/creneaux/{listed[0]['id']}/rendez-vous", headers=reg, json={
        "family_name": "Appelant", "given_name": "Paul", "birth_date": "1970-01-01",
        "commune_code": "58194"})
    assert r.status_code == 201, r.text
    again = client.post(f"/api/v1/sas/creneaux/{listed[0]['id']}/rendez-vous", headers=reg,
                        json={"family_name": "Autre", "given_name": "A",
                              "birth_date": "1980-01-01", "commune_code": "58194"})
    assert again.status_code == 409
    coord = login(client, "coord@test.fr")
    start = (utcnow() - timedelta(hours=1)).isoformat()
    end = (utcnow() + timedelta(hours=49)).isoformat()
    p = client.get("/api/v1/sas/participation", headers=coord,
                   params={"location_id": location, "start": start, "end": end}).json()
    assert (p["published_slots"], p["booked_slots"], p["participates"]) == (len(soon), 1, True)
    assert _count(db_url, SasReservation) == len(soon)


def test_fhir_resources_parties_only(setup):
    client, ids, _store, _db_url = setup
    gp, derm, other = (login(client, e) for e in ("gp@test.fr", "derm@test.fr", "autre@test.fr"))
    req = _send(client, gp, ids, [("files", ("lesion.png", png_bytes(), "image/png"))]).json()
    rid, att = req["id"], req["attachments"][0]["id"]
    assert client.get(f"/fhir/Communication/{rid}", headers=gp).status_code == 404  # no answer
    client.post(f"/api/v1/teleexpertises/{rid}/avis", headers=derm,
                json={"text": "Bénin.", "recommendation": "none"})
    cr = client.get(f"/fhir/CommunicationRequest/{rid}", headers=gp).json()
    assert (cr["resourceType"], cr["status"]) == ("CommunicationRequest", "completed")
    assert cr["payload"][-1]["contentReference"]["reference"] == f"DocumentReference/{att}"
    answer = client.get(f"/fhir/Communication/{rid}", headers=gp).json()
    assert answer["basedOn"] == [{"reference": f"CommunicationRequest/{rid}"}]
    assert answer["reasonCode"][0]["coding"][0]["code"] == "none"
    doc = client.get(f"/fhir/DocumentReference/{att}", headers=derm).json()
    assert doc["content"][0]["attachment"]["contentType"] == "image/png"
    for path in (f"CommunicationRequest/{rid}", f"Communication/{rid}",
                 f"DocumentReference/{att}"):
        r = client.get(f"/fhir/{path}", headers=other)
        assert r.status_code == 404 and r.json()["resourceType"] == "OperationOutcome", path
    mine = client.get("/fhir/DocumentReference", headers=gp).json()
    assert [e["resource"]["id"] for e in mine["entry"]] == [str(att)]
    assert "entry" not in client.get("/fhir/CommunicationRequest", headers=other).json()
    kinds = {r["type"] for r in client.get("/fhir/metadata").json()["rest"][0]["resource"]}
    assert {"CommunicationRequest", "Communication", "DocumentReference"} <= kinds


def big_png(min_bytes: int = 2 * 1024 * 1024) -> bytes:
    """A real PNG of at least ``min_bytes`` (seeded noise does not compress)."""
    import io
    import random

    from PIL import Image

    side = int((min_bytes / 3) ** 0.5) + 8
    noise = random.Random(7).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) >= min_bytes
    return data


def test_uploads_over_1_mib_reach_the_routes(db_url, tmp_path):
    """A 2 MiB photo passes the global 1 MiB body limit on the téléexpertise upload
    routes (the request, its added pieces), like teleconsultation uploads; a body over
    the attachment allowance is still refused before routing, and other routes keep the
    1 MiB limit."""
    from oasis.web.kit.limits import MAX_BODY_BYTES, UPLOAD_MAX_BODY_BYTES

    s = session_factory(db_url)()
    w = make_world(s, accounts_too=True)
    s.commit()
    ids = {"patient": w.patient.id}
    s.close()
    photo = big_png()
    app = create_app(Settings(database_url=db_url, secret_key="t",
                              attachments_dir=tmp_path / "pj"))
    with TestClient(app) as client:
        gp = login(client, "gp@test.fr")
        r = _send(client, gp, ids, [("files", ("dos.png", photo, "image/png"))])
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert r.json()["attachments"][0]["size_bytes"] == len(photo)
        more = client.post(f"/api/v1/teleexpertises/{rid}/pieces", headers=gp,
                           files=[("files", ("dos-2.png", photo, "image/png"))])
        assert more.status_code == 201, more.text
        huge = client.post(f"/api/v1/teleexpertises/{rid}/pieces", headers=gp,
                           files=[("files", ("x.png", b"\0" * UPLOAD_MAX_BODY_BYTES,
                                             "image/png"))])
        assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
        answer = client.post(f"/api/v1/teleexpertises/{rid}/avis", headers={
            **gp, "Content-Type": "application/json"}, content=b" " * (MAX_BODY_BYTES + 1))
        assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    assert _count(db_url, ExpertiseAttachment) == 2
