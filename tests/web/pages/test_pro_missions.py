"""Coordinators' mission pages: /coordination/missions and /coordination/volontaires.

The pages call the programmes service and the volunteer optimiser; these tests check
the gate, that the database's 2-days-a-month cap reaches the coordinator as a French
sentence with the form as typed, that cancelling and closing go through the service, and
that the plan's figures are the optimiser's own (same inputs, same numbers).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.db import session_factory
from oasis.care.programmes import service
from oasis.care.programmes.models import MissionDay
from oasis.care.scheduling.models import Slot
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.pro import build, build_missions, client_for, csrf_of, next_month_days

COORD = Actor(account_id=None, role="coordinator")


@pytest.fixture
def world(db_url):
    return build(db_url)


@pytest.fixture
def missions(db_url, world, geo):
    return build_missions(db_url, geo)


@pytest.fixture
def app(db_url, world, missions):
    return create_app(Settings(database_url=db_url, secret_key="test-secret"))



def text_of(html: str) -> str:
    """Visible text, whitespace folded (no-break spaces become plain spaces)."""
    body = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html_lib.unescape(body).replace("\u00a0", " "))


def data_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'<data id="([\w-]+)" value="([^"]*)"', html))


def sign_up(db_url, doctor: int, site: int, day: date) -> int:
    with session_factory(db_url)() as s:
        d = service.sign_up(s, COORD, mission_site_id=site, day=day, practitioner_id=doctor,
                            source="coordinator")
        s.commit()
        return d.id


# ------------------------------------------------------------------ gate
PAGES = ["/coordination/missions", "/coordination/volontaires"]


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(app, path):
    r = client_for(app, None).get(path)
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suite=" + path.replace("/", "%2F")


@pytest.mark.parametrize("email", ["patient@test.fr", "doc@test.fr", "infirmiere@test.fr"])
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_get_a_404(app, email, path):
    r = client_for(app, email).get(path)
    assert r.status_code == 404 and "Page introuvable" in r.text


@pytest.mark.parametrize("path", ["/coordination/missions/journees",
                                  "/coordination/missions/journees/1/annuler",
                                  "/coordination/missions/journees/1/cloturer",
                                  "/coordination/volontaires/accepter"])
def test_forms_are_refused_to_other_roles(app, path):
    assert client_for(app, None).post(path).status_code == 303
    assert client_for(app, "patient@test.fr").post(path).status_code == 404
    assert client_for(app, "doc@test.fr").post(path).status_code == 404


def test_coordinator_sees_both_pages_linked_from_the_navigation(app):
    client = client_for(app, "coord@test.fr")
    for path, heading in (("/coordination/missions", "Missions « Un médecin près de chez vous »"),
                          ("/coordination/volontaires",
                           "Plan d'affectation des médecins volontaires")):
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        assert '<html lang="fr">' in r.text and heading in html_lib.unescape(r.text)
        assert '<a href="/coordination/missions"' in r.text
        assert '<a href="/coordination/volontaires"' in r.text
        assert 'aria-current="page"' in r.text


# ------------------------------------------------------------------ missions
def test_missions_page_lists_zones_sites_days_and_days_used(app, missions, db_url):
    day = next_month_days(1)[0]
    sign_up(db_url, missions.volunteers[0], missions.site, day)
    month = day.strftime("%Y-%m")
    r = client_for(app, "coord@test.fr").get("/coordination/missions", params={"mois": month})
    assert r.status_code == 200
    text = text_of(r.text)
    assert "Hôpital de proximité de Château-Chinon" in text
    assert "CC Morvan Sommets et Grands Lacs" in text and "Zones prioritaires (2 EPCI)" in text
    assert missions.volunteer_names[0] in text and "Prévue" in text
    assert "1 / 2" in text  # days used against the cap
    assert "0,00 € pour 0 journée effectuée" in text
    r = client_for(app, "coord@test.fr").get("/coordination/missions", params={"mois": "13-2026"})
    assert r.status_code == 200 and "Mois invalide" in html_lib.unescape(r.text)


def test_coordinator_schedules_a_day_and_its_slots_open(app, missions, db_url):
    client = client_for(app, "coord@test.fr")
    page = client.get("/coordination/missions").text
    day = next_month_days(1)[0]
    r = client.post("/coordination/missions/journees", data={
        "csrf": csrf_of(page), "site": missions.site, "medecin": missions.volunteers[0],
        "jour": day.isoformat(), "remplacant": "Dr Remplaçant"})
    assert r.status_code == 303
    assert "mois=" + day.strftime("%Y-%m") in r.headers["location"]
    with session_factory(db_url)() as s:
        d = s.scalars(select(MissionDay)).one()
        assert (d.practitioner_id, d.day, d.status, d.source, d.replacement_name) == (
            missions.volunteers[0], day, "planned", "coordinator", "Dr Remplaçant")
        assert s.scalar(select(func.count(Slot.id)).where(
            Slot.schedule_id == d.schedule_id, Slot.status == "free")) > 0
    shown = client.get(r.headers["location"])
    assert "Journée programmée" in html_lib.unescape(shown.text)
    assert "1 / 2" in text_of(shown.text)


def test_third_day_is_refused_with_a_french_message_and_the_form_as_typed(
        app, missions, db_url):
    d1, d2, d3 = next_month_days(3)
    for d in (d1, d2):
        sign_up(db_url, missions.volunteers[0], missions.site, d)
    client = client_for(app, "coord@test.fr")
    token = csrf_of(client.get("/coordination/missions").text)
    r = client.post("/coordination/missions/journees", data={
        "csrf": token, "site": missions.site, "medecin": missions.volunteers[0],
        "jour": d3.isoformat(), "remplacant": "Dr Garde du cabinet"})
    assert r.status_code == 409
    text = text_of(r.text)
    month = d3.strftime("%m/%Y")
    assert f"{missions.volunteer_names[0]} a déjà 2 journées de mission" in text, month
    assert "2 journées par mois, tous sites confondus" in text
    assert 'role="alert"' in r.text
    # nothing typed is lost: site, doctor, date and replacement come back as they were
    assert f'<option value="{missions.site}" selected>' in r.text
    assert f'<option value="{missions.volunteers[0]}" selected>' in r.text
    assert f'value="{d3.isoformat()}" aria-invalid="true"' in r.text
    assert 'value="Dr Garde du cabinet"' in r.text
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count(MissionDay.id))) == 2
    # the same date twice is another sentence
    r = client.post("/coordination/missions/journees", data={
        "csrf": token, "site": missions.site, "medecin": missions.volunteers[0],
        "jour": d1.isoformat()})
    assert r.status_code == 409 and "a déjà une journée de mission le" in text_of(r.text)


def test_cap_enforced_by_the_database_alone_is_shown_the_same_way(
        app, missions, db_url, monkeypatch):
    """Skip the service's own check: the trigger refuses and the page still explains."""
    d1, d2, d3 = next_month_days(3)
    for d in (d1, d2):
        sign_up(db_url, missions.volunteers[1], missions.site, d)
    monkeypatch.setattr(service, "_check_cap", lambda *_args: None)
    client = client_for(app, "coord@test.fr")
    r = client.post("/coordination/missions/journees", data={
        "csrf": csrf_of(client.get("/coordination/missions").text), "site": missions.site,
        "medecin": missions.volunteers[1], "jour": d3.isoformat()})
    assert r.status_code == 409
    assert f"{missions.volunteer_names[1]} a déjà 2 journées de mission" in text_of(r.text)
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count(MissionDay.id))) == 2


