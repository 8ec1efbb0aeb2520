"""Schemas of « Trouver un soin »: the ranked care options for a commune and a need."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class PlaceChoiceOut(BaseModel):
    code: str
    name: str
    dep: str
    postal_codes: list[str]
    label: str


class CareOptionOut(BaseModel):
    rank: int
    category: str
    title: str
    mode: str
    start_at: str | None
    start_text: str | None
    travel_minutes: int | float | None
    within_30_min: bool | None
    within_48_h: bool | None
    keeps_promise: bool
    practitioner: dict[str, Any] | None
    location: dict[str, Any] | None
    slots: list[dict[str, Any]]
    wait: dict[str, Any] | None
    cost: dict[str, Any]
    parcours: dict[str, Any]


class CareAnswerOut(BaseModel):
    """Options in the order of the France Santé promise (30 minutes, 48 hours)."""

    origin: dict[str, Any]
    need: str
    need_label: str
    now: str
    personalised: bool
    promise: dict[str, Any]
    options: list[CareOptionOut]
