"""Readable maps, server side: legend with unit, labels, place search, territory sheet,
proposed sites; unknown input is a 4xx with the one error body."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oasis.territory.maps import PREFECTURES_FILE
from oasis.web.app import create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_indicator_carries_its_legend(client):
    data = client.get("/api/v1/carte/indicateurs/apl?niveau=region").json()
    leg = data["legend"]
    assert leg["unit"] == "consultations/an/hab." and "viridis" in leg["palette_source"]
    assert len(leg["colors"]) == len(leg["breaks"]) + 1 >= 3
    dens = client.get("/api/v1/carte/indicateurs/densite?niveau=departement").json()
    assert dens["legend"]["unit"] == "hab./km²"


def test_prefectures_file_resolves_every_department(geo):
    with Path(PREFECTURES_FILE).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 101 and len({r["dep"] for r in rows}) == 101
    for r in rows:
        i = geo.row(r["code"])
        assert geo.name[i] == r["name"] and geo.dep[i] == r["dep"], r


def test_labels(client):
    labels = client.get("/api/v1/carte/etiquettes").json()
    names = {p["name"]: p for p in labels}
    assert names["Nevers"]["kind"] == "prefecture"
    assert names["Boulogne-Billancourt"]["kind"] == "ville"  # ≥ 50 000, not a préfecture
    assert "Cayenne" not in names  # metropolitan layer only
    assert labels[0]["name"] == "Paris"  # largest first
    nievre = client.get("/api/v1/carte/etiquettes?dep=58").json()
    assert [p["name"] for p in nievre] == ["Nevers"]
    r = client.get("/api/v1/carte/etiquettes?dep=99")
    assert r.status_code == 404 and r.json()["code"] == "unknown_department"


def test_search(client):
    found = client.get("/api/v1/carte/recherche", params={"q": "chateau chinon"}).json()
    assert "58062" in [p["code"] for p in found]
    by_code = client.get("/api/v1/carte/recherche", params={"q": "58194"}).json()
    assert by_code[0]["name"] == "Nevers" and by_code[0]["zone"] == "metro"
    r = client.get("/api/v1/carte/recherche", params={"q": "a"})
    assert r.status_code == 422 and r.json()["code"] == "query_too_short"
    assert "detail" in r.json()


def test_territory_sheet(client):
    s = client.get("/api/v1/carte/fiche/commune/58062").json()
    assert s["name"] == "Château-Chinon (Ville)" and s["apl_unit"] == "consultations/an/hab."
    assert s["apl_class"] in ("sous-dense", "vigilance", "hors zone")
    assert 1 <= s["priority_rank"] <= s["priority_of"]
    assert s["drive_time"].endswith(" min") and s["nearest_site"]
    assert "30 minutes" in s["coverage_text"]
    d = client.get("/api/v1/carte/fiche/departement/58").json()
    assert d["population"] > 150_000 and d["priority_of"] == 101
    assert d["drive_time"].startswith("commune la plus éloignée")
    r = client.get("/api/v1/carte/fiche/commune/00000")
    assert r.status_code == 404 and r.json()["code"] == "unknown_territory"
    r = client.get("/api/v1/carte/fiche/canton/58")
    assert r.status_code == 404 and r.json()["code"] == "unknown_level"


def test_proposed_sites(client):
    pts = client.get("/api/v1/carte/sites-proposes").json()
    assert len(pts) == 20 and [p["rank"] for p in pts] == list(range(1, 21))
    assert pts[0]["label"].startswith("Site proposé n° 1")


def test_pre_projected_paths_match_the_geojson_layer(client):
    import json
    import re

    geo_layer = json.loads(client.get("/api/v1/carte/communes.geojson?dep=58").content)
    r = client.get("/api/v1/carte/chemins/commune.json?dep=58",
                   headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    layer = r.json()
    codes = [f["properties"]["code"] for f in geo_layer["features"] if f["geometry"]]
    assert [f[0] for f in layer["features"]] == codes
    nevers = next(f for f in layer["features"] if f[0] == "58194")
    assert re.fullmatch(r"(M-?\d+ -?\d+l(-?\d+ -?\d+ ?)+z)+", nevers[2])
    # Nevers' own point falls inside the layer at the page's projection
    b, k, u = layer["bbox"], layer["k"], layer["units_per_degree"]
    x, y = (3.1576 - b[0]) * k * u, (b[3] - 46.9878) * u
    assert 0 <= x <= layer["width"] and 0 <= y <= layer["height"]
    r = client.get("/api/v1/carte/chemins/epci.json?dep=99")
    assert r.status_code == 404 and r.json()["code"] == "unknown_department"
