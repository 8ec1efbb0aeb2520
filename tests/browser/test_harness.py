"""The harness itself: pages load from the live server, outside requests fail the test."""

from __future__ import annotations

import pytest


def test_home_page_makes_no_outside_request(live_server, page, network_guard):
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title().endswith("Oasis")
    assert network_guard.violations == []


def test_guard_catches_outside_requests(live_server, new_page, network_guard):
    # Oasis's Content-Security-Policy already blocks such a fetch; the guard is the net
    # below it, so it is tested with the policy bypassed.
    page = new_page(bypass_csp=True)
    page.goto(live_server.url + "/healthz")
    page.evaluate("fetch('http://example.org/pixel.png').catch(() => null)")
    page.wait_for_timeout(200)
    assert network_guard.violations == ["http://example.org/pixel.png"]
    network_guard.violations.clear()  # expected here; the hook would fail the test


def test_server_with_own_settings(live_server_factory, page):
    server = live_server_factory(secret_key="another-secret")
    assert server.app.state.settings.secret_key == "another-secret"
    assert page.goto(server.url + "/healthz").status == 200


@pytest.mark.parametrize("kind", ["plain"])
def test_screenshot_names_are_safe(page, live_server, kind, request):
    page.goto(live_server.url + "/healthz")
    assert "[" in request.node.name
