"""APL engine: reference implementations, PySAL access, hand-computed DREES cases, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oasis.territory.apl import Catchment, compute, two_step
from oasis.territory.professions import PROFESSIONS, get_profession
from oasis.territory.supply import Supply, unit_positions
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.travel import TravelTimes

GP = PROFESSIONS["generaliste"]


def random_instance(seed: int, n: int, density: float):
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, rng.random(n) < 0.7)
    o, d = np.nonzero(mask)
    minutes = rng.uniform(0, 25, size=o.size)
    minutes[rng.random(o.size) < 0.1] = rng.choice([10.0, 15.0, 20.0])  # exact band edges
    travel = TravelTimes(o.astype(np.int32), d.astype(np.int32), minutes, n, n)
    demand = rng.uniform(0, 5000, size=n) * (rng.random(n) < 0.9)
    supply = rng.uniform(0, 20000, size=n) * (rng.random(n) < 0.5)
    return travel, demand, supply


def naive_apl(travel: TravelTimes, demand, supply, prof, scale):
    """Per-pair loops, straight from the DREES formula."""
    n = travel.n_origins
    t = {(int(a), int(b)): float(m) for a, b, m in
         zip(travel.origin, travel.dest, travel.minutes, strict=True)}

    def w(m):
        for edge, weight in zip(prof.band_upper_min, prof.band_weight, strict=True):
            if m <= edge:
                return weight
        return 0.0

    ratio = []
    for j in range(n):
        den = sum(w(t[(k, j)]) * demand[k] for k in range(n) if (k, j) in t)
        ratio.append(supply[j] / den if den > 0 else 0.0)
    return np.array([scale * sum(w(t[(i, j)]) * ratio[j] for j in range(n) if (i, j) in t)
                     for i in range(n)])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 25), st.floats(0.05, 1.0),
       st.sampled_from(["generaliste", "infirmier", "sage_femme"]))
def test_matches_naive_reference(seed, n, density, key):
    prof = get_profession(key)
    travel, demand, supply = random_instance(seed, n, density)
    cat = Catchment.build(travel, prof, demand, self_in_first_band=False)
    _, apl = two_step(cat, supply, prof.output_scale)
    expected = naive_apl(travel, demand, supply, prof, prof.output_scale)
    np.testing.assert_allclose(apl, expected, rtol=1e-9, atol=1e-12 * prof.output_scale)


def test_equals_pysal_access_step_decay():
    from access import Access, weights

    travel, demand, supply = random_instance(7, 60, 0.3)
    cat = Catchment.build(travel, GP, demand, self_in_first_band=False)
    _, apl = two_step(cat, supply, 1.0)
    ids = np.arange(60)
    acc = Access(
        demand_df=pd.DataFrame({"geoid": ids, "pop": demand}).set_index("geoid"),
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": ids, "doc": supply}).set_index("geoid"),
        supply_value="doc",
        cost_df=pd.DataFrame({"origin": travel.origin, "dest": travel.dest,
                              "cost": travel.minutes}),
        cost_origin="origin", cost_dest="dest", cost_name="cost")
    fn = weights.step_fn(dict(zip(GP.band_upper_min, GP.band_weight, strict=True)))
    ref = acc.two_stage_fca(name="2sfca", weight_fn=fn, max_cost=20)
    ref = ref.iloc[:, 0].reindex(ids).fillna(0.0).to_numpy()
    reached = cat.denominator > 0
    # access leaves NaN (0 here) where a supply unit has no demand; the APL uses R = 0 too.
    np.testing.assert_allclose(apl, ref, rtol=1e-9, atol=1e-12)
    assert reached.any()


def test_hand_computed_drees_case():
    """Three communes: A–B 12 min (weight 2/3), A–C 18 min (1/3), B–C 25 min (out).

    One GP in A with 5 000 C+V; populations 1 000, 2 000, 3 000; everyone reaches their
    own commune in 5 minutes (weight 1).
    den_A = 1·1000 + 2/3·2000 + 1/3·3000 = 3333.33…, R_A = 1.5 C+V per inhabitant;
    APL_A = 1.5, APL_B = 2/3·1.5 = 1.0, APL_C = 1/3·1.5 = 0.5.
    """
    o = np.array([0, 1, 2, 0, 1, 0, 2], np.int32)
    d = np.array([0, 1, 2, 1, 0, 2, 0], np.int32)
    m = np.array([5, 5, 5, 12, 12, 18, 18], float)
    cat = Catchment.build(TravelTimes(o, d, m, 3, 3), GP, np.array([1000.0, 2000, 3000]))
    ratio, apl = two_step(cat, np.array([5000.0, 0, 0]), 1.0)
    assert cat.denominator[0] == pytest.approx(3000 + 1000 / 3)
    assert ratio[0] == pytest.approx(1.5)
    assert apl.tolist() == pytest.approx([1.5, 1.0, 0.5])
    classes, low, high = GP.classify(apl, np.array([1000.0, 2000, 3000]))
    assert (low, high) == (2.5, 4.0)
    assert classes.tolist() == ["sous-dense"] * 3


def test_band_edges_belong_to_the_nearer_band():
    assert GP.weight(np.array([0, 10, 10.0001, 15, 15.5, 20, 20.0001])).tolist() == \
        pytest.approx([1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0])


def test_national_result_is_consistent(geo):
    units, _ = unit_positions(geo)
    supply = synthetic_supply(geo.population[units], "generaliste", n=20_000, seed=3)
    result = compute(geo, supply)
    assert len(result.apl) == len(units) == 34_917
    # Σ_i D_i·APL_i = Σ_j S_j·(Σ_i w_ij D_i)/den_j = total reached supply: conservation.
    assert np.sum(result.demand * result.apl) == pytest.approx(
        result.unit_supply[result.catchment.denominator > 0].sum(), rel=1e-9)
    assert result.unreached_supply == 0.0
    table = result.table()
    assert list(table.columns[:9]) == ["code", "name", "dep", "epci", "population", "demand",
                                       "apl", "apl_class", "demand_approximated"]
    assert table["demand_approximated"].all() and table["synthetic_supply"].all()
    assert set(table["apl_class"]) <= {"sous-dense", "vigilance", "hors zone"}
    ex = result.explain("58194")
    assert ex.total == pytest.approx(ex.apl, rel=1e-9)
    assert ex.practitioners["contribution"].sum() == pytest.approx(ex.apl, rel=1e-9)
    assert (ex.sites["minutes"] <= 20).all()


def test_paris_must_be_given_by_arrondissement(geo):
    units, _ = unit_positions(geo)
    result = compute(geo, synthetic_supply(geo.population[units], n=2000, seed=1))
    with pytest.raises(ValueError, match="arrondissements"):
        result.explain("75056")
    assert result.explain("75112").code == "75112"


def test_age_variant_excludes_older_practitioners(geo):
    units, _ = unit_positions(geo)
    supply = synthetic_supply(geo.population[units], n=5000, seed=2)
    full = compute(geo, supply)
    young = compute(geo, supply, max_age=65, catchment=full.catchment)
    assert len(young.supply) == int((supply.age <= 65).sum()) < len(supply)
    assert young.apl.sum() < full.apl.sum()


@pytest.fixture(scope="module")
def small_result(geo):
    units, _ = unit_positions(geo)
    supply = synthetic_supply(geo.population[units], n=3000, seed=11)
    return compute(geo, supply)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "remove", "move", "set"]),
                          st.integers(0, 10**9), st.floats(0, 20_000)), max_size=12))
def test_what_if_equals_full_recompute(small_result, ops):
    r = small_result
    sc = r.scenario()
    n = len(r.units)
    for op, k, amount in ops:
        pids = list(sc.practitioners())
        if op == "add" or not pids:
            sc.add(k % n, amount)
        elif op == "remove":
            sc.remove(pids[k % len(pids)])
        elif op == "move":
            sc.move(pids[k % len(pids)], (k // 7) % n)
        else:
            sc.set_amount(pids[k % len(pids)], amount)
    state = sc.practitioners()
    supply = Supply(np.array(list(state), dtype=object),
                    np.array([u for u, _ in state.values()], dtype=np.int64),
                    np.array([a for _, a in state.values()], dtype=np.float64),
                    np.full(len(state), "generaliste", dtype=object))
    full = compute(r.geo, supply, catchment=r.catchment)
    np.testing.assert_allclose(sc.apl, full.apl, rtol=1e-9, atol=1e-9)
    sc.reset()
    assert np.array_equal(sc.apl, r.apl) and not sc.delta().any()


def test_marginal_and_gain_matrix_agree(small_result):
    r = small_result
    _, pos = unit_positions(r.geo)
    j = pos["58194"]
    idx, delta = r.marginal(j, 1000.0)
    dense = np.zeros(len(r.units))
    dense[idx] = delta
    col = r.gain_matrix[:, j].toarray().ravel() * 1000.0
    np.testing.assert_allclose(dense, col, rtol=1e-12)
    assert dense[j] > 0
