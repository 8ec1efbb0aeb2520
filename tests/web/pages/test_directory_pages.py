"""Directory pages (/praticien/{id}, /lieu/{id}), the finder's filters and the directory
fields in the JSON API and FHIR, without a browser."""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.sites import service as sites
from oasis.config import Settings
from oasis.territory.supply import rpps_with_check_digit
from oasis.web.app import create_app
from tests.factories import finder as finder_world


@pytest.fixture
def setup(db_url, geo):
    session = session_factory(db_url)()
    world = finder_world.build_open(session, geo, utcnow(), days=16)
    site = sites.create_location(
        session, name="Maison de santé de Coulanges", kind="msp", commune_code="58088",
        access="Rez-de-chaussée", parking="Parking de la mairie", transport="Bus ligne 3",
        payments=["especes", "carte_vitale", "tiers_payant"], phone="01 99 00 00 42",
        hours=[(d, time(8), time(19)) for d in range(5)], geo=geo)
    doctor = people.create_practitioner(
        session, rpps=rpps_with_check_digit("1900000077"), family_name="Arnaud",
        given_name="Inès", specialty="generaliste", sector="OPTAM", languages=["en", "fr"])
    people.add_role(session, doctor.id, site.id)
    scheduling.create_schedule(session, practitioner_id=doctor.id, location_id=site.id,
                               mode="in_person", slot_minutes=20,
                               weekly=[(d, time(0), time(23, 40)) for d in range(7)])
    scheduling.generate_all(session, days=16, now=utcnow())
    ids = {"site": site.id, "doctor": doctor.id, "gp_nevers": world.gp_nevers.id,
           "msp": world.msp_nevers.id}
    session.commit()
    session.close()
    client = TestClient(create_app(Settings(database_url=db_url, secret_key="dir-secret")))
    return client, ids


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_practitioner_page_shows_sector_languages_sites_and_the_grid(setup):
    client, ids = setup
    r = client.get(f"/praticien/{ids['doctor']}?ou=58088")
    assert r.status_code == 200
    text = text_of(r.text)
    assert "Dr Inès Arnaud" in text and "Secteur 2 adhérent OPTAM" in text
    assert "limiter ses dépassements" in text  # what the sector means for the price
    assert "français" in text and "anglais" in text
    assert "Maison de santé de Coulanges" in text and "01 99 00 00 42" in text
    assert text.count('class="avail-day"') == 0 and r.text.count('class="avail-day"') == 7
    # every slot links to the booking confirmation, coming back to this page
    href = re.search(r'href="(/rendez-vous/confirmer\?[^"]+)"', r.text).group(1)
    query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
    assert query["retour"][0].startswith(f"/praticien/{ids['doctor']}")
    # « Voir plus de créneaux »: the next 7 days, commune kept
    more = re.search(r'href="([^"]+)"[^>]*rel="next"', r.text).group(1).replace("&amp;", "&")
    assert "debut=" in more and "ou=" in more
    after = client.get(more)
    assert after.status_code == 200 and after.text.count('class="avail-day"') == 7
    assert "7 jours précédents" in after.text


def test_site_page_shows_access_hours_payments_and_practitioners(setup):
    client, ids = setup
    r = client.get(f"/lieu/{ids['site']}")
    assert r.status_code == 200
    text = text_of(r.text)
    for expected in ("Rez-de-chaussée", "Parking de la mairie", "Bus ligne 3",
                     "Lundi 8 h 00 – 19 h 00", "Samedi fermé", "Dr Inès Arnaud"):
        assert expected in text, expected
    # payments in the vocabulary's order, whatever order they were given in
    assert re.search(r"Carte Vitale.*Tiers payant.*Espèces", text)
    assert f'href="/praticien/{ids["doctor"]}' in r.text


@pytest.mark.parametrize("path", ["/praticien/999999", "/lieu/999999"])
def test_unknown_directory_ids_are_a_french_404(setup, path):
    client, _ = setup
    r = client.get(path)
    assert r.status_code == 404
    assert "n'existe pas dans l'annuaire Oasis" in r.text.replace("&#39;", "'")


