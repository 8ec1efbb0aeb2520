"""/regles lists every rule in force with its source; « Combien vais-je payer ? »."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from oasis.care.billing import rules
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.nav import PATIENT, PUBLIC


@pytest.fixture
def client(db_url):
    return TestClient(create_app(Settings(database_url=db_url, secret_key="test-secret")))


def test_rules_page_lists_every_rule_in_force_with_its_source(client):
    r = client.get("/regles", params={"le": "2026-12-01"})
    assert r.status_code == 200
    shown = set(re.findall(r'<tr id="([a-z0-9_.A-Z]+)">', r.text))
    assert shown == {x.id for x in rules.in_force(date(2026, 12, 1))}
    for x in rules.in_force(date(2026, 12, 1)):
        assert x.display().replace("'", "&#39;") in r.text
    assert "paramètre Oasis" in r.text and "01/12/2026" in r.text
    # an older date shows the rules of that day: G at 26,50 € in 2024
    r = client.get("/regles", params={"le": "2024-06-01"})
    assert "26,50 €" in r.text
    assert any(link.href == "/regles" for link in PUBLIC)
    assert any(link.href == "/combien-vais-je-payer" for link in PATIENT)


def test_price_page_answers_like_the_simulator(client):
    """Same worked example as the API: TCG by phone, MT, seen → not reimbursed, 25 €."""
    r = client.get("/combien-vais-je-payer", params={
        "acte": "teleconsultation", "canal": "phone", "age": "40", "mt": "1", "vu": "1",
        "date": "2026-12-01"})
    assert r.status_code == 200
    assert "Vous payez 25,00 €" in r.text and "non remboursé" in r.text
    r = client.get("/combien-vais-je-payer", params={
        "acte": "teleconsultation", "canal": "video", "age": "40", "mt": "1", "vu": "1",
        "mutuelle": "MGEN", "taux": "100", "date": "2026-12-01"})
    assert "il vous reste 2,00 €" in r.text and "Vous avancez 25,00 €" in r.text
    r = client.get("/combien-vais-je-payer", params={"acte": "consultation", "age": "-3"})
    assert r.status_code == 422 and "Vérifiez votre saisie" in r.text
    assert client.get("/trouver-un-soin").text.count("/combien-vais-je-payer") >= 1
    assert "/combien-vais-je-payer" in client.get("/teleconsultation").text
