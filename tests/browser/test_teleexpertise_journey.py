"""Téléexpertise journeys in Debian's chromium on the demo (« make run » data):

* GP → dermatologist → patient: the GP sends a photo of a skin lesion with the patient's
  consent; the CPTS dermatologist finds it in her queue and answers « consultation en
  présentiel »; the patient sees the answer and books one of the offered slots;
* network coordinator → SAS regulator: the CPTS coordination keeps a slot of the next
  48 h for the SAS; the regulator books it for a caller.

Screenshots: ``test-artifacts/screenshots/test_*-<role>.png``.
"""

from __future__ import annotations

import shutil

import pytest

from oasis.care.core.db import dispose_engine, session_scope
from oasis.care.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(live_server_factory, _sqlite_template, tmp_path):
    from oasis.care.demo import load_demo

    path = tmp_path / "demo.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    with session_scope(url) as session:
        load_demo(session, days=7)
    server = live_server_factory(database_url=url, attachments_dir=tmp_path / "pj")
    yield server
    dispose_engine(url)


def sign_in(page, email: str) -> None:
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def lesion_png(tmp_path):
    from PIL import Image

    path = tmp_path / "lesion-dos.png"
    Image.new("RGB", (64, 48), (150, 90, 70)).save(path, format="PNG")
    return path


def test_gp_photo_dermatologist_in_person_patient_books(demo_server, new_page, tmp_path):
    server = demo_server
    gp = new_page("requester")
    gp.goto(server.url + "/pro/teleexpertise")
    sign_in(gp, "medecin@demo.oasis.fr")
    gp.wait_for_url("**/pro/teleexpertise")
    gp.get_by_label("Patient", exact=True).select_option(label="Durand Jeanne (12/05/1948)")
    gp.get_by_label("Spécialité", exact=True).select_option("dermatologue")
    gp.get_by_label("Protocole du réseau (facultatif)").select_option(
        label="Lésion cutanée suspecte — CPTS du Nivernais (démo)")
    gp.get_by_label("Question posée").fill("Lésion pigmentée du dos, bords irréguliers : avis ?")
    gp.get_by_label("Contexte clinique").fill("Apparue il y a 3 mois, a grossi.")
    gp.get_by_label("Pièces jointes (JPEG, PNG ou PDF)").set_input_files(str(lesion_png(tmp_path)))
    gp.get_by_label("Le patient a donné son accord à cette téléexpertise").check()
    gp.get_by_role("button", name="Envoyer la demande").click()
    gp.wait_for_url("**/pro/teleexpertise?envoye=*")
    assert "envoyée à l'expert" in gp.get_by_role("status").inner_text()

    derm = new_page("expert")
    derm.goto(server.url + "/pro/teleexpertise/file")
    sign_in(derm, "dermatologue@demo.oasis.fr")
    derm.wait_for_url("**/pro/teleexpertise/file")
    derm.locator("table.queue a", has_text="Lésion pigmentée").click()
    assert derm.get_by_role("link", name="lesion-dos.png").is_visible()
    derm.get_by_label("Avis", exact=True).fill(
        "Lésion atypique à la photo : examen dermatoscopique au cabinet sous 15 jours.")
    derm.get_by_label("Consultation en présentiel").check()
    derm.get_by_role("button", name="Envoyer l'avis").click()
    derm.wait_for_url("**ok=avis")
    assert "TE2" in derm.locator("#actes").locator("..").inner_text()

    patient = new_page("patient")
    patient.goto(server.url + "/mes-avis-specialiste")
    sign_in(patient, "patient@demo.oasis.fr")
    patient.wait_for_url("**/mes-avis-specialiste")
    patient.get_by_role("link", name="Dermatologie").first.click()
    assert "Consultation en présentiel" in patient.locator(".recommendation").inner_text()
    assert "Vasseur" in patient.locator("ul.options").inner_text()
    patient.locator("button.slot").first.click()
    patient.wait_for_url("**ok=1")
    assert patient.locator("#rdv-pris").is_visible()
    patient.goto(server.url + "/mes-rendez-vous")
    assert "Vasseur" in patient.locator("main").inner_text()


def test_coordinator_keeps_a_sas_slot_and_regulator_books_it(demo_server, new_page):
    server = demo_server
    coord = new_page("coordinator")
    coord.goto(server.url + "/coordination/reseaux")
    sign_in(coord, "cpts@demo.oasis.fr")
    coord.wait_for_url("**/coordination/reseaux")
    assert "CPTS du Nivernais (démo)" in coord.get_by_role("heading", level=2).first.inner_text()
    boxes = coord.locator("input[name=slot_ids]")
    if boxes.count() == 0:
        pytest.skip("no free slot in the next 48 h at this time of the week")
    boxes.first.check()
    boxes.first.locator("xpath=ancestor::form").get_by_role(
        "button", name="Réserver au SAS").click()
    coord.wait_for_url("**ok=sas")

    reg = new_page("regulator")
    reg.goto(server.url + "/sas")
    sign_in(reg, "regulateur@demo.oasis.fr")
    reg.wait_for_url("**/sas")
    first = reg.locator("ul.sas-slots > li").first
    first.locator("summary").click()
    first.get_by_label("Nom", exact=True).fill("Appelant")
    first.get_by_label("Prénom").fill("Marcel")
    first.get_by_label("Date de naissance").fill("1958-07-14")
    first.get_by_label("Commune (code INSEE)").fill("58194")
    first.get_by_role("button", name="Réserver ce créneau").click()
    reg.wait_for_url("**/sas?ok=1")
    assert "réservé pour l'appelant" in reg.get_by_role("status").inner_text()


