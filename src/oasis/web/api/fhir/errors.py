"""Errors on /fhir paths answered as OperationOutcome, the rest of the app untouched.

The conversion lives in the router's route class, so it only ever sees requests routed
to a /fhir route; the app-wide handlers keep the ``{detail, code}`` body everywhere
else.  The status and the ``code`` are those of the REST API (one mapping:
:func:`oasis.web.kit.errors.status_of`), the ``code`` travelling in
``issue[0].details.coding``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from oasis.care.core.errors import CareError
from oasis.territory.errors import TerritoryError
from oasis.web.api.fhir.common import FhirResponse, operation_outcome
from oasis.web.kit.errors import CODES, MESSAGES, status_of


def outcome_response(status: int, detail: str, code: str,
                     headers: dict | None = None) -> FhirResponse:
    return FhirResponse(operation_outcome(status, detail, code), status, headers=headers)


def outcome_of(exc: Exception) -> FhirResponse | None:
    if isinstance(exc, CareError):
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return outcome_response(status, exc.message, exc.code, headers)
    if isinstance(exc, TerritoryError):
        return outcome_response(404 if exc.not_found else 422, exc.message, exc.code)
    if isinstance(exc, RequestValidationError):
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))} : {e.get('msg')}"
                 for e in exc.errors()]
        return outcome_response(422, "requête invalide — " + " ; ".join(parts),
                                "validation_error")
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed") else MESSAGES.get(exc.status_code, "erreur")
        return outcome_response(exc.status_code, detail, CODES.get(exc.status_code, "error"),
                                getattr(exc, "headers", None))
    return None


class FhirRoute(APIRoute):
    """An APIRoute whose errors become OperationOutcome resources."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def fhir_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = outcome_of(exc)
                if response is None:
                    raise
                return response

        return fhir_handler
