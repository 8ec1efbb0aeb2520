"""A parent books for their child, by clicking: sign up → « Mon profil » → médecin
traitant → add a child → find care → « Pour qui ? » the child → « Mes rendez-vous »
shows it for the child → « Déplacer » → the day-before reminder of the child's
appointment reaches a real local SMTP server (aiosmtpd).

Screenshots: ``test-artifacts/screenshots/patient_profil_proches*.png`` and
``patient_rdv_enfant*.png`` at 1280 and 360 px; axe-core finds no critical or serious
violation on the pages this journey added or changed.
"""

from __future__ import annotations

import email
import os
import re
import socket
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import load_demo
from oasis.care.notifications import service as notifications
from oasis.care.people.models import PatientGuardian
from tests.factories.care import link_secret

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
EMAIL = "camille.roux@example.test"
PASSWORD = "un-mot-de-passe"


@pytest.fixture
def demo_server(live_server_factory):
    server = live_server_factory()
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


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd API name
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def snap(page, shots: Path, name: str) -> None:
    """The page at 1280 px, then at 360 px (no horizontal scrolling there)."""
    page.set_viewport_size(WIDE)
    page.screenshot(path=str(shots / f"patient_{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width}px wide at 360px"
    page.screenshot(path=str(shots / f"patient_{name}_360.png"), full_page=True)
    page.set_viewport_size(WIDE)


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => ["critical", "serious"].includes(v.impact))
          .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3)
            .map(n => n.target.join(" ")).join(" | "));
    }""")


def test_a_parent_books_and_moves_an_appointment_for_their_child(demo_server, new_page,
                                                                  shots, smtp):
    base = demo_server.url
    page = new_page("parent", viewport=WIDE)
    page.goto(base + "/inscription")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Roux")
    page.get_by_label("Date de naissance").fill("1989-04-21")
    page.get_by_label("Votre commune ou votre code postal").fill("Varennes-Vauzelles")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe (8 caractères au moins)").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("heading", name="Vérifiez vos e-mails").wait_for()
    # the activation link arrives by e-mail (the outbox); the parent opens it
    secret = link_secret(os.environ["DATABASE_URL"], EMAIL)
    page.goto(f"{base}/inscription/confirmer/{secret}")
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url(re.compile(r"/trouver-un-soin$"))

    # « Mon profil »: the parent's médecin traitant, searched among Oasis's doctors
    page.get_by_role("link", name="Mon profil").first.click()
    page.get_by_label("Chercher votre médecin traitant").fill("moreau")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Choisir .*Moreau")).first.click()
    page.get_by_role("status").filter(has_text="médecin traitant est enregistré").wait_for()

    # … then the child
    page.get_by_label("Prénom du proche").fill("Léo")
    page.get_by_label("Nom de famille du proche").fill("Roux")
    page.get_by_label("Date de naissance du proche").fill("2019-03-02")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_label("Lien avec vous").select_option("enfant")
    page.get_by_role("button", name="Ajouter ce proche").click()
    page.get_by_role("status").filter(has_text="Votre proche est enregistré").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Léo Roux"
    assert "avant 16 ans" in page.locator("#medecin-actuel").inner_text()
    page.get_by_role("link", name="← Mon profil").click()
    page.locator("[data-relative]").filter(has_text="Léo Roux").wait_for()
    snap(page, shots, "profil_proches")

    # find care, book for the child
    page.get_by_role("link", name="Trouver un soin").first.click()
    page.get_by_role("button", name="Chercher").click()
    slot = page.locator("ol.options > li a.slot").first
    slot.wait_for()
    slot.click()
    page.wait_for_url(re.compile(r"/rendez-vous/confirmer\?creneau=\d+"))
    page.get_by_role("group", name="Pour qui ?").wait_for()
    page.get_by_role("radio", name=re.compile(r"^Léo Roux")).check()
    # the detail shown is now the child's: under 16, the parcours does not apply
    detail = page.locator("dl.for-person:visible")
    assert detail.count() == 1
    assert detail.locator(".pour-qui").inner_text() == "Léo Roux"
    assert "moins de 16 ans" in detail.inner_text()
    page.get_by_label("Motif (facultatif)").fill("Fièvre depuis hier")
    snap(page, shots, "confirmer_pour_qui")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_url(re.compile(r"/mes-rendez-vous\?reserve=\d+$"))
    booked = page.locator("[data-appointment]").filter(has_text="Pour Léo Roux").first
    booked.wait_for()
    before = booked.locator(".when").inner_text()
    snap(page, shots, "rdv_enfant")

    # « Déplacer »
    booked.get_by_role("link", name="Déplacer ce rendez-vous").click()
    page.get_by_role("heading", name="Déplacer le rendez-vous").wait_for()
    assert "Léo Roux" in page.locator(".for-whom").inner_text()
    page.locator("button.slot").nth(1).click()
    page.get_by_role("status").filter(has_text="Votre rendez-vous est déplacé.").wait_for()
    moved = page.locator("[data-appointment]").filter(has_text="Pour Léo Roux").first
    assert moved.locator(".when").inner_text() != before
    moved_id = int(moved.get_attribute("data-appointment"))

    # the reminder of the child's appointment, the day before, by real SMTP
    url, inbox = smtp
    with session_scope(os.environ["DATABASE_URL"]) as session:
        a = session.get(Appointment, moved_id)
        child_id = session.scalar(select(PatientGuardian.dependant_id))
        assert a.patient_id == child_id and a.status == "booked"
        day = a.start_at.astimezone(PARIS).date()
        mine = [m for m in notifications.reminders_for(session, day, now=utcnow())
                if m.patient_id == child_id]
        assert len(mine) == 1
        assert notifications.deliver(session, mine, url) == 1
    [message] = inbox.messages
    assert message["To"] == EMAIL
    body = message.get_body(("plain",)).get_content()
    assert f"Référence du rendez-vous : {moved_id}" in body

    # axe on the pages this journey added or changed, at both widths
    if not AXE.is_file():
        pytest.skip("axe-core not installed (make assets)")
    failures = []
    paths = ["/mon-profil", f"/mon-profil/proches/{child_id}",
             f"/mon-profil/proches/{child_id}?medecin=moreau", "/mes-rendez-vous",
             f"/mes-rendez-vous/{moved_id}/deplacer", f"/mes-rendez-vous/{moved_id}/annuler",
             "/mes-consultations"]
    with session_scope(os.environ["DATABASE_URL"]) as session:
        from oasis.care.scheduling.models import Slot

        free = session.scalar(select(Slot.id).where(Slot.status == "free",
                                                    Slot.start_at > utcnow())
                              .order_by(Slot.start_at).limit(1))
    paths.append(f"/rendez-vous/confirmer?creneau={free}")
    for viewport in (WIDE, PHONE):
        checker = new_page(f"axe-{viewport['width']}", viewport=viewport, bypass_csp=True)
        checker.goto(base + "/connexion")
        checker.get_by_label("Adresse e-mail").fill(EMAIL)
        checker.get_by_label("Mot de passe").fill(PASSWORD)
        checker.get_by_role("button", name="Se connecter").click()
        checker.wait_for_load_state()
        for path in paths:
            response = checker.goto(base + path)
            assert response.status < 400, (path, response.status)
            failures += [f"{path} ({viewport['width']}px): {v}"
                         for v in axe_violations(checker)]
    assert not failures, "\n".join(failures)
