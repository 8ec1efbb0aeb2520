"""Projection of the APL: practitioners age and retire, demand stays the same population.

Rule (documented in ``docs/apl-method.md`` §8):

* every practitioner of known age ``a`` (at ``base_year``) is still practising in year
  ``base_year + k`` with probability ``S_k(a) = Π_{j<k} (1 − h(a + j))``, ``h`` the yearly
  retirement hazard by age of ``data/rules/gp_retirement_hazard.csv`` (or a file of the
  same form); the projection is the *expected* supply, each practitioner counting for
  ``amount × S_k(a)`` (no random draw: reproducible, and what a planner reads);
* a practitioner of unknown age is not aged (counted in full every year) and the number
  of such practitioners is reported;
* with ``max_age`` (regulatory variant), a practitioner also stops counting the year they
  pass that age;
* nobody new installs unless an installs table ``commune,year,profession,count`` is
  given: each installation adds ``count`` full-time practitioners (the profession's mean
  activity) from that year on, aged ``INSTALL_AGE`` when installing;
* demand is the base year's (standardised) population: the weight matrix and its
  denominators are built once.

Supply per unit and year is one sparse product (practitioners → units) with the
survival matrix, and the APL of every year a second one with the weight matrix: a
10-year national projection costs a few tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from oasis.territory.apl import AplResult, Catchment, compute, variant_label
from oasis.territory.codes import InvalidCodeError, normalise_insee
from oasis.territory.demand import AgeStructure
from oasis.territory.errors import TerritoryInputError
from oasis.territory.files import DataFileError, Problem, parse_number, rows
from oasis.territory.professions import PROFESSIONS, Profession, get_profession
from oasis.territory.supply import Supply, unit_positions

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
DEFAULT_HAZARD_FILE = RULES_DIR / "gp_retirement_hazard.csv"
MAX_AGE_TABLE = 120
# Mean age at affiliation of GPs to the CARMF in 2022 (Le Quotidien du Médecin, CARMF
# statistics): the age given to projected installations.
INSTALL_AGE = 32.6
MAX_HORIZON = 60


class ProjectionError(TerritoryInputError):
    """A projection that cannot be made (horizon, years), message in French."""

    code = "invalid_projection"


class HazardFileError(DataFileError):
    """A malformed retirement hazard table."""


class InstallsFileError(DataFileError):
    """A malformed installs table (every bad line listed)."""


@dataclass(frozen=True)
class RetirementHazard:
    """Yearly probability of leaving practice at each integer age 0…120."""

    hazard: np.ndarray  # (MAX_AGE_TABLE + 1,)
    source: str

    def survival(self, age: np.ndarray, years: int) -> np.ndarray:
        """(years + 1, n): probability of still practising k years later (row 0 = 1)."""
        age = np.asarray(age, dtype=np.float64)
        known = np.isfinite(age)
        a0 = np.where(known, np.floor(age), 0).astype(np.int64)
        k = np.arange(years)[:, None]
        h = self.hazard[np.clip(a0[None, :] + k, 0, MAX_AGE_TABLE)]
        out = np.ones((years + 1, len(age)))
        if years:
            out[1:] = np.cumprod(1.0 - h, axis=0)
        out[:, ~known] = 1.0
        return out

    def mean_departure_age(self, from_age: int = 60) -> float:
        """Mean age at departure of a cohort practising at ``from_age`` (mid-year)."""
        alive, mean = 1.0, 0.0
        for a in range(from_age, MAX_AGE_TABLE + 1):
            gone = alive * self.hazard[a]
            mean += gone * (a + 0.5)
            alive -= gone
        return mean + alive * (MAX_AGE_TABLE + 1)


def load_retirement_hazard(path: Path | str | None = None) -> RetirementHazard:
    """``age_from,age_to,hazard[,status,source,url,date_read]``; every age 0…120 covered
    exactly once, hazards in [0, 1]."""
    path = Path(path) if path is not None else DEFAULT_HAZARD_FILE
    header, lines = rows(path)
    low = [h.lower() for h in header]
    need = ("age_from", "age_to", "hazard")
    if not all(n in low for n in need):
        raise HazardFileError(path, "en-tête attendu : age_from,age_to,hazard[,source,…]")
    ia, ib, ih = (low.index(n) for n in need)
    hazard = np.full(MAX_AGE_TABLE + 1, np.nan)
    problems: list[Problem] = []
    for line_no, cells in lines:
        if len(cells) != len(header):
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {len(header)}"))
            continue
        try:
            lo, hi = int(cells[ia]), int(cells[ib])
            h = parse_number(cells[ih])
        except ValueError:
            problems.append(Problem(line_no, "âges entiers et taux décimal attendus"))
            continue
        why = []
        if not 0 <= lo <= hi <= MAX_AGE_TABLE:
            why.append(f"tranche d'âge invalide {lo}-{hi} (0 à {MAX_AGE_TABLE})")
        if not 0.0 <= h <= 1.0:
            why.append(f"taux de départ {h} hors de [0, 1]")
        if not why and np.isfinite(hazard[lo:hi + 1]).any():
            why.append(f"âges {lo}-{hi} déjà couverts par une autre ligne")
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        hazard[lo:hi + 1] = h
    gaps = np.flatnonzero(~np.isfinite(hazard))
    if gaps.size and not problems:
        problems.append(Problem(0, f"âges sans taux de départ : {gaps[0]}…{gaps[-1]}"))
    if problems:
        raise HazardFileError(path, problems)
    return RetirementHazard(hazard, str(path))


@dataclass(frozen=True)
class Installs:
    """Installations to add in the projection (one row per file line)."""

    path: Path
    line: np.ndarray  # int, file line number
    code: np.ndarray  # INSEE code
    unit: np.ndarray  # int, analysis-unit position
    year: np.ndarray  # int
    profession: np.ndarray  # str profession key
    count: np.ndarray  # float, full-time practitioners


def read_installs(path: Path | str, geo) -> Installs:
    """Read ``commune,year,profession,count`` (',' or ';'); every bad line is listed."""
    path = Path(path)
    header, lines = rows(path)
    low = [h.lower() for h in header]
    need = ("commune", "year", "profession", "count")
    if not all(n in low for n in need):
        raise InstallsFileError(path, "en-tête attendu : commune,year,profession,count "
                                f"(trouvé : {','.join(header)})")
    ic, iy, ip, inn = (low.index(n) for n in need)
    _, pos = unit_positions(geo)
    out: dict[str, list] = {k: [] for k in ("line", "code", "unit", "year", "prof", "n")}
    problems: list[Problem] = []
    for line_no, cells in lines:
        if len(cells) != len(header):
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {len(header)}"))
            continue
        why = []
        try:
            code = normalise_insee(cells[ic])
            if code not in pos:
                why.append(f"commune {code} hors de la grille APL (inconnue, ou ville à "
                           "arrondissements : donner l'arrondissement)")
        except InvalidCodeError as exc:
            why.append(str(exc))
            code = ""
        try:
            year = int(cells[iy].strip())
            if not 1900 <= year <= 2200:
                raise ValueError
        except ValueError:
            why.append(f"année invalide « {cells[iy].strip()} »")
            year = 0
        prof = cells[ip].strip()
        if prof not in PROFESSIONS:
            why.append(f"profession inconnue « {prof} »")
        try:
            n = parse_number(cells[inn])
            if n <= 0:
                raise ValueError
        except ValueError:
            why.append(f"nombre d'installations invalide « {cells[inn].strip()} » "
                       "(positif attendu)")
            n = 0.0
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        for k, v in zip(out, (line_no, code, pos[code], year, prof, n), strict=True):
            out[k].append(v)
    if problems:
        raise InstallsFileError(path, problems)
    return Installs(path, np.array(out["line"], dtype=np.int64),
                    np.array(out["code"], dtype=object), np.array(out["unit"], dtype=np.int64),
                    np.array(out["year"], dtype=np.int64), np.array(out["prof"], dtype=object),
                    np.array(out["n"], dtype=np.float64))


@dataclass
class Projection:
    """APL of every analysis unit and year; every output carries its year."""

    geo: object
    profession: Profession
    units: np.ndarray
    years: np.ndarray  # int (base_year … base_year + horizon)
    population: np.ndarray
    demand: np.ndarray
    apl: np.ndarray  # (len(years), n_units)
    unit_supply: np.ndarray  # (len(years), n_units)
    practitioners: np.ndarray  # expected headcount per year (incl. installations)
    thresholds: tuple[float, float]
    variant: str
    synthetic: bool
    notes: list[str] = field(default_factory=list)

    def year_index(self, year: int) -> int:
        where = np.flatnonzero(self.years == int(year))
        if not where.size:
            raise ProjectionError(f"année {year} hors de la projection "
                                  f"({self.years[0]}–{self.years[-1]})")
        return int(where[0])

    def national(self) -> pd.DataFrame:
        """One row per year: national mean APL, practitioners, population under the
        sous-dense threshold."""
        pop = self.population
        mean = self.apl @ pop / pop.sum()
        low = self.thresholds[0]
        under = ((self.apl < low) * pop).sum(axis=1) / pop.sum()
        frame = pd.DataFrame({"year": self.years, "apl_national": mean,
                              "practitioners": self.practitioners,
                              "supply": self.unit_supply.sum(axis=1),
                              "share_sous_dense": under})
        frame.attrs.update(profession=self.profession.key, variant=self.variant,
                           synthetic=self.synthetic, unit=self.profession.output_unit)
        return frame

    def table(self, year: int) -> pd.DataFrame:
        """Per commune for one year (with a ``year`` column)."""
        k = self.year_index(year)
        geo, rows_ = self.geo, self.units
        classes, _, _ = self.profession.classify(self.apl[k], self.population)
        frame = pd.DataFrame({
            "year": np.full(len(rows_), self.years[k]),
            "code": geo.code[rows_].astype(str), "name": geo.name[rows_].astype(str),
            "population": self.population, "demand": self.demand,
            "supply": self.unit_supply[k], "apl": self.apl[k],
            "apl_class": classes.astype(str)})
        frame.attrs.update(profession=self.profession.key, variant=self.variant,
                           synthetic=self.synthetic, year=int(self.years[k]))
        return frame

    def commune(self, code: str) -> pd.DataFrame:
        """One commune (analysis unit) over the years."""
        row = self.geo.row(code)
        where = np.flatnonzero(self.units == row)
        if not where.size:
            raise ProjectionError(f"{self.geo.name[row]} ({code}) n'est pas une unité "
                                  "d'analyse (ville à arrondissements ou sans point)")
        i = int(where[0])
        frame = pd.DataFrame({"year": self.years, "code": str(self.geo.code[row]),
                              "apl": self.apl[:, i], "supply": self.unit_supply[:, i]})
        frame.attrs.update(variant=self.variant, synthetic=self.synthetic)
        return frame


def project(geo, supply: Supply, horizon: int, *, base_year: int,
            profession: str | Profession = "generaliste",
            hazard: RetirementHazard | None = None, installs: Installs | None = None,
            ages: AgeStructure | None = None, catchment: Catchment | None = None,
            max_age: int | None = None, base: AplResult | None = None) -> Projection:
    """Expected APL from ``base_year`` to ``base_year + horizon`` (module docstring).

    ``base`` (an :func:`apl.compute` result of the same supply, without age limit) or
    ``catchment`` saves the weight-matrix build; ``max_age`` gives the regulatory variant.
    """
    if not 0 <= int(horizon) <= MAX_HORIZON:
        raise ProjectionError(f"horizon de projection invalide : {horizon} ans "
                              f"(0 à {MAX_HORIZON})")
    horizon = int(horizon)
    prof = get_profession(profession)
    hazard = hazard or load_retirement_hazard()
    if base is None:
        base = compute(geo, supply, prof, ages=ages, catchment=catchment)
    cat = base.catchment
    mine = supply.for_profession(prof)
    n_units = len(base.units)
    years = np.arange(base_year, base_year + horizon + 1)
    age = mine.age if mine.age is not None else np.full(len(mine), np.nan)
    weight = hazard.survival(age, horizon)  # (H+1, n_pract)
    if max_age is not None:
        k = np.arange(horizon + 1)[:, None]
        weight = weight * ~((age[None, :] + k) > max_age)
    to_unit = sparse.csr_matrix((mine.amount, (mine.unit, np.arange(len(mine)))),
                                shape=(n_units, len(mine)))
    unit_supply = np.asarray(to_unit @ weight.T).T  # (H+1, n_units)
    headcount = weight.sum(axis=1)
    notes = [f"projection {years[0]}–{years[-1]} en espérance : chaque praticien compte pour "
             f"sa probabilité d'être encore en exercice ({hazard.source})",
             "demande : population de l'année de départ, inchangée"]
    unknown = int((~np.isfinite(age)).sum())
    if unknown:
        notes.append(f"{unknown} praticiens d'âge inconnu : supposés rester en exercice")
    if installs is not None:
        sel = installs.profession == prof.key
        early = sel & (installs.year < base_year)
        if early.any():
            raise InstallsFileError(installs.path, [
                Problem(int(line), f"installation en {y}, avant l'année de départ {base_year}")
                for line, y in zip(installs.line[early], installs.year[early], strict=True)])
        late = sel & (installs.year > years[-1])
        if late.any():
            notes.append(f"{int(installs.count[late].sum()):g} installations après "
                         f"{years[-1]} ignorées (hors horizon)")
        use = sel & ~late
        if use.any():
            inst_age = INSTALL_AGE + np.zeros(int(use.sum()))
            start = installs.year[use] - base_year
            surv = hazard.survival(inst_age, horizon)  # aged from their install year
            k = np.arange(horizon + 1)[:, None]
            shift = np.clip(k - start[None, :], 0, horizon)
            w = np.where(k >= start[None, :],
                         np.take_along_axis(surv, shift, axis=0), 0.0)
            if max_age is not None:
                w = w * ~((inst_age[None, :] + shift) > max_age)
            w = w * installs.count[use][None, :]
            add = sparse.csr_matrix((np.full(int(use.sum()), prof.mean_activity),
                                     (installs.unit[use], np.arange(int(use.sum())))),
                                    shape=(n_units, int(use.sum())))
            unit_supply += np.asarray(add @ w.T).T
            headcount = headcount + w.sum(axis=1)
            notes.append(f"{int(installs.count[use].sum()):g} installations ajoutées "
                         f"({installs.path.name})")
    else:
        notes.append("aucune installation nouvelle (pas de table d'installations)")
    den = cat.denominator
    ratio = np.zeros_like(unit_supply)
    np.divide(unit_supply, den[None, :], out=ratio, where=den[None, :] > 0)
    apl = np.asarray(cat.weights @ ratio.T).T * prof.output_scale
    if base.synthetic:
        notes.insert(0, "offre SYNTHÉTIQUE : démonstration, pas la situation réelle")
    return Projection(geo, prof, base.units, years, base.population, base.demand, apl,
                      unit_supply, headcount, tuple(base.thresholds), variant_label(max_age),
                      base.synthetic, notes)
