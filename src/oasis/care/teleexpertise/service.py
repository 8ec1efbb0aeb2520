"""The téléexpertise journey: request → expert's queue → answer → (slot booked) → acts.

Parties, and only they, see a request, its attachments and its answer: the patient,
the requesting professional, and the expert — before an expert takes it, the
practitioners it is routed to (the named expert, or the protocol's / network's /
specialty's practitioners) see it in their queue.  Everyone else gets the 404 of a
request that does not exist, and the refused attempt is audited.  Every read is audited
(:func:`oasis.care.audit.service.record`).

Services never commit; files are written only after every check passed, and a route
that fails later removes them (:func:`discard_files`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking import service as booking
from oasis.care.booking.models import Appointment
from oasis.care.core.access import ensure_can_see_patient, represented_ids, speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.errors import Conflict, Forbidden, Invalid, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.finder import find_care
from oasis.care.networks import service as networks
from oasis.care.people.models import Patient, Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.teleexpertise import attachments as files
from oasis.care.teleexpertise.models import (
    RECOMMENDATIONS,
    ExpertiseAct,
    ExpertiseAttachment,
    ExpertiseRequest,
)
from oasis.care.teleexpertise.rules import bill_act

ANSWER_DAYS = 7  # promised answer time, a parameter (OASIS_EXPERTISE_ANSWER_DAYS)
REQUESTER_ROLES = ("practitioner", "nurse")
ENTITY = "ExpertiseRequest"


def _not_found(session: Session, actor: Actor, request_id: int, patient_id: int | None,
               purpose: str) -> NotFound:
    record(session, actor, "read", ENTITY, request_id, patient_id=patient_id, purpose=purpose,
           outcome="denied")
    session.commit()  # keep the trace of the refusal; the request then fails
    return NotFound("demande de téléexpertise introuvable", code="not_found")


def is_requester(actor: Actor, req: ExpertiseRequest) -> bool:
    return ((actor.role == "practitioner" and actor.practitioner_id is not None
             and actor.practitioner_id == req.requester_practitioner_id)
            or (actor.role == "nurse" and req.requester_staff_id is not None
                and actor.staff_id == req.requester_staff_id))


def is_expert(actor: Actor, req: ExpertiseRequest) -> bool:
    """The expert who took it, or — while nobody has — one it is routed to."""
    if actor.role != "practitioner" or actor.practitioner_id is None:
        return False
    if req.expert_id is not None:
        return req.expert_id == actor.practitioner_id
    return req.status == "sent" and actor.practitioner_id in (req.routed_to or [])


def is_party(session: Session, actor: Actor, req: ExpertiseRequest) -> bool:
    """The requester, the expert, or the patient (or whoever speaks for them)."""
    return (actor.role == "system"
            or (actor.role == "patient" and speaks_for(session, actor, req.patient_id))
            or is_requester(actor, req) or is_expert(actor, req))


def _load(session: Session, actor: Actor, request_id: int, purpose: str) -> ExpertiseRequest:
    req = session.get(ExpertiseRequest, request_id)
    if req is None or not is_party(session, actor, req):
        raise _not_found(session, actor, request_id, req.patient_id if req else None, purpose)
    return req


def get(session: Session, actor: Actor, request_id: int,
        purpose: str = "lecture de la téléexpertise") -> ExpertiseRequest:
    req = _load(session, actor, request_id, purpose)
    record(session, actor, "read", ENTITY, req.id, patient_id=req.patient_id, purpose=purpose)
    return req


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


def check_uploads(uploads: Iterable[Upload], max_bytes: int = files.MAX_BYTES,
                  already: int = 0) -> list[files.CheckedFile]:
    """Every file checked before any is stored (one bad file refuses them all)."""
    checked = [files.check(u.filename, u.data, max_bytes) for u in uploads]
    if already + len(checked) > files.MAX_PER_REQUEST:
        raise Invalid(f"au plus {files.MAX_PER_REQUEST} pièces jointes par demande",
                      code="too_many_attachments")
    return checked


def _store(session: Session, actor: Actor, req: ExpertiseRequest,
           checked: list[files.CheckedFile], store: files.Store) -> list[ExpertiseAttachment]:
    rows = []
    for f in checked:
        key = store.put(f.data)
        row = ExpertiseAttachment(request_id=req.id, filename=f.filename,
                                  content_type=f.content_type, size_bytes=len(f.data),
                                  sha256=f.sha256, storage_key=key,
                                  uploaded_by_account_id=actor.account_id)
        session.add(row)
        rows.append(row)
    session.flush()
    for row in rows:
        record(session, actor, "create", "ExpertiseAttachment", row.id,
               patient_id=req.patient_id, purpose="pièce jointe de téléexpertise")
    return rows


def discard_files(session: Session, store: files.Store) -> None:
    """Remove the files of attachments added in this (failed) session."""
    for obj in session.new:
        if isinstance(obj, ExpertiseAttachment) and obj.storage_key:
            store.delete(obj.storage_key)


def create(session: Session, actor: Actor, *, patient_id: int, specialty: str, question: str,
           context: str | None = None, consent: bool, consent_how: str | None = None,
           named_expert_id: int | None = None, protocol_id: int | None = None,
           uploads: Iterable[Upload] = (), store: files.Store | None = None,
           max_bytes: int = files.MAX_BYTES, answer_days: int = ANSWER_DAYS,
           now: datetime | None = None, geo=None) -> ExpertiseRequest:
    """Send a request; a professional who may see the patient, with the patient's consent."""
    now = now or utcnow()
    if actor.role not in REQUESTER_ROLES:
        raise Forbidden("seul un professionnel de santé demande une téléexpertise",
                        code="forbidden_role")
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("Patient introuvable", code="not_found")
    ensure_can_see_patient(session, actor, patient_id, purpose="demande de téléexpertise")
    if specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : « {specialty} »", code="invalid_specialty")
    if not (question or "").strip():
        raise Invalid("posez la question à l'expert", code="question_required")
    if not consent:
        raise Invalid("le consentement du patient est nécessaire à une téléexpertise",
                      code="consent_required")
    checked = check_uploads(uploads, max_bytes)
    if checked and store is None:
        raise ValueError("an attachment store is needed for attachments")
    if named_expert_id is not None:
        expert = session.get(Practitioner, named_expert_id)
        if expert is None or expert.specialty != specialty:
            raise Invalid("l'expert choisi n'exerce pas cette spécialité",
                          code="invalid_expert")
    plan = networks.route(session, patient, specialty, protocol_id=protocol_id, geo=geo)
    routed = [named_expert_id] if named_expert_id is not None else plan.practitioner_ids
    routed = [p for p in routed if p != actor.practitioner_id]
    if not routed:
        raise Invalid("aucun expert de cette spécialité n'est inscrit", code="no_expert")
    req = ExpertiseRequest(
        patient_id=patient_id, requester_account_id=actor.account_id,
        requester_practitioner_id=actor.practitioner_id if actor.role == "practitioner"
        else None, requester_staff_id=actor.staff_id if actor.role == "nurse" else None,
        specialty=specialty, named_expert_id=named_expert_id, routed_to=routed,
        network_id=plan.network_id, protocol_id=plan.protocol_id, question=question.strip(),
        context=(context or "").strip() or None, consent_at=now,
        consent_how=(consent_how or "oral, recueilli par le requérant").strip()[:200],
        status="sent", created_at=now, due_at=now + timedelta(days=answer_days))
    session.add(req)
    session.flush()
    record(session, actor, "create", ENTITY, req.id, patient_id=patient_id,
           purpose="demande de téléexpertise")
    if checked:
        _store(session, actor, req, checked, store)
    return req


