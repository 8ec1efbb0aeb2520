"""What every route promises: a documented response schema and the one error body.

Walks the application's own route table, so a route added without a response model or
answering errors in another shape fails here, whoever adds it.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.nav import MENUS
from tests.factories.pro import build, client_for


def _routes(app) -> list[APIRoute]:
    return [r for r in _walk(app.routes) if isinstance(r, APIRoute)]


def _walk(routes):
    for route in routes:
        yield route
        sub = getattr(route, "original_router", None) or getattr(route, "router", None)
        if sub is not None and sub is not route:
            yield from _walk(getattr(sub, "routes", []))


@pytest.fixture
def app(db_url):
    return create_app(Settings(database_url=db_url, secret_key="contract-test"))


def test_every_json_answer_has_a_documented_schema(app):
    """Each JSON 2xx answer names its model (a bare ``object`` documents nothing)."""
    spec = app.openapi()
    missing = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status, response in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                content = response.get("content", {})
                schema = content.get("application/json", {}).get("schema")
                if "application/json" in content and "$ref" not in str(schema):
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "987654", path)


def test_every_route_answers_errors_with_the_one_body(app):
    """Anonymous calls with unknown ids and empty bodies: whatever the status, a JSON
    error has a French ``detail`` sentence and a stable ``code``."""
    client = TestClient(app, follow_redirects=False)
    seen = 0
    for route in _routes(app):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            r = client.request(method, _concrete(route.path), json={} if method != "GET"
                               else None)
            assert r.status_code < 500, f"{method} {route.path}: {r.status_code}"
            if r.status_code >= 400 and r.headers.get("content-type", "").startswith(
                    "application/json"):
                body = r.json()
                assert isinstance(body.get("detail"), str) and body["detail"], (route.path, body)
                assert isinstance(body.get("code"), str) and body["code"], (route.path, body)
                seen += 1
    assert seen > 50


ACCOUNTS = {"patient": "patient@test.fr", "practitioner": "doc@test.fr",
            "nurse": "infirmiere@test.fr", "coordinator": "coord@test.fr"}


@pytest.mark.parametrize("role", [None, *ACCOUNTS])
def test_every_menu_link_opens_a_page(app, db_url, role):
    """The static menu of each role, followed as that role: every link is a page."""
    build(db_url)
    client = client_for(app, ACCOUNTS.get(role))
    client.follow_redirects = True
    for link in MENUS[role]:
        r = client.get(link.href)
        assert r.status_code == 200, (role, link.href, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), (role, link.href)
        assert str(r.url).split("?")[0].endswith(link.href) or link.href == "/pro", \
            (role, link.href, str(r.url))
