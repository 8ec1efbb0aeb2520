"""Redis hub: pub/sub and presence shared by every app worker (``REDIS_URL``).

One pub/sub connection per worker carries all of that worker's channels; a reader task
fans messages out to the local subscriptions.  Presence groups are a sorted set (member
-> expiry, Redis server clock) plus a hash (member -> info), changed only by Lua scripts
so the capacity check and the insert are atomic across workers.

Pub/sub ignores Redis database numbers, so every channel and key carries ``prefix``;
tests give each hub a unique prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

from redis.asyncio import Redis

from oasis.web.live.hub.base import (
    GroupFullError,
    Hub,
    HubError,
    Message,
    Subscription,
    canonical,
    encode,
)

log = logging.getLogger(__name__)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, m in ipairs(expired) do redis.call('HDEL', KEYS[2], m) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
"""
_KEEP = """
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
"""
JOIN = _NOW + """
local ttl = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
if limit >= 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1])
   and redis.call('ZCARD', KEYS[1]) >= limit then
  return false
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
""" + _KEEP + """
return redis.call('HGETALL', KEYS[2])
"""
REFRESH = _NOW + """
local ttl = tonumber(ARGV[3])
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
""" + _KEEP + """
return 1
"""
LEAVE = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""
MEMBERS = _NOW + "return redis.call('HGETALL', KEYS[2])"

SUBSCRIBE_TIMEOUT = 10.0


def _pairs(flat: list[str]) -> dict[str, Message]:
    return {flat[i]: json.loads(flat[i + 1]) for i in range(0, len(flat), 2)}


class RedisHub(Hub):
    """See the module docstring."""

    backend = "redis"

    def __init__(self, url: str, prefix: str = "oasis:") -> None:
        self._redis = Redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._start = asyncio.Lock()
        self._subs: dict[str, set[Subscription]] = {}
        # Futures awaiting Redis' "subscribe" confirmations, in the order sent: Redis
        # confirms in order, so each confirmation resolves the oldest future.
        self._confirm: dict[str, list[asyncio.Future]] = {}
        self._join = self._redis.register_script(JOIN)
        self._refresh = self._redis.register_script(REFRESH)
        self._leave = self._redis.register_script(LEAVE)
        self._members = self._redis.register_script(MEMBERS)

    # ------------------------------------------------------------------ pub/sub
    async def publish(self, channel: str, message: Message) -> None:
        await self._redis.publish(self._prefix + channel, encode(message))

    async def _send_subscribe(self, full: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._confirm.setdefault(full, []).append(future)
        await self._pubsub.subscribe(full)
        return future

    async def _ensure_reader(self) -> None:
        async with self._start:
            if self._reader is not None and not self._reader.done():
                return
            self._pubsub = self._redis.pubsub()
            # A private channel keeps the connection in subscribed mode at all times.
            ready = await self._send_subscribe(f"{self._prefix}hub:{uuid.uuid4().hex}")
            self._reader = asyncio.create_task(self._read(), name="oasis-redis-hub")
            await asyncio.wait_for(ready, SUBSCRIBE_TIMEOUT)

    async def _read(self) -> None:
        try:
            while True:
                msg = await self._pubsub.get_message(timeout=None)
                if msg is None:
                    continue
                kind, channel = msg["type"], msg["channel"]
                if kind == "message":
                    for sub in list(self._subs.get(channel, ())):
                        sub.deliver(json.loads(msg["data"]))
                elif kind == "subscribe":
                    waiting = self._confirm.get(channel)
                    if waiting:
                        future = waiting.pop(0)
                        if not future.done():
                            future.set_result(None)
                        if not waiting:
                            del self._confirm[channel]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # connection lost beyond redis-py's retries
            log.exception("Redis hub reader stopped")
            error = HubError(f"Redis pub/sub lost: {exc}")
            for subs in self._subs.values():
                for sub in subs:
                    sub.fail(error)
            for futures in self._confirm.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
            self._subs.clear()
            self._confirm.clear()

    async def _open(self, channel: str) -> Subscription:
        await self._ensure_reader()
        full = self._prefix + channel
        sub = Subscription(channel, self._discard)
        subs = self._subs.setdefault(full, set())
        first = not subs
        subs.add(sub)
        try:
            if first:
                confirmed = await self._send_subscribe(full)
            else:
                pending = self._confirm.get(full)
                confirmed = pending[-1] if pending else None
            if confirmed is not None:
                await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT)
        except BaseException:
            await sub.close()
            raise
        return sub

    async def _discard(self, sub: Subscription) -> None:
        full = self._prefix + sub.channel
        subs = self._subs.get(full)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[full]
            if self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(full)

    # ------------------------------------------------------------------ presence
    def _keys(self, group: str) -> list[str]:
        base = f"{self._prefix}presence:{group}"
        return [base, base + ":info"]

    async def join(self, group: str, member: str, info: Message, *, limit: int | None,
                   ttl: float) -> dict[str, Message]:
        flat = await self._join(keys=self._keys(group),
                                args=[member, canonical(info), int(ttl * 1000),
                                      -1 if limit is None else limit])
        if flat is None:
            raise GroupFullError(group, limit or 0)
        return _pairs(flat)

    async def refresh(self, group: str, member: str, info: Message, ttl: float) -> bool:
        return bool(await self._refresh(keys=self._keys(group),
                                        args=[member, canonical(info), int(ttl * 1000)]))

    async def leave(self, group: str, member: str, info: Message) -> bool:
        return bool(await self._leave(keys=self._keys(group), args=[member, canonical(info)]))

    async def members(self, group: str) -> dict[str, Message]:
        return _pairs(await self._members(keys=self._keys(group), args=[]))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        for subs in self._subs.values():
            for sub in subs:
                sub.fail(HubError("hub closed"))
        self._subs.clear()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self._redis.aclose()
