"""``oasis serve``: the web platform, on a migrated database."""

from __future__ import annotations

from typing import Annotated

import typer

from oasis.commands.console import err, fail

GRACEFUL_SHUTDOWN_S = 30


def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
    db: Annotated[str | None, typer.Option(help="URL SQLAlchemy de la base (défaut : "
                                                "DATABASE_URL ou sqlite:///./oasis.db).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processus serveurs.")] = 1,
    jobs: Annotated[bool | None, typer.Option("--jobs/--no-jobs", help=(
        "Exécuter les tâches de fond dans le serveur (défaut : oui avec SQLite et un seul "
        "processus ; avec PostgreSQL lancez « oasis worker »)."))] = None,
) -> None:
    """Lance la plateforme web (API REST + pages)."""
    import os

    import uvicorn

    from oasis.care.core import db as care_db
    from oasis.config import MissingSecret, get_settings, require_secret

    if db:
        os.environ["DATABASE_URL"] = db
    get_settings.cache_clear()
    try:
        settings = require_secret(get_settings())
    except MissingSecret as exc:
        fail(str(exc))
    # Workers are separate processes: they read the (maybe generated) key from here.
    os.environ["OASIS_SECRET_KEY"] = settings.secret_key
    get_settings.cache_clear()
    # Never serve an unmigrated database: migrate first (no-op when up to date).
    care_db.upgrade(get_settings().database_url)
    if workers > 1 and not get_settings().redis_url:
        err.print("[yellow]Attention :[/] plusieurs processus sans REDIS_URL : les appels "
                  "vidéo et les mises à jour en direct ne passeront pas d'un processus à "
                  "l'autre.")
    url = get_settings().database_url
    if jobs is None:
        jobs = care_db.is_sqlite(url) and workers == 1
    os.environ["OASIS_JOBS_IN_PROCESS"] = "1" if jobs else "0"
    get_settings.cache_clear()
    # SIGTERM: stop accepting, let the requests in flight finish (up to 30 s), then exit.
    uvicorn.run("oasis.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
