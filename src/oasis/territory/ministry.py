"""The ministry's five-criteria priority ranking of EPCIs ('ministere' method).

In June 2025 the ministry published 151 priority EPCIs (« zones rouges ») chosen, with
the ARS and prefects, on five criteria: access to GPs (DREES APL), presence of young
doctors, share of patients in ALD, distance to emergency care, standard of living.  The
weights were not published.  Oasis ranks EPCIs on the same five criteria:

    need_c(e) = percentile rank of EPCI e on criterion c, 1 = worst (ties averaged)
    score(e)  = Σ_c weight_c · need_c(e)

with the weights of ``data/rules/ministry_criteria_weights.csv`` (equal, 1/5 each: an
**Oasis choice**, overridable).  Commune values are aggregated to the EPCI as
population-weighted means.  Each criterion says where it comes from; a missing input
file gives a labelled default (see :data:`DEFAULT_LABELS`), never a silent one.

Importers, each for the file in its public form:

* :func:`read_filosofi` — INSEE Filosofi commune file (``CODGEO`` and ``MED{YY}`` or
  ``Q2{YY}``: median disposable income per consumption unit; secret cells ``s``/``nd``);
* :func:`read_finess` — the FINESS establishments extraction (etalab
  ``etalab-cs1100507-stock-*.csv``: ';'-separated ``structureet`` lines, no header),
  with :func:`read_finess_list` for the FINESS numbers that have an emergency department;
* :func:`read_ald` — Assurance Maladie open data, ALD share by commune or department
  (a share column ``prev``/``part_ald``/``taux_ald`` in %, or counts ``ntop``/``npop``);
* :func:`read_official_epci` — the official list (SIREN codes), and :func:`overlap`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oasis.territory.codes import InvalidCodeError, luhn_ok, normalise_insee
from oasis.territory.files import DataFileError, Problem, parse_number, rows
from oasis.territory.sites import nearest_site

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
DEFAULT_WEIGHTS_FILE = RULES_DIR / "ministry_criteria_weights.csv"
CRITERIA = ("apl", "young_gp_share", "ald_share", "emergency_minutes", "median_income")
# Direction: True when a higher value means more need.
HIGHER_IS_WORSE = {"apl": False, "young_gp_share": False, "ald_share": True,
                   "emergency_minutes": True, "median_income": False}
YOUNG_GP_AGE = 40  # "young doctor": under 40 (Oasis choice; the ministry's cut not found)
SYNTHETIC_EMERGENCY_MIN_POP = 20_000  # proxy: every unit of ≥ 20 000 inhabitants
# FINESS categories used as a proxy when no list of emergency departments is given:
# 101 Centre Hospitalier Régional, 355 Centre Hospitalier (Oasis approximation).
PROXY_EMERGENCY_CATEGORIES = ("101", "355")
DEFAULT_LABELS = {
    "median_income": "absent : critère neutre (même valeur partout), fichier Filosofi à "
                     "fournir",
    "ald_share": "absent : critère neutre (même valeur partout), fichier ALD de "
                 "l'Assurance Maladie à fournir",
    "emergency_minutes": "SYNTHÉTIQUE : temps jusqu'à la commune de 20 000 habitants ou "
                         "plus la plus proche (approximation Oasis), fichier FINESS à "
                         "fournir",
}


class MinistryFileError(DataFileError):
    """A malformed input of the five-criteria ranking (path and bad lines)."""


@dataclass(frozen=True)
class CommuneValues:
    """One value per commune code, read from a public file."""

    path: Path
    codes: np.ndarray
    values: np.ndarray  # float64, NaN where the source is secret/missing
    label: str


@dataclass(frozen=True)
class AreaShares:
    """ALD share (0–1) per commune or department."""

    path: Path
    level: str  # "commune" | "departement"
    codes: np.ndarray
    share: np.ndarray
    label: str


@dataclass(frozen=True)
class EmergencySites:
    """Establishments with an emergency department, at their commune's point."""

    path: Path
    finess: np.ndarray
    codes: np.ndarray
    label: str


@dataclass(frozen=True)
class OfficialList:
    path: Path
    sirens: np.ndarray
    lines: np.ndarray


# ------------------------------------------------------------------- importers
def _col(upper: list[str], *names: str) -> int | None:
    for n in names:
        if n.upper() in upper:
            return upper.index(n.upper())
    return None


