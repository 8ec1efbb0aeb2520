"""National APL benchmark: 34,917 units, 100,000 synthetic GPs, default travel model.

Prints the travel-matrix build, the weight-matrix build, the APL compute once the
matrix is built, a one-practitioner what-if, peak memory, and the same inputs through
PySAL ``access`` ``two_stage_fca`` (step decay with the same bands) with the time ratio
and the largest relative difference.

    .venv/bin/python benchmarks/apl_national.py [--practitioners 100000] [--no-access]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from oasis.territory.apl import Catchment, compute, default_travel, two_step
from oasis.territory.geography import load_geography
from oasis.territory.professions import PROFESSIONS
from oasis.territory.supply import unit_positions
from oasis.territory.synthetic import synthetic_supply


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=100_000)
    parser.add_argument("--no-access", action="store_true", help="skip the PySAL reference")
    args = parser.parse_args()
    gp = PROFESSIONS["generaliste"]
    geo = load_geography()
    units, _ = unit_positions(geo)
    pop = geo.population[units].astype(np.float64)
    supply = synthetic_supply(pop, gp, n=args.practitioners, seed=42)
    print(f"units: {len(units):,}  practitioners: {len(supply):,} (synthetic, seed 42)")

    default_travel(geo, gp.max_minutes)  # warm caches (k-d tree code paths, geo arrays)
    t_travel = best_of(lambda: default_travel(geo, gp.max_minutes), 5)
    travel = default_travel(geo, gp.max_minutes)
    t_weights = best_of(lambda: Catchment.build(travel, gp, pop), 5)
    cat = Catchment.build(travel, gp, pop)
    print(f"travel matrix (model, ≤ {gp.max_minutes:g} min): {len(travel):,} pairs "
          f"in {t_travel * 1e3:.1f} ms")
    print(f"weight matrix + denominators: {cat.weights.nnz:,} non-zeros "
          f"in {t_weights * 1e3:.1f} ms  → matrix total {(t_travel + t_weights) * 1e3:.1f} ms")

    def core() -> np.ndarray:
        return two_step(cat, supply.unit_totals(len(units)), 1.0)[1]

    t_core = best_of(core, 50)
    t_full = best_of(lambda: compute(geo, supply, catchment=cat), 10)
    print(f"APL compute (supply per unit + 2 sparse products): {t_core * 1e3:.2f} ms")
    print(f"compute() with prebuilt matrix (+ demand, classes): {t_full * 1e3:.2f} ms")

    result = compute(geo, supply, catchment=cat)
    sc = result.scenario()
    rng = np.random.default_rng(0)
    pids = rng.choice(result.supply.pid, size=200, replace=False)
    targets = rng.integers(0, len(units), size=200)
    add_times, move_times = [], []
    for pid, j in zip(pids, targets, strict=True):
        t0 = time.perf_counter()
        sc.add(int(j), 5000.0)
        add_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sc.move(str(pid), int(j))
        move_times.append(time.perf_counter() - t0)
    marg_times, touched = [], []
    for j in targets:
        t0 = time.perf_counter()
        idx, _ = result.marginal(int(j), 5000.0)
        marg_times.append(time.perf_counter() - t0)
        touched.append(idx.size)
    t_marg = statistics.median(marg_times)
    print(f"what-if, one practitioner: add median {statistics.median(add_times) * 1e6:.0f} µs, "
          f"move median {statistics.median(move_times) * 1e6:.0f} µs, "
          f"marginal median {t_marg * 1e6:.0f} µs "
          f"(median {statistics.median(touched):.0f} units touched)")
    # Peak memory of one full run (travel matrix, weights, APL), measured apart because
    # tracemalloc slows allocations down.
    tracemalloc.start()
    compute(geo, supply)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak traced memory of compute() from scratch: {peak / 2**20:.0f} MiB  "
          f"(process max RSS {rss:.0f} MiB)")

    if args.no_access:
        return
    from access import Access, weights

    apl = core()
    s_unit = supply.unit_totals(len(units))
    w_travel = cat.weights.tocoo()  # the exact pairs used, incl. self-pairs in first band
    minutes = np.asarray(cat.travel.to_sparse()[w_travel.row, w_travel.col]).ravel() - 1e-9
    ids = np.arange(len(units))
    t0 = time.perf_counter()
    acc = Access(
        demand_df=pd.DataFrame({"geoid": ids, "pop": pop}).set_index("geoid"),
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": ids, "doc": s_unit}).set_index("geoid"),
        supply_value="doc",
        cost_df=pd.DataFrame({"origin": w_travel.row, "dest": w_travel.col, "cost": minutes}),
        cost_origin="origin", cost_dest="dest", cost_name="cost")
    fn = weights.step_fn(dict(zip(gp.band_upper_min, gp.band_weight, strict=True)))
    ref = acc.two_stage_fca(name="2sfca", weight_fn=fn, max_cost=gp.max_minutes)
    t_access = time.perf_counter() - t0
    ref = ref.iloc[:, 0].reindex(ids).fillna(0.0).to_numpy()
    nz = ref != 0
    rel = np.max(np.abs(apl[nz] - ref[nz]) / np.abs(ref[nz]))
    absdiff = np.max(np.abs(apl[~nz])) if (~nz).any() else 0.0
    print(f"PySAL access two_stage_fca (step decay, same pairs): {t_access:.2f} s")
    print(f"ratio access / Oasis compute: {t_access / t_core:,.0f}×  "
          f"(vs matrix build + compute: {t_access / (t_travel + t_weights + t_core):,.0f}×)")
    print(f"max relative difference: {rel:.2e}  (max |APL| where access gives 0: {absdiff:.1e})")


if __name__ == "__main__":
    main()
