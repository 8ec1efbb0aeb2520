"""The PostgreSQL job engine: procrastinate (https://procrastinate.readthedocs.io).

Why procrastinate: it keeps its queue in the PostgreSQL Oasis already runs (no broker to
deploy, back up or monitor; a job deferred in a transaction exists exactly when that
transaction commits), it is maintained (3.x, 2026), uses psycopg 3 like Oasis, and has
what the jobs need built in: retries with back-off, periodic (cron) tasks deferred once
per tick across any number of workers, queueing locks, ``LISTEN/NOTIFY`` wake-ups and a
graceful stop on SIGTERM.  The Redis engines (arq, rq, dramatiq) would add a second
durable store to keep consistent with the database; Redis stays for websockets.

Every job of :data:`~oasis.care.jobs.tasks.JOBS` becomes a task named like it, on the
queue ``oasis``, periodic on its cron line, retried :data:`MAX_ATTEMPTS` times.  The job
functions are the same the in-process runner calls; they read the database URL from
the worker, never from the job's arguments (no password in the jobs table).
"""

from __future__ import annotations

import procrastinate
import psycopg
from sqlalchemy.engine import make_url

from oasis.care.jobs.tasks import JOBS, Job

QUEUE = "oasis"
MAX_ATTEMPTS = 5
RETRY = procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, exponential_wait=2)


def conninfo(url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(url: str) -> procrastinate.App:
    """A procrastinate app whose tasks are Oasis's jobs on the database ``url``."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)),
                            periodic_defaults={"max_delay": 600})
    for job in JOBS:
        _register(app, job, url)
    return app


def _register(app: procrastinate.App, job: Job, url: str) -> None:
    def run(timestamp: int | None = None) -> int:
        return job.run(url)

    run.__name__ = run.__qualname__ = job.name
    task = app.task(name=job.name, queue=QUEUE, retry=RETRY, queueing_lock=job.name)(run)
    app.periodic(cron=job.cron, periodic_id=job.name)(task)


def ensure_schema(app: procrastinate.App, url: str) -> bool:
    """Create procrastinate's tables unless present; True when it created them."""
    with psycopg.connect(conninfo(url)) as conn:
        present = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]
    if present:
        return False
    with app.open():
        app.schema_manager.apply_schema()
    return True


def defer(app: procrastinate.App, name: str) -> int | None:
    """Queue job ``name`` now (``None`` when one is already waiting: queueing lock)."""
    with app.open():
        try:
            return app.tasks[name].defer(timestamp=None)
        except procrastinate.exceptions.AlreadyEnqueued:
            return None


def run_worker(app: procrastinate.App, *, wait: bool = True, concurrency: int = 1) -> None:
    """Run the worker in the foreground; ``wait=False`` stops when the queue is empty.
    SIGTERM/SIGINT let the job in progress finish (procrastinate's signal handlers)."""
    app.run_worker(queues=[QUEUE], wait=wait, concurrency=concurrency,
                   delete_jobs="successful", listen_notify=wait,
                   install_signal_handlers=wait)
