"""``oasis apl``: compute the APL of every commune, or explain one commune's value."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oasis.commands.console import console, err, fail, fmt_int, geography


def _write_geojson(result, path: Path) -> None:
    """Units with their simplified boundaries (point when a unit has none)."""
    from oasis.territory.export import commune_geometries, write_geojson

    write_geojson(result.table(), commune_geometries(result.geo, result.units), path,
                  {"profession": result.profession.key,
                   "unite": result.profession.output_unit,
                   "offre_synthetique": result.synthetic, "notes": result.notes})


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
    geo = geography()
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
            result = compute(geo, data, prof, travel, max_age=max_age)
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
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            progress.add_task(f"Écriture de {out.name}", total=None)
            if out.suffix == ".csv":
                frame.to_csv(out, index=False)
            elif out.suffix == ".parquet":
                frame.to_parquet(out, index=False)
            else:
                _write_geojson(result, out)
        counts = frame["apl_class"].value_counts()
        low, high = result.thresholds
        console.print(
            f"{fmt_int(len(frame))} unités → {out} ; APL moyenne pondérée "
            f"{result.national_mean():.3f} ({prof.output_unit}) ; sous-dense (< {low:.2f}) : "
            f"{fmt_int(int(counts.get('sous-dense', 0)))} ; vigilance (< {high:.2f}) : "
            f"{fmt_int(int(counts.get('vigilance', 0)))}.")
