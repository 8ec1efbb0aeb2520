"""The two links a patient lost once (a route check that never saw included routes):
the finder's teleconsultation card and the prescription PDF, each clicked in Chromium."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from oasis.care.core.actor import Actor
from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import load_demo
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleconsult import encounters, prescriptions, queue


@pytest.fixture
def demo_server(live_server_factory):
    server = live_server_factory()  # sets DATABASE_URL to this test's own SQLite file
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session, days=3)
    return server


def _teleconsulting_gp(session) -> Actor:
    doctor = session.scalar(select(Practitioner).where(
        Practitioner.teleconsultation, Practitioner.specialty == "generaliste"))
    return Actor(account_id=None, role="practitioner", practitioner_id=doctor.id)


def test_finder_teleconsultation_card_leads_to_the_queue(demo_server, new_page):
    """In Mende (48), with a GP on duty, the queue is the only option: its card must
    lead to it."""
    with session_scope(os.environ["DATABASE_URL"]) as session:
        queue.set_presence(session, _teleconsulting_gp(session), "available")
    page = new_page("finder")
    page.goto(demo_server.url + "/trouver-un-soin?ou=48095")
    page.get_by_role("link", name="Rejoindre la file d'attente").first.click()
    page.wait_for_url("**/teleconsultation?besoin=generaliste")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Téléconsultation")


def test_my_consultations_offers_the_prescription_pdf(demo_server, new_page):
    url = os.environ["DATABASE_URL"]
    with session_scope(url) as session:
        patient = session.scalar(select(Patient).where(Patient.email == "patient@demo.oasis.fr"))
        doc = _teleconsulting_gp(session)
        queue.set_presence(session, doc, "available")
        queue.join(session, Actor(account_id=None, role="patient", patient_id=patient.id),
                   patient_id=patient.id, reason="Toux depuis une semaine")
        encounter = queue.take_next(session, doc)
        rx = prescriptions.issue(session, doc, encounter.id, [
            {"name": "Paracétamol 1 g", "dosage": "1 comprimé 3 fois par jour",
             "duration": "5 jours"}])
        encounters.update_record(session, doc, encounter.id, diagnosis_text="Bronchite")
        rx_id = rx.id
    page = new_page("patient")
    page.goto(demo_server.url + "/connexion")
    page.get_by_label("Adresse e-mail").fill("patient@demo.oasis.fr")
    page.get_by_label("Mot de passe").fill("oasis-demo")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Mes consultations").first.click()
    page.wait_for_url("**/mes-consultations")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'ordonnance (PDF)").first.click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert rx_id in download.value.suggested_filename