def test_schedule_form_errors_and_csrf(app, missions, db_url):
    client = client_for(app, "coord@test.fr")
    token = csrf_of(client.get("/coordination/missions").text)
    r = client.post("/coordination/missions/journees",
                    data={"csrf": token, "site": "", "medecin": "", "jour": "31/02",
                          "remplacant": "Dr X"})
    assert r.status_code == 422
    text = text_of(r.text)
    assert "Choisissez le site de mission" in text and "Indiquez la date" in text
    assert 'value="Dr X"' in r.text
    past = date.today() - timedelta(days=3)
    r = client.post("/coordination/missions/journees", data={
        "csrf": token, "site": missions.site, "medecin": missions.volunteers[0],
        "jour": past.isoformat()})
    assert r.status_code == 422 and "est déjà passé" in text_of(r.text)
    r = client.post("/coordination/missions/journees", data={
        "csrf": "forged", "site": missions.site, "medecin": missions.volunteers[0],
        "jour": next_month_days(1)[0].isoformat()})
    assert r.status_code == 403 and "Formulaire expiré" in text_of(r.text)
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count(MissionDay.id))) == 0


def test_cancel_withdraws_slots_and_lists_the_patients_appointments(
        app, world, missions, db_url):
    day = next_month_days(1)[0]
    day_id = sign_up(db_url, missions.volunteers[0], missions.site, day)
    with session_factory(db_url)() as s:
        d = s.get(MissionDay, day_id)
        slot = s.scalars(select(Slot).where(Slot.schedule_id == d.schedule_id)
                         .order_by(Slot.start_at)).first()
        appointment = booking.book(s, Actor.system(), slot_id=slot.id,
                                   patient_id=world.patient).id
        s.commit()
    client = client_for(app, "coord@test.fr")
    month = day.strftime("%Y-%m")
    page = client.get("/coordination/missions", params={"mois": month}).text
    assert f'action="/coordination/missions/journees/{day_id}/annuler"' in page
    r = client.post(f"/coordination/missions/journees/{day_id}/annuler",
                    data={"csrf": csrf_of(page), "motif": "Médecin malade", "mois": month})
    assert r.status_code == 303
    shown = text_of(client.get(r.headers["location"]).text)
    assert "annulée" in shown and f"1 rendez-vous de patients annulé(s) (n° {appointment})" \
        in shown
    assert "Annulée" in shown and "Médecin malade" in shown and "0 / 2" not in shown
    with session_factory(db_url)() as s:
        d = s.get(MissionDay, day_id)
        assert (d.status, d.cancel_reason) == ("cancelled", "Médecin malade")
        assert s.scalar(select(func.count(Slot.id)).where(
            Slot.schedule_id == d.schedule_id, Slot.status == "free")) == 0
    # cancelling twice is refused by the service, said in French
    r = client.post(f"/coordination/missions/journees/{day_id}/annuler",
                    data={"csrf": csrf_of(page), "mois": month})
    assert "Journée non annulée" in html_lib.unescape(client.get(r.headers["location"]).text)


