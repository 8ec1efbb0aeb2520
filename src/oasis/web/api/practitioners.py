"""Practitioners: public directory, creation and site roles (coordinators, admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from oasis.care.accounts import onboarding
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Invalid
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.sites.models import Location
from oasis.web.api.schemas.care import PractitionerOut, page_of
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import Id, PageDep, SessionDep, column_length

router = APIRouter(prefix="/api/v1/practitioners", tags=["praticiens"])
Manager = Annotated[Actor, Depends(require_role("coordinator", "admin"))]


class PractitionerIn(BaseModel):
    rpps: str = Field(max_length=30, description="Numéro RPPS (11 chiffres, clé de Luhn)")
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    specialty: str = "generaliste"
    profession: str = "medecin"
    sector: str = "1"
    teleconsultation: bool = False
    phone: str | None = Field(default=None, max_length=column_length(Practitioner.phone))
    email: str | None = Field(default=None, max_length=column_length(Practitioner.email),
                              description="Invite le praticien : un lien pour choisir son "
                                          "mot de passe est envoyé à cette adresse")
    password: str | None = Field(default=None, max_length=200, description="Refusé : le "
                                 "professionnel choisit lui-même son mot de passe (invitation)")
    languages: list[Annotated[str, Field(max_length=5)]] = Field(default=[], max_length=20)
    location_ids: list[Id] = []


class PractitionerDetail(PractitionerOut):
    location_ids: list[Id]


def _detail(session, p: Practitioner) -> PractitionerDetail:
    ids = session.scalars(select(PractitionerRole.location_id).where(
        PractitionerRole.practitioner_id == p.id, PractitionerRole.active.is_(True))).all()
    return PractitionerDetail(**PractitionerOut.model_validate(p).model_dump(),
                              location_ids=list(ids))


@router.get("", response_model=page_of(PractitionerOut), summary="Annuaire des praticiens")
def directory(session: SessionDep, page: PageDep, specialty: str | None = None,
              commune: Annotated[str | None, Query(description="Code INSEE d'un site")] = None,
              teleconsultation: bool | None = None) -> dict:
    stmt = select(Practitioner)
    if specialty:
        stmt = stmt.where(Practitioner.specialty == specialty)
    if teleconsultation is not None:
        stmt = stmt.where(Practitioner.teleconsultation.is_(teleconsultation))
    if commune:
        stmt = stmt.where(Practitioner.id.in_(
            select(PractitionerRole.practitioner_id).join(
                Location, Location.id == PractitionerRole.location_id)
            .where(Location.commune_code == commune)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Practitioner.family_name, Practitioner.id)
                           .limit(page.per_page).offset(page.offset)).all()
    return page.wrap([PractitionerOut.model_validate(p) for p in rows], int(total))


@router.get("/{practitioner_id}", response_model=PractitionerDetail)
def read(practitioner_id: Id, session: SessionDep) -> PractitionerDetail:
    return _detail(session, people.get_practitioner(session, practitioner_id))


@router.post("", status_code=201, response_model=PractitionerDetail,
             summary="Ajouter un praticien (coordinateur, admin)")
def create(body: PractitionerIn, request: Request, session: SessionDep,
           actor: Manager) -> PractitionerDetail:
    """With ``email``, the practitioner is invited; their creator never holds their
    password, so creating an account never lets anyone act as someone else."""
    if body.password is not None:
        raise Invalid("un professionnel choisit lui-même son mot de passe : indiquez son "
                      "e-mail, une invitation lui est envoyée", code="password_not_allowed")
    p = people.create_practitioner(session, **body.model_dump(
        exclude={"password", "location_ids"}))
    for location_id in body.location_ids:
        people.add_role(session, p.id, location_id)
    if body.email:
        onboarding.invite_professional(session, actor, p, body.email,
                                       link_base=str(request.base_url).rstrip("/"))
    session.commit()
    return _detail(session, p)


class RoleIn(BaseModel):
    location_id: Id


@router.post("/{practitioner_id}/sites", status_code=201, response_model=PractitionerDetail,
             summary="Rattacher un praticien à un site")
def add_site(practitioner_id: Id, body: RoleIn, session: SessionDep,
             _actor: Manager) -> PractitionerDetail:
    people.add_role(session, practitioner_id, body.location_id)
    session.commit()
    return _detail(session, people.get_practitioner(session, practitioner_id))
