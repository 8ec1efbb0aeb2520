"""``oasis deserts``: zoning by commune, EPCI, department or region, most in need first.

Two rankings: Oasis's own score (``--method oasis``, docs/planning.md) and the ministry's
five criteria (``--method ministere``, EPCI only, docs/apl-method.md §9).  Both use the
regulatory variant of the APL by default (GPs aged 65 or less, arrêté of 13/11/2017),
and every output (table title, JSON, file metadata and column) says which variant it is.
``--official FILE`` compares an official list of EPCIs with the ranking's top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from oasis.commands.common import (
    AgesOpt,
    JsonOpt,
    OutOpt,
    ProfessionOpt,
    SeedOpt,
    SitesOpt,
    SupplyOpt,
    WeightsOpt,
    check_out,
    fr,
    load_apl,
    load_sites,
    print_json,
    records,
    spinner,
)
from oasis.commands.console import console, err, fail, fmt_int

LEVEL_LABELS = {"commune": "Commune", "epci": "EPCI", "departement": "Département",
                "region": "Région"}
METHODS = ("oasis", "ministere")
CRITERIA_LABELS = {"apl": "APL", "young_gp_share": "Part < 40 ans",
                   "ald_share": "Part ALD", "emergency_minutes": "Min. urgences",
                   "median_income": "Revenu médian"}


def _ministry_inputs(geo, income: Path | None, ald: Path | None, finess: Path | None,
                     urgences: Path | None, criteria_weights: Path | None) -> dict:
    """The five-criteria inputs from their public files (exit 2 listing bad lines)."""
    from oasis.territory import ministry
    from oasis.territory.files import DataFileError

    if urgences is not None and finess is None:
        fail("--urgences (liste des FINESS avec urgences) demande --finess FICHIER")
    try:
        emergency = ministry.read_finess_list(urgences) if urgences is not None else None
        return {
            "income": ministry.read_filosofi(income) if income is not None else None,
            "ald": ministry.read_ald(ald) if ald is not None else None,
            "emergency": (ministry.read_finess(finess, geo, emergency)
                          if finess is not None else None),
            "weights": ministry.load_criteria_weights(criteria_weights),
        }
    except DataFileError as exc:
        fail(str(exc))


def _official(path: Path | None):
    from oasis.territory.files import DataFileError
    from oasis.territory.ministry import read_official_epci

    if path is None:
        return None
    try:
        return read_official_epci(path)
    except DataFileError as exc:
        fail(str(exc))


def deserts(
    level: Annotated[str, typer.Option(help="Niveau : commune, epci, departement, region.")
                     ] = "epci",
    top: Annotated[int | None, typer.Option(
        help="Garder les N territoires les plus prioritaires (151 : taille du programme "
             "national).")] = None,
    method: Annotated[str, typer.Option(
        help="Classement : oasis (déficit × éloignement, docs/planning.md) ou ministere "
             "(cinq critères du ministère, EPCI).")] = "oasis",
    all_ages: Annotated[bool, typer.Option(
        "--sans-limite-age", help="APL sans limite d'âge des praticiens (par défaut : "
                                  "variante réglementaire du zonage, généralistes de 65 "
                                  "ans ou moins).")] = False,
    income: Annotated[Path | None, typer.Option(
        help="ministere : Filosofi INSEE par commune (CODGEO;…;MED{AA}) — revenu "
             "disponible médian.")] = None,
    ald: Annotated[Path | None, typer.Option(
        help="ministere : part de patients en ALD (open data Assurance Maladie, par "
             "commune ou département).")] = None,
    finess: Annotated[Path | None, typer.Option(
        help="ministere : extraction FINESS des établissements (etalab-cs1100507-stock).")
                      ] = None,
    urgences: Annotated[Path | None, typer.Option(
        help="ministere : numéros FINESS des établissements avec service d'urgences (sans "
             "elle : CHR et CH, approximation).")] = None,
    criteria_weights: Annotated[Path | None, typer.Option(
        help="ministere : poids des cinq critères (CSV criterion,weight ; défaut : 1/5 "
             "chacun, choix Oasis).")] = None,
    official: Annotated[Path | None, typer.Option(
        help="Liste officielle d'EPCI (SIREN) : recouvrement avec le classement.")] = None,
    ages: AgesOpt = None,
    age_weights: WeightsOpt = None,
    profession: ProfessionOpt = "generaliste",
    supply: SupplyOpt = None,
    sites: SitesOpt = None,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Déserts médicaux : APL pondérée, classes et score de priorité (docs/planning.md)."""
    from oasis.territory.zoning import LEVELS

    if level not in LEVELS:
        fail(f"niveau inconnu : « {level} » (attendu : {', '.join(LEVELS)})")
    if method not in METHODS:
        fail(f"méthode inconnue : « {method} » (attendu : {', '.join(METHODS)})")
    if method == "ministere" and level != "epci":
        fail("--method ministere classe les EPCI : utiliser --level epci")
    if method == "oasis" and any(p is not None for p in (income, ald, finess, urgences,
                                                         criteria_weights)):
        fail("--income, --ald, --finess, --urgences et --criteria-weights servent à "
             "--method ministere")
    if top is not None and top < 1:
        fail(f"--top doit être un entier positif (reçu : {top})")
    if official is not None and level != "epci":
        fail("--official compare des EPCI : utiliser --level epci")
    check_out(out)
    official_list = _official(official)
    geo, result = load_apl(profession, supply, seed, ages=ages, age_weights=age_weights,
                           regulatory=not all_ages)
    err.print(f"Variante de l'APL : [bold]{result.variant}[/]"
              + (" (zonage réglementaire)" if not all_ages else "") + ".")
    if method == "ministere":
        _ministere(geo, result, top, official_list, as_json, out,
                   _ministry_inputs(geo, income, ald, finess, urgences, criteria_weights))
    else:
        _oasis(geo, result, level, top, sites, seed, official_list, as_json, out)


