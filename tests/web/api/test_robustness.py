"""Inputs that once crashed the server: each now gets a 4xx with the one error body."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from oasis.care.accounts import service as accounts
from oasis.care.core.db import session_factory
from oasis.care.core.errors import NotFound
from oasis.care.core.inputs import ID_MAX, ascii_digits, parse_id, same_secret
from oasis.care.core.lookup import get_or_raise
from oasis.care.people import service as people
from oasis.care.people.models import Patient
from oasis.care.prescribing import verification
from oasis.care.scheduling import service as scheduling
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.download import attachment
from oasis.web.kit.limits import MAX_BODY_BYTES
from oasis.web.kit.rooms import TokenError, verify_token
from tests.factories.care import PASSWORD, login, make_patient, make_practice


@pytest.fixture
def world(db_url):
    session = session_factory(db_url)()
    site, doctor, schedule = make_practice(session, rpps_seed=31)
    scheduling.generate_slots(session, schedule.id, days=7)
    patient = make_patient(session)
    coord = people.create_staff(session, kind="coordinator", family_name="Roy",
                                given_name="Léa", organisation="ARS")
    accounts.create_account(session, email="p@r.fr", password=PASSWORD, role="patient",
                            patient_id=patient.id, display_name="Jeanne")
    accounts.create_account(session, email="d@r.fr", password=PASSWORD, role="practitioner",
                            practitioner_id=doctor.id, display_name="Dr")
    accounts.create_account(session, email="c@r.fr", password=PASSWORD, role="coordinator",
                            staff_id=coord.id, display_name="Léa")
    session.commit()
    ids = {"site": site.id, "doctor": doctor.id, "schedule": schedule.id}
    session.close()
    return ids


@pytest.fixture
def client(db_url, world):
    app = create_app(Settings(database_url=db_url, secret_key="robust-secret"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def one_body(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body["detail"], str) and isinstance(body["code"], str), body
    if code:
        assert body["code"] == code, body
    return body


def test_huge_ids_and_pages_are_refused_not_overflowed(client):
    one_body(client.get("/api/v1/sites", params={"page": 2**63}), 422, "validation_error")
    one_body(client.get("/api/v1/practitioners/2147483648"), 422)
    one_body(client.get("/api/v1/sites/9223372036854775808"), 422)
    headers = login(client, "d@r.fr")
    one_body(client.get(f"/api/v1/appointments/{ID_MAX + 1}", headers=headers), 422)
    one_body(client.get(f"/api/v1/appointments/{ID_MAX}", headers=headers), 404)
    one_body(client.post("/api/v1/appointments", headers=login(client, "p@r.fr"),
                         json={"slot_id": 2**40}), 422)


def test_get_or_raise_treats_an_impossible_id_as_missing(db_url):
    session = session_factory(db_url)()
    try:
        for ident in (ID_MAX + 1, 2**63, 0, -1):
            with pytest.raises(NotFound):
                get_or_raise(session, Patient, ident, "patient introuvable")
    finally:
        session.close()


def test_non_ascii_secrets_are_mismatches(client):
    r = client.get("/api/v1/prescriptions/verify/ORD-AAAA", params={"code": "é"})
    assert r.status_code == 200 and r.json()["genuine"] is False
    assert verification.verify("ORD-AAAA", "é", "robust-secret") is False
    for token in ("é", "v1.é.é", "v1.eyJzdWIiOjF9.é", "v1..", "a.b.c.d"):
        raw = f"Bearer {token}".encode()  # sent as UTF-8 bytes, as a hostile client would
        one_body(client.get("/api/v1/auth/me", headers={"Authorization": raw}), 401)
    assert not same_secret("abc", "é") and same_secret("é", "é")
    with pytest.raises(TokenError):
        verify_token("secret", "é.é")
    with pytest.raises(TokenError):
        verify_token("secret", "eyJ.é")


@pytest.mark.parametrize("cookie", ["é", "v1.é.é", "v1.e30.x", "\x7f", "v1." + "A" * 5000])
def test_a_bad_cookie_never_breaks_a_page(client, cookie):
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}".encode()}
    for path in ("/", "/mes-rendez-vous", "/trouver-un-soin", "/pro/agenda"):
        r = client.get(path, headers=headers, follow_redirects=False)
        assert r.status_code < 500, (path, r.status_code)
    one_body(client.get("/api/v1/auth/me", headers=headers), 401)


def test_waitlist_with_unknown_practitioner_or_site_is_404(client):
    headers = login(client, "p@r.fr")
    one_body(client.post("/api/v1/waitlist", headers=headers,
                         json={"practitioner_id": 999_999}), 404, "unknown_practitioner")
    one_body(client.post("/api/v1/waitlist", headers=headers,
                         json={"location_id": 999_999}), 404, "unknown_site")


def test_weekly_times_with_an_offset_are_refused(client, world):
    headers = login(client, "d@r.fr")
    r = client.put(f"/api/v1/schedules/{world['schedule']}/weekly", headers=headers,
                   json=[{"weekday": 0, "start_time": "09:00+02:00", "end_time": "12:00"}])
    one_body(r, 422, "validation_error")
    r = client.put(f"/api/v1/schedules/{world['schedule']}/weekly", headers=headers,
                   json=[{"weekday": 0, "start_time": "09:00", "end_time": "12:00"}])
    assert r.status_code == 200, r.text
    assert "09:00:00" in r.text


def test_superscript_digits_are_not_digits(client):
    assert "²".isdigit() and not ascii_digits("²") and parse_id("²") is None
    assert parse_id(" 42 ") == 42 and parse_id(str(ID_MAX + 1)) is None
    r = client.post("/api/v1/patients", json={
        "email": "x@r.fr", "password": PASSWORD, "family_name": "X", "given_name": "Y",
        "birth_date": "1980-01-01", "commune_code": "58194", "nir": "²" * 15})
    one_body(r, 422, "invalid_nir")


def test_unstorable_text_and_numbers_are_refused(client):
    headers = login(client, "c@r.fr")
    site = {"name": "MSP", "kind": "msp", "commune_code": "58194"}
    for raw, code in ((json.dumps(site | {"name": "\ud800"}), "invalid_text"),
                      (json.dumps(site | {"address": "a\x00b"}), "invalid_text"),
                      (json.dumps(site | {"lat": float("nan")}), "invalid_number"),
                      (json.dumps(site | {"lon": float("inf")}), "invalid_number")):
        one_body(client.post("/api/v1/sites", headers=headers | {
            "Content-Type": "application/json"}, content=raw), 422, code)
    one_body(client.post("/api/v1/sites", headers=headers, json=site | {"lat": 91.0}), 422)
    one_body(client.post("/api/v1/sites", headers=headers,
                         json=site | {"address": "x" * 201}), 422)
    one_body(client.get("/api/v1/sites", params={"kind": "a\x00"}), 422, "invalid_text")
    one_body(client.post("/api/v1/sites", headers=headers | {
        "Content-Type": "application/json"}, content=b'{"name": "\xe9"}'), 422, "invalid_json")
    r = client.post("/api/v1/sites", headers=headers, json=site | {"lat": 47.0, "lon": 3.2})
    assert r.status_code == 201, r.text


def test_request_bodies_are_limited(client):
    big = {"email": "big@r.fr", "password": PASSWORD, "family_name": "X", "given_name": "Y",
           "birth_date": "1980-01-01", "commune_code": "58194",
           "address": "x" * (20 * 1024 * 1024)}
    one_body(client.post("/api/v1/patients", json=big), 413, "payload_too_large")

    def chunks():  # no Content-Length: the size is counted while reading
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    one_body(client.post("/api/v1/patients", content=chunks(),
                         headers={"Content-Type": "application/json"}), 413)
    r = client.post("/api/v1/patients", json=big | {"address": "1 rue de Nevers"})
    assert r.status_code == 202, r.text  # sign-up answers alike for everyone


def test_export_filename_of_any_payer(client):
    headers = login(client, "c@r.fr")
    r = client.get("/api/v1/billing/export", headers=headers,
                   params={"month": "2026-11", "payer": "Mutuelle Łódź 中"})
    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert 'filename="oasis-2026-11-Mutuelle-odz.csv"' in disposition, disposition
    assert "filename*=UTF-8''oasis-2026-11-Mutuelle%20%C5%81%C3%B3d%C5%BA%20%E4%B8%AD.csv" \
        in disposition
    assert attachment("é.pdf") == "attachment; filename=\"e.pdf\"; filename*=UTF-8''%C3%A9.pdf"


def test_openapi_documents_the_error_body_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ValidationErrorOut"]["properties"]["detail"]["type"] == "string"
    assert set(schemas["ValidationErrorOut"]["required"]) == {"detail", "code"}
    opened = schemas["HoursOut"]["properties"]["opens"]
    assert "format" not in opened and opened["pattern"].startswith("^")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status in ("404", "422"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("ValidationErrorOut" if status == "422" else "ErrorOut"), \
                    (method, path, status)
    served = client.get("/api/v1/sites", params={"page": "x"}).json()
    assert set(served) == {"detail", "code", "errors"} and isinstance(served["detail"], str)
