"""Téléexpertise requests (FHIR CommunicationRequest), attachments (Media /
DocumentReference), the answer (Communication) and the two billed acts.

The patient's consent is recorded on the request itself (when, how): a téléexpertise
needs it (avenant 6, art. 28.6.2) and nothing is sent without it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import SPECIALTIES, check_in

STATUSES: dict[str, str] = {"sent": "En attente d'avis", "answered": "Avis rendu",
                            "withdrawn": "Retirée"}
RECOMMENDATIONS: dict[str, str] = {
    "none": "Rien de plus n'est nécessaire",
    "teleconsultation": "Téléconsultation",
    "in_person": "Consultation en présentiel",
    "urgent": "Adressage en urgence",
}
ACT_CODES = ("TE2", "RQD")


class ExpertiseRequest(Base):
    __tablename__ = "expertise_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    requester_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    requester_practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL"), index=True)
    requester_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_member.id", ondelete="SET NULL"), index=True)
    specialty: Mapped[str] = mapped_column(String(30))
    named_expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL"))
    # Who may take it: the named expert, or the protocol's / network's / specialty's
    # practitioners in routing order (JSON list of practitioner ids).
    routed_to: Mapped[list[int]] = mapped_column(JSON, default=list)
    expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL"), index=True)
    network_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_network.id", ondelete="SET NULL"))
    protocol_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_protocol.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime]
    consent_how: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answer_text: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(String(20))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    attachments: Mapped[list[ExpertiseAttachment]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="ExpertiseAttachment.id")

    __table_args__ = (
        CheckConstraint(check_in("status", STATUSES), name="status"),
        CheckConstraint(check_in("specialty", SPECIALTIES), name="specialty"),
        CheckConstraint(f"recommendation IS NULL OR {check_in('recommendation', RECOMMENDATIONS)}",
                        name="recommendation"),
        Index("ix_expertise_request_queue", "specialty", "status", "created_at"),
    )


class ExpertiseAttachment(Base):
    """A file of the request; the bytes live outside the web root under ``storage_key``."""

    __tablename__ = "expertise_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("expertise_request.id",
                                                       ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[ExpertiseRequest] = relationship(back_populates="attachments")


class ExpertiseAct(Base):
    """A billed act of a request: TE2 (the expert's opinion) or RQD (the request)."""

    __tablename__ = "expertise_act"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("expertise_request.id",
                                                       ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(5))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id",
                                                            ondelete="SET NULL"))
    act_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    amo_cents: Mapped[int] = mapped_column(Integer)
    patient_cents: Mapped[int] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean)  # False: over the yearly limit
    reason: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (CheckConstraint(check_in("code", ACT_CODES), name="code"),
                      UniqueConstraint("request_id", "code", name="uq_expertise_act"))
