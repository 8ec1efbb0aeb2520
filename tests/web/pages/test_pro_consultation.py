"""The practitioner's consultation screen: gate, record, prescription, referral, closing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.teleconsult import queue
from oasis.care.teleconsult.models import Encounter, MedicationRequest, ServiceRequest
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.pro import build, client_for, csrf_of


@pytest.fixture
def world(db_url):
    return build(db_url)


@pytest.fixture
def encounter_id(db_url, world) -> int:
    """Jeanne Durand joins the queue; Dr Alice Martin takes her (an in-progress encounter)."""
    with session_factory(db_url)() as s:
        doctor = Actor(account_id=None, role="practitioner", practitioner_id=world.doctor)
        queue.set_presence(s, doctor, "available")
        queue.join(s, Actor(account_id=None, role="patient", patient_id=world.patient),
                   patient_id=world.patient, reason="Toux depuis trois jours")
        encounter = queue.take_next(s, doctor)
        s.commit()
        return encounter.id


@pytest.fixture
def app(db_url, world):
    return create_app(Settings(database_url=db_url, secret_key="test-secret"))



def open_page(client, encounter_id) -> str:
    r = client.get(f"/pro/consultation/{encounter_id}")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.text


def post(client, encounter_id, action, **data):
    html = open_page(client, encounter_id)
    r = client.post(f"/pro/consultation/{encounter_id}/{action}",
                    data={"csrf": csrf_of(html), **data})
    assert r.status_code == 303, r.text
    return client.get(r.headers["location"]).text


# ------------------------------------------------------------------ gate
def test_signed_out_is_sent_to_sign_in(app, encounter_id):
    r = client_for(app, None).get(f"/pro/consultation/{encounter_id}")
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion?suite=")


@pytest.mark.parametrize("email", ["doc2@test.fr", "patient@test.fr", "infirmiere@test.fr",
                                   "coord@test.fr"])
def test_anyone_but_the_encounters_practitioner_gets_a_404(app, db_url, encounter_id, email):
    client = client_for(app, email)
    for r in (client.get(f"/pro/consultation/{encounter_id}"),
              client.post(f"/pro/consultation/{encounter_id}/compte-rendu",
                          data={"csrf": "x", "notes": "pirate"})):
        assert r.status_code == 404
        assert "Page introuvable" in r.text and "Durand" not in r.text
    with session_factory(db_url)() as s:
        assert s.get(Encounter, encounter_id).notes in (None, "")
        if email == "doc2@test.fr":  # the refused practitioner is in the audit log
            assert s.scalar(select(AuditEvent).where(
                AuditEvent.entity_type == "Encounter", AuditEvent.entity_id == str(encounter_id),
                AuditEvent.outcome == "denied"))


def test_unknown_encounter_is_a_404(app, encounter_id):
    assert client_for(app, "doc@test.fr").get("/pro/consultation/999999").status_code == 404


# ------------------------------------------------------------------ screen
def test_header_call_and_queue_link(app, encounter_id):
    html = open_page(client_for(app, "doc@test.fr"), encounter_id)
    assert "Consultation de" in html and "Durand" in html
    assert "Toux depuis trois jours" in html and "Vidéo" in html and " ans" in html
    assert re.search(r'<iframe src="/visio/[^"?]+\?token=[^"]+"', html)
    listing = client_for(app, "doc@test.fr").get("/pro/consultations").text
    assert f'href="/pro/consultation/{encounter_id}"' in listing
    assert "Ouvrir la consultation" in listing


def test_save_notes_and_diagnosis(app, db_url, encounter_id):
    client = client_for(app, "doc@test.fr")
    html = post(client, encounter_id, "compte-rendu", notes="Toux sèche, pas de fièvre.",
                diagnostic="Rhinopharyngite", cim10="j06.9")
    assert "Compte rendu enregistré." in html and "Toux sèche, pas de fièvre." in html
    with session_factory(db_url)() as s:
        e = s.get(Encounter, encounter_id)
        assert (e.notes, e.diagnosis_text, e.diagnosis_code) == (
            "Toux sèche, pas de fièvre.", "Rhinopharyngite", "J06.9")
    html = post(client, encounter_id, "compte-rendu", notes="autre", cim10="pas-un-code")
    assert "CIM-10 invalide" in html
    with session_factory(db_url)() as s:  # bad input: nothing lost
        assert s.get(Encounter, encounter_id).notes == "Toux sèche, pas de fièvre."


def test_forged_form_is_refused(app, db_url, encounter_id):
    client = client_for(app, "doc@test.fr")
    r = client.post(f"/pro/consultation/{encounter_id}/compte-rendu",
                    data={"csrf": "0" * 32, "notes": "forgé"})
    assert "Formulaire+expir" in r.headers["location"]
    with session_factory(db_url)() as s:
        assert s.get(Encounter, encounter_id).notes in (None, "")


def test_prescription_created_with_pdf_link(app, db_url, encounter_id):
    client = client_for(app, "doc@test.fr")
    html = post(client, encounter_id, "ordonnance", name_0="Paracétamol 1 g",
                dosage_0="1 comprimé 3 fois par jour", duration_0="5 jours",
                name_1="Sirop", dosage_1="1 cuillère le soir", duration_1="7 jours")
    with session_factory(db_url)() as s:
        rx = s.scalar(select(MedicationRequest).where(
            MedicationRequest.encounter_id == encounter_id))
        assert [line["name"] for line in rx.lines] == ["Paracétamol 1 g", "Sirop"]
    assert f"Ordonnance n° {rx.id} créée." in html
    link = f"/api/v1/prescriptions/{rx.id}/pdf"
    assert f'href="{link}"' in html
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = post(client, encounter_id, "ordonnance", name_0="Sans posologie")
    assert 'role="alert"' in html and "ligne 1" in html.lower()


def test_referral_to_specialty(app, db_url, encounter_id):
    client = client_for(app, "doc@test.fr")
    html = post(client, encounter_id, "orientation", specialite="cardiologue",
                motif="Souffle à l'auscultation", priorite="urgent")
    assert "Orientation enregistrée." in html and "Souffle à l&#39;auscultation" in html
    with session_factory(db_url)() as s:
        r = s.scalar(select(ServiceRequest).where(ServiceRequest.encounter_id == encounter_id))
        assert (r.specialty, r.priority) == ("cardiologue", "urgent")
    html = post(client, encounter_id, "orientation", motif="Sans cible")
    assert "Indiquez un site ou une spécialité." in html


def test_close_shows_the_billing_statement_in_euros(app, db_url, encounter_id):
    client = client_for(app, "doc@test.fr")
    html = post(client, encounter_id, "cloture")
    assert "Consultation close" in html and "Feuille de soins" in html
    assert "Assurance Maladie" in html and re.search(r"\d+,\d{2} €", html)
    assert "<iframe" not in html
    with session_factory(db_url)() as s:
        assert s.get(Encounter, encounter_id).status == "finished"
    html = post(client, encounter_id, "cloture")
    assert "La consultation est close." in html


def test_closing_shows_the_conditions_and_the_doctor_confirms_them(app, db_url,
                                                                   encounter_id):
    """Convention 2024 art. 87-3: no médecin traitant and no territorial organisation →
    not reimbursed; the doctor confirms the CPTS/MSP route → TCG 25 €, AMO 70 % − 2 €."""
    from oasis.care.billing.models import ParticipationDay, TeleconsultationYear
    from oasis.care.teleconsult.models import BillingStatement

    client = client_for(app, "doc@test.fr")
    html = open_page(client, encounter_id)
    assert 'data-reimbursable="non"' in html and "Hors des conditions" in html
    assert "vous n&#39;avez pas déclaré de médecin traitant" in html
    assert "Part de téléconsultation : 0 téléconsultation(s)" in html
    html = post(client, encounter_id, "cloture", organisation="1")
    assert "Règles appliquées" in html and "15,50 €" in html
    with session_factory(db_url)() as s:
        st = s.scalar(select(BillingStatement).where(
            BillingStatement.encounter_id == encounter_id))
        assert (st.act_code, st.amo_cents, st.patient_cents) == ("TCG", 1550, 950)
        assert st.situation["territorial_organisation"] is True
        day = s.scalar(select(ParticipationDay))
        assert day.amount_cents == 200
        year = s.scalar(select(TeleconsultationYear))
        assert (year.counted, year.own_patients) == (1, 0)
