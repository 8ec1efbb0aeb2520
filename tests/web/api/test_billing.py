"""POST /api/v1/billing/simulate: public, nothing stored, the issue's worked examples."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.db import session_factory
from oasis.config import Settings
from oasis.web.app import create_app

BASE = {"date": "2026-12-01", "act": "teleconsultation", "channel": "video",
        "doctor": {"specialty": "generaliste", "sector": "1",
                   "is_patients_medecin_traitant": True},
        "patient": {"age": 40, "medecin_traitant": "declared", "referred": False,
                    "seen_in_person_12_months": True, "ald": False, "maternity": False,
                    "c2s": False, "ame": False},
        "mutuelle": {"rate_percent_of_base": 100, "partner": False}}


@pytest.fixture
def client(db_url):
    return TestClient(create_app(Settings(database_url=db_url, secret_key="test-secret")))


def body(**changes):
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for path, value in changes.items():
        head, _, leaf = path.partition("__")
        if leaf:
            out[head][leaf] = value
        else:
            out[head] = value
    return out


def fig(r):
    j = r.json()
    return (j["act_code"], j["reimbursable"], j["amo_cents"], j["mutuelle_cents"],
            j["patient_cents"], j["patient_advance_cents"], j["tiers_payant"])


@pytest.mark.parametrize(("label", "changes", "expected"), [
    # TCG 25 €: 70 % = 17,50 − 2 € PF = 15,50; mutuelle 7,50 (TM); patient 2.
    ("issue example", {}, ("TCG", True, 1550, 750, 200, 2500, "aucun")),
    ("no mutuelle", {"mutuelle": None}, ("TCG", True, 1550, 0, 950, 2500, "aucun")),
    ("not the MT, not oriented", {"doctor__is_patients_medecin_traitant": False},
     ("TCG", False, 0, 0, 2500, 2500, "aucun")),
    ("audio only", {"channel": "phone"}, ("TCG", False, 0, 0, 2500, 2500, "aucun")),
    ("partner", {"mutuelle__partner": True}, ("TCG", False, 0, 2500, 0, 0, "partenaire")),
    ("child", {"patient__age": 8, "doctor__is_patients_medecin_traitant": False,
               "patient__seen_in_person_12_months": False},
     ("TCG", True, 1750, 750, 0, 2500, "aucun")),
    ("AME", {"patient__ame": True, "mutuelle": None},
     ("TCG", True, 2500, 0, 0, 0, "amo")),
    ("G in person, MT", {"act": "consultation", "channel": "in_person"},
     ("G", True, 1900, 900, 200, 3000, "aucun")),
    ("ETT nurse", {"act": "nurse_assist"}, ("TLL", True, 740, 360, 100, 1200, "aucun")),
    ("yearly cap reached", {"patient__participations_paid_year_cents": 5000},
     ("TCG", True, 1750, 750, 0, 2500, "aucun")),
])
def test_simulator_examples(client, db_url, label, changes, expected):
    r = client.post("/api/v1/billing/simulate", json=body(**changes))
    assert r.status_code == 200, r.text
    assert fig(r) == expected, label
    j = r.json()
    assert j["reasons"] and all(isinstance(x, str) for x in j["reasons"])
    assert {x["id"] for x in j["rules"]} >= {f"tariff.{j['act_code']}"}
    assert all(x["source"] and x["read_on"] == "2026-12-01" for x in j["rules"])
    s = session_factory(db_url)()
    try:  # public and stateless: nothing written, not even an audit line
        assert s.scalar(select(func.count(AuditEvent.id))) == 0
    finally:
        s.close()


@pytest.mark.parametrize(("changes", "field"), [
    ({"patient__age": -3}, "age"),
    ({"act": "radiographie"}, "act"),
    ({"date": "2001-01-01"}, "date"),
    ({"channel": "fax"}, "channel"),
    ({"act": "consultation", "channel": "video"}, "body"),
    ({"doctor__specialty": "astrologue"}, "specialty"),
])
def test_impossible_input_is_422_with_field_errors(client, changes, field):
    r = client.post("/api/v1/billing/simulate", json=body(**changes))
    assert r.status_code == 422
    j = r.json()
    assert j["code"] == "validation_error" and j["detail"].startswith("requête invalide")
    assert any(field in [str(p) for p in e["loc"]] for e in j["errors"]), j["errors"]


def test_rules_endpoint_lists_every_record(client):
    r = client.get("/api/v1/billing/rules")
    assert r.status_code == 200
    ids = {x["id"] for x in r.json()}
    assert {"tariff.G", "pf.cap_day", "france_sante.nurse_nearby_minutes"} <= ids
