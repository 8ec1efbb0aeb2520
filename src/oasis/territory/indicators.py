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

from oasis.territory.demo import demo_apl, depends_on_demo_apl
from oasis.territory.errors import TerritoryInputError
from oasis.territory.geography import load_geography
from oasis.territory.zoning import CLASSES, LEVELS, Zoning, zoning

LEVEL_LABELS = {"commune": "communes", "epci": "EPCI", "departement": "départements",
                "region": "régions"}
CLASS_LABELS = ("sous-dense", "vigilance", "autre")
CLASS_COLUMNS = tuple("pop_" + c.replace("-", "_").replace(" ", "_") for c in CLASSES)
PRIORITY_PROGRAMME_SIZE = 151  # EPCIs of the national "médecin solidaire" programme


class UnknownLevelError(TerritoryInputError):
    """A level outside the zoning's levels."""

    code = "unknown_level"


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UnknownLevelError(f"niveau inconnu : {level} ; niveaux : {', '.join(LEVELS)}")
    return level


@depends_on_demo_apl
@lru_cache(maxsize=1)
def demo_zoning() -> Zoning:
    return zoning(demo_apl())


@depends_on_demo_apl
@lru_cache(maxsize=1)
def communes() -> pd.DataFrame:
    """The zoning's commune table with each unit's area and zone."""
    z = demo_zoning()
    rows = demo_apl().units
    geo = load_geography()
    frame = z.communes.assign(area_km2=geo.area_km2[rows], zone=geo.zone[rows].astype(str))
    frame.attrs.update(thresholds=z.thresholds, synthetic=z.synthetic)
    return frame


@depends_on_demo_apl
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


@depends_on_demo_apl
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


# French query keys of the priority table -> column, label, default order.
SORT_KEYS: dict[str, tuple[str, str, bool]] = {
    "rang": ("rank", "Rang", True),
    "nom": ("name", "EPCI", True),
    "departements": ("departements", "Départements", True),
    "population": ("population", "Population", False),
    "apl": ("apl", "APL", True),
    "population_sous_dense": ("pop_sous_dense", "Population sous-dense", False),
    "minutes": ("minutes_to_site", "Minutes au site le plus proche", False),
    "part_sous_dense": ("share_sous_dense", "Part sous-dense", False),
    "score": ("score", "Score de priorité", False),
}
CSV_COLUMNS = ("rang", "code_epci", "nom", "departements", "population", "apl", "classe",
               "population_sous_dense", "part_sous_dense", "deficit_consultations",
               "minutes", "score")
SCORE_TEXT = ("déficit (consultations par an manquantes pour amener chaque habitant "
              "sous-dense au seuil de 2,5) × (1 + minutes au site le plus proche / 30)")


def _bad(message: str) -> TerritoryInputError:
    return TerritoryInputError(message, code="invalid_parameter")


def priority_rows(top: int, tri: str = "rang", ordre: str = "asc") -> list[dict]:
    """The first ``top`` priority EPCIs as table rows, sorted by a French column key."""
    if tri not in SORT_KEYS:
        raise _bad(f"tri inconnu : {tri} ; tris possibles : {', '.join(SORT_KEYS)}")
    if ordre not in ("asc", "desc"):
        raise _bad(f"ordre inconnu : {ordre} ; ordres possibles : asc, desc")
    ranked = priority_epci()
    if not 1 <= top <= len(ranked):
        raise _bad(f"top doit être entre 1 et {len(ranked)} (reçu : {top})")
    frame = ranked.head(top)
    frame = frame.sort_values(SORT_KEYS[tri][0], ascending=ordre == "asc", kind="stable")
    return [{"rang": int(r["rank"]), "code_epci": code, "nom": r["name"],
             "departements": r["departements"], "population": int(r["population"]),
             "apl": round(float(r["apl"]), 3), "classe": r["apl_class"],
             "population_sous_dense": int(r["pop_sous_dense"]),
             "part_sous_dense": round(float(r["share_sous_dense"]), 4),
             "deficit_consultations": round(float(r["deficit"])),
             # None: out of reach (a travel area without any site), read « hors de portée »
             "minutes": _finite(r["minutes_to_site"], 1),
             "score": None if not np.isfinite(r["score"]) else round(float(r["score"]))}
            for code, r in frame.iterrows()]


def _finite(x, digits: int) -> float | None:
    x = float(x)
    return round(x, digits) if np.isfinite(x) else None
