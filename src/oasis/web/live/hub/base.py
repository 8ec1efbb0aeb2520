"""The hub contract shared by the in-process and Redis backends.

A hub does two things the real-time features need and nothing more:

* **pub/sub** on string channels carrying JSON objects (WebRTC signalling today, queue
  positions and live measurements later);
* **presence groups** with a capacity and an expiry, so that "at most three people in a
  video room" holds across several app workers and a crashed worker's members vanish on
  their own instead of blocking a room forever.

Messages are JSON-encoded even in process, so a payload that would break on Redis breaks
in the tests too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import Any

Message = dict[str, Any]

QUEUE_SIZE = 1000
_BROKEN: Any = object()


class HubError(Exception):
    """Base class of the hub's errors."""


class GroupFullError(HubError):
    """A presence group already holds ``limit`` live members."""

    def __init__(self, group: str, limit: int) -> None:
        super().__init__(f"group {group!r} is full ({limit} members)")
        self.group = group
        self.limit = limit


class SubscriptionOverflow(HubError):
    """The consumer fell more than ``QUEUE_SIZE`` messages behind; messages were dropped.

    Raised to the consumer rather than silently skipping, because a lost signalling
    message leaves a call half-negotiated: better to close and let the client reconnect.
    """


def encode(message: Message) -> str:
    if not isinstance(message, dict):
        raise TypeError("hub messages are JSON objects (dict)")
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def canonical(info: Message) -> str:
    """Stable text of a member's info, used to compare "is this still my entry?"."""
    return json.dumps(info, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Subscription:
    """Messages of one channel for one consumer, in publication order.

    Use as ``async with hub.subscribe(ch) as sub: async for msg in sub: ...``; the
    subscription is active (no message missed) once the ``async with`` body starts.
    """

    def __init__(self, channel: str, on_close: Callable[[Subscription], Any]) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self._on_close = on_close
        self._error: HubError | None = None
        self.closed = False

    def deliver(self, message: Message) -> None:
        """Called by the backend; never blocks the publisher."""
        if self.closed or self._error is not None:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self._error = SubscriptionOverflow(self.channel)

    def fail(self, error: HubError) -> None:
        """The backend lost its connection: wake the consumer with ``error``."""
        if self._error is None:
            self._error = error
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(_BROKEN)

    async def get(self, timeout: float | None = None) -> Message:
        """Next message; ``TimeoutError`` after ``timeout`` seconds without one, a
        :class:`HubError` when messages were lost (never a silent gap)."""
        if self._error is not None:
            raise self._error
        if timeout is None:
            message = await self._queue.get()
        else:
            message = await asyncio.wait_for(self._queue.get(), timeout)
        if message is _BROKEN:
            raise self._error or HubError("subscription broken")
        return message

    def __aiter__(self) -> AsyncIterator[Message]:
        return self

    async def __anext__(self) -> Message:
        return await self.get()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            result = self._on_close(self)
            if asyncio.iscoroutine(result):
                await result

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Hub(ABC):
    """Pub/sub plus presence groups; see the module docstring."""

    backend: str = "abstract"

    @abstractmethod
    async def publish(self, channel: str, message: Message) -> None:
        """Send ``message`` to every current subscriber of ``channel`` (any worker)."""

    @abstractmethod
    async def _open(self, channel: str) -> Subscription:
        """Start a subscription and return once it is guaranteed to receive messages."""

    def subscribe(self, channel: str) -> _Opening:
        """``async with hub.subscribe(channel) as sub`` (or ``sub = await ...``)."""
        return _Opening(self, channel)

    @abstractmethod
    async def join(self, group: str, member: str, info: Message, *, limit: int | None,
                   ttl: float) -> dict[str, Message]:
        """Add (or replace) ``member`` in ``group`` for ``ttl`` seconds and return all live
        members with their info.  Raises :class:`GroupFullError` when ``limit`` other
        live members are present.  Joining again under the same name replaces the entry
        (a reloaded page takes over from its previous tab)."""

    @abstractmethod
    async def refresh(self, group: str, member: str, info: Message, ttl: float) -> bool:
        """Extend ``member``'s entry; False when it expired or was replaced by another info."""

    @abstractmethod
    async def leave(self, group: str, member: str, info: Message) -> bool:
        """Remove ``member`` only if its entry still carries ``info`` (not a newer tab)."""

    @abstractmethod
    async def members(self, group: str) -> dict[str, Message]:
        """Live members of ``group`` and their info."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the hub is unusable afterwards."""


class _Opening:
    """Awaitable and async context manager returned by :meth:`Hub.subscribe`."""

    def __init__(self, hub: Hub, channel: str) -> None:
        self._hub = hub
        self._channel = channel
        self._sub: Subscription | None = None

    def __await__(self):
        return self._hub._open(self._channel).__await__()

    async def __aenter__(self) -> Subscription:
        self._sub = await self._hub._open(self._channel)
        return self._sub

    async def __aexit__(self, *exc: object) -> None:
        if self._sub is not None:
            await self._sub.close()
