"""A whole teleconsultation with its exchanges, in two Chromium windows: the patient
chooses the dermatologist on duty and sees the price, is told by a browser notification
(and the title, and a banner) that the doctor is ready, joins the call, sends a chat
message and a photo; the doctor sees both and answers; the doctor prescribes and closes;
the patient lands on the end-of-call summary with the prescription and what they pay.
Screenshots of the new pages at 1280 and 360 px, axe-core on each, « Raccrocher » above
the fold on a phone."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from oasis.care.accounts import service as accounts
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory, upgrade
from oasis.care.people import service as people
from tests.browser.conftest import artifacts_dir
from tests.factories.care import make_practice
from tests.factories.visio_pages import wait_connected

PASSWORD = "motdepasse-123"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ({"width": 1280, "height": 900}, {"width": 360, "height": 740})
# Chromium's own Notification, wrapped to remember what the page asked to show: the
# record survives the page's move to the call (sessionStorage, same tab, same origin).
RECORD_NOTIFICATIONS = """(() => {
  const Native = window.Notification;
  if (!Native) return;
  function Recorded(title, options) {
    sessionStorage.setItem("oasis-notified", title);
    return new Native(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: () => Native.permission });
  Recorded.requestPermission = (...args) => Native.requestPermission(...args);
  window.Notification = Recorded;
})();"""


def photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 70)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def server(live_server):
    url = live_server.app.state.settings.database_url
    upgrade(url)
    s = session_factory(url)()
    _, derm, _ = make_practice(s, rpps_seed=61, specialty="dermatologue")
    patient = people.create_patient(s, Actor.system(), family_name="Durand",
                                    given_name="Jeanne", birth_date=date(1950, 3, 2),
                                    commune_code="58194")
    accounts.create_account(s, email="derm@t.fr", password=PASSWORD, role="practitioner",
                            practitioner_id=derm.id, display_name="Dr Alice Martin")
    accounts.create_account(s, email="jeanne@t.fr", password=PASSWORD, role="patient",
                            patient_id=patient.id, display_name="Jeanne Durand")
    s.commit()
    s.close()
    return live_server


def signed_in(new_page, server, email: str, label: str, path: str = "/teleconsultation",
              **options):
    page = new_page(label, **options)
    page.goto(server.url + path)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#tc-login", state="detached")
    return page


def shoot(request, page, name: str) -> None:
    """The page at 1280 then 360 px, into test-artifacts/screenshots/."""
    folder = artifacts_dir(request.config) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size in WIDTHS:
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"teleconsult-{name}-{size['width']}.png"),
                        full_page=True)
    page.set_viewport_size(before)


def test_call_with_chat_photo_prescription_and_summary(server, new_page, request):
    doctor = signed_in(new_page, server, "derm@t.fr", "dermatologue",
                       "/teleconsultation/medecin")
    doctor.locator("#tc-summary").filter(has_text="en attente").wait_for()  # script ready
    doctor.get_by_role("button", name="Je suis disponible").click()
    doctor.wait_for_selector("#tc-available[aria-pressed='true']")

    # Headless Chromium cannot leave the permission at « ask »: it is granted up front (a
    # patient who said yes on an earlier visit), so the page offers no button again.
    patient = new_page("patient", permissions=["camera", "microphone", "notifications"])
    patient.add_init_script(RECORD_NOTIFICATIONS)
    patient.goto(server.url + "/teleconsultation")
    patient.get_by_label("Adresse e-mail").fill("jeanne@t.fr")
    patient.get_by_label("Mot de passe").fill(PASSWORD)
    patient.get_by_role("button", name="Se connecter").click()
    patient.wait_for_selector("#tc-login", state="detached")

    # GP or the specialty on duty, each with its price from the billing engine.
    gp_price = patient.locator(".tc-conditions[data-specialty='generaliste']")
    assert gp_price.is_visible() and "Médecine générale par vidéo" in gp_price.inner_text()
    patient.get_by_label("Spécialiste : Dermatologie").check()
    derm_price = patient.locator(".tc-conditions[data-specialty='dermatologue']")
    derm_price.wait_for(state="visible")
    assert gp_price.is_hidden()
    assert "Dermatologie par vidéo" in derm_price.inner_text()
    # Out of the care pathway (no referral by the médecin traitant): not reimbursed, said so.
    assert "non remboursée par l'Assurance Maladie" in derm_price.inner_text()
    assert "€ à votre charge" in derm_price.inner_text()
    patient.get_by_label("Motif de la consultation").fill("Plaque rouge sur l'avant-bras")
    shoot(request, patient, "file-choix")
    patient.get_by_role("button", name="Rejoindre la file d'attente").click()
    patient.locator("#tc-position").filter(has_text="Vous êtes le prochain patient.").wait_for()
    patient.locator("#tc-notify-status").filter(has_text="Notifications activées").wait_for()
    assert patient.locator("#tc-notify").is_hidden()
    shoot(request, patient, "file-attente")

    doctor.locator("#tc-summary").filter(has_text="1 patient en attente").wait_for()
    doctor.get_by_role("button", name="Prendre le patient suivant").click()
    # The patient is told: banner, title, browser notification; then the call opens.
    patient.locator("#tc-ready").wait_for(state="visible")
    assert patient.title() == "Le médecin est prêt — Oasis"
    for page in (doctor, patient):
        page.wait_for_url("**/visio/**", timeout=20_000)
        page.get_by_role("button", name="Rejoindre l'appel").click()
    assert patient.evaluate("sessionStorage.getItem('oasis-notified')") == "Le médecin est prêt"
    for page in (doctor, patient):
        wait_connected(page, 1)

    # « Raccrocher » stays above the fold on a phone.
    patient.set_viewport_size(WIDTHS[1])
    hangup = patient.get_by_role("button", name="Raccrocher")
    box = hangup.bounding_box()
    assert hangup.is_visible() and box["y"] >= 0 and box["y"] + box["height"] <= 740, box
    patient.set_viewport_size(WIDTHS[0])

    # The patient writes (HTML stays text) and sends a photo; the doctor sees both.
    patient.get_by_label("Votre message").fill("J'ai une plaque <b>ici</b>, ça gratte")
    patient.get_by_role("button", name="Envoyer le message").click()
    patient.get_by_label("Envoyer une photo ou un document").set_input_files(
        files=[{"name": "bras.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    patient.get_by_role("button", name="Envoyer le fichier").click()
    chat = doctor.locator("#visio-chat-list")
    chat.locator("li").filter(has_text="J'ai une plaque <b>ici</b>, ça gratte").wait_for()
    assert chat.locator("b").count() == 0
    chat.locator("img.chat-photo").wait_for()
    doctor.wait_for_function(
        "() => [...document.querySelectorAll('img.chat-photo')].some(i => i.naturalWidth > 0)")
    doctor.get_by_label("Votre message").fill("Merci, je vois la photo : c'est un eczéma.")
    doctor.get_by_role("button", name="Envoyer le message").click()
    patient.locator("#visio-chat-list li").filter(has_text="c'est un eczéma").wait_for()
    shoot(request, patient, "appel")
    call_url = patient.url

    # The doctor's record: the chat is there; prescription; closing.
    record = doctor.context.new_page()
    record.goto(server.url + "/pro/consultations")
    record.get_by_role("link", name="Ouvrir").first.click()
    record.wait_for_url("**/pro/consultation/**")
    encounter_id = record.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    history = record.locator("#consult-chat")
    assert "J'ai une plaque <b>ici</b>, ça gratte" in history.inner_text()
    assert "c'est un eczéma" in history.inner_text() and "bras.jpg" in history.inner_text()
    record.locator("#rx-name-0").fill("Dermocorticoïde crème")
    record.locator("#rx-dosage-0").fill("1 application le soir")
    record.locator("#rx-duration-0").fill("7 jours")
    record.get_by_role("button", name="Créer l'ordonnance").click()
    record.get_by_text("Ordonnance n°").first.wait_for()
    record.get_by_role("button", name="Clore la consultation").click()
    record.get_by_role("heading", name="Feuille de soins").wait_for()

    # The patient's call page gives way to the summary.
    patient.wait_for_url("**/recapitulatif", timeout=20_000)
    text = patient.locator("main").inner_text()
    assert "Dermocorticoïde crème" in text and "Ce que vous payez" in text
    assert "bras.jpg" in text
    pdf = patient.get_by_role("link", name="Télécharger l'ordonnance (PDF)")
    assert pdf.get_attribute("href").endswith("/pdf")
    assert patient.request.get(server.url + pdf.get_attribute("href")).headers[
        "content-type"] == "application/pdf"
    assert "€" in patient.locator("#recap-reste").inner_text()
    shoot(request, patient, "recapitulatif")
    shoot(request, record, "dossier-medecin")
    # « Mes consultations » leads back to it.
    patient.goto(server.url + "/mes-consultations")
    patient.get_by_role("link", name="Récapitulatif").first.click()
    patient.wait_for_url(f"**/teleconsultation/{encounter_id}/recapitulatif")

    if not AXE.is_file():
        pytest.skip("axe-core not installed (make assets)")
    failures = []
    pages = {"jeanne@t.fr": ["/teleconsultation", f"/teleconsultation/{encounter_id}/"
                             "recapitulatif", call_url.removeprefix(server.url)],
             "derm@t.fr": [f"/pro/consultation/{encounter_id}"]}
    for viewport in WIDTHS:
        for email, paths in pages.items():
            # axe is the test's own script: the CSP is bypassed for it only in this context.
            page = signed_in(new_page, server, email, f"axe-{email[:4]}-{viewport['width']}",
                             viewport=viewport, bypass_csp=True)
            for path in paths:
                response = page.goto(server.url + path)
                assert response.status < 400, (path, response.status)
                page.add_script_tag(path=str(AXE))
                found = page.evaluate("""async () => {
                    const r = await axe.run(document, {resultTypes: ["violations"]});
                    return r.violations.filter(v => ["critical", "serious"].includes(v.impact))
                      .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3)
                        .map(n => n.target.join(" ")).join(" | "));
                }""")
                failures += [f"{path} {viewport['width']}px: {v}" for v in found]
    assert not failures, "\n".join(failures)


def test_without_notifications_the_page_itself_says_the_doctor_is_ready(server, new_page):
    """Notifications refused (headless Chromium's default): no notification is raised,
    the page says so while waiting, and the banner and the title take over."""
    doctor = signed_in(new_page, server, "derm@t.fr", "dermatologue-2",
                       "/teleconsultation/medecin")
    doctor.locator("#tc-summary").filter(has_text="en attente").wait_for()  # script ready
    doctor.get_by_role("button", name="Je suis disponible").click()
    doctor.wait_for_selector("#tc-available[aria-pressed='true']")
    patient = new_page("patient-sans-notification")
    patient.add_init_script(RECORD_NOTIFICATIONS)
    patient.goto(server.url + "/teleconsultation")
    patient.get_by_label("Adresse e-mail").fill("jeanne@t.fr")
    patient.get_by_label("Mot de passe").fill(PASSWORD)
    patient.get_by_role("button", name="Se connecter").click()
    patient.wait_for_selector("#tc-login", state="detached")
    patient.get_by_label("Spécialiste : Dermatologie").check()
    patient.get_by_label("Motif de la consultation").fill("Grain de beauté qui change")
    patient.get_by_role("button", name="Rejoindre la file d'attente").click()
    status = patient.locator("#tc-notify-status")
    status.filter(has_text="gardez cette page ouverte").wait_for()
    assert patient.locator("#tc-notify").is_hidden()
    doctor.locator("#tc-summary").filter(has_text="1 patient en attente").wait_for()
    doctor.get_by_role("button", name="Prendre le patient suivant").click()
    patient.locator("#tc-ready").wait_for(state="visible")
    assert patient.title() == "Le médecin est prêt — Oasis"
    assert patient.get_by_role("link", name="Rejoindre l'appel").get_attribute(
        "href").startswith("/visio/")
    assert patient.evaluate("sessionStorage.getItem('oasis-notified')") is None
    patient.wait_for_url("**/visio/**", timeout=20_000)
