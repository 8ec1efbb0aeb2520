"""Audit log queries for coordinators and admins; read-only by design (no PUT/DELETE)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from oasis.care.audit.service import AuditQuery, record, search
from oasis.care.core.actor import Actor
from oasis.web.api.schemas.care import ORM, page_of
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import Id, Instant, PageDep, SessionDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditOut(ORM):
    id: int
    recorded_at: datetime
    account_id: Id | None
    role: str | None
    action: str
    entity_type: str
    entity_id: str | None
    patient_id: Id | None
    purpose: str
    outcome: str


@router.get("", response_model=page_of(AuditOut),
            summary="Journal d'audit des accès aux données de santé")
def audit_log(session: SessionDep, page: PageDep,
              actor: Annotated[Actor, Depends(require_role("coordinator", "admin"))],
              patient_id: Id | None = None, account_id: Id | None = None,
              entity_type: str | None = None, action: str | None = None,
              outcome: str | None = None, since: Instant | None = None,
              until: Instant | None = None) -> dict:
    since, until = (d.replace(tzinfo=UTC) if d and d.tzinfo is None else d
                    for d in (since, until))
    q = AuditQuery(patient_id=patient_id, account_id=account_id, entity_type=entity_type,
                   action=action, outcome=outcome, since=since, until=until)
    rows, total = search(session, q, page.per_page, page.offset)
    items = [AuditOut.model_validate(e) for e in rows]
    record(session, actor, "search", "AuditEvent", None, patient_id=patient_id,
           purpose="consultation du journal d'audit")
    session.commit()
    return page.wrap(items, total)
