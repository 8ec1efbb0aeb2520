"""Teleconsultation beyond voice and video, through the HTTP API (SQLite and PostgreSQL):
the specialty chosen in the queue routes the patient to a doctor of that specialty;
files are typed by their content, size-limited, stored outside the web root and shown
only to the consultation's parties (audited); the call's chat is kept with the
encounter, relayed live over the room's websocket and never rendered as HTML."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from websockets.sync.client import connect as ws_connect

from oasis.care.accounts import service as accounts
from oasis.care.audit.models import AuditEvent
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling.models import Slot
from oasis.care.sites import service as sites
from oasis.care.teleconsult import exchanges
from oasis.care.teleconsult.models import EncounterAttachment, EncounterMessage
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, login, make_practice, signup
from tests.factories.teleexpertise import pdf_bytes, png_bytes

XSS = "<script>alert('x')</script> & <b>gras</b>"


@pytest.fixture
def world(db_url):
    """A teleconsulting GP and dermatologist, a second GP (not a party), two ETT nurses
    (one at the patient's ETT), a coordinator; their accounts."""
    s = session_factory(db_url)()
    _, gp, _ = make_practice(s, rpps_seed=41)
    _, derm, _ = make_practice(s, rpps_seed=42, specialty="dermatologue")
    _, other_gp, _ = make_practice(s, rpps_seed=43)
    _, cardio, cardio_sched = make_practice(s, rpps_seed=44, specialty="cardiologue",
                                            mode="video")
    ett = sites.create_location(s, name="ETT de Luzy", kind="ett", commune_code="58149",
                                nurse_present=True,
                                hours=[(d, time(0), time(23, 59)) for d in range(7)])
    ett2 = sites.create_location(s, name="ETT de Decize", kind="ett", commune_code="58095",
                                 nurse_present=True)
    nurse = people.create_staff(s, kind="nurse", family_name="Petit", given_name="Anne",
                                location_id=ett.id)
    nurse2 = people.create_staff(s, kind="nurse", family_name="Roux", given_name="Lise",
                                 location_id=ett2.id)
    coord = people.create_staff(s, kind="coordinator", family_name="Roy", given_name="Lea")
    for email, kw in (("gp@t.fr", {"role": "practitioner", "practitioner_id": gp.id}),
                      ("derm@t.fr", {"role": "practitioner", "practitioner_id": derm.id}),
                      ("gp2@t.fr", {"role": "practitioner", "practitioner_id": other_gp.id}),
                      ("nurse@t.fr", {"role": "nurse", "staff_id": nurse.id}),
                      ("nurse2@t.fr", {"role": "nurse", "staff_id": nurse2.id}),
                      ("coord@t.fr", {"role": "coordinator", "staff_id": coord.id})):
        accounts.create_account(s, email=email, password=PASSWORD, display_name=email, **kw)
    s.commit()
    ids = {"gp": gp.id, "derm": derm.id, "cardio": cardio.id, "cardio_sched": cardio_sched.id,
           "cardio_site": cardio_sched.location_id}
    s.close()
    return ids


@pytest.fixture
def client(db_url, world, tmp_path):
    app = create_app(Settings(database_url=db_url, secret_key="test-secret",
                              attachments_dir=tmp_path / "pj"))
    with TestClient(app) as c:
        yield c


def patient(client, email="jeanne@t.fr", given="Jeanne") -> tuple[dict, dict, str]:
    body = {"email": email, "password": PASSWORD, "family_name": "Durand",
            "given_name": given, "birth_date": "1950-03-02", "commune_code": "58194"}
    me, token = signup(client, body)
    return me, {"Authorization": f"Bearer {token}"}, token


def join(client, headers, specialty="generaliste"):
    return client.post("/api/v1/teleconsult/queue", headers=headers,
                       json={"reason": "Plaque rouge sur le bras", "specialty": specialty})


def on_duty(client, headers):
    r = client.put("/api/v1/teleconsult/presence", headers=headers, json={"status": "available"})
    assert r.status_code == 200, r.text


def upload(client, headers, path, name, data, declared="application/octet-stream"):
    return client.post(path, headers=headers, files={"file": (name, data, declared)})


def audit(db_url, entity, outcome=None, action="read") -> list[AuditEvent]:
    with session_factory(db_url)() as s:
        stmt = select(AuditEvent).where(AuditEvent.entity_type == entity,
                                        AuditEvent.action == action)
        if outcome:
            stmt = stmt.where(AuditEvent.outcome == outcome)
        return list(s.scalars(stmt))


def stored_files(client) -> int:
    root = client.app.state.settings.attachments_dir
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


# ------------------------------------------------------------------------- specialties
def test_a_specialty_is_offered_only_while_its_doctor_is_there(client, world, db_url):
    _, ph, _ = patient(client)
    offered = client.get("/api/v1/teleconsult/specialties").json()
    assert offered["general"]["code"] == "generaliste"
    assert offered["specialties"] == []
    assert offered["message"] == "Aucun spécialiste disponible pour le moment"
    r = join(client, ph, "dermatologue")
    assert r.status_code == 422 and r.json()["code"] == "specialty_unavailable"
    assert "aucun spécialiste disponible pour le moment" in r.json()["detail"]
    assert join(client, ph, "pas-une-specialite").json()["code"] == "invalid_specialty"

    derm = login(client, "derm@t.fr")
    on_duty(client, derm)
    assert [s["code"] for s in client.get("/api/v1/teleconsult/specialties").json()[
        "specialties"]] == ["dermatologue"]
    r = join(client, ph, "dermatologue")
    assert r.status_code == 201, r.text
    # The price before the call is the specialist's (same engine as the closing).
    assert r.json()["entry"]["specialty"] == "dermatologue"
    assert r.json()["reimbursement"]["act_code"]

    # A GP on duty does not take a dermatology request; the dermatologist does.
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    r = client.post("/api/v1/teleconsult/queue/next", headers=gp)
    assert r.status_code == 404 and r.json()["code"] == "queue_empty"
    r = client.post("/api/v1/teleconsult/queue/next", headers=derm)
    assert r.status_code == 201 and r.json()["encounter"]["practitioner_id"] == world["derm"]


def test_a_free_video_slot_now_offers_the_specialty(client, world, db_url):
    now = utcnow()
    with session_factory(db_url)() as s:
        s.add(Slot(schedule_id=world["cardio_sched"], practitioner_id=world["cardio"],
                   location_id=world["cardio_site"], mode="video", specialty="cardiologue",
                   start_at=now - timedelta(minutes=5), end_at=now + timedelta(minutes=15)))
        s.commit()
    codes = [s["code"] for s in client.get("/api/v1/teleconsult/specialties").json()[
        "specialties"]]
    assert codes == ["cardiologue"]


def test_slots_later_than_the_horizon_offer_nothing(session, world):
    from oasis.care.teleconsult.queue import VIDEO_HORIZON, available_specialties

    now = utcnow()
    session.add(Slot(schedule_id=world["cardio_sched"], practitioner_id=world["cardio"],
                     location_id=world["cardio_site"], mode="video", specialty="cardiologue",
                     start_at=now + VIDEO_HORIZON + timedelta(minutes=1),
                     end_at=now + VIDEO_HORIZON + timedelta(minutes=21)))
    session.flush()
    assert available_specialties(session, now) == []
    assert available_specialties(session, now + timedelta(minutes=2)) == ["cardiologue"]


# ------------------------------------------------------------------------------ files
def test_files_typed_by_content_limited_and_only_for_the_parties(client, world, db_url):
    me, ph, _ = patient(client)
    other, oh, _ = patient(client, "paul@t.fr", "Paul")
    r = join(client, ph)
    entry_id = r.json()["entry"]["entry_id"]
    path = f"/api/v1/teleconsult/queue/{entry_id}/attachments"

    # A PNG called .pdf and declared as a PDF is stored as what it is: a PNG.
    r = upload(client, ph, path, "ordonnance.pdf", png_bytes(), "application/pdf")
    assert r.status_code == 201, r.text
    png = r.json()
    assert png["content_type"] == "image/png" and png["filename"] == "ordonnance.pdf"
    # An executable or an HTML page called .jpg is refused, in French, nothing stored.
    for name, data in (("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
                       ("photo.jpg", b"<html><script>alert(1)</script></html>")):
        r = upload(client, ph, path, name, data, "image/jpeg")
        assert r.status_code == 422 and r.json()["code"] == "attachment_type", r.text
        assert "ni une image JPEG ou PNG ni un PDF" in r.json()["detail"]
    # A file over the limit (10 Mio): 413, its own code, nothing stored.
    big = png_bytes() + b"\x00" * exchanges.MAX_BYTES
    r = upload(client, ph, path, "grande.png", big, "image/png")
    assert r.status_code == 413 and r.json()["code"] == "attachment_too_large", r.text
    assert "taille maximale de 10 Mo" in r.json()["detail"]
    assert stored_files(client) == 1
    # Someone else's queue entry: the 404 of a missing one.
    assert upload(client, oh, path, "x.png", png_bytes()).status_code == 404

    # The GP takes the patient: the file sent while waiting is the consultation's.
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    eid = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()["encounter"]["id"]
    r = upload(client, gp, f"/api/v1/encounters/{eid}/attachments", "conseils.pdf",
               pdf_bytes(), "application/pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf", r.text
    listed = client.get(f"/api/v1/encounters/{eid}/attachments", headers=ph).json()
    assert [a["content_type"] for a in listed] == ["image/png", "application/pdf"]

    # Served to the parties with the type found, a disposition and nosniff.
    r = client.get(png["url"], headers=ph)
    assert r.status_code == 200 and r.content == png_bytes()
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith('inline; filename="ordonnance.png"')
    pdf = client.get(listed[1]["url"], headers=gp)
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert client.get(png["url"], headers=gp).status_code == 200
    # Everyone else: 404 — another doctor, a nurse, another patient, a coordinator.
    reads_before = len(audit(db_url, "EncounterAttachment", "success"))
    for email in ("gp2@t.fr", "derm@t.fr", "nurse@t.fr", "coord@t.fr"):
        h = login(client, email)
        assert client.get(png["url"], headers=h).status_code == 404, email
        assert client.get(f"/api/v1/encounters/{eid}/attachments",
                          headers=h).status_code == 404, email
    assert client.get(png["url"], headers=oh).status_code == 404
    assert client.get("/api/v1/teleconsult/attachments/999999", headers=ph).status_code == 404
    # Every read audited, refusals too.
    assert len(audit(db_url, "EncounterAttachment", "success")) == reads_before
    assert len(audit(db_url, "EncounterAttachment", "denied")) == 6
    assert {e.patient_id for e in audit(db_url, "EncounterAttachment", "success")} == {me["id"]}
    assert len(audit(db_url, "EncounterAttachment", "success", action="create")) == 2
    # The store is outside the web root.
    root = client.app.state.settings.attachments_dir
    assert not str(root.resolve()).startswith(str(client.app.state.settings.data_dir))
    assert other["id"] != me["id"]


def test_the_ett_nurse_of_the_session_is_a_party(client, world, db_url):
    nurse, nurse2 = login(client, "nurse@t.fr"), login(client, "nurse2@t.fr")
    r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "Plaie", "mode": "ett",
        "new_patient": {"family_name": "Morel", "given_name": "Louis",
                        "birth_date": "1948-07-14", "commune_code": "58149"}})
    assert r.status_code == 201, r.text
    entry_id = r.json()["entry"]["entry_id"]
    r = upload(client, nurse, f"/api/v1/teleconsult/queue/{entry_id}/attachments",
               "plaie.png", png_bytes(), "image/png")
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    assert client.get(url, headers=nurse).status_code == 200
    assert client.get(url, headers=nurse2).status_code == 404
    assert upload(client, nurse2, f"/api/v1/teleconsult/queue/{entry_id}/attachments",
                  "x.png", png_bytes()).status_code == 404


# ------------------------------------------------------------------------------- chat
def test_chat_kept_escaped_and_delivered_live(client, world, db_url):
    me, ph, _ = patient(client)
    join(client, ph)
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    out = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()
    eid, dcall = out["encounter"]["id"], out["call"]
    pcall = client.get(f"/api/v1/encounters/{eid}/call", headers=ph).json()

    with LiveServer(create_app(client.app.state.settings)) as server:
        def room(call):
            return ws_connect(f"{server.ws_url}/ws/visio/{call['room']}?token={call['token']}")

        with room(pcall) as pws, room(dcall) as dws:
            assert json.loads(pws.recv(timeout=10))["type"] == "welcome"
            assert json.loads(dws.recv(timeout=10))["type"] == "welcome"
            pws.send(json.dumps({"type": "chat", "text": "  " + XSS + "\x07 "}))

            def next_chat(ws):
                while True:
                    m = json.loads(ws.recv(timeout=10))
                    if m["type"] == "chat":
                        return m

            echo, seen = next_chat(pws), next_chat(dws)
            assert echo["text"] == seen["text"] == XSS  # kept as typed, control char gone
            assert seen["from"]["role"] == "patient"
            dws.send(json.dumps({"type": "chat", "text": "Envoyez-moi une photo."}))
            assert next_chat(pws)["text"] == "Envoyez-moi une photo."
            # Too long, empty: refused, in French, and not kept.
            pws.send(json.dumps({"type": "chat", "text": "x" * (exchanges.MAX_MESSAGE + 1)}))
            refused = json.loads(pws.recv(timeout=10))
            assert refused["type"] == "error" and refused["code"] == "invalid-chat"
            assert "trop long" in refused["message"]
            # A file sent through the API is announced in the room, live.
            r = upload(client, ph, f"/api/v1/encounters/{eid}/attachments", "bras.png",
                       png_bytes(), "image/png")
            assert r.status_code == 201, r.text
        # The in-process hub of the TestClient app and the live server's are distinct:
        # the REST announcement reaches sockets of its own worker (Redis joins workers).
        with room(dcall) as late:
            welcome = json.loads(late.recv(timeout=10))
            texts = [m["text"] for m in welcome["chat"]]
            assert texts == [XSS, "Envoyez-moi une photo.", ""]
            assert welcome["chat"][2]["attachment"]["content_type"] == "image/png"

    rows = client.get(f"/api/v1/encounters/{eid}/messages", headers=gp).json()
    assert [m["text"] for m in rows][:2] == [XSS, "Envoyez-moi une photo."]
    assert client.get(f"/api/v1/encounters/{eid}/messages",
                      headers=login(client, "gp2@t.fr")).status_code == 404
    r = client.post(f"/api/v1/encounters/{eid}/messages", headers=ph,
                    json={"text": "x" * (exchanges.MAX_MESSAGE + 1)})
    assert r.status_code == 422
    assert client.post(f"/api/v1/encounters/{eid}/messages", headers=ph,
                       json={"text": "Merci"}).status_code == 201
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count()).select_from(EncounterMessage)) == 4
        assert s.scalar(select(func.count()).select_from(EncounterAttachment)) == 1
    assert len(audit(db_url, "EncounterMessage", action="create")) == 3

    # The doctor's record shows the chat afterwards, escaped (no stored XSS).
    client.cookies.clear()
    r = client.post("/api/v1/auth/login", data={"email": "gp@t.fr", "password": PASSWORD},
                    headers={"Origin": str(client.base_url).rstrip("/")})
    assert r.status_code in (200, 204, 303), r.text
    page = client.get(f"/pro/consultation/{eid}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" \
        in page.text
    assert "<script>alert(" not in page.text and "bras.png" in page.text
    assert me["id"]


def test_chat_over_redis_reaches_the_other_worker(db_url, world, tmp_path):
    """Two app workers joined by Redis: a line typed on one shows on the other."""
    import os

    redis_url = os.environ.get("OASIS_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("OASIS_TEST_REDIS_URL not set")
    settings = Settings(database_url=db_url, secret_key="test-secret", redis_url=redis_url,
                        attachments_dir=tmp_path / "pj")
    with TestClient(create_app(settings)) as client:
        _, ph, _ = patient(client)
        join(client, ph)
        gp = login(client, "gp@t.fr")
        on_duty(client, gp)
        out = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()
        eid, dcall = out["encounter"]["id"], out["call"]
        pcall = client.get(f"/api/v1/encounters/{eid}/call", headers=ph).json()
        p_path = f"/ws/visio/{pcall['room']}?token={pcall['token']}"
        d_path = f"/ws/visio/{dcall['room']}?token={dcall['token']}"
        with LiveServer(create_app(settings)) as a, LiveServer(create_app(settings)) as b, \
                ws_connect(a.ws_url + p_path) as pws, ws_connect(b.ws_url + d_path) as dws:
            json.loads(pws.recv(timeout=10))
            json.loads(dws.recv(timeout=10))
            pws.send(json.dumps({"type": "chat", "text": "Bonjour docteur"}))
            while (m := json.loads(dws.recv(timeout=10)))["type"] != "chat":
                pass
            assert m["text"] == "Bonjour docteur"


def test_clean_text_rules():
    from oasis.care.core.errors import Invalid

    assert exchanges.clean_text(" a\x00b\u200bc\nd\t ") == "abc\nd"
    for bad in ("", "   ", "\x07", None, 3, "x" * (exchanges.MAX_MESSAGE + 1)):
        with pytest.raises(Invalid):
            exchanges.clean_text(bad)
    assert len(exchanges.clean_text("é" * exchanges.MAX_MESSAGE)) == exchanges.MAX_MESSAGE


# ---------------------------------------------------------------------------- summary
def test_end_of_call_summary_for_the_patient_only(client, world, db_url):
    _, ph, _ = patient(client)
    join(client, ph)
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    eid = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()["encounter"]["id"]
    upload(client, ph, f"/api/v1/encounters/{eid}/attachments", "bras.png", png_bytes())
    rx = client.post(f"/api/v1/encounters/{eid}/prescriptions", headers=gp, json={
        "lines": [{"name": "Paracétamol 500 mg", "dosage": "1 comprimé 3 fois par jour",
                   "duration": "3 jours"}]}).json()
    closed = client.post(f"/api/v1/encounters/{eid}/close", headers=gp, json={})
    assert closed.status_code == 200, closed.text
    st = closed.json()["statement"]

    def page_as(email):
        client.cookies.clear()
        r = client.post("/api/v1/auth/login", data={"email": email, "password": PASSWORD},
                        headers={"Origin": str(client.base_url).rstrip("/")})
        assert r.status_code in (200, 204, 303), r.text
        return client.get(f"/teleconsultation/{eid}/recapitulatif", follow_redirects=False)

    r = page_as("jeanne@t.fr")
    assert r.status_code == 200
    assert f"/api/v1/prescriptions/{rx['id']}/pdf" in r.text and "Paracétamol" in r.text
    assert "bras.png" in r.text and "Ce que vous payez" in r.text
    euros = f"{st['patient_cents'] // 100},{st['patient_cents'] % 100:02d}"
    assert euros in r.text
    # « Mes consultations » links to it.
    assert f"/teleconsultation/{eid}/recapitulatif" in client.get("/mes-consultations").text
    for email in ("gp2@t.fr", "coord@t.fr", "nurse@t.fr"):
        assert page_as(email).status_code == 404, email
    client.cookies.clear()
    assert client.get(f"/teleconsultation/{eid}/recapitulatif",
                      follow_redirects=False).status_code == 303
