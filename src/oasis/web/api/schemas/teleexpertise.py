"""Schemas of the téléexpertise API (FHIR names where they exist: CommunicationRequest for
the request, Communication for the answer, DocumentReference for an attachment)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from oasis.web.api.schemas.care import ORM
from oasis.web.kit.deps import Id


class AttachmentOut(ORM):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


class ActOut(ORM):
    code: str
    act_date: date
    amount_cents: int
    amo_cents: int
    patient_cents: int
    billable: bool
    reason: str | None
    source: str


class RequestOut(ORM):
    resourceType: str = "CommunicationRequest"
    id: int
    patient_id: Id
    requester_practitioner_id: Id | None
    requester_staff_id: Id | None
    specialty: str
    named_expert_id: Id | None
    expert_id: Id | None
    network_id: Id | None
    protocol_id: Id | None
    question: str
    context: str | None
    consent_at: datetime
    consent_how: str
    status: str
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    answer_text: str | None
    recommendation: str | None
    appointment_id: Id | None
    attachments: list[AttachmentOut]


class QueueLineOut(BaseModel):
    request: RequestOut
    waited_hours: float
    hours_left: float
    late: bool


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)
    recommendation: str = Field(description="none, teleconsultation, in_person ou urgent")


class BookIn(BaseModel):
    slot_id: Id


class SlotOut(BaseModel):
    slot_id: Id
    start_at: datetime
    end_at: datetime


class OptionOut(BaseModel):
    practitioner_id: Id | None
    practitioner_name: str | None
    location_id: Id | None
    location_name: str | None
    travel_minutes: int
    start_at: datetime
    start_text: str
    patient_cents: int
    slots: list[SlotOut]


class BookedOut(BaseModel):
    appointment_id: Id
    start_at: datetime
    practitioner_id: Id
    location_id: Id


class WaitOut(BaseModel):
    department: str
    specialty: str
    expertise_answered: int
    expertise_median_days: float | None
    expertise_open: int
    expertise_late: int
    appointments: int
    appointment_median_days: float | None
    apl: float | None
