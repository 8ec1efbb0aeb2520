"""FHIR Location with its hoursOfOperation, as Oasis sites."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import SITE_KINDS, check_in


class Location(Base):
    """A place where care is given: MSP, centre de santé, cabinet, hôpital, ETT."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    finess: Mapped[str | None] = mapped_column(String(9), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    nurse_present: Mapped[bool] = mapped_column(Boolean, default=False)
    sector1_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Participation in the service d'accès aux soins (France Santé criterion): the date it
    # was declared and what backs it (convention with the SAS, slots published…).
    sas_since: Mapped[date | None] = mapped_column(Date)
    sas_evidence: Mapped[str | None] = mapped_column(String(200))
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Directory page (issue 15): how to get in and how to pay — free text for the patient.
    access: Mapped[str | None] = mapped_column(String(300))  # entrée, étage, ascenseur
    parking: Mapped[str | None] = mapped_column(String(200))
    transport: Mapped[str | None] = mapped_column(String(200))  # bus, train, TAD
    payments: Mapped[list[str]] = mapped_column(JSON, default=list)  # vocab.PAYMENTS codes
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hours: Mapped[list[LocationHours]] = relationship(
        back_populates="location", cascade="all, delete-orphan",
        order_by="(LocationHours.weekday, LocationHours.opens)")

    __table_args__ = (CheckConstraint(check_in("kind", SITE_KINDS), name="kind"),)

    def opening_hours(self) -> dict[int, list[tuple[time, time]]]:
        """Weekday (0 = Monday) → intervals, the shape the France Santé check reads."""
        out: dict[int, list[tuple[time, time]]] = {}
        for h in self.hours:
            out.setdefault(h.weekday, []).append((h.opens, h.closes))
        return out


class LocationHours(Base):
    """One opening interval on one weekday (local Europe/Paris wall-clock time)."""

    __tablename__ = "location_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             index=True)
    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    location: Mapped[Location] = relationship(back_populates="hours")

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens < closes", name="interval"),
    )
