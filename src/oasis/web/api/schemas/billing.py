"""Schemas of the public price simulator: a situation in, the statement and its reasons out."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from oasis.care.billing import rules
from oasis.care.core.vocab import SPECIALTIES

Specialty = Literal[tuple(SPECIALTIES)]  # type: ignore[valid-type]


class DoctorIn(BaseModel):
    specialty: Specialty = "generaliste"
    sector: Literal["1", "2", "OPTAM"] = "1"
    is_patients_medecin_traitant: bool = False
    fee_cents: int | None = Field(default=None, ge=0, le=100_000,
                                  description="Honoraires demandés (secteur 2 / OPTAM) ; "
                                  "par défaut le tarif")
    mission: bool = Field(default=False, description="Consultation d'une mission « Un "
                          "médecin près de chez vous »")


class PatientIn(BaseModel):
    age: int = Field(ge=0, le=130)
    medecin_traitant: Literal["declared", "none", "unavailable"] = "declared"
    referred: bool = False
    seen_in_person_12_months: bool = False
    ald: bool = False
    maternity: bool = False
    c2s: bool = False
    ame: bool = False
    emergency: bool = False
    territorial_organisation: bool = Field(
        default=False, description="Pris en charge via une CPTS, une MSP ou un centre de santé")
    detention: bool = False
    ehpad: bool = False
    participations_paid_today_cents: int = Field(default=0, ge=0, le=10_000)
    participations_paid_year_cents: int = Field(default=0, ge=0, le=100_000)


class MutuelleIn(BaseModel):
    name: str = Field(default="Ma mutuelle", min_length=1, max_length=100)
    rate_percent_of_base: int = Field(default=100, ge=0, le=1000)
    partner: bool = False


class SimulateIn(BaseModel):
    date: date
    act: Literal["consultation", "teleconsultation", "teleexpertise", "nurse_assist"]
    channel: Literal["in_person", "video", "phone"] = "in_person"
    nurse_setting: Literal["soin_prevu", "lieu_dedie", "domicile"] = "lieu_dedie"
    doctor: DoctorIn = DoctorIn()
    patient: PatientIn
    mutuelle: MutuelleIn | None = None

    @field_validator("date")
    @classmethod
    def _within_history(cls, v: date) -> date:
        start = rules.history_start()
        if v < start:
            raise ValueError(f"aucune règle avant le {start:%d/%m/%Y}")
        return v

    @model_validator(mode="after")
    def _possible(self) -> SimulateIn:
        if self.act == "consultation" and self.channel != "in_person":
            raise ValueError("une consultation à distance est une téléconsultation "
                             "(act = teleconsultation)")
        if self.act in ("teleconsultation", "nurse_assist") and self.channel == "in_person":
            raise ValueError("une téléconsultation se fait par vidéo ou par téléphone")
        if self.doctor.fee_cents is not None and self.act == "nurse_assist":
            raise ValueError("l'acte infirmier est facturé au tarif")
        return self


class RuleOut(BaseModel):
    id: str
    label: str
    value: str
    valid_from: date
    valid_to: date | None
    source: str
    url: str | None
    read_on: date
    parameter: bool


class SimulateOut(BaseModel):
    act_code: str
    tariff_cents: int
    fee_cents: int
    reimbursable: bool
    amo_rate_percent: int
    amo_cents: int
    participation_forfaitaire_cents: int
    franchise_cents: int
    mutuelle_cents: int
    patient_cents: int
    patient_advance_cents: int
    tiers_payant: str
    payers: dict[str, int]
    summary: str
    reasons: list[str]
    rules: list[RuleOut]
