"""Issue 16, access and sessions: the authorisation matrix and one test per access hole.

The matrix signs in every kind of actor (anonymous, patient A, patient B, the doctor who
treats A, another doctor, a nurse of another site, a coordinator, an admin) and probes
every resource of patient A.  Whoever may not see it must get exactly the answer of a
missing id (status and body): existence never leaks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from oasis.care.accounts import service as accounts
from oasis.care.accounts import throttle
from oasis.care.accounts.models import Account, ThrottleCounter
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.core.errors import TooManyAttempts
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.care.sites import service as sites
from oasis.care.teleconsult import prescriptions, queue
from oasis.config import MissingSecret, Settings, require_secret
from oasis.territory.supply import rpps_with_check_digit
from oasis.web.app import create_app
from oasis.web.kit.rooms import issue_token
from tests.factories.care import PASSWORD, link_secret, login, make_patient, make_practice

ORIGIN = {"Origin": "http://testserver"}
RPPS_1, RPPS_2 = rpps_with_check_digit("0000000777"), rpps_with_check_digit("0000000778")
ACTORS = ("anonymous", "patient_a", "patient_b", "doctor_a", "doctor_other", "nurse_other",
          "coordinator", "admin")


@pytest.fixture
def world(db_url):
    s = session_factory(db_url)()
    _, doc_a, sched = make_practice(s, rpps_seed=21)
    _, doc_o, _ = make_practice(s, rpps_seed=22, commune="58303")
    scheduling.generate_slots(s, sched.id, days=10)
    ett = sites.create_location(s, name="ETT de Saint-Saulge", kind="ett", commune_code="58303")
    nurse = people.create_staff(s, kind="nurse", family_name="Blanc", given_name="Inès",
                                location_id=ett.id)
    coord = people.create_staff(s, kind="coordinator", family_name="Roy", given_name="Léa")
    pa, pb = make_patient(s, name="Alpha"), make_patient(s, name="Bravo")
    for email, role, link in [
            ("pa@t.fr", "patient", {"patient_id": pa.id}),
            ("pb@t.fr", "patient", {"patient_id": pb.id}),
            ("doca@t.fr", "practitioner", {"practitioner_id": doc_a.id}),
            ("doco@t.fr", "practitioner", {"practitioner_id": doc_o.id}),
            ("nurse@t.fr", "nurse", {"staff_id": nurse.id}),
            ("coord@t.fr", "coordinator", {"staff_id": coord.id}),
            ("admin@t.fr", "admin", {})]:
        accounts.create_account(s, email=email, password=PASSWORD, role=role,
                                display_name=email, **link)
    slots = s.scalars(select(Slot).where(Slot.status == "free").order_by(Slot.start_at)
                      .limit(3)).all()
    appointment = booking.book(s, Actor.system(), slot_id=slots[0].id, patient_id=pa.id)
    entry = booking.join_waitlist(s, Actor.system(), patient_id=pa.id, specialty="generaliste")
    doc_actor = Actor(account_id=None, role="practitioner", practitioner_id=doc_a.id)
    queue.set_presence(s, doc_actor, "available")
    qentry = queue.join(s, Actor(account_id=None, role="patient", patient_id=pa.id),
                        patient_id=pa.id, reason="Toux depuis trois jours")
    encounter = queue.take_next(s, doc_actor)
    rx = prescriptions.issue(s, doc_actor, encounter.id, [
        {"name": "Paracétamol 1 g", "dosage": "1 comprimé 3 fois par jour",
         "duration": "5 jours"}])
    s.commit()
    ids = {"patient": pa.id, "patient_b": pb.id, "appointment": appointment.id,
           "waitlist": entry.id, "queue": qentry.id, "encounter": encounter.id, "rx": rx.id,
           "room": encounter.room, "ett": ett.id, "slot2": slots[1].id}
    s.close()
    return ids


@pytest.fixture
def app(db_url, world):
    return create_app(Settings(database_url=db_url, secret_key="security-secret"))


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


EMAILS = {"patient_a": "pa@t.fr", "patient_b": "pb@t.fr", "doctor_a": "doca@t.fr",
          "doctor_other": "doco@t.fr", "nurse_other": "nurse@t.fr",
          "coordinator": "coord@t.fr", "admin": "admin@t.fr"}


@pytest.fixture
def headers(client) -> dict[str, dict]:
    out = {"anonymous": {}}
    for actor, email in EMAILS.items():
        out[actor] = login(client, email)
    return out


# ------------------------------------------------------------------ the matrix
MISSING_RX = "ORD-AAAA-BBBB-CCCC-DDDD"
# method, path, key of the world id, missing id, who may (everybody else: as if missing)
READS = [
    ("GET", "/api/v1/patients/{}", "patient", 999999, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/appointments/{}", "appointment", 999999, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/encounters/{}", "encounter", 999999, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/encounters/{}/call", "encounter", 999999, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/prescriptions/{}", "rx", MISSING_RX, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/prescriptions/{}/pdf", "rx", MISSING_RX, {"patient_a", "doctor_a"}),
    ("GET", "/api/v1/teleconsult/queue/{}", "queue", 999999, {"patient_a", "doctor_a"}),
    ("POST", "/api/v1/waitlist/{}/decline", "waitlist", 999999, {"patient_a", "doctor_a"}),
]
# changes that succeed once: probed with the refused actors, then done by the patient
CHANGES = [
    ("DELETE", "/api/v1/waitlist/{}", "waitlist", 999999),
    ("POST", "/api/v1/appointments/{}/cancel", "appointment", 999999),
]


def answer(client, method, path, h):
    r = client.request(method, path, headers={**h, **ORIGIN})
    try:
        body = r.json()
    except ValueError:
        body = None
    return r.status_code, body


def test_matrix_cross_patient_and_non_party_access_is_a_missing_id(client, world, headers):
    checked = 0
    for method, path, key, missing, allowed in READS:
        for actor in ACTORS:
            got = answer(client, method, path.format(world[key]), headers[actor])
            if actor in allowed:
                assert got[0] not in (401, 403, 404), (method, path, actor, got)
            else:
                assert got[0] in (401, 404), (method, path, actor, got)
                assert got == answer(client, method, path.format(missing), headers[actor]), \
                    (method, path, actor)
            checked += 1
    for method, path, key, missing in CHANGES:
        for actor in ACTORS:
            if actor in ("patient_a", "doctor_a"):  # the patient, and her doctor
                continue
            got = answer(client, method, path.format(world[key]), headers[actor])
            assert got[0] in (401, 404), (method, path, actor, got)
            assert got == answer(client, method, path.format(missing), headers[actor])
            checked += 1
        status, _ = answer(client, method, path.format(world[key]), headers["patient_a"])
        assert status == 200, (method, path)
    assert checked == len(READS) * len(ACTORS) + len(CHANGES) * (len(ACTORS) - 2)


def test_matrix_exports_and_account_creation_are_for_managers(client, headers):
    params = {"month": date.today().strftime("%Y-%m"), "payer": "Assurance Maladie"}
    for actor in ACTORS:
        r = client.get("/api/v1/billing/export", params=params, headers=headers[actor])
        expected = {"anonymous": 401, "coordinator": 200, "admin": 200}.get(actor, 403)
        assert r.status_code == expected, (actor, r.text)
        r = client.post("/api/v1/practitioners", headers={**headers[actor], **ORIGIN}, json={
            "rpps": RPPS_1, "family_name": "X", "given_name": "Y"})
        if actor in ("coordinator", "admin"):
            assert r.status_code in (201, 409), r.text  # the second one: RPPS taken
        else:
            assert r.status_code == (401 if actor == "anonymous" else 403), (actor, r.text)


def test_matrix_queue_websocket_of_another_patient_is_a_missing_id(client, world, headers):
    def first_message(entry_id, actor):
        token = headers[actor].get("Authorization", " ").split(" ")[1]
        with client.websocket_connect(f"/ws/teleconsult/queue/{entry_id}?access_token="
                                      f"{token}") as ws:
            return ws.receive_json()

    assert "code" not in first_message(world["queue"], "patient_a")
    for actor in ("patient_b", "doctor_other", "nurse_other", "coordinator", "admin"):
        assert first_message(world["queue"], actor) == first_message(999999, actor), actor
        assert first_message(999999, actor)["code"] == "not_found"


# ------------------------------------------------------------------ 1. waiting list
def test_1_waitlist_entry_is_only_its_patients(client, world, headers, db_url):
    for actor in ("nurse_other", "coordinator", "admin", "doctor_other", "patient_b"):
        r = client.delete(f"/api/v1/waitlist/{world['waitlist']}",
                          headers={**headers[actor], **ORIGIN})
        assert r.status_code == 404 and r.json()["code"] == "not_found", actor
    r = client.delete(f"/api/v1/waitlist/{world['waitlist']}",
                      headers={**headers["patient_a"], **ORIGIN})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    from oasis.care.audit.models import AuditEvent

    with session_factory(db_url)() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "WaitlistEntry",
                                                    AuditEvent.outcome == "denied")).all()
    assert len(denied) == 5


# ------------------------------------------------------------------ 2. ETT identity
def test_2_ett_birth_date_guessing_is_throttled(client, world, headers, db_url):
    nurse = {**headers["nurse_other"], **ORIGIN}
    guess = date(1950, 1, 1)
    codes = []
    for i in range(throttle.ETT_NURSE.attempts + 1):
        r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
            "reason": "Fièvre", "mode": "ett", "patient_id": world["patient_b"],
            "patient_birth_date": (guess + timedelta(days=i)).isoformat()})
        codes.append(r.status_code)
    # 5 misses (the same 404 as an unknown patient), then 429 with Retry-After
    assert codes == [404] * throttle.ETT_NURSE.attempts + [429]
    assert 0 < int(r.headers["Retry-After"]) <= throttle.ETT_NURSE.window_s
    assert "Trop de vérifications" in r.json()["detail"]
    # even the right birth date is refused now: the throttle answers before checking
    r = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "Fièvre", "mode": "ett", "patient_id": world["patient_b"],
        "patient_birth_date": "1950-03-02"})
    assert r.status_code == 429
    # and the record stayed closed
    assert client.get(f"/api/v1/patients/{world['patient_b']}", headers=nurse).status_code \
        == 404


def test_2_ett_unknown_patient_and_wrong_birth_date_look_alike(client, world, headers):
    nurse = {**headers["nurse_other"], **ORIGIN}
    wrong = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "Fièvre", "mode": "ett", "patient_id": world["patient_b"],
        "patient_birth_date": "1999-01-01"})
    missing = client.post("/api/v1/teleconsult/queue", headers=nurse, json={
        "reason": "Fièvre", "mode": "ett", "patient_id": 999999,
        "patient_birth_date": "1999-01-01"})
    assert (wrong.status_code, wrong.json()) == (missing.status_code, missing.json())


# ------------------------------------------------------------------ 3. coordinators
def test_3_coordinator_cannot_choose_a_professionals_password(client, headers, db_url):
    coord = {**headers["coordinator"], **ORIGIN}
    r = client.post("/api/v1/practitioners", headers=coord, json={
        "rpps": RPPS_2, "family_name": "Faux", "given_name": "Doc",
        "email": "faux@t.fr", "password": "choisi-par-le-coordinateur"})
    assert r.status_code == 422 and r.json()["code"] == "password_not_allowed"
    r = client.post("/api/v1/practitioners", headers=coord, json={
        "rpps": RPPS_2, "family_name": "Vrai", "given_name": "Doc",
        "email": "vrai@t.fr"})
    assert r.status_code == 201, r.text
    # the account exists but nobody can sign in as it: no password was ever given
    with session_factory(db_url)() as s:
        account = s.scalar(select(Account).where(Account.email == "vrai@t.fr"))
        assert account is not None and not account.active
    r = client.post("/api/v1/auth/token", data={"username": "vrai@t.fr",
                                                "password": "choisi-par-le-coordinateur"})
    assert r.status_code == 401
    # the professional sets their own from the link sent to them
    secret = link_secret(db_url, "vrai@t.fr", "invitation")
    r = client.post("/api/v1/auth/invitation", json={"token": secret,
                                                     "password": "mon-propre-secret"})
    assert r.status_code == 200 and r.json()["role"] == "practitioner"
    assert client.post("/api/v1/auth/invitation", json={
        "token": secret, "password": "encore-une-fois"}).status_code == 404  # single use
    login(client, "vrai@t.fr", "mon-propre-secret")
    from oasis.care.audit.models import AuditEvent

    with session_factory(db_url)() as s:
        purposes = [e.purpose for e in s.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == "Account"))]
    assert any(p.startswith(f"invitation d'un professionnel (RPPS {RPPS_2})")
               for p in purposes)


# ------------------------------------------------------------------ 4. default secret
def test_4_no_secret_no_server_outside_development(tmp_path):
    with pytest.raises(MissingSecret, match="OASIS_SECRET_KEY"):
        require_secret(Settings(secret_key="", env="production"))
    with pytest.raises(MissingSecret, match="valeur publique"):
        create_app(Settings(secret_key="dev-only-change-me",
                            database_url=f"sqlite:///{tmp_path}/x.db"))
    dev = Settings(secret_key="", env="development", database_url=f"sqlite:///{tmp_path}/x.db")
    first = require_secret(dev).secret_key
    secret_file = tmp_path / ".oasis-secret"
    assert len(first) >= 48 and secret_file.read_text().strip() == first
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert require_secret(dev).secret_key == first  # kept across restarts


def test_4_oasis_serve_refuses_to_start_without_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OASIS_SECRET")}
    env |= {"OASIS_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    done = subprocess.run([sys.executable, "-m", "oasis.commands.app", "serve", "--port", "1"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "OASIS_SECRET_KEY n'est pas défini" in done.stderr


def test_4_token_forged_with_the_old_default_is_refused(client, db_url):
    with session_factory(db_url)() as s:
        admin = s.scalar(select(Account).where(Account.email == "admin@t.fr"))
        forged = accounts.issue_token(admin, "dev-only-change-me")
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


# ------------------------------------------------------------------ 5. revocation
def test_5_sign_out_password_change_and_admin_revoke_end_sessions(client, headers, db_url):
    me = "/api/v1/auth/me"
    old = headers["patient_b"]
    r = client.post("/api/v1/auth/logout", headers=old)
    assert r.status_code == 204
    assert client.get(me, headers=old).json()["code"] == "token_revoked"
    # password change: the old token dies, the answer's new one works
    h = login(client, "pb@t.fr")
    r = client.post("/api/v1/auth/password", headers=h, json={
        "current_password": PASSWORD, "new_password": "un-nouveau-secret"})
    assert r.status_code == 200
    assert client.get(me, headers=h).status_code == 401
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get(me, headers=fresh).status_code == 200
    # an admin ends them (and may close the account)
    with session_factory(db_url)() as s:
        pb_id = s.scalar(select(Account.id).where(Account.email == "pb@t.fr"))
    r = client.post(f"/api/v1/auth/accounts/{pb_id}/revoke", headers=headers["coordinator"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/auth/accounts/{pb_id}/revoke?deactivate=true",
                    headers=headers["admin"])
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(me, headers=fresh).status_code == 401
    assert client.post("/api/v1/auth/token", data={
        "username": "pb@t.fr", "password": "un-nouveau-secret"}).status_code == 401


def test_5_revoked_patient_tokens_cannot_book(client, world, db_url):
    """The booking reads no account (the token is checked inside its statement): sign-out,
    password change and an admin's revocation must still stop it, on every answer."""
    book = "/api/v1/appointments"
    slots = [world["slot2"]]
    with session_factory(db_url)() as s:
        slots += s.scalars(select(Slot.id).where(Slot.status == "free", Slot.id != slots[0])
                           .order_by(Slot.start_at).limit(3)).all()
    old = login(client, "pb@t.fr")
    assert client.post("/api/v1/auth/logout", headers=old).status_code == 204
    for body in ({"slot_id": slots[0]}, {"slot_id": slots[0], "patient_id": world["patient"]},
                 {"slot_id": 999_999}):
        r = client.post(book, headers=old, json=body)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked", body
    h = login(client, "pb@t.fr")
    r = client.post("/api/v1/auth/password", headers=h, json={
        "current_password": PASSWORD, "new_password": "un-nouveau-secret"})
    assert client.post(book, headers=h, json={"slot_id": slots[0]}).status_code == 401
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.post(book, headers=fresh, json={"slot_id": slots[0]})
    assert r.status_code == 201 and r.json()["patient_id"] == world["patient_b"]
    with session_factory(db_url)() as s:
        pb_id = s.scalar(select(Account.id).where(Account.email == "pb@t.fr"))
    assert client.post(f"/api/v1/auth/accounts/{pb_id}/revoke",
                       headers=login(client, "admin@t.fr")).status_code == 200
    r = client.post(book, headers=fresh, json={"slot_id": slots[1]})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    with session_factory(db_url)() as s:  # nothing was claimed by the refused attempts
        assert s.scalar(select(Slot.status).where(Slot.id == slots[1])) == "free"


