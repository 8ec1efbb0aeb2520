"""Téléexpertise, networks, SAS and waits pages: the requester's form with a photo, the
expert's queue and answer, the patient's slots and booking, HTML 404 for non-parties,
the coordinator's SAS publication, the regulator's booking, the planners' waits + CSV."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.networks.models import CareNetwork, SasReservation
from oasis.care.scheduling.models import Slot
from oasis.care.teleexpertise.models import ExpertiseRequest
from oasis.config import Settings
from oasis.web.app import create_app
from tests.factories.care import PASSWORD
from tests.factories.pro import client_for, csrf_of
from tests.factories.teleexpertise import make_world, png_bytes


@pytest.fixture
def app(db_url, tmp_path):
    s = session_factory(db_url)()
    w = make_world(s, accounts_too=True)
    coord = accounts.create_account(s, email="coord@test.fr", password=PASSWORD,
                                    role="coordinator", display_name="Coordination")
    s.get(CareNetwork, w.network_id).coordinator_account_id = coord.id
    accounts.create_account(s, email="regul@test.fr", password=PASSWORD, role="regulator",
                            display_name="Régulation")
    s.commit()
    s.close()
    return create_app(Settings(database_url=db_url, secret_key="t",
                               attachments_dir=tmp_path / "pj"))


def test_pages_journey(app, db_url):
    gp = client_for(app, "gp@test.fr")
    page = gp.get("/pro/teleexpertise")
    assert page.status_code == 200 and "Nouvelle demande" in page.text
    patient_id = re.search(r'<option value="(\d+)" >Durand', page.text).group(1)
    form = {"csrf": csrf_of(page.text), "patient_id": patient_id, "specialty": "dermatologue",
            "question": "Lésion pigmentée ?", "context": "Apparue en 3 mois"}
    refused = gp.post("/pro/teleexpertise", data=form,
                      files=[("files", ("l.png", png_bytes(), "image/png"))])
    assert refused.status_code == 422 and "consentement" in refused.text
    assert "Lésion pigmentée ?" in refused.text  # the input is kept
    bad = gp.post("/pro/teleexpertise", data={**form, "consent": "oui"},
                  files=[("files", ("l.png", b"not an image", "image/png"))])
    assert bad.status_code == 422 and "ni une image" in bad.text
    sent = gp.post("/pro/teleexpertise", data={**form, "consent": "oui"},
                   files=[("files", ("lesion.png", png_bytes(), "image/png"))])
    assert sent.status_code == 303
    s = session_factory(db_url)()
    rid = s.scalar(select(ExpertiseRequest.id))
    s.close()
    derm = client_for(app, "derm@test.fr")
    queue = derm.get("/pro/teleexpertise/file")
    assert f"/pro/teleexpertise/{rid}" in queue.text and re.search(r"[67] j \d+ h", queue.text)
    detail = derm.get(f"/pro/teleexpertise/{rid}")
    assert "lesion.png" in detail.text and "Rendre l'avis" in detail.text
    r = derm.post(f"/pro/teleexpertise/{rid}/avis", data={
        "csrf": csrf_of(detail.text), "text": "À voir au cabinet.",
        "recommendation": "in_person"})
    assert r.status_code == 303
    assert "TE2" in derm.get(f"/pro/teleexpertise/{rid}").text
    for email in ("autre@test.fr", "coord@test.fr"):
        other = client_for(app, email)
        assert other.get(f"/pro/teleexpertise/{rid}").status_code == 404
    patient = client_for(app, "patient@test.fr")
    mine = patient.get(f"/mes-avis-specialiste/{rid}")
    assert "Consultation en présentiel" in mine.text and "Choisissez un rendez-vous" in mine.text
    slot_id = re.search(r'name="slot_id" value="(\d+)"', mine.text).group(1)
    r = patient.post(f"/mes-avis-specialiste/{rid}/rendez-vous",
                     data={"csrf": csrf_of(mine.text), "slot_id": slot_id})
    assert r.status_code == 303
    assert 'id="rdv-pris"' in patient.get(f"/mes-avis-specialiste/{rid}").text
    planner = client_for(app, "coord@test.fr")
    waits = planner.get("/planification/delais")
    assert waits.status_code == 200 and "Dermatologie" in waits.text
    csv = planner.get("/planification/delais.csv?departement=58")
    assert csv.text.splitlines()[1].startswith("58;dermatologue;1;0.0;0;0;1;")
    assert gp.get("/planification/delais").status_code == 404


def test_coordinator_publishes_sas_and_regulator_books(app, db_url):
    coord = client_for(app, "coord@test.fr")
    page = coord.get("/coordination/reseaux")
    assert page.status_code == 200 and "CPTS test" in page.text
    ids = re.findall(r'name="slot_ids" value="(\d+)"', page.text)
    if not ids:
        pytest.skip("no free slot in the next 48 h at this time of the week")
    site = re.search(r'/coordination/reseaux/sites/(\d+)/sas', page.text).group(1)
    r = coord.post(f"/coordination/reseaux/sites/{site}/sas",
                   data={"csrf": csrf_of(page.text), "slot_ids": ids[:1]})
    assert r.status_code == 303
    regul = client_for(app, "regul@test.fr")
    sas = regul.get("/sas")
    rid = re.search(r'action="/sas/(\d+)"', sas.text).group(1)
    bad = regul.post(f"/sas/{rid}", data={"csrf": csrf_of(sas.text), "family_name": "X",
                                          "given_name": "Y", "birth_date": "pas une date",
                                          "commune_code": "58194"})
    assert bad.status_code == 422
    ok = regul.post(f"/sas/{rid}", data={"csrf": csrf_of(sas.text), "family_name": "Appel",
                                         "given_name": "Jean", "birth_date": "1960-04-02",
                                         "commune_code": "58194"})
    assert ok.status_code == 303
    s = session_factory(db_url)()
    row = s.get(SasReservation, int(rid))
    assert row.appointment_id is not None
    assert s.get(Slot, row.slot_id).start_at <= utcnow() + timedelta(hours=48)
    s.close()
    assert client_for(app, "gp@test.fr").get("/sas").status_code == 404


def test_finder_shows_the_mutuelle_network_prices(app, db_url):
    from oasis.care.networks import service as networks
    from oasis.care.people.models import Patient

    s = session_factory(db_url)()
    patient = s.scalar(select(Patient).where(Patient.family_name == "Durand"))
    patient.mutuelle_name = "Mutuelle Test"
    net = networks.create_network(s, name="Réseau optique test", kind="mutuelle",
                                  communes=["58194"], mutuelle_name="mutuelle test")
    networks.add_price(s, net.id, category="optique", item="Lunettes unifocales",
                       network_price_cents=9000, usual_price_cents=16000)
    from oasis.care.people.models import Practitioner as P
    from oasis.care.people.models import PractitionerRole

    derm_site = s.scalar(select(PractitionerRole.location_id).join(P).where(
        P.specialty == "dermatologue").order_by(PractitionerRole.id))
    networks.add_member(s, net.id, location_id=derm_site)
    s.commit()
    s.close()
    page = client_for(app, "patient@test.fr").get("/trouver-un-soin")
    assert "Le réseau de soins de votre mutuelle" in page.text
    assert "Lunettes unifocales" in page.text and "90,00" in page.text
    derm = client_for(app, "patient@test.fr").get("/trouver-un-soin?besoin=dermatologue")
    assert derm.text.count("réseau de votre mutuelle</span>") >= 1
    other = client_for(app, "gp@test.fr").get("/trouver-un-soin")
    assert "réseau de soins de votre mutuelle" not in other.text


@pytest.mark.parametrize("email,role", [("gp@test.fr", "practitioner"),
                                        ("patient@test.fr", "patient"),
                                        ("coord@test.fr", "coordinator"),
                                        ("regul@test.fr", "regulator")])
def test_new_menu_links_open_for_their_role(app, email, role):
    from oasis.web.kit.nav import home_of, menu

    mine = ("/pro/teleexpertise", "/mes-avis-specialiste", "/coordination/reseaux",
            "/planification/delais", "/sas")
    client = client_for(app, email)
    links = [link.href for link in menu(role) if link.href.startswith(mine)]
    assert links, role
    for href in links:
        assert client.get(href).status_code == 200, href
    if role == "regulator":
        assert home_of(role) == "/sas"


def test_form_sends_a_photo_over_1_mib(app, db_url):
    """The requester's form accepts a 2 MiB photo (the upload allowance of
    ``web/kit/limits.UPLOAD_ROUTES``, not the global 1 MiB body limit)."""
    from oasis.care.teleexpertise.models import ExpertiseAttachment
    from tests.web.api.test_teleexpertise import big_png

    photo = big_png()
    gp = client_for(app, "gp@test.fr")
    page = gp.get("/pro/teleexpertise")
    patient_id = re.search(r'<option value="(\d+)" >Durand', page.text).group(1)
    sent = gp.post("/pro/teleexpertise", data={
        "csrf": csrf_of(page.text), "patient_id": patient_id, "specialty": "dermatologue",
        "question": "Lésion pigmentée ?", "consent": "oui"},
        files=[("files", ("dos.png", photo, "image/png"))])
    assert sent.status_code == 303, sent.text[:300]
    s = session_factory(db_url)()
    sizes = s.scalars(select(ExpertiseAttachment.size_bytes)).all()
    s.close()
    assert sizes == [len(photo)]
