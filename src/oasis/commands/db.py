"""``oasis db``: migrate the care database (Alembic migrations shipped in the package)."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(help="Base de données de la plateforme de soins (migrations Alembic).",
                     no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="URL SQLAlchemy (défaut : "
                                              "DATABASE_URL ou sqlite:///./oasis.db).")]


def database_url(db: str | None) -> str:
    from oasis.config import get_settings

    return db or get_settings().database_url


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade(db: DbOption = None,
            revision: Annotated[str, typer.Argument(help="Révision cible.")] = "head") -> None:
    """Crée ou met à jour le schéma (idempotent : sans effet sur une base à jour)."""
    from sqlalchemy.exc import OperationalError

    from oasis.care.core import db as care_db

    url = database_url(db)
    try:
        reached = care_db.upgrade(url, revision)
    except OperationalError as exc:
        typer.echo(f"Erreur : base injoignable ({_safe(url)}) : {exc.orig}", err=True)
        raise typer.Exit(3) from exc
    typer.echo(f"Base {_safe(url)} à la révision {reached}.")


@db_app.command("current")
def current(db: DbOption = None) -> None:
    """Affiche la révision de la base et celle attendue par ce code."""
    from oasis.care.core import db as care_db

    url = database_url(db)
    have, want = care_db.current_revision(url), care_db.head_revision()
    state = "à jour" if have == want else "à migrer (oasis db upgrade)"
    typer.echo(f"Base {_safe(url)} : révision {have or 'aucune'} ; code : {want} — {state}")
    if have != want:
        raise typer.Exit(1)
