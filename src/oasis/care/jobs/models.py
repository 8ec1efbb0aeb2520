"""What the background jobs keep: the notification outbox and the France Santé labels.

The outbox is also the jobs' memory of what was already said: one row per (kind, ref),
unique in the database, so a reminder is queued once however often (and by however many
workers) the job runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow


class JobMessage(Base):
    """A message to a patient (confirmation, reminder, waiting-list offer)."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(60))  # "appointment:12", "waitlist:3:slot:7"
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(30))

    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_outbox_message_kind_ref"),
        Index("ix_outbox_message_pending", "delivered_at", "id"),
    )


class LabelSnapshot(Base):
    """The last France Santé label check of a site, recomputed nightly."""

    __tablename__ = "label_snapshot"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             primary_key=True)
    eligible: Mapped[bool]
    failing: Mapped[list[str]] = mapped_column(JSON, default=list)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
