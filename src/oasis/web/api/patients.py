"""Patients: self-registration, own record and relatives, a practitioner's patients."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from oasis.care.accounts import onboarding
from oasis.care.core.actor import Actor
from oasis.care.people import relatives
from oasis.care.people import service as people
from oasis.care.people.models import RELATIONS, Patient
from oasis.web.api.schemas.care import PatientOut, page_of
from oasis.web.kit.auth import ActorDep, require_role
from oasis.web.kit.deps import Id, PageDep, SessionDep, column_length

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


class Registration(BaseModel):
    email: str = Field(max_length=200)
    password: str = Field(min_length=8, max_length=200)
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    commune_code: str = Field(max_length=10,
                              description="Code INSEE de la commune de résidence")
    sex: str | None = Field(default=None, pattern="^[FM]$")
    nir: str | None = Field(default=None, max_length=30,
                            description="Numéro de sécurité sociale (15)")
    address: str | None = Field(default=None, max_length=column_length(Patient.address))
    phone: str | None = Field(default=None, max_length=column_length(Patient.phone))
    gp_id: Id | None = Field(default=None, description="Médecin traitant (praticien)")
    mutuelle_name: str | None = Field(default=None,
                                      max_length=column_length(Patient.mutuelle_name))
    mutuelle_member_number: str | None = Field(
        default=None, max_length=column_length(Patient.mutuelle_member_number))


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


Relation = Literal[tuple(RELATIONS)]  # type: ignore[valid-type]


class RelativeIn(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    relation: Relation = Field(description="enfant, parent, conjoint ou autre")
    sex: str | None = Field(default=None, pattern="^[FM]$")
    nir: str | None = Field(default=None, max_length=30,
                            description="Numéro de sécurité sociale (15), vérifié")
    gp_id: Id | None = Field(default=None, description="Médecin traitant (praticien)")
    gp_declared_name: str | None = Field(default=None, max_length=120)
    gp_declared_rpps: str | None = Field(default=None, max_length=30)
    mutuelle_name: str | None = Field(default=None,
                                      max_length=column_length(Patient.mutuelle_name))
    mutuelle_member_number: str | None = Field(
        default=None, max_length=column_length(Patient.mutuelle_member_number))


class RelativeUpdate(BaseModel):
    """The identity of the relative; médecin traitant and mutuelle have their own pages."""

    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    relation: Relation
    sex: str | None = Field(default=None, pattern="^[FM]$")
    nir: str | None = Field(default=None, max_length=30)


class RelativeOut(BaseModel):
    id: int
    relation: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str | None
    nir: str | None = Field(description="Le NIR tel que donné (vérifié ou à vérifier)")
    gp_id: int | None
    gp_declared_name: str | None
    mutuelle_name: str | None
    notice: str | None = Field(default=None, description="Après l'envoi d'un NIR : « "
                               + relatives.NIR_NOTICE + " » (toujours la même réponse)")


class RemovedOut(BaseModel):
    detail: str
    code: str = "relative_removed"


def _out(r: relatives.Relative, nir_sent: bool = False) -> RelativeOut:
    p = r.patient
    return RelativeOut(id=p.id, relation=r.relation, family_name=p.family_name,
                       given_name=p.given_name, birth_date=p.birth_date, sex=p.sex, nir=r.nir,
                       gp_id=p.gp_id, gp_declared_name=p.gp_declared_name,
                       mutuelle_name=p.mutuelle_name,
                       notice=relatives.NIR_NOTICE if nir_sent else None)


PatientActor = Annotated[Actor, Depends(require_role("patient"))]


@router.get("/me/relatives", response_model=list[RelativeOut], summary="Mes proches")
def my_relatives(session: SessionDep, actor: PatientActor) -> list[RelativeOut]:
    rows = relatives.relatives_of(session, actor)
    session.commit()
    return [_out(r) for r in rows]


@router.post("/me/relatives", status_code=201, response_model=RelativeOut,
             summary="Ajouter un proche (enfant, parent…) : un dossier patient rattaché")
def add_relative(body: RelativeIn, session: SessionDep, actor: PatientActor) -> RelativeOut:
    r = relatives.add_relative(session, actor, **body.model_dump())
    session.commit()
    return _out(r, nir_sent=bool((body.nir or "").strip()))


@router.get("/me/relatives/{relative_id}", response_model=RelativeOut, summary="Un proche")
def read_relative(relative_id: Id, session: SessionDep, actor: PatientActor) -> RelativeOut:
    r = relatives.get_relative(session, actor, relative_id)
    session.commit()
    return _out(r)


@router.patch("/me/relatives/{relative_id}", response_model=RelativeOut,
              summary="Corriger l'identité d'un proche")
def update_relative(relative_id: Id, body: RelativeUpdate, session: SessionDep,
                    actor: PatientActor) -> RelativeOut:
    fields = body.model_dump(exclude={"nir"})
    # an absent « nir » keeps the stored one; « null » or "" removes it
    nir = (body.nir or "") if "nir" in body.model_fields_set else None
    r = relatives.update_relative(session, actor, relative_id, nir=nir, **fields)
    session.commit()
    return _out(r, nir_sent=bool((nir or "").strip()))


@router.delete("/me/relatives/{relative_id}", response_model=RemovedOut,
               summary="Retirer un proche (refusé s'il a un rendez-vous prévu)")
def remove_relative(relative_id: Id, session: SessionDep, actor: PatientActor) -> RemovedOut:
    relatives.remove_relative(session, actor, relative_id)
    session.commit()
    return RemovedOut(detail="proche retiré de votre compte")


@router.get("", response_model=page_of(PatientOut),
            summary="Mes patients (praticien : patients avec qui j'ai eu un rendez-vous)")
def my_patients(session: SessionDep, page: PageDep,
                actor: Annotated[Actor, Depends(require_role("practitioner"))]) -> dict:
    rows, total = people.patients_of(session, actor, limit=page.per_page,
                                     offset=page.offset)
    session.commit()
    return page.wrap([PatientOut.model_validate(p) for p in rows], int(total))


@router.get("/{patient_id}", response_model=PatientOut, summary="Un dossier patient")
def read_patient(patient_id: Id, session: SessionDep, actor: ActorDep) -> PatientOut:
    patient = people.get_patient(session, actor, patient_id)
    session.commit()
    return PatientOut.model_validate(patient)
