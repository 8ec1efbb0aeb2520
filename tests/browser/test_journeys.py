"""Issue 15 journeys in Chromium, by clicking: the finder's teleconsultation card leads
to the queue, « Mes consultations » gives the prescription PDF, and axe-core (npm, from
``make assets``; never a CDN) finds no critical or serious violation on the pages of
every role at 1280 and 360 px."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from oasis.care.accounts.models import Account
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import DEMO_PASSWORD, load_demo
from oasis.care.teleconsult import encounters, prescriptions, queue
from oasis.care.teleconsult.billing import Situation

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ({"width": 1280, "height": 900}, {"width": 360, "height": 740})


@pytest.fixture
def demo_server(live_server_factory):
    server = live_server_factory()
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session, days=3)
    return server


def actor_of(session, email: str) -> Actor:
    from oasis.care.accounts import service as accounts

    return accounts.actor_for(session, session.scalars(
        select(Account).where(Account.email == email)).one())


def sign_in(page, email: str) -> None:
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_anonymous_search_leads_to_the_teleconsultation_queue(demo_server, new_page):
    """Defect 1: the on-demand card ends with a link to the queue, not « bientôt »."""
    with session_scope(os.environ["DATABASE_URL"]) as session:
        queue.set_presence(session, actor_of(session, "medecin@demo.oasis.fr"), "available")
    page = new_page("anonyme")
    page.goto(demo_server.url + "/")
    page.get_by_label("Votre commune ou votre code postal").fill("Mende")
    page.get_by_role("button", name="Chercher un médecin").click()
    card = page.locator('[data-category="teleconsultation_now"]')
    card.wait_for()
    assert "bientôt" not in card.inner_text()
    assert "Un médecin est disponible." in card.inner_text()
    card.get_by_role("link", name="Rejoindre la file d'attente").click()
    page.wait_for_url("**/teleconsultation?besoin=generaliste")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Téléconsultation")


def test_my_consultations_gives_the_prescription_pdf(demo_server, new_page):
    """Defect 1: « Mes consultations » shows the prescription's PDF link, and it works."""
    with session_scope(os.environ["DATABASE_URL"]) as session:
        patient = actor_of(session, "patient@demo.oasis.fr")
        doctor = actor_of(session, "medecin@demo.oasis.fr")
        queue.join(session, patient, patient_id=patient.patient_id, reason="Angine")
        queue.set_presence(session, doctor, "available")
        enc = queue.take_next(session, doctor)
        prescriptions.issue(session, doctor, enc.id, [
            {"name": "Amoxicilline 1 g", "dosage": "1 cp matin et soir",
             "duration": "6 jours"}], utcnow())
        encounters.close(session, doctor, enc.id, Situation(), utcnow() + timedelta(minutes=9),
                         partners=())
    page = new_page("patient")
    page.goto(demo_server.url + "/")
    sign_in(page, "patient@demo.oasis.fr")
    page.get_by_role("link", name="Mes consultations").first.click()
    link = page.get_by_role("link", name="Télécharger l'ordonnance (PDF)")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_nurse_opens_an_ett_session_for_an_existing_patient(demo_server, new_page):
    """Defect 9: found by name and birth date, addressed in the third person."""
    page = new_page("infirmiere")
    page.goto(demo_server.url + "/")
    sign_in(page, "infirmiere@demo.oasis.fr")
    page.get_by_role("link", name="Ouvrir une séance ETT").first.click()
    page.get_by_label("Nom de famille").fill("durand")
    page.get_by_label("Date de naissance").fill("1948-05-12")
    page.get_by_role("button", name="Rechercher le patient").click()
    found = page.get_by_label("Jeanne Durand (commune 58194)")
    found.wait_for()
    assert found.is_checked() and page.locator("#tc-ett-new").is_hidden()
    page.get_by_label("Motif de la consultation").fill("Renouvellement de traitement")
    page.get_by_role("button", name="Ouvrir la séance").click()
    page.get_by_role("heading", name="Le patient est dans la file").wait_for()
    page.locator("#tc-position").filter(has_text="Le patient est").wait_for()
    assert "Vous êtes" not in page.locator("#tc-waiting").inner_text()
    page.get_by_role("button", name="Retirer le patient de la file").click()
    page.get_by_role("heading", name="Le patient a quitté la file").wait_for()
    assert page.locator("#tc-waiting").is_hidden()


