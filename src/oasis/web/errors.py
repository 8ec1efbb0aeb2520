"""Every API error as ``{"detail": <French message>, "code": <machine-readable code>}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from oasis.care.errors import CareError, Conflict, Forbidden, Invalid, NotFound, Unauthenticated

STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, Forbidden: 403, Unauthenticated: 401}
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 422: "validation_error",
         429: "too_many_requests"}


def status_of(exc: CareError) -> int:
    for cls, status in STATUS.items():
        if isinstance(exc, cls):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(CareError)
    async def care_error(_request: Request, exc: CareError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": exc.message, "code": exc.code}, status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        code = detail.get("code") if isinstance(detail, dict) else None
        return JSONResponse({"detail": detail, "code": code or CODES.get(exc.status_code,
                                                                          "error")},
                            exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')} : {e.get('msg')}"
                 for e in errors]
        return JSONResponse({"detail": "requête invalide — " + " ; ".join(parts),
                             "code": "validation_error",
                             "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg"),
                                         "type": e.get("type")} for e in errors]}, 422)