def _overlap_payload(official_list, frame: pd.DataFrame, top: int | None):
    from oasis.territory.ministry import overlap

    if official_list is None:
        return None, None
    o = overlap(official_list, frame, top)
    names = dict(zip(frame["epci"].astype(str), frame["name"].astype(str), strict=True))
    payload = {"file": str(official_list.path), "official": o.official, "known": o.known,
               "top": o.top, "common": o.common, "only_official": o.only_official,
               "only_ranking": o.only_ranking, "unknown": o.unknown,
               "recall": round(o.recall, 4), "jaccard": round(o.jaccard, 4),
               "summary": o.summary()}
    return o, (payload, names)


def _print_overlap(o, names: dict[str, str], path: Path) -> None:
    console.print(f"[bold]Liste officielle[/] ({path.name}) : {o.summary()}.")
    if o.common:
        console.print("  En commun : " + ", ".join(f"{names.get(s, s)} ({s})"
                                                   for s in o.common[:20]))
    if o.only_official:
        console.print("  Officiels hors du classement : "
                      + ", ".join(f"{names.get(s, s)} ({s})" for s in o.only_official[:20]))


def _write(frame, out: Path, geo, result, meta: dict, key: str, commune: bool) -> None:
    from oasis.territory.export import write_frame

    with spinner(f"Écriture de {out.name}"):
        if commune:
            row_of = dict(zip(geo.code[result.units].astype(str), result.units.tolist(),
                              strict=True))
            rows = np.array([row_of[c] for c in frame["code"]], dtype=np.int64)
            write_frame(frame, out, geo=geo, rows=rows, metadata=meta)
        else:
            groups = pd.Series(geo.epci[result.units] if key == "epci" else
                               geo.dep[result.units] if key == "dep" else
                               geo.region[result.units]).fillna("").astype(str).tolist()
            write_frame(frame, out, geo=geo, rows=result.units, groups=groups, key=key,
                        metadata=meta)


