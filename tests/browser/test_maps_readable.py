"""Readable maps in Debian's chromium: colour-blind-safe classes recomputed per level,
units in the legend and the tooltip, place labels, place search, territory sheet, 360 px
without horizontal scroll, SVG/PNG export, proposed sites.  Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oasis.territory.palettes import PALETTES

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIRIDIS = set(PALETTES["viridis"]["colors"])


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _page(new_page, width: int, height: int = 900):
    pg = new_page(viewport={"width": width, "height": height})
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    return pg, errors


def _drawn(pg, count_js: str = "> 50") -> None:
    pg.wait_for_function(  # a function, not a string: the CSP forbids eval
        f"() => document.querySelectorAll('#carte .map-svg path').length {count_js} && "
        "document.querySelector('#carte').dataset.labels !== undefined")


def test_region_map_legend_units_labels_and_sheet(new_page, live_server):
    pg, errors = _page(new_page, 1280)
    pg.goto(f"{live_server.url}/carte?indicateur=apl&niveau=region")
    _drawn(pg, "=== 13")
    fills = set(pg.locator("#carte .map-svg path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('fill'))"))
    # classes recomputed for the regions: never one flat colour, all from viridis
    assert len(fills) >= 3 and fills <= VIRIDIS
    legend = pg.locator("#carte .map-legend").inner_text()
    assert "Unité : consultations/an/hab." in legend and "quantiles" in legend
    pg.locator('#carte path[data-code="84"]').hover()  # tooltip with the unit
    tip = pg.locator("#carte .map-tooltip")
    assert tip.is_visible() and tip.inner_text().startswith("Auvergne-Rhône-Alpes (84) : ")
    assert tip.inner_text().endswith("consultations/an/hab.")
    labels = pg.locator("#carte .map-label.prefecture").all_text_contents()
    assert "Paris" in labels and "Nevers" in labels and "Lyon" in labels
    # territory sheet on click: Bourgogne-Franche-Comté (27)
    pg.locator('#carte path[data-code="27"]').click()
    sheet = pg.locator("#carte .map-sheet")
    sheet.wait_for(state="visible")
    text = sheet.inner_text()
    for part in ("Bourgogne-Franche-Comté (27)", "APL", "consultations/an/hab.", "Classe",
                 "Population", "Site le plus proche", "Rang de priorité",
                 "Couverture France Santé", "SYNTHÉTIQUES"):
        assert part in text, part
    shot(pg, "maps_region_apl_sheet")
    # diverging deficit map at the department level: orange and purple classes
    pg.select_option("#niveau", "departement")
    pg.select_option("#indicateur", "ecart")
    _drawn(pg, "=== 96")
    fills = set(pg.locator("#carte .map-svg path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('fill'))"))
    assert fills <= set(PALETTES["puor"]["colors"]) and len(fills) >= 2
    assert "orange : sous le seuil" in pg.locator("#carte .map-legend").inner_text()
    shot(pg, "maps_departement_ecart")
    assert errors == []


def test_national_commune_map_one_path_per_class_keeps_tooltip_and_sheet(new_page,
                                                                          live_server):
    """35 000 communes drawn as one path per colour class (first paint under 1 s,
    benchmarks/map_first_paint.py): hover, click and search still find each commune."""
    pg, errors = _page(new_page, 1280)
    pg.goto(f"{live_server.url}/carte?indicateur=apl&niveau=commune")
    pg.wait_for_function("() => document.querySelector('#carte').dataset.hitIndex === 'ready'"
                         " && document.querySelector('#carte').dataset.labels !== undefined")
    root = pg.locator("#carte")
    assert root.get_attribute("data-merged") == "true"
    assert int(root.get_attribute("data-features")) > 30_000
    merged = pg.locator("#carte .map-svg path.merged")
    assert merged.count() == int(root.get_attribute("data-classes")) <= 7
    assert set(merged.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")) <= (
        VIRIDIS | {"#bdbdbd"})
    assert "Unité : consultations/an/hab." in pg.locator("#carte .map-legend").inner_text()
    svg = pg.locator("#carte .map-svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    x, y = box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45
    pg.mouse.move(x, y)
    tip = pg.locator("#carte .map-tooltip")
    assert tip.is_visible() and tip.inner_text().endswith("consultations/an/hab.")
    code = tip.inner_text().split("(")[-1].split(")")[0]
    assert pg.locator(f'#carte .map-overlay path.hover[data-code="{code}"]').count() == 1
    pg.mouse.click(x, y)
    sheet = pg.locator("#carte .map-sheet")
    sheet.wait_for(state="visible")
    assert f"({code})" in sheet.inner_text() and "Rang de priorité" in sheet.inner_text()
    assert pg.locator(f'#carte path.selected[data-code="{code}"]').count() == 1
    shot(pg, "maps_commune_national_sheet")
    assert errors == []


def test_search_zooms_to_the_commune_and_opens_its_sheet(new_page, live_server):
    pg, errors = _page(new_page, 1280)
    pg.goto(f"{live_server.url}/carte?indicateur=apl&niveau=commune&territoire=58")
    _drawn(pg)
    before = pg.locator("#carte .map-svg").get_attribute("viewBox")
    pg.fill("#lieu", "Château-Chinon (Ville)")
    pg.click("#recherche-lieu button[type=submit]")
    pg.locator("#lieux button").first.click() if pg.locator("#lieux button").count() else None
    pg.wait_for_selector('#carte path.selected[data-code="58062"]')
    assert pg.locator("#carte .map-svg").get_attribute("viewBox") != before
    sheet = pg.locator("#carte .map-sheet")
    sheet.wait_for(state="visible")
    assert "Château-Chinon (Ville) (58062)" in sheet.inner_text()
    assert " min" in sheet.inner_text() or "hors de portée" in sheet.inner_text()
    # zoomed in: the large towns' labels show too
    assert pg.locator("#carte .map-labels.zoomed").count() == 1
    with pg.expect_download() as download:
        pg.click("button[data-export=svg]")
    path = download.value.path()
    body = Path(path).read_text(encoding="utf-8")
    assert body.startswith("<svg") and "<path" in body and "Nevers" in body
    with pg.expect_download() as download:
        pg.click("button[data-export=png]")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shot(pg, "maps_search_chateau_chinon")
    assert errors == []


def test_fits_360px_and_shows_proposed_sites(new_page, live_server):
    pg, errors = _page(new_page, 360, 780)
    pg.goto(f"{live_server.url}/carte?indicateur=couverture&niveau=epci")
    _drawn(pg, "> 1000")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page de {width} px à 360 px"
    pg.check("#sites-proposes")
    pg.wait_for_function("() => document.querySelectorAll('#carte circle.map-point').length > 0")
    assert "Site proposé n° 1" in pg.locator("#carte circle.map-point title").first.text_content()
    # no room for 100 names on a phone-sized country map: labels come with the zoom
    assert pg.locator("#carte .map-labels.compact").count() == 1
    assert not pg.locator("#carte .map-label.prefecture").first.is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    shot(pg, "maps_360px_couverture_sites")
    assert errors == []


def test_outlook_page_at_360px(new_page, live_server):
    pg, errors = _page(new_page, 360, 780)
    pg.goto(f"{live_server.url}/planification/dans-5-ans")
    assert pg.locator("#scenarios tbody tr").count() == 3
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    shot(pg, "outlook_360px")
    assert errors == []


def test_ministry_ranking_page_at_360px(new_page, live_server):
    pg, errors = _page(new_page, 360, 780)
    pg.goto(f"{live_server.url}/planification/criteres-ministere?top=20")
    assert pg.locator("#criteres-ministere tbody tr").count() == 20
    assert pg.locator("#criteres-sources strong.synthetic").count() >= 3
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    shot(pg, "ministry_ranking_360px")
    assert errors == []
