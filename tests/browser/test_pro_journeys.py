"""Professional journeys in Debian's chromium: one per role, with screenshots.

* practitioner: signs in from the redirect, reads today's agenda (Paris times), adds an
  absence with the keyboard and sees whom to call back; the agenda also at 360 px;
* coordinator: signs in, searches the audit log for the doctor's reads, plans 3 sites;
  schedules volunteer mission days (the third in a month refused, nothing typed lost) and
  computes the volunteers' allocation plan.

Screenshots of each role's main page: ``test-artifacts/screenshots/role_<role>_*.png``.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from oasis.care.core.db import dispose_engine, session_factory
from oasis.care.scheduling.models import ScheduleException
from tests.factories.pro import PASSWORD, build, build_missions, next_month_days

pytestmark = pytest.mark.browser


@pytest.fixture
def pro_server(live_server_factory, _sqlite_template, tmp_path):
    """A live server on a migrated SQLite database holding the pro world."""
    path = tmp_path / "pro.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    world = build(url)
    server = live_server_factory(database_url=url)
    yield server, world, url
    dispose_engine(url)


@pytest.fixture
def shots(request) -> Path:
    """Where the harness writes its screenshots (``OASIS_ARTIFACTS_DIR`` moves it)."""
    root = os.environ.get("OASIS_ARTIFACTS_DIR") or request.config.rootpath / "test-artifacts"
    folder = Path(root) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, email: str) -> None:
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def no_js_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_practitioner_signs_in_sees_today_and_adds_an_absence(pro_server, new_page, shots):
    server, world, url = pro_server
    page = new_page("practitioner", viewport={"width": 1280, "height": 900})
    errors = no_js_errors(page)
    page.goto(server.url + "/pro/agenda")
    page.wait_for_url("**/connexion?suite=%2Fpro%2Fagenda")
    sign_in(page, "doc@test.fr")
    page.wait_for_url("**/pro/agenda")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Mon agenda du jour"
    rows = page.locator("table.agenda tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("th").inner_text() == "10 h 00–10 h 20"
    assert "Jeanne Durand" in rows.nth(0).inner_text()
    assert page.locator("nav a[aria-current=page]").inner_text() == "Mon agenda"
    page.screenshot(path=str(shots / "role_practitioner_agenda.png"), full_page=True)

    # Keyboard only: the skip link first, then to the schedules page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.get_by_role("link", name="Mes disponibilités").first.click()
    page.wait_for_url("**/pro/disponibilites")
    tomorrow = world.day + timedelta(days=1)
    first_day = page.get_by_label("Premier jour").first
    first_day.focus()
    first_day.fill(world.day.isoformat())
    page.get_by_label("À partir de (facultatif)").first.fill("09:00")
    page.get_by_label("Dernier jour").first.fill(tomorrow.isoformat())
    page.get_by_label("Jusqu'à (facultatif)").first.fill("12:00")
    motif = page.get_by_label("Motif (facultatif)").first
    motif.fill("Formation continue")
    motif.press("Enter")  # submits the form from the keyboard
    page.wait_for_url("**/pro/disponibilites?*absence=*")
    assert "Absence enregistrée" in page.get_by_role("status").first.inner_text()
    contact = page.locator(".contact-list li")
    assert contact.count() == 2
    assert "Jeanne Durand" in contact.nth(0).inner_text()
    assert "Formation continue" in page.locator(".exceptions").inner_text()
    page.screenshot(path=str(shots / "role_practitioner_disponibilites.png"), full_page=True)
    with session_factory(url)() as s:
        assert s.scalars(select(ScheduleException.reason)).all() == ["Formation continue"]

    # The same agenda on a 360 px phone: nothing wider than the screen but the table box.
    phone = new_page("practitioner-360", viewport={"width": 360, "height": 740})
    phone.goto(server.url + "/connexion?suite=/pro/agenda")
    sign_in(phone, "doc@test.fr")
    phone.wait_for_url("**/pro/agenda")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(shots / "role_practitioner_agenda_360.png"), full_page=True)
    assert errors == []


def test_coordinator_searches_the_audit_log(pro_server, new_page, shots):
    server, _world, _url = pro_server
    doctor = new_page("doctor")
    doctor.goto(server.url + "/connexion?suite=/pro/agenda")
    sign_in(doctor, "doc@test.fr")
    doctor.wait_for_url("**/pro/agenda")  # two audited reads

    page = new_page("coordinator", viewport={"width": 1280, "height": 900})
    errors = no_js_errors(page)
    page.goto(server.url + "/connexion")
    sign_in(page, "coord@test.fr")
    page.wait_for_url("**/coordination/audit")  # a coordinator's home
    assert page.get_by_role("heading", level=1).inner_text() == "Journal d'audit"
    page.get_by_label("Compte (e-mail ou n°)").fill("doc@test.fr")
    page.get_by_label("Action").select_option("read")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/coordination/audit?*qui=doc%40test.fr*")
    assert page.locator("#resultats").inner_text().startswith("2 événements")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 2
    assert "agenda du jour" in rows.nth(0).inner_text()
    assert "Dr Alice Martin" in rows.nth(0).inner_text()
    page.screenshot(path=str(shots / "role_coordinator_audit.png"), full_page=True)
    # read-only: no form on the page posts anything
    assert page.locator("main form[method=post]").count() == 0

    # The siting planner, from the navigation: before/after for 3 sites in the Nièvre.
    page.get_by_role("link", name="Implantation").click()
    page.get_by_label("Département").select_option("58")
    page.get_by_label("Nombre de nouveaux sites (k)").fill("3")
    page.get_by_role("button", name="Calculer le plan").click()
    page.wait_for_url("**/coordination/implantation?dep=58*")
    assert page.locator("table.sites tbody tr").count() == 3
    before = int(page.locator("#couverts-avant").inner_text().replace(" ", ""))
    after = int(page.locator("#couverts-apres").inner_text().replace(" ", ""))
    assert after > before
    # the plan on the app's map: communes in three classes, the 3 sites as markers, the
    # legend with the plan's minutes and the markers' line
    page.wait_for_function("() => document.querySelector('#carte-plan').dataset.points")
    assert page.locator("#carte-plan circle.map-point").count() == 3
    legend = page.locator("#carte-plan .map-legend").inner_text()
    for part in ("Couverture à 15 minutes de route", "grâce aux nouveaux sites",
                 "Site proposé (rang, habitants gagnés) : 3"):
        assert part in legend, part
    assert "Site proposé n° 1" in page.locator(
        "#carte-plan circle.map-point title").first.text_content()
    fills = set(page.locator("#carte-plan .map-svg > g > path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('fill'))"))
    assert len(fills) >= 2
    page.locator("#carte-plan").screenshot(path=str(shots / "coordinator_siting_map.png"))
    page.screenshot(path=str(shots / "role_coordinator_implantation.png"), full_page=True)
    assert errors == []


def test_nurse_opens_an_ett_session_and_the_doctor_takes_it(pro_server, new_page, shots):
    """Each signs in from /connexion and lands on their space; the nurse's walk-in patient
    goes to the queue, the doctor (from the agenda's navigation) takes them and both reach
    the call page, connected."""
    from tests.factories.visio_pages import wait_connected

    server, _world, _url = pro_server
    doctor = new_page("doctor", viewport={"width": 1280, "height": 900})
    doctor.goto(server.url + "/connexion")
    sign_in(doctor, "doc@test.fr")
    doctor.wait_for_url("**/pro/agenda")
    doctor.get_by_role("link", name="File de téléconsultation").click()
    doctor.wait_for_url("**/teleconsultation/medecin")
    doctor.get_by_role("button", name="Je suis disponible").click()
    doctor.wait_for_selector("#tc-available[aria-pressed='true']")
    doctor.screenshot(path=str(shots / "role_practitioner_file.png"), full_page=True)

    nurse = new_page("nurse", viewport={"width": 1280, "height": 900})
    nurse.goto(server.url + "/connexion")
    sign_in(nurse, "ide.ett@test.fr")
    nurse.wait_for_url("**/teleconsultation/ett")  # a nurse's home
    nurse.get_by_label("Nom de famille").fill("Morel")
    nurse.get_by_label("Date de naissance").fill("1948-07-14")
    nurse.get_by_role("button", name="Rechercher le patient").click()
    nurse.get_by_label("Nouveau patient").wait_for()
    nurse.get_by_label("Prénom").fill("Louis")
    nurse.get_by_label("Commune ou code postal").fill("Nevers")
    nurse.get_by_label("Motif de la consultation").fill("Plaie du mollet à surveiller")
    nurse.screenshot(path=str(shots / "role_nurse_ett.png"), full_page=True)
    nurse.get_by_role("button", name="Ouvrir la séance").click()
    nurse.locator("#tc-position").filter(has_text="Le patient est le prochain").wait_for()
    doctor.locator("#tc-summary").filter(has_text="1 patient en attente").wait_for()
    doctor.get_by_role("button", name="Prendre le patient suivant").click()
    for page in (doctor, nurse):
        page.wait_for_url("**/visio/**", timeout=20_000)
        page.get_by_role("button", name="Rejoindre l'appel").click()
    for page in (doctor, nurse):
        wait_connected(page, 1)
    doctor.screenshot(path=str(shots / "role_practitioner_consultation.png"), full_page=True)


def test_coordinator_schedules_mission_days_and_plans_volunteers(pro_server, new_page, shots):
    server, _world, url = pro_server
    missions = build_missions(url)
    d1, d2, d3 = next_month_days(3)
    page = new_page("coordinator-missions", viewport={"width": 1280, "height": 900})
    errors = no_js_errors(page)
    page.goto(server.url + "/connexion")
    sign_in(page, "coord@test.fr")
    page.wait_for_url("**/coordination/audit")
    page.get_by_role("link", name="Missions", exact=True).click()
    page.wait_for_url("**/coordination/missions")
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Missions « Un médecin près de chez vous »"

    def schedule(day) -> None:
        page.get_by_label("Site de mission").select_option(str(missions.site))
        page.get_by_label("Médecin volontaire").select_option(
            str(missions.volunteers[0]))
        page.get_by_label("Date").fill(day.isoformat())
        page.get_by_role("button", name="Programmer la journée").click()

    for day in (d1, d2):
        schedule(day)
        page.wait_for_url("**/coordination/missions?*ok=*")
        assert "Journée programmée" in page.get_by_role("status").first.inner_text()
    rows = page.locator("table.mission-days tbody tr")
    assert rows.count() == 2 and "Prévue" in rows.nth(0).inner_text()
    assert "2 / 2 — plafond atteint" in page.locator("table.usage").inner_text()
    page.screenshot(path=str(shots / "role_coordinator_missions.png"), full_page=True)

    # The third day of the month: the database's cap, in French, the form kept, focused.
    page.get_by_label("Remplaçant au cabinet du médecin (facultatif)").fill("Dr Garde")
    schedule(d3)
    alert = page.locator("#erreurs-journee")
    alert.wait_for()
    assert "a déjà 2 journées de mission" in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "erreurs-journee"
    assert page.get_by_label("Date").input_value() == d3.isoformat()
    assert page.get_by_label("Remplaçant au cabinet du médecin (facultatif)").input_value() \
        == "Dr Garde"
    page.screenshot(path=str(shots / "role_coordinator_missions_plafond.png"), full_page=True)

    # The same page on a 360 px phone: nothing wider than the screen but the table boxes.
    phone = new_page("coordinator-360", viewport={"width": 360, "height": 740})
    phone.goto(server.url + "/connexion?suite=/coordination/missions?mois="
               + d1.strftime("%Y-%m"))
    sign_in(phone, "coord@test.fr")
    phone.wait_for_url("**/coordination/missions?mois=*")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(shots / "role_coordinator_missions_360.png"), full_page=True)

    # The volunteers' plan, from the navigation: the Nièvre, 20 000 € a month.
    page.get_by_role("link", name="Médecins volontaires", exact=True).click()
    page.wait_for_url("**/coordination/volontaires")
    page.get_by_label("Département ou région").select_option("dep-58")
    page.get_by_label("Budget mensuel (euros, vide : sans limite)").fill("20000")
    assert page.get_by_label("Trajet maximal depuis le domicile (minutes)").input_value() == "90"
    page.get_by_role("button", name="Calculer le plan").click()
    page.wait_for_url("**/coordination/volontaires?territoire=dep-58*")
    days = int(page.locator("#jours").get_attribute("value"))
    cost = int(page.locator("#cout").get_attribute("value"))
    assert days > 0 and cost == days * 20_000 <= 2_000_000
    assert page.locator("table.assignment tbody tr").count() > 0
    assert page.locator("table.epci-apl tbody tr").count() > 0
    # the plan on the EPCI map: classes against the threshold (unit in the legend),
    # the host communes as markers with their days
    page.wait_for_function("() => document.querySelector('#carte-plan').dataset.points")
    legend = page.locator("#carte-plan .map-legend").inner_text()
    for part in ("consultations/an/hab.", "APL relevée à 2,5 ou plus",
                 "Commune d'accueil des volontaires (journées par mois)"):
        assert part in legend, part
    hosts = page.locator("#carte-plan circle.map-point")
    assert hosts.count() > 0
    assert "journée" in hosts.first.locator("title").text_content()
    page.locator("#carte-plan").screenshot(path=str(shots / "coordinator_volunteers_map.png"))
    page.screenshot(path=str(shots / "role_coordinator_volunteers.png"), full_page=True)
    phone.goto(page.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
