"""The billing rules in force, one test per rule, against hand-computed worked examples.

Dates: acts on 1 December 2026 unless said.  Tariffs: G 30 € (22/12/2024), TCG 25 €, TC
26,50 € (valued as CS), TLL 12 €; participation forfaitaire 2 € (15/05/2024).  Each
docstring names the source record of ``oasis/data/rules/billing_rules.json``; the table
of these examples is in docs/billing-rules.md.
"""

from __future__ import annotations

from datetime import date

import pytest

from oasis.care.billing import Act, Coverage, Situation, TariffError, price, rules, tariff_for
from oasis.care.billing.engine import decide, in_parcours
from oasis.care.billing.export import AMO, monthly_totals, payer_csv
from oasis.care.billing.statement import BillingContext, BillingError, bill
from oasis.care.core.errors import Invalid

DAY = date(2026, 12, 1)
MUTUELLE = Coverage("Mutuelle Exemple", 100)
PARTNER = Coverage("Mutuelle Partenaire Oasis", 100, partner=True)
MT = {"is_patients_medecin_traitant": True, "seen_in_person_12_months": True}
VISIT = Act(DAY)  # GP consultation in person
TELE = Act(DAY, "teleconsultation", "video")


def shares(st):
    return (st.act_code, st.amo_cents, st.mutuelle_cents, st.patient_cents,
            st.patient_advance_cents, st.tiers_payant)


# ------------------------------------------------------------------------- the table
def test_every_rule_is_dated_and_sourced():
    """Each record: valid_from, source, date read; no two values of a rule the same day."""
    table = rules.table()
    assert len({r.id for r in table}) >= 30
    for r in table:
        assert r.source and r.read_on == date(2026, 12, 1) and r.valid_from
        assert r.kind in ("texte", "oasis")
        assert r.url or r.is_parameter, r.id  # a text without a page is labelled Oasis's
    with pytest.raises(ValueError, match="chevauchent"):
        rules.check_table([table[0], table[0]])
    ids = {r.id for r in rules.in_force(DAY)}
    assert {"tariff.G", "pf.cap_day", "pf.cap_year", "teleconsultation.video_required",
            "teleconsultation.doctor_yearly_share"} <= ids


def test_tariffs_are_dated():
    """tariff.G: 25 € → 26,50 € (01/11/2023) → 30 € (22/12/2024); TE2 20 € → 23 € (2026)."""
    assert tariff_for("G", date(2024, 12, 21)).amount_cents == 2650
    assert tariff_for("G", date(2024, 12, 22)).amount_cents == 3000
    assert tariff_for("G", date(2023, 1, 10)).amount_cents == 2500
    assert tariff_for("tcg", DAY).amount_cents == 2500
    assert tariff_for("TE2", date(2025, 12, 31)).amount_cents == 2000
    assert tariff_for("TE2", date(2026, 1, 1)).amount_cents == 2300
    with pytest.raises(TariffError):
        tariff_for("TCS", DAY)  # not an NGAP code: the specialist's code is TC
    with pytest.raises(TariffError):
        tariff_for("G", date(2010, 1, 1))
    with pytest.raises(Invalid) as exc:
        Act(date(2010, 1, 1))
    assert exc.value.code == "rule_not_in_force"


# ------------------------------------------------------------- in-person consultation
def test_adult_in_the_parcours_without_then_with_mutuelle():
    """rate.parcours 70 %, pf.amount 2 €: 30 × 70 % = 21 − 2 = 19; rest 11 (or 2)."""
    assert shares(price(VISIT, Situation(**MT))) == ("G", 1900, 0, 1100, 3000, "aucun")
    st = price(VISIT, Situation(**MT, mutuelle=MUTUELLE))
    assert shares(st) == ("G", 1900, 900, 200, 3000, "aucun")
    assert any("participation forfaitaire" in n for n in st.notes)


def test_outside_the_parcours_in_person_cut_is_not_covered():
    """rate.hors_parcours 30 %: 30 × 30 % = 9 − 2 = 7; mutuelle the 9 € TM only; rest 14."""
    s = Situation(medecin_traitant="none", mutuelle=MUTUELLE)
    st = price(VISIT, s)
    assert shares(st) == ("G", 700, 900, 1400, 3000, "aucun")
    assert st.amo_rate_percent == 30


