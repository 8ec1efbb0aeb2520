"""Billing rules against worked examples (amounts in cents)."""

from __future__ import annotations

from datetime import date

import pytest

from oasis.care.billing import BillingContext, Coverage, TariffError, bill, tariff_for
from oasis.care.billing.export import AMO, monthly_totals, payer_csv
from oasis.care.billing.statement import BillingError

MUTUELLE = Coverage("Mutuelle Exemple", 100)
PARTNER = Coverage("Mutuelle Partenaire Oasis", 100, partner=True)
DAY = date(2026, 11, 23)


def test_tariffs_are_dated():
    assert tariff_for("G", date(2024, 12, 21)).amount_cents == 2650
    assert tariff_for("G", date(2024, 12, 22)).amount_cents == 3000
    assert tariff_for("G", date(2023, 1, 10)).amount_cents == 2500
    assert tariff_for("tcg", DAY).amount_cents == 2500
    assert tariff_for("G", DAY).source  # every tariff cites its source
    with pytest.raises(TariffError):
        tariff_for("XYZ", DAY)
    with pytest.raises(TariffError):
        tariff_for("G", date(2010, 1, 1))


def test_gp_consultation_in_parcours_with_mutuelle():
    # ameli's worked example: 30 € → AMO 70 % = 21 € − 2 € = 19 €; ticket modérateur 9 €.
    st = bill(BillingContext(DAY, "G", coverage=MUTUELLE))
    assert (st.amo_gross_cents, st.participation_forfaitaire_cents, st.amo_cents) == (
        2100, 200, 1900)
    assert st.mutuelle_cents == 900 and st.patient_cents == 200
    assert st.patient_advance_cents == 3000 and st.tiers_payant == "aucun"


def test_hors_parcours_cut_is_not_covered_by_mutuelle():
    st = bill(BillingContext(DAY, "G", in_parcours=False, coverage=MUTUELLE))
    assert st.amo_rate_percent == 30 and st.amo_cents == 900 - 200
    assert st.mutuelle_cents == 900  # the normal ticket modérateur only
    assert st.patient_cents == 1400  # 12 € cut + 2 € participation forfaitaire


def test_partner_mutuelle_teleconsultation_is_free_with_no_advance():
    st = bill(BillingContext(DAY, "TCG", coverage=PARTNER))
    assert st.tariff_cents == 2500 and st.amo_cents == 1750 - 200
    assert st.mutuelle_cents == 950 and st.patient_cents == 0
    assert st.patient_advance_cents == 0 and st.tiers_payant == "integral"


def test_child_pays_no_participation_forfaitaire():
    st = bill(BillingContext(DAY, "G", patient_age=10))
    assert st.participation_forfaitaire_cents == 0 and st.amo_cents == 2100
    assert st.patient_cents == 900


def test_c2s_is_fully_covered_and_direct():
    st = bill(BillingContext(DAY, "G", c2s=True))
    assert st.amo_cents == 3000 and st.patient_cents == 0 and st.patient_advance_cents == 0


def test_ald_keeps_participation_forfaitaire():
    st = bill(BillingContext(DAY, "G", ald=True))
    assert st.amo_cents == 2800 and st.patient_cents == 200 and st.tiers_payant == "amo"
    assert st.patient_advance_cents == 200


def test_secteur_2_overrun_with_200_percent_contract():
    st = bill(BillingContext(DAY, "CS", fee_cents=5000, secteur="2",
                             coverage=Coverage("Renfort", 200)))
    assert st.overrun_cents == 5000 - 2650
    assert st.amo_cents == 1855 - 200
    assert st.mutuelle_cents == 5000 - 1855  # within 200 % BR (53 €)
    assert st.patient_cents == 200


def test_old_participation_forfaitaire_before_may_2024():
    st = bill(BillingContext(date(2024, 3, 1), "G"))
    assert st.participation_forfaitaire_cents == 100 and st.tariff_cents == 2650


def test_overrun_refused_in_secteur_1_and_for_c2s():
    with pytest.raises(BillingError, match="secteur 1"):
        bill(BillingContext(DAY, "G", fee_cents=3500))
    with pytest.raises(BillingError, match="C2S"):
        bill(BillingContext(DAY, "G", fee_cents=3500, secteur="2", c2s=True))
    with pytest.raises(BillingError, match="inférieurs"):
        bill(BillingContext(DAY, "G", fee_cents=1000))


def test_monthly_export_per_payer():
    items = [("a1", bill(BillingContext(DAY, "G", coverage=MUTUELLE))),
             ("a2", bill(BillingContext(DAY, "TCG", coverage=PARTNER))),
             ("a3", bill(BillingContext(date(2026, 10, 2), "G")))]
    totals = {(t.payer, t.month): (t.acts, t.amount_cents) for t in monthly_totals(items)}
    assert totals[(AMO, "2026-11")] == (2, 1900 + 1550)
    assert totals[(AMO, "2026-10")] == (1, 1900)
    assert totals[("Mutuelle Partenaire Oasis", "2026-11")] == (1, 950)
    csv_text = payer_csv(items, "Mutuelle Exemple", "2026-11")
    assert csv_text.splitlines()[1].split(";")[:3] == ["a1", "2026-11-23", "G"]
    assert len(csv_text.splitlines()) == 2


@pytest.mark.parametrize("code", ["G", "TCG", "CS", "TCS", "APC"])
def test_shares_always_balance_and_are_never_negative(code):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None)
    @given(st.integers(0, 10_000), st.sampled_from(["1", "2", "OPTAM"]), st.integers(0, 99),
           st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
           st.none() | st.integers(0, 400), st.booleans())
    def check(extra, secteur, age, parcours, ald, maternity, c2s, ame, rate, partner):
        if secteur == "1" or c2s:
            extra = 0
        cover = None if rate is None else Coverage("M", rate, partner=partner)
        s = bill(BillingContext(DAY, code, fee_cents=tariff_for(code, DAY).amount_cents + extra,
                                secteur=secteur, patient_age=age, in_parcours=parcours,
                                ald=ald, maternity=maternity, c2s=c2s, ame=ame, coverage=cover))
        assert min(s.amo_cents, s.mutuelle_cents, s.patient_cents) >= 0
        assert s.amo_cents + s.mutuelle_cents + s.patient_cents == s.fee_cents
        assert 0 <= s.patient_advance_cents <= s.fee_cents
        if partner and cover:
            assert s.patient_cents == 0 and s.patient_advance_cents == 0

    check()
