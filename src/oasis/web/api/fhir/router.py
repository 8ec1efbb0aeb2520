"""The /fhir router: read, search, create and update over the care services.

Every handler is a thin call: parse the FHIR search parameters, call the same service
the REST API calls (same access rule, same audit record), map rows to resources.  Public
directory and availability data (Practitioner, PractitionerRole, Organization,
Location, HealthcareService, Schedule, Slot) need no account, as on the REST API; health
data (Patient, Appointment, Encounter, Observation, MedicationRequest, ServiceRequest)
need a bearer token and answer 404 for what is not the caller's.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Integer, cast, false, func, or_, select

from oasis.care.audit import service as audit_service
from oasis.care.audit.models import AuditEvent
from oasis.care.booking import service as booking
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid, NotFound
from oasis.care.core.geo import commune_place
from oasis.care.core.inputs import ascii_digits, parse_id
from oasis.care.core.vocab import MODES, SPECIALTIES
from oasis.care.notifications import service as notifications
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner, PractitionerRole
from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.scheduling.search import COUNT_CAP, list_slots, search_slots, sites_within
from oasis.care.sites.models import Location
from oasis.care.teleconsult import encounters, prescriptions, referrals
from oasis.care.teleconsult.models import EncounterMeasurement
from oasis.web.api.fhir import appointments as fhir_appointments
from oasis.web.api.fhir import audit as fhir_audit
from oasis.web.api.fhir import clinical, places, scheduling
from oasis.web.api.fhir import people as fhir_people
from oasis.web.api.fhir.capability import capability_statement
from oasis.web.api.fhir.common import (
    FINESS,
    IDNAT_PS,
    IDNAT_STRUCT,
    RPPS,
    FhirResponse,
    bundle,
    page_links,
    parse_instant,
)
from oasis.web.api.fhir.errors import FhirRoute
from oasis.web.kit.auth import ActorDep, require_role
from oasis.web.kit.deps import SessionDep

router = APIRouter(prefix="/fhir", tags=["FHIR R4"], route_class=FhirRoute,
                   default_response_class=FhirResponse)

Manager = Annotated[Actor, Depends(require_role("coordinator", "admin"))]
MAX_COUNT = 200
DEFAULT_HOURS = 48  # the REST search's default window when no start=le is given


# ------------------------------------------------------------------------ plumbing
class Params:
    """The query string as FHIR reads it: repeated keys, comma-separated ORs."""

    def __init__(self, request: Request, allowed: tuple[str, ...]) -> None:
        self.items = list(request.query_params.multi_items())
        unknown = sorted({k for k, _ in self.items} - {*allowed, "_count", "_offset",
                                                      "_format"})
        if unknown:
            raise Invalid(f"paramètre de recherche non pris en charge : {', '.join(unknown)}",
                          code="unsupported_search_parameter")
        self.count = self.integer("_count", 20, 1, MAX_COUNT)
        self.offset = self.integer("_offset", 0, 0, 10_000)

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.items if k == key]

    def one(self, key: str) -> str | None:
        values = self.all(key)
        if len(values) > 1:
            raise Invalid(f"{key} : une seule valeur", code="invalid_search_parameter")
        return values[0] if values else None

    def any_of(self, key: str) -> list[str] | None:
        value = self.one(key)
        return None if value is None else [v.strip() for v in value.split(",") if v.strip()]

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.one(key)
        if value is None:
            return default
        if not ascii_digits(value) or not low <= int(value) <= high:
            raise Invalid(f"{key} : entier de {low} à {high} attendu",
                          code="invalid_search_parameter")
        return int(value)


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def searchset(request: Request, kind: str, p: Params, resources: list[dict], total: int,
              included: list[dict] = ()) -> FhirResponse:
    more = p.offset + len(resources) < total
    base = base_of(request)
    self_url, next_url = page_links(base, kind, p.items, p.count, p.offset, more)
    return FhirResponse(bundle(resources, base=base, self_url=self_url, next_url=next_url,
                               total=None if total >= COUNT_CAP else total,
                               included=included))


def ids_of(values: list[str] | None, kind: str) -> list[int] | None:
    """``Kind/12,13`` or ``12,13`` → [12, 13]."""
    if values is None:
        return None
    out = []
    for v in values:
        v = v.split("/", 1)[1] if v.startswith(f"{kind}/") else v
        if not ascii_digits(v):
            raise Invalid(f"identifiant {kind} invalide « {v} »", code="invalid_reference")
        out.append(int(v))
    return out


def token(value: str | None, system: str | None = None) -> str | None:
    """The code of a ``system|code`` token (the system, if given, must be ours)."""
    if value is None:
        return None
    if "|" in value:
        sys, value = value.split("|", 1)
        if system is not None and sys and sys != system:
            raise Invalid(f"système de code inconnu : {sys}", code="unknown_code_system")
    return value


def specialty_of(value: str | None) -> str | None:
    code = token(value, fhir_people.SPECIALTY_SYSTEM)
    if code is not None and code not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : {code!r} ({', '.join(SPECIALTIES)})",
                      code="invalid_specialty")
    return code


def mode_of(value: str | None) -> str | None:
    code = token(value)
    if code is not None and code not in MODES:
        raise Invalid(f"mode inconnu : {code!r} ({', '.join(MODES)})", code="invalid_mode")
    return code


def int_id(value: str, kind: str) -> int:
    ident = parse_id(value)
    if ident is None:  # not an id, or one no row can have: missing
        raise NotFound(f"{kind} introuvable", code="not_found")
    return ident


def get_or_404(session, model, ident: int, kind: str):
    row = session.get(model, ident)
    if row is None:
        raise NotFound(f"{kind} introuvable", code="not_found")
    return row


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise Invalid("corps JSON invalide", code="invalid_json") from exc


def created(request: Request, res: dict, status: int = 201) -> FhirResponse:
    location = f"{base_of(request)}/{res['resourceType']}/{res['id']}"
    return FhirResponse(res, status, headers={"Location": location})


# ------------------------------------------------------------------------ metadata
@router.get("/metadata", summary="CapabilityStatement (ce que l'API FHIR implémente)")
def metadata(request: Request) -> FhirResponse:
    return FhirResponse(capability_statement(base_of(request)))


# ------------------------------------------------------------------------ Patient
@router.get("/Patient/{ident}", summary="Un patient (lui-même, ou un patient suivi)")
def read_patient(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    patient = people.get_patient(session, actor, int_id(ident, "Patient"))
    session.commit()
    return FhirResponse(fhir_people.patient(patient, as_given=actor.role == "patient"))


@router.get("/Patient", summary="Patients visibles : soi-même, ou les patients suivis")
def search_patients(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    p = Params(request, ())
    if actor.role == "patient" and actor.patient_id is not None:
        rows = [people.get_patient(session, actor, actor.patient_id)] if p.offset == 0 else []
        total = 1
    else:
        rows, total = people.patients_of(session, actor, limit=p.count, offset=p.offset)
    session.commit()
    as_given = actor.role == "patient"
    return searchset(request, "Patient", p,
                     [fhir_people.patient(r, as_given=as_given) for r in rows], total)


# ------------------------------------------------------------------------ Practitioner
@router.get("/Practitioner/{ident}", summary="Un praticien (RPPS)")
def read_practitioner(ident: str, session: SessionDep) -> FhirResponse:
    row = people.get_practitioner(session, int_id(ident, "Practitioner"))
    return FhirResponse(fhir_people.practitioner(row))


def _identifier_filter(value: str, systems: dict[str, tuple[Any, str]]):
    """``system|value`` on a national identifier → a SQL condition.

    IdNat_PS and IdNat_Struct are the stored RPPS / FINESS behind a one-digit prefix
    ("8", "1"); without a system every known form matches.
    """
    system, _, ident = value.rpartition("|")
    if system and system not in systems:
        raise Invalid(f"système d'identifiant non pris en charge : {system}",
                      code="unknown_identifier_system")
    chosen = [systems[system]] if system else list(systems.values())
    conditions = [column == ident[len(prefix):] for column, prefix in chosen
                  if ident.startswith(prefix)]
    return or_(*conditions) if conditions else false()


@router.get("/Practitioner", summary="Annuaire des praticiens")
def search_practitioners(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, ("identifier", "family", "name", "specialty", "_id"))
    stmt = select(Practitioner)
    if (ident := p.one("identifier")) is not None:
        stmt = stmt.where(_identifier_filter(ident, {IDNAT_PS: (Practitioner.rpps, "8"),
                                                     RPPS: (Practitioner.rpps, "")}))
    if (ids := ids_of(p.any_of("_id"), "Practitioner")) is not None:
        stmt = stmt.where(Practitioner.id.in_(ids))
    for key in ("family", "name"):
        if (name := p.one(key)) is not None:
            stmt = stmt.where(func.lower(Practitioner.family_name).startswith(name.lower()))
    if (spec := specialty_of(p.one("specialty"))) is not None:
        stmt = stmt.where(Practitioner.specialty == spec)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Practitioner.family_name, Practitioner.id)
                           .limit(p.count).offset(p.offset)).all()
    return searchset(request, "Practitioner", p,
                     [fhir_people.practitioner(r) for r in rows], int(total))


@router.get("/PractitionerRole/{ident}", summary="Un lieu d'exercice d'un praticien")
def read_role(ident: str, session: SessionDep) -> FhirResponse:
    role = get_or_404(session, PractitionerRole, int_id(ident, "PractitionerRole"),
                      "PractitionerRole")
    return FhirResponse(fhir_people.practitioner_role(role, role.practitioner))


@router.get("/PractitionerRole", summary="Lieux d'exercice")
def search_roles(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, ("practitioner", "location", "organization", "specialty", "active"))
    stmt = select(PractitionerRole, Practitioner).join(
        Practitioner, Practitioner.id == PractitionerRole.practitioner_id)
    if (ids := ids_of(p.any_of("practitioner"), "Practitioner")) is not None:
        stmt = stmt.where(PractitionerRole.practitioner_id.in_(ids))
    for key, kind in (("location", "Location"), ("organization", "Organization")):
        if (ids := ids_of(p.any_of(key), kind)) is not None:
            stmt = stmt.where(PractitionerRole.location_id.in_(ids))
    if (spec := specialty_of(p.one("specialty"))) is not None:
        stmt = stmt.where(Practitioner.specialty == spec)
    if (active := p.one("active")) is not None:
        stmt = stmt.where(PractitionerRole.active.is_(active == "true"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(PractitionerRole.id).limit(p.count)
                           .offset(p.offset)).all()
    return searchset(request, "PractitionerRole", p,
                     [fhir_people.practitioner_role(r, d) for r, d in rows], int(total))


# ------------------------------------------------------------------------ places
def _site_search(request: Request, session: SessionDep, kind: str, p: Params):
    stmt = select(Location).where(Location.active.is_(True))
    if (ident := p.one("identifier")) is not None:
        stmt = stmt.where(_identifier_filter(ident, {IDNAT_STRUCT: (Location.finess, "1"),
                                                     FINESS: (Location.finess, "")}))
    if (ids := ids_of(p.any_of("_id"), kind)) is not None:
        stmt = stmt.where(Location.id.in_(ids))
    if (name := p.one("name")) is not None:
        stmt = stmt.where(func.lower(Location.name).contains(name.lower()))
    if (commune := p.one("commune")) is not None:
        stmt = stmt.where(Location.commune_code == commune_place(commune).code)
    if (postal := p.one("address-postalcode")) is not None:
        stmt = stmt.where(Location.postal_code == postal)
    near = p.one("near") if kind == "Location" else None
    travel = None
    if near is not None:
        lat, lon, minutes = _near(near, 30)
        travel = sites_within(session, lat, lon, minutes)
        stmt = stmt.where(Location.id.in_(list(travel)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Location.name, Location.id)))
    if travel is not None:
        rows.sort(key=lambda s: (travel[s.id], s.id))
    return rows[p.offset:p.offset + p.count], int(total)


def _near(value: str, default_minutes: float) -> tuple[float, float, float]:
    """``lat|lon|distance|min``: distance in car minutes (Oasis's travel model)."""
    parts = value.split("|")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        minutes = float(parts[2]) if len(parts) > 2 and parts[2] else default_minutes
    except (IndexError, ValueError) as exc:
        raise Invalid("near : latitude|longitude|distance|min attendu",
                      code="invalid_near") from exc
    unit = parts[3] if len(parts) > 3 else "min"
    if unit not in ("min", "mn"):
        raise Invalid("near : la distance est un temps de trajet en voiture, unité « min »",
                      code="invalid_near")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < minutes <= 180):
        raise Invalid("near : point ou temps de trajet hors limites", code="invalid_near")
    return lat, lon, minutes