def test_child_no_participation_and_no_parcours():
    """parcours.exempt_under_age 16, pf.exempt_under_age 18: 21 € AMO, 9 € rest."""
    st = price(VISIT, Situation(age=10, medecin_traitant="none"))
    assert shares(st) == ("G", 2100, 0, 900, 3000, "aucun")


def test_c2s_full_cover_no_advance():
    """rate.full 100 %, no PF for C2S: AMO 30, nothing to pay or advance."""
    assert shares(price(VISIT, Situation(**MT, c2s=True))) == ("G", 3000, 0, 0, 0,
                                                               "integral")


def test_ame_full_cover_no_advance_and_no_parcours():
    """rate.ame 100 %, sans avance de frais, not subject to the parcours (CASF L251-2)."""
    st = price(TELE, Situation(medecin_traitant="none", ame=True))
    assert shares(st) == ("TCG", 2500, 0, 0, 0, "amo")
    assert st.reimbursable


def test_ald_keeps_the_participation_recovered_later():
    """rate.full 100 % for ALD, the PF stays: AMO 28, patient 2, advance 0 (tiers payant)."""
    assert shares(price(VISIT, Situation(**MT, ald=True))) == ("G", 2800, 0, 200, 0, "amo")


def test_maternity_full_cover_without_participation():
    """rate.full and pf exemption from the 6th month of pregnancy."""
    assert shares(price(VISIT, Situation(**MT, maternity=True))) == ("G", 3000, 0, 0, 0,
                                                                     "amo")


def test_direct_access_specialties():
    """parcours.direct_access_specialties; psychiatry 16–25 (CSS L162-5-3)."""
    s = Situation(medecin_traitant="none")
    assert in_parcours(Act(DAY, specialty="ophtalmologue"), s)[0]
    assert in_parcours(Act(DAY, specialty="pediatre"), s)[0]
    assert in_parcours(Act(DAY, specialty="psychiatre"), Situation(age=20))[0]
    assert not in_parcours(Act(DAY, specialty="psychiatre"), Situation(age=30))[0]
    assert not in_parcours(Act(DAY, specialty="cardiologue"), Situation())[0]


def test_secteur_2_overrun_with_200_percent_contract():
    """CS 26,50 € billed 50 €: AMO 18,55 − 2; mutuelle to 200 % BR covers the rest."""
    st = price(Act(DAY, specialty="dermatologue", sector="2", fee_cents=5000),
               Situation(referred=True, mutuelle=Coverage("Renfort", 200)))
    assert st.overrun_cents == 5000 - 2650
    assert (st.amo_cents, st.mutuelle_cents, st.patient_cents) == (1655, 5000 - 1855, 200)


def test_overrun_refused_in_secteur_1_for_c2s_and_on_missions():
    """No dépassement in secteur 1, for C2S, on a mission day (mission.no_overrun)."""
    with pytest.raises(BillingError, match="secteur 1"):
        price(Act(DAY, fee_cents=3500), Situation(**MT))
    with pytest.raises(BillingError, match="C2S"):
        price(Act(DAY, sector="2", fee_cents=3500), Situation(**MT, c2s=True))
    with pytest.raises(BillingError, match="mission"):
        price(Act(DAY, sector="OPTAM", fee_cents=3500, mission=True), Situation(**MT))
    with pytest.raises(BillingError, match="inférieurs"):
        price(Act(DAY, fee_cents=1000), Situation(**MT))


def test_old_participation_forfaitaire_before_may_2024():
    """pf.amount 1 € until 14/05/2024; G 26,50 € then."""
    st = price(Act(date(2024, 3, 1)), Situation(**MT))
    assert st.participation_forfaitaire_cents == 100 and st.tariff_cents == 2650


# ---------------------------------------------------------------- participation caps
def test_daily_cap_same_doctor_same_day():
    """pf.cap_day 4 €: 3 € already paid today → 1 € charged; 4 € → nothing."""
    st = price(VISIT, Situation(**MT, pf_paid_today_cents=300))
    assert (st.participation_forfaitaire_cents, st.amo_cents, st.patient_cents) == (100, 2000,
                                                                                   1000)
    st = price(VISIT, Situation(**MT, pf_paid_today_cents=400))
    assert (st.participation_forfaitaire_cents, st.amo_cents) == (0, 2100)
    assert any("plafond journalier" in n for n in st.notes)


