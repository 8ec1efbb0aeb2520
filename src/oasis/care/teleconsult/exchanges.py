"""What the parties of a teleconsultation exchange besides voice and video: photos and
documents (before the call, from the queue, or during it) and the text chat of the call.

Parties, and only they, see these: the patient, the consulting doctor and the ETT nurse
of the session (before the call: the patient and the nurse of the queue entry).  Anyone
else — the patient's médecin traitant, a coordinator, another doctor — gets the same
404 as for a file that does not exist, and the refusal is audited like every read.

Files follow the one rule of :mod:`oasis.care.teleexpertise.attachments` (type by
content, size limit, random key in a store outside the web root); only the HTTP status
of an oversized file differs: :class:`~oasis.care.core.errors.TooLarge` (413).

Chat text is kept as typed — bounded by :data:`MAX_MESSAGE`, control characters
removed — and escaped wherever it is shown, never cleaned into HTML here.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.core.access import speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Conflict, Invalid, NotFound, TooLarge
from oasis.care.teleconsult.encounters import display_name, is_participant, participant_id
from oasis.care.teleconsult.models import (
    BillingStatement,
    Encounter,
    EncounterAttachment,
    EncounterMessage,
    MedicationRequest,
    QueueEntry,
    ServiceRequest,
)
from oasis.care.teleconsult.prescriptions import list_for_encounter
from oasis.care.teleexpertise import attachments as files

MAX_BYTES = files.MAX_BYTES  # one limit for every attachment of the platform (10 Mio)
MAX_ATTACHMENTS = 20  # Oasis parameter: per consultation, queue and call together
MAX_MESSAGE = 2000  # characters of one chat line
MAX_MESSAGES = 500  # lines of one consultation's chat
ENTITY = "EncounterAttachment"
ROLES = {"patient": "patient", "practitioner": "doctor", "nurse": "nurse"}


def check_file(filename: str | None, data: bytes, max_bytes: int = MAX_BYTES
               ) -> files.CheckedFile:
    """The shared content check; an oversized file is a 413, not a 422."""
    try:
        return files.check(filename, data, max_bytes)
    except Invalid as exc:
        if exc.code == "attachment_too_large":
            raise TooLarge(exc.message, code=exc.code) from exc
        raise


def attachment_url(attachment_id: int) -> str:
    return f"/api/v1/teleconsult/attachments/{attachment_id}"


# ------------------------------------------------------------------------------ parties
def _entry_party(session: Session, actor: Actor, entry: QueueEntry) -> bool:
    return ((actor.role == "patient" and speaks_for(session, actor, entry.patient_id))
            or (actor.role == "nurse" and entry.nurse_staff_id is not None
                and actor.staff_id == entry.nurse_staff_id))


def _denied(session: Session, actor: Actor, action: str, entity: str, entity_id,
            patient_id: int | None, purpose: str) -> NotFound:
    record(session, actor, action, entity, entity_id, patient_id=patient_id, purpose=purpose,
           outcome="denied")
    session.commit()
    return NotFound("consultation introuvable", code="not_found")


def party_encounter(session: Session, actor: Actor, encounter_id: int, purpose: str,
                    action: str = "read") -> Encounter:
    """The encounter if ``actor`` is one of its parties; 404 otherwise (audited)."""
    encounter = session.get(Encounter, encounter_id)
    if encounter is None or not is_participant(session, actor, encounter):
        raise _denied(session, actor, action, "Encounter", encounter_id,
                      encounter.patient_id if encounter else None, purpose)
    return encounter


def _sender(session: Session, actor: Actor) -> tuple[str, str, str]:
    return participant_id(actor), ROLES[actor.role], display_name(session, actor)[:100]


# ---------------------------------------------------------------------------- files
def _count(session: Session, encounter_id: int | None, entry_id: int | None) -> int:
    clauses = []
    if encounter_id is not None:
        clauses.append(EncounterAttachment.encounter_id == encounter_id)
    if entry_id is not None:
        clauses.append(EncounterAttachment.queue_entry_id == entry_id)
    return session.scalar(select(func.count()).select_from(EncounterAttachment)
                          .where(or_(*clauses))) or 0


def _store_file(session: Session, actor: Actor, store: files.Store, checked: files.CheckedFile,
                *, patient_id: int, encounter_id: int | None, entry_id: int | None,
                now: datetime) -> EncounterAttachment:
    sender, role, name = _sender(session, actor)
    key = store.put(checked.data)
    row = EncounterAttachment(encounter_id=encounter_id, queue_entry_id=entry_id,
                              patient_id=patient_id, filename=checked.filename,
                              content_type=checked.content_type, size_bytes=len(checked.data),
                              sha256=checked.sha256, storage_key=key, sender=sender,
                              sender_role=role, sender_name=name, created_at=now)
    session.add(row)
    try:
        session.flush()
    except Exception:
        store.delete(key)
        raise
    record(session, actor, "create", ENTITY, row.id, patient_id=patient_id,
           purpose="pièce jointe de téléconsultation")
    return row


def attach_to_queue(session: Session, actor: Actor, entry_id: int, filename: str | None,
                    data: bytes, store: files.Store, max_bytes: int = MAX_BYTES,
                    now: datetime | None = None) -> EncounterAttachment:
    """A file sent while waiting; the doctor who takes the patient will see it."""
    entry = session.get(QueueEntry, entry_id)
    if entry is None or not _entry_party(session, actor, entry):
        raise _denied(session, actor, "create", ENTITY, None,
                      entry.patient_id if entry else None, "pièce jointe depuis la file")
    if entry.status != "waiting":
        raise Conflict("cette demande n'est plus en attente", code="not_waiting")
    checked = check_file(filename, data, max_bytes)
    if _count(session, None, entry.id) >= MAX_ATTACHMENTS:
        raise Invalid(f"au plus {MAX_ATTACHMENTS} pièces jointes par consultation",
                      code="too_many_attachments")
    return _store_file(session, actor, store, checked, patient_id=entry.patient_id,
                       encounter_id=None, entry_id=entry.id, now=now or utcnow())


def attach_to_encounter(session: Session, actor: Actor, encounter_id: int,
                        filename: str | None, data: bytes, store: files.Store,
                        max_bytes: int = MAX_BYTES, now: datetime | None = None
                        ) -> tuple[EncounterAttachment, EncounterMessage]:
    """A file sent during the call: stored, and announced in the chat."""
    now = now or utcnow()
    encounter = party_encounter(session, actor, encounter_id, "pièce jointe pendant l'appel",
                                "create")
    if encounter.status != "in-progress":
        raise Conflict("la consultation est close", code="encounter_closed")
    checked = check_file(filename, data, max_bytes)
    if _count(session, encounter.id, encounter.queue_entry_id) >= MAX_ATTACHMENTS:
        raise Invalid(f"au plus {MAX_ATTACHMENTS} pièces jointes par consultation",
                      code="too_many_attachments")
    row = _store_file(session, actor, store, checked, patient_id=encounter.patient_id,
                      encounter_id=encounter.id, entry_id=None, now=now)
    message = _add(session, encounter, event_id=uuid.uuid4().hex, sender=row.sender,
                   role=row.sender_role, name=row.sender_name, text="", attachment_id=row.id,
                   sent_at=now)
    return row, message


def attach_queue_files(session: Session, entry_id: int, encounter: Encounter) -> None:
    """At take-over: the files sent from the queue become the consultation's, each
    announced in the chat at the time it was sent (called by ``queue.take_next``)."""
    rows = list(session.scalars(select(EncounterAttachment).where(
        EncounterAttachment.queue_entry_id == entry_id,
        EncounterAttachment.encounter_id.is_(None)).order_by(EncounterAttachment.id)))
    if not rows:
        return
    session.execute(update(EncounterAttachment).where(
        EncounterAttachment.id.in_([r.id for r in rows]))
        .values(encounter_id=encounter.id).execution_options(synchronize_session="fetch"))
    for r in rows:
        _add(session, encounter, event_id=uuid.uuid4().hex, sender=r.sender,
             role=r.sender_role, name=r.sender_name, text="", attachment_id=r.id,
             sent_at=r.created_at)


def discard_files(session: Session, store: files.Store) -> None:
    """Remove the files of attachments added in this (failed) session."""
    for obj in session.new:
        if isinstance(obj, EncounterAttachment) and obj.storage_key:
            store.delete(obj.storage_key)


def _readable(session: Session, actor: Actor, row: EncounterAttachment) -> bool:
    if row.encounter_id is not None:
        encounter = session.get(Encounter, row.encounter_id)
        return encounter is not None and is_participant(session, actor, encounter)
    entry = session.get(QueueEntry, row.queue_entry_id) if row.queue_entry_id else None
    return entry is not None and _entry_party(session, actor, entry)


def read_attachment(session: Session, actor: Actor, attachment_id: int, store: files.Store
                    ) -> tuple[EncounterAttachment, bytes]:
    """The file for a party of its consultation (audited); 404 for anyone else."""
    row = session.get(EncounterAttachment, attachment_id)
    if row is None or not _readable(session, actor, row):
        raise _denied(session, actor, "read", ENTITY, attachment_id,
                      row.patient_id if row else None, "lecture de pièce jointe")
    record(session, actor, "read", ENTITY, row.id, patient_id=row.patient_id,
           purpose="lecture de pièce jointe de téléconsultation")
    return row, store.get(row.storage_key)


def attachments_of(session: Session, encounter_id: int) -> list[EncounterAttachment]:
    """The consultation's files, oldest first (callers have checked access)."""
    return list(session.scalars(select(EncounterAttachment).where(
        EncounterAttachment.encounter_id == encounter_id).order_by(EncounterAttachment.id)))


