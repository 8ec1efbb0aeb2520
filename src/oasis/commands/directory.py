"""``oasis directory import FILE``: the Annuaire Santé FHIR Bundle into the care database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oasis.commands.console import console, fail
from oasis.commands.db import DbOption, database_url
from oasis.errors import OasisError

directory_app = typer.Typer(help="Annuaire des praticiens et des sites de la plateforme.",
                            no_args_is_help=True)


@directory_app.command("import")
def import_bundle(
    file: Annotated[Path, typer.Argument(help="Bundle FHIR (JSON) de l'Annuaire Santé : "
                                              "Practitioner, PractitionerRole, Organization.")],
    db: DbOption = None,
) -> None:
    """Crée ou complète praticiens, sites et lieux d'exercice (idempotent)."""
    from oasis.care.core.db import session_scope
    from oasis.care.people.directory import import_directory
    from oasis.territory.supply_fhir import read_directory_bundle

    try:
        bundle = read_directory_bundle(file)
        with session_scope(database_url(db)) as session:
            report = import_directory(session, bundle)
    except OasisError as exc:
        fail(str(exc))
    console.print(f"{file.name} : {report.summary()}", soft_wrap=True)
