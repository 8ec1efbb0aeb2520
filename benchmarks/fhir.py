"""FHIR Slot search vs the REST slot search on the booking benchmark database.

Builds the national benchmark database of ``benchmarks/booking.py`` (PostgreSQL; scale
1.0 = 100,000 practitioners and 1,000,000 slots), then asks both APIs the same question
through HTTP in-process (FastAPI TestClient): free GP slots within 30 minutes and 48 hours
of communes drawn by population, 20 per page —

* REST ``GET /api/v1/slots?commune=…&specialty=generaliste``
* FHIR ``GET /fhir/Slot?commune=…&specialty=generaliste&status=free``

and prints p50/p95 of each and the FHIR/REST ratio (target: p95 within 1.5×).  Then the
serialisation of a 100-entry searchset Bundle (mapping + JSON; target < 20 ms).

    python benchmarks/fhir.py                   # national scale, OASIS_TEST_POSTGRES_URL
    python benchmarks/fhir.py --scale 0.1       # 100,000 slots
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file is named like the PyPI ``fhir`` namespace: keep site-packages first.
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path.pop(0)
sys.path.append(str(HERE))

import booking as bench  # noqa: E402  (benchmarks/booking.py: the national database)
import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from oasis.care.core import db as care_db  # noqa: E402
from oasis.care.scheduling.search import search_slots  # noqa: E402
from oasis.config import Settings  # noqa: E402
from oasis.web.api.fhir import scheduling as fhir_scheduling  # noqa: E402
from oasis.web.api.fhir.common import FhirResponse, bundle  # noqa: E402
from oasis.web.app import create_app  # noqa: E402

# Its own database, so that a concurrent ``booking.py`` run does not drop it.
bench.BENCH_DB = "oasis_bench_fhir"


def timings(client: TestClient, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url)
        out.append(time.perf_counter() - t0)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("OASIS_TEST_POSTGRES_URL"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 100,000 practitioners and 1,000,000 slots")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=50, help="bundle serialisations")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not args.db:
        parser.error("give --db or set OASIS_TEST_POSTGRES_URL")
    url = bench.prepare_database(args.db)
    try:
        care_db.upgrade(url)
        n_pract = int(100_000 * args.scale)
        info = bench.populate(url, n_pract, max(100, int(20_000 * args.scale)))
        print(f"database: {url.split('://')[0]}  practitioners: {n_pract:,}  "
              f"slots: {info['slots']:,}  (built in {info['seconds']:.0f} s)")
        geo, units, pop = info["geo"], info["units"], info["pop"]
        rng = np.random.default_rng(11)
        picks = units[rng.choice(len(units), size=args.queries, p=pop / pop.sum())]
        communes = [str(geo.code[u]) for u in picks]
        rest = [f"/api/v1/slots?commune={c}&specialty=generaliste" for c in communes]
        fhir = [f"/fhir/Slot?commune={c}&specialty=generaliste&status=free"
                for c in communes]
        app = create_app(Settings(database_url=url, secret_key="bench"))
        with TestClient(app) as client:
            timings(client, rest[:10] + fhir[:10])  # warm-up
            # Interleaved halves so that cache warmth favours neither API.
            t_rest = timings(client, rest[::2]) + timings(client, rest[1::2])
            t_fhir = timings(client, fhir[1::2]) + timings(client, fhir[::2])
        for name, t in (("REST /api/v1/slots", t_rest), ("FHIR /fhir/Slot", t_fhir)):
            print(f"{name:<22} {len(t)} queries: p50 {bench.pct(t, 50):6.1f} ms  "
                  f"p95 {bench.pct(t, 95):6.1f} ms")
        ratio = bench.pct(t_fhir, 95) / bench.pct(t_rest, 95)
        print(f"FHIR / REST p95: {ratio:.2f}x (target <= 1.5x)")

        session = care_db.session_factory(url)()
        point = (float(geo.lat[picks[0]]), float(geo.lon[picks[0]]))
        hits, _ = search_slots(session, lat=point[0], lon=point[1], within_minutes=60,
                               within_hours=24 * 7, specialty="generaliste", limit=100)
        session.close()
        if len(hits) < 100:
            print(f"bundle: only {len(hits)} slots found near the first commune")

        def serialise() -> bytes:
            entries = [fhir_scheduling.slot_of_hit(h) for h in hits]
            body = bundle(entries, base="http://x/fhir", self_url="http://x/fhir/Slot")
            return FhirResponse(body).body

        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            size = len(serialise())
            samples.append(time.perf_counter() - t0)
        print(f"{len(hits)}-entry searchset Bundle (mapping + JSON, {size / 1000:.0f} kB): "
              f"median {statistics.median(samples) * 1000:.2f} ms  "
              f"max {max(samples) * 1000:.2f} ms (target < 20 ms)")
    finally:
        if not args.keep:
            bench.drop_database(args.db, url)


if __name__ == "__main__":
    main()
