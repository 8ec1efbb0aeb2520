"""Volunteer allocation: constraints always hold, optimum on small cases, bad inputs."""

from __future__ import annotations

import itertools
import json
from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from oasis.care.programmes.missions import mission_terms
from oasis.commands.app import app
from oasis.territory.apl import compute
from oasis.territory.supply import Supply
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.travel import TravelModel, haversine_km
from oasis.territory.volunteers import (
    Doctors,
    VolunteerInputError,
    parse_budget_cents,
    plan_volunteers,
    read_doctors,
    synthetic_doctors,
    write_doctors_csv,
)
from oasis.territory.zoning import zoning

runner = CliRunner()
ON = date(2026, 1, 1)
TERMS = mission_terms(ON)


@pytest.fixture(scope="module")
def demo(geo):
    units = np.flatnonzero(geo.analysis_units)
    apl = compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0))
    return apl, zoning(apl).priority(151)["epci"].tolist()


def check_constraints(geo, apl, doctors, plan, budget_cents, max_minutes):
    a = plan.assignment
    per_doc = a.groupby("doctor")["days"].sum()
    cap = dict(zip(doctors.id, doctors.max_days, strict=True))
    assert (per_doc <= 2).all()
    assert all(per_doc[d] <= cap[d] for d in per_doc.index)
    assert (a["days"] > 0).all()
    assert plan.cost_cents == a["cost_cents"].sum() == plan.days * 20_000
    if budget_cents is not None:
        assert plan.cost_cents <= budget_cents
    home = [geo.index[c] for c in a["home"]]
    host = [geo.index[c] for c in a["host"]]
    km = haversine_km(geo.lat[home], geo.lon[home], geo.lat[host], geo.lon[host])
    assert (TravelModel().minutes(km) <= max_minutes + 1e-9).all()


@pytest.mark.parametrize("budget_cents,max_minutes", [(None, 90.0), (1_000_000, 90.0),
                                                      (4_560_000, 45.0), (0, 90.0)])
def test_constraints_hold(geo, demo, budget_cents, max_minutes):
    apl, epcis = demo
    doctors = synthetic_doctors(apl, 300, seed=4)
    plan = plan_volunteers(apl, doctors, epcis, TERMS, budget_cents=budget_cents,
                           max_minutes=max_minutes, time_limit=600)
    check_constraints(geo, apl, doctors, plan, budget_cents, max_minutes)
    assert plan.status == "optimal" and plan.gap < 1e-5
    if budget_cents == 0:
        assert plan.days == 0 and len(plan.assignment) == 0
    # hosts are in the priority EPCIs, and the APL after equals a full recompute
    assert set(plan.assignment["epci"]) <= set(epcis)
    if plan.days:
        extra_units = [apl.position(c) for c in plan.assignment["host"]]
        per_day = 12 * apl.profession.mean_activity / 220
        amount = plan.assignment["days"].to_numpy() * per_day
        s = apl.supply
        full = compute(geo, Supply(np.concatenate((s.pid, [f"v{i}" for i in
                                                           range(len(amount))])),
                                   np.concatenate((s.unit, extra_units)),
                                   np.concatenate((s.amount, amount)),
                                   np.concatenate((s.profession,
                                                   ["generaliste"] * len(amount))),
                                   None, True), "generaliste")
        np.testing.assert_allclose(plan.apl_after, full.apl, rtol=1e-9, atol=1e-9)
        lifted = apl.population[(apl.apl < 2.5) & (full.apl >= 2.5)].sum()
        assert plan.population_lifted == lifted


def test_budget_caps_days_and_more_budget_never_hurts(demo):
    apl, epcis = demo
    doctors = synthetic_doctors(apl, 200, seed=1)
    values = []
    for euros in (1_000, 5_000, 20_000):
        plan = plan_volunteers(apl, doctors, epcis, TERMS, budget_cents=euros * 100,
                               time_limit=600)
        assert plan.days <= euros // 200
        values.append(plan.objective)
    assert values == sorted(values)


