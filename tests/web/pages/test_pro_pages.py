"""Professional pages: role gate, today's agenda, schedule management, audit log search."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from oasis.care.audit.models import AuditEvent
from oasis.care.core.db import session_factory
from oasis.care.scheduling.agenda import day_bounds, parse_local_period
from oasis.care.scheduling.models import AvailableTime, ScheduleException, Slot
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.pro import build, client_for, csrf_of


@pytest.fixture
def world(db_url):
    return build(db_url)


@pytest.fixture
def app(db_url, world):
    return create_app(Settings(database_url=db_url, secret_key="test-secret"))



def count(db_url, stmt) -> int:
    with session_factory(db_url)() as s:
        return s.scalar(select(func.count()).select_from(stmt.subquery()))


# ------------------------------------------------------------------ gate
@pytest.mark.parametrize("path", ["/pro/agenda", "/pro/disponibilites", "/coordination/audit"])
def test_signed_out_visitor_is_sent_to_sign_in_and_back(app, path):
    r = client_for(app, None).get(path + "?jour=2026-01-05")
    assert r.status_code == 303
    assert r.headers["location"] == "/connexion?suite=" + path.replace("/", "%2F") \
        + "%3Fjour%3D2026-01-05"


@pytest.mark.parametrize(("email", "path"), [
    ("patient@test.fr", "/pro/agenda"), ("coord@test.fr", "/pro/agenda"),
    ("infirmiere@test.fr", "/pro/disponibilites"), ("doc@test.fr", "/coordination/audit"),
    ("patient@test.fr", "/coordination/audit")])
def test_other_roles_get_a_404_page(app, email, path):
    r = client_for(app, email).get(path)
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert "Page introuvable" in r.text
    assert "Durand" not in r.text


def test_pro_entry_point_sends_each_role_home(app):
    assert client_for(app, None).get("/pro").headers["location"] == "/connexion?suite=%2Fpro"
    for email, home in (("doc@test.fr", "/pro/agenda"),
                        ("infirmiere@test.fr", "/teleconsultation/ett"),
                        ("coord@test.fr", "/coordination/audit")):
        assert client_for(app, email).get("/pro").headers["location"] == home


# ------------------------------------------------------------------ agenda
def test_practitioner_sees_todays_appointments_in_paris_time_and_reads_are_audited(
        app, world, db_url):
    before = count(db_url, select(AuditEvent).where(AuditEvent.purpose == "agenda du jour"))
    r = client_for(app, "doc@test.fr").get("/pro/agenda")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert '<html lang="fr">' in html
    assert "Mon agenda du jour" in html
    assert "10 h 00–10 h 20" in html and "11 h 00–11 h 20" in html
    assert "Jeanne Durand" in html and "Douleur au genou" in html
    assert html.index("Jeanne Durand") < html.index("Jeanne Lefèvre")  # time order
    after = count(db_url, select(AuditEvent).where(AuditEvent.purpose == "agenda du jour"))
    assert after - before == 2


def test_agenda_of_another_day_and_bad_dates(app, world):
    client = client_for(app, "doc@test.fr")
    tomorrow = (world.day + timedelta(days=1)).isoformat()
    r = client.get("/pro/agenda", params={"jour": tomorrow})
    assert r.status_code == 200
    assert "Aucun rendez-vous ce jour-là" in r.text
    assert "Durand" not in r.text
    r = client.get("/pro/agenda", params={"jour": "31/02/2026"})
    assert r.status_code == 200
    assert "Date invalide" in r.text and "Jeanne Durand" in r.text


def test_other_practitioner_does_not_see_them_but_the_site_nurse_does(app, world):
    assert "Durand" not in client_for(app, "doc2@test.fr").get("/pro/agenda").text
    html = client_for(app, "infirmiere@test.fr").get("/pro/agenda").text
    assert "Agenda du site" in html and "Jeanne Durand" in html


def test_day_bounds_follow_the_paris_clock_changes():
    start, end = day_bounds(date(2026, 3, 29))  # spring forward: 23 hours
    assert (end - start) == timedelta(hours=23)
    assert start.isoformat() == "2026-03-28T23:00:00+00:00"
    start, end = day_bounds(date(2026, 10, 25))  # fall back: 25 hours
    assert (end - start) == timedelta(hours=25)


def test_absence_period_parsing():
    start, end = parse_local_period(date(2026, 7, 1), None, date(2026, 7, 3), None)
    assert start.isoformat() == "2026-06-30T22:00:00+00:00"
    assert end.isoformat() == "2026-07-03T22:00:00+00:00"
    with pytest.raises(Exception, match="après son début"):
        parse_local_period(date(2026, 7, 3), None, date(2026, 7, 1), None)


# ------------------------------------------------------------------ schedules
def test_absence_withdraws_free_slots_and_lists_patients_to_call(app, world, db_url):
    client = client_for(app, "doc@test.fr")
    page = client.get("/pro/disponibilites")
    assert page.status_code == 200
    assert "MSP test 21" in page.text and "Au cabinet" in page.text
    day = world.day.isoformat()
    tomorrow = world.day + timedelta(days=1)
    form = {"csrf": csrf_of(page.text), "debut": day, "heure_debut": "09:00",
            "fin": tomorrow.isoformat(), "heure_fin": "12:00", "motif": "Formation"}
    # Without the token nothing happens.
    r = client.post(f"/pro/disponibilites/{world.schedule}/absence",
                    data={**form, "csrf": "0" * 32})
    assert r.status_code == 303 and "erreur=" in r.headers["location"]
    assert count(db_url, select(ScheduleException)) == 0
    r = client.post(f"/pro/disponibilites/{world.schedule}/absence", data=form)
    assert r.status_code == 303
    assert "absence=" in r.headers["location"]
    with session_factory(db_url)() as s:
        exception = s.scalars(select(ScheduleException)).one()
        assert exception.reason == "Formation"
        assert (exception.start_at, exception.end_at) == parse_local_period(
            world.day, time(9), tomorrow, time(12))
        free = s.scalar(select(func.count()).where(
            Slot.schedule_id == world.schedule, Slot.start_at >= exception.start_at,
            Slot.start_at < exception.end_at, Slot.status == "free"))
        assert free == 0
    shown = client.get(r.headers["location"])
    assert "Absence enregistrée" in shown.text
    assert "2</strong> rendez-vous déjà pris" in shown.text
    assert "Jeanne Durand" in shown.text and "Jeanne Lefèvre" in shown.text
    assert "Formation" in shown.text


def test_absence_form_errors_keep_the_input(app, world, db_url):
    client = client_for(app, "doc@test.fr")
    token = csrf_of(client.get("/pro/disponibilites").text)
    r = client.post(f"/pro/disponibilites/{world.schedule}/absence",
                    data={"csrf": token, "debut": "2026-08-10", "fin": "2026-08-01",
                          "motif": "Congés d'été"})
    assert r.status_code == 422
    assert "La fin de l&#39;absence doit être après son début." in r.text
    assert 'value="Congés d&#39;été"' in r.text
    assert count(db_url, select(ScheduleException)) == 0


def test_another_practitioners_schedule_is_not_reachable(app, world, db_url):
    client = client_for(app, "doc2@test.fr")
    token = csrf_of(client.get("/pro/disponibilites").text)
    r = client.post(f"/pro/disponibilites/{world.schedule}/absence",
                    data={"csrf": token, "debut": world.day.isoformat()})
    assert r.status_code == 303 and "introuvable" in r.headers["location"]
    assert count(db_url, select(ScheduleException)) == 0


def test_weekly_hours_are_replaced_and_slots_opened(app, world, db_url):
    client = client_for(app, "doc2@test.fr")  # doc2's schedule: every day 7:00-20:00
    page = client.get("/pro/disponibilites").text
    schedule_id = int(re.search(r'/pro/disponibilites/(\d+)/semaine', page).group(1))
    token = csrf_of(page)
    bad = {"csrf": token, "j0_0_debut": "14:00", "j0_0_fin": "09:00"}
    r = client.post(f"/pro/disponibilites/{schedule_id}/semaine", data=bad)
    assert r.status_code == 422 and "la fin doit être après le début" in r.text
    overlap = {"csrf": token, "j1_0_debut": "09:00", "j1_0_fin": "12:00",
               "j1_1_debut": "11:00", "j1_1_fin": "13:00"}
    r = client.post(f"/pro/disponibilites/{schedule_id}/semaine", data=overlap)
    assert r.status_code == 422 and "se chevauchent" in r.text
    assert count(db_url, select(AvailableTime).where(
        AvailableTime.schedule_id == schedule_id)) == 7
    good = {"csrf": token, "j0_0_debut": "09:00", "j0_0_fin": "12:00",
            "j0_1_debut": "14:00", "j0_1_fin": "18:30", "j3_0_debut": "08:30",
            "j3_0_fin": "12:30"}
    r = client.post(f"/pro/disponibilites/{schedule_id}/semaine", data=good)
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    with session_factory(db_url)() as s:
        rows = s.execute(select(AvailableTime.weekday, AvailableTime.start_time,
                                AvailableTime.end_time)
                         .where(AvailableTime.schedule_id == schedule_id)
                         .order_by(AvailableTime.weekday, AvailableTime.start_time)).all()
    assert [(d, a.strftime("%H:%M"), b.strftime("%H:%M")) for d, a, b in rows] == [
        (0, "09:00", "12:00"), (0, "14:00", "18:30"), (3, "08:30", "12:30")]
    page = client.get("/pro/disponibilites").text
    assert 'value="14:00"' in page and 'value="18:30"' in page


def test_generate_and_new_schedule(app, world, db_url):
    client = client_for(app, "doc@test.fr")
    page = client.get("/pro/disponibilites").text
    token = csrf_of(page)
    before = count(db_url, select(Slot).where(Slot.schedule_id == world.schedule))
    r = client.post(f"/pro/disponibilites/{world.schedule}/generer",
                    data={"csrf": token, "jours": "30"})
    assert r.status_code == 303 and "ok=" in r.headers["location"]
    assert count(db_url, select(Slot).where(Slot.schedule_id == world.schedule)) > before
    r = client.post(f"/pro/disponibilites/{world.schedule}/generer",
                    data={"csrf": token, "jours": "500"})
    assert "erreur=" in r.headers["location"]
    r = client.post("/pro/disponibilites/nouveau",
                    data={"csrf": token, "site": str(world.site), "mode": "video",
                          "duree": "15"})
    assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
    page = client.get("/pro/disponibilites").text
    assert "Téléconsultation vidéo" in page
    r = client.post("/pro/disponibilites/nouveau",  # the same one again: refused, explained
                    data={"csrf": token, "site": str(world.site), "mode": "video",
                          "duree": "15"})
    assert "existe+d%C3%A9j%C3%A0" in r.headers["location"]


def test_no_show_only_after_start(app, world, db_url):
    client = client_for(app, "doc@test.fr")
    html = client.get("/pro/agenda").text
    token = csrf_of(html)
    r = client.post(f"/pro/agenda/{world.appointments[0]}/absent",
                    data={"csrf": token, "jour": world.day.isoformat()})
    assert r.status_code == 303
    from oasis.care.booking.models import Appointment
    from oasis.care.scheduling.agenda import utcnow

    with session_factory(db_url)() as s:
        a = s.get(Appointment, world.appointments[0])
        expected = "noshow" if a.start_at <= utcnow() else "booked"
        assert a.status == expected
    assert ("ok=" if expected == "noshow" else "erreur=") in r.headers["location"]


# ------------------------------------------------------------------ audit
def test_audit_search_filters_and_is_itself_audited(app, world, db_url):
    client_for(app, "doc@test.fr").get("/pro/agenda")  # 2 reads by the doctor
    coord = client_for(app, "coord@test.fr")
    r = coord.get("/coordination/audit")
    assert r.status_code == 200
    assert "Journal d&#39;audit" in r.text or "Journal d'audit" in r.text
    assert "<form" in r.text and 'method="post"' not in r.text.split("<main")[1]
    r = coord.get("/coordination/audit", params={"qui": "DOC@test.fr", "action": "read"})
    assert r.status_code == 200
    assert "<strong>2</strong> événements" in r.text
    assert "agenda du jour" in r.text and "Dr Alice Martin" in r.text
    r = coord.get("/coordination/audit", params={"patient": str(world.patient),
                                                 "qui": "doc@test.fr"})
    assert "<strong>1</strong> événement." in r.text
    r = coord.get("/coordination/audit", params={"qui": "personne@nulle.part"})
    assert "Aucun compte" in r.text and "<strong>0</strong>" in r.text
    r = coord.get("/coordination/audit", params={"du": "hier", "patient": "abc"})
    assert "date invalide" in r.text and "un nombre entier" in r.text
    tomorrow = (world.day + timedelta(days=1)).isoformat()
    r = coord.get("/coordination/audit", params={"du": tomorrow})
    assert "<strong>0</strong>" in r.text
    searches = count(db_url, select(AuditEvent).where(
        AuditEvent.action == "search", AuditEvent.entity_type == "AuditEvent"))
    assert searches == 6


def test_audit_pagination_and_denied_filter(app, world, db_url):
    doc2 = client_for(app, "doc2@test.fr")
    # A practitioner without relationship reading an appointment: denied and audited.
    r = doc2.get(f"/api/v1/appointments/{world.appointments[0]}")
    assert r.status_code == 404
    for _ in range(30):
        client_for(app, "doc@test.fr").get("/pro/agenda")  # 60 reads
    coord = client_for(app, "coord@test.fr")
    r = coord.get("/coordination/audit", params={"resultat": "denied"})
    assert "<strong>1</strong> événement." in r.text and "Refusé" in r.text
    r = coord.get("/coordination/audit", params={"qui": "doc@test.fr"})
    assert "page 1 sur 2" in r.text
    assert 'rel="next"' in r.text and "qui=doc%40test.fr&amp;page=2" in r.text
    r2 = coord.get("/coordination/audit", params={"qui": "doc@test.fr", "page": "2"})
    assert "Page 2 / 2" in r2.text and 'rel="prev"' in r2.text
    assert r2.text.count("agenda du jour") == 10


# ------------------------------------------------------------------ siting planner
def test_siting_planner_before_after(app):
    coord = client_for(app, "coord@test.fr")
    r = coord.get("/coordination/implantation")
    assert r.status_code == 200 and "Calculer le plan" in r.text and "<table" not in r.text
    r = coord.get("/coordination/implantation",
                  params={"dep": "58", "k": "3", "minutes": "15", "population": "1000"})
    assert r.status_code == 200
    html = r.text
    before = int(re.search(r'id="couverts-avant">([\d ]+)<', html).group(1).replace(" ", ""))
    after = int(re.search(r'id="couverts-apres">([\d ]+)<', html).group(1).replace(" ", ""))
    added = [int(x.replace(" ", "")) for x in re.findall(
        r'<th scope="row">[^<]+\(58\d{3}\)</th>\s*<td>[\d ]+</td>\s*<td>([\d ]+)</td>', html)]
    assert len(added) == 3
    assert after > before and after - before == sum(added)
    assert added == sorted(added, reverse=True)
    assert "territoire=58" in html  # the map link
    # the plan on the app's map: the department's communes in three classes (covered
    # before, thanks to the plan, beyond 15 min) and the 3 sites as markers
    import html as html_lib
    import json

    plan_map = json.loads(html_lib.unescape(re.search(r"data-plan='([^']+)'", html).group(1)))
    assert plan_map["paths"] == "/api/v1/carte/chemins/commune.json?dep=58"
    values = plan_map["indicator"]["values"]
    assert set(values.values()) <= {0, 1, 2} and 1 in values.values()
    assert [p["label"].split(" : ")[0] for p in plan_map["points"]] == [
        "Site proposé n° 1", "Site proposé n° 2", "Site proposé n° 3"]
    assert plan_map["indicator"]["categories"][1] == ("à 15 min ou moins grâce aux "
                                                      "nouveaux sites")
    r = coord.get("/coordination/implantation", params={"dep": "999", "k": "0"})
    assert r.status_code == 422
    assert "Département inconnu" in r.text and "Nombre de sites : entre 1 et 50" in r.text
    assert client_for(app, "doc@test.fr").get("/coordination/implantation").status_code == 404


def test_absence_can_cancel_the_booked_appointments_and_tell_the_patients(app, world, db_url):
    from sqlalchemy import update

    from oasis.care.booking.models import Appointment
    from oasis.care.notifications.models import OutboxMessage
    from oasis.care.people.models import Patient

    with session_factory(db_url)() as s:
        s.execute(update(Patient).values(email=Patient.family_name + "@test.fr"))
        s.commit()
    client = client_for(app, "doc@test.fr")
    page = client.get("/pro/disponibilites")
    day, tomorrow = world.day.isoformat(), (world.day + timedelta(days=1)).isoformat()
    r = client.post(f"/pro/disponibilites/{world.schedule}/absence", data={
        "csrf": csrf_of(page.text), "debut": day, "heure_debut": "09:00", "fin": tomorrow,
        "heure_fin": "12:00", "motif": "Formation"})
    shown = client.get(r.headers["location"])
    action = re.search(r'action="(/pro/disponibilites/absence/\d+/annuler-rendez-vous)"',
                       shown.text).group(1)
    assert client.post(action, data={"csrf": "0" * 32}).status_code == 303
    assert count(db_url, select(OutboxMessage)) == 0  # without the token nothing happens
    other = client_for(app, "doc2@test.fr")
    r = other.post(action, data={"csrf": csrf_of(other.get("/pro/disponibilites").text)})
    assert r.status_code == 303 and "introuvable" in r.headers["location"]
    r = client.post(action, data={"csrf": csrf_of(shown.text)})
    assert r.status_code == 303
    assert "2 rendez-vous annul" in client.get(r.headers["location"]).text
    with session_factory(db_url)() as s:
        got = s.execute(select(OutboxMessage.kind, OutboxMessage.recipient)
                        .order_by(OutboxMessage.recipient)).all()
        assert [tuple(g) for g in got] == [("cancelled_by_practice", "durand@test.fr"),
                                           ("cancelled_by_practice", "lefèvre@test.fr")]
        assert s.scalar(select(func.count()).where(
            Appointment.cancel_reason == "absence du praticien")) == 2