def test_yearly_cap():
    """pf.cap_year 50 €: 49 € paid this year → 1 €; 50 € → nothing."""
    assert price(VISIT, Situation(**MT, pf_paid_year_cents=4900)) \
        .participation_forfaitaire_cents == 100
    st = price(VISIT, Situation(**MT, pf_paid_year_cents=5000))
    assert st.participation_forfaitaire_cents == 0 and st.amo_cents == 2100
    assert any("plafond annuel" in n for n in st.notes)


# --------------------------------------------------------------- teleconsultation
def test_teleconsultation_in_the_conditions():
    """Médecin traitant, video, seen in person within 12 months: TCG 17,50 − 2 = 15,50."""
    st = price(TELE, Situation(**MT, mutuelle=MUTUELLE))
    assert shares(st) == ("TCG", 1550, 750, 200, 2500, "aucun")
    assert st.reimbursable and "remboursable" in st.notes[0]


def test_teleconsultation_outside_the_conditions_is_not_reimbursed():
    """rate.teleconsultation_outside_conditions 0 %: not the MT, not oriented → 0 €."""
    st = price(TELE, Situation(seen_in_person_12_months=True, mutuelle=MUTUELLE))
    assert shares(st) == ("TCG", 0, 0, 2500, 2500, "aucun")
    assert not st.reimbursable
    assert "non remboursable" in st.notes[0] and "hors parcours" in st.notes[0]


def test_connaissance_prealable_and_its_exceptions():
    """teleconsultation.prior_in_person_months 12; waived under 16, no MT via a CPTS…"""
    oriented = Situation(referred=True, seen_in_person_12_months=False)
    d = decide(TELE, oriented)
    assert not d.reimbursable and "connaissance préalable" in d.reasons[0]
    assert decide(TELE, Situation(age=10, medecin_traitant="none")).reimbursable
    assert decide(TELE, Situation(medecin_traitant="none",
                                  territorial_organisation=True)).reimbursable
    assert not decide(TELE, Situation(medecin_traitant="unavailable")).reimbursable
    assert decide(TELE, Situation(medecin_traitant="unavailable",
                                  territorial_organisation=True)).reimbursable
    assert decide(TELE, Situation(emergency=True)).reimbursable
    assert decide(TELE, Situation(ehpad=True)).reimbursable
    assert decide(TELE, Situation(detention=True)).reimbursable


def test_child_teleconsultation():
    """Under 16: no parcours, no connaissance préalable; under 18: no PF → AMO 17,50."""
    st = price(TELE, Situation(age=10, medecin_traitant="none", mutuelle=MUTUELLE))
    assert shares(st) == ("TCG", 1750, 750, 0, 2500, "aucun")


def test_audio_only_is_not_reimbursed():
    """teleconsultation.video_required: by phone only, 25 € for the patient."""
    st = price(Act(DAY, "teleconsultation", "phone"), Situation(**MT, mutuelle=MUTUELLE))
    assert shares(st) == ("TCG", 0, 0, 2500, 2500, "aucun")
    assert "téléphone" in st.notes[0]


def test_specialist_teleconsultation_is_tc():
    """tariff.TC 26,50 € (CS): oriented, seen: 18,55 − 2 = 16,55; mutuelle 7,95; rest 2."""
    st = price(Act(DAY, "teleconsultation", "video", specialty="dermatologue"),
               Situation(referred=True, seen_in_person_12_months=True, mutuelle=MUTUELLE))
    assert shares(st) == ("TC", 1655, 795, 200, 2650, "aucun")


def test_partner_mutuelle_funds_the_teleconsultation():
    """partner.teleconsultation_service: partner pays 25 €, AMO nothing, patient 0."""
    st = price(TELE, Situation(medecin_traitant="none", mutuelle=PARTNER))
    assert shares(st) == ("TCG", 0, 2500, 0, 0, "partenaire")
    assert st.payers == {PARTNER.name: 2500}
    # In person the partner is an ordinary mutuelle: TM 9 €, the 2 € stays.
    assert shares(price(VISIT, Situation(**MT, mutuelle=PARTNER))) == (
        "G", 1900, 900, 200, 3000, "aucun")


