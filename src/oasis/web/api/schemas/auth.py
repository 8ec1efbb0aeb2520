"""Schemas of the sign-in API."""

from __future__ import annotations

from pydantic import BaseModel


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str


class MeOut(BaseModel):
    id: int
    email: str
    role: str
    display_name: str
    patient_id: int | None
    practitioner_id: int | None
    staff_id: int | None
