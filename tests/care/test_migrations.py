"""Alembic migrations from an empty database, on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from oasis.care.core import db
from oasis.care.models import Base
from oasis.commands.app import app

EXPECTED_TABLES = {"account", "appointment", "audit_event", "location", "location_hours",
                   "patient", "practitioner", "practitioner_role", "schedule",
                   "schedule_available_time", "schedule_exception", "slot", "staff_member",
                   "waitlist_entry"}


def test_upgrade_from_empty_then_down_and_up_again(empty_db_url):
    assert db.current_revision(empty_db_url) is None
    assert db.upgrade(empty_db_url) == db.head_revision()
    assert set(db.table_names(empty_db_url)) >= EXPECTED_TABLES
    assert db.is_up_to_date(empty_db_url)
    db.upgrade(empty_db_url)  # idempotent
    db.downgrade(empty_db_url, "base")
    assert set(db.table_names(empty_db_url)) == {"alembic_version"}
    db.upgrade(empty_db_url)
    assert set(db.table_names(empty_db_url)) >= EXPECTED_TABLES


def test_models_match_the_migrations(db_url):
    """A model changed without a migration shows up here (autogenerate finds a diff)."""
    with db.get_engine(db_url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_cli_upgrade_and_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(app, ["db", "current", "--db", url])
    assert result.exit_code == 1 and "à migrer" in result.output
    result = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert db.head_revision() in result.output
    result = runner.invoke(app, ["db", "current", "--db", url])
    assert result.exit_code == 0 and "à jour" in result.output
    db.dispose_engine(url)


def test_sqlite_pragmas(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    with db.get_engine(db_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    db.dispose_engine(db_url)