def test_ett_nurse_bills_her_own_act():
    """tariff.TLL 12 €, rate.nurse 70 % (ameli), franchise 1 €: AMO 8,40 − 1 = 7,40."""
    act = Act(DAY, "nurse_assist", "video", nurse_setting="lieu_dedie")
    assert shares(price(act, Situation(**MT))) == ("TLL", 740, 0, 460, 1200, "aucun")
    st = price(act, Situation(**MT, mutuelle=MUTUELLE))
    assert (st.amo_cents, st.mutuelle_cents, st.patient_cents, st.franchise_cents) == (
        740, 360, 100, 100)
    assert price(Act(DAY, "nurse_assist", "video", nurse_setting="domicile"),
                 Situation(**MT)).tariff_cents == 1500


def test_impossible_acts_are_refused():
    for kwargs, code in (({"act": "radiographie"}, "unknown_act"),
                         ({"act": "consultation", "channel": "video"}, "impossible_act"),
                         ({"act": "teleconsultation", "channel": "in_person"},
                          "impossible_act")):
        with pytest.raises(Invalid) as exc:
            Act(DAY, **kwargs)
        assert exc.value.code == code
    with pytest.raises(Invalid):
        Situation(age=-1)


# ------------------------------------------------------------------------ exports
def test_monthly_export_per_payer():
    items = [("a1", price(VISIT, Situation(**MT, mutuelle=MUTUELLE))),
             ("a2", price(TELE, Situation(mutuelle=PARTNER))),
             ("a3", price(Act(date(2026, 10, 2)), Situation(**MT)))]
    totals = {(t.payer, t.month): (t.acts, t.amount_cents) for t in monthly_totals(items)}
    assert totals[(AMO, "2026-12")] == (1, 1900)
    assert totals[(AMO, "2026-10")] == (1, 1900)
    assert totals[(PARTNER.name, "2026-12")] == (1, 2500)
    csv_text = payer_csv(items, "Mutuelle Exemple", "2026-12")
    assert csv_text.splitlines()[1].split(";")[:3] == ["a1", "2026-12-01", "G"]
    assert len(csv_text.splitlines()) == 2


def test_shares_always_balance_and_are_never_negative():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    acts = st.sampled_from([("consultation", "in_person"), ("teleconsultation", "video"),
                            ("teleconsultation", "phone"), ("nurse_assist", "video"),
                            ("teleexpertise", "video")])

    @settings(max_examples=300, deadline=None)
    @given(acts, st.sampled_from(["generaliste", "dermatologue", "psychiatre", "pediatre"]),
           st.sampled_from(["1", "2", "OPTAM"]), st.integers(0, 5000), st.integers(0, 99),
           st.sampled_from(["declared", "none", "unavailable"]), st.booleans(),
           st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
           st.none() | st.integers(0, 400), st.booleans(), st.integers(0, 600),
           st.integers(0, 6000))
    def check(kind, specialty, sector, extra, age, mt, is_mt, seen, ald, maternity, c2s,
              ame, rate, partner, today, year):
        act, channel = kind
        fee = None
        if sector != "1" and not c2s and act != "nurse_assist":
            probe = decide(Act(DAY, act, channel, specialty), Situation()).act_code
            fee = tariff_for(probe, DAY).amount_cents + extra
        cover = None if rate is None else Coverage("M", rate, partner=partner)
        s = Situation(age=age, medecin_traitant=mt, is_patients_medecin_traitant=is_mt,
                      seen_in_person_12_months=seen, ald=ald, maternity=maternity, c2s=c2s,
                      ame=ame, mutuelle=cover, pf_paid_today_cents=today,
                      pf_paid_year_cents=year)
        b = price(Act(DAY, act, channel, specialty, sector, fee), s)
        assert min(b.amo_cents, b.mutuelle_cents, b.patient_cents) >= 0
        assert b.amo_cents + b.mutuelle_cents + b.patient_cents == b.fee_cents
        assert 0 <= b.patient_advance_cents <= b.fee_cents
        assert b.participation_forfaitaire_cents <= 200
        assert today + b.participation_forfaitaire_cents <= max(today, 400)
        assert year + b.participation_forfaitaire_cents <= max(year, 5000)
        if channel == "phone" and not (partner and cover and act == "teleconsultation"):
            assert b.amo_cents == 0

    check()


def test_context_defaults_are_a_plain_parcours_visit():
    st = bill(BillingContext(DAY, "G"))
    assert (st.amo_cents, st.patient_cents) == (1900, 1100)
