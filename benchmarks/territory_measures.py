"""Territory measures on the national grid: age-standardised APL, projection, ministry.

One command; every ratio is against a reference run in the same process:

* age-standardised ``compute()`` on the prebuilt matrix vs today's ``compute()`` on the
  same matrix (target ≤ 1.5×);
* a 10-year projection of the national GP APL (target < 1 s), vs one ``compute()``;
* the five-criteria national ranking (target < 2 s), vs Oasis's own priority ranking.

The age table is drawn synthetically per unit (the INSEE file is not shipped), with the
shipped consumption weights: the cost does not depend on the values.

    .venv/bin/python benchmarks/territory_measures.py [--practitioners 100000]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import timed

from oasis.territory.ages import BANDS, load_consumption_weights
from oasis.territory.apl import Catchment, compute, default_travel
from oasis.territory.demand import AgeStructure
from oasis.territory.geography import load_geography
from oasis.territory.ministry import ministry_ranking
from oasis.territory.professions import PROFESSIONS
from oasis.territory.projection import project
from oasis.territory.supply import unit_positions
from oasis.territory.synthetic import synthetic_supply
from oasis.territory.zoning import regulatory_apl, zoning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=100_000)
    args = parser.parse_args()
    gp = PROFESSIONS["generaliste"]
    geo = load_geography()
    units, _ = unit_positions(geo)
    pop = geo.population[units].astype(np.float64)
    supply = synthetic_supply(pop, gp, n=args.practitioners, seed=42)
    cat = Catchment.build(default_travel(geo, gp.max_minutes), gp, pop)
    rng = np.random.default_rng(0)
    shares = rng.dirichlet(np.ones(len(BANDS)), size=len(units))
    ages = AgeStructure(geo.code[units].astype(str), BANDS, shares * pop[:, None],
                        load_consumption_weights().weights, np.arange(len(units)),
                        "synthétique (benchmark)")
    print(f"units: {len(units):,}  practitioners: {len(supply):,} (synthetic, seed 42)  "
          f"matrix non-zeros: {cat.weights.nnz:,}")

    t_ref, _ = timed(lambda: compute(geo, supply, catchment=cat), 20)
    t_age, _ = timed(lambda: compute(geo, supply, catchment=cat, ages=ages), 20)
    cat_age = cat.with_demand(compute(geo, supply, catchment=cat, ages=ages).demand)
    t_age_pre, _ = timed(lambda: compute(geo, supply, catchment=cat_age, ages=ages), 20)
    print(f"compute(), prebuilt matrix, raw population:         {t_ref * 1e3:7.2f} ms")
    print(f"compute(), same matrix, age-standardised demand:    {t_age * 1e3:7.2f} ms  "
          f"ratio {t_age / t_ref:.2f}× (target ≤ 1.5×; new denominators built once, reused)")
    print(f"compute(), matrix prebuilt with standardised demand: {t_age_pre * 1e3:7.2f} ms  "
          f"ratio {t_age_pre / t_ref:.2f}×")

    base = compute(geo, supply, catchment=cat)
    t_proj, proj = timed(lambda: project(geo, supply, 10, base_year=2025, base=base), 10)
    t_proj_full, _ = timed(lambda: project(geo, supply, 10, base_year=2025, catchment=cat), 5)
    nat = proj.national()
    print(f"10-year projection (base result given):             {t_proj * 1e3:7.2f} ms  "
          f"({t_proj / t_ref:.1f}× one compute(); target < 1 s)")
    print(f"10-year projection incl. the base compute():        {t_proj_full * 1e3:7.2f} ms")
    print(f"  national APL {nat['year'].iloc[0]}: {nat['apl_national'].iloc[0]:.2f} → "
          f"{nat['year'].iloc[-1]}: {nat['apl_national'].iloc[-1]:.2f} (synthetic supply, "
          "no installation)")

    reg = regulatory_apl(geo, supply, catchment=cat)
    t_own, _ = timed(lambda: zoning(reg).priority(151), 5)
    t_min, ranking = timed(lambda: ministry_ranking(reg), 5)
    print(f"Oasis priority ranking (zoning + score):            {t_own * 1e3:7.2f} ms")
    print(f"five-criteria national ranking:                      {t_min * 1e3:7.2f} ms  "
          f"ratio {t_min / t_own:.2f}× (target < 2 s); {len(ranking.table):,} EPCIs")


if __name__ == "__main__":
    main()
