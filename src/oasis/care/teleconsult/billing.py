"""The statement (feuille de soins data) of a closed teleconsultation, and monthly exports.

The rules themselves are :func:`oasis.care.billing.statement.bill`; this module gathers
what they need from the consultation and the patient's situation:

* act code: TCG (general practitioner) or TCS (specialist) — an ETT consultation is a
  teleconsultation too;
* **parcours de soins**: by default respected when the teleconsulting doctor is the
  patient's médecin traitant or the patient is under 16 (CSS art. L162-5-3 exceptions);
  the doctor states it explicitly otherwise (``in_parcours: true`` when the médecin
  traitant referred the patient or could not see them in time, the exceptions of the
  teleconsultation agreement — avenant 6 of 2018);
* ALD, maternity, C2S, AME: declared by the doctor for this act;
* mutuelle: the patient's registered mutuelle, at the contract rate given (100 % BR by
  default); a **partner** mutuelle (``OASIS_PARTNER_MUTUELLES``) pays the whole rest,
  tiers payant intégral.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.billing.export import AMO, payer_csv
from oasis.care.billing.statement import BillingContext, BillingError, Coverage, Statement, bill
from oasis.care.billing.tariffs import TariffError, act_code
from oasis.care.core.clock import PARIS, age
from oasis.care.core.errors import Invalid
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleconsult.models import BillingStatement, Encounter
from oasis.config import get_settings


@dataclass(frozen=True)
class Situation:
    """The patient's situation for this act, as declared when closing the consultation."""

    in_parcours: bool | None = None  # None: derived (médecin traitant, under 16)
    ald: bool = False
    maternity: bool = False
    c2s: bool = False
    ame: bool = False
    mutuelle_rate_percent: int = 100
    fee_cents: int | None = None  # secteur 2 / OPTAM fee; None: the tariff

    def __post_init__(self) -> None:
        if not 0 <= self.mutuelle_rate_percent <= 1000:
            raise Invalid("taux de mutuelle hors plage (0 à 1000 % BR)",
                          code="invalid_mutuelle_rate")
        if self.fee_cents is not None and self.fee_cents < 0:
            raise Invalid("honoraires négatifs", code="invalid_fee")


def partner_mutuelles() -> tuple[str, ...]:
    return tuple(get_settings().partner_mutuelles)




def context_for(encounter: Encounter, patient: Patient, doctor: Practitioner,
                situation: Situation, act_date: date,
                partners: Iterable[str] | None = None) -> tuple[BillingContext, dict]:
    """The billing context and the situation as recorded (derived values made explicit)."""
    years = age(patient.birth_date, act_date)
    in_parcours = situation.in_parcours
    if in_parcours is None:
        in_parcours = patient.gp_id == doctor.id or years < 16
    partners = tuple(partners if partners is not None else partner_mutuelles())
    coverage = None
    if patient.mutuelle_name:
        partner = patient.mutuelle_name.casefold() in {p.casefold() for p in partners}
        coverage = Coverage(patient.mutuelle_name, situation.mutuelle_rate_percent, partner)
    ctx = BillingContext(
        act_date=act_date,
        act_code=act_code(specialist=doctor.specialty != "generaliste", teleconsultation=True),
        fee_cents=situation.fee_cents, secteur=doctor.sector, patient_age=years,
        in_parcours=in_parcours, ald=situation.ald, maternity=situation.maternity,
        c2s=situation.c2s, ame=situation.ame, coverage=coverage)
    recorded = asdict(situation) | {"in_parcours": in_parcours, "patient_age": years,
                                    "secteur": doctor.sector,
                                    "mutuelle": patient.mutuelle_name,
                                    "partner": bool(coverage and coverage.partner)}
    return ctx, recorded


def bill_encounter(session: Session, encounter: Encounter, situation: Situation,
                   partners: Iterable[str] | None = None) -> BillingStatement:
    """Compute and store the statement of ``encounter`` (closed now)."""
    patient = session.get(Patient, encounter.patient_id)
    doctor = session.get(Practitioner, encounter.practitioner_id)
    act_day = (encounter.ended_at or encounter.started_at).astimezone(PARIS).date()
    ctx, recorded = context_for(encounter, patient, doctor, situation, act_day, partners)
    try:
        st = bill(ctx)
    except (BillingError, TariffError) as exc:
        raise Invalid(str(exc), code="billing_refused") from exc
    row = BillingStatement(
        encounter_id=encounter.id, patient_id=encounter.patient_id, act_code=st.act_code,
        act_date=st.act_date, tariff_cents=st.tariff_cents, fee_cents=st.fee_cents,
        amo_cents=st.amo_cents, mutuelle_name=st.mutuelle_name,
        mutuelle_cents=st.mutuelle_cents, patient_cents=st.patient_cents,
        patient_advance_cents=st.patient_advance_cents, tiers_payant=st.tiers_payant,
        situation=recorded, details=st.as_dict())
    session.add(row)
    session.flush()
    return row


def statement_of(row: BillingStatement) -> Statement:
    data = dict(row.details)
    data["act_date"] = date.fromisoformat(data["act_date"])
    return Statement(**data)


def act_id(row: BillingStatement) -> str:
    return f"TLC-{row.encounter_id:08d}"


def month_rows(session: Session, month: str) -> list[BillingStatement]:
    try:
        start = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise Invalid(f"mois attendu au format AAAA-MM : « {month} »",
                      code="invalid_month") from None
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return list(session.scalars(select(BillingStatement).where(
        BillingStatement.act_date >= start, BillingStatement.act_date < end)
        .order_by(BillingStatement.act_date, BillingStatement.id)))


def payers(rows: Iterable[BillingStatement]) -> list[str]:
    names = {r.mutuelle_name for r in rows if r.mutuelle_name and r.mutuelle_cents}
    return [AMO, *sorted(names)]


def export_csv(session: Session, month: str, payer: str) -> str:
    """One payer's acts of ``month`` (CSV, cents) through oasis.care.billing.export."""
    if not payer.strip():
        raise Invalid("indiquez le payeur (Assurance Maladie ou le nom d'une mutuelle)",
                      code="payer_required")
    rows = month_rows(session, month)  # an unknown payer has no acts: header only
    return payer_csv([(act_id(r), statement_of(r)) for r in rows], payer, month)
