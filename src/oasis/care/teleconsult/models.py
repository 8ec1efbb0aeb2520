"""Teleconsultation persistence, FHIR-named: queue, Encounter, MedicationRequest, ServiceRequest.

The invariants that matter under concurrency live in the database, not in Python:

* a patient waits in the on-demand queue at most once (partial unique index);
* a queue entry becomes at most one consultation (unique ``encounter.queue_entry_id``);
* a practitioner runs at most one consultation at a time (partial unique index on
  ``encounter.practitioner_id`` for ``in-progress`` rows),

so two doctors clicking « patient suivant » at the same instant can never take the same
patient, and a doctor double-clicking can never open two calls.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oasis.care.core.base import Base
from oasis.care.core.clock import utcnow
from oasis.care.core.vocab import SPECIALTIES, check_in

QUEUE_STATUSES = ("waiting", "taken", "cancelled")
PRESENCE_STATUSES = ("available", "busy", "offline")
ENCOUNTER_MODES: dict[str, str] = {"video": "Vidéo", "phone": "Téléphone (audio seul)",
                                   "ett": "Espace de télésanté (avec infirmier·ère)"}
ENCOUNTER_STATUSES = ("in-progress", "finished", "cancelled")
PRESCRIPTION_STATUSES = ("active", "cancelled")
REFERRAL_STATUSES = ("active", "completed", "revoked")
REFERRAL_PRIORITIES = ("routine", "urgent")


class QueueEntry(Base):
    """A patient waiting for the next available teleconsulting doctor (24/7 queue)."""

    __tablename__ = "teleconsult_queue_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    specialty: Mapped[str] = mapped_column(String(30), default="generaliste")
    reason: Mapped[str] = mapped_column(Text)
    triage_answers: Mapped[list[str]] = mapped_column(JSON, default=list)
    mode: Mapped[str] = mapped_column(String(10), default="video")
    callback_phone: Mapped[str | None] = mapped_column(String(20))
    # ETT walk-in: the site and the nurse who opened the session for the patient.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id",
                                                               ondelete="SET NULL"))
    nurse_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_member.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    taken_by_practitioner_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL"))
    left_at: Mapped[datetime | None]
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint(check_in("status", QUEUE_STATUSES), name="status"),
        CheckConstraint(check_in("mode", ENCOUNTER_MODES), name="mode"),
        CheckConstraint(check_in("specialty", SPECIALTIES), name="specialty"),
        CheckConstraint("mode != 'phone' OR callback_phone IS NOT NULL", name="callback"),
        CheckConstraint("mode != 'ett' OR location_id IS NOT NULL", name="ett_site"),
        Index("uq_teleconsult_queue_waiting_patient", "patient_id", unique=True,
              sqlite_where=text("status = 'waiting'"),
              postgresql_where=text("status = 'waiting'")),
        Index("ix_teleconsult_queue_waiting", "status", "specialty", "joined_at"),
    )


class PractitionerPresence(Base):
    """Whether a teleconsulting practitioner is on duty now: available, busy or offline.

    ``seen_at`` is the doctor's last sign of life (their duty page pings it): a presence
    older than the queue's ``PRESENCE_TTL`` counts as offline, so a closed browser does
    not leave a ghost doctor « en service ».
    """

    __tablename__ = "teleconsult_presence"

    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="offline")
    since: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow,
                                              server_default=func.current_timestamp())

    __table_args__ = (CheckConstraint(check_in("status", PRESENCE_STATUSES), name="status"),)


class Encounter(Base):
    """One teleconsultation (FHIR Encounter, class VR): the consultation record."""

    __tablename__ = "encounter"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("teleconsult_queue_entry.id", ondelete="SET NULL"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="RESTRICT"), index=True)
    nurse_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_member.id", ondelete="SET NULL"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="in-progress")
    room: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    triage_answers: Mapped[list[str]] = mapped_column(JSON, default=list)
    callback_phone: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    diagnosis_text: Mapped[str | None] = mapped_column(Text)
    diagnosis_code: Mapped[str | None] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    patient = relationship("Patient")
    practitioner = relationship("Practitioner")
    measurements: Mapped[list[EncounterMeasurement]] = relationship(
        back_populates="encounter", order_by="EncounterMeasurement.recorded_at",
        cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(check_in("status", ENCOUNTER_STATUSES), name="status"),
        CheckConstraint(check_in("mode", ENCOUNTER_MODES), name="mode"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="interval"),
        Index("uq_encounter_practitioner_in_progress", "practitioner_id", unique=True,
              sqlite_where=text("status = 'in-progress'"),
              postgresql_where=text("status = 'in-progress'")),
    )


class EncounterMeasurement(Base):
    """Vital signs entered during the call (FHIR Observation), as validated by
    oasis.care.teleconsult.vitals."""

    __tablename__ = "encounter_measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"),
                                              index=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    recorded_at: Mapped[datetime]
    participant: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))  # the audit role: nurse, practitioner
    name: Mapped[str] = mapped_column(String(100), default="")
    values: Mapped[dict] = mapped_column(JSON)

    encounter: Mapped[Encounter] = relationship(back_populates="measurements")


class MedicationRequest(Base):
    """An e-prescription; ``id`` is the printed identifier (ORD-XXXX-…)."""

    __tablename__ = "medication_request"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="RESTRICT"),
                                              index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    lines: Mapped[list[dict]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="active")

    __table_args__ = (CheckConstraint(check_in("status", PRESCRIPTION_STATUSES),
                                      name="status"),)


class ServiceRequest(Base):
    """An orientation (referral) to a site or a specialty, for an in-person exam."""

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="RESTRICT"),
                                              index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="RESTRICT"))
    target_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), index=True)
    specialty: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="routine")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    target_location = relationship("Location")

    __table_args__ = (
        CheckConstraint(check_in("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint(check_in("priority", REFERRAL_PRIORITIES), name="priority"),
        CheckConstraint("target_location_id IS NOT NULL OR specialty IS NOT NULL",
                        name="target"),
    )


class BillingStatement(Base):
    """The feuille de soins data of one closed consultation, amounts in integer cents."""

    __tablename__ = "billing_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="RESTRICT"),
                                              unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    act_code: Mapped[str] = mapped_column(String(10))
    act_date: Mapped[date] = mapped_column(Date, index=True)
    tariff_cents: Mapped[int] = mapped_column(Integer)
    fee_cents: Mapped[int] = mapped_column(Integer)
    amo_cents: Mapped[int] = mapped_column(Integer)
    mutuelle_name: Mapped[str | None] = mapped_column(String(100))
    mutuelle_cents: Mapped[int] = mapped_column(Integer)
    patient_cents: Mapped[int] = mapped_column(Integer)
    patient_advance_cents: Mapped[int] = mapped_column(Integer)
    tiers_payant: Mapped[str] = mapped_column(String(10))
    situation: Mapped[dict] = mapped_column(JSON)
    details: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("amo_cents + mutuelle_cents + patient_cents = fee_cents",
                        name="balanced"),
        CheckConstraint("amo_cents >= 0 AND mutuelle_cents >= 0 AND patient_cents >= 0",
                        name="non_negative"),
    )


class EncounterAttachment(Base):
    """A photo or document sent before (from the queue) or during the call (FHIR Media /
    DocumentReference); the bytes live outside the web root under ``storage_key``, in the
    store shared with téléexpertise (:mod:`oasis.care.teleexpertise.attachments`).

    Sent from the queue, it has only ``queue_entry_id`` until a doctor takes the patient;
    :func:`oasis.care.teleconsult.queue.take_next` then fills ``encounter_id``.
    """

    __tablename__ = "encounter_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter.id", ondelete="CASCADE"), index=True)
    queue_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("teleconsult_queue_entry.id", ondelete="SET NULL"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"),
                                            index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(64))  # participant id: patient-3, nurse-1…
    sender_role: Mapped[str] = mapped_column(String(20))
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("encounter_id IS NOT NULL OR queue_entry_id IS NOT NULL",
                        name="owner"),
    )


class EncounterMessage(Base):
    """One line of the text chat of a call, kept with the consultation record.

    ``text`` is stored as typed (bounded, control characters removed) and escaped where
    it is shown (Jinja autoescape, ``textContent`` in the call page).  ``event_id`` makes
    the websocket hook idempotent.  A message may carry an attachment (a photo sent in
    the call is announced in the chat).
    """

    __tablename__ = "encounter_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"),
                                              index=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    sender: Mapped[str] = mapped_column(String(64))
    sender_role: Mapped[str] = mapped_column(String(20))
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounter_attachment.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
