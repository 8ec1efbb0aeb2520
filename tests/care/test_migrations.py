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


def test_0011_merges_the_three_outboxes_with_their_rows(empty_db_url):
    """From 0010 with data: every old message lands in ``outbox`` once per (kind, ref)."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from oasis.care.core.db import session_factory

    db.upgrade(empty_db_url, "0010_load")
    s = session_factory(empty_db_url)()
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    # Raw SQL: the ORM model has columns that later migrations add.
    patient_id = s.execute(text(
        "INSERT INTO patient (family_name, given_name, birth_date, commune_code, email, "
        "synthetic, created_at) VALUES ('Durand', 'Jeanne', '1950-03-02', '58194', "
        "'Jeanne@Test.fr', false, :at) RETURNING id"), {"at": at}).scalar_one()
    s.commit()
    rows = {"p": patient_id, "at": at}
    s.execute(text("INSERT INTO account_notice (email, kind, subject, body, created_at) "
                   "VALUES ('new@test.fr', 'signup-confirm', 'Activez', 'lien', :at)"), rows)
    s.execute(text(
        "INSERT INTO notification_outbox (channel, kind, ref, patient_id, recipient, subject,"
        " body, ics, status, created_at, sent_at) VALUES ('email', 'booking_confirmed', "
        "'booking:7', :p, 'jeanne@test.fr', 'Confirmé', 'b', 'BEGIN:VCALENDAR', 'sent', :at,"
        " :at), ('email', 'reminder', 'reminder:7', :p, 'jeanne@test.fr', 'Rappel', 'r', "
        "NULL, 'stored', :at, NULL)"), rows)
    s.execute(text(
        "INSERT INTO outbox_message (kind, ref, patient_id, subject, body, created_at, "
        "delivered_at, channel) VALUES ('confirmation', 'appointment:7', :p, 'Confirmé', "
        "'job', :at, :at, 'outbox'), ('waitlist_offer', 'waitlist:1:slot:2', :p, 'Offre', "
        "'o', :at, NULL, NULL)"), rows)
    s.commit()
    s.close()
    db.dispose_engine(empty_db_url)
    assert db.upgrade(empty_db_url) == db.head_revision()
    tables = set(db.table_names(empty_db_url))
    assert "outbox" in tables
    assert not tables & {"account_notice", "notification_outbox", "outbox_message"}
    s = session_factory(empty_db_url)()
    got = s.execute(text("SELECT kind, ref, recipient, status, ics IS NOT NULL, attempts "
                         "FROM outbox ORDER BY kind")).all()
    s.close()
    assert [tuple(r) for r in got] == [
        # the sent copy wins over the jobs' kept one (same appointment, same kind)
        ("booking_confirmed", "appointment:7", "jeanne@test.fr", "sent", True, 1),
        ("reminder", "appointment:7", "jeanne@test.fr", "stored", False, 0),
        ("signup-confirm", None, "new@test.fr", "stored", False, 0),
        ("waitlist_offer", "waitlist:1:slot:2", "jeanne@test.fr", "stored", False, 0)]
    db.downgrade(empty_db_url, "0010_load")
    assert {"account_notice", "notification_outbox", "outbox_message"} <= set(
        db.table_names(empty_db_url))
    db.dispose_engine(empty_db_url)
