"""Database fixtures for the care platform, shared by every helper's tests.

``db_url`` is parametrised over SQLite (a file in the test's tmp dir) and PostgreSQL
(its own database, created from a migrated template database, dropped afterwards;
skipped with a reason when ``OASIS_TEST_POSTGRES_URL`` is unset).  Both are migrated
to head once per session and copied per test, so a test starts from an empty, fully
migrated schema in milliseconds.  ``empty_db_url`` gives an unmigrated database.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from oasis.care.db import dispose_engine, session_factory, upgrade

POSTGRES_ENV = "OASIS_TEST_POSTGRES_URL"
_counter = itertools.count()


def _worker() -> str:
    return f"{os.getpid()}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL variant skipped")
    return url


def _pg_admin(base: str):
    return create_engine(base, isolation_level="AUTOCOMMIT", pool_size=1)


def _pg_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _pg_create(base: str, name: str, template: str | None = None) -> str:
    engine = _pg_admin(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        tpl = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{tpl}'))
    engine.dispose()
    return _pg_url(base, name)


def _pg_drop(base: str, name: str) -> None:
    dispose_engine(_pg_url(base, name))
    engine = _pg_admin(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("care_template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    base = postgres_base_url()
    name = f"oasis_care_tpl_{_worker()}"
    url = _pg_create(base, name)
    upgrade(url)
    dispose_engine(url)
    yield name
    _pg_drop(base, name)


DB_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DB_PARAMS)
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of a fresh, migrated care database (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "care.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    template = request.getfixturevalue("_postgres_template")
    base = postgres_base_url()
    name = f"oasis_care_{_worker()}_{next(_counter)}"
    yield _pg_create(base, name, template)
    _pg_drop(base, name)


@pytest.fixture(params=DB_PARAMS)
def empty_db_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database (no tables), for migration tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        yield url
        dispose_engine(url)
        return
    base = postgres_base_url()
    name = f"oasis_care_empty_{_worker()}_{next(_counter)}"
    yield _pg_create(base, name)
    _pg_drop(base, name)


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    """A session on a fresh migrated database; the test commits what it wants kept."""
    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
