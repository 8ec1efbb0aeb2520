"""Create and read patients, practitioners, their site roles and staff members.

Identifiers are validated here (not only in the API) so the demo loader, the CLI and
other domains get the same guarantees.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment
from oasis.care.core.access import ensure_can_see_patient
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.core.geo import commune_place
from oasis.care.core.identifiers import InvalidIdentifier, normalise_nir, normalise_rpps
from oasis.care.core.lookup import get_or_raise
from oasis.care.core.vocab import PROFESSIONS, SECTORS, SPECIALTIES, STAFF_KINDS
from oasis.care.people.models import Patient, Practitioner, PractitionerRole, StaffMember
from oasis.care.sites.models import Location


def _check(value: str, allowed, what: str) -> str:
    if value not in allowed:
        raise Invalid(f"{what} inconnu·e : {value!r} (valeurs : {', '.join(allowed)})",
                      code=f"invalid_{what}")
    return value


def create_patient(session: Session, actor: Actor, *, family_name: str, given_name: str,
                   birth_date: date, commune_code: str, sex: str | None = None,
                   nir: str | None = None, address: str | None = None,
                   phone: str | None = None, email: str | None = None,
                   gp_id: int | None = None, mutuelle_name: str | None = None,
                   mutuelle_member_number: str | None = None, synthetic: bool = False,
                   geo=None) -> Patient:
    if birth_date > date.today():
        raise Invalid("date de naissance dans le futur", code="invalid_birth_date")
    try:
        nir = normalise_nir(nir) if nir else None
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_nir") from exc
    if nir and session.scalar(select(Patient.id).where(Patient.nir == nir)):
        raise Conflict("un patient avec ce NIR existe déjà", code="nir_taken")
    if mutuelle_member_number and not mutuelle_name:
        raise Invalid("numéro d'adhérent sans nom de mutuelle", code="invalid_mutuelle")
    place = commune_place(commune_code, geo)
    if gp_id is not None and session.get(Practitioner, gp_id) is None:
        raise NotFound("médecin traitant introuvable", code="unknown_practitioner")
    patient = Patient(family_name=family_name.strip(), given_name=given_name.strip(),
                      birth_date=birth_date, sex=sex, nir=nir, commune_code=place.code,
                      address=address, phone=phone, email=email, gp_id=gp_id,
                      mutuelle_name=mutuelle_name,
                      mutuelle_member_number=mutuelle_member_number, synthetic=synthetic)
    session.add(patient)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("un patient avec ce NIR existe déjà", code="nir_taken") from exc
    record(session, actor, "create", "Patient", patient.id, patient_id=patient.id,
           purpose="inscription du patient")
    return patient


def get_patient(session: Session, actor: Actor, patient_id: int,
                purpose: str = "consultation du dossier") -> Patient:
    """The patient if ``actor`` may see them (audited); NotFound otherwise."""
    patient = get_or_raise(session, Patient, patient_id, "Patient introuvable", code="not_found")
    ensure_can_see_patient(session, actor, patient_id, purpose=purpose)
    record(session, actor, "read", "Patient", patient_id, patient_id=patient_id,
           purpose=purpose)
    return patient


def patients_of(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0,
                purpose: str = "liste des patients") -> tuple[list[Patient], int]:
    """A practitioner's patients (an appointment with them), each read audited."""
    if actor.role != "practitioner" or actor.practitioner_id is None:
        return [], 0
    ids = (select(Appointment.patient_id)
           .where(Appointment.practitioner_id == actor.practitioner_id).distinct())
    stmt = select(Patient).where(Patient.id.in_(ids))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Patient.family_name, Patient.id)
                                .limit(limit).offset(offset)).all())
    for p in rows:
        record(session, actor, "read", "Patient", p.id, patient_id=p.id, purpose=purpose)
    return rows, int(total)


def create_practitioner(session: Session, *, rpps: str, family_name: str, given_name: str,
                        specialty: str, profession: str = "medecin", sector: str = "1",
                        teleconsultation: bool = False, phone: str | None = None,
                        email: str | None = None, synthetic: bool = False) -> Practitioner:
    try:
        rpps = normalise_rpps(rpps)
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_rpps") from exc
    _check(specialty, SPECIALTIES, "specialty")
    _check(profession, PROFESSIONS, "profession")
    _check(sector, SECTORS, "sector")
    if session.scalar(select(Practitioner.id).where(Practitioner.rpps == rpps)):
        raise Conflict("un praticien avec ce RPPS existe déjà", code="rpps_taken")
    practitioner = Practitioner(rpps=rpps, family_name=family_name, given_name=given_name,
                                specialty=specialty, profession=profession, sector=sector,
                                teleconsultation=teleconsultation, phone=phone, email=email,
                                synthetic=synthetic)
    session.add(practitioner)
    session.flush()
    return practitioner


def get_practitioner(session: Session, practitioner_id: int) -> Practitioner:
    return get_or_raise(session, Practitioner, practitioner_id,
                        "praticien introuvable", code="unknown_practitioner")


def add_role(session: Session, practitioner_id: int, location_id: int) -> PractitionerRole:
    """Attach a practitioner to a site (idempotent)."""
    get_practitioner(session, practitioner_id)
    if session.get(Location, location_id) is None:
        raise NotFound("site introuvable", code="unknown_location")
    role = session.scalar(select(PractitionerRole).where(
        PractitionerRole.practitioner_id == practitioner_id,
        PractitionerRole.location_id == location_id))
    if role is None:
        role = PractitionerRole(practitioner_id=practitioner_id, location_id=location_id)
        session.add(role)
        session.flush()
    elif not role.active:
        role.active = True
    return role


def create_staff(session: Session, *, kind: str, family_name: str, given_name: str,
                 location_id: int | None = None, rpps: str | None = None,
                 organisation: str | None = None, synthetic: bool = False) -> StaffMember:
    _check(kind, STAFF_KINDS, "staff_kind")
    if rpps:
        try:
            rpps = normalise_rpps(rpps)
        except InvalidIdentifier as exc:
            raise Invalid(str(exc), code="invalid_rpps") from exc
    if location_id is not None and session.get(Location, location_id) is None:
        raise NotFound("site introuvable", code="unknown_location")
    staff = StaffMember(kind=kind, family_name=family_name, given_name=given_name,
                        location_id=location_id, rpps=rpps or None, organisation=organisation,
                        synthetic=synthetic)
    session.add(staff)
    session.flush()
    return staff
