"""The outbox: every message Oasis sends is stored first, so nothing is lost without SMTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow


class OutboxMessage(Base):
    """One e-mail (or SMS): ``status`` stored (no transport), sent, or failed."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str | None] = mapped_column(String(60), index=True)  # "reminder:12": once
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="stored")
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