def read_filosofi(path: Path | str, year: int | None = None) -> CommuneValues:
    """INSEE Filosofi by commune: median disposable income per consumption unit."""
    path = Path(path)
    header, lines = rows(path)
    upper = [h.upper() for h in header]
    cands = [h for h in upper if (h.startswith("MED") or h.startswith("Q2"))
             and h[-2:].isdigit() and len(h) in (5, 4)]
    if year is not None:
        yy = f"{int(year) % 100:02d}"
        cands = [h for h in cands if h.endswith(yy)]
    ic = _col(upper, "CODGEO", "COM", "CODE_COMMUNE")
    if ic is None or not cands:
        raise MinistryFileError(path, "ce n'est pas un fichier Filosofi par commune "
                                      "(colonnes CODGEO et MED{AA} ou Q2{AA} attendues)")
    col = max(cands, key=lambda h: (h[-2:], h.startswith("MED")))
    iv = upper.index(col)
    codes, values, problems = [], [], []
    seen: set[str] = set()
    for line_no, cells in lines:
        if len(cells) != len(header):
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {len(header)}"))
            continue
        why = []
        try:
            code = normalise_insee(cells[ic])
            if code in seen:
                why.append(f"commune {code} en double")
        except InvalidCodeError as exc:
            why.append(str(exc))
            code = ""
        text = cells[iv].strip()
        value = np.nan
        if text.lower() not in ("", "s", "nd", "na", "n.d."):
            try:
                value = parse_number(text)
                if value <= 0:
                    raise ValueError
            except ValueError:
                why.append(f"{col} invalide « {text} »")
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        seen.add(code)
        codes.append(code)
        values.append(value)
    if problems:
        raise MinistryFileError(path, problems)
    return CommuneValues(path, np.array(codes, dtype=object), np.array(values, dtype=float),
                         f"INSEE Filosofi {col} ({path.name})")


def read_ald(path: Path | str) -> AreaShares:
    """ALD share by commune or department (Assurance Maladie open data)."""
    path = Path(path)
    header, lines = rows(path)
    upper = [h.upper() for h in header]
    i_dep = _col(upper, "DEPT", "DEPARTEMENT", "CODE_DEPARTEMENT", "DEP")
    i_com = _col(upper, "CODGEO", "COMMUNE", "CODE_COMMUNE", "COM")
    i_share = _col(upper, "PART_ALD", "TAUX_ALD", "PREV")
    i_num, i_den = _col(upper, "NTOP", "ALD", "NB_ALD"), _col(upper, "NPOP", "POPULATION")
    filters = [(i, ok) for i, ok in ((_col(upper, "CLA_AGE_5"), ("TSAGE", "TOUS AGES")),
                                     (_col(upper, "SEXE"), ("9",))) if i is not None]
    level_col = i_com if i_com is not None else i_dep
    if level_col is None or (i_share is None and (i_num is None or i_den is None)):
        raise MinistryFileError(path, "colonnes attendues : un code (dept ou commune) et "
                                      "prev/part_ald/taux_ald (en %) ou ntop et npop")
    level = "commune" if i_com is not None else "departement"
    codes, shares, problems = [], [], []
    seen: set[str] = set()
    for line_no, cells in lines:
        if len(cells) != len(header):
            problems.append(Problem(line_no, f"{len(cells)} champs au lieu de {len(header)}"))
            continue
        if any(cells[i].strip().upper() not in ok for i, ok in filters):
            continue
        raw = cells[level_col].strip().upper()
        why = []
        if level == "commune":
            try:
                code = normalise_insee(raw)
            except InvalidCodeError as exc:
                why.append(str(exc))
                code = ""
        else:
            code = raw.zfill(2) if raw.isdigit() and len(raw) < 2 else raw
            if not (len(code) in (2, 3) and (code.isdigit() or code in ("2A", "2B"))):
                why.append(f"département invalide « {raw} »")
            if code == "999":  # national total line of the Assurance Maladie files
                continue
        if code and code in seen:
            why.append(f"{code} en double")
        try:
            if i_share is not None:
                share = parse_number(cells[i_share]) / 100.0
            else:
                den = parse_number(cells[i_den])
                share = parse_number(cells[i_num]) / den if den > 0 else np.nan
            if not 0.0 <= share <= 1.0:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            why.append("part de patients en ALD invalide (0 à 100 %)")
            share = np.nan
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        seen.add(code)
        codes.append(code)
        shares.append(share)
    if problems:
        raise MinistryFileError(path, problems)
    if not codes:
        raise MinistryFileError(path, "aucune ligne retenue (tous âges, deux sexes)")
    return AreaShares(path, level, np.array(codes, dtype=object), np.array(shares),
                      f"Assurance Maladie, part de patients en ALD par {level} ({path.name})")


