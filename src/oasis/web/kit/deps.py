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
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from oasis.care.core.db import POOL_SIZE, session_factory
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


def pagination(page: Annotated[int, Query(ge=1, description="Page (à partir de 1).")] = 1,
               per_page: Annotated[int, Query(ge=1, le=200,
                                              description="Éléments par page.")] = 20) -> Page:
    return Page(page, per_page)


PageDep = Annotated[Page, Depends(pagination)]