def queue_attachments(session: Session, actor: Actor, entry_id: int
                      ) -> list[EncounterAttachment]:
    entry = session.get(QueueEntry, entry_id)
    if entry is None or not _entry_party(session, actor, entry):
        raise _denied(session, actor, "search", ENTITY, None,
                      entry.patient_id if entry else None, "pièces jointes de la file")
    rows = list(session.scalars(select(EncounterAttachment).where(
        EncounterAttachment.queue_entry_id == entry_id).order_by(EncounterAttachment.id)))
    record(session, actor, "search", ENTITY, None, patient_id=entry.patient_id,
           purpose="pièces jointes de la file")
    return rows


# ----------------------------------------------------------------------------- chat
def clean_text(text: Any) -> str:
    """The line as typed, without control characters (newlines and tabs kept); Invalid
    when empty or longer than :data:`MAX_MESSAGE`."""
    if not isinstance(text, str):
        raise Invalid("message illisible", code="invalid_message")
    kept = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    kept = kept.strip()
    if not kept:
        raise Invalid("message vide", code="empty_message")
    if len(kept) > MAX_MESSAGE:
        raise Invalid(f"message trop long ({len(kept)} caractères, {MAX_MESSAGE} au plus)",
                      code="message_too_long")
    return kept


def _add(session: Session, encounter: Encounter, *, event_id: str, sender: str, role: str,
         name: str, text: str, attachment_id: int | None, sent_at: datetime
         ) -> EncounterMessage:
    count = session.scalar(select(func.count()).select_from(EncounterMessage).where(
        EncounterMessage.encounter_id == encounter.id)) or 0
    if count >= MAX_MESSAGES:
        raise Invalid(f"au plus {MAX_MESSAGES} messages par consultation",
                      code="too_many_messages")
    row = EncounterMessage(encounter_id=encounter.id, event_id=event_id, sender=sender,
                           sender_role=role, sender_name=name[:100], text=text,
                           attachment_id=attachment_id, sent_at=sent_at)
    session.add(row)
    session.flush()
    return row


