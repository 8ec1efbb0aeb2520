"""Response models shared by several routers (FHIR-ish field names, UTC ISO times)."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, create_model


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
    gp_id: int | None
    mutuelle_name: str | None
    mutuelle_member_number: str | None


class HoursIn(BaseModel):
    weekday: int
    opens: time
    closes: time


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


class AppointmentOut(ORM):
    id: int
    slot_id: int
    patient_id: int
    practitioner_id: int
    location_id: int
    mode: str
    start_at: datetime
    end_at: datetime
    status: str
    reason: str | None
    created_at: datetime
    cancelled_at: datetime | None
    rescheduled_from_id: int | None


class WaitlistOut(ORM):
    id: int
    patient_id: int
    specialty: str
    practitioner_id: int | None
    location_id: int | None
    mode: str | None
    status: str
    offered_slot_id: int | None
    offer_expires_at: datetime | None
    appointment_id: int | None
    created_at: datetime


def page_of(model: type[BaseModel]):
    """A paginated response model for ``model`` items (same shape everywhere)."""
    return create_model(f"{model.__name__}Page", items=(list[model], ...), total=(int, ...),
                        page=(int, ...), per_page=(int, ...), pages=(int, ...))


class SlotsCreatedOut(BaseModel):
    slots_created: int
