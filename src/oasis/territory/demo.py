"""The demonstration territory: APL, zoning inputs and coverage on labelled synthetic data.

Until a real supply (RPPS) and real care sites are loaded, the planners' pages, the map,
the missions' default ranking and the CLI all show the same seeded synthetic GP supply
and demo sites.  Each result is computed once per process (the national APL in a few
milliseconds once the travel matrix is built, the coverage in about 0.3 s per parameter
set), so a page only formats a small table.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from oasis.territory.apl import AplResult, compute
from oasis.territory.coverage import Coverage, coverage
from oasis.territory.errors import TerritoryInputError
from oasis.territory.geography import load_geography
from oasis.territory.sites import SITE_KINDS, Sites, demo_sites
from oasis.territory.synthetic import synthetic_supply

MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 5, 120, 30


_AGES_FILE: list[Path | None] = [None]  # the loaded INSEE age file, if any
_DEPENDENTS: list = []  # caches computed from demo_apl, cleared when the ages change


def depends_on_demo_apl(cached):
    """Register an ``lru_cache``d function built on :func:`demo_apl`."""
    _DEPENDENTS.append(cached)
    return cached


def use_ages_file(path: Path | str | None) -> None:
    """Standardise the demo demand by age with an INSEE file (None: raw population).

    The file is read at once, so a malformed one fails at start-up with every bad line
    (:class:`oasis.territory.ages.AgeFileError`), not on a planner's first page."""
    path = Path(path) if path is not None else None
    if path == _AGES_FILE[0]:
        return
    if path is not None:
        from oasis.territory.ages import read_insee_population

        read_insee_population(path)
    _AGES_FILE[0] = path
    demo_apl.cache_clear()
    for cached in _DEPENDENTS:
        cached.cache_clear()


@lru_cache(maxsize=1)
def demo_apl() -> AplResult:
    """APL of GPs on the seeded synthetic demo supply (computed once per process), with
    age-standardised demand when :func:`use_ages_file` loaded an INSEE file."""
    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    ages = None
    if _AGES_FILE[0] is not None:
        from oasis.territory.ages import age_structure, read_insee_population

        ages, _ = age_structure(geo, read_insee_population(_AGES_FILE[0]))
    return compute(geo, synthetic_supply(geo.population[units], "generaliste", seed=0),
                   ages=ages)


def check_coverage_parameters(minutes: int,
                              kinds: list[str] | None) -> tuple[int, tuple[str, ...]]:
    """The planner's minutes and site kinds, validated (French message, stable code)."""
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise TerritoryInputError(f"minutes doit être entre {MIN_MINUTES} et {MAX_MINUTES} "
                                  f"(reçu : {minutes})", code="invalid_parameter")
    chosen = tuple(sorted(set(kinds or SITE_KINDS)))
    unknown = [k for k in chosen if k not in SITE_KINDS]
    if unknown or not chosen:
        raise TerritoryInputError(f"type de site inconnu : {', '.join(unknown) or '(aucun)'} "
                                  f"; types : {', '.join(SITE_KINDS)}",
                                  code="invalid_parameter")
    return minutes, chosen


@lru_cache(maxsize=1)
def all_demo_sites() -> Sites:
    return demo_sites(load_geography())


@lru_cache(maxsize=16)
def demo_coverage(minutes: int = DEFAULT_MINUTES,
                  kinds: tuple[str, ...] = tuple(sorted(SITE_KINDS))) -> Coverage:
    """Coverage of the population by the demo sites of ``kinds`` within ``minutes``."""
    sites = all_demo_sites()
    keep = np.isin(sites.kind, list(kinds))
    subset = Sites(*(getattr(sites, f)[keep] for f in
                     ("id", "name", "commune", "unit", "lat", "lon", "kind")),
                   sites.synthetic, sites.source)
    return coverage(load_geography(), subset, float(minutes))


def coverage_share(level: str = "commune") -> dict[str, float]:
    """Map indicator: % of the population within 30 minutes of a demo site."""
    key = {"commune": "code", "epci": "epci", "departement": "dep", "region": "region"}[level]
    frame = demo_coverage().level(level)
    if level == "commune":
        share = frame["covered"].to_numpy(dtype=float)
    else:
        frame = frame[frame[key] != ""]
        share = frame["share_covered"].to_numpy(dtype=float)
    return dict(zip(frame[key].tolist(), np.round(100 * share, 1).tolist(), strict=True))


@lru_cache(maxsize=8)
def specialist_apl_by_department(profession: str) -> dict[str, float]:
    """Population-weighted APL of ``profession`` per department, on the seeded synthetic
    demo supply (labelled synthetic wherever shown); computed once per process (~10 s)."""
    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    result = compute(geo, synthetic_supply(geo.population[units], profession, seed=0),
                     profession)
    table = result.table()
    weighted = table.assign(w=table.apl * table.population).groupby("dep")[
        ["w", "population"]].sum()
    return {str(dep): float(row.w / row.population) for dep, row in weighted.iterrows()
            if row.population > 0}


@lru_cache(maxsize=1)
def demo_regulatory_apl() -> AplResult:
    """:func:`demo_apl` in the regulatory zoning variant (GPs aged 65 or less), what the
    ministry's five-criteria ranking starts from (``oasis deserts --method ministere``)."""
    from oasis.territory.zoning import regulatory_apl

    geo = load_geography()
    units = np.flatnonzero(geo.analysis_units)
    ages = None
    if _AGES_FILE[0] is not None:
        from oasis.territory.ages import age_structure, read_insee_population

        ages, _ = age_structure(geo, read_insee_population(_AGES_FILE[0]))
    return regulatory_apl(geo, synthetic_supply(geo.population[units], "generaliste", seed=0),
                          ages=ages)


_DEPENDENTS.append(demo_regulatory_apl)