def test_closing_a_day_pays_200_euros_in_the_monthly_totals(app, missions, db_url):
    yesterday = service.today_paris() - timedelta(days=1)
    with session_factory(db_url)() as s:  # a past day, as the demo stores one
        d = MissionDay(practitioner_id=missions.volunteers[0], mission_site_id=missions.site,
                       day=yesterday, status="planned", source="coordinator")
        s.add(d)
        s.commit()
        day_id = d.id
    client = client_for(app, "coord@test.fr")
    month = yesterday.strftime("%Y-%m")
    page = client.get("/coordination/missions", params={"mois": month}).text
    r = client.post(f"/coordination/missions/journees/{day_id}/cloturer",
                    data={"csrf": csrf_of(page), "statut": "completed", "mois": month})
    assert r.status_code == 303
    text = text_of(client.get(r.headers["location"]).text)
    assert "notée « effectuée » : elle sera indemnisée" in text
    assert "200,00 € pour 1 journée effectuée" in text
    assert "CC Morvan Sommets et Grands Lacs (200067890) 1 200,00 €" in text
    with session_factory(db_url)() as s:
        assert s.get(MissionDay, day_id).status == "completed"
        (statement,) = service.statements(s, COORD, month=month)
        assert statement.amount_cents == 20_000


# ------------------------------------------------------------------ volunteer plan
def _expected_plan(territoire: str, budget_cents: int | None, minutes: int, month: str):
    """The optimiser run directly, with the CLI's inputs (what the page must show)."""
    import numpy as np

    from oasis.care.programmes.missions import mission_terms
    from oasis.territory.demo import demo_apl
    from oasis.territory.volunteers import plan_volunteers, synthetic_doctors
    from oasis.territory.zoning import zoning

    apl = demo_apl()
    geo, rows = apl.geo, apl.units
    kind, code = territoire.split("-")
    column = geo.dep if kind == "dep" else geo.region
    present = set(geo.epci[rows][np.asarray(column[rows] == code)].astype(str))
    epcis = [e for e in zoning(apl).priority(151)["epci"] if e in present]
    terms = mission_terms(date.fromisoformat(month + "-01"))
    return plan_volunteers(apl, synthetic_doctors(apl, 500, 0), epcis, terms,
                           budget_cents=budget_cents, max_minutes=minutes)


@pytest.mark.parametrize(("territoire", "budget"), [("dep-58", "20000"), ("dep-58", "1 000"),
                                                    ("reg-27", "6000")])
