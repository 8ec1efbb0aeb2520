"""The statement of a closed teleconsultation, and monthly exports.

Nothing here decides a price: the patient's situation is read by
:func:`oasis.care.billing.situation.situation_of` (médecin traitant, mutuelle and partner,
connaissance préalable from the platform's in-person appointments, participations already
paid) plus what the doctor :class:`~oasis.care.billing.situation.Declared` when closing,
and the act is priced by :func:`oasis.care.billing.engine.price` — the same call as the
finder and the simulator.  Under the patient's counter lock, the participation forfaitaire
charged is added to the day and year counters and the doctor's teleconsultation counted
for the yearly share (:mod:`oasis.care.billing.counters`).  An ETT consultation also bills
the assisting nurse's own act (TLL, lieu dédié), stored with the statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.billing import counters
from oasis.care.billing.engine import Act, Decision, decide, price
from oasis.care.billing.export import AMO, payer_csv
from oasis.care.billing.situation import Declared, partner_mutuelles, situation_of
from oasis.care.billing.statement import Statement
from oasis.care.core.clock import PARIS
from oasis.care.core.errors import Invalid
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleconsult.models import BillingStatement, Encounter

Situation = Declared  # what the doctor declares when closing (name kept for callers)

__all__ = ["AMO", "Declared", "Situation", "act_for", "bill_encounter", "conditions", "export_csv",
           "partner_mutuelles"]


def act_for(encounter_mode: str, doctor: Practitioner, on: date,
            fee_cents: int | None = None) -> Act:
    """The act of a teleconsultation of ``encounter_mode`` (video, phone, ett)."""
    return Act(on=on, act="teleconsultation",
               channel="phone" if encounter_mode == "phone" else "video",
               specialty=doctor.specialty, sector=doctor.sector, fee_cents=fee_cents)


def bill_encounter(session: Session, encounter: Encounter, declared: Declared,
                   partners: Iterable[str] | None = None) -> BillingStatement:
    """Compute and store the statement of ``encounter`` (closed now)."""
    patient = session.get(Patient, encounter.patient_id)
    doctor = session.get(Practitioner, encounter.practitioner_id)
    act_day = (encounter.ended_at or encounter.started_at).astimezone(PARIS).date()
    counters.lock_patient(session, patient.id)
    situation = situation_of(session, patient, doctor, act_day, declared, partners=partners)
    act = act_for(encounter.mode, doctor, act_day, declared.fee_cents)
    st = price(act, situation)
    nurse = None
    if encounter.mode == "ett" and encounter.nurse_staff_id is not None:
        nurse = price(Act(on=act_day, act="nurse_assist", channel="video",
                          nurse_setting="lieu_dedie"), situation).as_dict()
    counters.add_participation(session, patient.id, doctor.id, act_day,
                               st.participation_forfaitaire_cents)
    counters.record_teleconsultation(session, doctor.id, act_day,
                                     own_patient=situation.is_patients_medecin_traitant)
    recorded = declared.as_dict() | {
        "patient_age": situation.age, "secteur": doctor.sector,
        "medecin_traitant": situation.medecin_traitant,
        "is_patients_medecin_traitant": situation.is_patients_medecin_traitant,
        "seen_in_person_12_months": situation.seen_in_person_12_months,
        "mutuelle": situation.mutuelle.name if situation.mutuelle else None,
        "partner": bool(situation.mutuelle and situation.mutuelle.partner),
        "pf_paid_today_cents": situation.pf_paid_today_cents,
        "pf_paid_year_cents": situation.pf_paid_year_cents,
        "channel": act.channel, "reimbursable": st.reimbursable}
    details = st.as_dict() | ({"nurse_act": nurse} if nurse else {})
    row = BillingStatement(
        encounter_id=encounter.id, patient_id=encounter.patient_id, act_code=st.act_code,
        act_date=st.act_date, tariff_cents=st.tariff_cents, fee_cents=st.fee_cents,
        amo_cents=st.amo_cents, mutuelle_name=st.mutuelle_name,
        mutuelle_cents=st.mutuelle_cents, patient_cents=st.patient_cents,
        patient_advance_cents=st.patient_advance_cents, tiers_payant=st.tiers_payant,
        situation=recorded, details=details)
    session.add(row)
    session.flush()
    return row


def statement_of(row: BillingStatement) -> Statement:
    data = {k: v for k, v in row.details.items() if k != "nurse_act"}
    return Statement.from_dict(data)


def nurse_statement_of(row: BillingStatement) -> Statement | None:
    data = row.details.get("nurse_act")
    return Statement.from_dict(data) if data else None


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


def export_items(rows: Iterable[BillingStatement]) -> list[tuple[str, Statement]]:
    """Every act of the rows: the doctor's, and the assisting nurse's where there is one."""
    items: list[tuple[str, Statement]] = []
    for r in rows:
        items.append((act_id(r), statement_of(r)))
        nurse = nurse_statement_of(r)
        if nurse is not None:
            items.append((act_id(r) + "-IDE", nurse))
    return items


def export_csv(session: Session, month: str, payer: str) -> str:
    """One payer's acts of ``month`` (CSV, cents) through oasis.care.billing.export."""
    if not payer.strip():
        raise Invalid("indiquez le payeur (Assurance Maladie ou le nom d'une mutuelle)",
                      code="payer_required")
    rows = month_rows(session, month)  # an unknown payer has no acts: header only
    return payer_csv(export_items(rows), payer, month)


def conditions(session: Session, patient: Patient, doctor: Practitioner | None, mode: str,
               specialty: str, on: date, declared: Declared | None = None,
               partners: Iterable[str] | None = None) -> tuple[Decision, Statement]:
    """Before the consultation: will it be reimbursed, why, and what will the patient pay.

    ``doctor`` None (on-demand queue: whoever takes the call) cannot be the médecin
    traitant unless the patient has none, nor have seen the patient: the answer says so.
    """
    situation = situation_of(session, patient, doctor, on, declared, partners=partners)
    act = Act(on=on, act="teleconsultation",
              channel="phone" if mode == "phone" else "video",
              specialty=doctor.specialty if doctor else specialty,
              sector=doctor.sector if doctor else "1")
    return decide(act, situation), price(act, situation)
