"""Practitioner supply for the APL: one row per practitioner and practice site.

Two file formats are read, both refused as a whole (one clear French error listing every
bad line) rather than silently truncated, because a missing practitioner biases the APL
of every commune within 20 minutes:

* the public Annuaire Santé extraction ``PS_LibreAcces_Personne_activite_*.txt``
  (pipe-separated, UTF-8, one line per professional activity; columns found by their
  header names, so the 2020s variants with extra trailing columns also read);
* a simple CSV ``rpps,profession,commune,activity`` (or ``fte`` instead of
  ``activity``, optional ``age`` and ``teleconsultations``).

GP activity: the DREES counts consultations and visits (C+V) and, from its 2023 vintage,
teleconsultations too.  An optional ``teleconsultations`` column (yearly count) is added
to ``activity`` before the floor and cap when ``count_teleconsultations`` is true (the
default, as DREES 2023); with it false, the pre-2023 C+V-only reading is kept.  Either
way the raw count is kept in ``Supply.teleconsultations`` and the choice is reported.

The Annuaire Santé file has no activity volume, so each practitioner counts for the
profession's mean full-time activity (5 000 C+V for a GP), split evenly across their
sites; this is an explicit Oasis approximation, reported in ``SupplyReport``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oasis.territory.codes import luhn_ok
from oasis.territory.errors import TerritoryInputError
from oasis.territory.professions import PROFESSIONS, Profession, get_profession


class SupplyFileError(TerritoryInputError):
    """A malformed supply file; the message lists the bad lines."""

    code = "invalid_supply_file"


def rpps_is_valid(rpps: str) -> bool:
    """An RPPS number is 11 digits whose Luhn checksum is 0."""
    return len(rpps) == 11 and rpps.isdigit() and luhn_ok(rpps)


def rpps_with_check_digit(first10: str) -> str:
    """Complete 10 digits into a valid RPPS (for fixtures and synthetic identifiers)."""
    for digit in "0123456789":
        if rpps_is_valid(first10 + digit):
            return first10 + digit
    raise AssertionError("unreachable: one Luhn digit always fits")


@dataclass
class Supply:
    """Row-aligned practitioner arrays; ``unit`` is the analysis-unit position."""

    pid: np.ndarray  # str identifiers (RPPS, ADELI or synthetic)
    unit: np.ndarray  # int64 position in geo.analysis_units order
    amount: np.ndarray  # float64, in the profession's supply unit (C+V/yr or ETP)
    profession: np.ndarray  # str profession keys
    age: np.ndarray | None = None  # float64, NaN when unknown
    synthetic: bool = False
    source: str = ""
    report: SupplyReport | None = None
    teleconsultations: np.ndarray | None = None  # float64 yearly count, NaN when unknown

    def __len__(self) -> int:
        return len(self.pid)

    def select(self, mask: np.ndarray) -> Supply:
        return Supply(self.pid[mask], self.unit[mask], self.amount[mask],
                      self.profession[mask], None if self.age is None else self.age[mask],
                      self.synthetic, self.source, self.report,
                      None if self.teleconsultations is None
                      else self.teleconsultations[mask])

    def for_profession(self, profession: str | Profession, max_age: int | None = None) -> Supply:
        """Rows of one profession, without practitioners older than ``max_age`` if given."""
        key = get_profession(profession).key
        mask = self.profession == key
        if max_age is not None and self.age is not None:
            mask &= ~(self.age > max_age)
        return self if mask.all() else self.select(mask)

    def unit_totals(self, n_units: int) -> np.ndarray:
        """Supply per analysis unit (S_j)."""
        return np.bincount(self.unit, weights=self.amount, minlength=n_units).astype(np.float64)


@dataclass
class SupplyReport:
    """What an import kept and what it left out on purpose (never silently)."""

    rows: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason → count
    approximations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.kept} lignes retenues sur {self.rows}"]
        parts += [f"{n} {reason}" for reason, n in sorted(self.skipped.items())]
        return " ; ".join(parts)


def unit_positions(geo) -> tuple[np.ndarray, dict[str, int]]:
    """Geography rows of the analysis units, and code → unit position."""
    units = np.flatnonzero(geo.analysis_units)
    return units, {str(geo.code[r]): i for i, r in enumerate(units)}


class _UnitResolver:
    """INSEE code (+ postal code) → analysis-unit position, with Paris/Lyon/Marseille.

    Structures in the three cities are often coded with the whole-city code; the postal
    code then picks the arrondissement (75012 → 75112).
    """

    def __init__(self, geo) -> None:
        self.geo = geo
        self.units, self.pos = unit_positions(geo)

    def __call__(self, code: str, postal: str = "") -> tuple[int | None, str]:
        code = code.strip()
        if len(code) == 4 and code.isdigit():
            code = "0" + code
        if code in self.pos:
            return self.pos[code], ""
        row = self.geo.index.get(code)
        if row is None:
            return None, f"commune inconnue « {code} »"
        arr = self.geo.arrondissements(code)
        if arr:
            for r in self.geo.by_postal_code(postal.strip()) if postal else []:
                if r in arr and str(self.geo.code[r]) in self.pos:
                    return self.pos[str(self.geo.code[r])], ""
            return None, (f"commune {code} découpée en arrondissements : code postal "
                          f"« {postal} » ne désigne aucun de ses arrondissements")
        return None, f"commune {code} sans point géographique (hors grille APL)"


def _raise_errors(path: Path, errors: list[str]) -> None:
    if errors:
        shown = "\n".join(errors[:30])
        more = f"\n… et {len(errors) - 30} autres" if len(errors) > 30 else ""
        raise SupplyFileError(f"{path.name} : {len(errors)} ligne(s) invalide(s)\n{shown}{more}")


# ------------------------------------------------------------------- Annuaire Santé
RPPS_COLUMNS = {
    "id_type": "Type d'identifiant PP",
    "id": "Identifiant PP",
    "profession": "Code profession",
    "sf_code": "Code savoir-faire",
    "sf_label": "Libellé savoir-faire",
    "mode": "Code mode exercice",
    "sector": "Libellé secteur d'activité",
    "postal": "Code postal (coord. structure)",
    "commune": "Code commune (coord. structure)",
}


def rpps_profession(row: dict[str, str]) -> str | None:
    """Oasis profession key of one Annuaire Santé activity line, or None if out of scope."""
    code = row["profession"].strip()
    sf_code = row["sf_code"].strip().upper()
    sf_label = row["sf_label"].strip().lower()
    for prof in PROFESSIONS.values():
        if prof.rpps_profession_code != code:
            continue
        if not prof.rpps_savoir_faire:
            return prof.key
        for token in prof.rpps_savoir_faire:
            if token.upper() == sf_code or (token.islower() and token in sf_label):
                return prof.key
    return None


def in_scope_mode(row: dict[str, str]) -> bool:
    """DREES counts practice outside hospital: liberal, or salaried in a centre de santé."""
    mode = row["mode"].strip().upper()
    if mode == "L":
        return True
    return mode == "S" and "centre de sant" in row["sector"].lower()


def read_annuaire_sante(path: Path, geo) -> Supply:
    """Read ``PS_LibreAcces_Personne_activite`` (pipe-separated, as published)."""
    path = Path(path)
    resolve = _UnitResolver(geo)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline().rstrip("\r\n").split("|")
        missing = [name for name in RPPS_COLUMNS.values() if name not in header]
        if missing:
            raise SupplyFileError(
                f"{path.name} : ce n'est pas une extraction Annuaire Santé "
                f"« PS_LibreAcces_Personne_activite » (colonnes manquantes : "
                f"{', '.join(missing)})")
        col = {k: header.index(v) for k, v in RPPS_COLUMNS.items()}
        width = len(header)
        report = SupplyReport()
        errors: list[str] = []
        entries: list[tuple[str, int, str]] = []
        for line_no, line in enumerate(fh, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            report.rows += 1
            cells = line.split("|")
            # Published lines end with a trailing "|": tolerate exactly that difference.
            if len(cells) not in (width, width - 1, width + 1):
                errors.append(f"ligne {line_no} : {len(cells)} champs au lieu de {width}")
                continue
            row = {k: (cells[i] if i < len(cells) else "") for k, i in col.items()}
            profession = rpps_profession(row)
            if profession is None:
                report.skipped["hors des professions de l'APL"] += 1
                continue
            if not in_scope_mode(row):
                report.skipped["exercice hors champ (ni libéral ni centre de santé)"] += 1
                continue
            id_type, ident = row["id_type"].strip(), row["id"].strip()
            if id_type == "8" and not rpps_is_valid(ident):
                errors.append(f"ligne {line_no} : numéro RPPS invalide « {ident} » "
                              "(11 chiffres, clé de Luhn)")
                continue
            if id_type == "0" and not (len(ident) == 9 and ident.isdigit()):
                errors.append(f"ligne {line_no} : numéro ADELI invalide « {ident} »")
                continue
            if id_type not in ("0", "8"):
                errors.append(f"ligne {line_no} : type d'identifiant inconnu « {id_type} »")
                continue
            if not row["commune"].strip():
                report.skipped["sans commune d'exercice renseignée"] += 1
                continue
            unit, why = resolve(row["commune"], row["postal"])
            if unit is None:
                errors.append(f"ligne {line_no} : {why}")
                continue
            entries.append((ident, unit, profession))
    _raise_errors(path, errors)
    return supply_from_activities(entries, str(path), report)


def supply_from_activities(entries: list[tuple[str, int, str]], source: str,
                           report: SupplyReport) -> Supply:
    """Supply of directory activities ``(identifier, unit, profession)`` without volumes.

    Shared by the pipe-separated extraction and the FHIR Bundle of the Annuaire Santé:
    each practitioner counts for the profession's mean full-time activity, split evenly
    across their sites.
    """
    sites = Counter((ident, prof) for ident, _, prof in entries)
    pid = np.array([e[0] for e in entries], dtype=object)
    prof_arr = np.array([e[2] for e in entries], dtype=object)
    amount = np.array([PROFESSIONS[p].mean_activity / sites[(i, p)] for i, _, p in entries],
                      dtype=np.float64)
    report.kept = len(entries)
    report.approximations.append(
        "l'Annuaire Santé ne donne pas l'activité : chaque praticien compte pour l'activité "
        "moyenne d'un temps plein de sa profession, répartie entre ses lieux d'exercice")
    return Supply(pid, np.array([e[1] for e in entries], dtype=np.int64), amount, prof_arr,
                  np.full(len(entries), np.nan), False, source, report)


# ------------------------------------------------------------------- simple CSV
def read_supply_csv(path: Path, geo, *, count_teleconsultations: bool = True) -> Supply:
    """Read ``rpps,profession,commune,activity`` (or ``fte``; optional ``age``,
    ``teleconsultations``).

    ``activity`` is yearly C+V for GPs (the DREES floor/cap rules are applied), ``fte``
    is ETP (a GP ETP counts for 5 000 C+V).  ``teleconsultations`` (GPs, yearly count) is
    added to ``activity`` when ``count_teleconsultations`` (DREES 2023 vintage); it
    cannot go with ``fte``.  RPPS numbers are Luhn-checked.
    """
    path = Path(path)
    resolve = _UnitResolver(geo)
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    need = {"rpps", "profession", "commune"}
    if not need <= set(header) or not ({"activity", "fte"} & set(header)):
        raise SupplyFileError(
            f"{path.name} : l'en-tête doit contenir rpps,profession,commune et activity ou "
            f"fte (trouvé : {','.join(header) or 'fichier vide'})")
    idx = {h: i for i, h in enumerate(header)}
    value_col = "activity" if "activity" in idx else "fte"
    tele_col = "teleconsultations" if "teleconsultations" in idx else None
    if tele_col and value_col == "fte":
        raise SupplyFileError(f"{path.name} : la colonne teleconsultations s'ajoute à "
                              "activity (C+V), pas à fte")
    report = SupplyReport()
    errors: list[str] = []
    pids, units, amounts, profs, ages, teles = [], [], [], [], [], []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        if len(cells) != len(header):
            errors.append(f"ligne {line_no} : {len(cells)} champs au lieu de {len(header)}")
            continue
        get = {h: cells[i].strip() for h, i in idx.items()}
        problems = []
        if not rpps_is_valid(get["rpps"]):
            problems.append(f"numéro RPPS invalide « {get['rpps']} »")
        prof = PROFESSIONS.get(get["profession"])
        if prof is None:
            problems.append(f"profession inconnue « {get['profession']} »")
        unit, why = resolve(get["commune"], get.get("postal", ""))
        if unit is None:
            problems.append(why)
        try:
            value = float(get[value_col].replace(",", "."))
            if not np.isfinite(value) or value < 0:
                raise ValueError
        except ValueError:
            problems.append(f"{value_col} invalide « {get[value_col]} »")
            value = np.nan
        age = np.nan
        if get.get("age"):
            try:
                age = float(get["age"])
                if not 18 <= age <= 100:
                    raise ValueError
            except ValueError:
                problems.append(f"âge invalide « {get['age']} »")
        tele = np.nan
        if tele_col and get[tele_col]:
            try:
                tele = float(get[tele_col].replace(",", "."))
                if not np.isfinite(tele) or tele < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"teleconsultations invalide « {get[tele_col]} »")
            if prof is not None and prof.supply_unit != "cv" and np.isfinite(tele) \
                    and tele > 0:
                problems.append("teleconsultations : seulement pour les généralistes (C+V)")
        if problems:
            errors.append(f"ligne {line_no} : " + " ; ".join(problems))
            continue
        assert prof is not None and unit is not None
        if count_teleconsultations and np.isfinite(tele) and value_col == "activity":
            value += tele
        if value_col == "fte":
            amount = value * prof.mean_activity if prof.supply_unit == "cv" else min(
                value, prof.cap_activity)
        else:
            amount = (float(prof.effective_activity(np.array([value]))[0])
                      if prof.supply_unit == "cv" else min(value / prof.mean_activity,
                                                           prof.cap_activity))
        if amount == 0.0:
            report.skipped["sous l'activité minimale"] += 1
        pids.append(get["rpps"])
        units.append(unit)
        amounts.append(amount)
        profs.append(prof.key)
        ages.append(age)
        teles.append(tele)
    _raise_errors(path, errors)
    report.kept = len(pids)
    if tele_col:
        report.approximations.append(
            "activité des généralistes : consultations, visites et téléconsultations "
            "(comme la DREES à partir du millésime 2023)" if count_teleconsultations else
            "activité des généralistes : consultations et visites seulement, "
            "téléconsultations lues mais non comptées (millésimes DREES avant 2023)")
    return Supply(np.array(pids, dtype=object), np.array(units, dtype=np.int64),
                  np.array(amounts, dtype=np.float64), np.array(profs, dtype=object),
                  np.array(ages, dtype=np.float64), False, str(path), report,
                  np.array(teles, dtype=np.float64))


def read_supply(path: Path, geo, *, count_teleconsultations: bool = True) -> Supply:
    """Either format, recognised from the first line."""
    path = Path(path)
    if not path.exists():
        raise SupplyFileError(f"fichier introuvable : {path}")
    with path.open(encoding="utf-8-sig") as fh:
        first = fh.readline()
    if "|" in first and "Identifiant PP" in first:
        return read_annuaire_sante(path, geo)
    return read_supply_csv(path, geo, count_teleconsultations=count_teleconsultations)
