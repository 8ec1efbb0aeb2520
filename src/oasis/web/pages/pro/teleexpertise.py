"""Téléexpertise pages of the professionals: the requester's list and form, the expert's
queue (oldest first, promised time shown), a request with its answer form and, after
« consultation en présentiel », the finder's slots to book for the patient.

Thin over :mod:`oasis.care.teleexpertise.service` (the same calls as the JSON API);
attachments are downloaded through the API route, which checks the party and audits.
A non-party gets the HTML 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.networks import service as networks
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleexpertise import service as te
from oasis.care.teleexpertise.models import RECOMMENDATIONS, STATUSES
from oasis.web.api.teleexpertise import read_uploads, store
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import SessionDep, SettingsDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.templating import render
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
Pro = Annotated[Visitor, Depends(page_gate("practitioner", "nurse"))]
Expert = Annotated[Visitor, Depends(page_gate("practitioner"))]
PAGE = "/pro/teleexpertise"
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _form(request, session, who, status_code=200, **ctx):
    patients = te.patients_for_requester(session, who.actor)
    protocols = []
    for p in patients[:50]:
        for proto in networks.protocols_for(session, p.commune_code):
            if proto not in protocols:
                protocols.append(proto)
    experts = session.query(Practitioner).filter(
        Practitioner.specialty != "generaliste").order_by(Practitioner.family_name).all()
    rows = te.sent_by(session, who.actor)
    session.commit()
    return render(request, "pro/teleexpertise.html", who, status_code=status_code,
                  title="Téléexpertise", section="teleexpertise", patients=patients,
                  protocols=protocols, experts=experts, rows=rows, specialties=SPECIALTIES,
                  statuses=STATUSES, recommendations=RECOMMENDATIONS, form=ctx.pop("form", {}),
                  **ctx)


@router.get(PAGE)
def requester_page(request: Request, session: SessionDep, who: Pro, envoye: int | None = None):
    ok = f"Demande n° {envoye} envoyée à l'expert." if envoye else None
    return _form(request, session, who, ok=ok)


@router.post(PAGE)
async def send(request: Request, session: SessionDep, settings: SettingsDep, who: Pro,
               csrf: Annotated[str, Form()] = "", patient_id: Annotated[str, Form()] = "",
               specialty: Annotated[str, Form()] = "", question: Annotated[str, Form()] = "",
               context: Annotated[str, Form()] = "", consent: Annotated[str, Form()] = "",
               expert_id: Annotated[str, Form()] = "", protocol_id: Annotated[str, Form()] = "",
               files: Annotated[list[UploadFile] | None, File()] = None):
    form = {"patient_id": patient_id, "specialty": specialty, "question": question,
            "context": context, "consent": consent, "expert_id": expert_id,
            "protocol_id": protocol_id}
    if not csrf_valid(request, csrf):
        return _form(request, session, who, 403, erreur=CSRF_ERROR, form=form)
    uploads = [u for u in await read_uploads(files or [], settings.attachment_max_bytes)
               if u.filename or u.data]
    st = store(settings)
    try:
        req = te.create(session, who.actor, patient_id=int(patient_id or 0),
                        specialty=specialty, question=question, context=context,
                        consent=consent == "oui", named_expert_id=int(expert_id) if expert_id
                        else None, protocol_id=int(protocol_id) if protocol_id else None,
                        uploads=uploads, store=st, max_bytes=settings.attachment_max_bytes,
                        answer_days=settings.expertise_answer_days)
        session.commit()
    except CareError as exc:
        te.discard_files(session, st)
        session.rollback()
        return _form(request, session, who, 422 if not isinstance(exc, NotFound) else 404,
                     erreur=_sentence(exc.message), form=form)
    except BaseException:
        te.discard_files(session, st)
        raise
    return see_other(PAGE, envoye=req.id)


@router.get(PAGE + "/file")
def expert_queue(request: Request, session: SessionDep, who: Expert):
    lines = te.queue(session, who.actor)
    patients = {p.id: p for p in session.query(Patient).filter(
        Patient.id.in_([line.request.patient_id for line in lines])).all()}
    session.commit()
    return render(request, "pro/teleexpertise_file.html", who, title="File de téléexpertise",
                  section="teleexpertise-file", lines=lines, patients=patients,
                  specialties=SPECIALTIES)


def _detail(request, session, settings, who, request_id: int, status_code=200, **ctx):
    try:
        req = te.get(session, who.actor, request_id)
    except NotFound:
        raise PageNotFound() from None
    patient = session.get(Patient, req.patient_id)
    names = {p.id: p.display_name for p in session.query(Practitioner).filter(
        Practitioner.id.in_([x for x in (req.expert_id, req.requester_practitioner_id,
                                         req.named_expert_id) if x])).all()}
    options = []
    if req.recommendation in ("in_person", "urgent") and req.appointment_id is None:
        options = te.in_person_options(session, who.actor, req.id,
                                       partners=tuple(settings.partner_mutuelles))[:5]
    acts = te.acts(session, req)
    session.commit()
    return render(request, "pro/teleexpertise_demande.html", who, status_code=status_code,
                  title=f"Téléexpertise n° {req.id}", section="teleexpertise", req=req,
                  patient=patient, names=names, options=options, acts=acts,
                  may_answer=te.is_expert(who.actor, req) and req.status == "sent",
                  specialties=SPECIALTIES, statuses=STATUSES,
                  recommendations=RECOMMENDATIONS, now=utcnow(), **ctx)


@router.get(PAGE + "/{request_id}")
def detail(request_id: int, request: Request, session: SessionDep, settings: SettingsDep,
           who: Pro, ok: str | None = None):
    messages = {"avis": "Avis enregistré.", "rdv": "Rendez-vous réservé pour le patient."}
    return _detail(request, session, settings, who, request_id, ok=messages.get(ok or ""))


@router.post(PAGE + "/{request_id}/avis")
def answer(request_id: int, request: Request, session: SessionDep, settings: SettingsDep,
           who: Expert, csrf: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
           recommendation: Annotated[str, Form()] = ""):
    if not csrf_valid(request, csrf):
        return _detail(request, session, settings, who, request_id, 403, erreur=CSRF_ERROR)
    try:
        te.answer(session, who.actor, request_id, text=text, recommendation=recommendation)
        session.commit()
    except NotFound:
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _detail(request, session, settings, who, request_id, 422,
                       erreur=_sentence(exc.message), draft=text)
    return see_other(f"{PAGE}/{request_id}", ok="avis")


@router.post(PAGE + "/{request_id}/rendez-vous")
def book(request_id: int, request: Request, session: SessionDep, settings: SettingsDep,
         who: Pro, csrf: Annotated[str, Form()] = "", slot_id: Annotated[int, Form()] = 0):
    if not csrf_valid(request, csrf):
        return _detail(request, session, settings, who, request_id, 403, erreur=CSRF_ERROR)
    try:
        te.book(session, who.actor, request_id, slot_id)
        session.commit()
    except NotFound:
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _detail(request, session, settings, who, request_id, 409,
                       erreur=_sentence(exc.message))
    return see_other(f"{PAGE}/{request_id}", ok="rdv")
