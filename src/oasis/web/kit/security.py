"""Browser-facing protections of every answer: security headers and the origin check.

One ASGI middleware, installed by the app factory, so no route can forget either:

* **headers** — a Content-Security-Policy the pages satisfy (scripts and styles only from
  ``/static``, no inline script or style attribute), ``frame-ancestors 'self'`` and
  ``X-Frame-Options: SAMEORIGIN`` (the consultation page frames its own video call),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (room tokens and
  prescription codes ride in URLs: they never leave the site in a ``Referer``) and
  ``Cache-Control: no-store`` on every answer that is not a static file or that was asked
  for with credentials (a page or an API answer may carry health data, and a shared or
  back-button cache must not keep it);
* **cross-site request forgery** — a state-changing request (``POST``, ``PUT``, ``PATCH``,
  ``DELETE``) whose ``Origin`` (or, without one, ``Referer``) names another site is
  refused, and so is a cookie-authenticated API call that names no origin at all unless
  it carries the session's ``X-CSRF-Token``.  Browsers send ``Origin`` on every such
  request, so the pages and their scripts need nothing more; API clients authenticate
  with a bearer token, which no other site can make a browser send.  Websocket handshakes
  from another site are refused the same way (they carry the cookie too).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oasis.web.kit.cookie import COOKIE_NAME
from oasis.web.kit.csrf import CSRF_HEADER, csrf_matches

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; media-src 'self' blob:; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
# FastAPI's interactive documentation is one inline script and a CDN bundle; it shows no
# personal data, so it alone gets a looser policy (still unframeable by other sites).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'self'")
DOCS_PATHS = ("/api/docs", "/api/redoc")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FOREIGN = "Requête refusée : elle ne vient pas d'Oasis (protection contre la falsification " \
          "de requêtes). Rechargez la page et recommencez."


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _own_origin(scope: Scope, headers: dict[str, str]) -> str:
    scheme = scope.get("scheme", "http")
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = headers.get("host", "")
    return f"{scheme}://{host}".lower()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme else "null"


def _has_cookie(headers: dict[str, str]) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return value
    return None


def forgery(scope: Scope, secret: str, allowed: tuple[str, ...] = ()) -> bool:
    """Whether this request or handshake must be refused as cross-site."""
    headers = _headers(scope)
    own = {_own_origin(scope, headers), *(o.lower().rstrip("/") for o in allowed)}
    sent = headers.get("origin")
    if sent is None and "referer" in headers:
        sent = _origin_of(headers["referer"])
    if sent is not None:
        return sent.lower().rstrip("/") not in own
    if scope["type"] == "websocket":
        return False  # not a browser: it would have said where it comes from
    cookie = _has_cookie(headers)
    if cookie is None or "authorization" in headers or not scope["path"].startswith("/api/"):
        return False
    return not csrf_matches(secret, cookie, headers.get(CSRF_HEADER.lower()))


class SecurityMiddleware:
    """Adds the headers to every HTTP answer and refuses cross-site state changes."""

    def __init__(self, app: ASGIApp, secret: str, allowed_origins: tuple[str, ...] = ()
                 ) -> None:
        self.app = app
        self.secret = secret
        self.allowed = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if forgery(scope, self.secret, self.allowed):
                await send({"type": "websocket.close", "code": 4403,
                            "reason": "cross-site"})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if scope["method"] in UNSAFE and forgery(scope, self.secret, self.allowed):
            body = json.dumps({"detail": FOREIGN, "code": "csrf"}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 403, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()), *self._extra(path),
                (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        headers = _headers(scope)
        credentials = "authorization" in headers or _has_cookie(headers) is not None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._merge(list(message.get("headers", [])), path,
                                                 credentials)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _extra(path: str) -> list[tuple[bytes, bytes]]:
        docs = path.startswith(DOCS_PATHS)
        return [(b"content-security-policy", (DOCS_CSP if docs else CSP).encode()),
               (b"x-frame-options", b"SAMEORIGIN"),
               (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"),
               (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=()")]

    def _merge(self, headers: list[tuple[bytes, bytes]], path: str, credentials: bool
               ) -> list[tuple[bytes, bytes]]:
        present = {k.lower() for k, _ in headers}
        headers += [(k, v) for k, v in self._extra(path) if k not in present]
        if not path.startswith("/static/"):
            if credentials:  # whatever the route said: an answer to someone is theirs only
                headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
            elif b"cache-control" not in present:
                headers.append((b"cache-control", b"no-store"))
        return headers
