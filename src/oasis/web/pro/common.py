"""What every professional page needs: role gate, CSRF, French formatting, rendering.

Pages are gated by the care platform's HttpOnly cookie session: a visitor who is not
signed in is sent to the sign-in page (``/connexion?suite=…``) and comes back after; a
signed-in account of another role gets a plain 404, like the API's access rule, so a
page's existence tells nothing.  State-changing forms carry a token derived from the
session cookie (HMAC under the secret key, the same derivation as the patient pages),
so a request forged from another site is refused rather than acted upon.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from oasis.care.access import Actor
from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.errors import CareError
from oasis.care.finder.text import DAYS, MONTHS, hour_text
from oasis.care.finder.text import local as _local
from oasis.care.vocab import MODES
from oasis.web.auth import COOKIE_NAME
from oasis.web.deps import SessionDep

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
ROLE_LABELS = {"patient": "Patient", "practitioner": "Praticien", "nurse": "Infirmier·ère",
               "coordinator": "Coordination", "admin": "Administration"}
STATUS_LABELS = {"booked": "Prévu", "arrived": "Arrivé", "fulfilled": "Vu",
                 "cancelled": "Annulé", "noshow": "Absent"}
# Navigation per role: (path, label, section); a link shows only once its page is mounted.
NAV_BY_ROLE: dict[str, list[tuple[str, str, str]]] = {
    "practitioner": [("/pro/agenda", "Mon agenda", "agenda"),
                     ("/pro/disponibilites", "Mes disponibilités", "disponibilites"),
                     ("/teleconsultation/medecin", "File de téléconsultation", "file"),
                     ("/pro/consultations", "Mes téléconsultations", "consultations")],
    "nurse": [("/teleconsultation/ett", "Ouvrir une séance ETT", "ett"),
              ("/pro/agenda", "Agenda du site", "agenda")],
    "coordinator": [("/coordination/audit", "Journal d'audit", "audit"),
                    ("/coordination/implantation", "Implantation", "implantation"),
                    ("/coordination/volontaires", "Médecins volontaires", "volontaires"),
                    ("/coordination/missions", "Missions", "missions"),
                    ("/planification", "Tableau de bord", "planification"),
                    ("/carte", "Carte", "carte")],
}
NAV_BY_ROLE["admin"] = NAV_BY_ROLE["coordinator"]
HOME_BY_ROLE = {"practitioner": ["/pro/agenda"],
                "nurse": ["/teleconsultation/ett", "/pro/agenda"],
                "coordinator": ["/coordination/audit"], "admin": ["/coordination/audit"]}


class SignInRequired(Exception):
    """Raised by the gate; answered with a redirect to the sign-in page."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class PageNotFound(Exception):
    """Raised by the gate for another role; answered with the HTML 404 page."""


@dataclass(frozen=True)
class Staff:
    """The signed-in professional looking at a page."""

    account: Account
    actor: Actor
    csrf: str

    @property
    def role(self) -> str:
        return self.actor.role


def csrf_token(secret: str, cookie: str | None) -> str:
    if not cookie:
        return ""
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()[:32]


def check_csrf(request: Request, sent: str | None) -> bool:
    expected = csrf_token(request.app.state.settings.secret_key,
                          request.cookies.get(COOKIE_NAME))
    return bool(expected) and hmac.compare_digest(expected, sent or "")


def signed_in(request: Request, session) -> Staff | None:
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    secret = request.app.state.settings.secret_key
    try:
        account = accounts.account_from_token(session, cookie, secret)
    except CareError:  # expired or revoked: simply not signed in
        return None
    return Staff(account, accounts.actor_for(session, account), csrf_token(secret, cookie))


def staff_gate(*roles: str):
    """Dependency factory: the signed-in account if its role is one of ``roles``."""

    def dependency(request: Request, session: SessionDep) -> Staff:
        who = signed_in(request, session)
        if who is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        if who.role not in roles:
            raise PageNotFound()
        return who

    return dependency


def sign_in_redirect(_request: Request, exc: SignInRequired) -> RedirectResponse:
    return RedirectResponse(f"/connexion?suite={quote(exc.target, safe='')}", status_code=303)


def not_found_page(request: Request, _exc: PageNotFound) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "pro/introuvable.html", {"who": None},
                                      status_code=404)


def _walk(routes, prefix: str = ""):
    """Every route path, descending into included routers (FastAPI ≥ 0.16x keeps an
    included router as one lazy ``_IncludedRouter`` entry instead of copying its routes)."""
    for route in routes:
        path = getattr(route, "path", None)
        if path is not None:
            yield prefix + path
        sub = getattr(route, "original_router", None)
        if sub is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(sub.routes, prefix + (getattr(context, "prefix", "") or ""))


def mounted_paths(app) -> frozenset[str]:
    """The app's route paths, computed once per app (routes do not change after start)."""
    paths = getattr(app.state, "oasis_route_paths", None)
    if paths is None:
        paths = frozenset(_walk(app.routes))
        app.state.oasis_route_paths = paths
    return paths


def route_exists(request: Request, path: str) -> bool:
    """Link to another team's page only once it is mounted (no dead links)."""
    return path in mounted_paths(request.app)


def home_of(request: Request, role: str) -> str:
    """The role's main page: the first of its candidates that is mounted."""
    for path in HOME_BY_ROLE.get(role, []):
        if route_exists(request, path):
            return path
    return "/"


def render(request: Request, name: str, who: Staff, status_code: int = 200,
           **context) -> HTMLResponse:
    context.setdefault("title", "Espace professionnel")
    context.setdefault("section", "")
    context["has_logout"] = route_exists(request, "/deconnexion")
    mounted = mounted_paths(request.app)
    context["nav"] = [link for link in NAV_BY_ROLE.get(who.role, []) if link[0] in mounted]
    response = TEMPLATES.TemplateResponse(request, name, {"who": who, **context},
                                          status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # health data: never cached
    return response


def see_other(path: str, **params) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


# ------------------------------------------------------------------ French formatting
hour = hour_text  # « 9 h 20 » in Paris time


def long_date(value: date | datetime) -> str:
    """« lundi 23 novembre 2026 »."""
    d = _local(value).date() if isinstance(value, datetime) else value
    return f"{DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def date_time(value: datetime) -> str:
    """« 23/11/2026 14 h 05 » in Paris time (tables)."""
    t = _local(value)
    return f"{t.day:02d}/{t.month:02d}/{t.year} {t.hour} h {t.minute:02d}"


def euros(cents: int) -> str:
    """« 1 200,00 € » from integer cents: money stays integer until it is displayed."""
    whole, rest = divmod(abs(int(cents)), 100)
    sign = "−" if cents < 0 else ""
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def month_name(month: str) -> str:
    """« juin 2026 » from ``"2026-06"`` (the value of an ``<input type="month">``)."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def age(born: date, on: date | None = None) -> int:
    on = on or date.today()
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


for _name, _fn in (("hour", hour), ("long_date", long_date), ("date_time", date_time),
                   ("age", age), ("euros", euros), ("month_name", month_name)):
    TEMPLATES.env.filters[_name] = _fn
TEMPLATES.env.globals.update(MODES=MODES, STATUS_LABELS=STATUS_LABELS, DAYS=DAYS,
                             ROLE_LABELS=ROLE_LABELS)
