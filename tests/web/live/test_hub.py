"""The real-time hub, same behaviour on both backends (Redis via OASIS_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from oasis.config import Settings
from oasis.web.live.hub import (
    GroupFullError,
    InProcessHub,
    SubscriptionOverflow,
    get_hub,
    make_hub,
)
from oasis.web.live.hub.base import QUEUE_SIZE

REDIS_URL = os.environ.get("OASIS_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="OASIS_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/15)")

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _drop_keys(prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    async for key in client.scan_iter(match=prefix + "*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"oasis-test-{uuid.uuid4().hex}:"


@pytest.fixture(params=["in-process", pytest.param("redis", marks=needs_redis)])
async def hub_factory(request, prefix):
    """Makes hubs that share state like two workers of one deployment would."""
    made = []
    shared = InProcessHub()

    def factory():
        if request.param == "in-process":
            return shared
        hub = make_hub(Settings(redis_url=REDIS_URL), prefix=prefix)
        made.append(hub)
        return hub

    yield factory
    for hub in made:
        await hub.close()
    if request.param == "redis":
        await _drop_keys(prefix)


@pytest.fixture
async def hub(hub_factory):
    return hub_factory()


async def test_messages_reach_every_subscriber_in_order(hub):
    async with hub.subscribe("room:a") as one, hub.subscribe("room:a") as two, \
            hub.subscribe("room:b") as other:
        for i in range(20):
            await hub.publish("room:a", {"n": i, "text": "é"})
        for sub in (one, two):
            got = [await sub.get(timeout=2) for _ in range(20)]
            assert got == [{"n": i, "text": "é"} for i in range(20)]
        with pytest.raises(TimeoutError):
            await other.get(timeout=0.2)


async def test_subscribers_get_independent_copies(hub):
    async with hub.subscribe("c") as one, hub.subscribe("c") as two:
        await hub.publish("c", {"list": [1]})
        first = await one.get(timeout=2)
        first["list"].append(2)
        assert await two.get(timeout=2) == {"list": [1]}


async def test_nothing_after_unsubscribe(hub):
    sub = await hub.subscribe("gone")
    await sub.close()
    await hub.publish("gone", {"x": 1})
    async with hub.subscribe("gone") as again:
        await hub.publish("gone", {"x": 2})
        assert await again.get(timeout=2) == {"x": 2}


async def test_async_iteration(hub):
    async with hub.subscribe("it") as sub:
        await hub.publish("it", {"a": 1})
        await hub.publish("it", {"a": 2})
        got = []
        async for message in sub:
            got.append(message["a"])
            if len(got) == 2:
                break
        assert got == [1, 2]


async def test_non_json_payload_is_refused(hub):
    with pytest.raises(TypeError):
        await hub.publish("c", {"when": object()})
    with pytest.raises(TypeError):
        await hub.publish("c", ["not", "an", "object"])


async def test_across_workers(hub_factory):
    """A message published on one worker's hub reaches a subscriber on another's."""
    worker_a, worker_b = hub_factory(), hub_factory()
    async with worker_b.subscribe("visio:x") as sub:
        await worker_a.publish("visio:x", {"kind": "offer"})
        assert await sub.get(timeout=2) == {"kind": "offer"}
    members = await worker_a.join("g", "alice", {"role": "doctor"}, limit=2, ttl=30)
    assert members == {"alice": {"role": "doctor"}}
    members = await worker_b.join("g", "bob", {"role": "patient"}, limit=2, ttl=30)
    assert set(members) == {"alice", "bob"}
    with pytest.raises(GroupFullError):
        await worker_a.join("g", "carol", {"role": "nurse"}, limit=2, ttl=30)


async def test_presence_capacity_replace_and_leave(hub):
    for name in ("a", "b", "c"):
        await hub.join("room", name, {"conn": 1}, limit=3, ttl=30)
    with pytest.raises(GroupFullError) as full:
        await hub.join("room", "d", {"conn": 1}, limit=3, ttl=30)
    assert full.value.limit == 3
    # the same member joining again (a reloaded page) replaces its entry
    members = await hub.join("room", "a", {"conn": 2}, limit=3, ttl=30)
    assert members["a"] == {"conn": 2} and len(members) == 3
    # the old tab can neither refresh nor remove the new entry
    assert not await hub.refresh("room", "a", {"conn": 1}, ttl=30)
    assert not await hub.leave("room", "a", {"conn": 1})
    assert await hub.refresh("room", "a", {"conn": 2}, ttl=30)
    assert await hub.leave("room", "a", {"conn": 2})
    assert set(await hub.members("room")) == {"b", "c"}
    await hub.join("room", "d", {"conn": 1}, limit=3, ttl=30)
    assert set(await hub.members("room")) == {"b", "c", "d"}
    assert await hub.members("empty") == {}


async def test_presence_expires(hub):
    """A crashed worker's members vanish after their ttl, freeing the room."""
    await hub.join("exp", "ghost", {"x": 1}, limit=1, ttl=0.2)
    with pytest.raises(GroupFullError):
        await hub.join("exp", "alive", {"x": 1}, limit=1, ttl=30)
    await asyncio.sleep(0.35)
    assert await hub.members("exp") == {}
    assert not await hub.refresh("exp", "ghost", {"x": 1}, ttl=30)
    assert await hub.join("exp", "alive", {"x": 1}, limit=1, ttl=30) == {"alive": {"x": 1}}


async def test_slow_consumer_is_told_rather_than_losing_messages_silently():
    hub = InProcessHub()
    async with hub.subscribe("flood") as sub:
        for i in range(QUEUE_SIZE + 1):
            await hub.publish("flood", {"i": i})
        with pytest.raises(SubscriptionOverflow):
            await sub.get(timeout=1)


@needs_redis
async def test_concurrent_subscriptions_to_one_channel(prefix):
    hub = make_hub(Settings(redis_url=REDIS_URL), prefix=prefix)
    try:
        subs = await asyncio.gather(*(hub._open("same") for _ in range(5)))
        await hub.publish("same", {"ok": True})
        for sub in subs:
            assert await sub.get(timeout=2) == {"ok": True}
            await sub.close()
    finally:
        await hub.close()


def test_backend_follows_settings():
    assert make_hub(Settings(redis_url=None)).backend == "in-process"
    assert make_hub(Settings(redis_url="redis://127.0.0.1:1/0")).backend == "redis"

    from fastapi import FastAPI

    app = FastAPI()
    app.state.settings = Settings(redis_url=None)
    assert get_hub(app) is get_hub(app)
    assert len(app.router.on_shutdown) == 1
