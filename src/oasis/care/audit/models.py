"""FHIR AuditEvent: who did what to which health record, when and why.

Rows are append-only: the API has no update or delete route, and the database refuses
UPDATE and DELETE with triggers on both SQLite and PostgreSQL (first migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow

AUDIT_ACTIONS = ("read", "create", "update", "delete", "search")


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id",
                                                              ondelete="RESTRICT"))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    source: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("action IN ('read', 'create', 'update', 'delete', 'search')",
                        name="action"),
        Index("ix_audit_event_account_recorded", "account_id", "recorded_at"),
    )
