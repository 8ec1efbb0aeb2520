"""Reading a patient's situation for the rules, in one place.

Everything the engine needs about a registered patient comes from here: age at the act,
médecin traitant (declared or not, and whether the doctor of the act is it), mutuelle and
whether it is a partner, *connaissance préalable* derived from the platform's own
in-person appointments with that doctor, participations already paid (counters).  What
the platform cannot know (ALD for this act, C2S/AME rights, maternity, referral,
emergency, a territorial organisation) is :class:`Declared` by the doctor when closing,
or by the patient in the simulator.  The patient profile's fields (médecin traitant,
mutuelle) plug in through :func:`situation_of` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.billing import counters, rules
from oasis.care.billing.engine import Situation, is_partner
from oasis.care.billing.statement import Coverage
from oasis.care.booking.models import Appointment
from oasis.care.core.clock import PARIS, age
from oasis.care.core.errors import Invalid
from oasis.care.people.models import Patient, Practitioner


@dataclass(frozen=True)
class Declared:
    """Facts of this act the platform does not hold; ``None`` for ``referred``: derive."""

    ald: bool = False
    maternity: bool = False
    c2s: bool = False
    ame: bool = False
    referred: bool = False
    emergency: bool = False
    territorial_organisation: bool = False
    detention: bool = False
    ehpad: bool = False
    medecin_traitant_unavailable: bool = False
    mutuelle_rate_percent: int = 100
    fee_cents: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.mutuelle_rate_percent <= 1000:
            raise Invalid("taux de mutuelle hors plage (0 à 1000 % BR)",
                          code="invalid_mutuelle_rate")
        if self.fee_cents is not None and self.fee_cents < 0:
            raise Invalid("honoraires négatifs", code="invalid_fee")

    def as_dict(self) -> dict:
        return asdict(self)


def partner_mutuelles() -> tuple[str, ...]:
    from oasis.config import get_settings  # settings read at call time, not import time

    return tuple(get_settings().partner_mutuelles)


def seen_in_person(session: Session, patient_id: int, practitioner_id: int,
                   on: date) -> bool:
    """Whether the platform has a fulfilled (or arrived) in-person appointment with this
    doctor within the connaissance préalable window before ``on``."""
    months = rules.value("teleconsultation.prior_in_person_months", on)
    end = datetime.combine(on + timedelta(days=1), time(0), tzinfo=PARIS)
    start = end - timedelta(days=round(months * 365 / 12) + 1)
    return session.scalar(select(Appointment.id).where(
        Appointment.patient_id == patient_id, Appointment.practitioner_id == practitioner_id,
        Appointment.mode == "in_person", Appointment.status.in_(("fulfilled", "arrived")),
        Appointment.start_at >= start, Appointment.start_at < end).limit(1)) is not None


@dataclass(frozen=True)
class Profile:
    """What the patient's record says (profile fields: médecin traitant, mutuelle)."""

    age: int
    gp_id: int | None
    mutuelle_name: str | None


def profile_of(patient: Patient, on: date) -> Profile:
    """The one reading of a patient row for the rules (the profile's fields plug in here)."""
    name = (patient.mutuelle_name or "").strip() or None
    return Profile(age(patient.birth_date, on), patient.gp_id, name)


def from_profile(profile: Profile, doctor_id: int | None, declared: Declared | None = None,
                 *, partners: Iterable[str] = (), seen: bool | None = None,
                 paid_today_cents: int = 0, paid_year_cents: int = 0) -> Situation:
    """The engine's situation from a profile and this act's facts (no database)."""
    declared = declared or Declared()
    mt = "none" if profile.gp_id is None else (
        "unavailable" if declared.medecin_traitant_unavailable else "declared")
    coverage = None
    if profile.mutuelle_name:
        coverage = Coverage(profile.mutuelle_name, declared.mutuelle_rate_percent,
                            is_partner(profile.mutuelle_name, partners))
    return Situation(
        age=profile.age, medecin_traitant=mt,
        is_patients_medecin_traitant=doctor_id is not None and profile.gp_id == doctor_id,
        referred=declared.referred, seen_in_person_12_months=seen, ald=declared.ald,
        maternity=declared.maternity, c2s=declared.c2s, ame=declared.ame,
        emergency=declared.emergency, territorial_organisation=declared.territorial_organisation,
        detention=declared.detention, ehpad=declared.ehpad, mutuelle=coverage,
        pf_paid_today_cents=paid_today_cents, pf_paid_year_cents=paid_year_cents)


def situation_of(session: Session, patient: Patient, doctor: Practitioner | None, on: date,
                 declared: Declared | None = None, *,
                 partners: Iterable[str] | None = None,
                 with_counters: bool = True) -> Situation:
    """The patient's situation for an act by ``doctor`` (None: whoever is on duty)."""
    partners = tuple(partners if partners is not None else partner_mutuelles())
    seen = (seen_in_person(session, patient.id, doctor.id, on)
            if doctor is not None and patient.id is not None else None)
    today = year = 0
    if with_counters and doctor is not None:
        today, year = counters.participations(session, patient.id, doctor.id, on)
    return from_profile(profile_of(patient, on), doctor.id if doctor else None, declared,
                        partners=partners, seen=seen, paid_today_cents=today,
                        paid_year_cents=year)
