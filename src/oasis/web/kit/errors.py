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

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from oasis.care.core.errors import (
    CareError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    TooManyAttempts,
    Unauthenticated,
)
from oasis.territory.errors import TerritoryError
from oasis.web.kit.templating import render

# TooLarge before Invalid, its base class: the first match wins.
STATUS = {TooLarge: 413, NotFound: 404, Conflict: 409, Invalid: 422, Forbidden: 403,
          Unauthenticated: 401,
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


class FieldError(BaseModel):
    """One field at fault in a request the framework could not validate."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    """A 422: the one body, plus the fields at fault when the framework validated them."""

    errors: list[FieldError] = Field(default_factory=list)


# Declared on every route (web/app.py includes each router with them) instead of FastAPI's
# default 422 schema, whose ``detail`` is an array: the OpenAPI says what is served.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ValidationErrorOut if status == 422 else ErrorOut,
             "description": MESSAGES[status][:1].upper() + MESSAGES[status][1:]}
    for status in (400, 401, 403, 404, 405, 409, 413, 422, 429)}


def document_errors(router: APIRouter) -> APIRouter:
    """Give the error body's model to a route's own error descriptions (``{404:
    {"description": …}}``), which would otherwise hide the shared one; call before
    ``include_router(router, responses=ERROR_RESPONSES)``."""
    for route in router.routes:
        for status, spec in getattr(route, "responses", {}).items():
            shared = ERROR_RESPONSES.get(int(status)) if str(status).isdecimal() else None
            if shared and "model" not in spec and "content" not in spec:
                spec["model"] = shared["model"]
    return router


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


def _is_foreign_key(exc: IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23503, or SQLite's message."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23503" or "FOREIGN KEY" in str(orig)


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

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint the service did not check first: still the client's input, never a 500.
        if _is_foreign_key(exc):
            return error_response(422, "référence inconnue : un identifiant donné ne "
                                  "correspond à rien", "unknown_reference")
        return error_response(409, "conflit avec des données existantes", "conflict")

    @app.exception_handler(DataError)
    async def data_error(_request: Request, _exc: DataError) -> JSONResponse:
        # PostgreSQL refused a value (too long for its column, out of range).
        return error_response(422, "valeur refusée : trop longue ou hors limites",
                              "invalid_value")

    @app.exception_handler(SignInRequired)
    async def sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/connexion?suite={quote(exc.target, safe='')}",
                                status_code=303)

    @app.exception_handler(PageNotFound)
    async def page_not_found(request: Request, _exc: PageNotFound) -> Response:
        return render(request, "pro/introuvable.html", None, status_code=404)
