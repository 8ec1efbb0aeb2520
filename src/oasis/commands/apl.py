"""``oasis apl``: compute the APL of every commune, or explain one commune's value."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from oasis.commands.common import AgesOpt, WeightsOpt, fr, load_ages
from oasis.commands.console import console, err, fail, fmt_int, geography


def _write_geojson(result, frame, path: Path, extra: dict | None = None) -> None:
    """Units with their simplified boundaries (point when a unit has none)."""
    from oasis.territory.export import commune_geometries, write_geojson

    rows = result.units
    if len(frame) != len(rows):  # projection: base and horizon years, same units twice
        rows = np.concatenate([rows] * (len(frame) // len(rows)))
    write_geojson(frame, commune_geometries(result.geo, rows), path,
                  {"profession": result.profession.key,
                   "unite": result.profession.output_unit, "variante": result.variant,
                   "offre_synthetique": result.synthetic, "notes": result.notes,
                   **(extra or {})})


def _projection(result, data, prof, horizon: int, base_year: int, installs: Path | None,
                max_age: int | None):
    """The projection to ``horizon`` (a year), exit 2 on a bad year or installs file."""
    from oasis.territory.files import DataFileError
    from oasis.territory.projection import ProjectionError, project, read_installs

    if horizon < base_year:
        fail(f"--horizon {horizon} est avant l'année de départ {base_year} (--base-year)")
    try:
        table = read_installs(installs, result.geo) if installs is not None else None
        return project(result.geo, data, horizon - base_year, base_year=base_year,
                       profession=prof, installs=table, base=result, max_age=max_age)
    except (DataFileError, ProjectionError) as exc:
        fail(str(exc))


def _projection_frame(proj, result) -> pd.DataFrame:
    """Base and horizon years, one row per unit and year (``year`` on every row)."""
    frames = []
    for year in (int(proj.years[0]), int(proj.years[-1])):
        t = proj.table(year)
        t.insert(3, "dep", result.geo.dep[result.units].astype(str))
        t["variant"] = proj.variant
        t["synthetic_supply"] = proj.synthetic
        frames.append(t)
    return pd.concat(frames, ignore_index=True) if proj.years[0] != proj.years[-1] \
        else frames[0]


def apl(
    profession: Annotated[str, typer.Option(help="Profession : generaliste, infirmier, "
                                                 "masseur_kinesitherapeute, sage_femme, "
                                                 "chirurgien_dentiste, ophtalmologue, "
                                                 "dermatologue.")] = "generaliste",
    supply: Annotated[Path | None, typer.Option(
        help="Offre : extraction Annuaire Santé PS_LibreAcces_Personne_activite (séparateur |), "
             "Bundle FHIR de l'Annuaire Santé (JSON) "
             "ou CSV rpps,profession,commune,activity|fte. Sans ce fichier : offre "
             "SYNTHÉTIQUE de démonstration.")] = None,
    matrix: Annotated[Path | None, typer.Option(
        help="Matrice origine–destination réelle (CSV/Parquet origin,destination,minutes) ; "
             "sans elle : modèle de temps de trajet d'Oasis.")] = None,
    seed: Annotated[int, typer.Option(help="Graine de l'offre synthétique.")] = 0,
    max_age: Annotated[int | None, typer.Option(
        help="Variante zonage : ne pas compter les praticiens plus âgés (ex. 65).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Fichier de sortie .csv, .parquet ou .geojson.")] = None,
    commune: Annotated[str | None, typer.Option(
        help="Expliquer la valeur d'une commune (code INSEE ; arrondissement pour Paris, "
             "Lyon, Marseille).")] = None,
    ages: AgesOpt = None,
    age_weights: WeightsOpt = None,
    horizon: Annotated[int | None, typer.Option(
        help="Projeter l'APL jusqu'à cette année (vieillissement et départs des praticiens, "
             "docs/apl-method.md §8).")] = None,
    installs: Annotated[Path | None, typer.Option(
        help="Installations prévues pour la projection : CSV commune,year,profession,count "
             "(sans ce fichier : aucune installation).")] = None,
    base_year: Annotated[int | None, typer.Option(
        help="Année de départ de la projection (âges de l'offre) ; défaut : l'année en "
             "cours.")] = None,
) -> None:
    """APL (accessibilité potentielle localisée, méthode DREES) de chaque commune."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from oasis.territory.apl import AplInputError, compute
    from oasis.territory.professions import UnknownProfessionError, get_profession
    from oasis.territory.supply import SupplyFileError, unit_positions
    from oasis.territory.supply_fhir import DirectoryBundleError, read_any_supply
    from oasis.territory.synthetic import synthetic_supply
    from oasis.territory.travel import ODMatrixError, read_od_matrix

    if out is None and commune is None:
        fail("préciser --out FICHIER (.csv, .parquet, .geojson) ou --commune CODE")
    if out is not None and out.suffix not in (".csv", ".parquet", ".geojson"):
        fail(f"format de sortie non pris en charge : « {out.suffix} » (.csv, .parquet, .geojson)")
    try:
        prof = get_profession(profession)
    except UnknownProfessionError as exc:
        fail(str(exc))
    if installs is not None and horizon is None:
        fail("--installs n'a de sens qu'avec --horizon ANNÉE")
    base_year = base_year if base_year is not None else date.today().year
    geo = geography()
    structure = load_ages(geo, ages, age_weights)
    units, pos = unit_positions(geo)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("Offre de soins", total=None)
        try:
            if supply is None:
                data = synthetic_supply(geo.population[units], prof, seed=seed)
            else:
                data = read_any_supply(supply, geo)
            progress.update(task, description="Temps de trajet")
            travel = None
            if matrix is not None:
                travel = read_od_matrix(matrix, pos, len(units), prof.max_minutes)
            progress.update(task, description="Calcul de l'APL")
            result = compute(geo, data, prof, travel, max_age=max_age, ages=structure)
        except (SupplyFileError, DirectoryBundleError, ODMatrixError, AplInputError) as exc:
            fail(str(exc))
    if supply is None:
        err.print("[yellow]Offre SYNTHÉTIQUE de démonstration[/] (pas de --supply) : "
                  f"{fmt_int(len(data))} praticiens tirés au sort, graine {seed} — "
                  f"{prof.synthetic_source}.")
    elif data.report is not None:
        err.print(f"Offre : {data.report.summary()}.")
    for note in result.notes:
        if "SYNTHÉTIQUE" not in note:
            err.print(f"[dim]Note : {note}[/]")
    err.print(f"Variante : {result.variant}.")
    if horizon is not None:
        _report_projection(_projection(result, data, prof, horizon, base_year, installs,
                                       max_age), result, commune, out)
        return
    if commune is not None:
        try:
            ex = result.explain(commune)
        except (AplInputError, LookupError, ValueError) as exc:
            fail(str(exc))
        console.print(f"[bold]{ex.name} ({ex.code})[/] — APL {prof.label.lower()} : "
                      f"[bold]{ex.apl:.3f}[/] {ex.unit} ; demande standardisée "
                      f"{fmt_int(round(ex.demand))}.")
        table = Table("Commune d'exercice", "Minutes", "Poids", "Offre", "Demande atteinte",
                      "Contribution", title="Lieux d'exercice atteints")
        for rec in ex.sites.itertuples():
            table.add_row(f"{rec.name} ({rec.code})", f"{rec.minutes:.1f}", f"{rec.weight:.3f}",
                          fmt_int(round(rec.supply)) if prof.supply_unit == "cv"
                          else f"{rec.supply:.2f}", fmt_int(round(rec.reached_demand)),
                          f"{rec.contribution:.4f}")
        console.print(table)
        shown = ex.practitioners.head(30)
        ptable = Table("Praticien", "Commune", "Minutes", "Poids", "Activité", "Contribution",
                       title=f"Praticiens ({len(ex.practitioners)}, 30 premiers)")
        for rec in shown.itertuples():
            ptable.add_row(rec.pid, rec.name, f"{rec.minutes:.1f}", f"{rec.weight:.3f}",
                           f"{rec.amount:.0f}" if prof.supply_unit == "cv"
                           else f"{rec.amount:.2f}", f"{rec.contribution:.4f}")
        console.print(ptable)
        console.print(f"Somme des contributions : {ex.total:.3f} (= APL). Poids par tranche : "
                      + ", ".join(f"≤ {u:g} min → {w:.3f}" for u, w in
                                  zip(prof.band_upper_min, prof.band_weight, strict=True)))
    if out is not None:
        frame = result.table()
        frame["variant"] = result.variant
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            progress.add_task(f"Écriture de {out.name}", total=None)
            if out.suffix == ".csv":
                frame.to_csv(out, index=False)
            elif out.suffix == ".parquet":
                frame.to_parquet(out, index=False)
            else:
                _write_geojson(result, frame, out)
        counts = frame["apl_class"].value_counts()
        low, high = result.thresholds
        console.print(
            f"{fmt_int(len(frame))} unités → {out} ; APL moyenne pondérée "
            f"{result.national_mean():.3f} ({prof.output_unit}) ; sous-dense (< {low:.2f}) : "
            f"{fmt_int(int(counts.get('sous-dense', 0)))} ; vigilance (< {high:.2f}) : "
            f"{fmt_int(int(counts.get('vigilance', 0)))} ; variante : {result.variant}.")


