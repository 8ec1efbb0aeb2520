"""Planner journey in Debian's chromium: dashboard, EPCI map, priority table.

Checks that the choropleth is really drawn (SVG paths coloured by class), that the legend
is there, that the keyboard zooms, and that no request leaves 127.0.0.1.  Screenshots go
to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CLASS_COLORS = {"#440154", "#21918c", "#fde725"}  # viridis, 3 steps (territory/palettes)


@pytest.fixture
def planner_server(live_server) -> str:
    """The shared harness's live server (tests/browser/conftest.py)."""
    return live_server.url


@pytest.fixture
def page(new_page):
    """A 1280×900 page from the shared harness (network guard included), failing on JS errors."""
    pg = new_page(viewport={"width": 1280, "height": 900})
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    assert errors == [], f"erreurs JavaScript : {errors}"


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_dashboard_shows_figures_and_charts(page, planner_server):
    page.goto(f"{planner_server}/planification")
    assert page.locator("h1").inner_text().startswith("Tableau de bord ARS")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("svg.chart[role=img]").count() == 3
    bars = page.locator("#histogramme-apl rect.bar")
    assert bars.count() == 16
    assert page.locator("#population-regions rect.bar").count() == 18 * 3
    assert int(page.locator("#pop-sous-dense").inner_text().replace("\u202f", "")) > 1_000_000
    shot(page, "planner_dashboard")
    page.get_by_role("link", name="Carte des EPCI").click()
    page.wait_for_url("**/carte?indicateur=classe&niveau=epci")


def test_epci_map_draws_a_choropleth_with_legend(page, planner_server):
    page.goto(f"{planner_server}/carte?indicateur=classe&niveau=epci")
    page.wait_for_function(  # a function, not a string: CSP forbids eval
        "() => document.querySelectorAll('#carte .map-svg path').length > 1000")
    paths = page.locator("#carte .map-svg path")
    fills = set(paths.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
    assert fills <= CLASS_COLORS | {"#bdbdbd"} and len(fills & CLASS_COLORS) == 3
    legend = page.locator("#carte .map-legend li")
    assert legend.all_inner_texts() == ["sous-dense", "vigilance", "autre", "pas de valeur"]
    assert "EPCI" in page.locator("#carte .map-info").inner_text()
    paths.nth(500).hover()
    title = page.locator("#carte .map-tooltip").inner_text()
    assert " : " in title and title.split(" : ")[1] in ("sous-dense", "vigilance", "autre")
    # keyboard zoom on the focused map
    svg = page.locator("#carte .map-svg")
    before = svg.get_attribute("viewBox")
    svg.focus()
    page.keyboard.press("+")
    assert svg.get_attribute("viewBox") != before
    shot(page, "planner_map_epci")
    # switch to departments: 96 metropolitan departments, APL legend with thresholds
    page.select_option("#niveau", "departement")
    page.select_option("#indicateur", "apl")
    page.wait_for_function(  # a function, not a string: CSP forbids eval
        "() => document.querySelectorAll('#carte .map-svg path').length === 96")
    assert "consultations/an/hab." in page.locator("#carte .map-legend").inner_text()
    assert "niveau=departement" in page.url


def test_priority_table_sorts_and_offers_csv(page, planner_server):
    page.goto(f"{planner_server}/planification/epci-prioritaires")
    rows = page.locator("#epci-prioritaires tbody tr")
    assert rows.count() == 151
    page.get_by_role("link", name="APL").click()
    page.wait_for_url("**tri=apl**")
    header = page.locator("#epci-prioritaires th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending"
    apl = [float(t.replace(",", ".")) for t in
           page.locator("#epci-prioritaires tbody tr td:nth-child(5)").all_inner_texts()]
    assert apl == sorted(apl)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (CSV)").click()
    assert download.value.suggested_filename == "epci-prioritaires-top151.csv"
    shot(page, "planner_priority_epci")
