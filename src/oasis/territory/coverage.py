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

Roads do not cross the sea: each commune looks for its nearest site only within its own
**road area** — mainland France, Corsica, and each overseas department (Guadeloupe,
Martinique, Guyane, La Réunion, Mayotte) on its own.  A commune whose area has no site
is ``no_road`` (« hors de portée routière », infinite minutes), one farther than N
minutes is ``beyond`` (« non joignable en N min »), never « 3 233 min » to a site across
the Atlantic.  (Islands inside an area, e.g. Marie-Galante in Guadeloupe, are not split:
the travel model has no ferries; a known limit.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oasis.territory.errors import TerritoryInputError
from oasis.territory.sites import Sites, nearest_site, travel_area
from oasis.territory.travel import TravelModel

LEVELS = {"commune": ("code", "name"), "epci": ("epci", "epci_name"),
          "departement": ("dep", "dep_name"), "region": ("region", "region_name"),
          "zone": ("area", "area_name")}
# Names of the travel areas of ``sites.travel_area`` (other overseas codes: their name).
AREA_NAMES = {"metro": "France métropolitaine continentale", "corse": "Corse",
              "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
              "976": "Mayotte"}
REACH = ("covered", "beyond", "no_road")
UNREACHABLE = "hors de portée routière"


def reach_text(reach: str, minutes: float, limit: float) -> str:
    """French wording of a commune's distance to care, as every page shows it."""
    if reach == "no_road" or not np.isfinite(minutes):
        return UNREACHABLE
    shown = f"{round(minutes):,}".replace(",", "\u202f")
    if reach == "beyond":
        return f"non joignable en {limit:g} min ({shown} min)"
    return f"{shown} min"


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
            max_minutes=("minutes_to_site", "max"),
            no_road_communes=("reach", lambda r: int((r == "no_road").sum()))).reset_index()
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
                "no_road_communes": int((self.communes["reach"] == "no_road").sum()),
                "synthetic_sites": self.synthetic}


def coverage(geo, sites: Sites, minutes: float = 30.0,
             model: TravelModel | None = None) -> Coverage:
    """Coverage of the analysis units by ``sites`` within ``minutes`` (see module doc)."""
    if not np.isfinite(minutes) or minutes <= 0:
        raise CoverageError(f"--minutes doit être un nombre positif (reçu : {minutes})")
    rows = np.flatnonzero(geo.analysis_units)
    areas = travel_area(geo, rows)
    near, idx = nearest_site(geo.lat[rows], geo.lon[rows], sites.lat, sites.lon, model,
                             area=areas, site_area=travel_area(geo, rows[sites.unit]))
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
        "area": areas, "area_name": [AREA_NAMES.get(a) or str(n) for a, n in
                                     zip(areas, geo.dep_name[rows], strict=True)],
        "reach": np.where(near <= minutes, "covered",
                          np.where(np.isfinite(near), "beyond", "no_road")),
    })
    return Coverage(frame, float(minutes), bool(sites.synthetic))
