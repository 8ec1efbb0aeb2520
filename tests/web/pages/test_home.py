"""The home page and health probe."""

import re

import pytest
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


def test_home_starts_with_a_search_and_sign_in():
    """Issue 15 defect 8: a first visit can search and sign in from the home page."""
    page = TestClient(create_app()).get("/").text
    form = page.split('role="search"')[0].rsplit("<form", 1)[1] + page.split('role="search"')[1]
    assert 'action="/trouver-un-soin"' in form and 'name="ou"' in form
    assert '<label for="ou">' in page
    assert 'href="/connexion">Se connecter</a>' in page
    assert 'href="/teleconsultation"' in page


def test_api_docs_work_offline_and_the_favicon_exists():
    from oasis.web.pages.public.home import SWAGGER_DIR

    client = TestClient(create_app())
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    docs = client.get("/api/docs")
    if not (SWAGGER_DIR / "swagger-ui-bundle.js").is_file():
        assert docs.status_code == 503 and "make assets" in docs.text
        pytest.skip("Swagger UI not installed (make assets)")
    assert docs.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert urls and all(u.startswith("/") for u in urls), urls  # never a CDN
    assert "<script>" not in docs.text  # start-up code is a static file (CSP)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Oasis"


def test_times_never_split_between_hour_and_minutes():
    """Issue 15 defect 10: « 9 h / 50 » at 360 px."""
    from datetime import UTC, datetime

    from oasis.web.kit.templating import when_html

    at = datetime(2026, 6, 1, 7, 50, tzinfo=UTC)
    assert when_html(at, at) == "aujourd'hui à 9\u00a0h\u00a050"
    assert when_html(at) == "lundi 1 juin à 9\u00a0h\u00a050"
