"""Age structure of the communes (INSEE) and GP consumption weights per age band.

Reads INSEE's « évolution et structure de la population » commune file as published
(``base-cc-evol-struct-pop-20YY.CSV``: ';'-separated, one line per commune, columns
``CODGEO``, ``P{YY}_POP`` and the seven bands ``P{YY}_POP0014`` … ``P{YY}_POP90P``, for
any vintage YY; the file usually carries several vintages, the latest is used unless
``year`` says otherwise).  Every bad line is reported at once (:class:`AgeFileError`).

The consumption weights per band come from ``data/rules/gp_consumption_by_age.csv``
(shipped, with source and date read) or from a file of the same form
(``band,weight[,status,source,url,date_read]``).  DREES's own weights were not found in
any public source Oasis could read: the shipped ones are an **Oasis assumption**, say so
in every note, and are meant to be overridden.

:func:`age_structure` resolves the table against the analysis units once, so that the
national standardised demand is one small matrix product (see ``demand.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oasis.territory.codes import InvalidCodeError, normalise_insee
from oasis.territory.demand import AgeStructure, AgeTableError
from oasis.territory.files import DataFileError, Problem, parse_number, rows

BANDS = ("0014", "1529", "3044", "4559", "6074", "7589", "90P")
BAND_LABELS = ("0-14 ans", "15-29 ans", "30-44 ans", "45-59 ans", "60-74 ans", "75-89 ans",
               "90 ans et plus")
RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
DEFAULT_WEIGHTS_FILE = RULES_DIR / "gp_consumption_by_age.csv"
# Tolerance between Σ bands and P{YY}_POP (INSEE publishes weighted, non-integer counts).
SUM_TOLERANCE = 0.5


class AgeFileError(DataFileError, AgeTableError):
    """A malformed INSEE population file or weights file (path and bad lines)."""


@dataclass(frozen=True)
class PopulationByAge:
    """INSEE commune × band counts of one vintage, as read from the file."""

    path: Path
    year: int  # 2000 + YY
    codes: np.ndarray  # canonical INSEE codes, str
    total: np.ndarray  # P{YY}_POP
    counts: np.ndarray  # (n, 7) float64, columns in BANDS order
    bands: tuple[str, ...] = BANDS


@dataclass(frozen=True)
class ConsumptionWeights:
    """Relative GP consumption per head of each band, and where it comes from."""

    bands: tuple[str, ...]
    weights: np.ndarray
    status: tuple[str, ...]
    source: str  # file the weights were read from
    assumption: bool  # True when any weight is an Oasis assumption

    def label(self) -> str:
        kind = "hypothèse Oasis" if self.assumption else "source publique"
        return f"poids de consommation par âge ({kind}, {self.source})"


@dataclass(frozen=True)
class AgeCoverage:
    """How the age table matched the analysis units (nothing is dropped silently)."""

    matched: int
    inherited: list[str] = field(default_factory=list)  # arrondissements given the city's
    missing: list[str] = field(default_factory=list)  # units without ages: fallback
    unused: list[str] = field(default_factory=list)  # file codes outside the grid

    def notes(self) -> list[str]:
        out = [f"structure d'âge INSEE : {self.matched} unités couvertes"]
        if self.inherited:
            out.append(f"{len(self.inherited)} arrondissements reçoivent la structure d'âge "
                       "de leur ville (absents du fichier)")
        if self.missing:
            out.append(f"{len(self.missing)} unités absentes du fichier des âges : demande "
                       "non standardisée (signalée demand_approximated)")
        if self.unused:
            out.append(f"{len(self.unused)} codes du fichier hors de la grille (communes "
                       "fusionnées ou autre millésime) ignorés")
        return out


_POP = re.compile(r"^P(\d{2})_POP$")


def read_insee_population(path: Path | str, year: int | None = None) -> PopulationByAge:
    """Read the INSEE « évolution et structure de la population » file (see module doc)."""
    path = Path(path)
    header, lines = rows(path)
    upper = [h.upper() for h in header]
    vintages = sorted({int(m.group(1)) for h in upper if (m := _POP.match(h))})
    if "CODGEO" not in upper or not vintages:
        raise AgeFileError(path, "ce n'est pas le fichier INSEE « évolution et structure de "
                                 "la population » (colonnes CODGEO et P{AA}_POP attendues)")
    if year is not None:
        yy = int(year) % 100
        if yy not in vintages:
            raise AgeFileError(path, f"millésime {year} absent (présents : "
                               + ", ".join(str(2000 + v) for v in vintages) + ")")
    else:
        yy = vintages[-1]
    names = [f"P{yy:02d}_POP"] + [f"P{yy:02d}_POP{b}" for b in BANDS]
    missing = [n for n in names if n not in upper]
    if missing:
        raise AgeFileError(path, "colonnes manquantes : " + ", ".join(missing))
    col_code = upper.index("CODGEO")
    cols = [upper.index(n) for n in names]
    width = len(header)
    problems: list[Problem] = []
    codes: list[str] = []
    values: list[list[float]] = []
    seen: dict[str, int] = {}
    for line_no, cells in lines:
        if len(cells) != width:
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {width}"))
            continue
        why: list[str] = []
        try:
            code = normalise_insee(cells[col_code])
        except InvalidCodeError as exc:
            why.append(str(exc))
            code = ""
        if code and code in seen:
            why.append(f"commune {code} déjà donnée ligne {seen[code]}")
        nums: list[float] = []
        for name, c in zip(names, cols, strict=True):
            text = cells[c].strip()
            try:
                v = parse_number(text)
                if v < 0:
                    raise ValueError
            except ValueError:
                why.append(f"{name} invalide « {text} »")
                v = np.nan
            nums.append(v)
        if not why and abs(sum(nums[1:]) - nums[0]) > max(SUM_TOLERANCE, 1e-6 * nums[0]):
            why.append(f"la somme des tranches ({sum(nums[1:]):.1f}) ne fait pas "
                       f"{names[0]} ({nums[0]:.1f})")
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        seen[code] = line_no
        codes.append(code)
        values.append(nums)
    if problems:
        raise AgeFileError(path, problems)
    if not codes:
        raise AgeFileError(path, "aucune commune dans le fichier")
    arr = np.array(values, dtype=np.float64)
    return PopulationByAge(path, 2000 + yy, np.array(codes, dtype=object), arr[:, 0],
                           arr[:, 1:])


def load_consumption_weights(path: Path | str | None = None) -> ConsumptionWeights:
    """Weights per band: the shipped table, or ``path`` (``band,weight,…``)."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS_FILE
    header, lines = rows(path)
    low = [h.lower() for h in header]
    if "band" not in low or "weight" not in low:
        raise AgeFileError(path, "en-tête attendu : band,weight[,status,source,url,date_read]")
    ib, iw = low.index("band"), low.index("weight")
    ist = low.index("status") if "status" in low else None
    problems: list[Problem] = []
    found: dict[str, tuple[float, str]] = {}
    for line_no, cells in lines:
        if len(cells) != len(header):
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {len(header)}"))
            continue
        band = cells[ib].strip().upper().removeprefix("POP")
        why = []
        if band not in BANDS:
            why.append(f"tranche inconnue « {cells[ib].strip()} » (attendu : "
                       + ", ".join(BANDS) + ")")
        elif band in found:
            why.append(f"tranche {band} en double")
        try:
            w = parse_number(cells[iw])
            if w < 0:
                raise ValueError
        except ValueError:
            why.append(f"poids invalide « {cells[iw].strip()} »")
            w = np.nan
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        found[band] = (w, cells[ist].strip() if ist is not None else "")
    absent = [b for b in BANDS if b not in found]
    if absent and not problems:
        problems.append(Problem(0, "tranches sans poids : " + ", ".join(absent)))
    if problems:
        raise AgeFileError(path, problems)
    status = tuple(found[b][1] for b in BANDS)
    return ConsumptionWeights(BANDS, np.array([found[b][0] for b in BANDS]), status,
                              str(path), any(s != "public-source" for s in status))


