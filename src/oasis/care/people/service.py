"""Create and read patients, practitioners, their site roles and staff members.

Identifiers are validated here (not only in the API) so the demo loader, the CLI and
other domains get the same guarantees.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from oasis.care.core.vocab import LANGUAGES, PROFESSIONS, SECTORS, SPECIALTIES, STAFF_KINDS
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
                        email: str | None = None, languages: Iterable[str] = (),
                        synthetic: bool = False) -> Practitioner:
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
                                languages=check_languages(languages), synthetic=synthetic)
    session.add(practitioner)
    session.flush()
    return practitioner


def check_languages(languages: Iterable[str]) -> list[str]:
    """Spoken languages as vocabulary codes, in the vocabulary's order (French first)."""
    given = set(languages)
    unknown = sorted(given - set(LANGUAGES))
    if unknown:
        raise Invalid(f"langue inconnue : {', '.join(unknown)} "
                      f"(valeurs : {', '.join(LANGUAGES)})", code="invalid_language")
    return [code for code in LANGUAGES if code in given]


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


def _fold(text: str) -> str:
    """Lower case without accents or hyphens: « Lefèvre » finds « LEFEVRE »."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def find_for_ett(session: Session, actor: Actor, family_name: str,
                 birth_date: date) -> list[Patient]:
    """Patients an ETT nurse has in front of her, by family name and birth date.

    Both are required (a name alone would let a nurse browse the register); every match
    shown is audited as a read.  Accents and case are ignored.
    """
    site = session.get(Location, actor.location_id) if actor.location_id else None
    if actor.role != "nurse" or site is None or site.kind != "ett":
        raise NotFound("Patient introuvable", code="not_found")  # only ETT nurses search
    wanted = _fold(family_name or "")
    if len(wanted) < 2:
        raise Invalid("indiquez le nom de famille (2 lettres au moins)", code="name_required")
    rows = session.scalars(select(Patient).where(Patient.birth_date == birth_date)
                           .order_by(Patient.family_name, Patient.given_name, Patient.id)
                           .limit(200)).all()
    found = [p for p in rows if _fold(p.family_name) == wanted][:10]
    for p in found:
        record(session, actor, "read", "Patient", p.id, patient_id=p.id,
               purpose="séance ETT : recherche par nom et date de naissance")
    return found


# ------------------------------------------------------------------ « Mon profil »
def search_practitioners(session: Session, text: str, specialty: str = "generaliste",
                         limit: int = 10) -> list[Practitioner]:
    """Practitioners whose family or given name matches ``text`` (accents ignored)."""
    wanted = _fold(text or "")
    if len(wanted) < 2:
        return []
    rows = session.scalars(select(Practitioner).where(Practitioner.specialty == specialty)
                           .order_by(Practitioner.family_name, Practitioner.id)).all()
    return [p for p in rows if wanted in _fold(f"{p.given_name} {p.family_name}")][:limit]


def set_gp(session: Session, actor: Actor, patient_id: int, *,
           practitioner_id: int | None = None, declared_name: str | None = None,
           declared_rpps: str | None = None) -> Patient:
    """Declare the patient's médecin traitant: one on Oasis, or one named (RPPS checked).

    Both empty clears the declaration.  Only the patient (or staff allowed to see them).
    """
    patient = get_patient(session, actor, patient_id, purpose="déclaration du médecin "
                                                                 "traitant")
    name = (declared_name or "").strip() or None
    rpps = (declared_rpps or "").strip() or None
    if practitioner_id is not None:
        doctor = session.get(Practitioner, practitioner_id)
        if doctor is None:
            raise NotFound("Praticien introuvable", code="not_found")
        if doctor.specialty != "generaliste":
            raise Invalid("le médecin traitant est en général un médecin généraliste : "
                          "choisissez-en un", code="gp_not_generalist")
        patient.gp_id, patient.gp_declared_name, patient.gp_declared_rpps = doctor.id, None, None
    else:
        if rpps is not None:
            try:
                rpps = normalise_rpps(rpps)
            except InvalidIdentifier as exc:
                raise Invalid(f"numéro RPPS invalide : {exc}", code="invalid_rpps") from exc
            known = session.scalar(select(Practitioner).where(Practitioner.rpps == rpps))
            if known is not None:  # the doctor is on Oasis after all
                return set_gp(session, actor, patient_id, practitioner_id=known.id)
        if rpps is not None and name is None:
            raise Invalid("indiquez aussi le nom du médecin", code="gp_name_required")
        if name is not None and len(name) > 120:
            raise Invalid("nom trop long (120 caractères au plus)", code="invalid_name")
        patient.gp_id, patient.gp_declared_name, patient.gp_declared_rpps = None, name, rpps
    record(session, actor, "update", "Patient", patient.id, patient_id=patient.id,
           purpose="déclaration du médecin traitant")
    session.flush()
    return patient


def set_mutuelle(session: Session, actor: Actor, patient_id: int, name: str | None,
                 member_number: str | None = None) -> Patient:
    """The patient's complémentaire santé (None: none)."""
    patient = get_patient(session, actor, patient_id, purpose="déclaration de la mutuelle")
    name = (name or "").strip() or None
    if name is not None and len(name) > 100:
        raise Invalid("nom de mutuelle trop long (100 caractères au plus)",
                      code="invalid_mutuelle")
    patient.mutuelle_name = name
    patient.mutuelle_member_number = (member_number or "").strip()[:50] or None
    record(session, actor, "update", "Patient", patient.id, patient_id=patient.id,
           purpose="déclaration de la mutuelle")
    session.flush()
    return patient
