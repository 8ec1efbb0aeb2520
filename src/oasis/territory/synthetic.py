"""Seeded synthetic practitioners, for demos and benchmarks (clearly labelled as such).

No public practitioner-level activity file exists on this machine, so Oasis can generate
a supply calibrated on published national totals (``Profession.synthetic_headcount``
and ``mean_activity``, with their sources).  Practitioners are placed in two layers:

* 78 % in towns: unit probability ∝ population^1.05 among units of ≥ 2 000 inhabitants
  (practices concentrate in bourgs-centres and cities slightly more than people do);
* 22 % rural practices: probability ∝ population among units of 300–2 000 inhabitants.

These shares and exponents are Oasis assumptions, tuned so that the synthetic GP supply
puts about 9 % of the population under the 2.5 threshold (8.8 % with seed 0, 9.2 % with
seed 1), near the published 8 % of 2015 (DREES, *Les Dossiers de la DREES* n°17, 2017)
and the "over 8 %" of the programme's texts.  Yearly
activity is log-normal around the mean (coefficient of variation 0.35), ages are
normal around 50 (sd 11) clipped to 28–75.  Everything is vectorised: 100 000
practitioners take a few milliseconds.
"""

from __future__ import annotations

import numpy as np

from oasis.territory.professions import Profession, get_profession
from oasis.territory.supply import Supply, SupplyReport

TOWN_SHARE = 0.78
TOWN_MIN_POP = 2_000
RURAL_MIN_POP = 300
TOWN_EXPONENT = 1.05
ACTIVITY_CV = 0.35


def synthetic_supply(population: np.ndarray, profession: str | Profession = "generaliste",
                     n: int | None = None, seed: int = 0) -> Supply:
    """``n`` synthetic practitioners over the analysis units (``population`` aligned)."""
    prof = get_profession(profession)
    n = prof.synthetic_headcount if n is None else int(n)
    rng = np.random.default_rng(seed)
    pop = np.asarray(population, dtype=np.float64)
    town = np.where(pop >= TOWN_MIN_POP, pop ** TOWN_EXPONENT, 0.0)
    rural = np.where((pop >= RURAL_MIN_POP) & (pop < TOWN_MIN_POP), pop, 0.0)
    p = TOWN_SHARE * town / town.sum() + (1 - TOWN_SHARE) * rural / rural.sum()
    units = rng.choice(len(pop), size=n, p=p / p.sum())
    sigma = np.sqrt(np.log1p(ACTIVITY_CV ** 2))
    activity = prof.mean_activity * rng.lognormal(-sigma ** 2 / 2, sigma, size=n)
    if prof.supply_unit == "etp":
        amount = np.minimum(activity, prof.cap_activity)
    else:
        amount = prof.effective_activity(activity)
    ages = np.clip(rng.normal(50, 11, size=n), 28, 75).round()
    pid = np.char.add("SYNTH-", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object)
    report = SupplyReport(rows=n, kept=n, approximations=[
        f"offre SYNTHÉTIQUE (graine {seed}) calée sur : {prof.synthetic_source}"])
    return Supply(pid, units.astype(np.int64), amount, np.full(n, prof.key, dtype=object),
                  ages, True, f"synthetique:seed={seed}", report)
