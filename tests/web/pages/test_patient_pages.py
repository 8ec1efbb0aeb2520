"""Patient pages without a browser: sign up, find care, book, cancel, redirects, CSRF."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.scheduling.models import Slot
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories import finder as finder_world
from tests.factories.care import PASSWORD, link_secret, outbox


@pytest.fixture
def client(db_url, geo):
    session = session_factory(db_url)()
    finder_world.build_open(session, geo, utcnow())
    session.commit()
    session.close()
    return TestClient(create_app(Settings(database_url=db_url, secret_key="pages-secret")))


class Inputs(HTMLParser):
    """Visible form fields and the labels that name them (RGAA: every field labelled)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.labels: set[str] = set()
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "radio"):
            self.fields.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])


def assert_accessible_form(html: str) -> None:
    parser = Inputs()
    parser.feed(html)
    assert parser.lang == "fr"
    assert parser.fields, "no form field on the page"
    unlabelled = [f for f in parser.fields if f not in parser.labels]
    assert not unlabelled, f"fields without a label: {unlabelled}"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{32})"', html).group(1)


def ask_signup(client, commune="Varennes-Vauzelles") -> object:
    return client.post("/inscription", data={
        "email": "jeanne@test.fr", "password": PASSWORD, "given_name": "Jeanne",
        "family_name": "Durand", "birth_date": "1950-03-02", "commune": commune,
        "mutuelle": "", "suite": ""}, follow_redirects=False)


def signup(client, commune="Varennes-Vauzelles") -> object:
    """Sign up, then press the button of the e-mailed link: the answer signs in."""
    r = ask_signup(client, commune)
    if r.status_code != 202:
        return r
    secret = link_secret(client.app.state.settings.database_url, "jeanne@test.fr")
    page = client.get(f"/inscription/confirmer/{secret}")
    assert page.status_code == 200 and "Activer mon compte" in page.text
    return client.post(f"/inscription/confirmer/{secret}", follow_redirects=False)


def test_signup_asks_which_commune_then_signs_in(client):
    page = client.get("/inscription")
    assert page.status_code == 200
    assert_accessible_form(page.text)
    r = signup(client, commune="58000")
    assert r.status_code == 422
    assert "Choisissez votre commune" in r.text and 'value="Nevers (58194)"' in r.text
    r = signup(client, commune="Varennes-Vauzelles")
    assert r.status_code == 303 and r.headers["location"] == "/trouver-un-soin"
    assert "oasis_session" in r.cookies or "oasis_session" in client.cookies
    # Signed in: the search defaults to the patient's commune and shows their price.
    page = client.get("/trouver-un-soin")
    assert page.status_code == 200
    assert 'value="Varennes-Vauzelles (58303)"' in page.text
    assert "Se déconnecter" in page.text
    assert "Un médecin à moins de 30 minutes, dans les 48 heures." in page.text
    # the same address again: the same answer as a new one, its owner is told by e-mail
    again = ask_signup(client)
    assert again.status_code == 202 and "Vérifiez vos e-mails" in again.text
    kinds = [n.kind for n in outbox(client.app.state.settings.database_url, "jeanne@test.fr")]
    assert kinds == ["signup-confirm", "signup-existing"]


def test_find_care_page_anonymous(client):
    page = client.get("/trouver-un-soin", params={"ou": "58303"})
    assert page.status_code == 200
    assert_accessible_form(page.text)
    assert page.text.count('class="option option-') >= 3
    assert "Au cabinet, près de chez vous, sous 48 h" in page.text
    assert "En espace de télésanté" in page.text
    assert "Trajet : <strong>9 min</strong>" in page.text
    assert "Vous avancez 30,00 €, il vous reste 11,00 € après remboursement" in page.text
    assert "/rendez-vous/confirmer?creneau=" in page.text
    bad = client.get("/trouver-un-soin", params={"ou": "58000"})
    assert bad.status_code == 422 and "Saint-Éloi (58)" in bad.text
    unknown = client.get("/trouver-un-soin", params={"ou": "Neveers"})
    assert unknown.status_code == 422 and "Nevers (58)" in unknown.text


