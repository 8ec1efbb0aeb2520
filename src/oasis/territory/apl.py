"""The DREES *accessibilité potentielle localisée* (APL), exact and fast, with what-if.

Method (DREES, "L'indicateur d'accessibilité potentielle localisée (APL)", method page;
Barlet, Coldefy, Collin, Lucas-Gabrielli, *Études et Résultats* n°795, 2012; arrêté du
13 novembre 2017, annex I; see ``docs/apl-method.md`` for what is confirmed and what is
an Oasis assumption).  It is a two-step floating catchment area with step distance
decay applied in both steps::

    step 1, each practice unit j:   R_j   = S_j / Σ_k w(t_kj) · D_k
    step 2, each resident unit i:   APL_i = scale · Σ_j w(t_ij) · R_j

with ``S_j`` the counted supply at j (C+V per year for GPs, ETP otherwise), ``D_k`` the
age-standardised population, ``w`` the profession's band weights (GPs: 1 up to 10 min,
2/3 to 15, 1/3 to 20, 0 beyond) and ``scale`` 1 for GPs (C+V per inhabitant) or 100 000
(ETP per 100 000 inhabitants).

Why a matrix formulation: with ``W[i, j] = w(t_ij)`` as one sparse matrix built once,
step 1 is ``S / (Wᵀ D)`` and step 2 is ``W R``: two sparse products (a few ms for the
~1.2 M pairs of the national 20-minute grid).  Demand does not depend on supply, so the
denominators ``Wᵀ D`` are fixed and moving ``a`` units of supply to unit j changes the
APL by exactly ``scale · a / den_j · W[:, j]``: a what-if touches one sparse column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import count

import numpy as np
import pandas as pd
from scipy import sparse

from oasis.territory.demand import AgeStructure, Demand, standardised_demand
from oasis.territory.errors import TerritoryInputError
from oasis.territory.professions import Profession, get_profession
from oasis.territory.supply import Supply
from oasis.territory.travel import TravelTimes, travel_times


class AplInputError(TerritoryInputError):
    """Inputs that do not fit together (matrix size, unit outside the grid…)."""

    code = "invalid_apl_input"


VARIANT_UNLIMITED = "sans limite d'âge des praticiens"


def variant_label(max_age: int | None) -> str:
    """French label of the age variant, shown on every APL and zoning output."""
    if max_age is None:
        return VARIANT_UNLIMITED
    return f"praticiens de {max_age} ans ou moins"


def default_travel(geo, max_minutes: float) -> TravelTimes:
    """Travel model over the analysis units (commune points, intra-commune time)."""
    units = np.flatnonzero(geo.analysis_units)
    return travel_times(geo.lat[units], geo.lon[units], max_minutes,
                        area_km2=geo.area_km2[units])


@dataclass(frozen=True)
class Catchment:
    """Band weights between units and the fixed step-1 denominators.

    Built once per (travel matrix, profession bands, demand); any number of supplies or
    what-ifs then reuse it.
    """

    weights: sparse.csr_matrix  # W[i, j] = w(t_ij), i resident unit, j practice unit
    weights_csc: sparse.csc_matrix
    denominator: np.ndarray  # den_j = Σ_k W[k, j] D_k
    travel: TravelTimes
    max_minutes: float
    demand: np.ndarray | None = None  # the D_k the denominators were built from

    def with_demand(self, demand: np.ndarray) -> Catchment:
        """Same weights, denominators for another demand (age-standardised, projected):
        one sparse product, the weight matrix is shared, not copied."""
        demand = np.asarray(demand, dtype=np.float64)
        if len(demand) != self.weights.shape[0]:
            raise AplInputError(f"bassin sur {self.weights.shape[0]} unités, demande sur "
                                f"{len(demand)}")
        den = np.asarray(self.weights_csc.T @ demand).ravel()
        return Catchment(self.weights, self.weights_csc, den, self.travel, self.max_minutes,
                         demand)

    def for_demand(self, demand: np.ndarray) -> Catchment:
        """This catchment if built from ``demand``, else one for it (:meth:`with_demand`),
        remembered so that repeated computes on the same demand reuse its denominators."""
        if self.demand is not None and np.array_equal(self.demand, demand):
            return self
        cached = self.__dict__.get("_derived")
        if cached is not None and np.array_equal(cached.demand, demand):
            return cached
        derived = self.with_demand(demand)
        object.__setattr__(self, "_derived", derived)  # cache only, not a field
        return derived

    @classmethod
    def build(cls, travel: TravelTimes, profession: Profession, demand: np.ndarray,
              max_minutes: float | None = None, *, self_in_first_band: bool = True
              ) -> Catchment:
        """Weights from travel times; see :func:`compute` for ``self_in_first_band``."""
        n = travel.n_origins
        if travel.n_dests != n:
            raise AplInputError("la matrice de temps doit relier les unités d'analyse entre "
                                f"elles ({travel.n_origins} × {travel.n_dests})")
        if len(demand) != n:
            raise AplInputError(f"matrice de temps sur {n} unités, demande sur {len(demand)}")
        limit = profession.max_minutes if max_minutes is None else float(max_minutes)
        if self_in_first_band:
            travel = _self_in_first_band(travel, profession.band_upper_min[0])
        w = profession.weight(travel.minutes)
        keep = (w > 0) & (travel.minutes <= limit)
        origin, dest, w = travel.origin[keep], travel.dest[keep], w[keep]
        weights = sparse.csr_matrix((w, (origin, dest)), shape=(n, n))
        if weights.nnz != len(w):
            raise AplInputError("la matrice de temps contient des paires origine–destination "
                                "en double")
        weights.sort_indices()
        csc = weights.tocsc()
        demand = np.asarray(demand, dtype=np.float64)
        denominator = np.asarray(csc.T @ demand).ravel()
        return cls(weights, csc, denominator, travel, limit, demand)

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Resident units reached from practice unit j and their weights."""
        lo, hi = self.weights_csc.indptr[j], self.weights_csc.indptr[j + 1]
        return self.weights_csc.indices[lo:hi], self.weights_csc.data[lo:hi]

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.weights.indptr[i], self.weights.indptr[i + 1]
        return self.weights.indices[lo:hi], self.weights.data[lo:hi]