SITE_PARAMS = ("identifier", "_id", "name", "commune", "address-postalcode")


@router.get("/Organization/{ident}", summary="Une structure (FINESS)")
def read_organization(ident: str, session: SessionDep) -> FhirResponse:
    site = get_or_404(session, Location, int_id(ident, "Organization"), "Organization")
    return FhirResponse(places.organization(site))


@router.get("/Organization", summary="Structures")
def search_organizations(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, SITE_PARAMS)
    rows, total = _site_search(request, session, "Organization", p)
    return searchset(request, "Organization", p, [places.organization(s) for s in rows], total)


@router.get("/Location/{ident}", summary="Un lieu de soins")
def read_location(ident: str, session: SessionDep) -> FhirResponse:
    site = get_or_404(session, Location, int_id(ident, "Location"), "Location")
    return FhirResponse(places.location(site))


@router.get("/Location", summary="Lieux de soins (near = lat|lon|minutes|min)")
def search_locations(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, (*SITE_PARAMS, "near"))
    rows, total = _site_search(request, session, "Location", p)
    return searchset(request, "Location", p, [places.location(s) for s in rows], total)


def _services(session, where) -> list[tuple[Location, str, bool]]:
    rows = session.execute(
        select(Location, Practitioner.specialty,
               func.max(cast(Practitioner.teleconsultation, Integer)))
        .join(PractitionerRole, PractitionerRole.location_id == Location.id)
        .join(Practitioner, Practitioner.id == PractitionerRole.practitioner_id)
        .where(PractitionerRole.active.is_(True), *where)
        .group_by(Location.id, Practitioner.specialty)
        .order_by(Location.id, Practitioner.specialty)).all()
    return [(site, spec, bool(tele)) for site, spec, tele in rows]


