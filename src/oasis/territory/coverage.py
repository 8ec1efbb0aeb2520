"""Coverage: who lives within N minutes of a care site (France Santé: « à 30 minutes »).

A commune only reaches the sites of its own travel area (mainland, Corsica, each
overseas territory: :func:`oasis.territory.sites.travel_area`); without one it is out
of reach (``minutes_to_site`` = inf, shown « hors de portée »).

Resolution is the commune, as for the APL: a commune is covered when the travel time
from its point (town hall) to at least one site is at most N minutes under the travel
model (``oasis.territory.travel``); its whole population then counts as covered.  A site
without coordinates sits at its commune's point, 0 minutes away.  The same rule defines
the coverage sets of the siting problem (``oasis.territory.siting``), so a plan's
"covered after" equals this module's figure with the new sites added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oasis.territory.errors import TerritoryInputError
from oasis.territory.sites import Sites, nearest_site, travel_area
from oasis.territory.travel import TravelModel

LEVELS = {"commune": ("code", "name"), "epci": ("epci", "epci_name"),
          "departement": ("dep", "dep_name"), "region": ("region", "region_name")}


UNREACHABLE = "hors de portée"


def minutes_text(minutes: float, digits: int = 0) -> str:
    """A drive time as a planner reads it: « 12 min », or « hors de portée » when no site
    of the commune's travel area exists (never « 3 233 min » across an ocean)."""
    if minutes is None or not np.isfinite(minutes):
        return UNREACHABLE
    return f"{minutes:.{digits}f}".replace(".", ",") + " min"


class CoverageError(TerritoryInputError):
    """Bad coverage request (message in French)."""

    code = "invalid_coverage_input"


def _text(values) -> np.ndarray:
    return pd.Series(values).fillna("").astype(str).to_numpy()


@dataclass(frozen=True)
class Coverage:
    """Per-commune nearest site and coverage, with aggregates."""

    communes: pd.DataFrame
    minutes: float
    synthetic: bool

    @property
    def population(self) -> int:
        return int(self.communes["population"].sum())

    @property
    def covered_population(self) -> int:
        return int(self.communes.loc[self.communes["covered"], "population"].sum())

    @property
    def share(self) -> float:
        return self.covered_population / self.population if self.population else 0.0

    def level(self, level: str) -> pd.DataFrame:
        """Population, covered population and share per commune/EPCI/department/region."""
        if level not in LEVELS:
            raise CoverageError(f"niveau inconnu : « {level} » (attendu : "
                                f"{', '.join(LEVELS)})")
        t = self.communes
        if level == "commune":
            return t.copy()
        key, name = LEVELS[level]
        t = t.assign(_cov=np.where(t["covered"], t["population"], 0),
                     _unc=(~t["covered"]).astype(int))
        out = t.groupby(key, sort=True).agg(
            name=(name, "first"), communes=("code", "size"), population=("population", "sum"),
            covered_population=("_cov", "sum"), uncovered_communes=("_unc", "sum"),
            max_minutes=("minutes_to_site", "max")).reset_index()
        pop = out["population"].to_numpy(dtype=float)
        out["share_covered"] = np.divide(out["covered_population"].to_numpy(dtype=float), pop,
                                         out=np.zeros(len(out)), where=pop > 0)
        return out.sort_values(["share_covered", key]).reset_index(drop=True)

    def uncovered(self) -> pd.DataFrame:
        """Communes farther than N minutes from every site, most populated first."""
        t = self.communes
        return (t[~t["covered"]].sort_values(["population", "code"], ascending=[False, True])
                .reset_index(drop=True))

    def summary(self) -> dict:
        return {"minutes": self.minutes, "population": self.population,
                "covered_population": self.covered_population, "share_covered": self.share,
                "uncovered_communes": int((~self.communes["covered"]).sum()),
                "synthetic_sites": self.synthetic}


def coverage(geo, sites: Sites, minutes: float = 30.0,
             model: TravelModel | None = None) -> Coverage:
    """Coverage of the analysis units by ``sites`` within ``minutes`` (see module doc)."""
    if not np.isfinite(minutes) or minutes <= 0:
        raise CoverageError(f"--minutes doit être un nombre positif (reçu : {minutes})")
    rows = np.flatnonzero(geo.analysis_units)
    near, idx = nearest_site(geo.lat[rows], geo.lon[rows], sites.lat, sites.lon, model,
                             area=travel_area(geo, rows),
                             site_area=travel_area(geo, rows[sites.unit]))
    has = idx >= 0
    frame = pd.DataFrame({
        "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
        "epci": _text(geo.epci[rows]), "epci_name": _text(geo.epci_name[rows]),
        "dep": geo.dep[rows].astype(str), "dep_name": _text(geo.dep_name[rows]),
        "region": _text(geo.region[rows]), "region_name": _text(geo.region_name[rows]),
        "population": geo.population[rows].astype(np.int64),
        "minutes_to_site": near,
        "nearest_site": np.where(has, sites.id[np.maximum(idx, 0)] if len(sites) else "", ""),
        "nearest_site_kind": np.where(has, sites.kind[np.maximum(idx, 0)] if len(sites)
                                      else "", ""),
        "covered": near <= minutes,
    })
    return Coverage(frame, float(minutes), bool(sites.synthetic))
