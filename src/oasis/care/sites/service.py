"""Create and update care sites; the commune and its point come from the geography."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, time

from sqlalchemy.orm import Session

from oasis.care.core.errors import Conflict, Invalid
from oasis.care.core.geo import commune_place
from oasis.care.core.identifiers import InvalidIdentifier, normalise_finess
from oasis.care.core.lookup import get_or_raise
from oasis.care.core.vocab import PAYMENTS, SITE_KINDS
from oasis.care.sites.models import Location, LocationHours

Hours = Iterable[tuple[int, time, time]]


def _hours(hours: Hours) -> list[LocationHours]:
    rows = []
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6:
            raise Invalid(f"jour de semaine invalide : {weekday} (0 = lundi … 6 = dimanche)",
                          code="invalid_weekday")
        if opens >= closes:
            raise Invalid(f"horaire vide ou inversé : {opens}–{closes}", code="invalid_hours")
        rows.append(LocationHours(weekday=weekday, opens=opens, closes=closes))
    by_day: dict[int, list[LocationHours]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append(row)
    for spans in by_day.values():
        spans.sort(key=lambda r: r.opens)
        for a, b in itertools.pairwise(spans):
            if b.opens < a.closes:
                raise Invalid("horaires qui se chevauchent le même jour", code="invalid_hours")
    return rows


def create_location(session: Session, *, name: str, kind: str, commune_code: str,
                    address: str | None = None, postal_code: str | None = None,
                    lat: float | None = None, lon: float | None = None,
                    finess: str | None = None, phone: str | None = None,
                    nurse_present: bool = False, sector1_only: bool = False,
                    equipment: list[str] | None = None, hours: Hours = (),
                    access: str | None = None, parking: str | None = None,
                    transport: str | None = None, payments: Iterable[str] = (),
                    synthetic: bool = False, geo=None) -> Location:
    if kind not in SITE_KINDS:
        raise Invalid(f"type de site inconnu : {kind!r} ({', '.join(SITE_KINDS)})",
                      code="invalid_site_kind")
    try:
        finess = normalise_finess(finess) if finess else None
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_finess") from exc
    if finess and session.query(Location.id).filter(Location.finess == finess).first():
        raise Conflict("un site avec ce numéro FINESS existe déjà", code="finess_taken")
    place = commune_place(commune_code, geo)
    location = Location(name=name, kind=kind, commune_code=place.code, address=address,
                        postal_code=postal_code, lat=place.lat if lat is None else lat,
                        lon=place.lon if lon is None else lon, finess=finess, phone=phone,
                        nurse_present=nurse_present, sector1_only=sector1_only,
                        equipment=list(equipment or []), access=access, parking=parking,
                        transport=transport, payments=check_payments(payments),
                        synthetic=synthetic)
    location.hours = _hours(hours)
    session.add(location)
    session.flush()
    return location


def check_payments(payments: Iterable[str]) -> list[str]:
    """The accepted means of payment, in the vocabulary's order, each once."""
    given = set(payments)
    unknown = sorted(given - set(PAYMENTS))
    if unknown:
        raise Invalid(f"moyen de paiement inconnu : {', '.join(unknown)} "
                      f"(valeurs : {', '.join(PAYMENTS)})", code="invalid_payment")
    return [code for code in PAYMENTS if code in given]


def set_directory(session: Session, location_id: int, *, access: str | None,
                  parking: str | None, transport: str | None,
                  payments: Iterable[str]) -> Location:
    """Replace what the site's public page says about access and payment."""
    location = get_location(session, location_id)
    location.access, location.parking, location.transport = access, parking, transport
    location.payments = check_payments(payments)
    session.flush()
    return location


def get_location(session: Session, location_id: int) -> Location:
    return get_or_raise(session, Location, location_id, "site introuvable", code="unknown_location")


def set_hours(session: Session, location_id: int, hours: Hours) -> Location:
    """Replace a site's opening hours as a whole."""
    location = get_location(session, location_id)
    location.hours = _hours(hours)
    session.flush()
    return location


def declare_sas(session: Session, location_id: int, since: date,
                evidence: str | None) -> Location:
    """Record a site's participation in the service d'accès aux soins (France Santé).

    ``since`` is the date of the declaration (or of the SAS agreement); ``evidence`` what
    backs it (agreement reference, slots published on the SAS platform…).
    """
    location = get_location(session, location_id)
    if evidence is not None and len(evidence) > 200:
        raise Invalid("preuve de participation au SAS : 200 caractères au plus",
                      code="invalid_sas_evidence")
    location.sas_since, location.sas_evidence = since, evidence
    session.flush()
    return location
