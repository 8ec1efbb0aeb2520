"""Patients: self-registration, own record, a practitioner's patients."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from oasis.care.accounts import onboarding
from oasis.care.core.actor import Actor
from oasis.care.people import service as people
from oasis.web.api.schemas.care import PatientOut, page_of
from oasis.web.kit.auth import ActorDep, require_role
from oasis.web.kit.deps import PageDep, SessionDep

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


class Registration(BaseModel):
    email: str = Field(max_length=200)
    password: str = Field(min_length=8, max_length=200)
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    commune_code: str = Field(description="Code INSEE de la commune de résidence")
    sex: str | None = Field(default=None, pattern="^[FM]$")
    nir: str | None = Field(default=None, description="Numéro de sécurité sociale (15)")
    address: str | None = None
    phone: str | None = None
    gp_id: int | None = Field(default=None, description="Médecin traitant (praticien)")
    mutuelle_name: str | None = None
    mutuelle_member_number: str | None = None


class SignupOut(BaseModel):
    detail: str
    code: str = "signup_requested"


@router.post("", status_code=202, response_model=SignupOut,
             summary="Inscription d'un patient (lien d'activation envoyé par e-mail)")
def register(body: Registration, request: Request, session: SessionDep) -> SignupOut:
    """The same answer whether or not the address or the NIR is already registered: the
    account is activated from the link sent to the address (``POST /api/v1/auth/confirm``).
    """
    data = body.model_dump(exclude={"email", "password"})
    onboarding.request_signup(session, email=body.email, password=body.password,
                              link_base=str(request.base_url).rstrip("/"), **data)
    session.commit()
    return SignupOut(detail=onboarding.SIGNUP_SENT)


@router.get("/me", response_model=PatientOut, summary="Mon dossier patient")
def my_record(session: SessionDep,
              actor: Annotated[Actor, Depends(require_role("patient"))]) -> PatientOut:
    patient = people.get_patient(session, actor, actor.patient_id, "consultation de son dossier")
    session.commit()
    return PatientOut.model_validate(patient)


@router.get("", response_model=page_of(PatientOut),
            summary="Mes patients (praticien : patients avec qui j'ai eu un rendez-vous)")
def my_patients(session: SessionDep, page: PageDep,
                actor: Annotated[Actor, Depends(require_role("practitioner"))]) -> dict:
    rows, total = people.patients_of(session, actor, limit=page.per_page,
                                     offset=page.offset)
    session.commit()
    return page.wrap([PatientOut.model_validate(p) for p in rows], int(total))


@router.get("/{patient_id}", response_model=PatientOut, summary="Un dossier patient")
def read_patient(patient_id: int, session: SessionDep, actor: ActorDep) -> PatientOut:
    patient = people.get_patient(session, actor, patient_id)
    session.commit()
    return PatientOut.model_validate(patient)
