"""Schemas of the France Santé API: the label check of a site, criterion by criterion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class CriterionOut(BaseModel):
    code: str
    label: str
    passed: bool
    evidence: str
    figures: dict


class LabelOut(BaseModel):
    location_id: int
    name: str
    commune_code: str
    kind: str
    eligible: bool
    failing: list[str]
    criteria: list[CriterionOut]
    period_start: datetime
    period_end: datetime
    catchment_communes: int


class LabelledSiteOut(BaseModel):
    location_id: int
    name: str
    commune_code: str
    free_slot_48h: bool


class DashboardOut(BaseModel):
    """Per commune: a labelled site within 30 min and a free slot within 48 h, now."""

    summary: dict[str, Any]
    labelled_sites: list[LabelledSiteOut]
    departments: list[dict[str, Any]]
    gaps_total: int
    gaps: list[dict[str, Any]]
