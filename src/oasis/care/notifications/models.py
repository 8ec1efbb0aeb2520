"""The outbox: every message Oasis sends is stored first, so nothing is lost without SMTP.

One table for every message (account notices, appointment messages, waiting-list offers,
« le médecin est prêt »).  ``(kind, ref)`` is unique in the database: a message about one
thing (``ref`` = "appointment:12", "waitlist:3:slot:7", "queue:5") is queued once however
often, and by however many workers, the code that queues it runs.  Messages without a
``ref`` (an account notice, which may rightly be sent again) are not deduplicated: both
SQLite and PostgreSQL let NULLs repeat in a unique constraint.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import check_in

CHANNELS = ("email", "sms")
STATUSES = ("stored", "sent", "failed")


class OutboxMessage(Base):
    """One e-mail or SMS: ``status`` stored (not handed over yet), sent, or failed."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str | None] = mapped_column(String(80))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id", ondelete="SET NULL"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(200), index=True)  # address or phone
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="stored")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_outbox_kind_ref"),
        Index("ix_outbox_pending", "status", "id"),
        CheckConstraint(check_in("channel", CHANNELS), name="channel"),
        CheckConstraint(check_in("status", STATUSES), name="status"),
    )
