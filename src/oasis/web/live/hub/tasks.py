"""Running a socket's concurrent loops (reader, writer, heartbeat) as one unit."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def until_first_done(*coroutines: Coroutine[Any, Any, Any],
                           ignore: tuple[type[BaseException], ...] = ()) -> None:
    """Run ``coroutines`` together until one returns or fails, then cancel the others.

    Why: when the client hangs up the hub reader must stop, and when the hub side ends
    the client reader must too; a failure of the first loop to finish is re-raised
    (unless it is one of ``ignore``) so that it is not swallowed with the cancellations.
    """
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        error = task.exception()
        if error is not None and not isinstance(error, ignore):
            raise error