def add_attachments(session: Session, actor: Actor, request_id: int,
                    uploads: Iterable[Upload], store: files.Store,
                    max_bytes: int = files.MAX_BYTES) -> list[ExpertiseAttachment]:
    req = _load(session, actor, request_id, "ajout de pièce jointe")
    if not is_requester(actor, req):
        raise Forbidden("seul le requérant ajoute des pièces", code="forbidden")
    if req.status != "sent":
        raise Conflict("l'avis est déjà rendu", code="already_answered")
    checked = check_uploads(uploads, max_bytes, already=len(req.attachments))
    if not checked:
        raise Invalid("aucun fichier reçu", code="attachment_required")
    return _store(session, actor, req, checked, store)


def read_attachment(session: Session, actor: Actor, request_id: int, attachment_id: int,
                    store: files.Store) -> tuple[ExpertiseAttachment, bytes]:
    req = _load(session, actor, request_id, "lecture de pièce jointe")
    att = session.get(ExpertiseAttachment, attachment_id)
    if att is None or att.request_id != req.id:
        raise _not_found(session, actor, request_id, req.patient_id, "lecture de pièce jointe")
    record(session, actor, "read", "ExpertiseAttachment", att.id, patient_id=req.patient_id,
           purpose="lecture de pièce jointe de téléexpertise")
    return att, store.get(att.storage_key)


