"""The base of every error Oasis raises on purpose: a French message and a stable code.

Care errors (``oasis.care.core.errors``) and territory errors (``oasis.territory.errors``)
both derive from it, so the web layer and the CLI read ``code`` and ``message`` the same
way whichever half of Oasis refused the input.
"""

from __future__ import annotations


class OasisError(Exception):
    """Base class: ``code`` identifies the case for clients, the message explains it."""

    code = "error"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code
