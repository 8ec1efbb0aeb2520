"""Schemas of the care networks and SAS API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from oasis.web.api.schemas.care import ORM
from oasis.web.kit.deps import Id


class MemberOut(ORM):
    id: int
    practitioner_id: Id | None
    location_id: Id | None


class ProtocolOut(ORM):
    id: int
    name: str
    specialty: str
    expert_ids: list[Id]


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
    coordinator_account_id: Id | None
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
    practitioner_id: Id | None = None
    location_id: Id | None = None


class ProtocolIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    specialty: str
    expert_ids: list[Id] = []


class PriceIn(BaseModel):
    category: str
    item: str = Field(min_length=1, max_length=200)
    network_price_cents: int = Field(ge=0)
    usual_price_cents: int | None = Field(default=None, ge=0)


class PublishIn(BaseModel):
    location_id: Id
    slot_ids: list[Id] = Field(min_length=1, max_length=200)


class ReservationOut(ORM):
    id: int
    slot_id: Id
    location_id: Id
    network_id: Id
    start_at: datetime
    end_at: datetime
    appointment_id: Id | None


class CallerIn(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    commune_code: str = Field(min_length=5, max_length=5)
    phone: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=2000)


class SasBookedOut(BaseModel):
    appointment_id: Id
    patient_id: Id
    start_at: datetime


class ParticipationOut(BaseModel):
    location_id: Id
    start: datetime
    end: datetime
    published_slots: int
    published_hours: float
    booked_slots: int
    participates: bool
    network_member: bool
