"""In-process hub: one asyncio event loop, no dependency, the default for one worker."""

from __future__ import annotations

import json
import time
from collections import defaultdict

from oasis.web.live.hub.base import (
    GroupFullError,
    Hub,
    Message,
    Subscription,
    canonical,
    encode,
)


class InProcessHub(Hub):
    """Subscribers and presence held in dictionaries of this process."""

    backend = "in-process"

    def __init__(self, clock=time.monotonic) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._groups: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)
        self._clock = clock

    async def publish(self, channel: str, message: Message) -> None:
        text = encode(message)
        for sub in list(self._subs.get(channel, ())):
            sub.deliver(json.loads(text))

    async def _open(self, channel: str) -> Subscription:
        sub = Subscription(channel, self._discard)
        self._subs[channel].add(sub)
        return sub

    def _discard(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.channel]

    def _live(self, group: str) -> dict[str, tuple[float, str]]:
        now = self._clock()
        entries = self._groups[group]
        for name in [n for n, (expiry, _) in entries.items() if expiry <= now]:
            del entries[name]
        return entries

    async def join(self, group: str, member: str, info: Message, *, limit: int | None,
                   ttl: float) -> dict[str, Message]:
        entries = self._live(group)
        if limit is not None and member not in entries and len(entries) >= limit:
            raise GroupFullError(group, limit)
        entries[member] = (self._clock() + ttl, canonical(info))
        return {name: json.loads(text) for name, (_, text) in entries.items()}

    async def refresh(self, group: str, member: str, info: Message, ttl: float) -> bool:
        entries = self._live(group)
        current = entries.get(member)
        if current is None or current[1] != canonical(info):
            return False
        entries[member] = (self._clock() + ttl, current[1])
        return True

    async def leave(self, group: str, member: str, info: Message) -> bool:
        entries = self._groups.get(group, {})
        current = entries.get(member)
        if current is None or current[1] != canonical(info):
            return False
        del entries[member]
        if not entries:
            self._groups.pop(group, None)
        return True

    async def members(self, group: str) -> dict[str, Message]:
        return {name: json.loads(text) for name, (_, text) in self._live(group).items()}