@dataclass(frozen=True)
class QueueLine:
    request: ExpertiseRequest
    waited: timedelta
    left: timedelta  # negative: late

    @property
    def late(self) -> bool:
        return self.left < timedelta(0)


def queue(session: Session, actor: Actor, *, specialty: str | None = None,
          now: datetime | None = None) -> list[QueueLine]:
    """Open requests the expert may take or has taken, oldest first."""
    if actor.role != "practitioner" or actor.practitioner_id is None:
        raise NotFound("file introuvable", code="not_found")
    now = now or utcnow()
    stmt = select(ExpertiseRequest).where(ExpertiseRequest.status == "sent")
    if specialty:
        stmt = stmt.where(ExpertiseRequest.specialty == specialty)
    rows = [r for r in session.scalars(stmt.order_by(ExpertiseRequest.created_at,
                                                     ExpertiseRequest.id)) if is_expert(actor, r)]
    for r in rows:
        record(session, actor, "search", ENTITY, r.id, patient_id=r.patient_id,
               purpose="file de téléexpertise")
    return [QueueLine(r, now - r.created_at, r.due_at - now) for r in rows]


def _year_count(session: Session, code: str, patient_id: int, year: int, *,
                practitioner_id: int | None, staff_id: int | None) -> int:
    start, end = datetime(year, 1, 1).date(), datetime(year + 1, 1, 1).date()
    who = (ExpertiseAct.practitioner_id == practitioner_id if practitioner_id is not None
           else ExpertiseAct.staff_id == staff_id)
    return int(session.scalar(select(func.count(ExpertiseAct.id)).where(
        ExpertiseAct.code == code, ExpertiseAct.patient_id == patient_id, who,
        ExpertiseAct.billable.is_(True), ExpertiseAct.act_date >= start,
        ExpertiseAct.act_date < end)) or 0)


def _bill(session: Session, req: ExpertiseRequest, code: str, day, *,
          practitioner_id: int | None, staff_id: int | None) -> ExpertiseAct:
    done = _year_count(session, code, req.patient_id, day.year,
                       practitioner_id=practitioner_id, staff_id=staff_id)
    b = bill_act(code, day, done)
    act = ExpertiseAct(request_id=req.id, code=code, patient_id=req.patient_id,
                       practitioner_id=practitioner_id, staff_id=staff_id, act_date=day,
                       amount_cents=b.amount_cents, amo_cents=b.amo_cents,
                       patient_cents=b.patient_cents, billable=b.billable, reason=b.reason,
                       source=b.source[:500])
    session.add(act)
    return act


def answer(session: Session, actor: Actor, request_id: int, *, text: str,
           recommendation: str, now: datetime | None = None) -> ExpertiseRequest:
    """The expert's opinion; bills TE2 (expert) and RQD (requester) on the answer's day."""
    now = now or utcnow()
    req = _load(session, actor, request_id, "avis de téléexpertise")
    if not is_expert(actor, req):
        raise Forbidden("seul l'expert sollicité rend l'avis", code="forbidden")
    if req.status != "sent":
        raise Conflict("l'avis est déjà rendu", code="already_answered")
    if recommendation not in RECOMMENDATIONS:
        raise Invalid("recommandation attendue : none, teleconsultation, in_person ou urgent",
                      code="invalid_recommendation")
    if not (text or "").strip():
        raise Invalid("rédigez l'avis", code="answer_required")
    req.expert_id, req.status = actor.practitioner_id, "answered"
    req.answer_text, req.recommendation, req.answered_at = text.strip(), recommendation, now
    day = now.astimezone(PARIS).date()
    _bill(session, req, "TE2", day, practitioner_id=actor.practitioner_id, staff_id=None)
    _bill(session, req, "RQD", day, practitioner_id=req.requester_practitioner_id,
          staff_id=req.requester_staff_id if req.requester_practitioner_id is None else None)
    session.flush()
    record(session, actor, "update", ENTITY, req.id, patient_id=req.patient_id,
           purpose="avis de téléexpertise")
    return req


