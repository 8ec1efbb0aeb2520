"""One base for every error of the territory engine, so callers catch one thing.

Territory code is pure computation: it knows nothing of HTTP or exit codes.  Each error
carries a stable ``code`` and says whether the input was *invalid* (a bad file, a bad
parameter) or named something that *does not exist* (an unknown commune, department or
level); the web layer turns the first into 422 and the second into 404 through the same
handler as the care errors, and the CLI into exit code 2.  Messages are French because
they reach planners as they are.
"""

from __future__ import annotations

from oasis.errors import OasisError


class TerritoryError(OasisError):
    """Base class of the territory engine's errors."""

    code = "territory_error"
    not_found = False


class TerritoryInputError(TerritoryError, ValueError):
    """Input that cannot be used: a malformed file, an out-of-range parameter."""

    code = "invalid_input"


class TerritoryNotFound(TerritoryError, LookupError):
    """A code or name that designates nothing in the geography."""

    code = "not_found"
    not_found = True
