"""A patient on a 360 px phone: sign up, find care in the Nièvre, book, see it, cancel.

Runs on the synthetic demo (``oasis demo load``) in a fresh SQLite database.  Every main
patient page is screenshotted to ``test-artifacts/screenshots/patient_*.png``; the harness
fails the test if anything is requested outside 127.0.0.1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import load_demo
from tests.factories.care import link_secret

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo_server(live_server_factory):
    server = live_server_factory()  # sets DATABASE_URL to this test's own SQLite file
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session, days=8)
    return server


@pytest.fixture
def shots(request) -> Path:
    root = os.environ.get("OASIS_ARTIFACTS_DIR") or request.config.rootpath / "test-artifacts"
    folder = Path(root) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fits_phone(page) -> None:
    """No horizontal scrolling at 360 px, and text stays large enough to read."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: page is {width}px wide at 360px"
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main "
                         "label')).fontSize)")
    assert size >= 16, f"{page.url}: body text {size}px"


def snap(page, shots: Path, name: str) -> None:
    fits_phone(page)
    page.screenshot(path=str(shots / f"patient_{name}.png"), full_page=True)


def test_patient_finds_books_and_cancels_on_a_phone(demo_server, new_page, shots):
    page = new_page("patient", viewport=PHONE, is_mobile=True, has_touch=True)
    base = demo_server.url

    page.goto(base + "/inscription")
    snap(page, shots, "inscription")
    page.get_by_label("Prénom").fill("Lucie")
    page.get_by_label("Nom", exact=True).fill("Bernard")
    page.get_by_label("Date de naissance").fill("1958-07-14")
    page.get_by_label("Votre commune ou votre code postal").fill("Saint-Saulge")
    page.get_by_label("Adresse e-mail").fill("lucie.bernard@example.test")
    page.get_by_label("Mot de passe (8 caractères au moins)").fill("un-mot-de-passe")
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("heading", name="Vérifiez vos e-mails").wait_for()
    # the activation link arrives by e-mail (the outbox); the patient opens it
    secret = link_secret(os.environ["DATABASE_URL"], "lucie.bernard@example.test")
    page.goto(f"{base}/inscription/confirmer/{secret}")
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url(re.compile(r"/trouver-un-soin$"))

    # A Nièvre postal code shared by four communes: the patient picks hers.
    page.get_by_label("Votre commune ou votre code postal").fill("58000")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("alert").get_by_text("choisissez la vôtre").wait_for()
    page.get_by_role("link", name="Nevers (58)").click()
    results = page.locator("ol.options > li")
    results.first.wait_for()
    assert page.get_by_role("heading", level=2).inner_text().endswith("près de Nevers (58)")
    assert results.count() >= 3
    first = results.first
    assert "Trajet" in first.inner_text() and "€" in first.inner_text()
    assert page.locator(".promise").count() == 1
    snap(page, shots, "trouver_un_soin")

    slot_link = first.locator("a.slot").first
    when = slot_link.inner_text()
    slot_link.click()
    page.wait_for_url(re.compile(r"/rendez-vous/confirmer\?creneau=\d+"))
    page.get_by_label("Motif (facultatif)").fill("Renouvellement d'ordonnance")
    snap(page, shots, "confirmer")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_url(re.compile(r"/mes-rendez-vous\?reserve=\d+$"))
    assert page.get_by_role("status").inner_text() == "Votre rendez-vous est réservé."
    booked = page.locator(".appointment").first
    assert booked.locator(".when").inner_text().lower() == when.lower()
    snap(page, shots, "mes_rendez_vous")

    booked.get_by_role("link", name="Annuler ce rendez-vous").click()
    snap(page, shots, "annuler")
    page.get_by_role("button", name="Oui, annuler ce rendez-vous").click()
    page.wait_for_url(re.compile(r"/mes-rendez-vous\?annule=\d+$"))
    assert page.get_by_role("status").inner_text() == "Votre rendez-vous est annulé."
    assert "Aucun rendez-vous prévu" in page.locator("main").inner_text()
    assert "annulé" in page.locator(".past").inner_text()

    page.get_by_role("link", name="Mes consultations").click()
    page.wait_for_url(re.compile(r"/mes-consultations$"))
    snap(page, shots, "mes_consultations")

    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(base + "/connexion")
    snap(page, shots, "connexion")


def test_keyboard_only_search(demo_server, new_page):
    """Tab to the field, type, Enter: results without a mouse; the focus is visible."""
    page = new_page("clavier", viewport=PHONE)
    page.goto(demo_server.url + "/trouver-un-soin")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    field = page.get_by_label("Votre commune ou votre code postal")
    field.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type("Varennes-Vauzelles")
    page.keyboard.press("Enter")
    page.locator("ol.options > li").first.wait_for()
    assert "Varennes-Vauzelles" in page.get_by_role("heading", level=2).inner_text()