def read_finess_list(path: Path | str) -> set[str]:
    """FINESS numbers (one per line, or a column finess/nofinesset/nofinessej)."""
    path = Path(path)
    header, lines = rows(path)
    upper = [h.upper() for h in header]
    i = _col(upper, "NOFINESSET", "FINESS", "NOFINESS", "NOFINESSEJ")
    if i is None and len(header) == 1:
        i, lines = 0, [(1, header), *lines]
    if i is None:
        raise MinistryFileError(path, "colonne finess (ou nofinesset) attendue")
    out, problems = set(), []
    for line_no, cells in lines:
        n = cells[i].strip().upper() if i < len(cells) else ""
        if not _finess_ok(n):
            problems.append(Problem(line_no, f"numéro FINESS invalide « {n} »"))
            continue
        out.add(n)
    if problems:
        raise MinistryFileError(path, problems)
    return out


def _finess_ok(n: str) -> bool:
    if len(n) != 9:
        return False
    if n[:2] in ("2A", "2B"):
        return n[2:].isdigit()
    return n.isdigit() and luhn_ok(n)


def _finess_insee(dep: str, commune: str) -> str:
    """FINESS (département, 3-digit commune) → INSEE code; overseas 9A…9F → 97x."""
    dep, commune = dep.strip().upper(), commune.strip()
    if len(dep) == 2 and dep[0] == "9" and dep[1].isalpha():
        return "97" + commune
    return dep.zfill(2) + commune.zfill(3)


# etalab FINESS stock file, "structureet" lines (fields by position, as published).
_F_NOFINESSET, _F_COMMUNE, _F_DEPARTEMENT, _F_CATEG = 1, 12, 13, 18
_F_MIN_FIELDS = 19


def read_finess(path: Path | str, geo, emergency: set[str] | None = None) -> EmergencySites:
    """Establishments of the FINESS extraction that have an emergency department.

    ``emergency`` is the set of FINESS numbers with an emergency department (e.g. from the
    ARS authorisations of « médecine d'urgence », :func:`read_finess_list`); without it,
    every CHR and CH (:data:`PROXY_EMERGENCY_CATEGORIES`) counts, an approximation said in
    the label.  Sites are placed at their commune's point.
    """
    path = Path(path)
    header, lines = rows(path, delimiter=";")
    all_lines = [(1, header), *lines]
    if not any(c and c[0].strip() == "structureet" for _, c in all_lines[:50]):
        raise MinistryFileError(path, "ce n'est pas une extraction FINESS (lignes "
                                      "« structureet » attendues)")
    problems, finess, codes = [], [], []
    for line_no, cells in all_lines:
        if not cells or cells[0].strip() != "structureet":
            continue
        if len(cells) < _F_MIN_FIELDS:
            problems.append(Problem(line_no, f"{len(cells)} champs, au moins "
                                             f"{_F_MIN_FIELDS} attendus"))
            continue
        n = cells[_F_NOFINESSET].strip().upper()
        keep = (n in emergency) if emergency is not None else (
            cells[_F_CATEG].strip() in PROXY_EMERGENCY_CATEGORIES)
        if not keep:
            continue
        why = []
        if not _finess_ok(n):
            why.append(f"numéro FINESS invalide « {n} »")
        code = _finess_insee(cells[_F_DEPARTEMENT], cells[_F_COMMUNE])
        if code not in geo.index:
            why.append(f"commune {code} inconnue")
        if why:
            problems.append(Problem(line_no, " ; ".join(why)))
            continue
        finess.append(n)
        codes.append(code)
    if problems:
        raise MinistryFileError(path, problems)
    if emergency is not None:
        absent = sorted(emergency - set(finess))
        if absent:
            raise MinistryFileError(path, "numéros FINESS de la liste des urgences absents "
                                          "de l'extraction : " + ", ".join(absent[:20]))
        label = f"FINESS ({path.name}), {len(finess)} établissements avec urgences"
    else:
        label = (f"FINESS ({path.name}) : {len(finess)} CHR et CH, approximation des "
                 "services d'urgences (liste des autorisations non fournie)")
    return EmergencySites(path, np.array(finess, dtype=object), np.array(codes, dtype=object),
                          label)


