"""Schemas of the teleconsultation API: queue, consultation record (FHIR Encounter),
e-prescription (MedicationRequest), orientation (ServiceRequest), billing statement.

Times are ISO 8601 strings with their offset; money is integer cents.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from oasis.care.teleconsult import prescriptions
from oasis.care.teleconsult.queue import QueueView


# ------------------------------------------------------------------------------ input
class NewPatientIn(BaseModel):
    """A walk-in patient registered by the ETT nurse."""

    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    commune_code: str | None = Field(default=None, min_length=5, max_length=5)
    commune: str | None = Field(default=None, max_length=120,
                                description="Nom de la commune ou code postal (« Nevers », "
                                "« 58000 ») quand le code INSEE n'est pas connu")
    sex: str | None = Field(default=None, max_length=1)
    nir: str | None = Field(default=None, max_length=15)
    phone: str | None = Field(default=None, max_length=30)
    mutuelle_name: str | None = Field(default=None, max_length=200)


class JoinIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Motif, en texte libre")
    triage: list[str] = Field(default_factory=list, max_length=20,
                              description="Signes d'alerte cochés "
                                          "(codes de oasis.care.teleconsult.triage.RED_FLAGS)")
    specialty: str = Field(default="generaliste", max_length=40)
    mode: str = Field(default="video", max_length=10,
                      description="video, phone (audio seul, rappel) ou ett")
    callback_phone: str | None = Field(default=None, max_length=30)
    patient_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                   description="ETT : le patient accueilli ; patient : un "
                                               "proche dont il gère le dossier (lui-même par "
                                               "défaut)")
    patient_birth_date: date | None = Field(default=None, description="ETT : sa date de "
                                            "naissance, vérifiée (pièce d'identité, carte "
                                            "Vitale)")
    new_patient: NewPatientIn | None = Field(default=None, description="ETT : patient "
                                             "sans compte, enregistré par l'infirmier·ère")


class PresenceIn(BaseModel):
    status: str = Field(max_length=20, description="available ou offline")


class RecordIn(BaseModel):
    notes: str | None = Field(default=None, max_length=20000)
    diagnosis_text: str | None = Field(default=None, max_length=2000)
    diagnosis_code: str | None = Field(default=None, max_length=10, description="CIM-10")
    reason: str | None = Field(default=None, max_length=2000)


class SituationIn(BaseModel):
    """What the doctor confirms when closing; the rest is read from the patient's record."""

    referred: bool = Field(default=False, description="Orienté par le médecin traitant")
    emergency: bool = Field(default=False, description="Situation d'urgence")
    territorial_organisation: bool = Field(
        default=False, description="Sans médecin traitant ou médecin traitant indisponible : "
        "pris en charge via une organisation territoriale (CPTS, MSP, centre de santé)")
    medecin_traitant_unavailable: bool = False
    detention: bool = False
    ehpad: bool = False
    ald: bool = False
    maternity: bool = False
    c2s: bool = False
    ame: bool = False
    mutuelle_rate_percent: int = Field(default=100, ge=0, le=1000)
    fee_cents: int | None = Field(default=None, ge=0, le=100_000_00)


class LineIn(BaseModel):
    name: str = Field(max_length=200)
    dosage: str = Field(max_length=200)
    duration: str = Field(max_length=100)
    instructions: str = Field(default="", max_length=500)


class PrescriptionIn(BaseModel):
    lines: list[LineIn] = Field(min_length=1, max_length=prescriptions.MAX_LINES)


class ReferralIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    target_location_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    specialty: str | None = Field(default=None, max_length=40)
    priority: str = Field(default="routine", max_length=20)


# ----------------------------------------------------------------------------- output
class ReimbursementOut(BaseModel):
    """Said before the call: whether the Assurance Maladie will reimburse it, and why."""

    reimbursable: bool
    reasons: list[str]
    act_code: str
    patient_cents: int
    patient_advance_cents: int
    tiers_payant: Any


class JoinOut(BaseModel):
    """In the queue: the entry, the websocket that pushes its changes, the price."""

    queued: bool
    entry: QueueView
    patient_id: int
    live: str
    reimbursement: ReimbursementOut


class EmergencyOut(BaseModel):
    """A red flag: no queue, call the emergency numbers now."""

    queued: bool
    route: str
    message: str
    flags: list[str]
    numbers: dict[str, str]


