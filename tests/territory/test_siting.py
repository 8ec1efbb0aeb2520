"""Siting (MCLP): exact against brute force and PySAL spopt, reductions, CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from typer.testing import CliRunner

from oasis.commands.app import app
from oasis.territory.coverage import coverage
from oasis.territory.mclp import (
    MclpError,
    coverage_value,
    greedy,
    lagrangian_bound,
    reduce,
    solve,
    swap_search,
)
from oasis.territory.siting import SitingError, build_instance, plan_sites

runner = CliRunner()


def brute_force(cover, w, k):
    n = cover.shape[1]
    k = min(k, n)
    return max(coverage_value(cover, w, c) for c in itertools.combinations(range(n), k))


@st.composite
def instances(draw):
    n_dem = draw(st.integers(1, 12))
    n_cand = draw(st.integers(1, 7))
    dense = np.array(draw(st.lists(st.lists(st.booleans(), min_size=n_cand, max_size=n_cand),
                                   min_size=n_dem, max_size=n_dem)))
    w = np.array(draw(st.lists(st.integers(0, 50), min_size=n_dem, max_size=n_dem)), float)
    k = draw(st.integers(0, n_cand + 1))
    return sparse.csr_matrix(dense), w, k


@settings(max_examples=120, deadline=None)
@given(instances())
def test_exact_equals_brute_force(inst):
    cover, w, k = inst
    best = brute_force(cover, w, k)
    for kwargs in ({}, {"reduction": False}, {"reduction": False, "warm_start": False},
                   {"large_pairs": 0}):
        sol = solve(cover, w, k, **kwargs)
        assert len(set(sol.chosen.tolist())) == len(sol.chosen) == min(k, cover.shape[1])
        assert sol.objective == pytest.approx(best)
        assert coverage_value(cover, w, sol.chosen) == pytest.approx(best)
        assert sol.status == "optimal" and sol.gap < 1e-6
    g = solve(cover, w, k, method="greedy")
    assert g.objective <= best + 1e-9 and g.bound >= best - 1e-9


@settings(max_examples=60, deadline=None)
@given(instances())
def test_reduction_keeps_the_optimum(inst):
    cover, w, k = inst
    if k == 0:
        return
    red = reduce(cover, w, k)
    assert red.weights.sum() <= w.sum() + 1e-9
    reduced_best = (brute_force(red.cover, red.weights, k) if red.cover.shape[1]
                    else 0.0)
    assert reduced_best == pytest.approx(brute_force(cover, w, k))
    chosen, gains, bound = greedy(cover, w, k)
    best = brute_force(cover, w, k)
    assert sum(gains) == pytest.approx(coverage_value(cover, w, chosen))
    assert bound >= best - 1e-9
    bound, lam = lagrangian_bound(cover, w, k, coverage_value(cover, w, chosen), chosen)
    assert bound >= best - 1e-6 and np.all((lam >= 0) & (lam <= w))
    swapped = swap_search(cover, w, chosen)
    assert len(set(swapped)) == len(swapped) == len(chosen)
    assert coverage_value(cover, w, swapped) >= coverage_value(cover, w, chosen) - 1e-9


def test_solve_rejects_bad_input():
    cover = sparse.csr_matrix(np.eye(3, dtype=bool))
    with pytest.raises(MclpError, match="positif"):
        solve(cover, np.ones(3), -1)
    with pytest.raises(MclpError, match="poids"):
        solve(cover, np.array([1.0, -1.0, 2.0]), 1)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_matches_spopt_on_a_department(geo):
    spopt = pytest.importorskip("spopt.locate", reason="spopt (dev-only oracle) not installed")
    pulp = pytest.importorskip("pulp")
    from oasis.territory.travel import TravelModel, haversine_km

    inst = build_instance(geo, dep="58", minutes=20, min_population=500)
    rows = inst.rows
    d, c = rows[inst.demand], rows[inst.candidates]
    km = haversine_km(geo.lat[d][:, None], geo.lon[d][:, None], geo.lat[c][None, :],
                      geo.lon[c][None, :])
    cost = TravelModel().minutes(km)
    for k in (1, 3, 6):
        model = spopt.MCLP.from_cost_matrix(cost, inst.weights.astype(int), 20.0, k)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        theirs = float(pulp.value(model.problem.objective))
        ours = plan_sites(inst, k, time_limit=600)
        assert ours.solution.status == "optimal"
        assert ours.solution.objective == pytest.approx(theirs)


def test_instance_agrees_with_coverage(geo):
    inst = build_instance(geo, region="27")
    assert inst.cover.shape == (3685, 511)
    plan = plan_sites(inst, 20, time_limit=600)  # generous: the machine may be loaded
    assert plan.solution.status == "optimal" and len(plan.sites) == 20
    assert plan.sites["newly_covered"].sum() == plan.newly_covered
    assert plan.sites["newly_covered"].is_monotonic_decreasing
    # every chosen commune covers itself (0 minutes), and coverage() agrees on the area
    cov = coverage(geo, plan.new_sites(), 30).communes
    in_area = cov.iloc[inst.demand]
    assert in_area.loc[in_area["covered"], "population"].sum() == plan.covered_after
    per_commune = plan.commune_coverage()
    assert (per_commune["covered_after"].to_numpy() == in_area["covered"].to_numpy()).all()
    assert not per_commune["covered_before"].any()
    # a greedy plan is never better than the exact one
    greedy_plan = plan_sites(inst, 20, method="greedy")
    assert greedy_plan.covered_after <= plan.covered_after
    assert greedy_plan.solution.bound >= plan.solution.objective


def test_existing_sites_are_fixed(geo):
    from oasis.territory.sites import demo_sites

    inst = build_instance(geo, dep="58", existing=demo_sites(geo))
    assert inst.covered_before.any()
    assert (inst.weights[inst.covered_before] == 0).all()
    plan = plan_sites(inst, 2)
    assert plan.covered_after >= plan.covered_before


def test_instance_errors(geo):
    with pytest.raises(SitingError, match="région inconnue"):
        build_instance(geo, region="99")
    with pytest.raises(SitingError, match="département inconnu"):
        build_instance(geo, dep="2C")
    with pytest.raises(SitingError, match="positif"):
        build_instance(geo, dep="58", minutes=0)
    with pytest.raises(SitingError, match="aucune commune candidate"):
        build_instance(geo, dep="58", min_population=10**8)
    with pytest.raises(SitingError, match="positif"):
        plan_sites(build_instance(geo, dep="58"), -2)


def test_cli_plan_sites(tmp_path):
    res = runner.invoke(app, ["plan", "sites", "--k", "4", "--dep", "58", "--json",
                             "--time-limit", "600"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["status"] == "optimal" and len(payload["sites"]) == 4
    assert payload["covered_after"] > payload["covered_before"] == 0
    cands = tmp_path / "c.csv"
    cands.write_text("commune\n58194\n58079\n58062\n")
    out = tmp_path / "plan.geojson"
    res = runner.invoke(app, ["plan", "sites", "--k", "2", "--dep", "58", "--candidates",
                              str(cands), "--out", str(out), "--time-limit", "600"])
    assert res.exit_code == 0, res.output
    assert "optimal" in res.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["code"] for f in data["features"]} <= {"58194", "58079", "58062"}


def test_cli_plan_sites_bad_input(tmp_path):
    res = runner.invoke(app, ["plan", "sites", "--k", "-1"])
    assert res.exit_code == 2 and "positif" in res.output
    res = runner.invoke(app, ["plan", "sites", "--region", "99"])
    assert res.exit_code == 2 and "région inconnue" in res.output
    empty = tmp_path / "e.csv"
    empty.write_text("")
    res = runner.invoke(app, ["plan", "sites", "--candidates", str(empty)])
    assert res.exit_code == 2 and "fichier vide" in res.output
    bad = tmp_path / "b.csv"
    bad.write_text("commune\n58194\n00000\n")
    res = runner.invoke(app, ["plan", "sites", "--dep", "58", "--candidates", str(bad)])
    assert res.exit_code == 2 and "ligne 3" in res.output


def test_lagrangian_path_bounds_the_exact_optimum():
    """The large-instance path (Lagrangian bound + MILPs on the best-priced candidates),
    forced on a 300-candidate instance: a valid plan, never above the exact optimum,
    with a bound never below it."""
    rng = np.random.default_rng(0)
    dem, cand = rng.random((1500, 2)), rng.random((300, 2))
    dist = np.hypot(dem[:, None, 0] - cand[None, :, 0], dem[:, None, 1] - cand[None, :, 1])
    cover = sparse.csr_matrix(dist < 0.15)
    w = rng.integers(1, 1000, 1500).astype(float)
    exact = solve(cover, w, 8, time_limit=120)
    assert exact.status == "optimal"
    fast = solve(cover, w, 8, large_pairs=0, time_limit=20)
    assert fast.method == "lagrangian+restricted MILP"
    assert len(set(fast.chosen.tolist())) == 8
    assert fast.objective == pytest.approx(coverage_value(cover, w, fast.chosen))
    assert fast.objective <= exact.objective + 1e-6
    assert fast.bound >= exact.objective - 1e-6
    assert fast.gap == pytest.approx((fast.bound - fast.objective) / fast.bound)
    assert fast.stats["restricted_milps"], "at least one restricted MILP ran"