@router.get("/HealthcareService/{ident}", summary="Une spécialité proposée sur un site")
def read_service(ident: str, session: SessionDep) -> FhirResponse:
    site_id, _, spec = ident.partition("-")
    if not ascii_digits(site_id) or spec not in SPECIALTIES:
        raise NotFound("HealthcareService introuvable", code="not_found")
    found = _services(session, [Location.id == int(site_id), Practitioner.specialty == spec])
    if not found:
        raise NotFound("HealthcareService introuvable", code="not_found")
    return FhirResponse(places.healthcare_service(*found[0]))


@router.get("/HealthcareService", summary="Spécialités proposées par site")
def search_services(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, ("location", "organization", "specialty"))
    where = []
    for key, kind in (("location", "Location"), ("organization", "Organization")):
        if (ids := ids_of(p.any_of(key), kind)) is not None:
            where.append(Location.id.in_(ids))
    if (spec := specialty_of(p.one("specialty"))) is not None:
        where.append(Practitioner.specialty == spec)
    found = _services(session, where)
    page = found[p.offset:p.offset + p.count]
    return searchset(request, "HealthcareService", p,
                     [places.healthcare_service(*f) for f in page], len(found))


# ------------------------------------------------------------------------ Schedule, Slot
def _schedules(session, ids: list[int]) -> list[dict]:
    rows = session.execute(select(Schedule, Practitioner).join(
        Practitioner, Practitioner.id == Schedule.practitioner_id)
        .where(Schedule.id.in_(ids)).order_by(Schedule.id)).all()
    return [scheduling.schedule(s, d.specialty, d.display_name) for s, d in rows]


