"""« Mes proches » through the JSON API: the guardian manages and books for a relative;
another patient and an unrelated practitioner get the 404 of a missing record."""

from __future__ import annotations

import pytest

from tests.factories.care import login
from tests.web.api.test_care_api import client, first_slot, register, world  # noqa: F401

CHILD = {"family_name": "Durand", "given_name": "Léo", "birth_date": "2019-03-02",
         "sex": "M", "relation": "enfant"}


@pytest.fixture
def family(client):  # noqa: F811
    holder, headers = register(client)
    _, other = register(client, email="autre@test.fr", nir=None)
    r = client.post("/api/v1/patients/me/relatives", json=CHILD, headers=headers)
    assert r.status_code == 201, r.text
    return {"holder": holder, "headers": headers, "other": other, "child": r.json()}


def test_relatives_crud_and_errors(client, family):  # noqa: F811
    headers, child = family["headers"], family["child"]
    assert (child["given_name"], child["relation"], child["gp_id"]) == ("Léo", "enfant", None)
    listed = client.get("/api/v1/patients/me/relatives", headers=headers).json()
    assert [r["id"] for r in listed] == [child["id"]]
    nir = "1 19 03 58 194 002 " + "{:02d}".format(97 - int("1190358194002") % 97)
    r = client.patch(f"/api/v1/patients/me/relatives/{child['id']}", headers=headers,
                     json={**CHILD, "given_name": "Léon", "nir": nir})
    assert r.status_code == 200 and r.json()["given_name"] == "Léon"
    assert r.json()["nir"] == nir.replace(" ", "")
    r = client.patch(f"/api/v1/patients/me/relatives/{child['id']}", headers=headers,
                     json={**CHILD, "relation": "autre"})  # no « nir »: kept
    assert (r.json()["relation"], r.json()["nir"]) == ("autre", nir.replace(" ", ""))
    r = client.patch(f"/api/v1/patients/me/relatives/{child['id']}", headers=headers,
                     json={**CHILD, "nir": None})
    assert r.json()["nir"] is None
    for body, code in [({**CHILD, "relation": "cousin"}, "validation_error"),
                       ({**CHILD, "nir": "123"}, "invalid_nir"),
                       ({**CHILD, "given_name": "x" * 101}, "validation_error"),
                       ({**CHILD, "birth_date": "2999-01-01"}, "invalid_birth_date")]:
        r = client.post("/api/v1/patients/me/relatives", json=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["code"] == code and r.json()["detail"], r.text
    # a practitioner has no relatives to manage here
    assert client.get("/api/v1/patients/me/relatives",
                      headers=login(client, "doc1@test.fr")).status_code in (403, 404)
    r = client.delete(f"/api/v1/patients/me/relatives/{child['id']}", headers=headers)
    assert r.status_code == 200 and r.json()["code"] == "relative_removed"
    assert client.get("/api/v1/patients/me/relatives", headers=headers).json() == []


def test_relative_with_a_gp_on_oasis(client, family, world):  # noqa: F811
    r = client.post("/api/v1/patients/me/relatives", headers=family["headers"],
                    json={**CHILD, "given_name": "Emma", "gp_id": world["doc1"],
                          "mutuelle_name": "MGEN"})
    assert r.status_code == 201, r.text
    assert (r.json()["gp_id"], r.json()["mutuelle_name"]) == (world["doc1"], "MGEN")


def test_only_the_guardian_reads_and_books_for_the_relative(client, family, world):  # noqa: F811
    headers, other, child = family["headers"], family["other"], family["child"]
    doc = login(client, "doc1@test.fr")
    url = f"/api/v1/patients/{child['id']}"
    assert client.get(url, headers=headers).status_code == 200
    for h in (other, doc):  # another patient; a practitioner without appointment
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get(f"/api/v1/patients/me/relatives/{child['id']}", headers=other)
    missing = client.get("/api/v1/patients/me/relatives/999999", headers=other)
    assert r.status_code == missing.status_code == 404 and r.json() == missing.json()
    slot = first_slot(client)
    r = client.post("/api/v1/appointments", headers=other,
                    json={"slot_id": slot["slot_id"], "patient_id": child["id"]})
    assert r.status_code == 404
    r = client.post("/api/v1/appointments", headers=headers,
                    json={"slot_id": slot["slot_id"], "patient_id": child["id"]})
    assert r.status_code == 201, r.text
    appt = r.json()
    assert appt["patient_id"] == child["id"]
    mine = client.get("/api/v1/appointments/mine", headers=headers).json()
    assert [a["id"] for a in mine["items"]] == [appt["id"]]
    assert client.get("/api/v1/appointments/mine", headers=other).json()["items"] == []
    assert client.get(f"/api/v1/appointments/{appt['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/appointments/{appt['id']}/cancel",
                       headers=other).status_code == 404
    # the removal is refused while the appointment is to come
    r = client.delete(f"/api/v1/patients/me/relatives/{child['id']}", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "relative_has_appointments"
    r = client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # the slot's doctor now sees the child (an appointment with them)
    doctor = login(client, "doc1@test.fr" if slot["practitioner_id"] == world["doc1"]
                   else "doc2@test.fr")
    assert client.get(url, headers=doctor).status_code == 200


def _nir(body13: str) -> str:
    return body13 + f"{97 - int(body13) % 97:02d}"


def test_a_nir_on_oasis_is_not_revealed_nor_reused(client, family, db_url):  # noqa: F811
    """Adding (or correcting) a relative with a NIR already on Oasis answers exactly as
    with a new NIR (issue 16, item 7): the NIR is kept aside for the secretariat, the
    existing record is not attached, the conflict is audited for the administrators."""
    from sqlalchemy import select

    from oasis.care.audit.models import AuditEvent
    from oasis.care.core.db import session_factory
    from oasis.care.people.models import Patient, PatientGuardian

    taken, fresh, fresh2 = _nir("1190358194001"), _nir("1190358194003"), _nir("1190358194005")
    r = client.post("/api/v1/patients/me/relatives", headers=family["headers"],
                    json={**CHILD, "given_name": "Tom", "nir": taken})
    assert r.status_code == 201, r.text
    tom = r.json()["id"]

    def add(nir):
        return client.post("/api/v1/patients/me/relatives", headers=family["other"],
                           json={**CHILD, "given_name": "Tom", "nir": nir})

    def same(a, b, nir_a, nir_b):
        assert a.status_code == b.status_code == 201 and a.headers["content-type"] == \
            b.headers["content-type"]
        ja, jb = a.json(), b.json()
        assert (ja.pop("nir"), jb.pop("nir")) == (nir_a, nir_b)
        ja.pop("id"), jb.pop("id")
        assert ja == jb and ja["notice"] == "Le NIR sera vérifié par le secrétariat"

    on_oasis, new = add(taken), add(fresh)
    same(on_oasis, new, taken, fresh)
    got = client.get(f"/api/v1/patients/me/relatives/{on_oasis.json()['id']}",
                     headers=family["other"])
    assert got.status_code == 200 and got.json()["nir"] == taken
    for rid, nir in ((on_oasis.json()["id"], taken), (new.json()["id"], fresh)):
        fhir = client.get(f"/fhir/Patient/{rid}", headers=family["other"]).json()
        assert [i["value"] for i in fhir["identifier"]] == [nir]
    # correcting a NIR: the same answer too
    ids = (on_oasis.json()["id"], new.json()["id"])
    a = client.patch(f"/api/v1/patients/me/relatives/{ids[1]}", headers=family["other"],
                     json={**CHILD, "given_name": "Tom", "nir": taken})
    b = client.patch(f"/api/v1/patients/me/relatives/{ids[0]}", headers=family["other"],
                     json={**CHILD, "given_name": "Tom", "nir": fresh2})
    assert a.status_code == b.status_code == 200
    assert (a.json()["nir"], b.json()["nir"]) == (taken, fresh2)
    assert a.json()["notice"] == b.json()["notice"] == "Le NIR sera vérifié par le secrétariat"
    with session_factory(db_url)() as s:
        # the existing record keeps its NIR and its one guardian; the copies hold theirs aside
        assert s.get(Patient, tom).nir == taken
        assert s.scalars(select(PatientGuardian.guardian_id).where(
            PatientGuardian.dependant_id == tom)).all() == [family["holder"]["id"]]
        assert (s.get(Patient, ids[1]).nir, s.get(Patient, ids[1]).nir_to_verify) == \
            (None, taken)
        assert (s.get(Patient, ids[0]).nir, s.get(Patient, ids[0]).nir_to_verify) == \
            (fresh2, None)
        conflicts = s.scalars(select(AuditEvent).where(
            AuditEvent.outcome == "nir_conflict")).all()
        assert {e.patient_id for e in conflicts} == set(ids)
        assert all(f"patient n° {tom}" in e.purpose for e in conflicts)