class QueueSummaryOut(BaseModel):
    specialty: str
    waiting: int
    doctors_on_duty: int
    doctors_available: int
    longest_wait_minutes: int | None
    mean_consultation_minutes: float
    me: str
    open_encounter_id: int | None = None


class PresenceOut(BaseModel):
    practitioner_id: int
    status: str
    since: str | None


class CallOut(BaseModel):
    """The caller's invitation to the video room (signed, expiring)."""

    url: str
    token: str
    expires_at: str
    room: str
    role: str


class DiagnosisOut(BaseModel):
    text: str | None
    code: str | None


class MeasurementOut(BaseModel):
    id: str
    recorded_at: str | None
    role: str | None = None
    name: str | None = None
    values: dict[str, Any]


class PrescriptionOut(BaseModel):
    resourceType: str = "MedicationRequest"
    id: str
    encounter_id: int
    patient_id: int
    practitioner_id: int
    issued_at: str | None
    status: str
    lines: list[dict[str, Any]]
    pdf_url: str
    verify_url: str | None = None


class EncounterOut(BaseModel):
    resourceType: str = "Encounter"
    id: int
    status: str
    mode: str
    patient_id: int
    practitioner_id: int
    nurse_staff_id: int | None
    location_id: int | None
    queue_entry_id: int | None
    reason: str | None
    triage_answers: Any = None
    callback_phone: str | None
    notes: str | None
    diagnosis: DiagnosisOut
    started_at: str | None
    ended_at: str | None
    duration_seconds: int | None
    measurements: list[MeasurementOut]
    prescriptions: list[PrescriptionOut] | None = None


class TakeNextOut(BaseModel):
    encounter: EncounterOut
    call: CallOut


class StatementOut(BaseModel):
    """The feuille de soins of a closed teleconsultation, in integer cents."""

    encounter_id: int
    act_code: str
    act_date: str
    tariff_cents: int
    fee_cents: int
    amo_cents: int
    mutuelle_name: str | None
    mutuelle_cents: int
    patient_cents: int
    patient_advance_cents: int
    tiers_payant: Any
    situation: dict[str, Any]
    amo_rate_percent: int | float | None = None
    participation_forfaitaire_cents: int | None = None
    tariff_source: str | None = None
    notes: Any = None


class CloseOut(BaseModel):
    encounter: EncounterOut
    statement: StatementOut


class VerificationOut(BaseModel):
    """Whether a prescription is genuine; nothing of its content."""

    id: str
    genuine: bool
    message: str


class ReferralOut(BaseModel):
    resourceType: str = "ServiceRequest"
    id: int
    encounter_id: int
    patient_id: int
    practitioner_id: int
    target_location_id: int | None
    target_location_name: str | None
    specialty: str | None
    reason: str
    priority: str
    status: str
    created_at: str | None
    in_person_options: list[dict[str, Any]] | None = None


class EttPatientOut(BaseModel):
    """A patient the ETT nurse may receive, found by family name and birth date."""

    id: int
    family_name: str
    given_name: str
    birth_date: date
    commune_code: str


class HeartbeatOut(BaseModel):
    status: str = Field(description="available, busy ou offline (présence expirée)")


# ------------------------------------------------------- specialties, files and the chat
class SpecialtyOut(BaseModel):
    code: str
    label: str


class SpecialtiesOut(BaseModel):
    """What the queue offers now: general practice always, specialties while one of their
    doctors is on duty or has video slots (oasis.care.teleconsult.queue)."""

    general: SpecialtyOut
    specialties: list[SpecialtyOut]
    message: str | None = Field(default=None, description="« aucun spécialiste disponible "
                                "pour le moment » quand la liste est vide")


class SenderOut(BaseModel):
    id: str
    role: str
    name: str


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str = Field(description="Type reconnu au contenu : image/jpeg, image/png "
                              "ou application/pdf")
    size_bytes: int
    url: str
    created_at: str
    sender: SenderOut = Field(alias="from")

    model_config = {"populate_by_name": True}


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class MessageOut(BaseModel):
    id: str
    sender: SenderOut = Field(alias="from")
    text: str
    sent_at: str
    attachment: AttachmentOut | None = None

    model_config = {"populate_by_name": True}
