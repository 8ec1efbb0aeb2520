"""Zoning from an APL result: classes per commune, aggregates, and priority EPCIs.

Aggregation to an EPCI, a department or a region follows DREES: the population-weighted
mean of the communal APLs; the aggregate's class is the class of that mean, and the
population living in each communal class is reported alongside, because a well-served
city can hide under-served villages in the same EPCI.

Priority score of an EPCI (documented in ``docs/planning.md``)::

    deficit  = Σ_i D_i · max(0, s − APL_i)        (consultations missing per year)
    minutes  = population-weighted mean time to the nearest site of the residents
               living under s (all residents when none); inf (« hors de portée »)
               when one of them lives in a travel area without any site
    score    = deficit · (1 + minutes / 30)

with ``D_i`` the standardised demand of commune i and ``s`` the sous-dense threshold
(2.5 for GPs).  ``deficit`` is the population under the threshold times its mean APL
gap, in one figure with a meaning: the C+V a year that would bring every under-served
resident to the threshold.  Remoteness then raises it: residents 30 minutes from the
nearest site count double, because for them no neighbouring practice compensates.

Age variant: the regulatory zoning counts GPs aged 65 or less (arrêté of 13/11/2017;
``Profession.zoning_max_age``).  :func:`regulatory_apl` computes that variant and is the
entry point for zoning; :func:`zoning` labels every output with the variant of the APL it
is given (``Zoning.variant``, ``communes.attrs["variant"]``), so a table computed without
the age limit can never pass for the regulatory one.  The ministry's five-criteria
ranking is in ``oasis.territory.ministry``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oasis.territory.apl import VARIANT_UNLIMITED, AplResult, compute
from oasis.territory.errors import TerritoryInputError
from oasis.territory.professions import get_profession
from oasis.territory.sites import Sites, nearest_site, travel_area

LEVELS = {"commune": ("code", "name"), "epci": ("epci", "epci_name"),
          "departement": ("dep", "dep_name"), "region": ("region", "region_name")}
CLASSES = ("sous-dense", "vigilance", "hors zone")
DISTANCE_SCALE_MIN = 30.0


class ZoningError(TerritoryInputError):
    """Bad zoning request (unknown level, negative count…), message in French."""

    code = "invalid_zoning_input"


def _class_column(name: str) -> str:
    return "pop_" + name.replace("-", "_").replace(" ", "_")


def commune_table(result, site_minutes: np.ndarray | None = None) -> pd.DataFrame:
    """One row per analysis unit: codes and names of every level, APL and class."""
    geo, rows = result.geo, result.units
    low = result.thresholds[0]
    frame = pd.DataFrame({
        "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
        "epci": pd.Series(geo.epci[rows]).fillna("").astype(str).to_numpy(),
        "epci_name": pd.Series(geo.epci_name[rows]).fillna("sans EPCI").astype(str).to_numpy(),
        "dep": geo.dep[rows].astype(str),
        "dep_name": pd.Series(geo.dep_name[rows]).fillna("").astype(str).to_numpy(),
        "region": pd.Series(geo.region[rows]).fillna("").astype(str).to_numpy(),
        "region_name": pd.Series(geo.region_name[rows]).fillna("").astype(str).to_numpy(),
        "population": result.population.astype(np.int64),
        "demand": result.demand, "apl": result.apl,
        "apl_class": result.apl_class.astype(str),
        "deficit": result.demand * np.maximum(0.0, low - result.apl),
    })
    if site_minutes is not None:
        frame["minutes_to_site"] = site_minutes
    return frame


def site_minutes_for(result, sites: Sites | None = None) -> np.ndarray:
    """Minutes from each unit to the nearest site of its travel area (inf: out of
    reach); without sites, to the nearest unit where the supply practises."""
    geo, rows = result.geo, result.units
    if sites is None:
        at = rows[result.unit_supply > 0]
        s_lat, s_lon = geo.lat[at], geo.lon[at]
    else:
        at = rows[sites.unit]
        s_lat, s_lon = sites.lat, sites.lon
    minutes, _ = nearest_site(geo.lat[rows], geo.lon[rows], s_lat, s_lon,
                              area=travel_area(geo, rows), site_area=travel_area(geo, at))
    return minutes


def aggregate(table: pd.DataFrame, level: str, thresholds: tuple[float, float],
              classify=None) -> pd.DataFrame:
    """Population-weighted APL per area, its class, and the population in each class."""
    if level not in LEVELS:
        raise ZoningError(f"niveau inconnu : « {level} » (attendu : {', '.join(LEVELS)})")
    key, name = LEVELS[level]
    if level == "commune":
        out = table.copy()
    else:
        t = table.assign(_wapl=table["apl"] * table["population"])
        for c in CLASSES:
            t[_class_column(c)] = np.where(t["apl_class"] == c, t["population"], 0)
        g = t.groupby(key, sort=True)
        out = g.agg(name=(name, "first"), communes=("code", "size"),
                    population=("population", "sum"), demand=("demand", "sum"),
                    _wapl=("_wapl", "sum"), deficit=("deficit", "sum"),
                    **{_class_column(c): (_class_column(c), "sum") for c in CLASSES})
        out = out.reset_index()
        pop = out["population"].to_numpy(dtype=np.float64)
        out["apl"] = np.divide(out.pop("_wapl").to_numpy(), pop, out=np.zeros(len(out)),
                               where=pop > 0)
        low, high = thresholds
        labels = np.array(CLASSES, dtype=object)
        out["apl_class"] = labels[2 - ((out["apl"] < high).astype(int)
                                       + (out["apl"] < low).astype(int))]
        out["share_sous_dense"] = np.divide(out["pop_sous_dense"].to_numpy(dtype=float), pop,
                                            out=np.zeros(len(out)), where=pop > 0)
        if "minutes_to_site" in table:
            out = out.merge(_remoteness(table, key), on=key, how="left")
    return out


def _remoteness(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Population-weighted minutes to the nearest site of the residents under the
    threshold (of all residents where nobody is under it).

    Residents of a travel area without any site (``minutes_to_site`` = inf) are out of
    reach, not 0 minutes away: an area where any of the counted residents is out of
    reach reads inf (« hors de portée »), and ``pop_unreachable`` says how many."""
    minutes = table["minutes_to_site"].to_numpy(dtype=np.float64)
    out_of_reach = ~np.isfinite(minutes)
    finite = np.where(out_of_reach, 0.0, minutes)
    under = (table["deficit"] > 0).to_numpy()
    pop = table["population"].to_numpy(dtype=np.float64)
    t = pd.DataFrame({key: table[key], "a": pop * finite * under, "b": pop * under,
                      "c": pop * finite, "d": pop,
                      "ua": pop * (out_of_reach & under), "ud": pop * out_of_reach})
    g = t.groupby(key).sum()
    counted = g["b"] > 0
    value = np.where(counted, g["a"] / g["b"].where(counted, 1),
                     g["c"] / g["d"].where(g["d"] > 0, 1))
    unreachable = np.where(counted, g["ua"], g["ud"])
    value = np.where(unreachable > 0, np.inf, value)
    return pd.DataFrame({key: g.index, "minutes_to_site": value,
                         "pop_unreachable": unreachable.astype(np.int64)})


