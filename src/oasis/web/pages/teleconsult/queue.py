"""French pages of the teleconsultation journey: the patient's queue, the ETT nurse's
session, the doctor's desk.  They are thin: the page script talks to the REST API and the
queue websocket with the session cookie, and hands everyone over to the call page
``/visio/{room}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.care.core.clock import paris_today
from oasis.care.teleconsult import billing
from oasis.care.teleconsult.triage import RED_FLAGS
from oasis.web.api.care_options import patient_of
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)
TITLES = {"patient": "Téléconsultation immédiate", "medecin": "Téléconsultation — médecin",
          "ett": "Espace de télésanté — ouvrir une séance"}
SECTIONS = {"patient": "teleconsultation", "medecin": "file", "ett": "ett"}


def _page(request: Request, session, view: str) -> HTMLResponse:
    who = visitor(request, session)
    preview = preview_cost = phone_cost = None
    patient = patient_of(session, who.account, "conditions de remboursement")
    if view == "patient" and patient is not None:
        partners = request.app.state.settings.partner_mutuelles
        preview, preview_cost = billing.conditions(session, patient, None, "video",
                                                   "generaliste", paris_today(),
                                                   partners=partners)
        _, phone_cost = billing.conditions(session, patient, None, "phone", "generaliste",
                                           paris_today(), partners=partners)
    session.commit()
    return render(request, "teleconsultation.html", who, view=view, title=TITLES[view],
                  section=SECTIONS[view], account=who.account, red_flags=RED_FLAGS,
                  preview=preview, preview_cost=preview_cost, phone_cost=phone_cost)


@router.get("/teleconsultation", response_class=HTMLResponse)
def patient_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "patient")


@router.get("/teleconsultation/medecin", response_class=HTMLResponse)
def doctor_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "medecin")


@router.get("/teleconsultation/ett", response_class=HTMLResponse)
def ett_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "ett")