def test_book_then_cancel(client, db_url):
    signup(client)
    page = client.get("/trouver-un-soin")
    slot_id = int(re.search(r"creneau=(\d+)", page.text).group(1))
    confirm = client.get("/rendez-vous/confirmer", params={"creneau": slot_id})
    assert confirm.status_code == 200 and "Confirmer le rendez-vous" in confirm.text
    # Before booking the patient reads whether the act is reimbursed and why.
    assert "<dt>Remboursement</dt>" in confirm.text and "data-reimbursable=" in confirm.text
    assert_accessible_form(confirm.text)
    token = csrf_of(confirm.text)
    forged = client.post("/rendez-vous/confirmer", data={"creneau": slot_id, "csrf": "x" * 32},
                         follow_redirects=False)
    assert forged.status_code == 403
    r = client.post("/rendez-vous/confirmer", data={"creneau": slot_id, "csrf": token,
                                                    "motif": "Toux depuis 5 jours"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/mes-rendez-vous?reserve=")
    mine = client.get(r.headers["location"])
    assert "Votre rendez-vous est réservé." in mine.text and "Toux depuis 5 jours" in mine.text
    appointment_id = int(re.search(r'data-appointment="(\d+)"', mine.text).group(1))
    # The same slot cannot be booked twice: a clear message, not an error page.
    twice = client.post("/rendez-vous/confirmer", data={"creneau": slot_id, "csrf": token},
                        follow_redirects=False)
    assert twice.status_code == 409 and "Choisir un autre horaire" in twice.text
    ask = client.get(f"/mes-rendez-vous/{appointment_id}/annuler")
    assert "Oui, annuler ce rendez-vous" in ask.text
    r = client.post(f"/mes-rendez-vous/{appointment_id}/annuler",
                    data={"csrf": csrf_of(ask.text)}, follow_redirects=False)
    assert r.status_code == 303
    after = client.get(r.headers["location"])
    assert "Votre rendez-vous est annulé." in after.text and "annulé</strong>" in after.text
    session = session_factory(db_url)()
    assert session.get(Appointment, appointment_id).status == "cancelled"
    assert session.scalar(select(Slot.status).where(Slot.id == slot_id)) == "free"
    session.close()


def test_pages_that_need_a_patient_redirect_to_sign_in(client):
    for path in ("/mes-rendez-vous", "/mes-consultations", "/rendez-vous/confirmer?creneau=1"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/connexion?suite=%2F")


def test_sign_in_never_redirects_off_site(client):
    signup(client)
    client.cookies.clear()
    bad = client.post("/connexion", data={"email": "jeanne@test.fr", "password": "faux-faux",
                                          "suite": "/"}, follow_redirects=False)
    assert bad.status_code == 401 and "incorrect" in bad.text
    for target in ("//evil.example/", "https://evil.example/", "/\\evil"):
        r = client.post("/connexion", data={"email": "jeanne@test.fr", "password": PASSWORD,
                                            "suite": target}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/mes-rendez-vous"
    r = client.post("/connexion", data={"email": "jeanne@test.fr", "password": PASSWORD,
                                        "suite": "/mes-consultations"}, follow_redirects=False)
    assert r.headers["location"] == "/mes-consultations"
    page = client.get("/mes-consultations")
    assert page.status_code == 200 and "Mes consultations et ordonnances" in page.text


def test_my_consultations_lists_teleconsultation_records_and_prescriptions(client, db_url):
    from oasis.care.core.actor import Actor
    from oasis.care.people.models import Practitioner
    from oasis.care.teleconsult import encounters, prescriptions, queue

    signup(client)
    from oasis.care.people.models import Patient

    session = session_factory(db_url)()
    patient = session.scalar(select(Patient).where(Patient.email == "jeanne@test.fr"))
    doctor = session.scalar(select(Practitioner).where(Practitioner.teleconsultation))
    doc = Actor(account_id=None, role="practitioner", practitioner_id=doctor.id)
    queue.join(session, Actor(account_id=None, role="patient", patient_id=patient.id),
               patient_id=patient.id, reason="Mal de gorge depuis trois jours")
    encounter = queue.take_next(session, doc)
    encounters.update_record(session, doc, encounter.id, diagnosis_text="Angine virale")
    rx = prescriptions.issue(session, doc, encounter.id, [
        {"name": "Paracétamol 1 g", "dosage": "1 comprimé 3 fois par jour",
         "duration": "5 jours"}])
    session.commit()
    session.close()
    page = client.get("/mes-consultations")
    assert page.status_code == 200
    assert "Mal de gorge depuis trois jours" in page.text
    assert "Angine virale" in page.text
    assert "Paracétamol 1 g — 1 comprimé 3 fois par jour, 5 jours" in page.text
    assert f"/api/v1/prescriptions/{rx.id}/pdf" in page.text


def test_a_signed_in_patient_keeps_their_menu_everywhere(client):
    """Issue 15 defect 8: one header per role, on every page (not the public one)."""
    from oasis.web.kit.nav import PATIENT, PUBLIC

    assert signup(client).status_code == 303
    for path in ("/", "/trouver-un-soin", "/teleconsultation", "/mes-rendez-vous",
                 "/carte", "/planification"):
        page = client.get(path).text
        nav = page.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
        for link in PATIENT:
            assert f'href="{link.href}"' in nav, (path, link)
        assert 'href="/pro"' not in nav and "Se déconnecter" in nav, path
        assert PUBLIC != PATIENT


def test_profile_declares_the_gp_and_the_mutuelle(client, db_url):
    """Issue 15 defect 6: a new patient can declare a médecin traitant and a mutuelle."""
    from oasis.care.people.models import Patient

    assert signup(client).status_code == 303
    found = client.get("/trouver-un-soin?ou=Varennes-Vauzelles+%2858303%29").text
    assert "non respecté</strong> (remboursement réduit)" in found
    assert 'href="/mon-profil">déclarer mon médecin traitant</a>' in found
    page = client.get("/mon-profil")
    assert page.status_code == 200 and "pas déclaré de médecin traitant" in page.text
    assert_accessible_form(page.text)
    results = client.get("/mon-profil?medecin=moreau").text
    pid = re.search(r'name="practitioner_id" value="(\d+)"', results).group(1)
    r = client.post("/mon-profil/medecin-traitant", follow_redirects=False,
                    data={"csrf": csrf_of(results), "practitioner_id": pid})
    assert r.status_code == 303 and r.headers["location"] == "/mon-profil?enregistre=medecin"
    page = client.get(r.headers["location"]).text
    current = page.split('id="medecin-actuel"')[1].split("</p>")[0]
    assert "Votre médecin traitant" in current and "Moreau</strong>" in current
    # the finder now says the parcours is respected with him, and only him
    found = client.get("/trouver-un-soin?ou=Varennes-Vauzelles+%2858303%29").text
    assert "c&#39;est votre médecin traitant" in found or "c'est votre médecin traitant" in found
    # a médecin traitant outside Oasis, by name; a bad RPPS is refused in French
    bad = client.post("/mon-profil/medecin-traitant", data={
        "csrf": csrf_of(page), "declared_name": "Dr Hugo", "declared_rpps": "123"})
    assert bad.status_code == 422 and "RPPS invalide" in bad.text
    r = client.post("/mon-profil/medecin-traitant", follow_redirects=False, data={
        "csrf": csrf_of(page), "declared_name": "Dr Hugo", "declared_rpps": ""})
    assert r.status_code == 303
    found = client.get("/trouver-un-soin?ou=Varennes-Vauzelles+%2858303%29").text
    assert "pas déclaré de médecin traitant" not in found
    # the mutuelle from the partner list
    r = client.post("/mon-profil/mutuelle", follow_redirects=False, data={
        "csrf": csrf_of(page), "mutuelle": "autre", "autre": "MGEN", "member_number": "42"})
    assert r.status_code == 303
    s = session_factory(db_url)()
    p = s.scalars(select(Patient).where(Patient.email == "jeanne@test.fr")).one()
    assert (p.gp_id, p.gp_declared_name, p.mutuelle_name, p.mutuelle_member_number) == (
        None, "Dr Hugo", "MGEN", "42")
    s.close()
    # no CSRF token, no change
    assert client.post("/mon-profil/mutuelle", data={"mutuelle": "aucune"}).status_code == 403


def test_reschedule_and_the_waiting_list_from_my_appointments(client, db_url):
    """Issue 15: reschedule from « Mes rendez-vous »; « Prévenez-moi … plus tôt »."""
    signup(client)
    page = client.get("/trouver-un-soin")
    slot_ids = [int(x) for x in re.findall(r"creneau=(\d+)", page.text)]
    later = slot_ids[1]
    confirm = client.get("/rendez-vous/confirmer", params={"creneau": later})
    r = client.post("/rendez-vous/confirmer", follow_redirects=False,
                    data={"creneau": later, "csrf": csrf_of(confirm.text)})
    mine = client.get(r.headers["location"]).text
    appointment_id = int(re.search(r'data-appointment="(\d+)"', mine).group(1))
    assert f'href="/mes-rendez-vous/{appointment_id}/deplacer"' in mine
    move = client.get(f"/mes-rendez-vous/{appointment_id}/deplacer").text
    offered = [int(x) for x in re.findall(r'name="slot_id" value="(\d+)"', move)]
    assert offered and later not in offered
    target = offered[0]
    r = client.post(f"/mes-rendez-vous/{appointment_id}/deplacer", follow_redirects=False,
                    data={"slot_id": target, "csrf": csrf_of(move)})
    assert r.status_code == 303 and "deplace=" in r.headers["location"]
    assert "Votre rendez-vous est déplacé." in client.get(r.headers["location"]).text
    new_id = int(r.headers["location"].rsplit("=", 1)[1])
    s = session_factory(db_url)()
    assert s.get(Appointment, appointment_id).status == "cancelled"
    assert s.get(Appointment, new_id).slot_id == target
    assert s.scalar(select(Slot.status).where(Slot.id == later)) == "free"
    s.close()
    # the waiting list: join, see it, leave it
    move = client.get(f"/mes-rendez-vous/{new_id}/deplacer").text
    r = client.post(f"/mes-rendez-vous/{new_id}/liste-attente", follow_redirects=False,
                    data={"csrf": csrf_of(move)})
    assert r.status_code == 303
    mine = client.get(r.headers["location"]).text
    assert "nous vous proposerons un créneau plus tôt" in mine
    entry = int(re.search(r'data-waitlist="(\d+)"', mine).group(1))
    r = client.post(f"/liste-attente/{entry}/quitter", follow_redirects=False,
                    data={"csrf": csrf_of(mine)})
    assert r.status_code == 303
    assert 'data-waitlist=' not in client.get("/mes-rendez-vous").text


def test_booking_stores_a_confirmation_readable_by_admins_only(client, db_url):
    """No OASIS_SMTP_URL: the confirmation (with its .ics) waits in the outbox."""
    from oasis.care.accounts import service as accounts
    from tests.factories.care import login

    signup(client)
    page = client.get("/trouver-un-soin")
    slot_id = int(re.search(r"creneau=(\d+)", page.text).group(1))
    confirm = client.get("/rendez-vous/confirmer", params={"creneau": slot_id})
    client.post("/rendez-vous/confirmer", data={"creneau": slot_id,
                                                "csrf": csrf_of(confirm.text)})
    s = session_factory(db_url)()
    accounts.create_account(s, email="admin@test.fr", password=PASSWORD, role="admin",
                            display_name="Admin")
    s.commit()
    s.close()
    r = client.post("/api/v1/auth/token", headers={"Origin": "http://testserver"},
                    data={"username": "jeanne@test.fr", "password": PASSWORD})
    assert r.status_code == 200, r.text
    patient_token = r.json()["access_token"]
    assert client.get("/api/v1/admin/outbox", headers={
        "Authorization": f"Bearer {patient_token}"}).status_code == 403
    rows = client.get("/api/v1/admin/outbox", headers=login(client, "admin@test.fr")).json()
    # one outbox: the sign-up's activation link is there too
    assert sorted(r["kind"] for r in rows) == ["booking_confirmed", "signup-confirm"]
    (m,) = [r for r in rows if r["kind"] == "booking_confirmed"]
    assert (m["kind"], m["status"], m["recipient"], m["has_ics"]) == (
        "booking_confirmed", "stored", "jeanne@test.fr", True)
    assert "Votre rendez-vous est confirmé" in m["body"]


def test_calendar_export_of_one_appointment_for_its_patient_only(client, db_url):
    """« Ajouter à mon agenda (.ics) » on « Mes rendez-vous »: owner only, others 404."""
    from oasis.care.booking import service as booking
    from oasis.care.core.actor import Actor
    from tests.factories.care import make_patient

    signup(client)
    page = client.get("/trouver-un-soin")
    slot_id = int(re.search(r"creneau=(\d+)", page.text).group(1))
    confirm = client.get("/rendez-vous/confirmer", params={"creneau": slot_id})
    client.post("/rendez-vous/confirmer", data={"creneau": slot_id,
                                                "csrf": csrf_of(confirm.text)})
    mine = client.get("/mes-rendez-vous").text
    (appointment_id,) = {int(i) for i in re.findall(r"/mes-rendez-vous/(\d+)/calendrier\.ics",
                                                    mine)}
    r = client.get(f"/mes-rendez-vous/{appointment_id}/calendrier.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "attachment" in r.headers["content-disposition"]
    assert "METHOD:PUBLISH" in r.text and f"UID:rdv-{appointment_id}@oasis" in r.text
    assert "BEGIN:VTIMEZONE" in r.text and "DTSTART;TZID=Europe/Paris:" in r.text
    s = session_factory(db_url)()
    other = make_patient(s, name="Autre")
    free = s.scalars(select(Slot).where(Slot.status == "free").order_by(Slot.id)).first()
    theirs = booking.book(s, Actor.system(), slot_id=free.id, patient_id=other.id).id
    s.commit()
    s.close()
    assert client.get(f"/mes-rendez-vous/{theirs}/calendrier.ics").status_code == 404
    assert client.get("/mes-rendez-vous/999999/calendrier.ics").status_code == 404
