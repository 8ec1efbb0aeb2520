"""Alembic environment: runs on the connection :func:`oasis.care.core.db.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from oasis.care.models import Base

config = context.config
target_metadata = Base.metadata


def _render_item(type_, obj, autogen_context):
    """Render Oasis's UTCDateTime as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from oasis.care.core.db import get_engine

        url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
        with get_engine(url).begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      render_item=_render_item, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - Oasis always migrates online
    raise SystemExit("offline (SQL script) migrations are not supported; use oasis db upgrade")
run_migrations_online()
