"""Teleconsultation queue latency: join, live position updates, take-next, call link delivery.

Starts real uvicorn servers (LiveServer) on a fresh migrated database, seeds ``--patients``
patients and as many teleconsulting doctors (accounts with signed tokens), then:

1. every patient joins the queue over HTTP (``POST /api/v1/teleconsult/queue``) and opens
   the live socket ``/ws/teleconsult/queue/{id}``: *join* latency and *join → first
   position received*;
2. the doctors go on duty, then take the next patient one after the other
   (``POST /api/v1/teleconsult/queue/next``): *take-next* latency, *take → the taken
   patient receives the call link*, and *take → every other waiting patient receives
   their new position* (p50 / p95 / max over all deliveries).

It runs twice in the same process: the in-process hub (one worker) and, when Redis is
reachable (``OASIS_TEST_REDIS_URL`` or ``--redis``), the Redis hub with *two* servers —
patients connected to worker A, doctors clicking on worker B — and prints the ratios
against the in-process run and against a plain ``GET /healthz`` round trip (the HTTP floor).

    python benchmarks/teleconsult_queue.py
    python benchmarks/teleconsult_queue.py --patients 40 --redis redis://127.0.0.1:6379/15
    python benchmarks/teleconsult_queue.py --db postgresql+psycopg://postgres@127.0.0.1:5432/oasis_bench_queue
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's ``queue``: when run as a script
# its folder comes first on sys.path and would shadow it (uvicorn, logging import queue).
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import date

import httpx
from websockets.asyncio.client import connect

from oasis.care.accounts import service as accounts
from oasis.care.core import db as care_db
from oasis.care.core.actor import Actor
from oasis.care.people import service as people
from oasis.config import Settings
from oasis.territory.supply import rpps_with_check_digit
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer

SECRET = "bench-secret"


def seed(url: str, n: int, offset: int = 0) -> tuple[list[str], list[str]]:
    """``n`` patients and ``n`` teleconsulting GPs; their bearer tokens."""
    care_db.upgrade(url)
    session = care_db.session_factory(url)()
    patients, doctors = [], []
    tag = uuid.uuid4().hex[:6]
    try:
        for i in range(n):
            d = people.create_practitioner(
                session, rpps=rpps_with_check_digit(f"{7_000_000 + offset + i:010d}"),
                family_name="Bench", given_name=f"Doc{i}", specialty="generaliste",
                teleconsultation=True)
            p = people.create_patient(session, Actor.system(), family_name="Bench",
                                      given_name=f"P{i}", birth_date=date(1970, 1, 1),
                                      commune_code="58194")
            # Pre-hashed password: the benchmark measures the queue, not Argon2.
            for kind, obj, out in (("practitioner", d, doctors), ("patient", p, patients)):
                acc = accounts.Account(email=f"{kind}{i}-{tag}@bench.fr", password_hash="x",
                                       role=kind, display_name=f"{kind} {i}",
                                       **{f"{kind}_id": obj.id})
                session.add(acc)
                session.flush()
                out.append(accounts.issue_token(acc, SECRET))
        session.commit()
    finally:
        session.close()
    return patients, doctors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fmt(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):7.1f} ms  p95 {pct(values, 0.95):7.1f} ms  "
            f"max {max(values):7.1f} ms  (n={len(values)})")


class Socket:
    """A waiting patient's live socket; messages with their arrival time."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            await self.inbox.put((time.perf_counter(), json.loads(raw)))

    async def next(self, timeout: float = 10.0) -> tuple[float, dict]:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def until(self, wanted, timeout: float = 10.0) -> tuple[float, dict]:
        """The first message satisfying ``wanted`` (earlier, stale ones are skipped)."""
        while True:
            at, msg = await self.next(timeout)
            if wanted(msg):
                return at, msg


