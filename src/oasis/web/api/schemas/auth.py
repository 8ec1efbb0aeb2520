"""Schemas of the sign-in API."""

from __future__ import annotations

from pydantic import BaseModel

from oasis.web.kit.deps import Id


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
    patient_id: Id | None
    practitioner_id: Id | None
    staff_id: Id | None