@router.get("/Schedule/{ident}", summary="Un agenda (praticien × site × mode)")
def read_schedule(ident: str, session: SessionDep) -> FhirResponse:
    found = _schedules(session, [int_id(ident, "Schedule")])
    if not found:
        raise NotFound("Schedule introuvable", code="not_found")
    return FhirResponse(found[0])


def _actor_filters(values: list[str] | None) -> tuple[list[int] | None, list[int] | None]:
    if values is None:
        return None, None
    practitioners = ids_of([v for v in values if v.startswith("Practitioner/")],
                           "Practitioner")
    sites = ids_of([v for v in values if v.startswith("Location/")], "Location")
    if len(practitioners) + len(sites) != len(values):
        raise Invalid("actor : Practitioner/<id> ou Location/<id>", code="invalid_reference")
    return practitioners or None, sites or None


@router.get("/Schedule", summary="Agendas")
def search_schedules(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, ("actor", "active", "specialty", "service-type"))
    practitioners, sites = _actor_filters(p.any_of("actor"))
    stmt = select(Schedule.id).join(Practitioner, Practitioner.id == Schedule.practitioner_id)
    if practitioners:
        stmt = stmt.where(Schedule.practitioner_id.in_(practitioners))
    if sites:
        stmt = stmt.where(Schedule.location_id.in_(sites))
    if (active := p.one("active")) is not None:
        stmt = stmt.where(Schedule.active.is_(active == "true"))
    if (spec := specialty_of(p.one("specialty"))) is not None:
        stmt = stmt.where(Practitioner.specialty == spec)
    if (mode := mode_of(p.one("service-type"))) is not None:
        stmt = stmt.where(Schedule.mode == mode)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = list(session.scalars(stmt.order_by(Schedule.id).limit(p.count).offset(p.offset)))
    return searchset(request, "Schedule", p, _schedules(session, ids), int(total))