async def run(patient_url: str, doctor_url: str, patients: list[str],
              doctors: list[str]) -> dict[str, list[float]]:
    ws_base = patient_url.replace("http://", "ws://")
    out: dict[str, list[float]] = {k: [] for k in (
        "healthz", "join", "join_to_position", "take_next", "take_to_call_link",
        "take_to_position_update")}
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(20):
            t0 = time.perf_counter()
            (await http.get(doctor_url + "/healthz")).raise_for_status()
            out["healthz"].append((time.perf_counter() - t0) * 1000)
        sockets: list[Socket] = []
        for token in patients:
            t0 = time.perf_counter()
            r = await http.post(patient_url + "/api/v1/teleconsult/queue",
                                headers={"Authorization": f"Bearer {token}"},
                                json={"reason": "fièvre", "triage": []})
            r.raise_for_status()
            out["join"].append((time.perf_counter() - t0) * 1000)
            entry_id = r.json()["entry"]["entry_id"]
            ws = await connect(f"{ws_base}/ws/teleconsult/queue/{entry_id}"
                               f"?access_token={token}")
            sock = Socket(ws)
            at, first = await sock.next()
            assert first["type"] == "queue", first
            out["join_to_position"].append((at - t0) * 1000)
            sockets.append(sock)
        for token in doctors:
            (await http.put(doctor_url + "/api/v1/teleconsult/presence",
                            headers={"Authorization": f"Bearer {token}"},
                            json={"status": "available"})).raise_for_status()
        for sock in sockets:  # every patient sees all the doctors on duty
            await sock.until(lambda m: m.get("doctors_available") == len(doctors))
        waiting = list(sockets)
        for token in doctors:
            t0 = time.perf_counter()
            r = await http.post(doctor_url + "/api/v1/teleconsult/queue/next",
                                headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()
            out["take_next"].append((time.perf_counter() - t0) * 1000)
            taken, waiting = waiting[0], waiting[1:]
            at, msg = await taken.until(lambda m: m["type"] == "taken")
            assert msg["call"]["url"], msg
            out["take_to_call_link"].append((at - t0) * 1000)
            for position, sock in enumerate(waiting, start=1):
                at, _ = await sock.until(lambda m, p=position: m.get("position") == p)
                out["take_to_position_update"].append((at - t0) * 1000)
            if not waiting:
                break
        for sock in sockets:
            await sock.ws.close()
            sock.task.cancel()
    return out


def bench(label: str, db_url: str, n: int, redis_url: str | None,
          offset: int = 0) -> dict[str, list[float]]:
    patients, doctors = seed(db_url, n, offset)
    settings = Settings(database_url=db_url, secret_key=SECRET, redis_url=redis_url)
    servers = [LiveServer(create_app(settings)).start()]
    if redis_url:
        servers.append(LiveServer(create_app(settings)).start())
    try:
        result = asyncio.run(run(servers[0].url, servers[-1].url, patients, doctors))
    finally:
        for s in servers:
            s.stop()
    print(f"\n== {label}")
    for key, values in result.items():
        print(f"  {key:<24} {fmt(values)}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    parser.add_argument("--redis", default=os.environ.get("OASIS_TEST_REDIS_URL"))
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="oasis-queue-bench-")
    db_url = args.db or f"sqlite:///{tmp}/queue.db"
    print(f"queue benchmark: {args.patients} patients, {args.patients} doctors, "
          f"database {db_url.split('@')[-1]}")
    ref = bench("in-process hub, 1 worker", db_url, args.patients, None)
    runs = {"in-process": ref}
    if args.redis:
        try:
            import redis

            redis.Redis.from_url(args.redis).ping()
        except Exception as exc:  # report and carry on without Redis
            print(f"\nRedis not reachable ({exc}): Redis run skipped")
        else:
            runs["redis"] = bench("Redis hub, 2 workers (patients on A, doctors on B)",
                                  db_url, args.patients, args.redis, offset=100_000)
    floor = statistics.median(ref["healthz"])
    print("\nratios (median): vs GET /healthz round trip on the same server"
          + (", Redis vs in-process" if "redis" in runs else ""))
    for key in ("join", "join_to_position", "take_next", "take_to_call_link",
                "take_to_position_update"):
        line = f"  {key:<24} x{statistics.median(ref[key]) / floor:6.1f} healthz"
        if "redis" in runs:
            line += (f"   redis/in-process x"
                     f"{statistics.median(runs['redis'][key]) / statistics.median(ref[key]):.2f}")
        print(line)


if __name__ == "__main__":
    main()
