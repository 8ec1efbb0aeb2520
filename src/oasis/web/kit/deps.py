"""FastAPI dependencies shared by every router: database session, pagination.

``get_session`` gives one SQLAlchemy session per request bound to the app's database
(``app.state.settings.database_url``); routes commit explicitly *before* answering so a
201 is never sent for something not durably stored; anything uncommitted is rolled back.
Authentication dependencies live in :mod:`oasis.web.kit.auth`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import Depends, Query, Request
from pydantic import AfterValidator, WithJsonSchema
from sqlalchemy.orm import Session

from oasis.care.core.clock import PARIS
from oasis.care.core.db import POOL_SIZE, session_factory
from oasis.care.core.inputs import ID_MAX
from oasis.config import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, once one of the process's :data:`DB_CONCURRENCY` places is
    free (never more than the pool's :data:`POOL_SIZE` connections).

    The wait is in the event loop, not in a pool thread: with more requests in flight
    than connections, threads blocked on the pool while the holders of the connections
    wait for a thread froze the server (until the pool's 30 s timeout).  SQLite request
    sessions are deferred (reads take no lock; see :mod:`oasis.web.kit.writes`).
    """
    state = request.app.state
    limiter = getattr(state, "db_limiter", None)
    if limiter is None:
        limiter = state.db_limiter = asyncio.Semaphore(DB_CONCURRENCY)
    async with limiter:
        session = session_factory(state.settings.database_url, deferred=True)()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


# Requests of one process holding a session at once.  Fewer than the 40 pool threads:
# with the interpreter lock, more runnable threads add no throughput, only wait, and
# they compete with the event loop for the interpreter lock.
DB_CONCURRENCY = min(16, POOL_SIZE)

# Any id from outside (path, query, body): beyond ID_MAX it names no row, so it is refused
# (422) before reaching a driver that would overflow.
Id = Annotated[int, Ge(1), Le(ID_MAX)]



def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("heure locale attendue, sans décalage horaire (ex. 09:30)")
    return value


def _paris_if_naive(value: datetime) -> datetime:
    return value.replace(tzinfo=PARIS) if value.tzinfo is None else value


# A wall-clock time in Europe/Paris (opening hours, weekly availability).  JSON Schema's
# ``format: time`` demands an offset that a local time has not, so the schema says what
# is served: "HH:MM" or "HH:MM:SS".
LocalTime = Annotated[time, AfterValidator(_local), WithJsonSchema({
    "type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "description": "Heure locale (Europe/Paris), sans décalage : 09:30"})]
# An instant from outside: without an offset it is read as Paris time (never naive inside).
Instant = Annotated[datetime, AfterValidator(_paris_if_naive)]



def column_length(attribute) -> int:
    """The declared length of a model's ``String(n)`` column: the input bound that fits it
    (PostgreSQL refuses longer text; SQLite would store it silently)."""
    return attribute.property.columns[0].type.length


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def wrap(self, items: list, total: int) -> dict:
        return {"items": items, "total": total, "page": self.page, "per_page": self.per_page,
                "pages": (total + self.per_page - 1) // self.per_page}


def pagination(page: Annotated[int, Query(ge=1, le=ID_MAX,
                                          description="Page (à partir de 1).")] = 1,
               per_page: Annotated[int, Query(ge=1, le=200,
                                              description="Éléments par page.")] = 20) -> Page:
    return Page(page, per_page)


PageDep = Annotated[Page, Depends(pagination)]