@pytest.mark.parametrize("path", ["/praticien/0", "/praticien/99999999999999999999",
                                  "/lieu/abc"])
def test_out_of_range_ids_are_refused_not_500(setup, path):
    client, _ = setup
    r = client.get(path)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


@pytest.mark.parametrize("debut", ["hier", "2000-01-01", "2999-01-01"])
def test_bad_grid_start_is_a_french_message(setup, debut):
    client, ids = setup
    r = client.get(f"/praticien/{ids['doctor']}?debut={debut}")
    assert r.status_code == 422
    assert "Date de début" in r.text
    assert r.text.count('class="avail-day"') == 7  # the page still shows this week


@pytest.mark.parametrize(("query", "message"), [
    ("distance=2", "Durée de trajet invalide"), ("distance=3600", "Durée de trajet invalide"),
    ("distance=%C2%B3", "Durée de trajet invalide"), ("mode=fax", "Mode de consultation"),
    ("tarif=gratuit", "Filtre de tarif invalide"),
])
def test_finder_filters_are_bounded_with_a_french_message(setup, query, message):
    client, _ = setup
    r = client.get(f"/trouver-un-soin?ou=58303&{query}")
    assert r.status_code == 422
    assert message in r.text
    assert 'class="options"' not in r.text


def test_finder_too_long_parameter_is_refused_not_500(setup):
    client, _ = setup
    r = client.get("/trouver-un-soin?ou=58303&distance=" + "9" * 50)
    assert r.status_code == 422


def test_finder_filters_apply_and_stay_in_links(setup):
    client, ids = setup
    r = client.get("/trouver-un-soin?ou=58303&distance=20&mode=cabinet&tarif=sans_depassement")
    assert r.status_code == 200
    assert "trajet ≤ 20 min" in r.text
    travel = [int(m) for m in re.findall(r"Trajet : <strong>(\d+) min", r.text)]
    assert travel and max(travel) <= 20
    assert 'data-category="teleconsultation_now"' not in r.text  # « au cabinet » only
    # the links back to the results (booking « retour ») keep the filters
    retour = re.search(r'href="/rendez-vous/confirmer\?([^"]+)"', r.text).group(1)
    back = parse_qs(retour.replace("&amp;", "&"))["retour"][0]
    assert "distance=20" in back and "mode=cabinet" in back and "tarif=sans_depassement" in back
    # each option links to its practitioner's and its site's page; the map has markers
    assert f'href="/praticien/{ids["gp_nevers"]}?ou=' in r.text
    assert f'href="/lieu/{ids["msp"]}?ou=' in r.text
    assert 'id="carte-resultats"' in r.text and "/static/js/trouver-carte.js" in r.text
    assert r.text.count('class="grid-compact"') >= 1


def test_api_and_fhir_expose_the_directory_fields(setup):
    client, ids = setup
    doctor = client.get(f"/api/v1/practitioners/{ids['doctor']}").json()
    assert doctor["languages"] == ["fr", "en"]
    site = client.get(f"/api/v1/sites/{ids['site']}").json()
    assert site["payments"] == ["carte_vitale", "tiers_payant", "especes"]
    assert (site["access"], site["parking"], site["transport"]) == (
        "Rez-de-chaussée", "Parking de la mairie", "Bus ligne 3")
    for path, code in ((f"/api/v1/practitioners/{10**9}", "unknown_practitioner"),
                       (f"/api/v1/sites/{10**9}", "unknown_location")):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["code"] == code
        assert "introuvable" in r.json()["detail"]
    fhir = client.get(f"/fhir/Practitioner/{ids['doctor']}").json()
    assert [c["coding"][0]["code"] for c in fhir["communication"]] == ["fr", "en"]
    location = client.get(f"/fhir/Location/{ids['site']}").json()
    assert location["description"].startswith("Accès : Rez-de-chaussée ; Stationnement")
    assert location["telecom"][0]["value"] == "01 99 00 00 42"