def test_volunteer_plan_figures_are_the_optimisers(app, territoire, budget):
    month = next_month_days(1)[0].strftime("%Y-%m")
    r = client_for(app, "coord@test.fr").get("/coordination/volontaires", params={
        "territoire": territoire, "budget": budget, "minutes": "90", "mois": month})
    assert r.status_code == 200, text_of(r.text)
    values = data_values(r.text)
    days, cost = int(values["jours"]), int(values["cout"])
    budget_cents = int(budget.replace(" ", "")) * 100
    assert int(values["budget"]) == budget_cents
    assert cost == days * 20_000 and 0 < cost <= budget_cents
    expected = _expected_plan(territoire, budget_cents, 90, month)
    assert (days, cost, int(values["population-relevee"])) == (
        expected.days, expected.cost_cents, expected.population_lifted)
    assert r.text.count("<tr><th scope=\"row\">", r.text.index('class="assignment"'),
                        r.text.index('id="apl-epci"')) == len(expected.assignment)
    text = text_of(r.text)
    for row in expected.epcis.itertuples():
        assert f"{row.name} ({row.epci}) " in text
        assert f"{row.apl_before:.2f}".replace(".", ",") in text
        assert f"{row.apl_after:.2f}".replace(".", ",") in text
    assert "ne peut pas devenir des journées de mission" in text  # synthetic: no button
    assert "/coordination/volontaires/accepter" not in r.text
    # the plan's map: every planned EPCI classed from its own APL before/after, one
    # marker per host commune with its days
    plan_map = json.loads(html_lib.unescape(re.search(
        r"data-plan='([^']+)'", r.text).group(1)))
    assert plan_map["paths"] == "/api/v1/carte/chemins/epci.json"
    lifted = {row.epci: 2 if row.apl_before < 2.5 <= row.apl_after else
              1 if row.apl_after > row.apl_before + 1e-9 else 0
              for row in expected.epcis.itertuples()}
    assert plan_map["indicator"]["values"] == lifted
    assert "consultations/an/hab." in plan_map["indicator"]["label"]
    hosts = expected.assignment.groupby("host")["days"].sum()
    assert {p["code"]: p["label"] for p in plan_map["points"]}.keys() == set(hosts.index)
    assert all(f"— {hosts[p['code']]} journée" in p["label"] for p in plan_map["points"])


def test_volunteer_form_errors(app):
    client = client_for(app, "coord@test.fr")
    r = client.get("/coordination/volontaires")
    assert r.status_code == 200 and 'value="90"' in r.text and "<data" not in r.text
    r = client.get("/coordination/volontaires", params={"territoire": "dep-99",
                                                         "budget": "beaucoup",
                                                         "minutes": "500"})
    assert r.status_code == 422
    text = text_of(r.text)
    assert "Territoire inconnu" in text and "budget illisible" in text
    assert "entre 10 et 180" in text and 'value="beaucoup"' in r.text


def test_platform_plan_becomes_mission_days(app, world, missions, db_url):
    """The platform's GPs towards the mission site: proposals accepted one by one."""
    client = client_for(app, "coord@test.fr")
    month = next_month_days(1)[0].strftime("%Y-%m")
    r = client.get("/coordination/volontaires", params={
        "territoire": "dep-58", "budget": "", "minutes": "90", "medecins": "plateforme",
        "mois": month})
    assert r.status_code == 200, text_of(r.text)
    values = data_values(r.text)
    days = int(values["jours"])
    assert days > 0 and int(values["cout"]) == days * 20_000 and values["budget"] == ""
    text = text_of(r.text)
    assert "Château-Chinon (Ville) (58062)" in text  # the mission site's commune hosts
    assert "Sans commune d'exercice connue" in text  # the volunteers have no practice
    proposals = re.findall(r'name="proposition" value="([^"]+)"', r.text)
    assert len(proposals) == days
    assert all(p.split("|")[1] == "58062" for p in proposals)
    form = {"csrf": csrf_of(r.text), "territoire": "dep-58", "budget": "", "minutes": "90",
            "medecins": "plateforme", "mois": month}
    accepted = client.post("/coordination/volontaires/accepter",
                           data={**form, "proposition": proposals})
    assert accepted.status_code == 200
    shown = text_of(accepted.text)
    assert f"Propositions acceptées : {days}, refusées : 0" in shown
    with session_factory(db_url)() as s:
        rows = s.scalars(select(MissionDay)).all()
        assert len(rows) == days
        assert {r.source for r in rows} == {"optimiser"}
        assert {r.mission_site_id for r in rows} == {missions.site}
        assert {r.practitioner_id for r in rows} <= {world.doctor, world.other_doctor}
    # Accepting again: every proposal is refused by the service, each with its reason.
    again = client.post("/coordination/volontaires/accepter",
                        data={**form, "proposition": proposals})
    shown = text_of(again.text)
    assert f"Propositions acceptées : 0, refusées : {days}" in shown
    assert "a déjà une journée de mission le" in shown
    forged = client.post("/coordination/volontaires/accepter",
                         data={**form, "csrf": "x", "proposition": proposals})
    assert forged.status_code == 403
    with session_factory(db_url)() as s:
        assert s.scalar(select(func.count(MissionDay.id))) == days


def test_platform_plan_without_a_mission_site_in_the_area(app):
    r = client_for(app, "coord@test.fr").get("/coordination/volontaires", params={
        "territoire": "dep-25", "medecins": "plateforme"})
    assert r.status_code == 422
    assert "Aucun site de mission actif dans ce territoire" in text_of(r.text)

