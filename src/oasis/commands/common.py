"""Pieces the planning commands share: APL on demo or file supply, sites, output."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from oasis.commands.console import err, fail, fmt_int, geography

ProfessionOpt = Annotated[str, typer.Option(help="Profession de l'APL (generaliste, "
                                                 "infirmier…).")]
SupplyOpt = Annotated[Path | None, typer.Option(
    help="Offre (Annuaire Santé ou CSV rpps,profession,commune,activity) ; sans ce fichier : "
         "offre SYNTHÉTIQUE de démonstration.")]
SeedOpt = Annotated[int, typer.Option(help="Graine de l'offre et des sites synthétiques.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]
OutOpt = Annotated[Path | None, typer.Option(help="Fichier de sortie .csv, .parquet ou "
                                                  ".geojson (contours des communes).")]
SitesOpt = Annotated[Path | None, typer.Option(
    help="Sites de soins, CSV id,name,commune,lat,lon,kind (kind : msp, centre_sante, "
         "cabinet, hopital_proximite, ett ; lat/lon vides → point de la commune).")]


@contextmanager
def spinner(label: str):
    """Rich spinner on stderr for steps that may exceed ~2 s."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda text: progress.update(task, description=text)


def check_out(out: Path | None) -> None:
    from oasis.territory.export import ExportError, check_output

    try:
        check_output(out)
    except ExportError as exc:
        fail(str(exc))


AgesOpt = Annotated[Path | None, typer.Option(
    help="Fichier INSEE « évolution et structure de la population » (base-cc-evol-struct-"
         "pop, séparateur ;) : demande standardisée par âge ; sans lui : population brute.")]
WeightsOpt = Annotated[Path | None, typer.Option(
    "--age-weights", help="Poids de consommation par tranche d'âge (CSV band,weight) ; "
                          "défaut : table livrée (hypothèse Oasis, docs/apl-method.md).")]


def load_ages(geo, ages: Path | None, weights: Path | None = None):
    """The age structure resolved on the analysis units (or None), notes printed; a
    malformed file exits 2 with every bad line (the message of the importer)."""
    from oasis.territory.ages import (
        age_structure,
        load_consumption_weights,
        read_insee_population,
    )
    from oasis.territory.files import DataFileError

    if ages is None:
        if weights is not None:
            fail("--age-weights n'a de sens qu'avec --ages FICHIER")
        return None
    try:
        table = read_insee_population(ages)
        structure, cover = age_structure(geo, table, load_consumption_weights(weights))
    except DataFileError as exc:
        fail(str(exc))
    for note in cover.notes():
        err.print(f"[dim]Âges : {note}[/]")
    return structure


def load_apl(profession: str, supply: Path | None, seed: int, *, ages: Path | None = None,
             age_weights: Path | None = None, regulatory: bool = False):
    """(geography, APL result), failing with exit 2 on bad input.  ``regulatory`` gives
    the zoning variant (practitioners up to the profession's ``zoning_max_age``)."""
    from oasis.territory.apl import AplInputError, compute
    from oasis.territory.files import DataFileError
    from oasis.territory.professions import UnknownProfessionError, get_profession
    from oasis.territory.supply import SupplyFileError, read_supply
    from oasis.territory.synthetic import synthetic_supply

    try:
        prof = get_profession(profession)
    except UnknownProfessionError as exc:
        fail(str(exc))
    geo = geography()
    structure = load_ages(geo, ages, age_weights)
    units = np.flatnonzero(geo.analysis_units)
    max_age = prof.zoning_max_age if regulatory else None
    with spinner("Calcul de l'APL"):
        try:
            data = (synthetic_supply(geo.population[units], prof, seed=seed) if supply is None
                    else read_supply(supply, geo))
            result = compute(geo, data, prof, ages=structure, max_age=max_age)
        except (SupplyFileError, AplInputError, DataFileError) as exc:
            fail(str(exc))
    if supply is None:
        err.print(f"[yellow]Offre SYNTHÉTIQUE de démonstration[/] (pas de --supply) : "
                  f"{fmt_int(len(data))} praticiens, graine {seed}.")
    return geo, result


def load_sites(path: Path | None, geo, seed: int = 0, *, demo: bool = True):
    """Sites from a file, else the labelled synthetic demo inventory (or None)."""
    from oasis.territory.sites import SitesFileError, demo_sites, read_sites

    if path is None:
        if not demo:
            return None
        sites = demo_sites(geo, seed)
        err.print(f"[yellow]Sites SYNTHÉTIQUES de démonstration[/] (pas de --sites) : "
                  f"{fmt_int(len(sites))} sites là où exerce l'offre synthétique, graine "
                  f"{seed}.")
        return sites
    try:
        return read_sites(path, geo)
    except SitesFileError as exc:
        fail(str(exc))


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe records (numpy scalars to Python, NaN/inf to null)."""
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            clean[k] = v
        out.append(clean)
    return out


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def fr(value: float, digits: int = 2) -> str:
    """A decimal the French way (2,50)."""
    return f"{value:.{digits}f}".replace(".", ",")