def _ministere(geo, result, top, official_list, as_json, out, inputs) -> None:
    from rich.table import Table

    from oasis.territory.ministry import CRITERIA, ministry_ranking

    with spinner("Classement sur cinq critères"):
        ranking = ministry_ranking(result, **inputs)
    full = ranking.table.assign(variant=result.variant)
    frame = full if top is None else full.head(top)
    o, extra = _overlap_payload(official_list, full, top)
    if out is not None:
        _write(frame, out, geo, result, {"methode": "ministere", "variante": result.variant,
                                         "poids": ranking.weights, "sources": ranking.sources,
                                         "criteres_synthetiques": ranking.synthetic},
               "epci", False)
    if as_json:
        print_json({"method": "ministere", "level": "epci", "variant": result.variant,
                    "synthetic_supply": result.synthetic, "weights": ranking.weights,
                    "sources": ranking.sources, "synthetic_criteria": ranking.synthetic,
                    "overlap": extra[0] if extra else None, "rows": records(frame)})
        return
    shown = frame.head(top if top is not None else 20)
    table = Table("Rang", "EPCI", "Population", *(CRITERIA_LABELS[c] for c in CRITERIA),
                  "Score",
                  title=f"EPCI prioritaires, cinq critères du ministère — {result.variant}"
                        + (" — offre SYNTHÉTIQUE" if result.synthetic else "")
                        + f" ({len(shown)} sur {fmt_int(len(full))})")
    for rec in shown.itertuples():
        def num(v, digits=2):
            return fr(v, digits) if v is not None and np.isfinite(v) else "—"
        table.add_row(str(rec.rank), f"{rec.name} ({rec.epci})", fmt_int(int(rec.population)),
                      num(rec.apl), f"{num(100 * rec.young_gp_share, 0)} %",
                      f"{num(100 * rec.ald_share, 1)} %" if np.isfinite(rec.ald_share)
                      else "—", num(rec.emergency_minutes, 0),
                      fmt_int(round(rec.median_income)) if np.isfinite(rec.median_income)
                      else "—", fr(rec.score, 3))
    console.print(table)
    for c in CRITERIA:
        console.print(f"  {CRITERIA_LABELS[c]} (poids {fr(ranking.weights[c], 2)}) : "
                      f"{ranking.sources[c]}")
    if o is not None:
        _print_overlap(o, extra[1], official_list.path)
    if out is not None:
        console.print(f"→ {out}")


def _oasis(geo, result, level, top, sites, seed, official_list, as_json, out) -> None:
    from rich.table import Table

    from oasis.territory.zoning import LEVELS, ZoningError, zoning

    site_data = load_sites(sites, geo, seed, demo=False)
    try:
        z = zoning(result, site_data)
        full = z.priority(None, level)
    except ZoningError as exc:
        fail(str(exc))
    full = full.assign(variant=z.variant)
    frame = full if top is None else full.head(top)
    key, _ = LEVELS[level]
    o, extra = _overlap_payload(official_list, full, top) if level == "epci" else (None, None)
    if out is not None:
        meta = {"niveau": level, "offre_synthetique": result.synthetic,
                "seuils": list(result.thresholds), "score": "docs/planning.md",
                "variante": z.variant}
        _write(frame, out, geo, result, meta, key, level == "commune")
    if as_json:
        print_json({"method": "oasis", "level": level, "variant": z.variant,
                    "regulatory": z.regulatory, "synthetic_supply": result.synthetic,
                    "thresholds": list(result.thresholds),
                    "overlap": extra[0] if extra else None, "rows": records(frame)})
        return
    low, high = result.thresholds
    shown = frame.head(top if top is not None else 20)
    table = Table("Rang", LEVEL_LABELS[level], "Population", "APL",
                  f"Pop. < {fr(low)}", "Part", "Min. site", "Score",
                  title=f"Territoires prioritaires ({LEVEL_LABELS[level].lower()}), "
                        f"{len(shown)} sur {fmt_int(len(z.level(level)))} — {z.variant}")
    for rec in shown.itertuples():
        label = f"{rec.name} ({getattr(rec, key)})"
        share = (rec.pop_sous_dense / rec.population if level != "commune"
                 else float(rec.apl < low)) if rec.population else 0.0
        minutes = rec.minutes_to_site
        table.add_row(str(rec.rank), label, fmt_int(int(rec.population)), fr(rec.apl),
                      fmt_int(int(rec.pop_sous_dense if level != "commune"
                                  else rec.population * (rec.apl < low))),
                      f"{share * 100:.0f} %",
                      fr(minutes, 1) if np.isfinite(minutes) else "hors de portée",
                      fmt_int(round(rec.score)) if np.isfinite(rec.score)
                      else "hors de portée")
    console.print(table)
    under = int(z.communes.loc[z.communes["apl"] < low, "population"].sum())
    total = int(z.communes["population"].sum())
    chosen = frame["population"].sum()
    console.print(
        f"France : {fmt_int(under)} habitants sous {fr(low)} ({fr(100 * under / total, 1)} %) ; "
        f"seuil vigilance {fr(high)} ; {z.variant}. Sélection : {fmt_int(int(chosen))} "
        "habitants." + (f" → {out}" if out else ""))
    if o is not None:
        _print_overlap(o, extra[1], official_list.path)