def test_optimum_matches_brute_force_on_a_small_case(geo, demo):
    apl, _ = demo
    pos = {c: apl.position(c) for c in ("58062", "58079", "58194")}
    doctors = Doctors(np.array(["A", "B", "C"], dtype=object),
                      np.array([pos["58194"], pos["58194"], pos["58079"]]),
                      np.array([2, 1, 2]))
    small = zoning(apl).priority(None)
    nievre = small[small["epci"].isin(
        {str(geo.epci[geo.row(c)]) for c in ("58062", "58079", "58194")})]
    ep = nievre["epci"].tolist()
    plan = plan_volunteers(apl, doctors, ep, TERMS, budget_cents=3 * 20_000, time_limit=600)
    assert plan.days <= 3
    # brute force over every split of ≤ 3 days among the reachable hosts
    from oasis.territory.volunteers import default_hosts

    hosts = default_hosts(geo, apl.units, ep)
    per_day = 12 * apl.profession.mean_activity / 220
    gap = np.maximum(0, 2.5 - apl.apl)
    best = 0.0
    for combo in itertools.combinations_with_replacement(range(len(hosts)), 3):
        for n in range(4):
            delta = np.zeros(len(apl.apl))
            for j in combo[:n]:
                idx, d = apl.marginal(int(hosts[j]), per_day)
                delta[idx] += d
            best = max(best, float(apl.population @ np.minimum(gap, delta)))
    # every host of these EPCIs is within 90 min of Nevers/Clamecy, so all splits are
    # feasible for doctors with 2 + 1 + 2 days
    assert plan.objective == pytest.approx(best, rel=1e-6)


def test_bad_inputs(geo, demo, tmp_path):
    apl, epcis = demo
    bad = tmp_path / "d.csv"
    bad.write_text("id,commune,max_days\nA,58194,2\nB,99999,1\nC,58194,3\nA,58194,1\n"
                   "D,58194,deux\n", encoding="utf-8")
    with pytest.raises(VolunteerInputError) as exc:
        read_doctors(bad, geo, TERMS.day_cap)
    msg = str(exc.value)
    for needle in ("4 ligne(s)", "ligne 3", "commune inconnue", "ligne 4", "entre 0 et 2",
                   "ligne 5", "déjà utilisé", "ligne 6", "entier"):
        assert needle in msg
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(VolunteerInputError, match="fichier vide"):
        read_doctors(empty, geo, TERMS.day_cap)
    header = tmp_path / "h.csv"
    header.write_text("id,commune,max_days\n")
    with pytest.raises(VolunteerInputError, match="aucun médecin"):
        read_doctors(header, geo, TERMS.day_cap)
    with pytest.raises(VolunteerInputError, match="positif"):
        parse_budget_cents("-10")
    with pytest.raises(VolunteerInputError, match="illisible"):
        parse_budget_cents("beaucoup")
    assert parse_budget_cents("12 000,50") == 1_200_050
    doctors = synthetic_doctors(apl, 5)
    with pytest.raises(VolunteerInputError, match="EPCI inconnu"):
        plan_volunteers(apl, doctors, ["123456789"], TERMS)
    with pytest.raises(VolunteerInputError, match="aucun EPCI"):
        plan_volunteers(apl, doctors, [], TERMS)
    too_many = Doctors(doctors.id, doctors.unit, np.array([3, 1, 1, 1, 1]))
    with pytest.raises(VolunteerInputError, match="au plus 2"):
        plan_volunteers(apl, too_many, epcis, TERMS)
    out = tmp_path / "ok.csv"
    write_doctors_csv(doctors, geo, out)
    assert len(read_doctors(out, geo, TERMS.day_cap)) == 5


def test_cli_plan_volunteers(geo, demo, tmp_path):
    apl, _ = demo
    path = tmp_path / "docs.csv"
    write_doctors_csv(synthetic_doctors(apl, 80, seed=2), geo, path)
    res = runner.invoke(app, ["plan", "volunteers", "--doctors", str(path), "--budget", "6000",
                              "--month", "2026-02", "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["cost_cents"] <= 600_000 and payload["rate_cents"] == 20_000
    assert len(payload["epcis"]) == 151
    assert all(r["days"] <= 2 for r in payload["assignment"])
    out = tmp_path / "plan.csv"
    res = runner.invoke(app, ["plan", "volunteers", "--doctors", str(path), "--top", "30",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "habitants passent au-dessus de" in res.stdout


def test_cli_plan_volunteers_bad_input(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    res = runner.invoke(app, ["plan", "volunteers", "--doctors", str(empty)])
    assert res.exit_code == 2 and "fichier vide" in res.output
    res = runner.invoke(app, ["plan", "volunteers", "--budget", "-5"])
    assert res.exit_code == 2 and "positif" in res.output
    bad = tmp_path / "b.csv"
    bad.write_text("id,commune,max_days\nA,00000,1\n")
    res = runner.invoke(app, ["plan", "volunteers", "--doctors", str(bad)])
    assert res.exit_code == 2 and "ligne 2" in res.output
    res = runner.invoke(app, ["plan", "volunteers", "--month", "2026-13"])
    assert res.exit_code == 2 and "mois illisible" in res.output
