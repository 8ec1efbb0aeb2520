"""Counters the rules need across acts: participations paid, a doctor's teleconsultations.

* :class:`ParticipationDay` — participation forfaitaire charged to one patient by one doctor
  on one day (the daily cap is per professional), and :class:`ParticipationYear` — charged
  to one patient in a calendar year (the yearly cap).  Rows are written only through
  :mod:`oasis.care.billing.counters`, which reads and increments them under a per-patient
  lock, so two acts closed at the same time can never both use the last euro of a cap.
* :class:`TeleconsultationYear` — a doctor's teleconsultations of a calendar year, split
  into those that count towards the yearly share cap and those for patients of whom the
  doctor is the médecin traitant (excluded by the 2024 convention).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow


class ParticipationDay(Base):
    __tablename__ = "participation_day"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("amount_cents >= 0", name="non_negative"),)


class ParticipationYear(Base):
    __tablename__ = "participation_year"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("amount_cents >= 0", name="non_negative"),)


class TeleconsultationYear(Base):
    __tablename__ = "teleconsultation_year"

    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    counted: Mapped[int] = mapped_column(Integer, default=0)  # towards the share cap
    own_patients: Mapped[int] = mapped_column(Integer, default=0)  # médecin traitant's
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("counted >= 0 AND own_patients >= 0",
                                      name="non_negative"),)
