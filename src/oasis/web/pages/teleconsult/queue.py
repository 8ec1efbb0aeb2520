"""French pages of the teleconsultation journey: the patient's queue, the ETT nurse's
session, the doctor's desk, and the end-of-call summary.  They are thin: the page script
talks to the REST API and the queue websocket with the session cookie, and hands everyone
over to the call page ``/visio/{room}``.

Before joining, the patient chooses general practice or one of the specialties offered
now (:func:`oasis.care.teleconsult.queue.available_specialties`) and sees, for each, the
price and the reimbursement from the billing engine
(:func:`oasis.care.teleconsult.billing.conditions`, the call the API and the finder make)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from oasis.care.core.clock import paris_today
from oasis.care.core.errors import NotFound
from oasis.care.core.inputs import parse_id
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.people import relatives
from oasis.care.people.models import Patient, Practitioner
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


def _for_whom(session, who, pour: str) -> tuple[Patient | None, list[dict]]:
    """« Pour qui ? »: the account holder by default, or a relative they manage; any other
    id is the « page introuvable » (the refusal audited by :func:`relatives.get_relative`)."""
    holder = patient_of(session, who.account, "conditions de remboursement")
    if holder is None:
        return None, []
    chosen = holder
    wanted = parse_id(pour) if pour else None
    if pour and wanted != holder.id:
        if wanted is None:
            raise PageNotFound()
        try:
            chosen = relatives.get_relative(session, who.actor, wanted,
                                            purpose="téléconsultation pour un proche").patient
        except NotFound:
            session.commit()  # keep the audited refusal
            raise PageNotFound() from None
    choices = [{"id": holder.id, "value": "", "name": "Moi",
                "detail": f"{holder.given_name} {holder.family_name}"}]
    choices += [{"id": r.id, "value": str(r.id), "name": r.display_name,
                 "detail": f"{r.relation_label.lower()}, {r.age_on(paris_today())} ans"}
                for r in relatives.relatives_of(session, who.actor)]
    return chosen, choices


def _page(request: Request, session, view: str, pour: str = "") -> HTMLResponse:
    who = visitor(request, session)
    preview = preview_cost = phone_cost = None
    offered = queue.available_specialties(session) if view != "medecin" else []
    prices: dict[str, tuple] = {}
    patient, choices = _for_whom(session, who, pour) if view == "patient" else (None, [])
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
                  no_specialist=queue.NO_SPECIALIST, max_mb=exchanges.MAX_BYTES // 2**20,
                  choices=choices, chosen=patient)


@router.get("/teleconsultation", response_class=HTMLResponse)
def patient_page(request: Request, session: SessionDep,
                 pour: Annotated[str, Query(max_length=12)] = "") -> HTMLResponse:
    """The patient's queue page; ``pour`` is the relative it is for (prices are theirs)."""
    return _page(request, session, "patient", pour)


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

