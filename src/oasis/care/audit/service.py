"""Record and query audit events; there is deliberately no update or delete function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oasis.care.audit.models import AuditEvent
from oasis.care.core.actor import Actor


def record(session: Session, actor: Actor, action: str, entity_type: str,
           entity_id: object = None, *, patient_id: int | None = None, purpose: str,
           outcome: str = "success", source: str | None = None) -> AuditEvent:
    """Add one event to the session; it commits (or not) with the access it describes."""
    event = AuditEvent(account_id=actor.account_id, role=actor.role, action=action,
                       entity_type=entity_type,
                       entity_id=None if entity_id is None else str(entity_id),
                       patient_id=patient_id, purpose=purpose[:200], outcome=outcome,
                       source=source)
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditQuery:
    patient_id: int | None = None
    account_id: int | None = None
    entity_type: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(session: Session, q: AuditQuery, limit: int = 50,
           offset: int = 0) -> tuple[list[AuditEvent], int]:
    """Most recent first; returns one page and the total count."""
    stmt = select(AuditEvent)
    for column, value in ((AuditEvent.patient_id, q.patient_id),
                          (AuditEvent.account_id, q.account_id),
                          (AuditEvent.entity_type, q.entity_type),
                          (AuditEvent.action, q.action), (AuditEvent.outcome, q.outcome)):
        if value is not None:
            stmt = stmt.where(column == value)
    if q.since is not None:
        stmt = stmt.where(AuditEvent.recorded_at >= q.since)
    if q.until is not None:
        stmt = stmt.where(AuditEvent.recorded_at < q.until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditEvent.recorded_at.desc(), AuditEvent.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), int(total)
