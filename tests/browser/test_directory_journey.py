"""Directory pages and the availability grid in a real browser (issue 15, « finder and
directory pages »): an anonymous visitor searches a commune, filters, opens a
practitioner's page from the results, pages the grid with « Voir plus de créneaux »,
clicks a slot and is asked to sign in to confirm.  Screenshots of the practitioner page,
the site page and the results with their map at 1280 and 360 px; axe-core finds no
critical or serious violation on these pages at both widths.

(The Mende → teleconsultation card → queue path is test_journeys.py's
``test_anonymous_search_leads_to_the_teleconsultation_queue``: not repeated here.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import load_demo
from oasis.care.people.models import Practitioner
from oasis.care.sites.models import Location

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ({"width": 1280, "height": 900}, {"width": 360, "height": 740})


@pytest.fixture
def demo_server(live_server_factory):
    server = live_server_factory()
    url = os.environ["DATABASE_URL"]
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session, days=15)  # two grid windows of agendas
    return server


@pytest.fixture
def shots(request) -> Path:
    root = os.environ.get("OASIS_ARTIFACTS_DIR") or request.config.rootpath / "test-artifacts"
    folder = Path(root) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def demo_ids() -> tuple[int, int]:
    """The demo GP of Nevers (Dr Moreau) and her MSP."""
    with session_scope(os.environ["DATABASE_URL"]) as session:
        doctor = session.scalars(select(Practitioner).where(
            Practitioner.family_name == "Moreau")).one()
        site = session.scalars(select(Location).where(
            Location.name == "MSP du Banlay, Nevers (démo)")).one()
        return doctor.id, site.id


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll}px wide at {width}px"


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_search_filter_open_practitioner_page_page_the_grid_and_book(demo_server, new_page,
                                                                     shots, viewport):
    width = viewport["width"]
    page = new_page(f"anonyme-{width}", viewport=viewport)
    base = demo_server.url
    page.goto(base + "/trouver-un-soin")
    page.get_by_label("Votre commune ou votre code postal").fill("Varennes-Vauzelles")
    page.get_by_role("button", name="Chercher").click()
    page.locator("ol.options > li").first.wait_for()
    unfiltered = page.locator("ol.options > li").count()

    # Filters: 30 minutes at most, no overrun; they stay in the URL (GET parameters).
    page.get_by_label("Trajet maximum").select_option("30")
    page.get_by_label("Sans dépassement d'honoraires (secteur 1 ou OPTAM)").check()
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_url(re.compile(r"distance=30"))
    assert "tarif=sans_depassement" in page.url
    options = page.locator("ol.options > li")
    options.first.wait_for()
    assert 0 < options.count() <= unfiltered
    assert "trajet ≤ 30 min" in page.locator(".active-filters").inner_text()
    for minutes in page.locator(".option .travel strong").all_inner_texts():
        assert int(minutes.split()[0]) <= 30, minutes
    # the results map: the searched commune and one numbered marker per site
    page.wait_for_function("() => document.querySelector('#carte-resultats')"
                           "?.dataset.markers_drawn")
    markers = page.locator("#carte-resultats .map-marker")
    assert markers.count() >= 2
    assert markers.first.locator("title").text_content().startswith("Varennes-Vauzelles")
    assert markers.nth(1).locator("text").text_content().startswith("1")
    no_sideways_scroll(page, width)
    page.screenshot(path=str(shots / f"directory_results_map_{width}.png"), full_page=True)

    # The compact grid of the first in-person option, then its practitioner's page.
    first = page.locator('ol.options > li[data-category="in_person_48h"]').first
    first.locator("details.grid-compact summary").click()
    assert first.locator(".avail-day").count() == 7
    name = first.locator("a.practitioner-link").inner_text()
    first.locator("a.practitioner-link").click()
    page.wait_for_url(re.compile(r"/praticien/\d+\?ou="))
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert "Secteur" in page.locator("#tarifs + p").inner_text()
    grid = page.locator(".avail-grid").first
    assert grid.locator(".avail-day").count() == 7
    first_day = page.locator("#grille").inner_text()
    no_sideways_scroll(page, width)

    page.get_by_role("link", name="Voir plus de créneaux").click()
    page.wait_for_url(re.compile(r"debut=\d{4}-\d{2}-\d{2}"))
    assert page.locator("#grille").inner_text() != first_day
    slot = page.locator("a.avail-slot").first
    slot_id = slot.get_attribute("data-slot")
    slot.click()
    # anonymous: the booking confirmation asks to sign in first, then comes back
    page.wait_for_url(re.compile(r"/connexion\?suite="))
    suite = unquote(parse_qs(urlsplit(page.url).query)["suite"][0])
    assert suite.startswith(f"/rendez-vous/confirmer?creneau={slot_id}")
    assert page.get_by_label("Adresse e-mail").is_visible()


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_directory_pages_screenshots_and_axe(demo_server, new_page, shots, viewport):
    width = viewport["width"]
    doctor_id, site_id = demo_ids()
    page = new_page(f"axe-{width}", viewport=viewport, bypass_csp=True)
    base = demo_server.url
    pages = {"praticien": f"/praticien/{doctor_id}?ou=Varennes-Vauzelles",
             "lieu": f"/lieu/{site_id}",
             "results_map": "/trouver-un-soin?ou=Varennes-Vauzelles&distance=45&mode=cabinet"}
    failures = []
    for label, path in pages.items():
        response = page.goto(base + path)
        assert response.status == 200, (path, response.status)
        if label == "results_map":
            page.wait_for_function("() => document.querySelector('#carte-resultats')"
                                   "?.dataset.markers_drawn")
        no_sideways_scroll(page, width)
        page.screenshot(path=str(shots / f"directory_{label}_{width}.png"), full_page=True)
        if not AXE.is_file():
            continue
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.filter(v => ["critical", "serious"].includes(v.impact))
              .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3)
                .map(n => n.target.join(" ")).join(" | "));
        }""")
        failures += [f"{path}: {v}" for v in found]
    site = page.goto(base + f"/lieu/{site_id}")
    assert site.status == 200
    text = page.locator("main").inner_text()
    for expected in ("Stationnement", "Transports", "Carte Vitale", "Dr Claire Moreau",
                     "Horaires d'ouverture"):
        assert expected in text, expected
    if not AXE.is_file():
        pytest.skip("axe-core not installed (make assets): screenshots only")
    assert not failures, "\n".join(failures)
