"""The figures the planners' pages show: APL aggregated per EPCI, department and region,
and the priority EPCI ranking, all on the demo APL (synthetic GP supply).

Computed once per process (``lru_cache``) from :func:`oasis.web.maps.demo_apl`: a page
then only formats a small table.  Aggregation is population-weighted, as the DREES does
for its departmental figures: a territory's APL is the mean of its communes' APL weighted
by their population, and its class follows the same thresholds as a commune's.

Interim: the ``zoning`` module of ``oasis.territory`` (issue 4) is the reference for
these aggregates and for the priority score; when it lands these functions delegate to it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from oasis.territory.geography import load_geography

LEVELS = ("commune", "epci", "departement", "region")
LEVEL_LABELS = {"commune": "communes", "epci": "EPCI", "departement": "départements",
                "region": "régions"}
CLASSES = ("sous-dense", "vigilance", "hors zone")
CLASS_LABELS = ("sous-dense", "vigilance", "autre")
PRIORITY_PROGRAMME_SIZE = 151  # EPCIs of the national "médecin solidaire" programme


class UnknownLevelError(ValueError):
    """A level outside :data:`LEVELS`."""


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UnknownLevelError(f"niveau inconnu : {level} ; niveaux : {', '.join(LEVELS)}")
    return level


@lru_cache(maxsize=1)
def communes() -> pd.DataFrame:
    """One row per analysis unit: codes of its territories, population, area, APL, class."""
    from oasis.web.maps import demo_apl

    result = demo_apl()
    geo = load_geography()
    rows = result.units
    frame = pd.DataFrame({
        "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
        "epci": geo.epci[rows], "epci_name": geo.epci_name[rows],
        "departement": geo.dep[rows].astype(str), "departement_name": geo.dep_name[rows],
        "region": geo.region[rows], "region_name": geo.region_name[rows],
        "zone": geo.zone[rows].astype(str),
        "population": result.population.astype(np.int64), "area_km2": geo.area_km2[rows],
        "apl": result.apl, "apl_class": result.apl_class.astype(str),
    })
    frame.attrs["thresholds"] = result.thresholds
    frame.attrs["synthetic"] = result.synthetic
    return frame


def classify(apl: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    low, high = thresholds
    labels = np.array(CLASSES, dtype=object)
    return labels[(apl >= low).astype(np.int8) + (apl >= high)]


@lru_cache(maxsize=4)
def aggregate(level: str) -> pd.DataFrame:
    """Per territory of ``level``: population, population-weighted APL and its class,
    population and number of communes in each class, share of population sous-dense."""
    check_level(level)
    frame = communes()
    if level == "commune":
        out = frame.set_index("code")[["name", "zone", "population", "area_km2", "apl",
                                       "apl_class"]].copy()
        out["communes"] = 1
    else:
        data = frame[frame[level].notna()].assign(
            weighted=lambda f: f["apl"] * f["population"])
        grouped = data.groupby(level, sort=True)
        out = pd.DataFrame({
            "name": grouped[f"{level}_name"].first(), "zone": grouped["zone"].first(),
            "population": grouped["population"].sum(), "area_km2": grouped["area_km2"].sum(),
            "communes": grouped.size(),
        })
        pop = out["population"].to_numpy(dtype=float)
        out["apl"] = np.where(pop > 0, grouped["weighted"].sum() / np.maximum(pop, 1), 0.0)
        out["apl_class"] = classify(out["apl"].to_numpy(), frame.attrs["thresholds"])
    for cls in CLASSES:
        sel = frame["apl_class"] == cls
        key = "code" if level == "commune" else level
        by = frame[sel].groupby(key)
        out[f"pop_{cls}"] = by["population"].sum().reindex(out.index, fill_value=0)
        out[f"communes_{cls}"] = by.size().reindex(out.index, fill_value=0)
    total = out["population"].to_numpy(dtype=float)
    out["share_sous_dense"] = np.where(
        total > 0, out["pop_sous-dense"] / np.maximum(total, 1), 0.0)
    out.index.name = "code"
    out.attrs.update(frame.attrs)
    return out


def national_figures() -> dict:
    """Key figures of the planners' dashboard."""
    frame = communes()
    pop = frame["population"].to_numpy(dtype=float)
    by_class = {c: frame[frame["apl_class"] == c] for c in CLASSES}
    return {
        "population": int(pop.sum()),
        "apl_mean": float((frame["apl"] * pop).sum() / pop.sum()),
        "thresholds": frame.attrs["thresholds"],
        "synthetic": frame.attrs["synthetic"],
        "communes": len(frame),
        **{f"pop_{c}": int(by_class[c]["population"].sum()) for c in CLASSES},
        **{f"communes_{c}": len(by_class[c]) for c in CLASSES},
        **{f"share_{c}": float(by_class[c]["population"].sum() / pop.sum()) for c in CLASSES},
    }


@lru_cache(maxsize=1)
def priority_epci() -> pd.DataFrame:
    """Every EPCI ranked by need, most in need first.

    Score (interim, until the reference score of ``oasis.territory.zoning``): the
    population living in sous-dense communes weighted by how far below the threshold
    they are, ``sum(pop_i * (1 - apl_i / 2.5))`` over the EPCI's sous-dense communes, in
    "inhabitants-equivalent without access".  It grows with both the number of people
    concerned and the depth of the gap, which is what a national programme of 151 EPCIs
    wants to target first.
    """
    frame = communes()
    low = frame.attrs["thresholds"][0]
    under = frame[(frame["apl"] < low) & frame["epci"].notna()]
    deficit = (under["population"] * (1 - under["apl"] / low)).groupby(under["epci"]).sum()
    agg = aggregate("epci").copy()
    deps = frame[frame["epci"].notna()].groupby("epci")["departement"].agg(
        lambda s: " ".join(sorted(set(s))))
    agg["departements"] = deps.reindex(agg.index)
    agg["score"] = deficit.reindex(agg.index, fill_value=0.0).round(0)
    agg = agg.sort_values(["score", "population"], ascending=[False, False], kind="stable")
    agg["rank"] = np.arange(1, len(agg) + 1)
    return agg
