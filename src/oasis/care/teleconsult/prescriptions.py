"""E-prescriptions (FHIR MedicationRequest): issue during a consultation, PDF, public check.

The PDF (oasis.care.prescribing) carries the prescriber's RPPS, the patient, the date,
the unique identifier and a QR code of the verification URL.  Only the patient and the
prescriber download it.  The public check answers *genuine or not* for an identifier
and its printed code, nothing else: no name, no medication, and the same answer for an
unknown identifier and a wrong code, so it cannot be used to enumerate prescriptions.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.audit.service import record
from oasis.care.core.access import speaks_for
from oasis.care.core.actor import Actor
from oasis.care.core.clock import PARIS, utcnow
from oasis.care.core.errors import Conflict, Invalid, NotFound
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.people.models import Patient, Practitioner, PractitionerRole
from oasis.care.prescribing import (
    MedicationLine,
    PrescriptionDocument,
    new_prescription_id,
    render_pdf,
    verification_code,
    verify,
)
from oasis.care.sites.models import Location
from oasis.care.teleconsult.encounters import own_encounter
from oasis.care.teleconsult.models import MedicationRequest

MAX_LINES = 20
VERIFY_PATH = "/api/v1/prescriptions/verify/"


def _lines(raw: list[dict]) -> list[MedicationLine]:
    if not raw:
        raise Invalid("une ordonnance contient au moins une ligne", code="no_lines")
    if len(raw) > MAX_LINES:
        raise Invalid(f"{MAX_LINES} lignes au plus par ordonnance", code="too_many_lines")
    lines = []
    for number, item in enumerate(raw, start=1):
        try:
            lines.append(MedicationLine(name=str(item.get("name") or "").strip(),
                                        dosage=str(item.get("dosage") or "").strip(),
                                        duration=str(item.get("duration") or "").strip(),
                                        instructions=str(item.get("instructions") or "").strip()))
        except ValueError as exc:
            raise Invalid(f"ligne {number} : {exc}", code="invalid_line") from exc
    return lines


def issue(session: Session, actor: Actor, encounter_id: int, lines: list[dict],
          now: datetime | None = None) -> MedicationRequest:
    """The consulting practitioner prescribes, during or just after the consultation."""
    encounter = own_encounter(session, actor, encounter_id, "prescription", open_only=False)
    if encounter.status == "cancelled":
        raise Conflict("consultation annulée : pas d'ordonnance", code="encounter_cancelled")
    parsed = _lines(lines)
    for _ in range(3):  # a random 80-bit id collides practically never; retry anyway
        rx = MedicationRequest(id=new_prescription_id(), encounter_id=encounter.id,
                               patient_id=encounter.patient_id,
                               practitioner_id=encounter.practitioner_id,
                               issued_at=now or utcnow(),
                               lines=[line.__dict__ for line in parsed], status="active")
        session.add(rx)
        try:
            with session.begin_nested():
                session.flush()
            break
        except IntegrityError:
            session.expunge(rx)
    else:  # pragma: no cover
        raise Conflict("identifiant d'ordonnance indisponible, réessayez", code="id_clash")
    record(session, actor, "create", "MedicationRequest", rx.id,
           patient_id=encounter.patient_id, purpose="prescription électronique")
    return rx


def may_read(session: Session, actor: Actor, rx: MedicationRequest) -> bool:
    """The one rule for prescriptions: their patient (or whoever speaks for them) and
    their prescriber (the ETT nurse and the other carers who see the encounter do not
    read its prescriptions)."""
    return ((actor.role == "patient" and speaks_for(session, actor, rx.patient_id))
            or (actor.role == "practitioner" and actor.practitioner_id == rx.practitioner_id)
            or actor.role == "system")


def get(session: Session, actor: Actor, prescription_id: str,
        purpose: str = "lecture de l'ordonnance") -> MedicationRequest:
    """Patient and prescriber only; anyone else: 404 (audited)."""
    rx = session.get(MedicationRequest, prescription_id)
    if rx is None or not may_read(session, actor, rx):
        record(session, actor, "read", "MedicationRequest", prescription_id,
               patient_id=rx.patient_id if rx else None, purpose=purpose, outcome="denied")
        session.commit()
        raise NotFound("ordonnance introuvable", code="not_found")
    record(session, actor, "read", "MedicationRequest", prescription_id,
           patient_id=rx.patient_id, purpose=purpose)
    return rx


def list_for_encounter(session: Session, encounter_id: int) -> list[MedicationRequest]:
    return list(session.scalars(select(MedicationRequest).where(
        MedicationRequest.encounter_id == encounter_id).order_by(MedicationRequest.issued_at)))


def verify_url(base_url: str, prescription_id: str, secret: str) -> str:
    code = verification_code(prescription_id, secret)
    return f"{base_url.rstrip('/')}{VERIFY_PATH}{quote(prescription_id)}?code={code}"


def pdf(session: Session, rx: MedicationRequest, secret: str, base_url: str) -> bytes:
    doctor = session.get(Practitioner, rx.practitioner_id)
    patient = session.get(Patient, rx.patient_id)
    site = session.scalar(select(Location).join(
        PractitionerRole, PractitionerRole.location_id == Location.id).where(
        PractitionerRole.practitioner_id == doctor.id, PractitionerRole.active.is_(True))
        .order_by(Location.id).limit(1))
    address = "Téléconsultation Oasis"
    if site is not None:
        address = ", ".join(x for x in (site.name, site.address, site.postal_code) if x)
    doc = PrescriptionDocument(
        prescription_id=rx.id, verification_code=verification_code(rx.id, secret),
        verify_url=verify_url(base_url, rx.id, secret),
        issued_at=rx.issued_at.astimezone(PARIS), practitioner_name=doctor.display_name,
        practitioner_rpps=doctor.rpps,
        practitioner_specialty=SPECIALTIES.get(doctor.specialty, doctor.specialty),
        practitioner_address=address,
        patient_name=f"{patient.given_name} {patient.family_name}",
        patient_birth_date=patient.birth_date,
        lines=[MedicationLine(**line) for line in rx.lines], teleconsultation=True)
    return render_pdf(doc)


def check(session: Session, prescription_id: str, code: str, secret: str) -> dict:
    """Public answer: genuine (exists, active, code matches) or not — nothing more."""
    genuine = bool(code) and verify(prescription_id, code, secret)
    status = None
    if genuine:
        status = session.scalar(select(MedicationRequest.status).where(
            MedicationRequest.id == prescription_id))
        genuine = status == "active"
    return {"id": prescription_id, "genuine": genuine,
            "message": "Ordonnance authentique, émise par Oasis." if genuine else
            "Ordonnance non reconnue : identifiant ou code de vérification incorrect, "
            "ou ordonnance annulée."}
