"""The public price simulator: what a patient would pay, and why, under the rules in force.

No account, nothing stored, nothing audited (no personal data is read): the answer is
:func:`oasis.care.billing.engine.price` for the declared situation — the same call that
bills a closed consultation — with every rule it consulted and its source.
"""

from __future__ import annotations

from fastapi import APIRouter

from oasis.care.billing import Act, Coverage, Situation, price, rules
from oasis.care.billing.statement import euros
from oasis.care.finder.costs import summary
from oasis.web.api.schemas.billing import RuleOut, SimulateIn, SimulateOut

router = APIRouter(prefix="/api/v1/billing", tags=["Facturation"])


def rule_out(r: rules.Rule) -> RuleOut:
    return RuleOut(id=r.id, label=r.label, value=r.display(), valid_from=r.valid_from,
                   valid_to=r.valid_to, source=r.source, url=r.url, read_on=r.read_on,
                   parameter=r.is_parameter)


def simulate_situation(body: SimulateIn) -> SimulateOut:
    """Price ``body``; shared by the JSON route and the « Combien vais-je payer ? » page."""
    d, p, m = body.doctor, body.patient, body.mutuelle
    act = Act(on=body.date, act=body.act, channel=body.channel, specialty=d.specialty,
              sector=d.sector, fee_cents=d.fee_cents, nurse_setting=body.nurse_setting,
              mission=d.mission)
    situation = Situation(
        age=p.age, medecin_traitant=p.medecin_traitant,
        is_patients_medecin_traitant=d.is_patients_medecin_traitant, referred=p.referred,
        seen_in_person_12_months=p.seen_in_person_12_months, ald=p.ald,
        maternity=p.maternity, c2s=p.c2s, ame=p.ame, emergency=p.emergency,
        territorial_organisation=p.territorial_organisation, detention=p.detention,
        ehpad=p.ehpad, pf_paid_today_cents=p.participations_paid_today_cents,
        pf_paid_year_cents=p.participations_paid_year_cents,
        mutuelle=Coverage(m.name, m.rate_percent_of_base, m.partner) if m else None)
    with rules.consulted() as used:
        st = price(act, situation)
    return SimulateOut(
        act_code=st.act_code, tariff_cents=st.tariff_cents, fee_cents=st.fee_cents,
        reimbursable=st.reimbursable, amo_rate_percent=st.amo_rate_percent,
        amo_cents=st.amo_cents, participation_forfaitaire_cents=st.participation_forfaitaire_cents,
        franchise_cents=st.franchise_cents, mutuelle_cents=st.mutuelle_cents,
        patient_cents=st.patient_cents, patient_advance_cents=st.patient_advance_cents,
        tiers_payant=st.tiers_payant, payers=st.payers,
        summary=summary(st.patient_cents, st.patient_advance_cents, st.tiers_payant),
        reasons=[f"{st.act_code} : tarif {euros(st.tariff_cents)} ({st.tariff_source})",
                 *st.notes],
        rules=[rule_out(r) for r in used])


@router.post("/simulate", response_model=SimulateOut,
             summary="Simuler le prix d'un acte (public, rien n'est enregistré)")
def simulate(body: SimulateIn) -> SimulateOut:
    """Part de l'Assurance Maladie, de la mutuelle et du patient, avec chaque règle et sa source."""
    return simulate_situation(body)


@router.get("/rules", response_model=list[RuleOut], summary="Règles en vigueur et leurs sources")
def rules_in_force() -> list[RuleOut]:
    """Toutes les règles, chacune avec sa période de validité, sa source et sa date de lecture."""
    return [rule_out(r) for r in rules.table()]