def add_message(session: Session, actor: Actor, *, encounter: Encounter, event_id: str,
                text: str, participant: str, role: str, name: str, sent_at: datetime
                ) -> EncounterMessage:
    """Persist one chat line of the call (idempotent on ``event_id``; audited)."""
    if encounter.status != "in-progress":
        raise Conflict("la consultation est close", code="encounter_closed")
    existing = session.scalar(select(EncounterMessage).where(
        EncounterMessage.event_id == event_id))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            row = _add(session, encounter, event_id=event_id, sender=participant, role=role,
                       name=name, text=clean_text(text), attachment_id=None, sent_at=sent_at)
    except IntegrityError:
        return session.scalar(select(EncounterMessage).where(
            EncounterMessage.event_id == event_id))
    record(session, actor, "create", "EncounterMessage", row.id,
           patient_id=encounter.patient_id, purpose="message pendant la téléconsultation",
           source=participant)
    return row


def post_message(session: Session, actor: Actor, encounter_id: int, text: str,
                 now: datetime | None = None) -> EncounterMessage:
    """The REST path for a chat line (the call page uses the websocket)."""
    encounter = party_encounter(session, actor, encounter_id, "message pendant l'appel",
                                "create")
    sender, role, name = _sender(session, actor)
    return add_message(session, actor, encounter=encounter, event_id=uuid.uuid4().hex,
                       text=text, participant=sender, role=role, name=name,
                       sent_at=now or utcnow())


