"""Benchmark: video calls, from the hub to the browsers, in-process hub vs Redis hub.

Run: ``.venv/bin/python benchmarks/visio_connect.py [--calls 5] [--messages 1000]
[--redis redis://127.0.0.1:6379/15]``

Prints, for each hub backend (the in-process hub is the reference, ratios are against it):

1. hub latency: publish -> subscriber, one message at a time (median, p95), and burst
   throughput;
2. signalling latency: a ``signal`` frame from one websocket client to another through a
   real uvicorn server (and, with Redis, between two servers: the multi-worker case);
3. time to connect: two headless chromium pages (Debian chromium, fake camera) from page
   load to RTCPeerConnection ``connected``, median over ``--calls`` calls.

Redis comes from ``--redis``, ``OASIS_TEST_REDIS_URL`` or ``REDIS_URL``; without it only
the in-process figures are printed.  Without chromium the browser part is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from oasis.web.live.hub import make_hub
from oasis.web.live.hub.base import QUEUE_SIZE

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test suite's signalling client and page helpers

from tests.factories.visio_client import Peer  # noqa: E402

SECRET = "benchmark-secret"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ------------------------------------------------------------------ 1. hub
async def hub_figures(redis_url: str | None, n: int) -> dict[str, float]:
    hub = make_hub(Settings(redis_url=redis_url), prefix=f"oasis-bench-{uuid.uuid4().hex}:")
    try:
        async with hub.subscribe("bench") as sub:
            samples = []
            for i in range(n):
                start = time.perf_counter()
                await hub.publish("bench", {"i": i, "sdp": "x" * 300})
                await sub.get(timeout=5)
                samples.append(time.perf_counter() - start)
            # bursts stay under the subscription's queue bound (QUEUE_SIZE)
            burst, rounds = QUEUE_SIZE - 100, 5
            start = time.perf_counter()
            for _ in range(rounds):
                for i in range(burst):
                    await hub.publish("bench", {"i": i})
                for _ in range(burst):
                    await sub.get(timeout=10)
            rate = burst * rounds / (time.perf_counter() - start)
    finally:
        await hub.close()
    return {"median": statistics.median(samples), "p95": pct(samples, 0.95), "rate": rate}


# ------------------------------------------------------------------ 2. signalling
async def signalling_latency(server_a: LiveServer, server_b: LiveServer, n: int) -> dict:
    room = f"bench-{uuid.uuid4().hex[:10]}"
    a = await Peer.join(server_a.ws_url, SECRET, room, "doctor-1", "doctor")
    await a.expect("welcome")
    b = await Peer.join(server_b.ws_url, SECRET, room, "patient-1", "patient")
    await b.expect("welcome")
    await a.expect("peer-joined")
    samples = []
    candidate = {"candidate": {"candidate": "candidate:1 1 udp 2122260223 192.0.2.2 "
                                            "54321 typ host", "sdpMid": "0"}}
    for _ in range(n):
        start = time.perf_counter()
        await a.send(type="signal", to="patient-1", data=candidate)
        await b.expect("signal")
        samples.append(time.perf_counter() - start)
    await a.close()
    await b.close()
    return {"median": statistics.median(samples), "p95": pct(samples, 0.95)}


def make_servers(stack: ExitStack, redis_url: str | None, count: int) -> list[LiveServer]:
    prefix = f"oasis-bench-{uuid.uuid4().hex}:"
    servers = []
    for _ in range(count):
        app = create_app(Settings(secret_key=SECRET, redis_url=redis_url))
        app.state.hub_prefix = prefix
        servers.append(stack.enter_context(LiveServer(app)))
    return servers


# ------------------------------------------------------------------ 3. browsers
def connect_times(browser, servers: list[LiveServer], calls: int) -> list[float]:
    from tests.factories.visio_pages import open_call, wait_connected, wait_video

    times = []
    for _ in range(calls):
        contexts = []

        def new_page(label, _contexts=contexts):
            context = browser.new_context(permissions=["camera", "microphone"])
            _contexts.append(context)
            return context.new_page()

        room = f"bench-{uuid.uuid4().hex[:10]}"
        doctor = open_call(new_page, servers[0], room, "doctor-1", "doctor")
        patient = open_call(new_page, servers[-1], room, "patient-1", "patient")
        # the later page's own load -> connected: what a patient joining a waiting
        # doctor experiences
        times.append(wait_connected(patient, 1) / 1000)
        wait_connected(doctor, 1)
        wait_video(patient)
        for context in contexts:
            context.close()
    return times


def chromium():
    path = os.environ.get("OASIS_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).exists():
        return None, None
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=path, headless=True,
        args=["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    return playwright, browser


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5, help="browser calls per backend")
    parser.add_argument("--messages", type=int, default=1000, help="messages per latency run")
    parser.add_argument("--redis", default=os.environ.get("OASIS_TEST_REDIS_URL")
                        or os.environ.get("REDIS_URL"))
    args = parser.parse_args()
    backends = [("in-process", None)] + ([("redis", args.redis)] if args.redis else [])
    if not args.redis:
        print("(no Redis URL: in-process figures only)")

    print(f"\n1. hub publish -> receive, {args.messages} messages one at a time")
    ref = None
    for name, url in backends:
        f = asyncio.run(hub_figures(url, args.messages))
        ref = ref or f
        print(f"  {name:<11} median {ms(f['median'])}  p95 {ms(f['p95'])}  "
              f"burst {f['rate']:9.0f} msg/s  (x{f['median'] / ref['median']:.1f} latency)")

    print(f"\n2. signalling frame client -> server -> client, {args.messages} frames")
    with ExitStack() as stack:
        cases = [("in-process, 1 server", None, 1)]
        if args.redis:
            cases += [("redis, 1 server", args.redis, 1), ("redis, 2 servers", args.redis, 2)]
        ref = None
        for label, url, count in cases:
            servers = make_servers(stack, url, count)
            f = asyncio.run(signalling_latency(servers[0], servers[-1], args.messages))
            ref = ref or f
            print(f"  {label:<21} median {ms(f['median'])}  p95 {ms(f['p95'])}  "
                  f"(x{f['median'] / ref['median']:.1f})")

        playwright, browser = chromium()
        if browser is None:
            print("\n3. skipped: Debian chromium not installed (apt-get install chromium)")
            return
        try:
            print(f"\n3. page load -> WebRTC connected, 2 chromium pages, {args.calls} calls")
            ref = None
            for label, url, count in cases:
                servers = make_servers(stack, url, count)
                connect_times(browser, servers, 1)  # warm-up: browser caches, JIT
                t = connect_times(browser, servers, args.calls)
                med = statistics.median(t)
                ref = ref or med
                print(f"  {label:<21} median {ms(med)}  min {ms(min(t))}  max {ms(max(t))}  "
                      f"(x{med / ref:.2f})")
        finally:
            browser.close()
            playwright.stop()


if __name__ == "__main__":
    main()
