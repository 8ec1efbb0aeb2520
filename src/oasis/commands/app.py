"""The ``oasis`` command: one Typer app, one module per command group.

Sub-commands import their heavy dependencies lazily so that a look-up such as
``oasis geo commune 58194`` starts in well under a second.
"""

from __future__ import annotations

import typer

from oasis.commands.apl import apl
from oasis.commands.coverage import coverage
from oasis.commands.data import data_app
from oasis.commands.db import db_app
from oasis.commands.demo import demo_app
from oasis.commands.deserts import deserts
from oasis.commands.directory import directory_app
from oasis.commands.geo import geo_app
from oasis.commands.notify import reminders
from oasis.commands.plan import plan_app
from oasis.commands.serve import serve
from oasis.commands.visio import visio
from oasis.commands.worker import worker

app = typer.Typer(
    help="Oasis : intelligence territoriale et plateforme de soins contre les déserts médicaux.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(geo_app, name="geo")
app.add_typer(data_app, name="data")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(directory_app, name="directory")
app.command("rappels")(reminders)
app.command("apl")(apl)
app.command("deserts")(deserts)
app.command("coverage")(coverage)
app.add_typer(plan_app, name="plan")
app.command("visio")(visio)
app.command("serve")(serve)
app.command("worker")(worker)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
