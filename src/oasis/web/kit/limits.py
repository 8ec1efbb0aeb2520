"""Input guard: what no route should ever see, refused before routing with the one body.

* a request body over :data:`MAX_BODY_BYTES` → 413 (an anonymous sign-up once stored a
  20 MB ``address``); the size is checked on ``Content-Length`` and again while reading,
  so a chunked body cannot slip past;
* text that cannot be stored: a NUL byte (PostgreSQL refuses it in ``text``) or a lone
  UTF-16 surrogate (``"\\ud800"`` in JSON is valid JSON but not encodable UTF-8), in the
  path, the query string, a JSON body or a form → 422 ``invalid_text``;
* ``NaN`` / ``Infinity`` in a JSON body (Python's decoder accepts them, the JSON standard
  does not, and PostgreSQL would store them in a coordinate) → 422 ``invalid_number``;
* a JSON body that is not UTF-8 → 422 ``invalid_json``.

1 MiB is this project's choice (no public reference fixes it): the largest legitimate
body, a week's schedule or a prescription, is a few kilobytes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oasis.care.core.inputs import ascii_digits, text_problem
from oasis.care.teleexpertise.attachments import MAX_BYTES as ATTACHMENT_MAX_BYTES
from oasis.web.kit.errors import MESSAGES, error_response

MAX_BODY_BYTES = 1024 * 1024
# The upload routes, the one list: a teleconsultation's one-file attachment (a phone photo
# is 2–6 MB) and a téléexpertise's pieces (form of the request, later additions, the
# professional's page) may carry the attachment limit plus the multipart envelope; the
# route then checks each file itself (type by content, size) and answers an oversized
# one 413 with its own code.  Several files in one request share that allowance.
UPLOAD_MAX_BODY_BYTES = ATTACHMENT_MAX_BYTES + 64 * 1024
UPLOAD_ROUTES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"^/api/v1/(?:encounters|teleconsult/queue)/[0-9]{1,12}/attachments$",
    r"^/api/v1/teleexpertises$",
    r"^/api/v1/teleexpertises/[0-9]{1,12}/pieces$",
    r"^/pro/teleexpertise$",
))


def body_limit(method: str | None, path: str, default: int = MAX_BODY_BYTES) -> int:
    """The largest body ``method path`` may send: the upload allowance on an upload
    route (POST), ``default`` everywhere else."""
    if method == "POST" and any(route.match(path) for route in UPLOAD_ROUTES):
        return max(default, UPLOAD_MAX_BODY_BYTES)
    return default


class _BadInput(Exception):
    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


def _reject_constant(name: str):
    raise _BadInput(422, f"nombre non fini interdit : {name}", "invalid_number")


def _walk(value: object) -> None:
    """Raise on the first string (or key) of a decoded JSON value that cannot be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise _BadInput(422, f"texte refusé : {problem}", "invalid_text")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_raw(raw: bytes, where: str) -> None:
    """NUL bytes of a percent-encoded string (query string, form body)."""
    if b"\x00" in unquote_to_bytes(raw.replace(b"+", b" ")):
        raise _BadInput(422, f"texte refusé ({where}) : caractère nul (NUL) interdit",
                        "invalid_text")


def _check_body(content_type: str, body: bytes) -> None:
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadInput(422, "corps JSON illisible : il doit être en UTF-8",
                            "invalid_json") from None
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except ValueError:
            return  # malformed JSON: FastAPI's validation answers it (422)
        _walk(value)
    elif media == "application/x-www-form-urlencoded":
        _check_raw(body, "formulaire")


class InputGuard:
    """Pure ASGI middleware (HTTP only; websockets bound their own messages)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
        except _BadInput as exc:
            await error_response(exc.status, exc.detail, exc.code)(scope, receive, send)
            return
        if body is None:  # the client went away
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        problem = text_problem(scope.get("path", ""))
        if problem:
            raise _BadInput(422, f"chemin refusé : {problem}", "invalid_text")
        _check_raw(scope.get("query_string", b""), "paramètres")
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        limit = body_limit(scope.get("method"), scope.get("path", ""), self.max_body_bytes)
        too_large = _BadInput(413, f"{MESSAGES[413]} (au plus "
                                   f"{limit // 1024} Kio)", "payload_too_large")
        if length is not None and not ascii_digits(length):
            raise _BadInput(400, "en-tête Content-Length invalide", "bad_request")
        if length is not None and int(length) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            _check_body(headers.get("content-type", ""), body)
        return body