def read_official_epci(path: Path | str) -> OfficialList:
    """The official list of EPCIs: SIREN codes, one per line or in a siren/epci column."""
    path = Path(path)
    header, lines = rows(path)
    upper = [h.upper() for h in header]
    i = _col(upper, "SIREN", "EPCI", "CODE_EPCI", "SIREN_EPCI")
    if i is None:
        if len(header) >= 1 and header[0].strip().isdigit():
            i, lines = 0, [(1, header), *lines]
        else:
            raise MinistryFileError(path, "colonne siren (ou epci) attendue")
    sirens, line_nos, problems = [], [], []
    seen: dict[str, int] = {}
    for line_no, cells in lines:
        s = cells[i].strip() if i < len(cells) else ""
        if not (len(s) == 9 and s.isdigit() and luhn_ok(s)):
            problems.append(Problem(line_no, f"SIREN invalide « {s} » (9 chiffres, clé de "
                                             "Luhn)"))
            continue
        if s in seen:
            problems.append(Problem(line_no, f"SIREN {s} déjà donné ligne {seen[s]}"))
            continue
        seen[s] = line_no
        sirens.append(s)
        line_nos.append(line_no)
    if problems:
        raise MinistryFileError(path, problems)
    return OfficialList(path, np.array(sirens, dtype=object), np.array(line_nos))


