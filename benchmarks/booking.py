"""Care platform benchmark: slot search and concurrent booking on a national-size database.

Builds a synthetic national supply (default 100,000 practitioners at ~33,000 sites placed
on communes by population, 1,000,000 slots over the next 7 days, 20,000 patients) with
bulk inserts (COPY on PostgreSQL, executemany on SQLite), then measures:

* slot search ``search_slots`` (30 min, 48 h, GP) from random communes weighted by
  population: p50 / p95, and the same queries with the slot indexes dropped (reference
  run in the same process) with the ratio;
* booking throughput with 64 concurrent clients (threads, one connection each) on a hot
  set of slots so that many attempts collide, vs one client; then double bookings and
  overlapping appointments counted by SQL (must be 0).

    python benchmarks/booking.py                          # PostgreSQL from OASIS_TEST_POSTGRES_URL
    python benchmarks/booking.py --scale 0.02 --seconds 5 # quick run
    python benchmarks/booking.py --db sqlite:////tmp/bench.db --scale 0.05

On PostgreSQL the benchmark creates and finally drops its own database
``oasis_bench_booking`` next to the one in the URL.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oasis.care.booking import service as booking
from oasis.care.core import db as care_db
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict
from oasis.care.scheduling.search import search_slots
from oasis.territory.geography import load_geography
from oasis.territory.supply import unit_positions

BENCH_DB = os.environ.get("OASIS_BENCH_DB", "oasis_bench_booking")  # one per concurrent run
SLOTS_PER_PRACTITIONER = 10
PRACTITIONERS_PER_SITE = 3


def prepare_database(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and os.path.exists(parsed.database):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(parsed.database + suffix):
                    os.remove(parsed.database + suffix)
        return url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    return parsed.set(database=BENCH_DB).render_as_string(hide_password=False)


def drop_database(base: str, url: str) -> None:
    care_db.dispose_engine(url)
    if make_url(url).get_backend_name() == "sqlite":
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
    admin.dispose()


def _rpps(n: int) -> str:
    from oasis.territory.supply import rpps_with_check_digit

    return rpps_with_check_digit(f"19{n:08d}")


def _bulk(engine, table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany on SQLite; rows is an iterable of tuples."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                # Synthetic rows generated consistent: skip the per-row foreign-key triggers
                # for this session's load (needs a superuser, as on the test server).
                cur.execute("SET session_replication_role = replica")
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute("SET session_replication_role = DEFAULT")
            raw.commit()
        finally:
            raw.close()
        return
    marks = ", ".join("?" for _ in columns)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cur.execute("COMMIT")
    finally:
        raw.close()


def populate(url: str, n_practitioners: int, n_patients: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    geo = load_geography()
    units, _ = unit_positions(geo)
    pop = geo.population[units].astype(np.float64)
    n_sites = max(1, n_practitioners // PRACTITIONERS_PER_SITE)
    site_units = units[rng.choice(len(units), size=n_sites, p=pop / pop.sum())]
    engine = care_db.get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)

    def ts(value: datetime):
        return value.replace(tzinfo=None).isoformat(" ") if sqlite else value

    created = ts(datetime.now(UTC))
    t0 = time.perf_counter()
    _bulk(engine, "location", ["id", "name", "kind", "commune_code", "lat", "lon",
                               "nurse_present", "sector1_only", "equipment", "active",
                               "synthetic", "created_at"],
          ((i + 1, f"Site {i + 1} (bench)", "cabinet", str(geo.code[u]),
            float(geo.lat[u]) + float(rng.normal(0, 0.005)),
            float(geo.lon[u]) + float(rng.normal(0, 0.005)), False, False, "[]", True, True,
            created) for i, u in enumerate(site_units)))
    specialties = np.where(rng.random(n_practitioners) < 0.6, "generaliste",
                           rng.choice(["ophtalmologue", "dermatologue", "pediatre",
                                       "cardiologue"], n_practitioners))
    site_of = rng.integers(1, n_sites + 1, n_practitioners)
    _bulk(engine, "practitioner", ["id", "rpps", "family_name", "given_name", "profession",
                                   "specialty", "sector", "teleconsultation", "synthetic",
                                   "created_at"],
          ((p + 1, _rpps(p + 1), f"Bench{p + 1}", "Dr", "medecin", str(specialties[p]), "1",
            False, True, created) for p in range(n_practitioners)))
    _bulk(engine, "practitioner_role", ["id", "practitioner_id", "location_id", "active"],
          ((p + 1, p + 1, int(site_of[p]), True) for p in range(n_practitioners)))
    _bulk(engine, "schedule", ["id", "practitioner_id", "location_id", "mode", "slot_minutes",
                               "active", "created_at"],
          ((p + 1, p + 1, int(site_of[p]), "in_person", 20, True, created)
           for p in range(n_practitioners)))

    def slot_rows():
        sid = 0
        for p in range(n_practitioners):
            for k in range(SLOTS_PER_PRACTITIONER):
                day = (p + k) % 7
                start = now + timedelta(days=day, minutes=20 * (k // 7 + 3 * (p % 20)))
                sid += 1
                yield (sid, p + 1, p + 1, int(site_of[p]), "in_person", str(specialties[p]),
                       ts(start), ts(start + timedelta(minutes=20)), "free")

    set_indexes(url, present=False)  # building indexes after the load is much faster
    _bulk(engine, "slot", ["id", "schedule_id", "practitioner_id", "location_id", "mode",
                           "specialty", "start_at", "end_at", "status"], slot_rows())
    set_indexes(url, present=True)
    # With an e-mail, as real patients: a booking queues its confirmation.
    _bulk(engine, "patient", ["id", "family_name", "given_name", "birth_date", "commune_code",
                              "email", "synthetic", "created_at"],
          ((i + 1, f"Patient{i + 1}", "Bench", "1970-01-01", "58194",
            f"patient{i + 1}@bench.invalid", True, created) for i in range(n_patients)))
    if not sqlite:
        with engine.begin() as conn:
            for table in ("location", "practitioner", "practitioner_role", "schedule", "slot",
                          "patient"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"sites": n_sites, "slots": n_practitioners * SLOTS_PER_PRACTITIONER,
            "seconds": time.perf_counter() - t0, "geo": geo, "units": units, "pop": pop}


def run_searches(url: str, points: list[tuple[float, float]]) -> list[float]:
    factory = care_db.session_factory(url)
    times = []
    for lat, lon in points:
        session = factory()
        t0 = time.perf_counter()
        search_slots(session, lat=lat, lon=lon, within_minutes=30, within_hours=48,
                     specialty="generaliste", limit=20)
        times.append(time.perf_counter() - t0)
        session.close()
    return times


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


SLOT_INDEXES = {"ix_slot_location_start": "slot (location_id, start_at)",
                "ix_slot_specialty_start": "slot (specialty, start_at)",
                "ix_slot_free_search": "slot (specialty, mode, start_at, location_id) "
                                       "WHERE status = 'free'"}


def set_indexes(url: str, present: bool) -> None:
    with care_db.get_engine(url).begin() as conn:
        for name, target in SLOT_INDEXES.items():
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}") if present
                         else text(f"DROP INDEX IF EXISTS {name}"))
        conn.execute(text("ANALYZE slot"))


def booking_run(url: str, clients: int, seconds: float, hot_slots: list[int],
                n_patients: int) -> dict:
    factory = care_db.session_factory(url)
    counts = {"ok": 0, "conflict": 0, "error": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    errors: list[str] = []
    actor = Actor.system()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        local = {"ok": 0, "conflict": 0, "error": 0}
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            session = factory()
            try:
                booking.book(session, actor, slot_id=rng.choice(hot_slots),
                             patient_id=rng.randint(1, n_patients))
                session.commit()
                local["ok"] += 1
            except Conflict:
                session.rollback()
                local["conflict"] += 1
            except Exception as exc:  # reported, never hidden
                session.rollback()
                local["error"] += 1
                if len(errors) < 5:
                    errors.append(repr(exc))
            finally:
                session.close()
        with lock:
            for k, v in local.items():
                counts[k] += v

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    attempts = sum(counts.values())
    return counts | {"elapsed": elapsed, "attempts_per_s": attempts / elapsed,
                     "bookings_per_s": counts["ok"] / elapsed, "errors": errors}


def violations(url: str) -> tuple[int, int]:
    active = "('booked', 'arrived', 'fulfilled', 'noshow')"
    with care_db.get_engine(url).connect() as conn:
        double = conn.execute(text(
            f"SELECT count(*) FROM (SELECT slot_id FROM appointment WHERE status IN {active} "
            "GROUP BY slot_id HAVING count(*) > 1) d")).scalar()
        overlap = conn.execute(text(
            f"SELECT count(*) FROM appointment a JOIN appointment b "
            f"ON a.practitioner_id = b.practitioner_id AND a.id < b.id "
            f"AND a.start_at < b.end_at AND b.start_at < a.end_at "
            f"WHERE a.status IN {active} AND b.status IN {active}")).scalar()
    return int(double), int(overlap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("OASIS_TEST_POSTGRES_URL"),
                        help="SQLAlchemy URL (default: OASIS_TEST_POSTGRES_URL)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 100,000 practitioners and 1,000,000 slots")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--reference-queries", type=int, default=30)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--hot", type=int, default=5000, help="slots the clients fight over")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if not args.db:
        parser.error("give --db or set OASIS_TEST_POSTGRES_URL")
    n_pract = int(100_000 * args.scale)
    n_patients = max(100, int(20_000 * args.scale))
    url = prepare_database(args.db)
    engine_kwargs = {} if url.startswith("sqlite") else {
        "pool_size": args.clients + 4, "max_overflow": 0}
    care_db._engines[url] = care_db.make_engine(url, **engine_kwargs)
    try:
        care_db.upgrade(url)
        info = populate(url, n_pract, n_patients)
        backend = make_url(url).get_backend_name()
        print(f"database: {backend}  practitioners: {n_pract:,}  sites: {info['sites']:,}  "
              f"slots: {info['slots']:,}  patients: {n_patients:,}")
        print(f"bulk load: {info['seconds']:.1f} s "
              f"({info['slots'] / info['seconds']:,.0f} slots/s incl. other tables)")

        rng = np.random.default_rng(11)
        geo, units, pop = info["geo"], info["units"], info["pop"]
        picks = units[rng.choice(len(units), size=args.queries, p=pop / pop.sum())]
        points = [(float(geo.lat[u]), float(geo.lon[u])) for u in picks]
        run_searches(url, points[:10])  # warm-up
        times = run_searches(url, points)
        p50, p95 = pct(times, 50), pct(times, 95)
        print(f"slot search (30 min, 48 h, GP), {len(times)} queries: "
              f"p50 {p50:.1f} ms  p95 {p95:.1f} ms")
        set_indexes(url, present=False)
        ref = run_searches(url, points[:args.reference_queries])
        set_indexes(url, present=True)
        r50, r95 = pct(ref, 50), pct(ref, 95)
        print(f"reference without slot indexes, {len(ref)} queries: p50 {r50:.1f} ms  "
              f"p95 {r95:.1f} ms  -> indexed search {r50 / p50:.1f}x faster (p50)")

        with care_db.get_engine(url).connect() as conn:
            hot = [r[0] for r in conn.execute(text(
                "SELECT id FROM slot WHERE status = 'free' AND start_at > :t "
                "ORDER BY id LIMIT :n"), {"t": datetime.now(UTC) + timedelta(minutes=5),
                                          "n": args.hot * 2})]
        one = booking_run(url, 1, args.seconds / 3, hot[args.hot:], n_patients)
        many = booking_run(url, args.clients, args.seconds, hot[:args.hot], n_patients)
        print(f"booking, 1 client: {one['bookings_per_s']:.0f} bookings/s "
              f"({one['ok']} ok, {one['conflict']} conflicts, {one['error']} errors)")
        print(f"booking, {args.clients} clients on {args.hot:,} hot slots, "
              f"{many['elapsed']:.1f} s: {many['bookings_per_s']:.0f} bookings/s, "
              f"{many['attempts_per_s']:.0f} attempts/s ({many['ok']} ok, "
              f"{many['conflict']} conflicts 409, {many['error']} errors) -> "
              f"{many['bookings_per_s'] / max(one['bookings_per_s'], 1e-9):.1f}x one client")
        for e in many["errors"] + one["errors"]:
            print("  error:", e)
        double, overlap = violations(url)
        print(f"double bookings (SQL): {double}  overlapping appointments (SQL): {overlap}")
        if double or overlap or many["error"]:
            raise SystemExit(1)
    finally:
        if not args.keep:
            drop_database(args.db, url)


if __name__ == "__main__":
    main()
