"""Domain errors of the care services, each with a stable machine-readable ``code``.

The web layer maps them to HTTP statuses (NotFound → 404, Conflict → 409, Invalid → 422,
Forbidden → 403, TooLarge → 413) so services stay free of HTTP details and callable from
the CLI, demo loader and benchmarks.  Messages are in French because they reach users as-is.
"""

from __future__ import annotations

from oasis.errors import OasisError


class CareError(OasisError):
    """Base class of the care services' errors."""

    code = "care_error"


class NotFound(CareError):
    code = "not_found"


class Conflict(CareError):
    code = "conflict"


class Invalid(CareError):
    code = "invalid"


class TooLarge(Invalid):
    """An upload over its size limit: answered 413 rather than Invalid's 422."""

    code = "too_large"


class Forbidden(CareError):
    code = "forbidden"


class Unauthenticated(CareError):
    code = "unauthenticated"


class TooManyAttempts(CareError):
    """Too many failed guesses (passwords, identity checks): wait ``retry_after`` s."""

    code = "too_many_attempts"

    def __init__(self, message: str, code: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after
