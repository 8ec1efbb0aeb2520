"""Schemas of the care networks and SAS API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from oasis.web.api.schemas.care import ORM


class MemberOut(ORM):
    id: int
    practitioner_id: int | None
    location_id: int | None


class ProtocolOut(ORM):
    id: int
    name: str
    specialty: str
    expert_ids: list[int]


class PriceOut(ORM):
    id: int
    category: str
    item: str
    network_price_cents: int
    usual_price_cents: int | None


class NetworkOut(ORM):
    id: int
    name: str
    kind: str
    communes: list[str]
    epcis: list[str]
    coordinator_account_id: int | None
    mutuelle_name: str | None
    synthetic: bool
    members: list[MemberOut]
    protocols: list[ProtocolOut]
    prices: list[PriceOut]


class NetworkIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    communes: list[str] = []
    epcis: list[str] = []
    mutuelle_name: str | None = None


class MemberIn(BaseModel):
    practitioner_id: int | None = None
    location_id: int | None = None


class ProtocolIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    specialty: str
    expert_ids: list[int] = []


class PriceIn(BaseModel):
    category: str
    item: str = Field(min_length=1, max_length=200)
    network_price_cents: int = Field(ge=0)
    usual_price_cents: int | None = Field(default=None, ge=0)


class PublishIn(BaseModel):
    location_id: int
    slot_ids: list[int] = Field(min_length=1, max_length=200)


class ReservationOut(ORM):
    id: int
    slot_id: int
    location_id: int
    network_id: int
    start_at: datetime
    end_at: datetime
    appointment_id: int | None


class CallerIn(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    commune_code: str = Field(min_length=5, max_length=5)
    phone: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=2000)


class SasBookedOut(BaseModel):
    appointment_id: int
    patient_id: int
    start_at: datetime


class ParticipationOut(BaseModel):
    location_id: int
    start: datetime
    end: datetime
    published_slots: int
    published_hours: float
    booked_slots: int
    participates: bool
    network_member: bool
