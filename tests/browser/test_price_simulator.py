"""« Combien vais-je payer ? » and /regles in a real browser (screenshots kept)."""

from __future__ import annotations

import os

from oasis.care.core.db import upgrade


def test_simulator_page_and_rules_page(live_server, page):
    upgrade(os.environ["DATABASE_URL"])
    page.goto(live_server.url + "/regles?le=2026-12-01")
    assert page.locator("tr#pf\\.cap_day").inner_text().count("4,00 €") == 1
    page.get_by_role("link", name="Combien vais-je payer ?").first.click()
    page.select_option("#acte", "teleconsultation")
    page.select_option("#canal", "video")
    page.fill("#date", "2026-12-01")
    page.fill("#age", "40")
    page.check("input[name=mt]")
    page.check("input[name=vu]")
    page.fill("#mutuelle", "MGEN")
    page.get_by_role("button", name="Calculer").click()
    result = page.locator("#resultat").inner_text()
    assert "il vous reste 2,00 €" in result
    page.select_option("#canal", "phone")
    page.get_by_role("button", name="Calculer").click()
    assert "Vous payez 25,00 €" in page.locator("#resultat").inner_text()
    assert page.locator("[data-reimbursable=non]").count() == 1