@router.get("/Slot/{ident}", summary="Un créneau")
def read_slot(ident: str, session: SessionDep) -> FhirResponse:
    row = get_or_404(session, Slot, int_id(ident, "Slot"), "Slot")
    return FhirResponse(scheduling.slot_of_row(row))


SLOT_PARAMS = ("status", "start", "schedule", "schedule.actor",
               "schedule.actor:Practitioner.identifier", "service-type", "specialty",
               "commune", "near", "_include")


def _start_window(values: list[str]) -> tuple[datetime | None, datetime | None]:
    low = high = None
    for v in values:
        prefix, rest = (v[:2], v[2:]) if v[:2] in ("ge", "gt", "le", "lt", "eq") else ("eq", v)
        when = parse_instant(rest, "start")
        if prefix in ("ge", "gt"):
            low = when if prefix == "ge" else when + timedelta(microseconds=1)
        elif prefix in ("le", "lt"):
            high = when if prefix == "le" else when - timedelta(microseconds=1)
        else:
            low = high = when
    return low, high


@router.get("/Slot", summary="Créneaux : libres près d'une commune, ou d'un agenda")
def search_slot(request: Request, session: SessionDep) -> FhirResponse:
    p = Params(request, SLOT_PARAMS)
    include = p.all("_include")
    if any(i != "Slot:schedule" for i in include):
        raise Invalid("_include : seul Slot:schedule est pris en charge",
                      code="unsupported_include")
    statuses = p.any_of("status")
    low, high = _start_window(p.all("start"))
    specialty = specialty_of(p.one("specialty"))
    mode = mode_of(p.one("service-type"))
    commune, near = p.one("commune"), p.one("near")
    if commune is not None or near is not None:
        # The patient's search: free slots near a point, soonest then nearest (REST rule).
        if statuses not in (None, ["free"]):
            raise Invalid("la recherche près d'un lieu ne porte que sur status=free",
                          code="invalid_search_parameter")
        if commune is not None and near is not None:
            raise Invalid("commune ou near, pas les deux", code="invalid_search_parameter")
        if commune is not None:
            place = commune_place(commune)
            lat, lon, minutes = place.lat, place.lon, 30.0
        else:
            lat, lon, minutes = _near(near, 30)
        now = max(utcnow(), low - timedelta(microseconds=1)) if low else utcnow()
        hours = (high - now).total_seconds() / 3600 if high else DEFAULT_HOURS
        if hours <= 0:
            return searchset(request, "Slot", p, [], 0)
        hits, total = search_slots(session, lat=lat, lon=lon, within_minutes=minutes,
                                   within_hours=min(hours, 24 * 60), specialty=specialty,
                                   mode=mode or "in_person", now=now, limit=p.count,
                                   offset=p.offset)
        resources = [scheduling.slot_of_hit(h) for h in hits]
        schedule_ids = sorted({h.schedule_id for h in hits})
    else:
        practitioners, sites = _actor_filters(p.any_of("schedule.actor"))
        if (idents := p.any_of("schedule.actor:Practitioner.identifier")) is not None:
            # The SAS aggregators' query: agendas of practitioners given by IdNat_PS.
            by_rpps = list(session.scalars(select(Practitioner.id).where(or_(
                *(_identifier_filter(i, {IDNAT_PS: (Practitioner.rpps, "8"),
                                         RPPS: (Practitioner.rpps, "")}) for i in idents)))))
            practitioners = sorted(set(practitioners or by_rpps) & set(by_rpps))
        rows, total = list_slots(
            session, schedule_ids=ids_of(p.any_of("schedule"), "Schedule"),
            practitioner_ids=practitioners, location_ids=sites, statuses=statuses,
            start_from=low, start_to=high, specialty=specialty, mode=mode, limit=p.count,
            offset=p.offset)
        resources = [scheduling.slot_of_row(r) for r in rows]
        schedule_ids = sorted({r.schedule_id for r in rows})
    included = _schedules(session, schedule_ids) if include and schedule_ids else []
    return searchset(request, "Slot", p, resources, total, included)


