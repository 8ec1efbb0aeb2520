"""Where to open k new sites (ETT / France Santé) so that most people are within N minutes.

Builds the maximal covering instance from the geography (demand: the analysis units of
the area, weighted by population or by APL deficit; candidates: communes of at least
``min_population`` inhabitants or a given list; coverage: the same N-minute rule as
``oasis.territory.coverage``; existing sites fixed, i.e. what they cover is not counted
again) and solves it with :mod:`oasis.territory.mclp`.  Demand and candidates are both
limited to the area (``region`` / ``dep``): coverage across the area's border is not
counted, as in the issue's reference instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from oasis.territory.errors import TerritoryInputError
from oasis.territory.mclp import MclpSolution, coverage_value, solve
from oasis.territory.sites import Sites, nearest_site
from oasis.territory.supply import _UnitResolver
from oasis.territory.travel import TravelModel, travel_times

WEIGHTINGS = ("population", "deficit")
# Solver statuses (``MclpSolution.status``, volunteer plans) as planners read them.
STATUS_FR = {"optimal": "optimal (prouvé)", "gap_target": "dans l'écart d'optimalité demandé",
             "time_limit": "limite de temps atteinte", "greedy": "glouton (non prouvé)"}


class SitingError(TerritoryInputError):
    """A siting request that cannot be built (unknown area, k < 0…), in French."""

    code = "invalid_siting_input"


@dataclass
class SitingInstance:
    geo: object
    area: str
    minutes: float
    weighting: str
    demand: np.ndarray  # analysis-unit positions
    population: np.ndarray  # population of each demand unit
    weights: np.ndarray  # objective weight (0 where already covered)
    covered_before: np.ndarray  # bool per demand unit
    candidates: np.ndarray  # analysis-unit positions
    cover: sparse.csr_matrix  # demand × candidates, True within ``minutes``

    @property
    def rows(self) -> np.ndarray:
        return np.flatnonzero(self.geo.analysis_units)


def area_mask(geo, region: str | None = None, dep: str | None = None) -> tuple[np.ndarray, str]:
    """Analysis units of a region and/or department (all of them without filter)."""
    rows = np.flatnonzero(geo.analysis_units)
    mask = np.ones(len(rows), dtype=bool)
    label = "France"
    if region is not None:
        mask &= geo.region[rows] == str(region)
        if not mask.any():
            known = sorted({str(r) for r in geo.region[rows] if r})
            raise SitingError(f"région inconnue : « {region} » (codes : {', '.join(known)})")
        label = str(geo.region_name[rows][mask][0])
    if dep is not None:
        mask &= geo.dep[rows] == str(dep)
        if not mask.any():
            raise SitingError(f"département inconnu ou hors de la région : « {dep} »")
        label = str(geo.dep_name[rows][mask][0])
    return mask, label


def build_instance(geo, *, minutes: float = 30.0, min_population: int = 1_000,
                   candidates: np.ndarray | None = None, existing: Sites | None = None,
                   region: str | None = None, dep: str | None = None,
                   weighting: str = "population", apl=None,
                   model: TravelModel | None = None) -> SitingInstance:
    """The MCLP instance of an area (module docstring).  ``apl`` is an APL result,
    needed for ``weighting="deficit"`` (weight = standardised demand × gap to the
    sous-dense threshold)."""
    if not np.isfinite(minutes) or minutes <= 0:
        raise SitingError(f"--minutes doit être un nombre positif (reçu : {minutes})")
    if weighting not in WEIGHTINGS:
        raise SitingError(f"pondération inconnue : « {weighting} » ({', '.join(WEIGHTINGS)})")
    if weighting == "deficit" and apl is None:
        raise SitingError("la pondération par déficit d'APL demande un calcul d'APL")
    rows = np.flatnonzero(geo.analysis_units)
    mask, label = area_mask(geo, region, dep)
    demand = np.flatnonzero(mask)
    pop = geo.population[rows[demand]].astype(np.float64)
    if candidates is None:
        cand = demand[pop >= min_population]
    else:
        cand = np.unique(np.asarray(candidates, dtype=np.int64))
        cand = cand[mask[cand]]
    if not len(cand):
        raise SitingError(f"aucune commune candidate dans {label}")
    lat, lon = geo.lat[rows], geo.lon[rows]
    tt = travel_times(lat[demand], lon[demand], minutes, dest_lat=lat[cand],
                      dest_lon=lon[cand], model=model)
    cover = sparse.csr_matrix((np.ones(len(tt), dtype=bool), (tt.origin, tt.dest)),
                              shape=(len(demand), len(cand)))
    if existing is not None and len(existing):
        near, _ = nearest_site(lat[demand], lon[demand], existing.lat, existing.lon, model)
        before = near <= minutes
    else:
        before = np.zeros(len(demand), dtype=bool)
    if weighting == "population":
        weights = pop.copy()
    else:
        low = apl.thresholds[0]
        weights = apl.demand[demand] * np.maximum(0.0, low - apl.apl[demand])
    weights[before] = 0.0
    return SitingInstance(geo, label, float(minutes), weighting, demand, pop, weights, before,
                          cand, cover)


@dataclass
class SitingPlan:
    instance: SitingInstance
    solution: MclpSolution
    sites: pd.DataFrame  # chosen communes, in decreasing order of what each adds
    population: int
    covered_before: int
    covered_after: int
    notes: list[str] = field(default_factory=list)

    @property
    def newly_covered(self) -> int:
        return self.covered_after - self.covered_before

    def summary(self) -> dict:
        s = self.solution
        return {"area": self.instance.area, "minutes": self.instance.minutes,
                "k": len(self.sites), "weighting": self.instance.weighting,
                "population": self.population, "covered_before": self.covered_before,
                "covered_after": self.covered_after, "newly_covered": self.newly_covered,
                "objective": s.objective, "bound": s.bound, "gap": s.gap,
                "status": s.status, "method": s.method, "seconds": s.seconds,
                "reduction": s.stats}

    def commune_coverage(self) -> pd.DataFrame:
        """Per demand commune: covered before and after the plan (map before/after)."""
        inst = self.instance
        rows = inst.rows[inst.demand]
        chosen = self.sites["unit"].to_numpy()
        col = np.flatnonzero(np.isin(inst.candidates, chosen))
        after = inst.covered_before | (np.asarray(inst.cover[:, col].sum(axis=1)).ravel() > 0)
        return pd.DataFrame({"code": inst.geo.code[rows].astype(str),
                             "name": inst.geo.name[rows].astype(str),
                             "population": inst.population.astype(np.int64),
                             "covered_before": inst.covered_before, "covered_after": after})

    def new_sites(self) -> Sites:
        return Sites.at_units(self.instance.geo, self.sites["unit"].to_numpy(), "ett")


def plan_sites(instance: SitingInstance, k: int, *, method: str = "exact",
               time_limit: float = 10.0, mip_gap: float = 1e-6) -> SitingPlan:
    """Solve the instance and describe the plan (order: largest contribution first)."""
    if k < 0:
        raise SitingError(f"k doit être positif ou nul (reçu : {k})")
    inst = instance
    k = min(int(k), len(inst.candidates))
    sol = solve(inst.cover, inst.weights, k, method=method, time_limit=time_limit,
                mip_gap=mip_gap)
    csc = inst.cover.tocsc()
    newly = ~inst.covered_before
    # Order the chosen sites greedily by the population each adds to the previous ones.
    remaining = list(sol.chosen)
    covered = inst.covered_before.copy()
    order, adds, alone = [], [], {}
    for j in remaining:
        r = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        alone[j] = float(inst.population[r[newly[r]]].sum())
    while remaining:
        best, best_add = remaining[0], -1.0
        for j in remaining:
            r = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
            add = float(inst.population[r[~covered[r]]].sum())
            if add > best_add:
                best, best_add = j, add
        remaining.remove(best)
        order.append(best)
        adds.append(best_add)
        covered[csc.indices[csc.indptr[best]:csc.indptr[best + 1]]] = True
    geo = inst.geo
    rows = inst.rows[inst.candidates[np.asarray(order, dtype=np.int64)]]
    frame = pd.DataFrame({
        "rank": np.arange(1, len(order) + 1),
        "unit": inst.candidates[np.asarray(order, dtype=np.int64)],
        "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
        "dep": geo.dep[rows].astype(str),
        "epci": pd.Series(geo.epci[rows]).fillna("").astype(str).to_numpy(),
        "population": geo.population[rows].astype(np.int64),
        "newly_covered": np.asarray(adds, dtype=np.int64),
        "covers_alone": np.asarray([alone[j] for j in order], dtype=np.int64),
    })
    before = int(inst.population[inst.covered_before].sum())
    after = int(inst.population[covered].sum())
    notes = []
    if inst.weighting == "deficit":
        notes.append("objectif pondéré par le déficit d'APL (demande × écart au seuil)")
    return SitingPlan(inst, sol, frame, int(inst.population.sum()), before, after, notes)


def check_plan(instance: SitingInstance, chosen) -> float:
    """Objective of any set of candidate indices (tests, what-if)."""
    return coverage_value(instance.cover, instance.weights, chosen)


def read_candidates(path, geo) -> np.ndarray:
    """Candidate communes from a CSV with a ``commune`` (or ``code``) column, or one INSEE
    code per line; unknown codes are listed with their line numbers."""
    import csv
    from pathlib import Path


    path = Path(path)
    if not path.exists():
        raise SitingError(f"{path} : fichier introuvable")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not any(line.strip() for line in lines):
        raise SitingError(f"{path.name} : fichier vide (une colonne « commune » attendue)")
    reader = csv.reader(lines, delimiter=";" if ";" in lines[0] else ",")
    header = [h.strip().lower() for h in next(reader)]
    col = next((header.index(c) for c in ("commune", "code", "insee") if c in header), None)
    start = 2
    if col is None:  # no header: codes only
        reader = csv.reader(lines, delimiter=";" if ";" in lines[0] else ",")
        col, start = 0, 1
    resolve = _UnitResolver(geo)
    out, errors = [], []
    for line, raw in enumerate(reader, start=start):
        if not raw or not raw[col].strip():
            continue
        pos, why = resolve(raw[col])
        if pos is None:
            errors.append(f"ligne {line} : {why}")
        else:
            out.append(pos)
    if errors:
        raise SitingError(f"{path.name} : {len(errors)} ligne(s) invalide(s)\n"
                          + "\n".join(errors[:30]))
    if not out:
        raise SitingError(f"{path.name} : aucune commune candidate")
    return np.array(out, dtype=np.int64)
