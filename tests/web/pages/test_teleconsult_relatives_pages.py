"""Teleconsultation pages for a relative: « Pour qui ? » on ``/teleconsultation`` with the
chosen person's price, « Mes consultations » listing the child's teleconsultation and
prescription « Pour … », the end-of-call summary; another patient gets the 404 page."""

from __future__ import annotations

import re

from oasis.care.core.clock import paris_today
from oasis.care.core.db import session_factory
from oasis.care.people.models import Patient
from oasis.care.teleconsult import billing
from tests.factories.care import login
from tests.factories.pro import client_for
from tests.web.api.test_teleconsult_exchanges import (  # noqa: F401
    client,
    on_duty,
    patient,
    world,
)
from tests.web.api.test_teleconsult_relatives import CHILD


def _price(db_url, patient_id: int) -> int:
    with session_factory(db_url)() as s:
        _, st = billing.conditions(s, s.get(Patient, patient_id), None, "video",
                                   "generaliste", paris_today(), partners=())
        return st.patient_cents


def _shown(html: str) -> int:
    """What the general-practice box says the person will pay (cents)."""
    return int(re.search(r'data-specialty="generaliste"[^>]*data-patient-cents="(\d+)"',
                         html).group(1))


def test_pour_qui_price_and_my_consultations(client, world, db_url):  # noqa: F811
    me, gh, _ = patient(client)
    patient(client, "paul@t.fr", "Paul")
    child = client.post("/api/v1/patients/me/relatives", json=CHILD, headers=gh).json()["id"]
    page = client_for(client.app, "jeanne@t.fr")
    stranger = client_for(client.app, "paul@t.fr")

    mine = page.get("/teleconsultation")
    assert mine.status_code == 200 and "Pour qui ?" in mine.text
    assert 'name="pour" value=""' in mine.text and f'value="{child}"' in mine.text
    assert _shown(mine.text) == _price(db_url, me["id"])
    theirs = page.get(f"/teleconsultation?pour={child}")
    assert theirs.status_code == 200 and "pour <strong>Léo Durand</strong>" in theirs.text
    assert _shown(theirs.text) == _price(db_url, child)
    assert _price(db_url, child) != _price(db_url, me["id"])
    # Paul has no relative: no « Pour qui ? »; the child's id is the 404 page
    assert "Pour qui ?" not in stranger.get("/teleconsultation").text
    assert stranger.get(f"/teleconsultation?pour={child}").status_code == 404
    assert page.get("/teleconsultation?pour=abc").status_code == 404

    r = client.post("/api/v1/teleconsult/queue", headers=gh,
                    json={"reason": "Fièvre", "patient_id": child})
    assert r.status_code == 201, r.text
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    eid = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()["encounter"]["id"]
    r = client.post(f"/api/v1/encounters/{eid}/prescriptions", headers=gp, json={
        "lines": [{"name": "Paracétamol 250 mg", "dosage": "1 sachet 4 fois par jour",
                   "duration": "3 jours"}]})
    assert r.status_code == 201, r.text
    rx = r.json()
    assert client.post(f"/api/v1/encounters/{eid}/close", headers=gp, json={}).status_code \
        == 200

    listed = page.get("/mes-consultations")
    assert listed.status_code == 200
    assert "Pour Léo Durand" in listed.text and rx["pdf_url"] in listed.text
    assert "Télécharger l'ordonnance de Léo Durand (PDF)" in listed.text
    assert page.get(rx["pdf_url"]).status_code == 200
    recap = page.get(f"/teleconsultation/{eid}/recapitulatif")
    assert recap.status_code == 200 and "Paracétamol 250 mg" in recap.text
    assert "Pour Léo Durand" not in stranger.get("/mes-consultations").text
    assert stranger.get(f"/teleconsultation/{eid}/recapitulatif").status_code == 404


def test_call_page_header_shows_the_signed_in_visitor(client, world, db_url):  # noqa: F811
    """``/visio/{room}`` renders the header with the visitor, as every page does: the
    signed-in patient sees their name and « Se déconnecter », not « Se connecter »."""
    _, ph, _ = patient(client)
    assert client.post("/api/v1/teleconsult/queue", headers=ph,
                       json={"reason": "Toux"}).status_code == 201
    gp = login(client, "gp@t.fr")
    on_duty(client, gp)
    eid = client.post("/api/v1/teleconsult/queue/next", headers=gp).json()["encounter"]["id"]
    call = client.get(f"/api/v1/encounters/{eid}/call", headers=ph).json()
    url = f"/visio/{call['room']}?token={call['token']}"
    signed_in = client_for(client.app, "jeanne@t.fr").get(url)
    assert signed_in.status_code == 200
    header = signed_in.text.split("</header>", 1)[0]
    assert 'class="who"' in header and "Se déconnecter" in header
    assert "Se connecter" not in header
    anonymous = client_for(client.app, None).get(url)
    assert anonymous.status_code == 200
    assert "Se connecter" in anonymous.text.split("</header>", 1)[0]
