"""Pages of the network coordinator (« Réseaux de soins ») and of the SAS regulator.

The coordinator sees the networks they coordinate — territory, members, protocols,
mutuelle prices — adds protocols, and keeps member sites' slots of the next 48 h for
the SAS; each member site's SAS participation is shown as France Santé reads it
(:func:`oasis.care.networks.sas.sas_participation`).  The regulator lists the kept slots
and books one for the caller on the line.  Thin over the services, like the API.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import CareError, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.networks import sas
from oasis.care.networks import service as networks
from oasis.care.networks.models import NETWORK_KINDS, PRICE_CATEGORIES
from oasis.care.people.models import Practitioner
from oasis.care.scheduling.models import Slot
from oasis.care.sites.models import Location
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.csrf import csrf_valid
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.errors import PageNotFound
from oasis.web.kit.templating import render
from oasis.web.pages.pro.common import see_other

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
Regulator = Annotated[Visitor, Depends(page_gate("regulator"))]
PAGE, SAS_PAGE = "/coordination/reseaux", "/sas"
CSRF_ERROR = "Formulaire expiré : rechargez la page et recommencez."


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _coordinator_page(request, session, who, status_code=200, **ctx):
    now = utcnow()
    rows = []
    for network in networks.coordinated_by(session, who.actor):
        people = {p.id: p for p in session.scalars(select(Practitioner).where(
            Practitioner.id.in_(networks.member_practitioners(session, network.id))))}
        sites = []
        for location_id in networks.member_sites(session, network.id):
            site = session.get(Location, location_id)
            free = list(session.scalars(select(Slot).where(
                Slot.location_id == location_id, Slot.status == "free",
                Slot.mode == "in_person", Slot.start_at > now,
                Slot.start_at <= now + sas.SAS_HORIZON).order_by(Slot.start_at).limit(12)))
            part = sas.sas_participation(session, location_id,
                                         (now - timedelta(days=30), now + sas.SAS_HORIZON))
            sites.append({"site": site, "free": free, "participation": part})
        rows.append({"network": network, "people": people, "sites": sites})
    return render(request, "pro/reseaux.html", who, status_code=status_code,
                  title="Réseaux de soins", section="reseaux", rows=rows, kinds=NETWORK_KINDS,
                  categories=PRICE_CATEGORIES, specialties=SPECIALTIES, now=now, **ctx)


@router.get(PAGE)
def coordinator_page(request: Request, session: SessionDep, who: Coordinator,
                     ok: str | None = None):
    messages = {"protocole": "Protocole enregistré.",
                "sas": "Créneaux réservés aux régulateurs du SAS."}
    return _coordinator_page(request, session, who, ok=messages.get(ok or ""))


@router.post(PAGE + "/{network_id}/protocoles")
def add_protocol(network_id: int, request: Request, session: SessionDep, who: Coordinator,
                 csrf: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                 specialty: Annotated[str, Form()] = "",
                 expert_ids: Annotated[list[int] | None, Form()] = None):
    if not csrf_valid(request, csrf):
        return _coordinator_page(request, session, who, 403, erreur=CSRF_ERROR)
    try:
        networks.coordinated_network(session, who.actor, network_id)
        if not name.strip():
            return _coordinator_page(request, session, who, 422,
                                     erreur="Donnez un nom au protocole.")
        networks.add_protocol(session, network_id, name=name, specialty=specialty,
                              expert_ids=expert_ids or [])
        session.commit()
    except NotFound:
        raise PageNotFound() from None
    except CareError as exc:
        session.rollback()
        return _coordinator_page(request, session, who, 422, erreur=_sentence(exc.message))
    return see_other(PAGE, ok="protocole")


@router.post(PAGE + "/sites/{location_id}/sas")
def publish(location_id: int, request: Request, session: SessionDep, who: Coordinator,
            csrf: Annotated[str, Form()] = "",
            slot_ids: Annotated[list[int] | None, Form()] = None):
    if not csrf_valid(request, csrf):
        return _coordinator_page(request, session, who, 403, erreur=CSRF_ERROR)
    try:
        sas.publish(session, who.actor, location_id, slot_ids or [])
        session.commit()
    except CareError as exc:
        session.rollback()
        return _coordinator_page(request, session, who, 422, erreur=_sentence(exc.message))
    return see_other(PAGE, ok="sas")


def _regulator_page(request, session, who, status_code=200, **ctx):
    rows = sas.open_reservations(session, who.actor)
    people = {p.id: p for p in session.scalars(select(Practitioner).where(
        Practitioner.id.in_([s.practitioner_id for _, s in rows])))}
    sites = {s.id: s for s in session.scalars(select(Location).where(
        Location.id.in_([r.location_id for r, _ in rows])))}
    return render(request, "pro/sas.html", who, status_code=status_code,
                  title="Régulation SAS", section="sas", rows=rows, people=people, sites=sites,
                  specialties=SPECIALTIES, now=utcnow(), form=ctx.pop("form", {}), **ctx)


@router.get(SAS_PAGE)
def regulator_page(request: Request, session: SessionDep, who: Regulator,
                   ok: str | None = None):
    return _regulator_page(request, session, who,
                           ok="Rendez-vous réservé pour l'appelant." if ok else None)


@router.post(SAS_PAGE + "/{reservation_id}")
def regulator_book(reservation_id: int, request: Request, session: SessionDep, who: Regulator,
                   csrf: Annotated[str, Form()] = "", family_name: Annotated[str, Form()] = "",
                   given_name: Annotated[str, Form()] = "",
                   birth_date: Annotated[str, Form()] = "",
                   commune_code: Annotated[str, Form()] = "",
                   phone: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    form = {"id": reservation_id, "family_name": family_name, "given_name": given_name,
            "birth_date": birth_date, "commune_code": commune_code, "phone": phone,
            "reason": reason}
    if not csrf_valid(request, csrf):
        return _regulator_page(request, session, who, 403, erreur=CSRF_ERROR, form=form)
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        return _regulator_page(request, session, who, 422, form=form,
                               erreur="Date de naissance attendue (jj/mm/aaaa).")
    if not (family_name.strip() and given_name.strip() and len(commune_code) == 5):
        return _regulator_page(request, session, who, 422, form=form,
                               erreur="Indiquez le nom, le prénom et la commune de l'appelant.")
    try:
        sas.book(session, who.actor, reservation_id,
                 sas.Caller(family_name, given_name, born, commune_code, phone or None),
                 reason=reason or None)
        session.commit()
    except CareError as exc:
        session.rollback()
        return _regulator_page(request, session, who, 409, form=form,
                               erreur=_sentence(exc.message))
    return see_other(SAS_PAGE, ok="1")
