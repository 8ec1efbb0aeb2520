"""Schemas of the France Santé API: the label check of a site, criterion by criterion."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from oasis.web.kit.deps import Id


class CriterionOut(BaseModel):
    code: str
    label: str
    passed: bool
    evidence: str
    figures: dict


class LabelOut(BaseModel):
    location_id: Id
    name: str
    commune_code: str
    kind: str
    eligible: bool
    failing: list[str]
    criteria: list[CriterionOut]
    period_start: datetime
    period_end: datetime
    catchment_communes: int