def load_criteria_weights(path: Path | str | None = None) -> dict[str, float]:
    """``criterion,weight,…`` for the five criteria; weights ≥ 0, summing to > 0."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS_FILE
    header, lines = rows(path)
    low = [h.lower() for h in header]
    if "criterion" not in low or "weight" not in low:
        raise MinistryFileError(path, "en-tête attendu : criterion,weight[,…]")
    ic, iw = low.index("criterion"), low.index("weight")
    out, problems = {}, []
    for line_no, cells in lines:
        c = cells[ic].strip() if ic < len(cells) else ""
        try:
            w = parse_number(cells[iw])
            if w < 0:
                raise ValueError
        except (ValueError, IndexError):
            problems.append(Problem(line_no, "poids invalide"))
            continue
        if c not in CRITERIA:
            problems.append(Problem(line_no, f"critère inconnu « {c} » (attendu : "
                                             + ", ".join(CRITERIA) + ")"))
            continue
        out[c] = w
    missing = [c for c in CRITERIA if c not in out]
    if missing and not problems:
        problems.append(Problem(0, "critères sans poids : " + ", ".join(missing)))
    if problems:
        raise MinistryFileError(path, problems)
    if sum(out.values()) <= 0:
        raise MinistryFileError(path, "la somme des poids doit être positive")
    return out


# ------------------------------------------------------------------- ranking
@dataclass
class MinistryRanking:
    """EPCIs ranked by the five-criteria score; ``sources`` says where each comes from."""

    table: pd.DataFrame
    weights: dict[str, float]
    sources: dict[str, str]
    synthetic: list[str] = field(default_factory=list)  # criteria not from a real file

    def top(self, n: int) -> pd.DataFrame:
        return self.table.head(n)


def _commune_values(codes_units: np.ndarray, values: CommuneValues | None) -> np.ndarray:
    out = np.full(len(codes_units), np.nan)
    if values is None:
        return out
    where = dict(zip(values.codes.tolist(), values.values.tolist(), strict=True))
    return np.array([where.get(c, np.nan) for c in codes_units.tolist()])


def ministry_ranking(result, *, income: CommuneValues | None = None,
                     ald: AreaShares | None = None, emergency: EmergencySites | None = None,
                     weights: dict[str, float] | None = None,
                     young_age: int = YOUNG_GP_AGE) -> MinistryRanking:
    """Five-criteria ranking of the EPCIs from an APL result (module docstring).

    ``result`` should be the regulatory variant (:func:`zoning.regulatory_apl`); its
    supply's ages give the young-GP criterion.
    """
    weights = dict(weights) if weights is not None else load_criteria_weights()
    unknown = set(weights) - set(CRITERIA)
    if unknown:
        raise ValueError("critères inconnus : " + ", ".join(sorted(unknown)))
    geo, rows_ = result.geo, result.units
    codes = geo.code[rows_].astype(str).astype(object)
    pop = result.population.astype(np.float64)
    epci = pd.Series(geo.epci[rows_]).fillna("").astype(str).to_numpy()
    parent = pd.Series(geo.parent[rows_]).fillna("").astype(str).to_numpy()
    sources = {"apl": f"APL ({result.variant})"}
    synthetic: list[str] = []
    if result.synthetic:
        sources["apl"] += ", offre SYNTHÉTIQUE"
        synthetic.append("apl")
    # Young GPs: share of the profession's practitioners under young_age, per EPCI.
    sup = result.supply
    age = sup.age if sup.age is not None else np.full(len(sup), np.nan)
    known = np.isfinite(age)
    n = len(rows_)
    all_known = np.bincount(sup.unit[known], minlength=n).astype(float)
    young = np.bincount(sup.unit[known & (age < young_age)], minlength=n).astype(float)
    sources["young_gp_share"] = (f"âges des praticiens de l'offre (moins de {young_age} ans)"
                                 + (", SYNTHÉTIQUES" if result.synthetic else ""))
    if result.synthetic:
        synthetic.append("young_gp_share")
    if not known.any():
        sources["young_gp_share"] = "absent : âges des praticiens inconnus, critère neutre"
        synthetic.append("young_gp_share")
    # Income, with arrondissements taking their city's value when only the city is given.
    inc = _commune_values(codes, income)
    if income is not None:
        miss = ~np.isfinite(inc) & (parent != "")
        if miss.any():
            inc[miss] = _commune_values(parent[miss].astype(object), income)
        sources["median_income"] = income.label
    else:
        sources["median_income"] = DEFAULT_LABELS["median_income"]
        synthetic.append("median_income")
    # ALD share.
    if ald is not None:
        keys = codes if ald.level == "commune" else geo.dep[rows_].astype(str)
        where = dict(zip(ald.codes.tolist(), ald.share.tolist(), strict=True))
        ald_v = np.array([where.get(k, np.nan) for k in keys.tolist()])
        sources["ald_share"] = ald.label
    else:
        ald_v = np.full(n, np.nan)
        sources["ald_share"] = DEFAULT_LABELS["ald_share"]
        synthetic.append("ald_share")
    # Emergency: minutes to the nearest site.
    if emergency is not None:
        site_rows = np.array([geo.index[c] for c in emergency.codes.tolist()], dtype=np.int64)
        sources["emergency_minutes"] = emergency.label
    else:
        site_rows = rows_[pop >= SYNTHETIC_EMERGENCY_MIN_POP]
        sources["emergency_minutes"] = DEFAULT_LABELS["emergency_minutes"]
        synthetic.append("emergency_minutes")
    minutes, _ = nearest_site(geo.lat[rows_], geo.lon[rows_], geo.lat[site_rows],
                              geo.lon[site_rows])

    frame = pd.DataFrame({"epci": epci, "pop": pop, "wapl": pop * result.apl,
                          "young": young, "known": all_known,
                          "winc": pop * np.nan_to_num(inc), "pinc": pop * np.isfinite(inc),
                          "wald": pop * np.nan_to_num(ald_v), "pald": pop * np.isfinite(ald_v),
                          "wmin": pop * np.where(np.isfinite(minutes), minutes, 0.0)})
    frame = frame[frame["epci"] != ""]
    g = frame.groupby("epci", sort=True).sum()
    safe = g["pop"].where(g["pop"] > 0, 1.0)
    out = pd.DataFrame({"epci": g.index.to_numpy()})
    names = pd.Series(geo.epci_name[rows_]).fillna("").astype(str).to_numpy()
    first_name = pd.Series(names, index=epci).groupby(level=0).first()
    out["name"] = first_name.reindex(out["epci"]).to_numpy()
    out["population"] = g["pop"].to_numpy()
    out["apl"] = (g["wapl"] / safe).to_numpy()
    out["young_gp_share"] = np.divide(g["young"].to_numpy(), g["known"].to_numpy(),
                                      out=np.zeros(len(g)), where=g["known"].to_numpy() > 0)
    out["median_income"] = np.divide(g["winc"].to_numpy(), g["pinc"].to_numpy(),
                                     out=np.full(len(g), np.nan), where=g["pinc"].to_numpy() > 0)
    out["ald_share"] = np.divide(g["wald"].to_numpy(), g["pald"].to_numpy(),
                                 out=np.full(len(g), np.nan), where=g["pald"].to_numpy() > 0)
    out["emergency_minutes"] = (g["wmin"] / safe).to_numpy()
    total_w = sum(weights.values())
    score = np.zeros(len(out))
    for c in CRITERIA:
        w = weights.get(c, 0.0) / total_w
        values = out[c]
        if (c in ("median_income", "ald_share") and c in synthetic) or values.isna().all() or (
                c == "young_gp_share" and "absent" in sources[c]):
            need = pd.Series(0.5, index=out.index)
        else:
            filled = values.fillna(values.median())
            need = filled.rank(pct=True, ascending=HIGHER_IS_WORSE[c], method="average")
        out["need_" + c] = need.to_numpy()
        score += w * need.to_numpy()
    out["score"] = score
    out = out.sort_values(["score", "apl"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.reset_index(drop=True)
    out["synthetic_criteria"] = ",".join(synthetic)
    out.attrs.update(method="ministere", variant=result.variant, weights=weights,
                     sources=sources, synthetic=synthetic)
    return MinistryRanking(out, weights, sources, synthetic)


# ------------------------------------------------------------------- overlap
@dataclass(frozen=True)
class Overlap:
    """How an official list and a ranking's top agree."""

    official: int  # SIRENs in the list
    known: int  # of which EPCIs of the geography
    top: int  # size of the ranking's top compared
    common: list[str]
    only_official: list[str]
    only_ranking: list[str]
    unknown: list[str]  # official SIRENs absent from the geography

    @property
    def recall(self) -> float:
        """Share of the (known) official EPCIs found in the ranking's top."""
        return len(self.common) / self.known if self.known else 0.0

    @property
    def jaccard(self) -> float:
        union = len(self.common) + len(self.only_official) + len(self.only_ranking)
        return len(self.common) / union if union else 0.0

    def summary(self) -> str:
        return (f"{len(self.common)} EPCI en commun sur {self.known} de la liste officielle "
                f"({self.recall:.0%}) et les {self.top} premiers du classement ; "
                f"indice de Jaccard {self.jaccard:.2f}"
                + (f" ; {len(self.unknown)} SIREN inconnus de la géographie"
                   if self.unknown else ""))


