"""Reading and incrementing the rule counters, safe under concurrent requests.

The participation forfaitaire of an act depends on what the patient already paid today
(to that doctor) and this year; computing it and adding it to the counters must be one
step, or two acts closed at the same moment would both see room under the cap.  Hence
:func:`lock_patient` first: on PostgreSQL a transaction-level advisory lock per patient
(``pg_advisory_xact_lock(7501, patient_id)``, released at commit or rollback); on SQLite
every transaction already starts with ``BEGIN IMMEDIATE`` (see
:mod:`oasis.care.core.db`), which serialises writers.  Services never commit: the lock is
held until the caller's commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from oasis.care.billing import rules
from oasis.care.billing.models import ParticipationDay, ParticipationYear, TeleconsultationYear
from oasis.care.booking.models import Appointment

PATIENT_LOCK = 7501
DOCTOR_LOCK = 7502


def _lock(session: Session, key: int, ident: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :i)"), {"k": key, "i": ident})


def lock_patient(session: Session, patient_id: int) -> None:
    """Hold the patient's counters until the end of the transaction."""
    _lock(session, PATIENT_LOCK, patient_id)


def participations(session: Session, patient_id: int, practitioner_id: int,
                   on: date) -> tuple[int, int]:
    """(paid today to this doctor, paid this calendar year), in cents."""
    today = session.scalar(select(ParticipationDay.amount_cents).where(
        ParticipationDay.patient_id == patient_id,
        ParticipationDay.practitioner_id == practitioner_id, ParticipationDay.day == on))
    year = session.scalar(select(ParticipationYear.amount_cents).where(
        ParticipationYear.patient_id == patient_id, ParticipationYear.year == on.year))
    return today or 0, year or 0


def add_participation(session: Session, patient_id: int, practitioner_id: int, on: date,
                      cents: int) -> None:
    """Add ``cents`` to both counters (call under :func:`lock_patient`)."""
    if cents <= 0:
        return
    day = session.get(ParticipationDay, (patient_id, practitioner_id, on))
    if day is None:
        session.add(ParticipationDay(patient_id=patient_id, practitioner_id=practitioner_id,
                                     day=on, amount_cents=cents))
    else:
        day.amount_cents = ParticipationDay.amount_cents + cents
    year = session.get(ParticipationYear, (patient_id, on.year))
    if year is None:
        session.add(ParticipationYear(patient_id=patient_id, year=on.year, amount_cents=cents))
    else:
        year.amount_cents = ParticipationYear.amount_cents + cents
    session.flush()


@dataclass(frozen=True)
class DoctorShare:
    """A doctor's teleconsultations of a year against the convention's share cap."""

    practitioner_id: int
    year: int
    counted: int  # teleconsultations counted towards the cap
    own_patients: int  # teleconsultations of the médecin traitant's own patients (excluded)
    in_person: int  # in-person acts Oasis knows of (fulfilled in-person appointments)
    cap_percent: int

    @property
    def share_percent(self) -> float:
        total = self.counted + self.own_patients + self.in_person
        return round(100 * self.counted / total, 1) if total else 0.0

    @property
    def over_cap(self) -> bool:
        return self.share_percent > self.cap_percent

    def sentence(self) -> str:
        return (f"{self.counted} téléconsultation(s) comptée(s) en {self.year} sur "
                f"{self.counted + self.own_patients + self.in_person} acte(s) connu(s) "
                f"d'Oasis : {self.share_percent:.1f} % (plafond {self.cap_percent} %, hors "
                f"patients dont vous êtes le médecin traitant : {self.own_patients})")


def record_teleconsultation(session: Session, practitioner_id: int, on: date, *,
                            own_patient: bool) -> None:
    """Count one closed teleconsultation in the doctor's year (atomic increment)."""
    _lock(session, DOCTOR_LOCK, practitioner_id)
    row = session.get(TeleconsultationYear, (practitioner_id, on.year))
    if row is None:
        session.add(TeleconsultationYear(practitioner_id=practitioner_id, year=on.year,
                                         counted=0 if own_patient else 1,
                                         own_patients=1 if own_patient else 0))
    elif own_patient:
        row.own_patients = TeleconsultationYear.own_patients + 1
    else:
        row.counted = TeleconsultationYear.counted + 1
    session.flush()


def doctor_share(session: Session, practitioner_id: int, year: int,
                 specialty: str = "generaliste") -> DoctorShare:
    row = session.get(TeleconsultationYear, (practitioner_id, year))
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    in_person = session.scalar(select(func.count(Appointment.id)).where(
        Appointment.practitioner_id == practitioner_id, Appointment.mode == "in_person",
        Appointment.status == "fulfilled", Appointment.start_at >= start,
        Appointment.start_at < end)) or 0
    on = date(year, 12, 31)
    cap_id = ("teleconsultation.doctor_yearly_share_psychiatry" if specialty == "psychiatre"
              else "teleconsultation.doctor_yearly_share")
    cap = rules.value(cap_id, on) if rules.has(cap_id, on) else 100
    return DoctorShare(practitioner_id, year, row.counted if row else 0,
                       row.own_patients if row else 0, in_person, cap)
