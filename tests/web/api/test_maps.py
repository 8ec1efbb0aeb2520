"""Map layers: GeoJSON boundaries and indicator values."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from oasis.web.app import create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_department_layer_is_valid_geojson(client):
    r = client.get("/api/v1/carte/communes.geojson?dep=58")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    data = json.loads(r.content)
    codes = {f["properties"]["code"] for f in data["features"]}
    assert "58194" in codes and all(c.startswith("58") for c in codes)
    assert len(codes) > 300  # the Nièvre has 309 communes
    nevers = next(f for f in data["features"] if f["properties"]["code"] == "58194")
    assert nevers["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = nevers["geometry"]["coordinates"][0][0][:2] if nevers["geometry"]["type"] == \
        "Polygon" else nevers["geometry"]["coordinates"][0][0][0][:2]
    assert 2.9 < lon < 3.4 and 46.8 < lat < 47.1


def test_drom_department_layer(client):
    data = client.get("/api/v1/carte/communes.geojson?dep=974").json()
    assert len(data["features"]) == 24  # La Réunion's communes


def test_unknown_department_is_404(client):
    assert client.get("/api/v1/carte/communes.geojson?dep=99").status_code == 404


def test_density_indicator(client):
    values = client.get("/api/v1/carte/indicateurs/densite").json()["values"]
    assert values["75101"] > 5_000 and values["58194"] > 1_000
    assert "75056" not in values  # Paris is mapped by arrondissement
    assert client.get("/api/v1/carte/indicateurs/nope").status_code == 404


def test_map_page_serves_its_own_scripts(client):
    page = client.get("/carte").text
    assert '<script src="/static/js/map.js">' in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert client.get("/static/js/map.js").status_code == 200


def test_apl_indicator_classes(client):
    data = client.get("/api/v1/carte/indicateurs/apl").json()
    assert "synthétique" in data["label"]
    values = data["values"]
    assert len(values) > 34_000 and all(v >= 0 for v in values.values())
    assert any(v < 2.5 for v in values.values()) and any(v >= 4 for v in values.values())


def test_indicator_values_precompressed_with_an_etag(client):
    """The 35 000 commune values are compressed once; a revalidation answers 304."""
    import json

    url = "/api/v1/carte/indicateurs/apl?niveau=commune"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    tag = plain.headers["etag"]
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["etag"] == tag
    assert json.loads(zipped.content) == json.loads(plain.content)
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/carte/indicateurs/densite?niveau=commune")
    assert other.headers["etag"] != tag
