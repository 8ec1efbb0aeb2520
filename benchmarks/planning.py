"""Planning benchmark: MCLP siting (BFC and national) and the volunteer plan.

1. Bourgogne-Franche-Comté: 3,685 units, candidates of ≥ 1,000 inhabitants (511), k = 20,
   30 minutes, default travel model: Oasis (reduction + greedy + HiGHS) against the
   plain HiGHS MILP of the same model without reduction or warm start (ratio), and
   optionally PySAL spopt MCLP with CBC (``--spopt``, slow).
2. France, same rules (10,073 candidates), k = 50, target "optimal or within 0.1 % in
   10 s": time, status and gap, against the reduced HiGHS MILP under the same limit.
3. Volunteer plan: 500 synthetic doctors, the 151 priority EPCIs, 90 minutes, no budget
   and a 20,000 € budget.

    .venv/bin/python benchmarks/planning.py [--spopt] [--plain-limit 120]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from oasis.territory.apl import compute
from oasis.territory.geography import load_geography
from oasis.territory.mclp import solve
from oasis.territory.siting import build_instance, plan_sites
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.volunteers import plan_volunteers, synthetic_doctors
from oasis.territory.zoning import zoning


class Clock:
    """Wall and CPU time of a block: on a shared machine the CPU time (this process, all
    its threads) is the fair figure, the wall time includes waiting for a core."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:7.2f} s wall {self.cpu:7.2f} s CPU"


def line(label: str, clock: Clock, sol) -> None:
    print(f"  {label:<36} {clock}  {sol.status:<10} objective {sol.objective:>12,.0f}  "
          f"bound {sol.bound:>12,.0f}  gap {100 * sol.gap:.4f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spopt", action="store_true", help="also time PySAL spopt + CBC")
    parser.add_argument("--plain-limit", type=float, default=120.0,
                        help="time limit of the plain MILP reference (s)")
    parser.add_argument("--national-limit", type=float, default=10.0)
    parser.add_argument("--gap", type=float, default=0.1,
                        help="accepted optimality gap of the national run (%%)")
    args = parser.parse_args()
    geo = load_geography()

    print("1. Bourgogne-Franche-Comté, k = 20, 30 min, candidates ≥ 1,000 inhabitants")
    with Clock() as c:
        inst = build_instance(geo, region="27")
    print(f"  instance: {inst.cover.shape[0]:,} demand × {inst.cover.shape[1]:,} candidates,"
          f" {inst.cover.nnz:,} pairs, built in {c}")
    runs = []
    for _ in range(3):
        with Clock() as c:
            sol = solve(inst.cover, inst.weights, 20)
        runs.append((c, sol))
    c_oasis, sol = min(runs, key=lambda r: r[0].cpu)
    st = sol.stats
    print(f"  reduction: demand {st['demand']:,} → {st['merged_demand']:,}, candidates "
          f"{st['candidates']:,} → {st['kept_candidates']:,}")
    line("Oasis (reduce+greedy+HiGHS), best of 3", c_oasis, sol)
    with Clock() as c_plain:
        plain = solve(inst.cover, inst.weights, 20, reduction=False, warm_start=False,
                      time_limit=args.plain_limit)
    line("plain HiGHS MILP (no reduction)", c_plain, plain)
    print(f"  ratio plain / Oasis: {c_plain.wall / c_oasis.wall:.1f}× wall, "
          f"{c_plain.cpu / c_oasis.cpu:.1f}× CPU; same objective: "
          f"{abs(plain.objective - sol.objective) < 0.5}")
    t_oasis = c_oasis.wall
    if args.spopt:
        import pulp
        from spopt.locate import MCLP

        from oasis.territory.travel import TravelModel, haversine_km

        rows = inst.rows
        d, c = rows[inst.demand], rows[inst.candidates]
        cost = TravelModel().minutes(haversine_km(geo.lat[d][:, None], geo.lon[d][:, None],
                                                  geo.lat[c][None, :], geo.lon[c][None, :]))
        t0 = time.perf_counter()
        model = MCLP.from_cost_matrix(cost, inst.weights.astype(int), 30.0, 20)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        t_spopt = time.perf_counter() - t0
        print(f"  spopt 0.7 + CBC: {t_spopt:.2f} s wall, objective "
              f"{pulp.value(model.problem.objective):,.0f}; ratio spopt / Oasis "
              f"{t_spopt / t_oasis:.0f}× wall")

    print(f"2. France, k = 50, 30 min, candidates ≥ 1,000 inhabitants, time limit "
          f"{args.national_limit:g} s")
    with Clock() as c:
        nat = build_instance(geo)
    print(f"  instance: {nat.cover.shape[0]:,} demand × {nat.cover.shape[1]:,} candidates, "
          f"{nat.cover.nnz:,} pairs, built in {c}")
    with Clock() as c:
        plan = plan_sites(nat, 50, time_limit=args.national_limit, mip_gap=args.gap / 100)
    st = plan.solution.stats
    print(f"  reduction: demand {st['demand']:,} → {st['merged_demand']:,}, candidates "
          f"{st['candidates']:,} → {st['kept_candidates']:,}; greedy + swaps "
          f"{st['greedy_objective']:,.0f}")
    line(f"Oasis, gap target {args.gap:g} %", c, plan.solution)
    print(f"  {plan.solution.method}: Lagrangian {st.get('dual_seconds', 0):.2f} s, restricted "
          f"MILPs (candidates, s) {st.get('restricted_milps')}")
    print(f"  covered {plan.covered_after:,} of {plan.population:,} "
          f"({100 * plan.covered_after / plan.population:.1f} %)")
    with Clock() as c_ref:
        ref = solve(nat.cover, nat.weights, 50, time_limit=args.national_limit,
                    mip_gap=args.gap / 100, large_pairs=10**12)
    line("reference: reduced MILP, same limit", c_ref, ref)
    print(f"  ratio of gaps reference / Oasis: "
          f"{ref.gap / max(plan.solution.gap, 1e-9):.0f}×; objective "
          f"{plan.solution.objective - ref.objective:+,.0f}")
    with Clock() as c:
        greedy = plan_sites(nat, 50, method="greedy")
    line("Oasis greedy + swaps (Lagrangian bound)", c, greedy.solution)

    print("3. Volunteers: 500 synthetic doctors, 151 priority EPCIs, 90 min")
    units = np.flatnonzero(geo.analysis_units)
    apl = compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0))
    epcis = zoning(apl).priority(151)["epci"].tolist()
    doctors = synthetic_doctors(apl, 500, seed=0)
    for budget in (None, 2_000_000):
        with Clock() as c:
            vp = plan_volunteers(apl, doctors, epcis, budget_cents=budget,
                                 on=date(2026, 1, 1))
        label = "no budget" if budget is None else f"budget {budget // 100:,} €"
        print(f"  {label:<14} {c}  {vp.status}  gap {100 * vp.gap:.4f} %  "
              f"days {vp.days:,}  cost {vp.cost_cents:,} cents  lifted above 2.5 "
              f"{vp.population_lifted:,} inhabitants")


if __name__ == "__main__":
    main()
