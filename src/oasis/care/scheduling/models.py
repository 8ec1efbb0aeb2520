"""FHIR Schedule and Slot, with Oasis's weekly availability and exceptions.

A :class:`Schedule` is one practitioner at one site in one mode (in person, video,
phone); its :class:`AvailableTime` rows are weekly local wall-clock intervals and its
:class:`ScheduleException` rows absolute UTC ranges (holidays, absences).  Slots are
materialised ahead of time so that search is a plain indexed query; the practitioner,
site, mode and specialty are copied onto each slot for that reason.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import MODES, SLOT_STATUSES, check_in


class Schedule(Base):
    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             index=True)
    mode: Mapped[str] = mapped_column(String(10), default="in_person")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    available_times: Mapped[list[AvailableTime]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan",
        order_by="(AvailableTime.weekday, AvailableTime.start_time)")
    exceptions: Mapped[list[ScheduleException]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(check_in("mode", MODES), name="mode"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes"),
        UniqueConstraint("practitioner_id", "location_id", "mode", name="uq_schedule_role_mode"),
    )


class AvailableTime(Base):
    """Weekly recurring availability: weekday 0 = Monday, local Europe/Paris times."""

    __tablename__ = "schedule_available_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"),
                                             index=True)
    weekday: Mapped[int]
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    schedule: Mapped[Schedule] = relationship(back_populates="available_times")

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_time < end_time", name="interval"),
    )


class ScheduleException(Base):
    """A period without availability (holiday, absence, training), in absolute time."""

    __tablename__ = "schedule_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"),
                                             index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200))

    schedule: Mapped[Schedule] = relationship(back_populates="exceptions")

    __table_args__ = (CheckConstraint("start_at < end_at", name="interval"),)


class Slot(Base):
    __tablename__ = "slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(10))
    specialty: Mapped[str] = mapped_column(String(30))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="free")
    # Waiting-list offer: the slot is held (busy-tentative) for this entry until expiry.
    held_for_waitlist_id: Mapped[int | None] = mapped_column(
        ForeignKey("waitlist_entry.id", ondelete="SET NULL", use_alter=True))
    held_until: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(check_in("status", SLOT_STATUSES), name="status"),
        CheckConstraint(check_in("mode", MODES), name="mode"),
        CheckConstraint("start_at < end_at", name="interval"),
        UniqueConstraint("schedule_id", "start_at", name="uq_slot_schedule_start"),
        # Search: free slots at a set of sites in a time window, earliest first.
        Index("ix_slot_location_start", "location_id", "start_at"),
        Index("ix_slot_specialty_start", "specialty", "start_at"),
        # The search query: free slots of a specialty and mode, earliest first; only
        # free slots are indexed so the index stays small as bookings fill the agenda.
        Index("ix_slot_free_search", "specialty", "mode", "start_at", "location_id",
              postgresql_where=text("status = 'free'"), sqlite_where=text("status = 'free'")),
    )