def overlap(official: OfficialList, ranking: pd.DataFrame, top: int | None = None
            ) -> Overlap:
    """Compare the official list with the first ``top`` EPCIs of a ranking (a frame with
    ``epci`` in rank order: :class:`MinistryRanking`.table or ``Zoning.priority()``);
    ``top`` defaults to the list's size."""
    listed = [str(s) for s in official.sirens]
    all_epci = set(ranking["epci"].astype(str))
    known = [s for s in listed if s in all_epci]
    unknown = [s for s in listed if s not in all_epci]
    top = len(known) if top is None else int(top)
    head = [str(e) for e in ranking["epci"].head(top)]
    head_set, known_set = set(head), set(known)
    return Overlap(len(listed), len(known), top,
                   [s for s in known if s in head_set],
                   [s for s in known if s not in head_set],
                   [e for e in head if e not in known_set], unknown)


# ------------------------------------------------------------------- planners' page
SYNTHETIC_LABEL = "donnée synthétique"


@dataclass(frozen=True)
class MinistryFiles:
    """The public files the planners' page ranks with (None: not loaded)."""

    income: Path | None = None
    ald: Path | None = None
    finess: Path | None = None
    urgences: Path | None = None
    official: Path | None = None
    weights: Path | None = None


def page_inputs(files: MinistryFiles, geo) -> dict:
    """The :func:`ministry_ranking` keyword arguments read from ``files`` (a bad file
    raises :class:`MinistryFileError` listing its bad lines, as on the command line)."""
    emergency = read_finess_list(files.urgences) if files.urgences is not None else None
    return {"income": read_filosofi(files.income) if files.income is not None else None,
            "ald": read_ald(files.ald) if files.ald is not None else None,
            "emergency": (read_finess(files.finess, geo, emergency)
                          if files.finess is not None else None),
            "weights": load_criteria_weights(files.weights)}


def criterion_source(ranking: MinistryRanking, criterion: str) -> str:
    """Where a criterion's values come from, « donnée synthétique » first when no real
    file gave them."""
    source = ranking.sources.get(criterion, "")
    return f"{SYNTHETIC_LABEL} — {source}" if criterion in ranking.synthetic else source
