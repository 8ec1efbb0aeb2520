"""FHIR Appointment and Oasis's waiting list.

Start, end, practitioner and site are copied from the slot onto the appointment so
the database itself can refuse two active appointments on one slot (partial unique
index) and two overlapping appointments for one practitioner (exclusion constraint on
PostgreSQL, trigger on SQLite); see the first migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import (
    ACTIVE_APPOINTMENT_STATUSES,
    APPOINTMENT_STATUSES,
    MODES,
    SPECIALTIES,
    WAITLIST_STATUSES,
    check_in,
)

ACTIVE_WHERE = check_in("status", ACTIVE_APPOINTMENT_STATUSES)


class Appointment(Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="RESTRICT"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(10))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="booked")
    reason: Mapped[str | None] = mapped_column(Text)
    booked_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    rescheduled_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"))

    slot = relationship("Slot")
    patient = relationship("Patient")
    practitioner = relationship("Practitioner")
    location = relationship("Location")

    __table_args__ = (
        CheckConstraint(check_in("status", APPOINTMENT_STATUSES), name="status"),
        CheckConstraint(check_in("mode", MODES), name="mode"),
        CheckConstraint("start_at < end_at", name="interval"),
        Index("uq_appointment_active_slot", "slot_id", unique=True,
              sqlite_where=text(ACTIVE_WHERE), postgresql_where=text(ACTIVE_WHERE)),
        Index("ix_appointment_practitioner_start", "practitioner_id", "start_at"),
    )


class WaitlistEntry(Base):
    """A patient waiting for an earlier slot; freed matching slots are offered first."""

    __tablename__ = "waitlist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    specialty: Mapped[str] = mapped_column(String(30))
    practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id",
                                                               ondelete="CASCADE"))
    mode: Mapped[str | None] = mapped_column(String(10))
    not_before: Mapped[datetime | None]
    not_after: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    offered_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot.id", ondelete="SET NULL"))
    offer_expires_at: Mapped[datetime | None]
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(check_in("status", WAITLIST_STATUSES), name="status"),
        CheckConstraint(check_in("specialty", SPECIALTIES), name="specialty"),
        CheckConstraint(f"mode IS NULL OR {check_in('mode', MODES)}", name="mode"),
        Index("ix_waitlist_entry_status_created", "status", "created_at"),
    )
