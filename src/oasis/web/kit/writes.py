"""SQLite under a crowd: a process's writing requests one at a time, retried on conflict.

Request sessions on SQLite are *deferred* (:mod:`oasis.care.core.db`): reads take no
lock, so any number of readers run together.  A transaction that read and then writes
fails with "database is locked" when another writer committed in between; waiting would
not help, only starting again does.  So, on SQLite only, every HTTP request goes through
this middleware:

* requests that may write (POST, PUT, PATCH, DELETE) pass one at a time through the
  process's write gate, an asyncio lock: they queue in the event loop, not in a pool
  thread, so a queue of writers can never starve the threads their lock holder needs
  (the freeze of ``BEGIN IMMEDIATE``);
* a request that hits a write conflict (a GET writing its audit row, or a writer of
  another process: the job worker, the CLI) before anything was sent or committed is run
  again from the start, through the gate, after a short random pause; the body is
  buffered so it can be replayed;
* after :data:`ATTEMPTS` conflicts the client gets 503 ``database_busy`` with
  ``Retry-After``, never a 500.

It is an ASGI middleware inside the error handlers' one (a conflict that escapes it
still becomes a 500, which the tests would show).  PostgreSQL needs none of this (row
locks and conditional updates), so nothing is installed there.
"""

from __future__ import annotations

import asyncio
import random

from fastapi import FastAPI

from oasis.care.core.db import CommitWatch, is_sqlite, is_write_conflict
from oasis.web.kit.errors import error_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ATTEMPTS = 8
PAUSE_S = (0.002, 0.02)  # random pause before a retry, seconds (spreads the retries)


def install_write_gate(app: FastAPI) -> None:
    """Add the gate when the app's database is SQLite."""
    if is_sqlite(app.state.settings.database_url):
        app.add_middleware(WriteGate)


class WriteGate:
    def __init__(self, app) -> None:
        self.app = app
        self.gate = asyncio.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        inner, gate = self.app, self.gate
        messages = [await receive()]
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        writing = scope["method"] in UNSAFE_METHODS
        for attempt in range(ATTEMPTS):
            replayed = _replayer(messages, receive)
            started = False

            async def watched_send(message) -> None:
                nonlocal started
                started = True
                await send(message)

            try:
                with CommitWatch() as watch:
                    if writing or attempt > 0:
                        async with gate:
                            await inner(scope, replayed, watched_send)
                    else:
                        await inner(scope, replayed, watched_send)
                return
            except Exception as exc:
                if not is_write_conflict(exc) or started or watch.committed:
                    raise
            await asyncio.sleep(random.uniform(*PAUSE_S) * (attempt + 1))
        response = error_response(503, "la base de données est momentanément occupée : "
                                  "réessayez dans un instant", "database_busy",
                                  headers={"Retry-After": "1"})
        await response(scope, receive, send)


def _replayer(messages: list, receive):
    """A ``receive`` giving the buffered request again, then the client's own."""
    replay = iter(messages)

    async def replayed():
        try:
            return next(replay)
        except StopIteration:
            return await receive()  # then only the disconnect can come

    return replayed
