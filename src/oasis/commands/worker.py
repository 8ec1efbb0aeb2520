"""``oasis worker``: the background jobs (offer expiry, notifications, slots, labels).

With PostgreSQL the jobs run on procrastinate (:mod:`oasis.care.jobs.engine`): start as
many ``oasis worker`` as wanted, each periodic job is deferred once per tick.  With
SQLite they run in this process on the in-process runner (``oasis serve`` already does
that by itself on SQLite: a separate worker is only needed with PostgreSQL).
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from oasis.commands.console import console, fail


def worker(
    db: Annotated[str | None, typer.Option(help="URL SQLAlchemy de la base (défaut : "
                                                "DATABASE_URL ou sqlite:///./oasis.db).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Exécute les tâches une fois puis "
                                                      "s'arrête (cron, tests).")] = False,
    job: Annotated[list[str] | None, typer.Option(help="Tâche à exécuter (avec --once ; "
                                                       "répétable ; défaut : toutes).")] = None,
) -> None:
    """Lance les tâches de fond : expiration des propositions, rappels, créneaux, labels."""
    import os

    from oasis.care.core import db as care_db
    from oasis.care.jobs.tasks import BY_NAME, JOBS
    from oasis.config import get_settings

    if db:
        os.environ["DATABASE_URL"] = db
    get_settings.cache_clear()
    url = get_settings().database_url
    unknown = [name for name in job or [] if name not in BY_NAME]
    if unknown:
        fail(f"tâche inconnue : {', '.join(unknown)} (connues : {', '.join(BY_NAME)})")
    jobs = [BY_NAME[name] for name in job] if job else list(JOBS)
    care_db.upgrade(url)
    if care_db.is_sqlite(url):
        _sqlite(url, jobs, once)
    else:
        _postgres(url, jobs, once)


def _sqlite(url: str, jobs, once: bool) -> None:
    from oasis.care.jobs.runner import InProcessRunner, run_with_retries

    if once:
        for j in jobs:
            done = run_with_retries(j, url)
            console.print(f"{j.name} : {'échec' if done is None else done}")
        return
    runner = InProcessRunner(url, jobs).start()
    console.print("Tâches de fond en cours (exécuteur intégré, SQLite) ; Ctrl+C pour arrêter.")
    stopped = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.append(True))
    while not stopped:
        signal.pause()
    runner.stop()


def _postgres(url: str, jobs, once: bool) -> None:
    from oasis.care.jobs import engine

    app = engine.build_app(url)
    if engine.ensure_schema(app, url):
        console.print("Schéma procrastinate créé.")
    if once:
        for j in jobs:
            engine.defer(app, j.name)
        engine.run_worker(app, wait=False)
        console.print(f"{len(jobs)} tâche(s) exécutée(s).")
        return
    for j in jobs:
        if j.at_start:
            engine.defer(app, j.name)
    console.print("Tâches de fond en cours (procrastinate, PostgreSQL) ; SIGTERM pour arrêter.")
    engine.run_worker(app, wait=True)