def messages_of(session: Session, encounter_id: int) -> list[EncounterMessage]:
    """The chat, oldest first (callers have checked access)."""
    return list(session.scalars(select(EncounterMessage).where(
        EncounterMessage.encounter_id == encounter_id)
        .order_by(EncounterMessage.sent_at, EncounterMessage.id)))


def read_messages(session: Session, actor: Actor, encounter_id: int
                  ) -> list[EncounterMessage]:
    encounter = party_encounter(session, actor, encounter_id, "lecture du fil de l'appel")
    record(session, actor, "read", "EncounterMessage", None, patient_id=encounter.patient_id,
           purpose="lecture du fil de l'appel")
    return messages_of(session, encounter_id)


def message_dict(m: EncounterMessage, attachment: EncounterAttachment | None) -> dict:
    """The chat line as the call page and the API carry it."""
    return {"id": m.event_id, "from": {"id": m.sender, "role": m.sender_role,
                                       "name": m.sender_name},
            "text": m.text, "sent_at": m.sent_at.isoformat(),
            "attachment": attachment_dict(attachment) if attachment is not None else None}


def attachment_dict(a: EncounterAttachment) -> dict:
    return {"id": a.id, "filename": a.filename, "content_type": a.content_type,
            "size_bytes": a.size_bytes, "url": attachment_url(a.id),
            "from": {"id": a.sender, "role": a.sender_role, "name": a.sender_name},
            "created_at": a.created_at.isoformat()}


def chat_history(session: Session, encounter: Encounter) -> list[dict]:
    rows = messages_of(session, encounter.id)
    files_by_id = {a.id: a for a in attachments_of(session, encounter.id)}
    return [message_dict(m, files_by_id.get(m.attachment_id)) for m in rows]


# -------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class Summary:
    """What the patient takes away from the call (the end-of-call page): the documents
    exchanged, the prescriptions, the orientations and the feuille de soins as stored
    at closing by :func:`oasis.care.teleconsult.billing.bill_encounter` (None while the
    call is in progress)."""

    encounter: Encounter
    attachments: list[EncounterAttachment]
    messages: list[EncounterMessage]
    prescriptions: list[MedicationRequest]
    referrals: list[ServiceRequest]
    statement: BillingStatement | None


def summary(session: Session, actor: Actor, encounter_id: int) -> Summary:
    """The end-of-call summary for a party of the consultation (audited), else 404."""
    encounter = party_encounter(session, actor, encounter_id, "récapitulatif de fin d'appel")
    record(session, actor, "read", "Encounter", encounter.id, patient_id=encounter.patient_id,
           purpose="récapitulatif de fin d'appel")
    return Summary(
        encounter=encounter, attachments=attachments_of(session, encounter.id),
        messages=messages_of(session, encounter.id),
        prescriptions=list_for_encounter(session, encounter.id),
        referrals=list(session.scalars(select(ServiceRequest).where(
            ServiceRequest.encounter_id == encounter.id).order_by(ServiceRequest.id))),
        statement=session.scalar(select(BillingStatement).where(
            BillingStatement.encounter_id == encounter.id)))
