"""Relatives (« Mes proches »): a child or a dependent parent managed from one account.

A relative is a real :class:`Patient` row, so appointments, consultations and bills
point at the person the care is for (their age, their médecin traitant, their mutuelle
price the act), and a :class:`PatientGuardian` link says which account speaks for them
(:func:`oasis.care.core.access.speaks_for`).  The relative has no login of their own;
their contact e-mail and phone are the account holder's, so confirmations and reminders
reach the person who manages them.  A relative belongs to the guardian who created it
(``dependant_id`` is unique): it cannot be attached to a second account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.booking.models import Appointment
from oasis.care.core.access import ensure_can_see_patient, speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.clock import age, paris_today
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.core.identifiers import InvalidIdentifier, normalise_nir
from oasis.care.core.inputs import text_problem
from oasis.care.people import service as people
from oasis.care.people.models import RELATIONS, Patient, PatientGuardian

MAX_RELATIVES = 12  # a large family; beyond, a bulk import is not what this page is for
NAME_MAX = 100
OLDEST = date(1900, 1, 1)


@dataclass(frozen=True)
class Relative:
    """A relative as the account holder sees them."""

    patient: Patient
    relation: str

    @property
    def id(self) -> int:
        return self.patient.id

    @property
    def relation_label(self) -> str:
        return RELATIONS[self.relation]

    @property
    def display_name(self) -> str:
        return f"{self.patient.given_name} {self.patient.family_name}"

    def age_on(self, on: date) -> int:
        return age(self.patient.birth_date, on)

    @property
    def nir(self) -> str | None:
        """The NIR as the guardian gave it, verified or still to verify: the same
        whether it was already on Oasis or not."""
        return self.patient.nir or self.patient.nir_to_verify


def _guardian(session: Session, actor: Actor) -> Patient:
    """The account holder's own record; only a patient account has relatives."""
    if actor.role != "patient" or actor.patient_id is None:
        raise NotFound("Patient introuvable", code="not_found")
    return people.get_patient(session, actor, actor.patient_id, purpose="mes proches")


