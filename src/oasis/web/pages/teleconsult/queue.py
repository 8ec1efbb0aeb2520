"""French pages of the teleconsultation journey: the patient's queue, the ETT nurse's
session, the doctor's desk, and the end-of-call summary.  They are thin: the page script
talks to the REST API and the queue websocket with the session cookie, and hands everyone
over to the call page ``/visio/{room}``.

Before joining, the patient chooses general practice or one of the specialties offered
now (:func:`oasis.care.teleconsult.queue.available_specialties`) and sees, for each, the
price and the reimbursement from the billing engine
(:func:`oasis.care.teleconsult.billing.conditions`, the call the API and the finder make)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.care.core.clock import paris_today
from oasis.care.core.errors import NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.people.models import Practitioner
from oasis.care.teleconsult import billing, exchanges, queue
from oasis.care.teleconsult.models import ENCOUNTER_MODES
from oasis.care.teleconsult.triage import RED_FLAGS
from oasis.web.api.care_options import patient_of
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.templating import render
from oasis.web.pages.patient.common import to_login

router = APIRouter(include_in_schema=False)
TITLES = {"patient": "Téléconsultation immédiate", "medecin": "Téléconsultation — médecin",
          "ett": "Espace de télésanté — ouvrir une séance"}
SECTIONS = {"patient": "teleconsultation", "medecin": "file", "ett": "ett"}


def _page(request: Request, session, view: str) -> HTMLResponse:
    who = visitor(request, session)
    preview = preview_cost = phone_cost = None
    offered = queue.available_specialties(session) if view != "medecin" else []
    prices: dict[str, tuple] = {}
    patient = patient_of(session, who.account, "conditions de remboursement")
    if view == "patient" and patient is not None:
        partners = request.app.state.settings.partner_mutuelles
        for specialty in (queue.GP, *offered):
            prices[specialty] = billing.conditions(session, patient, None, "video",
                                                   specialty, paris_today(),
                                                   partners=partners)
        preview, preview_cost = prices[queue.GP]
        _, phone_cost = billing.conditions(session, patient, None, "phone", "generaliste",
                                           paris_today(), partners=partners)
    session.commit()
    return render(request, "teleconsultation.html", who, view=view, title=TITLES[view],
                  section=SECTIONS[view], account=who.account, red_flags=RED_FLAGS,
                  preview=preview, preview_cost=preview_cost, phone_cost=phone_cost,
                  offered=offered, prices=prices, specialties=SPECIALTIES,
                  no_specialist=queue.NO_SPECIALIST, max_mb=exchanges.MAX_BYTES // 2**20)


@router.get("/teleconsultation", response_class=HTMLResponse)
def patient_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "patient")


@router.get("/teleconsultation/medecin", response_class=HTMLResponse)
def doctor_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "medecin")


@router.get("/teleconsultation/ett", response_class=HTMLResponse)
def ett_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, session, "ett")


@router.get("/teleconsultation/{encounter_id}/recapitulatif", response_class=HTMLResponse)
def summary_page(encounter_id: Id, request: Request, session: SessionDep):
    """The end-of-call summary: documents, prescription, orientation, what is paid.

    For the consultation's parties (the patient first: the call page brings them here
    when the doctor closes); anyone else gets the « page introuvable » (audited).
    """
    who = visitor(request, session)
    if who.account is None:
        return to_login(request)
    try:
        out = exchanges.summary(session, who.actor, encounter_id)
    except NotFound:
        raise PageNotFound() from None
    doctor = session.get(Practitioner, out.encounter.practitioner_id)
    statement = billing.statement_of(out.statement) if out.statement else None
    files_by_id = {a.id: a for a in out.attachments}
    session.commit()
    return render(request, "teleconsultation_recap.html", who,
                  title="Récapitulatif de la téléconsultation", section="consultations",
                  s=out, doctor=doctor, statement=statement, files_by_id=files_by_id,
                  specialties=SPECIALTIES, modes=ENCOUNTER_MODES)

