"""CSRF protection of cookie-authenticated forms: one token, one check.

Forms post to the same origin with the session cookie (SameSite=Lax); each
state-changing form also carries a token derived from that cookie (HMAC under the secret
key), so a request forged from another site or a stale tab is refused rather than acted
upon.  Pages that redraw the form with a message ask :func:`csrf_valid`; the others call
:func:`require_csrf`, which raises the care platform's ``Forbidden`` (code ``csrf``).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from oasis.care.core.errors import Forbidden
from oasis.web.kit.cookie import COOKIE_NAME

# Header a script sends with a cookie-authenticated API call that names no Origin.
CSRF_HEADER = "X-CSRF-Token"
CSRF_ERROR = "Le formulaire a expiré : rechargez la page et recommencez."


def csrf_token(secret: str, cookie: str | None) -> str:
    """The token of the forms shown to the holder of ``cookie`` ("" when signed out)."""
    if not cookie:
        return ""
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_matches(secret: str, cookie: str | None, sent: str | None) -> bool:
    """Whether ``sent`` is the token of ``cookie`` (bytes compared: any text is safe)."""
    expected = csrf_token(secret, cookie)
    return bool(expected) and hmac.compare_digest(expected.encode(),
                                                  (sent or "").encode("utf-8", "replace"))


def csrf_valid(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` is the token of this request's session cookie."""
    return csrf_matches(request.app.state.settings.secret_key,
                        request.cookies.get(COOKIE_NAME), sent)


def require_csrf(request: Request, sent: str | None) -> None:
    """:func:`csrf_valid`, or ``Forbidden`` with code ``csrf``."""
    if not csrf_valid(request, sent):
        raise Forbidden("formulaire expiré : rechargez la page et recommencez", code="csrf")