def _name(value: str | None, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise Invalid(f"indiquez le {what}", code="name_required")
    if len(text) > NAME_MAX:
        raise Invalid(f"{what} trop long ({NAME_MAX} caractères au plus)",
                      code="invalid_name")
    problem = text_problem(text)
    if problem:
        raise Invalid(f"{what} : {problem}", code="invalid_name")
    return text


def _fields(*, family_name: str, given_name: str, birth_date: date | None, sex: str | None,
            relation: str) -> dict:
    if birth_date is None:
        raise Invalid("indiquez la date de naissance", code="invalid_birth_date")
    if birth_date > paris_today():
        raise Invalid("date de naissance dans le futur", code="invalid_birth_date")
    if birth_date < OLDEST:
        raise Invalid("date de naissance trop ancienne", code="invalid_birth_date")
    sex = (sex or "").strip().upper() or None
    if sex not in (None, "F", "M"):
        raise Invalid("sexe : F, M ou non précisé", code="invalid_sex")
    if relation not in RELATIONS:
        raise Invalid(f"lien inconnu : {relation!r} (valeurs : {', '.join(RELATIONS)})",
                      code="invalid_relation")
    return {"family_name": _name(family_name, "nom de famille"),
            "given_name": _name(given_name, "prénom"), "birth_date": birth_date,
            "sex": sex, "relation": relation}


def relatives_of(session: Session, actor: Actor) -> list[Relative]:
    """The account holder's relatives, oldest link first; each read audited."""
    if actor.role != "patient" or actor.patient_id is None:
        return []
    rows = session.execute(select(PatientGuardian, Patient)
                           .join(Patient, Patient.id == PatientGuardian.dependant_id)
                           .where(PatientGuardian.guardian_id == actor.patient_id)
                           .order_by(PatientGuardian.id)).all()
    out = []
    for link, patient in rows:
        record(session, actor, "read", "Patient", patient.id, patient_id=patient.id,
               purpose="mes proches")
        out.append(Relative(patient, link.relation))
    return out


def get_relative(session: Session, actor: Actor, relative_id: int,
                 purpose: str = "mes proches") -> Relative:
    """The relative if ``actor`` is their guardian; the same 404 as a missing one otherwise
    (the patient's own record is not a « relative »)."""
    link = session.scalar(select(PatientGuardian).where(
        PatientGuardian.dependant_id == relative_id))
    missing = NotFound("Proche introuvable", code="not_found")
    if link is None or actor.role != "patient" or link.guardian_id != actor.patient_id:
        if session.get(Patient, relative_id) is not None and not speaks_for(
                session, actor, relative_id):
            try:  # audited and refused like any other patient's record, same answer
                ensure_can_see_patient(session, actor, relative_id, purpose=purpose)
            except NotFound:
                raise missing from None
        raise missing
    return Relative(people.get_patient(session, actor, relative_id, purpose=purpose),
                    link.relation)


NIR_NOTICE = "Le NIR sera vérifié par le secrétariat"


def _checked_nir(nir: str | None) -> str | None:
    try:
        return normalise_nir(nir) if (nir or "").strip() else None
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_nir") from exc


def _set_nir(session: Session, actor: Actor, patient: Patient, nir: str | None) -> None:
    """Store a relative's NIR; one already on another record is kept aside
    (``nir_to_verify``) instead of refused, so the answer is the same whether the NIR is
    registered or not (docs/security.md, « Qui est inscrit ne se devine pas »).

    The conflict is audited (outcome ``nir_conflict``) for the administrators, who see
    which record holds it; the guardian is told, in every case, that the secretariat will
    check the NIR.
    """
    patient.nir = patient.nir_to_verify = None
    if nir is None:
        session.flush()
        return
    holder = session.scalar(select(Patient.id).where(Patient.nir == nir,
                                                     Patient.id != patient.id))
    if holder is None:
        patient.nir = nir
        try:
            with session.begin_nested():
                session.flush()
            return
        except IntegrityError:  # taken meanwhile by a concurrent request
            patient.nir = None
            holder = session.scalar(select(Patient.id).where(Patient.nir == nir))
    patient.nir_to_verify = nir
    session.flush()
    record(session, actor, "update", "Patient", patient.id, patient_id=patient.id,
           purpose=f"NIR d'un proche déjà enregistré (patient n° {holder}) : "
                   "à vérifier par le secrétariat", outcome="nir_conflict")


def add_relative(session: Session, actor: Actor, *, family_name: str, given_name: str,
                 birth_date: date | None, relation: str, sex: str | None = None,
                 nir: str | None = None, gp_id: int | None = None,
                 gp_declared_name: str | None = None, gp_declared_rpps: str | None = None,
                 mutuelle_name: str | None = None,
                 mutuelle_member_number: str | None = None) -> Relative:
    """Create the relative's patient record, linked to the account holder (audited)."""
    guardian = _guardian(session, actor)
    fields = _fields(family_name=family_name, given_name=given_name, birth_date=birth_date,
                     sex=sex, relation=relation)
    count = session.scalar(select(func.count()).where(
        PatientGuardian.guardian_id == guardian.id)) or 0
    if count >= MAX_RELATIVES:
        raise Conflict(f"{MAX_RELATIVES} proches au plus par compte",
                       code="too_many_relatives")
    nir = _checked_nir(nir)
    patient = people.create_patient(
        session, actor, family_name=fields["family_name"], given_name=fields["given_name"],
        birth_date=fields["birth_date"], sex=fields["sex"],
        commune_code=guardian.commune_code, nir=None,
        address=guardian.address, phone=guardian.phone, email=guardian.email)
    _set_nir(session, actor, patient, nir)
    link = PatientGuardian(guardian_id=guardian.id, dependant_id=patient.id,
                           relation=fields["relation"])
    session.add(link)
    session.flush()
    record(session, actor, "create", "PatientGuardian", link.id, patient_id=patient.id,
           purpose=f"ajout d'un proche ({fields['relation']})")
    if gp_id is not None or (gp_declared_name or "").strip():
        people.set_gp(session, actor, patient.id, practitioner_id=gp_id,
                      declared_name=gp_declared_name, declared_rpps=gp_declared_rpps)
    if (mutuelle_name or "").strip():
        people.set_mutuelle(session, actor, patient.id, mutuelle_name, mutuelle_member_number)
    return Relative(patient, fields["relation"])


def update_relative(session: Session, actor: Actor, relative_id: int, *, family_name: str,
                    given_name: str, birth_date: date | None, relation: str,
                    sex: str | None = None, nir: str | None = None) -> Relative:
    """Correct the relative's identity (names, birth date, sex, link, NIR).

    ``nir`` None keeps the stored NIR; an empty string removes it; a new one is stored
    as :func:`_set_nir` says (never refused for being already on Oasis).
    """
    relative = get_relative(session, actor, relative_id, purpose="modification d'un proche")
    fields = _fields(family_name=family_name, given_name=given_name, birth_date=birth_date,
                     sex=sex, relation=relation)
    patient = relative.patient
    if nir is not None:
        nir = _checked_nir(nir)
        if nir != relative.nir:
            _set_nir(session, actor, patient, nir)
    patient.family_name, patient.given_name = fields["family_name"], fields["given_name"]
    patient.birth_date, patient.sex = fields["birth_date"], fields["sex"]
    link = session.scalar(select(PatientGuardian).where(
        PatientGuardian.dependant_id == patient.id))
    link.relation = fields["relation"]
    session.flush()
    record(session, actor, "update", "Patient", patient.id, patient_id=patient.id,
           purpose="modification d'un proche")
    return Relative(patient, link.relation)


def remove_relative(session: Session, actor: Actor, relative_id: int) -> None:
    """Remove a relative from the account.

    Refused while an appointment is still to come (cancel it first, so the slot goes to
    someone else).  A relative with past appointments keeps their record (health data is
    not deleted from a patient's page) but is no longer attached to the account; one
    without any is deleted.
    """
    relative = get_relative(session, actor, relative_id, purpose="retrait d'un proche")
    patient = relative.patient
    upcoming = session.scalar(select(Appointment.id).where(
        Appointment.patient_id == patient.id, Appointment.status.in_(("booked", "arrived")))
        .limit(1))
    if upcoming is not None:
        raise Conflict("ce proche a un rendez-vous prévu : annulez-le d'abord",
                       code="relative_has_appointments")
    history = session.scalar(select(Appointment.id).where(
        Appointment.patient_id == patient.id).limit(1))
    link = session.scalar(select(PatientGuardian).where(
        PatientGuardian.dependant_id == patient.id))
    session.delete(link)
    record(session, actor, "delete", "PatientGuardian", link.id, patient_id=patient.id,
           purpose="retrait d'un proche")
    if history is None:
        session.delete(patient)
        record(session, actor, "delete", "Patient", patient.id, patient_id=patient.id,
               purpose="retrait d'un proche (sans rendez-vous)")
    session.flush()

