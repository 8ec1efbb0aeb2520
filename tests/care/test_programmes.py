"""France Santé label criteria and mission rules."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from oasis.care.programmes.france_sante import CareRequest, LabelInput, check_label, open_days
from oasis.care.programmes.missions import (
    DayRecord,
    MissionRuleError,
    check_month_cap,
    daily_rate,
    monthly_statements,
    zone_totals,
)

PARIS = ZoneInfo("Europe/Paris")
DAY = [(time(8, 30), time(12, 30)), (time(14), time(19))]


def requests(n_fast: int, n_slow: int) -> list[CareRequest]:
    t0 = datetime(2026, 11, 2, 9, tzinfo=PARIS)
    fast = [CareRequest(t0, t0 + timedelta(hours=20)) for _ in range(n_fast)]
    slow = [CareRequest(t0, t0 + timedelta(days=5)) for _ in range(n_slow - 1)]
    return fast + slow + ([CareRequest(t0, None)] if n_slow else [])


def good_site(**kw) -> LabelInput:
    values = dict(site_name="MSP de Nevers", nurse_present=True,
                  opening_hours={d: DAY for d in range(5)}, practitioner_sectors=["1", "1"],
                  requests=requests(9, 1), sas_since=date(2025, 11, 3),
                  sas_evidence="convention SAS")
    values.update(kw)
    return LabelInput(**values)


def test_passing_site():
    report = check_label(good_site())
    assert report.eligible and not report.failing()
    assert "9/10" in next(c for c in report.criteria if c.code == "within_48_h").evidence


@pytest.mark.parametrize(("change", "code"), [
    ({"nurse_present": False}, "nurse"),
    ({"opening_hours": {d: DAY for d in range(4)} | {5: [(time(9), time(9))]}}, "open_days"),
    ({"practitioner_sectors": ["1", "2"]}, "no_overrun"),
    ({"practitioner_sectors": []}, "doctor"),
    ({"sas_since": None}, "sas"),
    ({"requests": requests(5, 5)}, "within_48_h"),
    ({"requests": []}, "within_48_h"),
])
def test_each_failing_criterion_is_reported_with_evidence(change, code):
    report = check_label(good_site(**change))
    assert not report.eligible
    assert [c.code for c in report.failing()] == [code]
    assert report.failing()[0].evidence


def test_france_sante_criteria_as_published():
    """france_sante.* rules (ARS, réseau France Santé): nurse in the structure *or nearby*,
    no dépassement (an OPTAM doctor at tarif opposable qualifies), SAS participation."""
    assert check_label(good_site(nurse_present=False, nurses_nearby=1)).eligible
    optam = good_site(practitioner_sectors=["1", "OPTAM"], tarif_opposable=True)
    assert check_label(optam).eligible
    report = check_label(good_site())
    sas = next(c for c in report.criteria if c.code == "sas")
    assert sas.passed and "03/11/2025" in sas.evidence and "convention SAS" in sas.evidence
    assert "within_30_min" not in {c.code for c in report.criteria}  # dashboard figure
    assert [c.code for c in report.criteria] == ["nurse", "open_days", "no_overrun",
                                                 "doctor", "sas", "within_48_h"]


def test_open_days_ignore_empty_intervals():
    assert open_days({0: DAY, 1: [], 2: [(time(9), time(9))]}) == [0]


def test_third_day_in_a_month_is_refused():
    check_month_cap([date(2026, 12, 1)], date(2026, 12, 15))
    with pytest.raises(MissionRuleError, match="2 jours"):
        check_month_cap([date(2026, 12, 1), date(2026, 12, 15)], date(2026, 12, 20))
    check_month_cap([date(2026, 12, 1), date(2026, 12, 15)], date(2027, 1, 3))
    with pytest.raises(MissionRuleError, match="déjà inscrit"):
        check_month_cap([date(2026, 12, 1)], date(2026, 12, 1))


def test_statements_pay_completed_days_only_in_cents():
    days = [DayRecord("dr1", "200067221", date(2026, 12, 1), "completed"),
            DayRecord("dr1", "200067221", date(2026, 12, 15), "cancelled"),
            DayRecord("dr1", "245804406", date(2027, 1, 5), "completed"),
            DayRecord("dr2", "245804406", date(2027, 1, 6), "not_done")]
    st = monthly_statements(days)
    assert [(s.doctor_id, s.month, s.paid_days, s.amount_cents) for s in st] == [
        ("dr1", "2026-12", 1, 20_000), ("dr1", "2027-01", 1, 20_000)]
    assert zone_totals(days) == {"200067221": 20_000, "245804406": 20_000}
    assert daily_rate(date(2026, 12, 1)).amount_cents == 20_000