def age_structure(geo, table: PopulationByAge, weights: ConsumptionWeights | None = None
                  ) -> tuple[AgeStructure, AgeCoverage]:
    """The table resolved onto the analysis units (positions), and its coverage report.

    An arrondissement of Paris, Lyon or Marseille missing from the file takes its city's
    age shares (Oasis choice: the demand index only uses shares).  Units absent from the
    file keep the fallback (population as is) and stay flagged ``demand_approximated``.
    """
    weights = weights or load_consumption_weights()
    units = np.flatnonzero(geo.analysis_units)
    unit_pos = {str(geo.code[r]): i for i, r in enumerate(units)}
    file_row = {str(c): k for k, c in enumerate(table.codes)}
    positions: list[int] = []
    picks: list[int] = []
    inherited: list[str] = []
    for code, i in unit_pos.items():
        k = file_row.get(code)
        if k is None:
            parent = geo.parent[units[i]]
            k = file_row.get(str(parent)) if isinstance(parent, str) and parent else None
            if k is None:
                continue
            inherited.append(code)
        positions.append(i)
        picks.append(k)
    covered = set(positions)
    missing = [c for c, i in unit_pos.items() if i not in covered]
    parents = {str(p) for p in geo.parent[units] if isinstance(p, str) and p}
    unused = [str(c) for c in table.codes if str(c) not in unit_pos and str(c) not in parents]
    counts = table.counts[np.array(picks, dtype=np.int64)] if picks else np.zeros((0, 7))
    structure = AgeStructure(
        np.array([str(geo.code[units[i]]) for i in positions], dtype=object), table.bands,
        counts, weights.weights, np.array(positions, dtype=np.int64),
        f"INSEE {table.year} ({table.path.name}) ; {weights.label()}")
    return structure, AgeCoverage(len(positions), inherited, missing, unused)