def _self_in_first_band(travel: TravelTimes, first_edge: float) -> TravelTimes:
    """Every unit reaches itself within the first band (Oasis assumption, documented).

    The model's intra-commune time (disc of the commune's area) exceeds 20 minutes for
    the ~40 largest communes (Arles, Guyane): without this, their own residents would not
    count as demand for their own practitioners.  Times below the edge are kept.
    """
    diag = travel.origin == travel.dest
    has = np.zeros(travel.n_origins, dtype=bool)
    has[travel.origin[diag]] = True
    missing = np.flatnonzero(~has).astype(travel.origin.dtype)
    minutes = travel.minutes.copy()
    minutes[diag] = np.minimum(minutes[diag], first_edge)
    if not missing.size:
        return TravelTimes(travel.origin, travel.dest, minutes, travel.n_origins,
                           travel.n_dests, dict(travel.meta))
    return TravelTimes(np.concatenate((travel.origin, missing)),
                       np.concatenate((travel.dest, missing)),
                       np.concatenate((minutes, np.full(missing.size, float(first_edge)))),
                       travel.n_origins, travel.n_dests, dict(travel.meta))


def two_step(catchment: Catchment, unit_supply: np.ndarray, scale: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """(R, APL) from supply per unit: the two sparse products."""
    den = catchment.denominator
    ratio = np.zeros_like(den)
    np.divide(unit_supply, den, out=ratio, where=den > 0)
    apl = catchment.weights @ ratio
    if scale != 1.0:
        apl *= scale
    return ratio, apl


@dataclass
class Explanation:
    """Why one unit has its APL: each practice unit and practitioner reached."""

    code: str
    name: str
    apl: float
    demand: float
    unit: str
    sites: pd.DataFrame
    practitioners: pd.DataFrame

    @property
    def total(self) -> float:
        return float(self.sites["contribution"].sum()) if len(self.sites) else 0.0


@dataclass
class AplResult:
    """APL per analysis unit, row-aligned with ``units`` (geography rows)."""

    geo: object
    profession: Profession
    units: np.ndarray
    population: np.ndarray
    demand: np.ndarray
    demand_approximated: np.ndarray
    apl: np.ndarray
    apl_class: np.ndarray
    thresholds: tuple[float, float]
    supply: Supply
    unit_supply: np.ndarray
    ratio: np.ndarray
    catchment: Catchment
    synthetic: bool
    notes: list[str] = field(default_factory=list)
    max_age: int | None = None  # practitioners older than this were left out
    variant: str = VARIANT_UNLIMITED  # French label of the age variant, on every output

    @property
    def scale(self) -> float:
        return self.profession.output_scale

    @property
    def unreached_supply(self) -> float:
        """Supply at units no standardised resident reaches (not counted anywhere)."""
        return float(self.unit_supply[self.catchment.denominator <= 0].sum())

    def national_mean(self) -> float:
        """Population-weighted mean APL (DREES aggregation)."""
        return float(np.sum(self.apl * self.population) / np.sum(self.population))

    def table(self) -> pd.DataFrame:
        geo, rows = self.geo, self.units
        frame = pd.DataFrame({
            "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
            "dep": geo.dep[rows].astype(str), "epci": geo.epci[rows].astype(str),
            "population": self.population, "demand": self.demand, "apl": self.apl,
            "apl_class": self.apl_class.astype(str),
            "demand_approximated": self.demand_approximated,
            "synthetic_supply": np.full(len(rows), self.synthetic),
        })
        frame.attrs.update(profession=self.profession.key, unit=self.profession.output_unit,
                           synthetic=self.synthetic, source=self.supply.source,
                           variant=self.variant, max_age=self.max_age)
        return frame

    def position(self, code: str) -> int:
        """Analysis-unit position of an INSEE code (arrondissement for Paris/Lyon/Marseille)."""
        row = self.geo.row(code)
        where = np.flatnonzero(self.units == row)
        if not where.size:
            arr = self.geo.arrondissements(str(self.geo.code[row]))
            if arr:
                first = ", ".join(str(self.geo.code[r]) for r in arr[:3])
                raise AplInputError(f"{self.geo.name[row]} est découpée en arrondissements : "
                                    f"donner le code d'un arrondissement ({first}…)")
            raise AplInputError(f"{self.geo.name[row]} ({self.geo.code[row]}) n'a pas de point "
                                "géographique : hors de la grille APL")
        return int(where[0])

    def explain(self, code: str) -> Explanation:
        """Practice units and practitioners behind one unit's APL, with times and weights."""
        i = self.position(code)
        cols, weights = self.catchment.row(i)
        travel = self.catchment.travel
        pairs = np.flatnonzero(travel.origin == i)
        minutes_of = dict(zip(travel.dest[pairs].tolist(), travel.minutes[pairs].tolist(),
                              strict=True))
        minutes = np.array([minutes_of.get(int(j), np.nan) for j in cols])
        rows = self.units[cols]
        den = self.catchment.denominator[cols]
        contrib = weights * self.ratio[cols] * self.scale
        sites = pd.DataFrame({
            "code": self.geo.code[rows].astype(str), "name": self.geo.name[rows].astype(str),
            "minutes": minutes, "weight": weights, "supply": self.unit_supply[cols],
            "reached_demand": den, "ratio": self.ratio[cols] * self.scale,
            "contribution": contrib,
        })
        sites = sites[sites["supply"] > 0].sort_values(["minutes", "code"]).reset_index(
            drop=True)
        at = np.isin(self.supply.unit, cols)
        pos_in_cols = {int(j): k for k, j in enumerate(cols)}
        k = np.array([pos_in_cols[int(j)] for j in self.supply.unit[at]], dtype=np.int64)
        amount = self.supply.amount[at]
        practitioners = pd.DataFrame({
            "pid": self.supply.pid[at].astype(str),
            "code": self.geo.code[rows[k]].astype(str) if k.size else np.array([], str),
            "name": self.geo.name[rows[k]].astype(str) if k.size else np.array([], str),
            "minutes": minutes[k], "weight": weights[k], "amount": amount,
            "contribution": np.divide(weights[k] * amount * self.scale, den[k],
                                      out=np.zeros(len(k)), where=den[k] > 0),
        }).sort_values(["minutes", "pid"]).reset_index(drop=True)
        row = self.units[i]
        return Explanation(str(self.geo.code[row]), str(self.geo.name[row]), float(self.apl[i]),
                           float(self.demand[i]), self.profession.output_unit, sites,
                           practitioners)

    # ----------------------------------------------------------------- what-if
    @cached_property
    def gain_matrix(self) -> sparse.csc_matrix:
        """G[:, j] = APL change per unit of supply added at j (scale · W[:, j] / den_j)."""
        den = self.catchment.denominator
        inv = np.zeros_like(den)
        np.divide(self.scale, den, out=inv, where=den > 0)
        return (self.catchment.weights_csc @ sparse.diags(inv)).tocsc()

    def marginal(self, unit_pos: int, amount: float) -> tuple[np.ndarray, np.ndarray]:
        """(unit positions, APL change) for adding ``amount`` of supply at ``unit_pos``."""
        if not 0 <= unit_pos < len(self.units):
            raise AplInputError(f"unité d'analyse hors grille : {unit_pos}")
        den = self.catchment.denominator[unit_pos]
        idx, w = self.catchment.column(unit_pos)
        if den <= 0:
            return idx, np.zeros(len(idx))
        return idx, w * (amount * self.scale / den)

    def scenario(self) -> Scenario:
        return Scenario(self)


class Scenario:
    """Add, remove, move practitioners or change activity; APL updated incrementally."""

    def __init__(self, result: AplResult) -> None:
        self.result = result
        self._ids = count(1)
        self.reset()

    def reset(self) -> None:
        r = self.result
        self._unit = dict(zip(r.supply.pid.tolist(), r.supply.unit.tolist(), strict=True))
        self._amount = dict(zip(r.supply.pid.tolist(), r.supply.amount.tolist(), strict=True))
        if len(self._unit) != len(r.supply):  # a practitioner on several sites
            self._unit, self._amount = {}, {}
            for k, (p, u, a) in enumerate(zip(r.supply.pid, r.supply.unit, r.supply.amount,
                                              strict=True)):
                key = p if p not in self._unit else f"{p}#{k}"
                self._unit[key], self._amount[key] = int(u), float(a)
        self._apl = r.apl.copy()
        self.unit_supply = r.unit_supply.copy()

    def _apply(self, unit_pos: int, amount: float) -> None:
        idx, delta = self.result.marginal(unit_pos, amount)
        self._apl[idx] += delta
        self.unit_supply[unit_pos] += amount

    def _known(self, pid: str) -> None:
        if pid not in self._unit:
            raise KeyError(f"praticien inconnu dans le scénario : {pid}")

    def add(self, unit_pos: int, amount: float, pid: str | None = None) -> str:
        pid = pid or f"scenario-{next(self._ids)}"
        if pid in self._unit:
            raise KeyError(f"praticien déjà présent dans le scénario : {pid}")
        self._apply(int(unit_pos), float(amount))
        self._unit[pid], self._amount[pid] = int(unit_pos), float(amount)
        return pid

    def remove(self, pid: str) -> None:
        self._known(pid)
        self._apply(self._unit.pop(pid), -self._amount.pop(pid))

    def move(self, pid: str, new_unit_pos: int) -> None:
        self._known(pid)
        a = self._amount[pid]
        self._apply(self._unit[pid], -a)
        self._apply(int(new_unit_pos), a)
        self._unit[pid] = int(new_unit_pos)

    def set_amount(self, pid: str, amount: float) -> None:
        self._known(pid)
        self._apply(self._unit[pid], float(amount) - self._amount[pid])
        self._amount[pid] = float(amount)

    @property
    def apl(self) -> np.ndarray:
        return self._apl

    def delta(self) -> np.ndarray:
        return self._apl - self.result.apl

    def apl_class(self) -> np.ndarray:
        return self.result.profession.classify(self._apl, self.result.population)[0]

    def practitioners(self) -> dict[str, tuple[int, float]]:
        return {p: (self._unit[p], self._amount[p]) for p in self._unit}


def compute(geo, supply: Supply, profession: str | Profession = "generaliste",
            travel: TravelTimes | None = None, max_minutes: float | None = None, *,
            ages: AgeStructure | None = None, max_age: int | None = None,
            catchment: Catchment | None = None, self_in_first_band: bool = True) -> AplResult:
    """APL of every analysis unit for one profession.

    ``travel`` is a :class:`TravelTimes` over the analysis units (``None``: the default
    model, built up to the profession's last band); ``max_age`` gives the zoning variant
    that leaves out older practitioners; ``catchment`` reuses a prebuilt weight matrix.
    ``self_in_first_band`` (default) caps each unit's time to itself at the first band
    edge, so residents always count for their own commune's practitioners.
    """
    prof = get_profession(profession)
    units = np.flatnonzero(geo.analysis_units)
    n = len(units)
    dem: Demand = standardised_demand(geo.population[units], geo.code[units], ages)
    if catchment is None:
        limit = prof.max_minutes if max_minutes is None else float(max_minutes)
        if travel is None:
            travel = default_travel(geo, limit)
        catchment = Catchment.build(travel, prof, dem.standardised, limit,
                                    self_in_first_band=self_in_first_band)
    elif catchment.weights.shape[0] != n:
        raise AplInputError("le bassin fourni ne correspond pas à la grille d'analyse")
    else:
        catchment = catchment.for_demand(dem.standardised)
    age_limit = max_age if max_age is not None else prof.max_age
    mine = supply.for_profession(prof, max_age=age_limit)
    if len(mine) and (mine.unit.min() < 0 or mine.unit.max() >= n):
        raise AplInputError("offre : position d'unité d'analyse hors grille")
    unit_supply = mine.unit_totals(n)
    ratio, apl = two_step(catchment, unit_supply, prof.output_scale)
    classes, low, high = prof.classify(apl, dem.population)
    notes = []
    if supply.synthetic:
        notes.append("offre SYNTHÉTIQUE : démonstration, pas la situation réelle")
    if dem.approximated.all():
        notes.append("demande non standardisée par âge (structure d'âge absente) : "
                     "population municipale utilisée telle quelle")
    elif dem.approximated.any():
        notes.append(f"demande standardisée par âge ({ages.source}) ; "
                     f"{int(dem.approximated.sum())} unités sans âges gardent la population "
                     "telle quelle (demand_approximated)")
    else:
        notes.append(f"demande standardisée par âge ({ages.source})")
    if age_limit is not None:
        if supply.age is None or np.isnan(supply.age).all():
            notes.append(f"variante « {variant_label(age_limit)} » demandée, mais l'offre ne "
                         "donne pas les âges : tous les praticiens sont comptés")
        else:
            notes.append(f"variante : {variant_label(age_limit)}")
    if supply.report is not None:
        notes.extend(supply.report.approximations)
    return AplResult(geo, prof, units, dem.population, dem.standardised, dem.approximated, apl,
                     classes, (low, high), mine, unit_supply, ratio, catchment,
                     supply.synthetic, notes, age_limit, variant_label(age_limit))
