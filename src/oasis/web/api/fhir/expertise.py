"""Téléexpertise as FHIR R4 resources, read-only, over :mod:`oasis.care.teleexpertise`:

* ``CommunicationRequest/{id}`` — the request (question, context, attachments, consent
  date, routed recipients);
* ``Communication/{id}`` — the expert's answer to request ``id`` (404 until answered);
* ``DocumentReference/{id}`` — an attachment's metadata; the bytes stay behind
  ``/api/v1/teleexpertises/{request}/pieces/{id}``.

Searching a type without parameters lists the caller's own (the requester's, the
expert's, the patient's), as ``GET /api/v1/teleexpertises`` does; no search parameter
is supported yet.

Same service calls as the REST API, so the same parties-only rule (404 for anyone else)
and the same audit records.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from oasis.care.core.errors import Invalid, NotFound
from oasis.care.core.inputs import parse_id
from oasis.care.teleexpertise import service as te
from oasis.care.teleexpertise.models import RECOMMENDATIONS, ExpertiseAttachment
from oasis.web.api.fhir.common import (
    FhirResponse,
    bundle,
    instant,
    ref,
    resource,
    specialty_concept,
)
from oasis.web.api.fhir.errors import FhirRoute
from oasis.web.kit.auth import ActorDep
from oasis.web.kit.deps import SessionDep

router = APIRouter(prefix="/fhir", tags=["FHIR R4"], route_class=FhirRoute,
                   default_response_class=FhirResponse)
RECOMMENDATION_SYSTEM = "https://oasis.sante.fr/fhir/CodeSystem/teleexpertise-recommendation"


def _id(value: str, kind: str) -> int:
    ident = parse_id(value)
    if ident is None:  # not an id, or one no row can have: missing
        raise NotFound(f"{kind} introuvable", code="not_found")
    return ident


def _requester(req) -> dict | None:
    if req.requester_practitioner_id is not None:
        return ref("Practitioner", req.requester_practitioner_id)
    return None


def communication_request(req) -> dict:
    payload = [{"contentString": req.question}]
    if req.context:
        payload.append({"contentString": req.context})
    payload += [{"contentReference": ref("DocumentReference", a.id, a.filename)}
                for a in req.attachments]
    recipients = [req.expert_id] if req.expert_id else list(req.routed_to or [])
    return resource(
        "CommunicationRequest", req.id,
        status="completed" if req.status == "answered" else
        "revoked" if req.status == "withdrawn" else "active",
        category=[{"text": "Téléexpertise"}], subject=ref("Patient", req.patient_id),
        requester=_requester(req), recipient=[ref("Practitioner", p) for p in recipients],
        authoredOn=instant(req.created_at), occurrenceDateTime=instant(req.due_at),
        reasonCode=[specialty_concept(req.specialty)], payload=payload,
        note=[{"text": f"Consentement du patient recueilli le {instant(req.consent_at)} "
                       f"({req.consent_how})"}])


def communication(req) -> dict:
    return resource(
        "Communication", req.id, status="completed",
        basedOn=[ref("CommunicationRequest", req.id)], category=[{"text": "Téléexpertise"}],
        subject=ref("Patient", req.patient_id), sent=instant(req.answered_at),
        sender=ref("Practitioner", req.expert_id), recipient=[_requester(req)]
        if _requester(req) else [],
        reasonCode=[{"coding": [{"system": RECOMMENDATION_SYSTEM, "code": req.recommendation,
                                 "display": RECOMMENDATIONS[req.recommendation]}]}],
        payload=[{"contentString": req.answer_text}])


def document_reference(att: ExpertiseAttachment, req) -> dict:
    return resource(
        "DocumentReference", att.id, status="current", subject=ref("Patient", req.patient_id),
        date=instant(att.created_at), context={"related": [ref("CommunicationRequest",
                                                                req.id)]},
        content=[{"attachment": {
            "contentType": att.content_type, "size": att.size_bytes, "title": att.filename,
            "url": f"/api/v1/teleexpertises/{req.id}/pieces/{att.id}",
            "creation": instant(att.created_at)}}])


@router.get("/CommunicationRequest/{ident}", summary="Une demande de téléexpertise")
def read_request(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    req = te.get(session, actor, _id(ident, "CommunicationRequest"))
    session.commit()
    return FhirResponse(communication_request(req))


@router.get("/Communication/{ident}", summary="L'avis rendu sur une demande")
def read_answer(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    req = te.get(session, actor, _id(ident, "Communication"), "lecture de l'avis")
    session.commit()
    if req.status != "answered":
        raise NotFound("Communication introuvable", code="not_found")
    return FhirResponse(communication(req))


@router.get("/DocumentReference/{ident}", summary="Une pièce jointe de téléexpertise")
def read_document(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    att = session.get(ExpertiseAttachment, _id(ident, "DocumentReference"))
    if att is None:
        raise NotFound("DocumentReference introuvable", code="not_found")
    try:  # refused: the very answer of a missing document
        req = te.get(session, actor, att.request_id, "lecture de pièce jointe (FHIR)")
    except NotFound:
        raise NotFound("DocumentReference introuvable", code="not_found") from None
    session.commit()
    return FhirResponse(document_reference(att, req))


def _mine(request: Request, session, actor, kind: str, build) -> FhirResponse:
    unknown = sorted(set(request.query_params) - {"_count", "_offset"})  # one page: all
    if unknown:
        raise Invalid(f"paramètre de recherche non pris en charge : {unknown[0]}",
                      code="unsupported_search_parameter")
    resources = build(te.sent_by(session, actor))
    session.commit()
    base = str(request.base_url).rstrip("/") + "/fhir"
    return FhirResponse(bundle(resources, base=base, self_url=f"{base}/{kind}",
                               total=len(resources)))


@router.get("/CommunicationRequest", summary="Mes demandes de téléexpertise")
def search_requests(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    return _mine(request, session, actor, "CommunicationRequest",
                 lambda rows: [communication_request(r) for r in rows])


@router.get("/Communication", summary="Les avis rendus sur mes demandes")
def search_answers(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    return _mine(request, session, actor, "Communication",
                 lambda rows: [communication(r) for r in rows if r.status == "answered"])


@router.get("/DocumentReference", summary="Les pièces jointes de mes demandes")
def search_documents(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    return _mine(request, session, actor, "DocumentReference",
                 lambda rows: [document_reference(a, r) for r in rows for a in r.attachments])
