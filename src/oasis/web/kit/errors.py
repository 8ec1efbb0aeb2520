"""One error body for every client: ``{"detail": <French sentence>, "code": <stable code>}``.

Care and territory errors carry their own ``code``; HTTP errors raised by the framework
(404 of an unknown path, 405) get one from their status; validation errors add the list
of fields at fault under ``errors``.  Pages are answered differently only where a person
is looking: a signed-out visitor of a gated page is sent to the sign-in page, a visitor
of another role gets the HTML « page introuvable » (404, like the API's access rule).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from oasis.care.core.errors import (
    CareError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from oasis.territory.errors import TerritoryError
from oasis.web.kit.templating import render

STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, Forbidden: 403, Unauthenticated: 401,
          TooManyAttempts: 429}
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
         422: "validation_error", 429: "too_many_requests"}
MESSAGES = {400: "requête incorrecte", 401: "authentification requise", 403: "accès refusé",
            404: "introuvable", 405: "méthode non autorisée", 409: "conflit",
            413: "requête trop volumineuse", 422: "requête invalide",
            429: "trop de tentatives : réessayez plus tard"}


class ErrorOut(BaseModel):
    """The body of every error answer (documented on every route of the OpenAPI)."""

    detail: str
    code: str


class SignInRequired(Exception):
    """Raised by a page gate for a signed-out visitor: answered with a redirect."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class PageNotFound(Exception):
    """Raised by a page gate for another role: answered with the HTML 404 page."""


def status_of(exc: CareError) -> int:
    for cls, status in STATUS.items():
        if isinstance(exc, cls):
            return status
    return 400


def error_response(status: int, detail: str, code: str, headers: dict | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status, headers=headers)


def install_errors(app: FastAPI) -> None:
    """Register the handlers that give every error the one body."""

    @app.exception_handler(CareError)
    async def care_error(_request: Request, exc: CareError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return error_response(status, exc.message, exc.code, headers)

    @app.exception_handler(TerritoryError)
    async def territory_error(_request: Request, exc: TerritoryError) -> JSONResponse:
        return error_response(404 if exc.not_found else 422, exc.message, exc.code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed") else MESSAGES.get(status, "erreur")
        return error_response(status, detail, CODES.get(status, "error"),
                              getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')} : {e.get('msg')}"
                 for e in errors]
        return error_response(422, "requête invalide — " + " ; ".join(parts),
                              "validation_error",
                              errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg"),
                                       "type": e.get("type")} for e in errors])

    @app.exception_handler(SignInRequired)
    async def sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/connexion?suite={quote(exc.target, safe='')}",
                                status_code=303)

    @app.exception_handler(PageNotFound)
    async def page_not_found(request: Request, _exc: PageNotFound) -> Response:
        return render(request, "pro/introuvable.html", None, status_code=404)
