"""The figures the planners' pages show, on the demo APL (synthetic GP supply).

A thin, cached view over :mod:`oasis.territory.zoning` (the reference for aggregation
and for the priority score): computed once per process, so a page only formats a small
table.  What this module adds is presentation data the zoning does not need: areas (for
densities), the zone of each territory, indexes by code, the departments an EPCI spans.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from oasis.territory.geography import load_geography
from oasis.territory.zoning import CLASSES, LEVELS, Zoning, zoning

LEVEL_LABELS = {"commune": "communes", "epci": "EPCI", "departement": "départements",
                "region": "régions"}
CLASS_LABELS = ("sous-dense", "vigilance", "autre")
CLASS_COLUMNS = tuple("pop_" + c.replace("-", "_").replace(" ", "_") for c in CLASSES)
PRIORITY_PROGRAMME_SIZE = 151  # EPCIs of the national "médecin solidaire" programme


class UnknownLevelError(ValueError):
    """A level outside the zoning's levels."""


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UnknownLevelError(f"niveau inconnu : {level} ; niveaux : {', '.join(LEVELS)}")
    return level


@lru_cache(maxsize=1)
def demo_zoning() -> Zoning:
    from oasis.web.maps import demo_apl

    return zoning(demo_apl())


@lru_cache(maxsize=1)
def communes() -> pd.DataFrame:
    """The zoning's commune table with each unit's area and zone."""
    from oasis.web.maps import demo_apl

    z = demo_zoning()
    rows = demo_apl().units
    geo = load_geography()
    frame = z.communes.assign(area_km2=geo.area_km2[rows], zone=geo.zone[rows].astype(str))
    frame.attrs.update(thresholds=z.thresholds, synthetic=z.synthetic)
    return frame


@lru_cache(maxsize=4)
def aggregate(level: str) -> pd.DataFrame:
    """Per territory of ``level``, indexed by code: the zoning's aggregate (population,
    population-weighted APL and class, population per class, share sous-dense) plus
    area and zone.  Communes outside any EPCI are left out of the EPCI level."""
    check_level(level)
    frame = communes()
    key = LEVELS[level][0]
    out = frame.copy() if level == "commune" else demo_zoning().level(level)
    if level == "commune":
        for cls, column in zip(CLASSES, CLASS_COLUMNS, strict=True):
            out[column] = np.where(out["apl_class"] == cls, out["population"], 0)
        out["share_sous_dense"] = (out["apl_class"] == CLASSES[0]).astype(float)
    else:
        out = out[out[key] != ""]
        extra = frame.groupby(key).agg(area_km2=("area_km2", "sum"), zone=("zone", "first"))
        out = out.join(extra, on=key)
    out = out.set_index(key)
    out.index.name = "code"
    out.attrs.update(frame.attrs)
    return out


def national_figures() -> dict:
    """Key figures of the planners' dashboard."""
    frame = communes()
    pop = frame["population"].to_numpy(dtype=float)
    figures = {
        "population": int(pop.sum()),
        "apl_mean": float((frame["apl"] * pop).sum() / pop.sum()),
        "thresholds": frame.attrs["thresholds"],
        "synthetic": frame.attrs["synthetic"],
        "communes": len(frame),
    }
    for cls, column in zip(CLASSES, CLASS_COLUMNS, strict=True):
        sel = frame["apl_class"] == cls
        name = column.removeprefix("pop_")
        figures[column] = int(frame.loc[sel, "population"].sum())
        figures[f"communes_{name}"] = int(sel.sum())
        figures[f"share_{name}"] = float(figures[column] / pop.sum())
    return figures


@lru_cache(maxsize=1)
def priority_epci() -> pd.DataFrame:
    """Every EPCI ranked by the zoning's priority score (docs/planning.md), indexed by
    code, with the departments it spans."""
    ranked = demo_zoning().priority().set_index("epci")
    frame = communes()
    deps = frame[frame["epci"] != ""].groupby("epci")["dep"].agg(
        lambda s: " ".join(sorted(set(s))))
    ranked["departements"] = deps.reindex(ranked.index)
    ranked.index.name = "code"
    return ranked
