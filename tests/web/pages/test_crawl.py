"""A crawler per role: every same-origin link and GET form target reachable from the
role's home answers below 400 (issue 15: « no dead ends »), on the synthetic demo."""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from oasis.care.core.db import session_scope, upgrade
from oasis.care.demo import DEMO_PASSWORD, load_demo
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.pages.public.home import SWAGGER_DIR

SWAGGER = (SWAGGER_DIR / "swagger-ui-bundle.js").is_file()  # else /api/docs says 503: tested

LIMIT = 120  # pages fetched per role (the menus, their pages and one level below)
HREF = re.compile(r'<a\s[^>]*href="([^"]+)"', re.I)
FORM = re.compile(r'<form\s([^>]*)>', re.I)
# Pages no menu links to directly: the finder's results and the directory pages they
# link to (demo ids 1: the first demo site and practitioner).
START = ("/trouver-un-soin?ou=Nevers", "/praticien/1", "/lieu/1")
SKIP = ("/deconnexion", "/api/v1/prescriptions/")  # sign-out; PDFs need a real record


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'demo.db'}"
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session, days=2)
    return url


def targets(html: str, base: str) -> list[str]:
    found = [unescape(h) for h in HREF.findall(html)]
    for attrs in FORM.findall(html):
        method = re.search(r'method="(\w+)"', attrs, re.I)
        action = re.search(r'action="([^"]*)"', attrs, re.I)
        if (method is None or method.group(1).lower() == "get") and action:
            found.append(unescape(action.group(1)))
    out = []
    for href in found:
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == "testserver":
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


@pytest.mark.parametrize("email", [None, "patient@demo.oasis.fr", "medecin@demo.oasis.fr",
                                   "infirmiere@demo.oasis.fr", "coordination@demo.oasis.fr"])
def test_no_link_of_any_role_is_broken(demo_url, email):
    client = TestClient(create_app(Settings(database_url=demo_url, secret_key="crawl")))
    if email:
        r = client.post("/connexion", data={"email": email, "password": DEMO_PASSWORD},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
    seen, todo, broken = set(), deque(["/", *START]), []
    while todo and len(seen) < LIMIT:
        path = todo.popleft()
        if path in seen or path.startswith(SKIP) or (path == "/api/docs" and not SWAGGER):
            continue
        seen.add(path)
        r = client.get(path, follow_redirects=True)
        if r.status_code >= 400:
            broken.append(f"{path} → {r.status_code}")
            continue
        if r.headers.get("content-type", "").startswith("text/html"):
            todo.extend(t for t in targets(r.text, "http://testserver" + path)
                        if t not in seen)
    assert len(seen) > 10
    assert not broken, f"{email or 'anonyme'}: " + ", ".join(broken)
