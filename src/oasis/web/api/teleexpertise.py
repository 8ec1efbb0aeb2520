"""REST API of téléexpertise under ``/api/v1/teleexpertises``.

A professional sends a request (multipart: the fields and the files), the expert reads
their queue and answers, the patient (or a party) books the proposed in-person slot.
Non-parties get the 404 of a request that does not exist.  A refused attachment answers
422 with its code (``attachment_type``, ``attachment_corrupt``, ``attachment_too_large``,
``attachment_empty``) and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from oasis.care.core.actor import Actor
from oasis.care.core.errors import Forbidden
from oasis.care.teleexpertise import service as te
from oasis.care.teleexpertise.attachments import store_for
from oasis.care.teleexpertise.models import ExpertiseRequest
from oasis.care.teleexpertise.waits import measured_waits, to_csv
from oasis.config import Settings
from oasis.web.api.schemas.teleexpertise import (
    ActOut,
    AnswerIn,
    AttachmentOut,
    BookedOut,
    BookIn,
    OptionOut,
    QueueLineOut,
    RequestOut,
    WaitOut,
)
from oasis.web.kit.auth import ActorDep, require_role
from oasis.web.kit.deps import Id, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/teleexpertises", tags=["téléexpertise"])
Planner = Annotated[Actor, Depends(require_role("coordinator", "admin"))]


def store(settings: Settings):
    return store_for(settings.database_url, settings.attachments_dir)


async def read_uploads(files: list[UploadFile], max_bytes: int) -> list[te.Upload]:
    """Read at most ``max_bytes`` + 1 bytes of each file: enough to refuse a larger one."""
    out = []
    for f in files:
        data = await f.read(max_bytes + 1)
        out.append(te.Upload(f.filename, data))
    return out


def as_out(req: ExpertiseRequest) -> RequestOut:
    return RequestOut.model_validate(req)


@router.post("", response_model=RequestOut, status_code=201,
             summary="Demander une téléexpertise (requérant)")
async def create(session: SessionDep, settings: SettingsDep, actor: ActorDep,
                 patient_id: Annotated[Id, Form()], specialty: Annotated[str, Form()],
                 question: Annotated[str, Form(min_length=1, max_length=5000)],
                 consent: Annotated[bool, Form(description="Consentement du patient recueilli")],
                 context: Annotated[str | None, Form(max_length=10_000)] = None,
                 consent_how: Annotated[str | None, Form(max_length=200)] = None,
                 named_expert_id: Annotated[Id | None, Form()] = None,
                 protocol_id: Annotated[Id | None, Form()] = None,
                 files: Annotated[list[UploadFile] | None, File()] = None) -> RequestOut:
    uploads = await read_uploads(files or [], settings.attachment_max_bytes)
    st = store(settings)
    try:
        req = te.create(session, actor, patient_id=patient_id, specialty=specialty,
                        question=question, context=context, consent=consent,
                        consent_how=consent_how, named_expert_id=named_expert_id,
                        protocol_id=protocol_id, uploads=uploads, store=st,
                        max_bytes=settings.attachment_max_bytes,
                        answer_days=settings.expertise_answer_days)
        out = as_out(req)
        session.commit()
    except BaseException:
        te.discard_files(session, st)
        raise
    return out


@router.get("", response_model=list[RequestOut], summary="Mes téléexpertises")
def mine(session: SessionDep, actor: ActorDep) -> list[RequestOut]:
    rows = [as_out(r) for r in te.sent_by(session, actor)]
    session.commit()
    return rows


@router.get("/file", response_model=list[QueueLineOut],
            summary="File de l'expert, la plus ancienne d'abord")
def queue(session: SessionDep, actor: ActorDep,
          specialty: Annotated[str | None, Query()] = None) -> list[QueueLineOut]:
    lines = te.queue(session, actor, specialty=specialty)
    out = [QueueLineOut(request=as_out(line.request),
                        waited_hours=round(line.waited.total_seconds() / 3600, 1),
                        hours_left=round(line.left.total_seconds() / 3600, 1), late=line.late)
           for line in lines]
    session.commit()
    return out


@router.get("/delais", response_model=list[WaitOut], summary="Délais mesurés (planification)")
def waits(session: SessionDep, _actor: Planner,
          departement: Annotated[str | None, Query(max_length=3)] = None) -> list[WaitOut]:
    return [WaitOut.model_validate(r, from_attributes=True)
            for r in measured_waits(session, department_filter=departement)]


@router.get("/delais.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "Délais en CSV"}},
            summary="Délais mesurés, export CSV")
def waits_csv(session: SessionDep, _actor: Planner,
              departement: Annotated[str | None, Query(max_length=3)] = None) -> Response:
    body = to_csv(measured_waits(session, department_filter=departement))
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="delais-specialistes.csv"'})


@router.get("/{request_id}", response_model=RequestOut, summary="Lire une demande et son avis")
def read(request_id: Id, session: SessionDep, actor: ActorDep) -> RequestOut:
    out = as_out(te.get(session, actor, request_id))
    session.commit()
    return out


@router.post("/{request_id}/pieces", response_model=list[AttachmentOut], status_code=201,
             summary="Ajouter des pièces jointes (requérant, avant l'avis)")
async def add_files(request_id: Id, session: SessionDep, settings: SettingsDep,
                    actor: ActorDep, files: Annotated[list[UploadFile], File()]
                    ) -> list[AttachmentOut]:
    uploads = await read_uploads(files, settings.attachment_max_bytes)
    st = store(settings)
    try:
        rows = te.add_attachments(session, actor, request_id, uploads, st,
                                  settings.attachment_max_bytes)
        out = [AttachmentOut.model_validate(r) for r in rows]
        session.commit()
    except BaseException:
        te.discard_files(session, st)
        raise
    return out


@router.get("/{request_id}/pieces/{attachment_id}", response_class=Response,
            summary="Télécharger une pièce jointe (parties seulement)")
def download(request_id: Id, attachment_id: Id, session: SessionDep, settings: SettingsDep,
             actor: ActorDep) -> Response:
    att, data = te.read_attachment(session, actor, request_id, attachment_id, store(settings))
    session.commit()
    return Response(data, media_type=att.content_type, headers={
        "Content-Disposition": f'inline; filename="piece-{att.id}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/{request_id}/avis", response_model=RequestOut, summary="Rendre l'avis (expert)")
def answer(request_id: Id, body: AnswerIn, session: SessionDep, actor: ActorDep) -> RequestOut:
    req = te.answer(session, actor, request_id, text=body.text,
                    recommendation=body.recommendation)
    out = as_out(req)
    session.commit()
    return out


@router.get("/{request_id}/actes", response_model=list[ActOut],
            summary="Actes facturés : TE2 (requis), RQD (requérant)")
def acts(request_id: Id, session: SessionDep, actor: ActorDep) -> list[ActOut]:
    req = te.get(session, actor, request_id, "actes de téléexpertise")
    if actor.role == "patient":
        raise Forbidden("les actes sont visibles des professionnels", code="forbidden")
    out = [ActOut.model_validate(a) for a in te.acts(session, req)]
    session.commit()
    return out


@router.get("/{request_id}/creneaux", response_model=list[OptionOut],
            summary="Créneaux en présentiel proposés après l'avis (moteur de recherche)")
def options(request_id: Id, session: SessionDep, settings: SettingsDep,
            actor: ActorDep) -> list[OptionOut]:
    found = te.in_person_options(session, actor, request_id,
                                 partners=tuple(settings.partner_mutuelles))
    out = [OptionOut(practitioner_id=o.practitioner_id, practitioner_name=o.practitioner_name,
                     location_id=o.location_id, location_name=o.location_name,
                     travel_minutes=o.travel_minutes, start_at=o.start_at,
                     start_text=o.start_text, patient_cents=o.cost.patient_cents,
                     slots=[{"slot_id": s.slot_id, "start_at": s.start_at,
                             "end_at": s.end_at} for s in o.slots]) for o in found]
    session.commit()
    return out


@router.post("/{request_id}/rendez-vous", response_model=BookedOut, status_code=201,
             summary="Réserver le créneau proposé pour le patient")
def book(request_id: Id, body: BookIn, session: SessionDep, actor: ActorDep) -> BookedOut:
    a = te.book(session, actor, request_id, body.slot_id)
    out = BookedOut(appointment_id=a.id, start_at=a.start_at, practitioner_id=a.practitioner_id,
                    location_id=a.location_id)
    session.commit()
    return out
