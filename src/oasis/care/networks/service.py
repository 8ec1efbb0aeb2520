"""Networks: creation, membership, protocol routing, mutuelle offers.

Routing is the one rule of a network the rest of Oasis uses: for a patient and a
specialty, the practitioners who should see a téléexpertise first are, in order, the
experts named by the chosen protocol, then the members of the patient's networks with
that specialty, then every other practitioner of that specialty.  A network covers a
patient when their commune is in its territory (communes listed, or the commune's EPCI
listed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.core.lookup import get_or_raise
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.networks.models import (
    NETWORK_KINDS,
    PRICE_CATEGORIES,
    CareNetwork,
    CareProtocol,
    NetworkMember,
    NetworkPrice,
)
from oasis.care.people.models import Patient, Practitioner
from oasis.care.sites.models import Location


def create_network(session: Session, *, name: str, kind: str, communes=(), epcis=(),
                   coordinator_account_id: int | None = None,
                   mutuelle_name: str | None = None, synthetic: bool = False) -> CareNetwork:
    if kind not in NETWORK_KINDS:
        raise Invalid(f"type de réseau inconnu : « {kind} »", code="invalid_network_kind")
    if not (name or "").strip():
        raise Invalid("indiquez le nom du réseau", code="network_name_required")
    if kind == "mutuelle" and not (mutuelle_name or "").strip():
        raise Invalid("un réseau de mutuelle indique la mutuelle", code="mutuelle_required")
    if session.scalar(select(CareNetwork.id).where(CareNetwork.name == name.strip())):
        raise Conflict(f"le réseau « {name} » existe déjà", code="network_exists")
    for code in communes:
        if len(str(code)) != 5:
            raise Invalid(f"code commune invalide : « {code} »", code="invalid_commune")
    network = CareNetwork(name=name.strip(), kind=kind, communes=[str(c) for c in communes],
                          epcis=[str(e) for e in epcis],
                          coordinator_account_id=coordinator_account_id,
                          mutuelle_name=(mutuelle_name or "").strip() or None,
                          synthetic=synthetic)
    session.add(network)
    session.flush()
    return network


def get_network(session: Session, network_id: int) -> CareNetwork:
    return get_or_raise(session, CareNetwork, network_id, "réseau introuvable",
                        code="unknown_network")


def add_member(session: Session, network_id: int, *, practitioner_id: int | None = None,
               location_id: int | None = None) -> NetworkMember:
    network = get_network(session, network_id)
    if (practitioner_id is None) == (location_id is None):
        raise Invalid("un membre est un praticien ou un site", code="member_kind")
    if practitioner_id is not None:
        get_or_raise(session, Practitioner, practitioner_id, "praticien introuvable",
                     code="unknown_practitioner")
    if location_id is not None:
        get_or_raise(session, Location, location_id, "site introuvable",
                     code="unknown_location")
    existing = session.scalar(select(NetworkMember).where(
        NetworkMember.network_id == network.id,
        NetworkMember.practitioner_id.is_(practitioner_id) if practitioner_id is None
        else NetworkMember.practitioner_id == practitioner_id,
        NetworkMember.location_id.is_(location_id) if location_id is None
        else NetworkMember.location_id == location_id))
    if existing is not None:
        return existing
    member = NetworkMember(network_id=network.id, practitioner_id=practitioner_id,
                           location_id=location_id)
    session.add(member)
    session.flush()
    return member


def add_protocol(session: Session, network_id: int, *, name: str, specialty: str,
                 expert_ids=()) -> CareProtocol:
    network = get_network(session, network_id)
    if specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : « {specialty} »", code="invalid_specialty")
    members = set(member_practitioners(session, network.id))
    outside = [e for e in expert_ids if e not in members]
    if outside:
        raise Invalid("les experts d'un protocole sont des membres du réseau",
                      code="expert_not_member")
    protocol = session.scalar(select(CareProtocol).where(
        CareProtocol.network_id == network.id, CareProtocol.name == name.strip()))
    if protocol is None:
        protocol = CareProtocol(network_id=network.id, name=name.strip(), specialty=specialty)
        session.add(protocol)
    protocol.specialty, protocol.expert_ids = specialty, list(expert_ids)
    session.flush()
    return protocol


def add_price(session: Session, network_id: int, *, category: str, item: str,
              network_price_cents: int, usual_price_cents: int | None = None) -> NetworkPrice:
    network = get_network(session, network_id)
    if network.kind != "mutuelle":
        raise Invalid("seul un réseau de mutuelle a une grille de prix", code="not_mutuelle")
    if category not in PRICE_CATEGORIES:
        raise Invalid(f"catégorie inconnue : « {category} »", code="invalid_category")
    if network_price_cents < 0:
        raise Invalid("prix négatif", code="invalid_price")
    price = NetworkPrice(network_id=network.id, category=category, item=item,
                         network_price_cents=network_price_cents,
                         usual_price_cents=usual_price_cents)
    session.add(price)
    session.flush()
    return price


def member_practitioners(session: Session, network_id: int) -> list[int]:
    return list(session.scalars(select(NetworkMember.practitioner_id).where(
        NetworkMember.network_id == network_id, NetworkMember.practitioner_id.is_not(None))
        .order_by(NetworkMember.id)))


def member_sites(session: Session, network_id: int) -> list[int]:
    return list(session.scalars(select(NetworkMember.location_id).where(
        NetworkMember.network_id == network_id, NetworkMember.location_id.is_not(None))
        .order_by(NetworkMember.id)))


def _epci_of(commune: str, geo) -> str | None:
    if geo is None:
        return None
    try:
        return geo.commune(commune).epci
    except LookupError:  # unknown commune: no EPCI, only listed communes match
        return None


def covers(network: CareNetwork, commune: str, geo=None) -> bool:
    if commune in (network.communes or []):
        return True
    return bool(network.epcis) and _epci_of(commune, geo) in set(network.epcis)


def networks_for(session: Session, commune: str, kinds=("cpts", "reseau_sante", "msp_team"),
                 geo=None) -> list[CareNetwork]:
    rows = session.scalars(select(CareNetwork).where(CareNetwork.kind.in_(kinds))
                           .order_by(CareNetwork.id))
    return [n for n in rows if covers(n, commune, geo)]


@dataclass(frozen=True)
class Route:
    """Who a request goes to, in order, and through which network / protocol."""

    practitioner_ids: list[int]
    network_id: int | None
    protocol_id: int | None


def route(session: Session, patient: Patient, specialty: str, *,
          protocol_id: int | None = None, geo=None) -> Route:
    """Protocol experts first, then the patient's networks' members, then the rest."""
    if specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : « {specialty} »", code="invalid_specialty")
    order: list[int] = []
    network_id = None
    if protocol_id is not None:
        protocol = get_or_raise(session, CareProtocol, protocol_id, "protocole introuvable",
                                code="unknown_protocol")
        if protocol.specialty != specialty:
            raise Invalid("ce protocole relève d'une autre spécialité",
                          code="protocol_specialty")
        order += list(protocol.expert_ids)
        network_id = protocol.network_id
    of_specialty = set(session.scalars(select(Practitioner.id).where(
        Practitioner.specialty == specialty)))
    for network in networks_for(session, patient.commune_code, geo=geo):
        members = [p for p in member_practitioners(session, network.id) if p in of_specialty]
        if members and network_id is None:
            network_id = network.id
        order += members
    order += sorted(of_specialty)
    seen: list[int] = []
    for p in order:
        if p in of_specialty and p not in seen:
            seen.append(p)
    return Route(seen, network_id, protocol_id)


def protocols_for(session: Session, commune: str, geo=None) -> list[CareProtocol]:
    out: list[CareProtocol] = []
    for network in networks_for(session, commune, geo=geo):
        out += list(network.protocols)
    return out


def coordinated_by(session: Session, actor: Actor) -> list[CareNetwork]:
    """The networks ``actor`` coordinates (admins: all)."""
    stmt = select(CareNetwork).order_by(CareNetwork.name)
    if actor.role != "admin":
        if actor.account_id is None:
            return []
        stmt = stmt.where(CareNetwork.coordinator_account_id == actor.account_id)
    return list(session.scalars(stmt))


def coordinated_network(session: Session, actor: Actor, network_id: int) -> CareNetwork:
    network = session.get(CareNetwork, network_id)
    if network is None or (actor.role != "admin"
                           and network.coordinator_account_id != actor.account_id):
        raise NotFound("réseau introuvable", code="not_found")
    return network


@dataclass(frozen=True)
class MutuelleOffer:
    network: CareNetwork
    sites: list[Location]
    prices: list[NetworkPrice]


def mutuelle_offers(session: Session, patient: Patient,
                    category: str | None = None) -> list[MutuelleOffer]:
    """The partner networks of care of the patient's mutuelle, with sites and prices."""
    if not patient.mutuelle_name:
        return []
    rows = session.scalars(select(CareNetwork).where(CareNetwork.kind == "mutuelle")
                           .order_by(CareNetwork.name))
    out = []
    for network in rows:
        if (network.mutuelle_name or "").casefold() != patient.mutuelle_name.casefold():
            continue
        prices = [p for p in network.prices if category is None or p.category == category]
        sites = [session.get(Location, i) for i in member_sites(session, network.id)]
        out.append(MutuelleOffer(network, [s for s in sites if s is not None], prices))
    return out
