"""Engines, sessions and migrations for the care database (SQLite or PostgreSQL).

SQLite is the zero-install default, so it is configured to be safe under a crowd:
WAL journal (readers never block the writer, a killed process loses nothing committed),
foreign keys on (off by default in SQLite!) and a busy timeout so a writer waits for
another writer instead of failing.  How a transaction begins is chosen per session:

* ``immediate`` (scripts, jobs, the CLI, tests): ``BEGIN IMMEDIATE`` takes the write
  lock at the start, so a read-then-write transaction never fails half-way: writers
  queue at ``BEGIN`` (busy timeout).  Right for a thread that owns its transaction.
* ``deferred`` (the web server's request sessions): a read takes no lock at all, the
  write lock is taken by the first write.  ``BEGIN IMMEDIATE`` for every request froze
  the server under 48 anonymous readers: every pool thread waited for the lock while its
  holder, between two steps of its request, waited for a thread.  The price is that a
  transaction that read and then writes fails at once with "database is locked" when
  another writer committed in between (its snapshot is stale; waiting cannot help):
  :func:`is_write_conflict` recognises it and the request is run again from the start
  (the web layer serialises a process's writing requests and retries them, see
  :mod:`oasis.web.kit.writes`).  SQLite stays serialisable either way.

The pool holds :data:`POOL_SIZE` connections (the web server's thread count), with
unbounded overflow on SQLite, whose connections are only open files, so a thread never
waits for a connection held by a request that waits for a thread.  PostgreSQL needs
none of the SQLite settings.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
# anyio's default thread limiter: the threads that run FastAPI's sync routes.  Per
# process: with ``oasis serve --workers N`` PostgreSQL sees up to N × POOL_SIZE
# connections (plus the job worker's), so a deployment sizes it against the server's
# ``max_connections`` with ``OASIS_DB_POOL_SIZE`` (see docs/deploy.md).
POOL_SIZE = int(os.environ.get("OASIS_DB_POOL_SIZE", "40"))
SQLITE_BEGIN = "oasis_sqlite_begin"  # execution option: "immediate" (default) or "deferred"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class CommitWatch:
    """Whether a write transaction committed while the watch was on (this context and the
    threads it starts): a unit of work that already committed something must not be run
    again after a later write conflict."""

    def __init__(self) -> None:
        self.committed = False
        self._token = None

    def __enter__(self) -> CommitWatch:
        self._token = _watch.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _watch.reset(self._token)


_watch: ContextVar[CommitWatch | None] = ContextVar("oasis_commit_watch", default=None)
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "immediate")
        connection.info["wrote"] = False
        connection.exec_driver_sql("BEGIN" if mode == "deferred" else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement, *_args) -> None:
        if statement.lstrip()[:7].upper().startswith(_WRITE_VERBS):
            connection.info["wrote"] = True

    @event.listens_for(engine, "commit")
    def _on_commit(connection) -> None:
        watch = _watch.get()
        if watch is not None and connection.info.get("wrote"):
            watch.committed = True


def is_write_conflict(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy": the transaction lost
    the write lock to another one (or its snapshot went stale) and must start again."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def make_engine(url: str, **kwargs) -> Engine:
    """A new engine for ``url`` with the SQLite safety settings applied where relevant."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", -1)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    return create_engine(url, **kwargs)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url`` (one connection pool per database)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    """Close and forget the engine of ``url`` (tests dropping their database)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def session_factory(url: str, *, deferred: bool = False) -> sessionmaker[Session]:
    """Sessions on ``url``; ``deferred`` sessions take SQLite's write lock only at their
    first write (see the module docstring: the caller must retry on a write conflict)."""
    engine = get_engine(url)
    if deferred and engine.dialect.name == "sqlite":
        return sessionmaker(engine.execution_options(**{SQLITE_BEGIN: "deferred"}),
                            expire_on_commit=False)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session committed on success and rolled back on error (CLI, demo, scripts)."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# ---------------------------------------------------------------------------- Alembic
def alembic_config(url: str):
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    location = resources.files("oasis.care") / "migrations"
    config.set_main_option("script_location", str(location))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` to ``revision``; returns the revision reached."""
    from alembic import command

    config = alembic_config(url)
    engine = get_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(url)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_up_to_date(url: str) -> bool:
    return current_revision(url) == head_revision()


def table_names(url: str) -> list[str]:
    with get_engine(url).connect() as connection:
        return sorted(inspect(connection).get_table_names())
