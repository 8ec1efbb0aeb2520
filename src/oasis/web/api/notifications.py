"""The stored outbox, for admins: what was sent, kept or failed (no mail server needed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from oasis.care.audit.service import record
from oasis.care.core.actor import Actor
from oasis.care.notifications import service as notifications
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class OutboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    kind: str
    patient_id: int | None
    recipient: str
    subject: str
    body: str
    has_ics: bool
    status: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None


@router.get("/admin/outbox", response_model=list[OutboxOut],
            summary="Boîte d'envoi (messages envoyés, gardés ou en échec)")
def outbox(session: SessionDep, actor: Annotated[Actor, Depends(require_role("admin"))],
           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[OutboxOut]:
    rows = notifications.outbox(session, limit)
    for m in rows:  # a message names a patient and an appointment: personal data
        record(session, actor, "read", "OutboxMessage", m.id, patient_id=m.patient_id,
               purpose="lecture de la boîte d'envoi")
    session.commit()
    return [OutboxOut.model_validate({**{c: getattr(m, c) for c in (
        "id", "channel", "kind", "patient_id", "recipient", "subject", "body", "status",
        "attempts", "error", "created_at", "sent_at")}, "has_ics": bool(m.ics)}) for m in rows]
