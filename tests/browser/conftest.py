"""Browser-test harness: a live Oasis server, Debian's chromium through Playwright, a
network guard and screenshots.  Every UI test of the project builds on these fixtures.

* ``live_server`` / ``live_server_factory``: uvicorn in a background thread on a free
  127.0.0.1 port; the app comes from ``create_app`` with test settings (a temporary
  SQLite database, a test secret, in-process hub).  Pass your own settings fields, a
  whole ``Settings`` or an ``app`` to the factory::

      def test_x(live_server_factory, new_page):
          server = live_server_factory(redis_url=os.environ["OASIS_TEST_REDIS_URL"])
          page = new_page("patient")
          page.goto(server.url + "/")

  ``DATABASE_URL`` is also set in the environment (and the settings cache cleared) so
  code that reads ``get_settings()`` sees the same database as the app.
* ``browser``: one headless chromium per test module, from ``OASIS_CHROMIUM`` or
  ``/usr/bin/chromium`` (never a downloaded browser), with fake camera and microphone.
  Without chromium the browser tests skip, saying how to install it.
* ``new_page(label)``: a page in a fresh context (own cookies, camera permission); the
  ``page`` fixture is ``new_page("")``.  At the end of the test each page's screenshot is
  written to ``test-artifacts/screenshots/<test>[-<label>].png`` (``OASIS_ARTIFACTS_DIR``
  moves ``test-artifacts``).
* network guard: any request (HTTP or websocket) to a host other than 127.0.0.1 /
  localhost is aborted and fails the test.
* every test under ``tests/browser/`` is marked ``browser`` (``-m "not browser"`` skips).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from oasis.config import Settings, get_settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer

HERE = Path(__file__).resolve().parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
MISSING_CHROMIUM = "Debian chromium not installed: apt-get install chromium"
TEST_SECRET = "browser-test-secret"


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# ------------------------------------------------------------------ server
@pytest.fixture
def live_server_factory(tmp_path, monkeypatch) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []
    db_url = f"sqlite:///{tmp_path}/oasis.db"
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()

    def factory(settings: Settings | None = None, app=None, **fields) -> LiveServer:
        if app is None:
            if settings is None:
                base = {"database_url": db_url, "secret_key": TEST_SECRET, "redis_url": None}
                settings = Settings(**{**base, **fields})
            app = create_app(settings)
        server = LiveServer(app).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
    get_settings.cache_clear()


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory()


# ------------------------------------------------------------------ browser
def chromium_executable() -> str | None:
    """``OASIS_CHROMIUM`` when set (and nothing else), else Debian's chromium."""
    explicit = os.environ.get("OASIS_CHROMIUM")
    for candidate in ([explicit] if explicit else ["/usr/bin/chromium", shutil.which("chromium")]):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    """Module-scoped, not session-scoped: Playwright's sync API keeps an asyncio loop
    running in the main thread while it lives, which would break the asyncio tests that
    run after the browser modules (a launch costs about a second)."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_FLAGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


class NetworkGuard:
    """Collects every request leaving the machine; the request itself is aborted."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return parts.hostname in LOCAL_HOSTS

    def route(self, route) -> None:
        url = route.request.url
        if self.allowed(url):
            route.continue_()
        else:
            self.violations.append(url)
            route.abort("blockedbyclient")

    def watch_websocket(self, ws) -> None:
        if not self.allowed(ws.url):
            self.violations.append(ws.url)


@pytest.fixture
def network_guard() -> NetworkGuard:
    return NetworkGuard()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    guard = getattr(item, "funcargs", {}).get("network_guard")
    if guard is not None and guard.violations:
        raise AssertionError("requests outside 127.0.0.1: " + ", ".join(guard.violations))
    return result


def artifacts_dir(config) -> Path:
    return Path(os.environ.get("OASIS_ARTIFACTS_DIR") or config.rootpath / "test-artifacts")


@pytest.fixture
def new_page(browser, network_guard, request) -> Iterator[Callable[..., object]]:
    contexts = []
    pages: list[tuple[str, object]] = []
    csp_errors: list[str] = []  # the pages must satisfy the Content-Security-Policy

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_errors.append(message.text)

    def factory(label: str = "", **context_options):
        options = {"permissions": ["camera", "microphone"], "locale": "fr-FR",
                   "timezone_id": "Europe/Paris", **context_options}
        context = browser.new_context(**options)
        context.route("**/*", network_guard.route)
        context.on("page", lambda p: p.on("websocket", network_guard.watch_websocket))
        contexts.append(context)
        page = context.new_page()
        page.on("websocket", network_guard.watch_websocket)
        page.on("console", on_console)
        pages.append((label, page))
        return page

    yield factory
    folder = artifacts_dir(request.config) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    for label, page in pages:
        target = folder / (f"{name}-{label}.png" if label else f"{name}.png")
        try:
            page.screenshot(path=str(target), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own result
            print(f"screenshot {target} failed: {exc}")
    for context in contexts:
        context.close()
    assert not csp_errors, f"Content-Security-Policy violations: {csp_errors}"


@pytest.fixture
def page(new_page):
    return new_page()