@dataclass(frozen=True)
class Zoning:
    """Communal table and its aggregates, for the CLI and the planners' pages."""

    communes: pd.DataFrame
    thresholds: tuple[float, float]
    synthetic: bool
    variant: str = VARIANT_UNLIMITED  # French label of the APL's age variant
    regulatory: bool = False  # True when the variant is the profession's zoning one

    def level(self, level: str) -> pd.DataFrame:
        out = aggregate(self.communes, level, self.thresholds)
        out.attrs.update(variant=self.variant, regulatory=self.regulatory)
        return out

    def priority(self, top: int | None = None, level: str = "epci") -> pd.DataFrame:
        """Areas ranked by the documented score (module docstring), most in need first."""
        if top is not None and top < 1:
            raise ZoningError(f"--top doit être un entier positif (reçu : {top})")
        frame = self.level(level)
        if level == "epci":
            frame = frame[frame["epci"] != ""]
        minutes = frame["minutes_to_site"].fillna(0.0) if "minutes_to_site" in frame else 0.0
        # out of reach (inf minutes) with a deficit: inf, ranked first (by deficit among
        # them); without a deficit: 0, never nan
        deficit = frame["deficit"].to_numpy(dtype=np.float64)
        factor = 1.0 + np.asarray(minutes, dtype=np.float64) / DISTANCE_SCALE_MIN
        with np.errstate(invalid="ignore"):  # 0 · inf, replaced by 0 just below
            score = np.where(deficit > 0, deficit * factor, 0.0)
        frame = frame.assign(score=score)
        frame = frame.sort_values(["score", "deficit", "apl"], ascending=[False, False, True],
                                  kind="stable")
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        frame = frame.reset_index(drop=True)
        frame.attrs.update(variant=self.variant, regulatory=self.regulatory)
        return frame if top is None else frame.head(top)


def regulatory_apl(geo, supply, profession="generaliste", **kwargs) -> AplResult:
    """APL in the regulatory zoning variant: practitioners older than the profession's
    ``zoning_max_age`` (GPs: 65) left out.  ``kwargs`` go to :func:`apl.compute`
    (``catchment``, ``ages``, ``travel``…); ``max_age`` may override the limit."""
    prof = get_profession(profession)
    kwargs.setdefault("max_age", prof.zoning_max_age)
    return compute(geo, supply, prof, **kwargs)


def zoning(result, sites: Sites | None = None) -> Zoning:
    """Zoning of an APL result; ``sites`` (default: practice units) for remoteness."""
    table = commune_table(result, site_minutes_for(result, sites))
    variant = getattr(result, "variant", VARIANT_UNLIMITED)
    max_age = getattr(result, "max_age", None)
    regulatory = (max_age is not None and max_age == result.profession.zoning_max_age)
    table.attrs.update(variant=variant, regulatory=regulatory)
    return Zoning(table, tuple(result.thresholds), bool(result.synthetic), variant,
                  regulatory)
