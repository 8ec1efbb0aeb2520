"""The public home page (search first), the API documentation and the favicon.

``/api/docs`` is Swagger UI served from the app's own copy (``make assets`` installs the
npm package ``swagger-ui-dist`` into ``web/static/vendor``): it works offline, and its
start-up code is a static file, not an inline script.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from oasis.territory.geography import load_geography
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import TEMPLATE_DIR, render

STATIC_DIR = TEMPLATE_DIR.parent / "static"
SWAGGER_DIR = STATIC_DIR / "vendor" / "swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    stats = load_geography(request.app.state.settings.geography_file).stats()
    return render(request, "home.html", visitor(request, session), stats=stats,
                  section="accueil")


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    if not (SWAGGER_DIR / "swagger-ui-bundle.js").is_file():
        return HTMLResponse(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<title>Documentation de l'API · Oasis</title></head><body><main>"
            "<h1>Documentation de l'API</h1><p>Swagger UI n'est pas installé sur ce serveur "
            "(lancez <code>make assets</code>). Le schéma OpenAPI reste disponible : "
            f"<a href=\"{request.app.openapi_url}\">{request.app.openapi_url}</a>.</p>"
            "</main></body></html>", status_code=503)
    return render(request, "api_docs.html", None, openapi_url=request.app.openapi_url)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})
