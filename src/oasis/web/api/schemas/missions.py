"""Schemas of the « Un médecin près de chez vous » API: zones, sites, days, statements."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from oasis.web.api.schemas.care import ORM


class ZoneOut(ORM):
    id: int
    epci: str
    name: str
    rank: int | None
    score: float | None
    source: str
    active: bool


class ZoneIn(BaseModel):
    epci: str = Field(min_length=9, max_length=9)


class PrefillIn(BaseModel):
    top: int = Field(151, ge=1, le=1500)


class MissionSiteOut(BaseModel):
    id: int
    location_id: int
    name: str
    commune_code: str
    zone_id: int
    epci: str
    slot_minutes: int
    equipment: list[str]
    medical_assistants: int


class MissionSiteIn(BaseModel):
    location_id: int
    zone_id: int
    slot_minutes: int = Field(20, ge=10, le=60)
    note: str | None = Field(None, max_length=300)


class ReplacementIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    rpps: str | None = None
    note: str | None = Field(None, max_length=1000)


class DayIn(BaseModel):
    mission_site_id: int
    day: date
    practitioner_id: int | None = Field(None, description="Coordination : le médecin inscrit.")
    replacement: ReplacementIn | None = None


class DayOut(ORM):
    id: int
    practitioner_id: int
    mission_site_id: int
    day: date
    status: str
    source: str
    replacement_name: str | None
    replacement_rpps: str | None
    replacement_note: str | None
    cancel_reason: str | None
    daily_rate_cents: int = 0


class CancelIn(BaseModel):
    reason: str | None = Field(None, max_length=200)


class CloseIn(BaseModel):
    status: str = Field(pattern="^(completed|not_done)$")


class ProposalIn(BaseModel):
    doctor: int | str = Field(description="Identifiant du praticien ou numéro RPPS.")
    date: date
    site: int | None = Field(None, description="Site de mission.")
    commune: str | None = Field(None, description="Ou : commune INSEE du site de mission.")


class ProposalsIn(BaseModel):
    proposals: list[ProposalIn] = Field(min_length=1, max_length=5000)


class PrefillOut(BaseModel):
    created: int
    updated: int


class CancelOut(BaseModel):
    day: DayOut
    cancelled_appointment_ids: list[int]


class OutcomeOut(BaseModel):
    doctor: int | str
    date: str
    accepted: bool
    mission_day_id: int | None
    code: str | None
    message: str | None


class AcceptOut(BaseModel):
    accepted: int
    refused: int
    outcomes: list[OutcomeOut]
