"""Persistence of « Un médecin près de chez vous »: priority zones, mission sites, days.

The cap of :data:`~oasis.care.programmes.missions.MAX_DAYS_PER_MONTH` active days per
doctor and calendar month, across all sites, is enforced by the database itself (see
migration ``0004_programmes``: a trigger that takes a per-doctor advisory lock on
PostgreSQL, a trigger on SQLite whose writers are serialised by ``BEGIN IMMEDIATE``), so
two sign-ups racing in parallel requests cannot both become the third day.  A partial
unique index refuses two active days on the same date for one doctor.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import check_in
from oasis.care.programmes.missions import ACTIVE_DAY_STATUSES, DAY_STATUSES

ZONE_SOURCES = ("ranking", "manual")
DAY_SOURCES = ("volunteer", "coordinator", "optimiser")
ACTIVE_DAY_WHERE = check_in("status", ACTIVE_DAY_STATUSES)


class PriorityZone(Base):
    """An EPCI where volunteer doctors are sent; pre-filled from the priority ranking."""

    __tablename__ = "programme_priority_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    epci: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint(check_in("source", ZONE_SOURCES), name="source"),)


class MissionSite(Base):
    """A care site in a priority zone, equipped and staffed with medical assistants."""

    __tablename__ = "programme_mission_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             unique=True)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("programme_priority_zone.id", ondelete="RESTRICT"), index=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    location = relationship("Location")
    zone: Mapped[PriorityZone] = relationship()

    __table_args__ = (CheckConstraint("slot_minutes BETWEEN 10 AND 60", name="slot_minutes"),)


class MissionDay(Base):
    """One doctor's day at a mission site; its slots are ordinary in-person slots."""

    __tablename__ = "programme_mission_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    mission_site_id: Mapped[int] = mapped_column(
        ForeignKey("programme_mission_site.id", ondelete="RESTRICT"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule.id", ondelete="SET NULL"))
    # Who sees the doctor's own patients that day (remplaçant): recorded, not checked.
    replacement_name: Mapped[str | None] = mapped_column(String(200))
    replacement_rpps: Mapped[str | None] = mapped_column(String(11))
    replacement_note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12), default="volunteer")
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]  # when marked completed / not done

    practitioner = relationship("Practitioner")
    mission_site: Mapped[MissionSite] = relationship()

    __table_args__ = (
        CheckConstraint(check_in("status", DAY_STATUSES), name="status"),
        CheckConstraint(check_in("source", DAY_SOURCES), name="source"),
        Index("uq_mission_day_active_doctor_day", "practitioner_id", "day", unique=True,
              sqlite_where=text(ACTIVE_DAY_WHERE), postgresql_where=text(ACTIVE_DAY_WHERE)),
        Index("ix_mission_day_site_day", "mission_site_id", "day"),
    )
