"""The home page and health probe."""

from fastapi.testclient import TestClient

from oasis.web.app import create_app


def test_home_page_in_french():
    client = TestClient(create_app())
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "déserts médicaux" in page.text or "désert médical" in page.text
    assert "34 969" in page.text
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/static/oasis.css").status_code == 200
