"""What the professional pages share beyond the kit: the redirect after a form.

Pages are gated by :func:`oasis.web.kit.auth.page_gate` (sign-in redirect when signed out,
404 for another role) and render through :func:`oasis.web.kit.templating.render`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import RedirectResponse


def see_other(path: str, **params) -> RedirectResponse:
    """303 to ``path`` with the non-empty ``params`` as its query (post/redirect/get)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)