# ------------------------------------------------------------------ 6. CSRF
def test_6_cookie_state_changes_need_the_origin_or_the_token(app, world):
    from oasis.web.kit.csrf import csrf_token

    c = TestClient(app)
    assert c.post("/api/v1/auth/login", data={"email": "pa@t.fr", "password": PASSWORD}
                  ).status_code == 200
    cancel = f"/api/v1/appointments/{world['appointment']}/cancel"
    r = c.post(cancel)  # the cookie alone
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = c.post(cancel, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = c.post(cancel, headers={"Referer": "https://evil.example/page"})
    assert r.status_code == 403
    token = csrf_token("security-secret", c.cookies.get("oasis_session"))
    r = c.post(cancel, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # sign-in and sign-up forms posted from another site are refused as well
    anon = TestClient(app)
    for path in ("/connexion", "/inscription", "/api/v1/auth/logout"):
        r = anon.post(path, headers={"Origin": "https://evil.example"}, data={})
        assert r.status_code == 403 and r.json()["code"] == "csrf", path
    # a bearer API client is not a browser: no origin needed
    h = login(TestClient(app), "pa@t.fr")
    # (the cancelled slot was just offered to the waiting list: declining it succeeds)
    assert anon.post(f"/api/v1/waitlist/{world['waitlist']}/decline", headers=h
                     ).status_code == 200
    # cross-site websocket handshakes are refused
    with pytest.raises(WebSocketDisconnect) as closed, anon.websocket_connect(
            f"/ws/teleconsult/queue/{world['queue']}",
            headers={"Origin": "https://evil.example"}) as ws:
        ws.receive_json()
    assert closed.value.code == 4403


# ------------------------------------------------------------------ 7. enumeration
def test_7_sign_up_answers_the_same_for_taken_address_and_nir(client, db_url):
    body = {"password": PASSWORD, "family_name": "N", "given_name": "M",
            "birth_date": "1980-01-01", "commune_code": "58194"}
    new = client.post("/api/v1/patients", json=body | {"email": "nouveau@t.fr"})
    taken = client.post("/api/v1/patients", json=body | {"email": "pa@t.fr"})
    nir = "2 55 08 14 168 025 38"
    first = client.post("/api/v1/patients", json=body | {"email": "n1@t.fr", "nir": nir})
    again = client.post("/api/v1/patients", json=body | {"email": "n2@t.fr", "nir": nir})
    answers = {(r.status_code, r.text) for r in (new, taken, first, again)}
    assert len(answers) == 1 and new.status_code == 202
    from tests.factories.care import outbox

    assert [n.kind for n in outbox(db_url, "pa@t.fr")] == ["signup-existing"]
    assert [n.kind for n in outbox(db_url, "n2@t.fr")] == []  # no account for the NIR
    with session_factory(db_url)() as s:
        assert s.scalar(select(Account).where(Account.email == "n2@t.fr")) is None
    # an unconfirmed account cannot sign in, exactly like a wrong password
    r = client.post("/api/v1/auth/token", data={"username": "nouveau@t.fr",
                                                "password": PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


# ------------------------------------------------------------------ 8. throttling
def test_8_login_is_throttled_per_account_then_per_address(client):
    limit = throttle.LOGIN_ACCOUNT
    codes = [client.post("/api/v1/auth/token", data={"username": "pa@t.fr",
                                                     "password": f"faux-{i}"}).status_code
             for i in range(limit.attempts + 1)]
    assert codes == [401] * limit.attempts + [429]
    r = client.post("/api/v1/auth/token", data={"username": "pa@t.fr", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
    assert "Trop de tentatives de connexion" in r.json()["detail"]
    assert 0 < int(r.headers["Retry-After"]) <= limit.window_s
    # the same page answer for the sign-in form
    page = client.post("/connexion", data={"email": "pa@t.fr", "password": PASSWORD})
    assert page.status_code == 429 and "Retry-After" in page.headers
    # another account from the same address still signs in
    assert client.post("/api/v1/auth/token", data={"username": "pb@t.fr",
                                                   "password": PASSWORD}).status_code == 200


def test_8_address_limit_and_window_by_hand(db_url):
    """Worked example: 50 misses from one address on 50 accounts in one 15-min window
    block the 51st guess; the window of t = 1 000 000 s starts at 999 900 s
    (1 000 000 // 900 × 900) and ends 800 s later."""
    s = session_factory(db_url)()
    now = 1_000_000.0
    keys = lambda i: [(throttle.LOGIN_ACCOUNT, f"x{i}@t.fr"),  # noqa: E731
                      (throttle.LOGIN_ADDRESS, "203.0.113.9")]
    for i in range(50):
        throttle.check(s, "login", keys(i), now=now)
        throttle.fail(s, keys(i), now=now)
    with pytest.raises(TooManyAttempts) as exc:
        throttle.check(s, "login", keys(99), now=now)
    assert exc.value.retry_after == 800
    assert s.scalar(select(ThrottleCounter.window_start).where(
        ThrottleCounter.key == "login-address:203.0.113.9")) == 999_900
    throttle.check(s, "login", keys(99), now=now + 800)  # the next window is open
    s.close()


def test_8_prescription_check_is_throttled(client, world):
    codes = [client.get(f"/api/v1/prescriptions/verify/{world['rx']}",
                        params={"code": f"FAUX{i:04d}"}).status_code
             for i in range(throttle.RX_ADDRESS.attempts + 1)]
    assert codes == [200] * throttle.RX_ADDRESS.attempts + [429]


# ------------------------------------------------------------------ 9. headers
def test_9_security_headers_and_no_store(client, headers):
    for path, h in [("/", {}), ("/connexion", {}), ("/api/v1/sites", {}),
                    ("/mes-rendez-vous", headers["patient_a"]),
                    ("/mes-consultations", headers["patient_a"]),
                    ("/api/v1/patients/me", headers["patient_a"])]:
        r = client.get(path, headers=h, follow_redirects=False)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'self'" in csp, path
        assert "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "SAMEORIGIN"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/oasis.css").headers.get("cache-control", "")


def test_9_templates_and_scripts_have_no_inline_code():
    import re
    from pathlib import Path

    from oasis.web.app import WEB_DIR

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=|javascript:",
                        re.I)
    for path in Path(WEB_DIR, "templates").rglob("*.html"):
        assert not inline.search(path.read_text(encoding="utf-8")), path
    for path in Path(WEB_DIR, "static", "js").glob("*.js"):
        assert "style=" not in path.read_text(encoding="utf-8"), path


# ------------------------------------------------------------------ 10. closed rooms
def test_10_closing_the_consultation_ends_its_room(client, world, headers):
    room = world["room"]
    token = issue_token("security-secret", room, "patient-x", "patient", name="P")
    with client.websocket_connect(f"/ws/visio/{room}?token={token}") as ws:
        assert ws.receive_json()["type"] == "welcome"
        r = client.post(f"/api/v1/encounters/{world['encounter']}/close",
                        headers={**headers["doctor_a"], **ORIGIN}, json={})
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + 10
        message = ws.receive_json()
        while message.get("type") != "error" and time.monotonic() < deadline:
            message = ws.receive_json()
        assert message["code"] == "ended"
    # the token is still within its 4 hours, but the room no longer admits it
    with client.websocket_connect(f"/ws/visio/{room}?token={token}") as ws:
        assert ws.receive_json()["code"] == "ended"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4404


def test_matrix_pages_of_another_person_are_page_not_found(app, world):
    """The HTML side of the matrix: a page about someone else is the « page introuvable »
    of a missing id, for every signed-in actor who is not a party."""
    pages = [(f"/pro/consultation/{world['encounter']}", "/pro/consultation/999999",
              {"doctor_a"}),
             (f"/mes-rendez-vous/{world['appointment']}/annuler",
              "/mes-rendez-vous/999999/annuler", {"patient_a"})]
    for actor, email in EMAILS.items():
        c = TestClient(app, follow_redirects=False)
        assert c.post("/api/v1/auth/login", data={"email": email, "password": PASSWORD}
                      ).status_code == 200
        for path, missing, allowed in pages:
            r = c.get(path)
            if actor in allowed:
                assert r.status_code == 200, (actor, path)
            else:
                other = c.get(missing)
                assert r.status_code == other.status_code and r.status_code in (303, 404), \
                    (actor, path, r.status_code)
                if r.status_code == 303:  # another role: sent to sign in, whatever the id
                    assert r.headers["location"].startswith("/connexion?suite=")
                    assert other.headers["location"].startswith("/connexion?suite=")
                else:
                    assert r.text == other.text, (actor, path)
