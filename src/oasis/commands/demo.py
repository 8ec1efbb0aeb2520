"""``oasis demo``: load the synthetic demo (sites, practitioners, accounts, slots)."""

from __future__ import annotations

from typing import Annotated

import typer

from oasis.commands.db import DbOption, database_url

demo_app = typer.Typer(help="Données de démonstration (synthétiques, signalées comme telles).",
                       no_args_is_help=True)


@demo_app.command("load")
def load(db: DbOption = None,
         days: Annotated[int, typer.Option(min=1, max=120, help="Jours de créneaux générés "
                                           "à l'avance.")] = 21) -> None:
    """Charge (ou complète) la démo : idempotent, relançable sans doublons."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from oasis.care.core import db as care_db
    from oasis.care.core.errors import CareError
    from oasis.care.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    url = database_url(db)
    care_db.upgrade(url)
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console,
                  transient=True) as progress:
        task = progress.add_task("Démo", total=None)
        try:
            with care_db.session_scope(url) as session:
                report = load_demo(session, days=days, progress=lambda step: progress.update(
                    task, description=f"Démo : {step}"))
        except CareError as exc:
            typer.echo(f"Erreur : {exc.message}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"Démo chargée (données synthétiques) : {report.summary()}.")
    typer.echo(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
    for role, email, who in DEMO_ACCOUNTS:
        typer.echo(f"  {role:<13} {email:<34} {who}")
