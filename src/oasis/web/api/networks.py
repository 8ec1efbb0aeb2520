"""REST API of care networks (``/api/v1/reseaux``) and SAS slots (``/api/v1/sas``).

Networks are organisation data (no health data): coordinators and admins write them.
SAS: a member site (its practitioners, the network's coordinator) publishes slots of the
next 48 h; a ``regulator`` lists and books them for a caller; the France Santé SAS
criterion's figures are ``GET /api/v1/sas/participation``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from oasis.care.core.actor import Actor
from oasis.care.core.errors import Invalid
from oasis.care.networks import sas
from oasis.care.networks import service as networks
from oasis.care.networks.models import CareNetwork
from oasis.web.api.schemas.networks import (
    CallerIn,
    MemberIn,
    MemberOut,
    NetworkIn,
    NetworkOut,
    ParticipationOut,
    PriceIn,
    PriceOut,
    ProtocolIn,
    ProtocolOut,
    PublishIn,
    ReservationOut,
    SasBookedOut,
)
from oasis.web.kit.auth import ActorDep, require_role
from oasis.web.kit.deps import Id, SessionDep

router = APIRouter(prefix="/api/v1", tags=["réseaux de soins, SAS"])
Coordinator = Annotated[Actor, Depends(require_role("coordinator", "admin"))]
Regulator = Annotated[Actor, Depends(require_role("regulator"))]


@router.get("/reseaux", response_model=list[NetworkOut], summary="Réseaux de soins")
def list_networks(session: SessionDep, _actor: ActorDep) -> list[CareNetwork]:
    return list(session.scalars(select(CareNetwork).order_by(CareNetwork.name)))


@router.post("/reseaux", response_model=NetworkOut, status_code=201,
             summary="Créer un réseau (la coordination qui le crée le coordonne)")
def create_network(body: NetworkIn, session: SessionDep, actor: Coordinator) -> CareNetwork:
    network = networks.create_network(session, name=body.name, kind=body.kind,
                                      communes=body.communes, epcis=body.epcis,
                                      coordinator_account_id=actor.account_id,
                                      mutuelle_name=body.mutuelle_name)
    session.commit()
    return network


@router.post("/reseaux/{network_id}/membres", response_model=MemberOut, status_code=201,
             summary="Ajouter un membre (praticien ou site)")
def add_member(network_id: Id, body: MemberIn, session: SessionDep,
               actor: Coordinator):
    networks.coordinated_network(session, actor, network_id)
    member = networks.add_member(session, network_id, practitioner_id=body.practitioner_id,
                                 location_id=body.location_id)
    session.commit()
    return member


@router.post("/reseaux/{network_id}/protocoles", response_model=ProtocolOut, status_code=201,
             summary="Définir un protocole (experts sollicités en premier)")
def add_protocol(network_id: Id, body: ProtocolIn, session: SessionDep, actor: Coordinator):
    networks.coordinated_network(session, actor, network_id)
    protocol = networks.add_protocol(session, network_id, name=body.name,
                                     specialty=body.specialty, expert_ids=body.expert_ids)
    session.commit()
    return protocol


@router.post("/reseaux/{network_id}/tarifs", response_model=PriceOut, status_code=201,
             summary="Ajouter un prix négocié (réseau de mutuelle)")
def add_price(network_id: Id, body: PriceIn, session: SessionDep, actor: Coordinator):
    networks.coordinated_network(session, actor, network_id)
    price = networks.add_price(session, network_id, category=body.category, item=body.item,
                               network_price_cents=body.network_price_cents,
                               usual_price_cents=body.usual_price_cents)
    session.commit()
    return price


@router.post("/sas/creneaux", response_model=list[ReservationOut], status_code=201,
             summary="Réserver des créneaux des 48 h aux régulateurs du SAS")
def publish(body: PublishIn, session: SessionDep, actor: ActorDep):
    rows = sas.publish(session, actor, body.location_id, body.slot_ids)
    session.commit()
    return rows


@router.get("/sas/creneaux", response_model=list[ReservationOut],
            summary="Créneaux SAS disponibles (régulateurs)")
def open_slots(session: SessionDep, actor: Regulator,
               specialty: Annotated[str | None, Query()] = None):
    return [r for r, _ in sas.open_reservations(session, actor, specialty=specialty)]


@router.post("/sas/creneaux/{reservation_id}/rendez-vous", response_model=SasBookedOut,
             status_code=201, summary="Réserver un créneau SAS pour un appelant")
def book(reservation_id: Id, body: CallerIn, session: SessionDep,
         actor: Regulator) -> SasBookedOut:
    caller = sas.Caller(body.family_name, body.given_name, body.birth_date, body.commune_code,
                        body.phone)
    a = sas.book(session, actor, reservation_id, caller, reason=body.reason)
    out = SasBookedOut(appointment_id=a.id, patient_id=a.patient_id, start_at=a.start_at)
    session.commit()
    return out


@router.get("/sas/participation", response_model=ParticipationOut,
            summary="Participation d'un site au SAS sur une période (critère France Santé)")
def participation(session: SessionDep, _actor: Coordinator,
                  location_id: Annotated[Id, Query()], start: Annotated[datetime, Query()],
                  end: Annotated[datetime, Query()]) -> dict:
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("dates avec fuseau horaire attendues (ISO 8601)", code="naive_datetime")
    return sas.sas_participation(session, location_id, (start, end))
