"""Schemas of the sign-in API."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class InvitationIn(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="Le secret du lien reçu")
    password: str = Field(min_length=8, max_length=200)


class ConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="Le secret du lien reçu")


class RevokedOut(BaseModel):
    account_id: int
    active: bool
    detail: str
