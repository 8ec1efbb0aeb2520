"""What the background jobs keep besides the outbox: the France Santé label snapshots.

The jobs' messages live in the one outbox (:mod:`oasis.care.notifications.models`),
whose unique ``(kind, ref)`` is their memory of what was already said.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow


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
