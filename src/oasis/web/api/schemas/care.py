"""Response models shared by several routers (FHIR-ish field names, UTC ISO times)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, create_model

from oasis.web.kit.deps import Id, LocalTime


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PatientOut(ORM):
    id: int
    family_name: str
    given_name: str
    birth_date: date
    sex: str | None
    nir: str | None
    commune_code: str
    address: str | None
    phone: str | None
    email: str | None
    gp_id: Id | None
    mutuelle_name: str | None
    mutuelle_member_number: str | None


class HoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = lundi … 6 = dimanche")
    opens: LocalTime
    closes: LocalTime


class PractitionerOut(ORM):
    id: int
    rpps: str
    family_name: str
    given_name: str
    display_name: str
    profession: str
    specialty: str
    sector: str
    teleconsultation: bool
    languages: list[str] = Field(description="Langues parlées (codes ISO 639)")


class AppointmentOut(ORM):
    id: int
    slot_id: Id
    patient_id: Id
    practitioner_id: Id
    location_id: Id
    mode: str
    start_at: datetime
    end_at: datetime
    status: str
    reason: str | None
    created_at: datetime
    cancelled_at: datetime | None
    rescheduled_from_id: Id | None


class WaitlistOut(ORM):
    id: int
    patient_id: Id
    specialty: str
    practitioner_id: Id | None
    location_id: Id | None
    mode: str | None
    status: str
    offered_slot_id: Id | None
    offer_expires_at: datetime | None
    appointment_id: Id | None
    created_at: datetime


def page_of(model: type[BaseModel]):
    """A paginated response model for ``model`` items (same shape everywhere)."""
    return create_model(f"{model.__name__}Page", items=(list[model], ...), total=(int, ...),
                        page=(int, ...), per_page=(int, ...), pages=(int, ...))


class SlotsCreatedOut(BaseModel):
    slots_created: int
