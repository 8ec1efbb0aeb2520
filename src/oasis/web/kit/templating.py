"""The one Jinja2 environment of the pages, with the French filters every page uses.

Every page renders through :func:`render`, which adds the visitor, the menu of their role
and ``Cache-Control: no-store`` (a page may show health data, and a shared cache must
never keep it).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from oasis.care.core.clock import age
from oasis.care.core.vocab import MODES
from oasis.care.finder.text import (
    DAYS,
    MONTHS,
    euros,
    hour_text,
    local,
    minutes_text,
    plural,
    when_text,
)
from oasis.web.kit.nav import menu

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATES = Jinja2Templates(directory=str(TEMPLATE_DIR))

ROLE_LABELS = {"patient": "Patient", "practitioner": "Praticien", "nurse": "Infirmier·ère",
               "coordinator": "Coordination", "admin": "Administration",
               "regulator": "Régulation SAS"}
STATUS_LABELS = {"booked": "Prévu", "arrived": "Arrivé", "fulfilled": "Vu",
                 "cancelled": "Annulé", "noshow": "Absent"}


def long_date(value: date | datetime) -> str:
    """« lundi 23 novembre 2026 »."""
    d = local(value).date() if isinstance(value, datetime) else value
    return f"{DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def date_time(value: datetime) -> str:
    """« 23/11/2026 14 h 05 » in Paris time (tables)."""
    t = local(value)
    return f"{t.day:02d}/{t.month:02d}/{t.year} {t.hour} h {t.minute:02d}"


def month_name(month: str) -> str:
    """« juin 2026 » from ``"2026-06"`` (the value of an ``<input type="month">``)."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def when_html(at: datetime, now: datetime | None = None) -> str:
    """``when_text`` with non-breaking spaces in the hour: « 9 h 50 » never splits."""
    text = when_text(at, now)
    head, sep, hour = text.rpartition(" à ")
    return head + sep + hour.replace(" ", "\u00a0") if sep else text


FILTERS = {"euros": euros, "minutes": minutes_text, "when": when_html, "hour": hour_text,
           "long_date": long_date, "date_time": date_time, "age": age,
           "month_name": month_name, "plural": plural}
TEMPLATES.env.filters.update(FILTERS)
TEMPLATES.env.globals.update(MODES=MODES, STATUS_LABELS=STATUS_LABELS, DAYS=DAYS,
                             ROLE_LABELS=ROLE_LABELS, **FILTERS)


def render(request: Request, name: str, who: Any = None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """Render template ``name`` for ``who`` (a :class:`~oasis.web.kit.auth.Visitor` or
    None), with the menu of their role."""
    context.setdefault("title", "Oasis")
    context.setdefault("section", "")
    role = getattr(who, "role", None) if who is not None and who.account else None
    response = TEMPLATES.TemplateResponse(
        request, name, {"who": who, "menu": menu(role), **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
