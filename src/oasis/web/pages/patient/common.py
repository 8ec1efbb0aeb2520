"""What the patient pages share beyond the kit: where to go before and after signing in."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse


def to_login(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/connexion?suite={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None, default: str = "/mes-rendez-vous") -> str:
    """Only local paths: never redirect a patient to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return default
