"""The practitioner's consultation screen: call, record, prescription, referral, closing.

One server-rendered page per encounter (``/pro/consultation/{id}``) so the doctor writes
the record beside the call without any script of their own: every form posts back here
with the CSRF token and is answered by a redirect (no resubmission on reload).  The page
reuses the teleconsultation services, so the API's rules hold: only the consulting
practitioner sees it (anyone else: the same HTML 404 as for a missing encounter, and
the refusal is audited), every read and write is audited by the services.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from sqlalchemy import select

from oasis.care.audit.service import record
from oasis.care.billing import counters
from oasis.care.core.errors import CareError
from oasis.care.core.inputs import parse_id
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.finder.text import euros, local
from oasis.care.people.models import Patient, Practitioner
from oasis.care.sites.models import Location
from oasis.care.teleconsult import billing, encounters, exchanges, prescriptions, referrals
from oasis.care.teleconsult.billing import Situation
from oasis.care.teleconsult.models import (
    ENCOUNTER_MODES,
    BillingStatement,
    Encounter,
    ServiceRequest,
)
from oasis.care.teleconsult.vitals import VitalsError, describe, parse_vitals
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import Id, SessionDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.rooms import invite
from oasis.web.kit.templating import render
from oasis.web.live.queue import notify_queue
from oasis.web.live.visio import end_room
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
Doctor = Annotated[Visitor, Depends(page_gate("practitioner"))]
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."
RX_ROWS = 3


def _mine(session, who: Visitor, encounter_id: Id) -> Encounter:
    """The encounter if ``who`` is its practitioner; otherwise the 404 page (audited)."""
    encounter = session.get(Encounter, encounter_id)
    if encounter is None or encounter.practitioner_id != who.actor.practitioner_id:
        record(session, who.actor, "read", "Encounter", encounter_id,
               patient_id=encounter.patient_id if encounter else None,
               purpose="écran de consultation", outcome="denied")
        session.commit()
        raise PageNotFound()
    return encounter


def _path(encounter_id: Id) -> str:
    return f"/pro/consultation/{encounter_id}"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def _measurements(encounter: Encounter) -> list[tuple]:
    out = []
    for m in sorted(encounter.measurements, key=lambda m: m.recorded_at):
        try:
            lines = describe(parse_vitals(dict(m.values)))
        except VitalsError:
            lines = [f"{k} : {v}" for k, v in m.values.items()]
        out.append((m, lines))
    return out


@router.get("/pro/consultations")
def my_consultations(request: Request, session: SessionDep, who: Doctor):
    rows = encounters.list_encounters(session, who.actor, limit=50)
    patients = {p.id: p for p in session.scalars(select(Patient).where(
        Patient.id.in_({e.patient_id for e in rows})))}
    session.commit()
    return render(request, "pro/consultations.html", who, title="Mes téléconsultations",
                  section="consultations", rows=rows, patients=patients,
                  modes=ENCOUNTER_MODES)


@router.get("/pro/consultation/{encounter_id}")
def consultation_page(encounter_id: Id, request: Request, session: SessionDep, who: Doctor,
                      ok: str | None = None, erreur: str | None = None):
    _mine(session, who, encounter_id)
    encounter = encounters.get_encounter(session, who.actor, encounter_id,
                                         "écran de consultation")
    patient = session.get(Patient, encounter.patient_id)
    call_url = None
    if encounter.status == "in-progress":
        grant = encounters.call_grant(session, who.actor, encounter_id)
        call_url = invite(request.app.state.settings, room=grant.room,
                          participant=grant.participant, role=grant.role,
                          name=grant.name).url
    rxs = prescriptions.list_for_encounter(session, encounter_id)
    refs = list(session.scalars(select(ServiceRequest).where(
        ServiceRequest.encounter_id == encounter_id).order_by(ServiceRequest.id)))
    statement = session.scalar(select(BillingStatement).where(
        BillingStatement.encounter_id == encounter_id))
    sites = list(session.scalars(select(Location).where(Location.active.is_(True))
                                 .order_by(Location.name).limit(200)))
    chat = exchanges.messages_of(session, encounter_id)
    files = exchanges.attachments_of(session, encounter_id)
    preview = None
    doctor = session.get(Practitioner, encounter.practitioner_id)
    share = counters.doctor_share(session, doctor.id, local(encounter.started_at).year,
                                  doctor.specialty)
    if statement is None:
        preview, _ = billing.conditions(
            session, patient, doctor, encounter.mode, doctor.specialty,
            local(encounter.started_at).date(),
            partners=request.app.state.settings.partner_mutuelles)
    session.commit()
    return render(request, "pro/consultation.html", who,
                  title=f"Consultation — {patient.given_name} {patient.family_name}",
                  section="consultations", e=encounter, patient=patient, call_url=call_url,
                  measurements=_measurements(encounter), prescriptions=rxs, referrals=refs,
                  statement=statement, preview=preview, share=share, euros=euros, sites=sites,
                  specialties=SPECIALTIES, chat=chat, files=files,
                  files_by_id={a.id: a for a in files},
                  modes=ENCOUNTER_MODES, rx_rows=RX_ROWS, ok=ok, erreur=erreur)


@router.post("/pro/consultation/{encounter_id}/compte-rendu")
def save_record(encounter_id: Id, request: Request, session: SessionDep, who: Doctor,
                csrf: Annotated[str, Form()] = "", notes: Annotated[str, Form()] = "",
                diagnostic: Annotated[str, Form()] = "", cim10: Annotated[str, Form()] = ""):
    _mine(session, who, encounter_id)
    if not csrf_valid(request, csrf):
        return see_other(_path(encounter_id), erreur=CSRF_ERROR)
    try:
        encounters.update_record(session, who.actor, encounter_id, notes=notes,
                                 diagnosis_text=diagnostic, diagnosis_code=cim10)
    except CareError as exc:
        session.rollback()
        return see_other(_path(encounter_id), erreur=_sentence(exc.message))
    session.commit()
    return see_other(_path(encounter_id), ok="Compte rendu enregistré.")


@router.post("/pro/consultation/{encounter_id}/ordonnance")
async def prescribe(encounter_id: Id, request: Request, session: SessionDep, who: Doctor):
    form = await request.form()
    _mine(session, who, encounter_id)
    if not csrf_valid(request, str(form.get("csrf") or "")):
        return see_other(_path(encounter_id), erreur=CSRF_ERROR)
    lines = []
    for i in range(RX_ROWS):
        line = {key: str(form.get(f"{key}_{i}") or "").strip()
                for key in ("name", "dosage", "duration")}
        if any(line.values()):
            lines.append(line)
    try:
        rx = prescriptions.issue(session, who.actor, encounter_id, lines)
    except CareError as exc:
        session.rollback()
        return see_other(_path(encounter_id), erreur=_sentence(exc.message))
    session.commit()
    return see_other(_path(encounter_id), ok=f"Ordonnance n° {rx.id} créée.")


@router.post("/pro/consultation/{encounter_id}/orientation")
def refer(encounter_id: Id, request: Request, session: SessionDep, who: Doctor,
          csrf: Annotated[str, Form()] = "", motif: Annotated[str, Form()] = "",
          specialite: Annotated[str, Form()] = "", site: Annotated[str, Form()] = "",
          priorite: Annotated[str, Form()] = "routine"):
    _mine(session, who, encounter_id)
    if not csrf_valid(request, csrf):
        return see_other(_path(encounter_id), erreur=CSRF_ERROR)
    try:
        referrals.create(session, who.actor, encounter_id, reason=motif,
                         specialty=specialite or None,
                         target_location_id=parse_id(site),
                         priority=priorite)
    except CareError as exc:
        session.rollback()
        return see_other(_path(encounter_id), erreur=_sentence(exc.message))
    session.commit()
    return see_other(_path(encounter_id), ok="Orientation enregistrée.")


@router.post("/pro/consultation/{encounter_id}/cloture")
def close(encounter_id: Id, request: Request, session: SessionDep, who: Doctor,
          background: BackgroundTasks,
          csrf: Annotated[str, Form()] = "", ald: Annotated[str, Form()] = "",
          maternite: Annotated[str, Form()] = "", c2s: Annotated[str, Form()] = "",
          ame: Annotated[str, Form()] = "", oriente: Annotated[str, Form()] = "",
          urgence: Annotated[str, Form()] = "", organisation: Annotated[str, Form()] = "",
          mt_indisponible: Annotated[str, Form()] = "", detenu: Annotated[str, Form()] = "",
          ehpad: Annotated[str, Form()] = ""):
    _mine(session, who, encounter_id)
    if not csrf_valid(request, csrf):
        return see_other(_path(encounter_id), erreur=CSRF_ERROR)
    try:
        closed, _ = encounters.close(session, who.actor, encounter_id,
                         Situation(ald=bool(ald), maternity=bool(maternite), c2s=bool(c2s),
                                   ame=bool(ame), referred=bool(oriente),
                                   emergency=bool(urgence),
                                   territorial_organisation=bool(organisation),
                                   medecin_traitant_unavailable=bool(mt_indisponible),
                                   detention=bool(detenu), ehpad=bool(ehpad)),
                         partners=request.app.state.settings.partner_mutuelles)
    except CareError as exc:
        session.rollback()
        return see_other(_path(encounter_id), erreur=_sentence(exc.message))
    session.commit()
    specialty = session.get(Practitioner, who.actor.practitioner_id).specialty
    background.add_task(notify_queue, request.app, "closed", specialty)
    background.add_task(end_room, request.app, closed.room)
    return see_other(_path(encounter_id),
                     ok="Consultation close ; feuille de soins établie.")
