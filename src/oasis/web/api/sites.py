"""Care sites (FHIR Location): list, detail, creation, opening hours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from oasis.care.core.actor import Actor
from oasis.care.people.models import PractitionerRole
from oasis.care.sites import service as sites
from oasis.care.sites.models import Location
from oasis.web.api.schemas.care import ORM, HoursIn, page_of
from oasis.web.kit.auth import require_role
from oasis.web.kit.deps import Id, LocalTime, PageDep, SessionDep, column_length

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])
Manager = Annotated[Actor, Depends(require_role("coordinator", "admin"))]


class HoursOut(ORM):
    weekday: int
    opens: LocalTime
    closes: LocalTime


class SiteOut(ORM):
    id: int
    name: str
    kind: str
    commune_code: str
    address: str | None
    postal_code: str | None
    lat: float
    lon: float
    finess: str | None
    phone: str | None
    nurse_present: bool
    sector1_only: bool
    equipment: list[str]
    access: str | None = Field(description="Accès : entrée, étage, ascenseur")
    parking: str | None
    transport: str | None = Field(description="Transports en commun, à la demande")
    payments: list[str] = Field(description="Moyens de paiement acceptés (codes)")
    hours: list[HoursOut]


class SiteDetail(SiteOut):
    practitioner_ids: list[Id]


class SiteIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=column_length(Location.kind))
    commune_code: str = Field(max_length=column_length(Location.commune_code))
    address: str | None = Field(default=None, max_length=column_length(Location.address))
    postal_code: str | None = Field(default=None,
                                    max_length=column_length(Location.postal_code))
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    finess: str | None = Field(default=None, max_length=column_length(Location.finess))
    phone: str | None = Field(default=None, max_length=column_length(Location.phone))
    nurse_present: bool = False
    sector1_only: bool = False
    equipment: list[Annotated[str, Field(max_length=50)]] = Field(default=[], max_length=50)
    access: str | None = Field(default=None, max_length=column_length(Location.access))
    parking: str | None = Field(default=None, max_length=column_length(Location.parking))
    transport: str | None = Field(default=None, max_length=column_length(Location.transport))
    payments: list[Annotated[str, Field(max_length=30)]] = Field(default=[], max_length=10)
    hours: list[HoursIn] = Field(default=[], max_length=50)


@router.get("", response_model=page_of(SiteOut), summary="Sites de soins")
def list_sites(session: SessionDep, page: PageDep, commune: str | None = None,
               kind: str | None = None) -> dict:
    stmt = select(Location).where(Location.active.is_(True))
    if commune:
        stmt = stmt.where(Location.commune_code == commune)
    if kind:
        stmt = stmt.where(Location.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Location.name, Location.id)
                           .limit(page.per_page).offset(page.offset)).all()
    return page.wrap([SiteOut.model_validate(s) for s in rows], int(total))


def _detail(session, site: Location) -> SiteDetail:
    ids = session.scalars(select(PractitionerRole.practitioner_id).where(
        PractitionerRole.location_id == site.id, PractitionerRole.active.is_(True))).all()
    return SiteDetail(**SiteOut.model_validate(site).model_dump(), practitioner_ids=list(ids))


@router.get("/{site_id}", response_model=SiteDetail)
def read_site(site_id: Id, session: SessionDep) -> SiteDetail:
    return _detail(session, sites.get_location(session, site_id))


@router.post("", status_code=201, response_model=SiteDetail, summary="Créer un site")
def create_site(body: SiteIn, session: SessionDep, _actor: Manager) -> SiteDetail:
    data = body.model_dump(exclude={"hours"})
    site = sites.create_location(session, hours=[(h.weekday, h.opens, h.closes)
                                                 for h in body.hours], **data)
    session.commit()
    return _detail(session, site)


@router.put("/{site_id}/hours", response_model=SiteDetail, summary="Horaires d'ouverture")
def set_hours(site_id: Id, body: list[HoursIn], session: SessionDep,
              _actor: Manager) -> SiteDetail:
    site = sites.set_hours(session, site_id, [(h.weekday, h.opens, h.closes) for h in body])
    session.commit()
    return _detail(session, site)
