"""Care networks, their members and protocols, mutuelle price lists, SAS reservations.

A network (CPTS, réseau de santé — Code de la santé publique art. L6321-1 —, an MSP team,
or a mutuelle's partner network of care) has a territory (communes and EPCIs), member
practitioners and sites and a coordinator account.  Its named protocols route a
téléexpertise to the right members first.  A SAS reservation marks one of a member
site's slots as kept for the Service d'accès aux soins regulators.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import SPECIALTIES, check_in

NETWORK_KINDS: dict[str, str] = {
    "cpts": "Communauté professionnelle territoriale de santé (CPTS)",
    "reseau_sante": "Réseau de santé",
    "msp_team": "Équipe de maison de santé",
    "mutuelle": "Réseau de soins d'une mutuelle",
}
PRICE_CATEGORIES: dict[str, str] = {"optique": "Optique", "dentaire": "Dentaire",
                                    "audition": "Audition"}


class CareNetwork(Base):
    __tablename__ = "care_network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    communes: Mapped[list[str]] = mapped_column(JSON, default=list)
    epcis: Mapped[list[str]] = mapped_column(JSON, default=list)
    coordinator_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    mutuelle_name: Mapped[str | None] = mapped_column(String(100))  # kind "mutuelle"
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[NetworkMember]] = relationship(
        back_populates="network", cascade="all, delete-orphan", order_by="NetworkMember.id")
    protocols: Mapped[list[CareProtocol]] = relationship(
        back_populates="network", cascade="all, delete-orphan", order_by="CareProtocol.id")
    prices: Mapped[list[NetworkPrice]] = relationship(
        back_populates="network", cascade="all, delete-orphan", order_by="NetworkPrice.id")

    __table_args__ = (CheckConstraint(check_in("kind", NETWORK_KINDS), name="kind"),)


class NetworkMember(Base):
    """A member practitioner or a member site (one of the two)."""

    __tablename__ = "network_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("care_network.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True)

    network: Mapped[CareNetwork] = relationship(back_populates="members")

    __table_args__ = (
        CheckConstraint("(practitioner_id IS NULL) != (location_id IS NULL)", name="one_kind"),
        UniqueConstraint("network_id", "practitioner_id", "location_id",
                         name="uq_network_member"),
    )


class CareProtocol(Base):
    """A named pathway (« plaie chronique ») routing requests of a specialty to members."""

    __tablename__ = "care_protocol"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("care_network.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(30))
    expert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # routed first, in order

    network: Mapped[CareNetwork] = relationship(back_populates="protocols")

    __table_args__ = (CheckConstraint(check_in("specialty", SPECIALTIES), name="specialty"),
                      UniqueConstraint("network_id", "name", name="uq_care_protocol_name"))


class NetworkPrice(Base):
    """One negotiated price of a mutuelle partner network (cents, with the public price)."""

    __tablename__ = "network_price"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("care_network.id", ondelete="CASCADE"),
                                            index=True)
    category: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(200))
    network_price_cents: Mapped[int] = mapped_column(Integer)
    usual_price_cents: Mapped[int | None] = mapped_column(Integer)

    network: Mapped[CareNetwork] = relationship(back_populates="prices")

    __table_args__ = (CheckConstraint(check_in("category", PRICE_CATEGORIES), name="category"),
                      CheckConstraint("network_price_cents >= 0", name="price"))


class SasReservation(Base):
    """A member site's slot kept for SAS regulators (the slot is busy-unavailable to others)."""

    __tablename__ = "sas_reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"),
                                             index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("care_network.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    published_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"))
    booked_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    booked_at: Mapped[datetime | None]