# ------------------------------------------------------------------------ Appointment
@router.get("/Appointment/{ident}", summary="Un rendez-vous (patient, praticien)")
def read_appointment(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    row = booking.get_appointment(session, actor, int_id(ident, "Appointment"))
    session.commit()
    return FhirResponse(fhir_appointments.appointment(row))


@router.get("/Appointment", summary="Mes rendez-vous (patient) ou mon agenda (praticien)")
def search_appointments(request: Request, session: SessionDep,
                        actor: ActorDep) -> FhirResponse:
    p = Params(request, ())
    rows, total = booking.appointments_of(session, actor, limit=p.count, offset=p.offset)
    session.commit()
    return searchset(request, "Appointment", p,
                     [fhir_appointments.appointment(a) for a in rows], total)


@router.post("/Appointment", status_code=201, summary="Réserver un créneau (409 s'il est pris)")
async def create_appointment(request: Request, session: SessionDep,
                             actor: ActorDep) -> FhirResponse:
    asked = fhir_appointments.booking_request(await json_body(request))
    patient_id = asked["patient_id"] if asked["patient_id"] is not None else actor.patient_id
    if patient_id is None:
        raise Invalid("participant : Patient/<id> requis", code="patient_required")
    row = booking.book(session, actor, slot_id=asked["slot_id"], patient_id=patient_id,
                       reason=asked["reason"])
    session.commit()
    return created(request, fhir_appointments.appointment(row))


async def _update(ident: str, request: Request, session, actor: Actor,
                  patch: bool) -> FhirResponse:
    appointment_id = int_id(ident, "Appointment")
    current = fhir_appointments.appointment(
        booking.get_appointment(session, actor, appointment_id, "modification"))
    status, reason = fhir_appointments.status_change(current, await json_body(request), patch)
    if status == "cancelled":
        row = booking.cancel(session, actor, appointment_id, reason=reason)
        # by the practice: the patient is told (delivered by the notify job)
        notifications.after_cancel(session, actor, row)
    else:
        row = booking.mark_no_show(session, actor, appointment_id)
    session.commit()
    return FhirResponse(fhir_appointments.appointment(row))


@router.put("/Appointment/{ident}", summary="Annuler (status = cancelled) ou absent (noshow)")
async def put_appointment(ident: str, request: Request, session: SessionDep,
                          actor: ActorDep) -> FhirResponse:
    return await _update(ident, request, session, actor, patch=False)


@router.patch("/Appointment/{ident}", summary="JSON Patch de status (cancelled, noshow)")
async def patch_appointment(ident: str, request: Request, session: SessionDep,
                            actor: ActorDep) -> FhirResponse:
    return await _update(ident, request, session, actor, patch=True)


# ------------------------------------------------------------------------ teleconsultation
@router.get("/Encounter/{ident}", summary="Une téléconsultation")
def read_encounter(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    row = encounters.get_encounter(session, actor, int_id(ident, "Encounter"))
    session.commit()
    return FhirResponse(clinical.encounter(row))


@router.get("/Encounter", summary="Mes téléconsultations")
def search_encounters(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    p = Params(request, ())
    rows = encounters.list_encounters(session, actor, limit=p.count + 1, offset=p.offset)
    session.commit()
    total = p.offset + len(rows)
    return searchset(request, "Encounter", p, [clinical.encounter(e) for e in rows[:p.count]],
                     total)


@router.get("/Observation/{ident}", summary="Une mesure (constantes de l'ETT)")
def read_observation(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    row_id = ident.partition("-")[0]
    m = session.get(EncounterMeasurement, parse_id(row_id)) if parse_id(row_id) else None
    if m is None:
        raise NotFound("Observation introuvable", code="not_found")
    try:  # refused: the very answer of a missing observation
        e = encounters.get_encounter(session, actor, m.encounter_id, "lecture des mesures")
    except NotFound:
        raise NotFound("Observation introuvable", code="not_found") from None
    session.commit()
    found = [o for o in clinical.observations(m, e.patient_id) if o["id"] == ident]
    if not found:
        raise NotFound("Observation introuvable", code="not_found")
    return FhirResponse(found[0])


def _encounter_param(p: Params, session, actor: Actor, purpose: str):
    ids = ids_of(p.any_of("encounter"), "Encounter")
    if not ids or len(ids) != 1:
        raise Invalid("encounter=Encounter/<id> requis", code="encounter_required")
    return encounters.get_encounter(session, actor, ids[0], purpose)


@router.get("/Observation", summary="Mesures d'une téléconsultation (encounter=…)")
def search_observations(request: Request, session: SessionDep,
                        actor: ActorDep) -> FhirResponse:
    p = Params(request, ("encounter", "category"))
    e = _encounter_param(p, session, actor, "lecture des mesures")
    session.commit()
    found = [o for m in e.measurements for o in clinical.observations(m, e.patient_id)]
    return searchset(request, "Observation", p, found[p.offset:p.offset + p.count],
                     len(found))


@router.get("/MedicationRequest/{ident}", summary="Une ordonnance (patient, prescripteur)")
def read_prescription(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    rx = prescriptions.get(session, actor, ident)
    session.commit()
    return FhirResponse(clinical.medication_request(rx))


@router.get("/MedicationRequest", summary="Ordonnances d'une téléconsultation (encounter=…)")
def search_prescriptions(request: Request, session: SessionDep,
                         actor: ActorDep) -> FhirResponse:
    p = Params(request, ("encounter",))
    e = _encounter_param(p, session, actor, "lecture des ordonnances")
    rows = [prescriptions.get(session, actor, rx.id)
            for rx in prescriptions.list_for_encounter(session, e.id)
            if prescriptions.may_read(session, actor, rx)]
    session.commit()
    return searchset(request, "MedicationRequest", p,
                     [clinical.medication_request(r) for r in rows[p.offset:p.offset + p.count]],
                     len(rows))


@router.get("/ServiceRequest/{ident}", summary="Une orientation")
def read_referral(ident: str, session: SessionDep, actor: ActorDep) -> FhirResponse:
    row = referrals.get(session, actor, int_id(ident, "ServiceRequest"))
    session.commit()
    return FhirResponse(clinical.service_request(row))


@router.get("/ServiceRequest", summary="Mes orientations (patient=…)")
def search_referrals(request: Request, session: SessionDep, actor: ActorDep) -> FhirResponse:
    p = Params(request, ("patient", "subject"))
    ids = ids_of(p.any_of("patient") or p.any_of("subject"), "Patient")
    if not ids or len(ids) != 1:
        raise Invalid("patient=Patient/<id> requis", code="patient_required")
    rows = referrals.for_patient(session, actor, ids[0])
    session.commit()
    return searchset(request, "ServiceRequest", p,
                     [clinical.service_request(r) for r in rows[p.offset:p.offset + p.count]],
                     len(rows))


# ------------------------------------------------------------------------ AuditEvent
@router.get("/AuditEvent", summary="Journal d'audit (coordinateurs, administrateurs)")
def search_audit(request: Request, session: SessionDep, actor: Manager) -> FhirResponse:
    p = Params(request, ("patient", "entity-type", "action", "outcome", "date"))
    patient = ids_of(p.any_of("patient"), "Patient")
    since, until = _start_window(p.all("date"))
    actions = {v: k for k, v in fhir_audit.ACTIONS.items()}
    outcomes = {v: k for k, v in fhir_audit.OUTCOMES.items()}
    q = audit_service.AuditQuery(
        patient_id=patient[0] if patient else None, entity_type=p.one("entity-type"),
        action=actions.get(p.one("action") or "", p.one("action")),
        outcome=outcomes.get(p.one("outcome") or "", p.one("outcome")), since=since,
        until=until)
    rows, total = audit_service.search(session, q, p.count, p.offset)
    resources = [fhir_audit.audit_event(e) for e in rows]
    audit_service.record(session, actor, "search", "AuditEvent", None, patient_id=q.patient_id,
                         purpose="consultation du journal d'audit (FHIR)")
    session.commit()
    return searchset(request, "AuditEvent", p, resources, total)


@router.get("/AuditEvent/{ident}", summary="Un événement d'audit")
def read_audit(ident: str, session: SessionDep, actor: Manager) -> FhirResponse:
    row = get_or_404(session, AuditEvent, int_id(ident, "AuditEvent"), "AuditEvent")
    out = fhir_audit.audit_event(row)
    audit_service.record(session, actor, "read", "AuditEvent", row.id,
                         patient_id=row.patient_id, purpose="consultation du journal d'audit")
    session.commit()
    return FhirResponse(out)


# ------------------------------------------------------------------------ the rest
@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
def unsupported(rest: str) -> FhirResponse:
    kind = rest.split("/", 1)[0]
    raise NotFound(f"interaction non prise en charge : {kind or '/'} (voir /fhir/metadata)",
                   code="unsupported_interaction")
