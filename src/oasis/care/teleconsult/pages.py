"""French pages of the journey: the patient's queue, the ETT nurse's session, the doctor's
desk.  They are thin: the page script talks to the REST API and the queue websocket with
the session cookie, and hands everyone over to the call page ``/visio/{room}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from oasis.care.accounts.models import Account
from oasis.care.triage import RED_FLAGS
from oasis.web.auth import optional_account

router = APIRouter(include_in_schema=False)
TITLES = {"patient": "Téléconsultation immédiate", "medecin": "Téléconsultation — médecin",
          "ett": "Espace de télésanté — ouvrir une séance"}


def _page(request: Request, view: str, account: Account | None) -> HTMLResponse:
    from oasis.web.app import templates

    context = {"view": view, "title": TITLES[view], "account": account,
               "red_flags": RED_FLAGS}
    response = templates.TemplateResponse(request, "teleconsultation.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


AccountOpt = Annotated[Account | None, Depends(optional_account)]


@router.get("/teleconsultation", response_class=HTMLResponse)
def patient_page(request: Request, account: AccountOpt) -> HTMLResponse:
    return _page(request, "patient", account)


@router.get("/teleconsultation/medecin", response_class=HTMLResponse)
def doctor_page(request: Request, account: AccountOpt) -> HTMLResponse:
    return _page(request, "medecin", account)


@router.get("/teleconsultation/ett", response_class=HTMLResponse)
def ett_page(request: Request, account: AccountOpt) -> HTMLResponse:
    return _page(request, "ett", account)
