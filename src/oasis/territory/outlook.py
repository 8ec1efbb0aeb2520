"""« Et dans 5 ans ? »: the APL now and at a horizon, with and without what is planned.

Three scenarios, each the expected APL of :func:`oasis.territory.projection.project`
(practitioners age and retire by the documented hazard, demand stays the base year's):

* ``tendance``: nobody new installs;
* ``sites``: the proposed sites open the year after the base year, each with
  :data:`GPS_PER_NEW_SITE` full-time GP (an **Oasis parameter**: no public source says
  how many GPs a new MSP or centre attracts; labelled on every output);
* ``sites_volontaires``: the same, plus the volunteer doctors' missions of the plan
  (``volunteer_gain``: APL after − APL before per unit, from
  :func:`oasis.territory.volunteers.plan_volunteers`), assumed to continue at the same
  rhythm to the horizon (Oasis assumption).

The tables compare the base year and the horizon for each scenario, nationally and per
department; every output carries both years and the APL variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oasis.territory.projection import Installs, Projection, project

GPS_PER_NEW_SITE = 1.0  # Oasis parameter (no public source found)
DEFAULT_HORIZON_YEARS = 5
SCENARIOS = {
    "tendance": "Sans rien de nouveau (départs à la retraite, aucune installation)",
    "sites": f"Avec les sites proposés ({GPS_PER_NEW_SITE:g} généraliste par site, "
             "hypothèse Oasis)",
    "sites_volontaires": "Avec les sites proposés et les missions de médecins volontaires",
}


@dataclass
class Outlook:
    base_year: int
    horizon: int
    variant: str
    synthetic: bool
    population: np.ndarray
    thresholds: tuple[float, float]
    now: np.ndarray  # APL per unit, base year
    later: dict[str, np.ndarray]  # scenario -> APL per unit at the horizon
    dep: np.ndarray
    dep_name: np.ndarray
    notes: list[str] = field(default_factory=list)

    def national(self) -> pd.DataFrame:
        """One row per scenario: national APL and share under the sous-dense threshold,
        base year and horizon."""
        pop = self.population
        low = self.thresholds[0]

        def figures(apl):
            return float(apl @ pop / pop.sum()), float(((apl < low) * pop).sum() / pop.sum())

        apl_now, under_now = figures(self.now)
        rows = []
        for key, apl in self.later.items():
            apl_h, under_h = figures(apl)
            rows.append({"scenario": key, "label": SCENARIOS[key],
                         "year_now": self.base_year, "year_horizon": self.horizon,
                         "apl_now": apl_now, "apl_horizon": apl_h,
                         "share_sous_dense_now": under_now,
                         "share_sous_dense_horizon": under_h, "variant": self.variant})
        return pd.DataFrame(rows)

    def departments(self) -> pd.DataFrame:
        """Population-weighted APL per department, now and at the horizon per scenario,
        the departments losing most first (trend scenario)."""
        frame = pd.DataFrame({"dep": self.dep, "name": self.dep_name, "pop": self.population,
                              "now": self.now * self.population})
        for key, apl in self.later.items():
            frame[key] = apl * self.population
        g = frame.groupby("dep", sort=True).agg(
            name=("name", "first"), population=("pop", "sum"),
            **{c: (c, "sum") for c in ("now", *self.later)})
        for c in ("now", *self.later):
            g[c] = g[c] / g["population"].where(g["population"] > 0, 1)
        g = g.rename(columns={"now": "apl_now", **{k: f"apl_{k}" for k in self.later}})
        g["change"] = g["apl_tendance"] - g["apl_now"]
        g = g.sort_values(["change", "dep"]).reset_index()
        g.attrs.update(year_now=self.base_year, year_horizon=self.horizon,
                       variant=self.variant)
        return g


def site_installs(geo, codes: list[str], year: int, profession: str = "generaliste"
                  ) -> Installs:
    """The proposed sites as installations (:data:`GPS_PER_NEW_SITE` each, in ``year``)."""
    units = np.flatnonzero(geo.analysis_units)
    pos = {str(geo.code[r]): i for i, r in enumerate(units)}
    keep = [c for c in codes if c in pos]
    n = len(keep)
    return Installs(Path("sites-proposes"), np.arange(1, n + 1), np.array(keep, dtype=object),
                    np.array([pos[c] for c in keep], dtype=np.int64),
                    np.full(n, int(year)), np.array([profession] * n, dtype=object),
                    np.full(n, GPS_PER_NEW_SITE))


def outlook(base, supply, *, base_year: int, years: int = DEFAULT_HORIZON_YEARS,
            site_codes: list[str] | None = None, volunteer_gain: np.ndarray | None = None,
            max_age: int | None = None) -> Outlook:
    """The three scenarios from ``base`` (an :func:`apl.compute` result of ``supply``)."""
    geo = base.geo
    trend: Projection = project(geo, supply, years, base_year=base_year,
                                profession=base.profession, base=base, max_age=max_age)
    later = {"tendance": trend.apl[-1]}
    notes = list(trend.notes)
    with_sites = trend
    if site_codes:
        installs = site_installs(geo, site_codes, min(base_year + 1, base_year + years),
                                 base.profession.key)
        with_sites = project(geo, supply, years, base_year=base_year,
                             profession=base.profession, base=base, max_age=max_age,
                             installs=installs)
        later["sites"] = with_sites.apl[-1]
        notes.append(f"{len(installs.code)} sites proposés ouverts en {base_year + 1}, "
                     f"{GPS_PER_NEW_SITE:g} généraliste chacun (hypothèse Oasis)")
    if volunteer_gain is not None:
        later["sites_volontaires"] = with_sites.apl[-1] + np.asarray(volunteer_gain)
        notes.append("missions de volontaires du plan de démonstration, supposées "
                     "reconduites au même rythme jusqu'à l'horizon (hypothèse Oasis)")
    units = base.units
    return Outlook(base_year, base_year + years, trend.variant, trend.synthetic,
                   base.population, tuple(base.thresholds), trend.apl[0], later,
                   geo.dep[units].astype(str),
                   pd.Series(geo.dep_name[units]).fillna("").astype(str).to_numpy(), notes)