def _report_projection(proj, result, commune: str | None, out: Path | None) -> None:
    """National figures per year, one commune over the years, the file of both years."""
    from rich.table import Table

    from oasis.territory.projection import ProjectionError

    for note in proj.notes:
        err.print(f"[dim]Projection : {note}[/]")
    first, last = int(proj.years[0]), int(proj.years[-1])
    unit = proj.profession.output_unit
    nat = proj.national()
    table = Table("Année", f"APL nationale ({unit})", "Praticiens (espérance)",
                  "Population sous-dense",
                  title=f"Projection {first}–{last} — {proj.profession.label.lower()}, "
                        f"{proj.variant}" + (" — offre SYNTHÉTIQUE" if proj.synthetic else ""))
    for rec in nat.itertuples():
        table.add_row(str(rec.year), fr(rec.apl_national, 3), fr(rec.practitioners, 1),
                      f"{fr(100 * rec.share_sous_dense, 1)} %")
    console.print(table)
    if commune is not None:
        try:
            frame = proj.commune(commune)
        except (ProjectionError, LookupError, ValueError) as exc:
            fail(str(exc))
        name = result.geo.name[result.geo.row(commune)]
        values = frame["apl"].to_numpy()
        console.print(f"[bold]{name} ({commune})[/] — APL {first} : {fr(values[0], 3)} ; "
                      f"APL {last} : [bold]{fr(values[-1], 3)}[/] {unit} "
                      f"({proj.variant}).")
        console.print("  " + " · ".join(f"{y} : {fr(v, 3)}" for y, v in
                                        zip(frame["year"], values, strict=True)))
    if out is not None:
        frame = _projection_frame(proj, result)
        if out.suffix == ".csv":
            frame.to_csv(out, index=False)
        elif out.suffix == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            _write_geojson(result, frame, out, {"annees": [first, last]})
        console.print(f"{fmt_int(len(result.units))} unités × années {first} et {last} → "
                      f"{out} ; APL nationale {first} : {fr(nat['apl_national'].iloc[0], 3)}, "
                      f"{last} : {fr(nat['apl_national'].iloc[-1], 3)} ({unit}) ; variante : "
                      f"{proj.variant}.")
