"""GET /api/v1/care-options and /api/v1/places over HTTP, anonymous and signed in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.audit.models import AuditEvent
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories import finder as finder_world
from tests.factories.care import PASSWORD
from tests.factories.finder import PARTNER


@pytest.fixture
def world(db_url, geo):
    session = session_factory(db_url)()
    w = finder_world.build_open(session, geo, utcnow())
    patient = finder_world.patient(session, geo, gp=w.gp_nevers, mutuelle=PARTNER)
    accounts.create_account(session, email="jeanne@test.fr", password=PASSWORD,
                            role="patient", patient_id=patient.id, display_name="Jeanne")
    session.commit()
    ids = {"msp": w.msp_nevers.id, "ett": w.ett_nevers.id, "decize": w.decize.id,
           "patient": patient.id}
    session.close()
    return ids


def make_client(db_url) -> TestClient:
    # No lifespan (no `with`): these routes need no start-up work, and the planners'
    # warm-up it would start only competes for the CPU.
    return TestClient(create_app(Settings(database_url=db_url, secret_key="test-secret",
                                          partner_mutuelles=[PARTNER])))


@pytest.fixture
def client(db_url, world):
    return make_client(db_url)


@pytest.fixture
def bare_client(db_url):
    """An empty database: refusals and autocompletion need no care world."""
    return make_client(db_url)


def bearer(client) -> dict:
    r = client.post("/api/v1/auth/token", data={"username": "jeanne@test.fr",
                                                "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_anonymous_answer_for_a_nievre_commune(client, world):
    r = client.get("/api/v1/care-options", params={"commune": "58303"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["origin"]["name"] == "Varennes-Vauzelles" and body["need"] == "generaliste"
    assert body["promise"] == {"minutes": 30.0, "hours": 48, "kept": True}
    assert body["personalised"] is False
    options = body["options"]
    assert [o["rank"] for o in options] == list(range(1, len(options) + 1))
    cats = [o["category"] for o in options]
    assert cats == sorted(cats, key=["in_person_48h", "ett", "teleconsultation_now",
                                     "later"].index)
    assert cats[:3] == ["in_person_48h", "ett", "teleconsultation_now"]
    first = options[0]
    assert first["location"]["id"] == world["msp"] and first["travel_minutes"] == 9
    start = datetime.fromisoformat(first["start_at"])
    assert start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Paris
    assert timedelta(0) < start - datetime.fromisoformat(body["now"]) <= timedelta(hours=48)
    assert first["slots"][0]["slot_id"] and first["slots"][0]["start_text"]
    assert first["cost"]["tariff_cents"] == 3000 and first["cost"]["patient_cents"] == 1100
    assert first["parcours"]["respected"] is None
    tele = options[2]
    assert tele["wait"]["available_practitioners"] == 1 and tele["travel_minutes"] == 0
    decize = next(o for o in options if o["location"] and o["location"]["id"] == world["decize"])
    assert decize["category"] == "later" and decize["within_30_min"] is False


def test_signed_in_patient_gets_their_price_and_the_read_is_audited(client, world, db_url):
    r = client.get("/api/v1/care-options", headers=bearer(client))  # their own commune
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["personalised"] is True and body["origin"]["code"] == "58303"
    first = body["options"][0]
    assert first["parcours"] == {"respected": True, "reason": "c'est votre médecin traitant"}
    # In person the partner is an ordinary mutuelle (its agreement funds teleconsultations):
    # 30 € − 19 € AMO − 9 € ticket modérateur = the 2 € participation forfaitaire.
    assert (first["cost"]["patient_cents"], first["cost"]["advance_cents"],
            first["cost"]["tiers_payant"]) == (200, 3000, "aucun")
    session = session_factory(db_url)()
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.patient_id == world["patient"])).all()
    assert any(e.purpose.startswith("recherche de soins") and e.action == "read"
               for e in events)
    session.close()


def test_stale_token_still_gets_the_public_answer(client):
    r = client.get("/api/v1/care-options", params={"commune": "58303"},
                   headers={"Authorization": "Bearer v1.abc.def"})
    assert r.status_code == 200 and r.json()["personalised"] is False


@pytest.mark.parametrize(("params", "code", "suggested"), [
    ({"commune": "99999"}, "unknown_commune", None),
    ({"commune": "5819"}, "invalid_commune", None),
    ({"commune": "58000"}, "ambiguous_postcode", "58194"),
    ({"commune": "Neveers"}, "unknown_commune", "58194"),
    ({"postcode": "58200"}, "ambiguous_postcode", "58086"),
    ({}, "missing_commune", None),
    ({"commune": "58303", "need": "sorcier"}, "invalid_need", None),
])
def test_bad_communes_are_422_with_suggestions(bare_client, params, code, suggested):
    r = bare_client.get("/api/v1/care-options", params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == code and body["detail"]
    if suggested:
        assert body["suggestions"][0]["code"] == suggested
        assert body["suggestions"][0]["label"].endswith(f"({suggested})")


def test_places_autocomplete(bare_client):
    r = bare_client.get("/api/v1/places", params={"q": "nevers"})
    assert r.status_code == 200
    assert r.json()[0] == {"code": "58194", "name": "Nevers", "dep": "58",
                           "postal_codes": ["58000"], "label": "Nevers (58194)"}
    r = bare_client.get("/api/v1/care-options", params={"commune": "Nevers (58194)"})
    assert r.status_code == 200 and r.json()["origin"]["code"] == "58194"
    assert r.json()["options"] == []  # nothing in an empty database, and no error
