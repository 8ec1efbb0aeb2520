"""The teleconsultation journey in real browsers (Debian chromium, fake camera/microphone):
a patient joins the queue from the French page and sees their place live, a doctor goes
on duty and takes them, and both land on the consultation's call page and reach
``connected`` with video frames flowing.  ETT variant: the nurse opens the session for a
walk-in patient, three parties connect, and the nurse's measurement is in the record."""

from __future__ import annotations

from datetime import date

import pytest

from oasis.care.accounts import service as accounts
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory, upgrade
from oasis.care.people import service as people
from oasis.care.sites import service as sites
from tests.factories.care import make_practice
from tests.factories.visio_pages import wait_connected, wait_video

PASSWORD = "motdepasse-123"


@pytest.fixture
def server(live_server):
    url = live_server.app.state.settings.database_url
    upgrade(url)
    s = session_factory(url)()
    _, doctor, _ = make_practice(s, rpps_seed=31)
    patient = people.create_patient(s, Actor.system(), family_name="Durand",
                                    given_name="Jeanne", birth_date=date(1950, 3, 2),
                                    commune_code="58194")
    ett = sites.create_location(s, name="ETT de Luzy", kind="ett", commune_code="58149",
                                nurse_present=True)
    nurse = people.create_staff(s, kind="nurse", family_name="Petit", given_name="Anne",
                                location_id=ett.id)
    accounts.create_account(s, email="doc@t.fr", password=PASSWORD, role="practitioner",
                            practitioner_id=doctor.id, display_name="Dr Alice Martin")
    accounts.create_account(s, email="jeanne@t.fr", password=PASSWORD, role="patient",
                            patient_id=patient.id, display_name="Jeanne Durand")
    accounts.create_account(s, email="ide@t.fr", password=PASSWORD, role="nurse",
                            staff_id=nurse.id, display_name="Anne Petit")
    s.commit()
    s.close()
    return live_server


def open_logged_in(new_page, server, path: str, email: str, label: str):
    page = new_page(label)
    page.goto(server.url + path)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#tc-login", state="detached")
    return page


def doctor_on_duty(new_page, server):
    doctor = open_logged_in(new_page, server, "/teleconsultation/medecin", "doc@t.fr", "medecin")
    doctor.get_by_role("button", name="Je suis disponible").click()
    doctor.wait_for_selector("#tc-available[aria-pressed='true']")
    return doctor


def join_call(page) -> None:
    page.wait_for_url("**/visio/**", timeout=20_000)
    page.get_by_role("button", name="Rejoindre l'appel").click()


def test_doctor_takes_patient_from_queue_and_call_connects(server, new_page):
    patient = open_logged_in(new_page, server, "/teleconsultation", "jeanne@t.fr", "patient")
    patient.get_by_label("Motif de la consultation").fill("Toux et fièvre depuis 3 jours")
    patient.get_by_role("button", name="Rejoindre la file d'attente").click()
    position = patient.locator("#tc-position")
    position.filter(has_text="Vous êtes le prochain patient.").wait_for()
    assert "Aucun médecin" in patient.locator("#tc-wait").inner_text()

    doctor = doctor_on_duty(new_page, server)
    # the doctor going on duty reaches the waiting patient live, without a reload
    patient.locator("#tc-wait").filter(has_text="Un médecin va vous prendre").wait_for()
    doctor.locator("#tc-summary").filter(has_text="1 patient en attente").wait_for()
    doctor.get_by_role("button", name="Prendre le patient suivant").click()
    join_call(doctor)
    join_call(patient)
    for page in (doctor, patient):
        wait_connected(page, 1)
    frames = wait_video(patient)
    assert all(v["frames"] > 0 and v["width"] > 0 for v in frames.values())


def test_red_flag_in_the_page_shows_emergency_numbers(server, new_page):
    patient = open_logged_in(new_page, server, "/teleconsultation", "jeanne@t.fr", "patient")
    patient.get_by_label("Motif de la consultation").fill("J'ai mal")
    patient.get_by_label("Douleur ou serrement dans la poitrine").check()
    patient.get_by_role("button", name="Rejoindre la file d'attente").click()
    alert = patient.locator("#tc-emergency")
    alert.wait_for()
    assert "15" in alert.inner_text() and "112" in alert.inner_text()
    assert patient.locator("#tc-waiting").is_hidden()


def test_ett_three_parties_and_measurement_persisted(server, new_page):
    doctor = doctor_on_duty(new_page, server)
    nurse = open_logged_in(new_page, server, "/teleconsultation/ett", "ide@t.fr", "infirmiere")
    nurse.get_by_label("Nom de famille").fill("Morel")
    nurse.get_by_label("Date de naissance").fill("1948-07-14")
    nurse.get_by_role("button", name="Rechercher le patient").click()
    nurse.get_by_label("Nouveau patient").wait_for()
    assert nurse.get_by_label("Nouveau patient").is_checked()
    nurse.get_by_label("Prénom").fill("Louis")
    nurse.get_by_label("Commune ou code postal").fill("Luzy")  # a name, not an INSEE code
    nurse.get_by_label("Motif de la consultation").fill("Plaie du mollet à surveiller")
    nurse.get_by_role("button", name="Ouvrir la séance").click()
    nurse.locator("#tc-position").filter(has_text="Le patient est le prochain").wait_for()
    doctor.get_by_role("button", name="Prendre le patient suivant").click()
    join_call(doctor)
    join_call(nurse)
    encounter_id = doctor.request.get(f"{server.url}/api/v1/encounters").json()[0]["id"]
    link = nurse.request.get(f"{server.url}/api/v1/encounters/{encounter_id}/call"
                             "?for_patient=true")
    assert link.ok, link.text()
    patient = new_page("patient")
    patient.goto(server.url + link.json()["url"])
    patient.get_by_role("button", name="Rejoindre l'appel").click()
    for page in (doctor, nurse, patient):
        wait_connected(page, 2)
    nurse.locator("#m-systolic").fill("135")
    nurse.locator("#m-diastolic").fill("85")
    nurse.locator("#m-spo2").fill("97")
    nurse.locator("#visio-measure button[type=submit]").click()
    doctor.locator("#visio-measure-list").filter(has_text="135/85").wait_for()
    record = doctor.request.get(f"{server.url}/api/v1/encounters/{encounter_id}").json()
    assert [m["values"] for m in record["measurements"]] == [
        {"systolic": 135, "diastolic": 85, "spo2": 97}]
    assert record["measurements"][0]["role"] == "nurse"