def test_patient_leaving_the_queue_is_told_so(demo_server, new_page):
    """Defect 7: after « Quitter la file » the page no longer says « dans la file »."""
    page = new_page("patient-file", viewport=WIDTHS[1], is_mobile=True)
    page.goto(demo_server.url + "/")
    sign_in(page, "patient@demo.oasis.fr")
    page.get_by_role("link", name="Téléconsultation").first.click()
    page.get_by_label("Motif de la consultation").fill("Mal de gorge")
    page.get_by_role("button", name="Rejoindre la file d'attente").click()
    page.get_by_role("heading", name="Vous êtes dans la file").wait_for()
    page.get_by_role("button", name="Quitter la file").click()
    page.get_by_role("heading", name="Vous avez quitté la file").wait_for()
    assert not page.get_by_text("Vous êtes dans la file").is_visible()
    page.get_by_role("link", name="Rejoindre à nouveau la file").click()
    page.get_by_label("Motif de la consultation").wait_for()


def test_patient_profile_gp_then_book_and_reschedule(demo_server, new_page):
    """« Mon profil » → médecin traitant → book → reschedule, by clicking, at 360 px."""
    import re

    page = new_page("patient-profil", viewport=WIDTHS[1], is_mobile=True)
    page.goto(demo_server.url + "/")
    sign_in(page, "patient@demo.oasis.fr")
    page.get_by_role("link", name="Mon profil").first.click()
    page.get_by_label("Chercher votre médecin traitant").fill("moreau")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Choisir .*Moreau")).first.click()
    page.get_by_role("status").filter(has_text="médecin traitant est enregistré").wait_for()
    assert "Moreau" in page.locator("#medecin-actuel").inner_text()
    page.get_by_role("link", name="Trouver un soin").first.click()
    page.get_by_role("button", name="Chercher").click()
    slot = page.locator("ol.options > li a.slot").first
    slot.wait_for()
    slot.click()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_url(re.compile(r"/mes-rendez-vous\?reserve=\d+$"))
    booked = page.locator("[data-appointment]").first
    before = booked.locator(".when").inner_text()
    booked.get_by_role("link", name="Déplacer ce rendez-vous").click()
    page.get_by_role("heading", name="Déplacer le rendez-vous").wait_for()
    page.locator("button.slot").nth(1).click()
    page.get_by_role("status").filter(has_text="Votre rendez-vous est déplacé.").wait_for()
    after = page.locator("[data-appointment]").first.locator(".when").inner_text()
    assert after != before
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTHS[1]["width"], width


ROLE_PAGES = {
    None: ["/", "/trouver-un-soin?ou=Mende", "/teleconsultation", "/connexion",
           "/inscription", "/planification", "/planification/couverture",
           "/planification/epci-prioritaires?top=20", "/carte"],
    "patient@demo.oasis.fr": ["/mes-rendez-vous", "/mes-consultations", "/mon-profil",
                              "/mon-profil?medecin=moreau", "/trouver-un-soin"],
    "medecin@demo.oasis.fr": ["/pro/agenda", "/pro/disponibilites",
                              "/teleconsultation/medecin", "/pro/consultations"],
    "infirmiere@demo.oasis.fr": ["/teleconsultation/ett"],
    "coordination@demo.oasis.fr": ["/coordination/audit", "/coordination/implantation",
                                   "/coordination/volontaires", "/coordination/missions"],
}


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core not installed (make assets)")
@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_axe_finds_no_critical_or_serious_violation(demo_server, new_page, viewport):
    failures = []
    for email, paths in ROLE_PAGES.items():
        # axe is injected as a script of the test's own: the CSP (tested elsewhere) is
        # bypassed for it, not for the pages' own scripts.
        page = new_page(f"axe-{(email or 'anonyme').split('@')[0]}", viewport=viewport,
                        bypass_csp=True)
        if email:
            page.goto(demo_server.url + "/")
            sign_in(page, email)
        for path in paths:
            response = page.goto(demo_server.url + path)
            assert response.status < 400, (path, response.status)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.filter(v => ["critical", "serious"].includes(v.impact))
                  .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3)
                    .map(n => n.target.join(" ")).join(" | "));
            }""")
            failures += [f"{path} ({email or 'anonyme'}): {v}" for v in found]
    assert not failures, "\n".join(failures)
