"""Declarative base shared by every care model, and the column types they agree on.

Times are stored in UTC: as ``timestamptz`` on PostgreSQL and as ISO text on SQLite
(which has no time zone type).  :class:`UTCDateTime` makes both return aware UTC
datetimes so the service layer never sees a naive time and never has to know which
database it runs on.  Constraint names follow a convention so Alembic migrations are
reproducible on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetime in, aware UTC datetime out; naive values are refused (a bug)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        # SQLite stores text: drop the offset so every stored value has one format and
        # compares correctly as text (the overlap trigger relies on that).
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def expire_cached(session, cls: type, ids=None) -> None:
    """Forget cached copies of rows a bulk UPDATE just changed behind the ORM's back."""
    wanted = None if ids is None else set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, cls) and (wanted is None or obj.id in wanted):
            session.expire(obj)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