def acts(session: Session, req: ExpertiseRequest) -> list[ExpertiseAct]:
    return list(session.scalars(select(ExpertiseAct).where(ExpertiseAct.request_id == req.id)
                                .order_by(ExpertiseAct.code.desc())))


def sent_by(session: Session, actor: Actor) -> list[ExpertiseRequest]:
    """The requester's requests, or the patient's own and their relatives', newest first."""
    stmt = select(ExpertiseRequest).order_by(ExpertiseRequest.created_at.desc())
    if actor.role == "patient":
        stmt = stmt.where(ExpertiseRequest.patient_id.in_(represented_ids(session, actor)))
    elif actor.role == "practitioner":
        stmt = stmt.where(or_(ExpertiseRequest.requester_practitioner_id == actor.practitioner_id,
                              ExpertiseRequest.expert_id == actor.practitioner_id))
    elif actor.role == "nurse":
        stmt = stmt.where(ExpertiseRequest.requester_staff_id == actor.staff_id)
    else:
        return []
    rows = list(session.scalars(stmt.limit(200)))
    for r in rows:
        record(session, actor, "search", ENTITY, r.id, patient_id=r.patient_id,
               purpose="mes téléexpertises")
    return rows


def in_person_options(session: Session, actor: Actor, request_id: int, *,
                      now: datetime | None = None, geo=None, partners=()) -> list:
    """After « consultation en présentiel »: the finder's in-person options near home."""
    req = get(session, actor, request_id, "créneaux proposés après téléexpertise")
    if req.recommendation not in ("in_person", "urgent"):
        return []
    patient = session.get(Patient, req.patient_id)
    answer_ = find_care(session, patient.commune_code, req.specialty, patient=patient,
                        now=now or utcnow(), geo=geo, partners=partners)
    options = [o for o in answer_.options if o.mode == "in_person"]
    if req.expert_id is not None:  # the expert's own agenda first
        options.sort(key=lambda o: (o.practitioner_id != req.expert_id, o.rank))
    return options


def book(session: Session, actor: Actor, request_id: int, slot_id: int, *,
         now: datetime | None = None):
    """Book the proposed in-person slot for the patient (the patient or a party)."""
    req = get(session, actor, request_id, "prise de rendez-vous après téléexpertise")
    if req.recommendation not in ("in_person", "urgent"):
        raise Invalid("l'avis ne propose pas de consultation en présentiel",
                      code="no_in_person")
    if req.appointment_id is not None:
        raise Conflict("un rendez-vous est déjà pris pour cette demande", code="already_booked")
    slot = session.get(Slot, slot_id)
    if slot is None or slot.specialty != req.specialty or slot.mode != "in_person":
        raise Invalid("ce créneau ne correspond pas à la spécialité demandée",
                      code="slot_mismatch")
    # Requester and expert may book: teleexpertise.access makes the patient theirs.
    appointment = booking.book(session, actor, slot_id=slot_id, patient_id=req.patient_id,
                               reason=f"Après téléexpertise ({SPECIALTIES[req.specialty]})",
                               now=now)
    req.appointment_id = appointment.id
    session.flush()
    return appointment


def patients_for_requester(session: Session, actor: Actor, limit: int = 200) -> list[Patient]:
    """Patients the professional may ask about: their médecin-traitant patients and those
    they (or, for a nurse, their site) have seen or booked."""
    if actor.role == "practitioner" and actor.practitioner_id is not None:
        seen = select(Appointment.patient_id).where(
            Appointment.practitioner_id == actor.practitioner_id)
        stmt = select(Patient).where(or_(Patient.gp_id == actor.practitioner_id,
                                         Patient.id.in_(seen)))
    elif actor.role == "nurse" and actor.location_id is not None:
        stmt = select(Patient).where(Patient.id.in_(select(Appointment.patient_id).where(
            Appointment.location_id == actor.location_id)))
    else:
        return []
    return list(session.scalars(stmt.order_by(Patient.family_name, Patient.given_name)
                                .limit(limit)))
