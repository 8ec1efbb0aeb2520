"""The planners' page « Et dans 5 ans ? » and its JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from oasis.web.app import create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_outlook_json_and_page(client):
    data = client.get("/api/v1/planification/dans-5-ans").json()
    assert data["year_horizon"] == data["year_now"] + 5 and data["synthetic_supply"]
    by = {s["scenario"]: s for s in data["national"]}
    assert set(by) == {"tendance", "sites", "sites_volontaires"}
    # retirements lower the APL; sites and volunteers give some of it back
    assert by["tendance"]["apl_horizon"] < by["tendance"]["apl_now"]
    assert by["tendance"]["apl_horizon"] < by["sites"]["apl_horizon"] <= \
        by["sites_volontaires"]["apl_horizon"]
    assert len(data["departments"]) >= 96
    page = client.get("/planification/dans-5-ans")
    assert page.status_code == 200
    html = page.text
    assert "Et dans 5 ans ?" in html and str(data["year_horizon"]) in html
    assert 'data-scenario="sites_volontaires"' in html and "SYNTHÉTIQUE" in html
    assert "hypothèse Oasis" in html and "<script>" not in html

