"""Load test over HTTP: `oasis serve --workers N` on 127.0.0.1, driven by locust (headless).

Builds the benchmark database of ``benchmarks/booking.py`` (``--scale 1``: 100,000
practitioners, 1,000,000 slots; default 0.05), creates patient, doctor and coordinator
accounts, starts the server as in production (``oasis serve --workers``), then runs each
scenario of ``locustfile.py`` for ``--seconds`` with a bounded number of users and prints
one table: requests/s, p50/p95/p99, failures, and for bookings the successful bookings/s
counted in SQL.  It also runs the booking's own SQL statements with psycopg at the same
concurrency (the database's ceiling on this machine) and prints Oasis's throughput as a
ratio of it, and counts double bookings and overlaps in SQL (must be 0).

    make bench-load                                   # PostgreSQL (OASIS_TEST_POSTGRES_URL)
    python benchmarks/load/run.py --scale 0.02 --seconds 5 --workers 1
    python benchmarks/load/run.py --db sqlite:////tmp/load.db --workers 1

Loopback only, bounded: at most 256 users and 120 s per scenario.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import booking as bench  # noqa: E402  (benchmarks/booking.py: database build)

from oasis.care.accounts import service as accounts  # noqa: E402
from oasis.care.accounts.models import Account  # noqa: E402
from oasis.care.core import db as care_db  # noqa: E402

HOST = "127.0.0.1"
SECRET = "load-test-secret"
MAX_USERS, MAX_SECONDS = 256, 120
DOCTORS = 16
PLANNER_PAGES = ["/planification", "/planification/epci-prioritaires", "/carte"]
# Targets of the issue (PostgreSQL, 2 workers, this machine).
TARGET_BOOKINGS_PER_S, TARGET_HOT_P95_MS = 500, 100
TARGET_CARE_OPTIONS_P95_MS, TARGET_SLOTS_P95_MS, TARGET_CEILING_RATIO = 50, 30, 0.5


class Token:
    """What ``issue_token`` reads of an account (patients' tokens name their patient)."""

    def __init__(self, account_id: int, role: str = "staff",
                 patient_id: int | None = None) -> None:
        self.id, self.token_version = account_id, 0
        self.role, self.patient_id = role, patient_id


def make_accounts(url: str, n_patients: int) -> dict:
    """Patient accounts for every patient, 16 teleconsulting doctors, one coordinator."""
    from oasis.care.people import service as people

    password_hash = accounts.hash_password("load-test-password")
    engine = care_db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Account), [
            {"email": f"load{p}@bench.fr", "password_hash": password_hash, "role": "patient",
             "display_name": f"Patient {p}", "patient_id": p, "synthetic": True}
            for p in range(1, n_patients + 1)])
        conn.execute(text("UPDATE practitioner SET teleconsultation = true "
                          "WHERE id <= :n"), {"n": DOCTORS})
        conn.execute(insert(Account), [
            {"email": f"doc{d}@bench.fr", "password_hash": password_hash,
             "role": "practitioner", "display_name": f"Dr {d}", "practitioner_id": d,
             "synthetic": True} for d in range(1, DOCTORS + 1)])
    with care_db.session_scope(url) as session:
        staff = people.create_staff(session, kind="coordinator", family_name="Charge",
                                    given_name="Test", organisation="ARS")
        session.flush()
        coord = Account(email="coord@bench.fr", password_hash=password_hash,
                        role="coordinator", display_name="Coordination", staff_id=staff.id,
                        synthetic=True)
        session.add(coord)
        session.flush()
        coordinator_id = coord.id
    with engine.connect() as conn:
        patients = [tuple(r) for r in conn.execute(text(
            "SELECT id, patient_id FROM account WHERE role = 'patient' ORDER BY id"))]
        doctors = [r[0] for r in conn.execute(text(
            "SELECT id FROM account WHERE role = 'practitioner' ORDER BY id"))]
    return {"patient_tokens": [accounts.issue_token(Token(a, "patient", p), SECRET)
                               for a, p in patients], "patient_accounts": patients,
            "doctor_tokens": [accounts.issue_token(Token(a), SECRET) for a in doctors],
            "coordinator_token": accounts.issue_token(Token(coordinator_id), SECRET)}


def free_slots(url: str) -> list[int]:
    with care_db.get_engine(url).connect() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT id FROM slot WHERE status = 'free' AND start_at > :t"),
            {"t": datetime.now(UTC) + timedelta(minutes=10)})]
    random.Random(5).shuffle(ids)
    return ids


def count_appointments(url: str) -> int:
    with care_db.get_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM appointment "
                                     "WHERE status = 'booked'")).scalar())


# ------------------------------------------------------------------------- server
def start_server(url: str, port: int, workers: int, redis: str | None) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "OASIS_SECRET_KEY": SECRET,
                        "PYTHONPATH": os.pathsep.join(sys.path)}
    if redis:
        env["REDIS_URL"] = redis
    proc = subprocess.Popen([sys.executable, "-c", "from oasis.commands.app import main; "
                             "main()", "serve", "--host", HOST, "--port", str(port),
                             "--workers", str(workers), "--no-jobs"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def warm_server(port: int, data: dict, workers: int) -> float:
    """Answer every page and search once per worker before measuring: the first call of
    a worker loads the geography and computes the territory (seconds, once)."""
    t0 = time.perf_counter()
    base = f"http://{HOST}:{port}"
    with httpx.Client(base_url=base, timeout=180,
                      cookies={"oasis_session": data["coordinator_token"]}) as client:
        for _ in range(3 * workers):
            client.get("/api/v1/care-options", params={"commune": data["communes"][0]})
            client.get("/api/v1/slots", params={"commune": data["communes"][0]})
            for path in PLANNER_PAGES:
                client.get(path)
    return time.perf_counter() - t0


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)  # graceful: in-flight requests complete
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------- locust
def run_locust(scenario: str, data: dict, users: int, seconds: int, port: int,
               workdir: Path) -> dict:
    users, seconds = min(users, MAX_USERS), min(seconds, MAX_SECONDS)
    data_file = workdir / f"{scenario}-{users}.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    prefix = workdir / f"{scenario}-{users}"
    env = os.environ | {"OASIS_LOAD_DATA": str(data_file), "OASIS_LOAD_SCENARIO": scenario}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"),
                    "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
                    "--host", f"http://{HOST}:{port}", "--csv", str(prefix),
                    "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5"],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust {scenario} failed: {done.stderr.decode()[-2000:]}")
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = row
    failures = []
    fail_file = Path(f"{prefix}_failures.csv")
    if fail_file.exists():
        with fail_file.open(encoding="utf-8") as f:
            failures = [f"{r['Name']}: {r['Error'][:70]} x{r['Occurrences']}"
                        for r in csv.DictReader(f)]
    return {"rows": rows, "elapsed": elapsed, "failures": failures}


def row_line(label: str, row: dict, extra: str = "") -> str:
    return (f"{label:<34} {float(row['Requests/s']):>8.0f} {row['50%']:>7} {row['95%']:>7} "
            f"{row['99%']:>7} {int(row['Request Count']):>8} {int(row['Failure Count']):>6}"
            f"  {extra}")


# ------------------------------------------------------------------ psycopg ceiling
def booking_sql(url: str, slot: int, account: int, patient: int) -> tuple[str, dict]:
    """The SQL Oasis runs for one booking on PostgreSQL (``booking.book``'s single
    statement, captured from one booking rolled back, and the confirmation's outbox
    insert): the ceiling runs exactly what the server runs, minus Python and HTTP."""
    from sqlalchemy import event

    from oasis.care.booking import service as booking
    from oasis.care.core.actor import Actor

    engine, seen = care_db.get_engine(url), []

    def capture(_conn, _cursor, statement, parameters, *_args) -> None:
        if "WITH claimed AS" in statement:
            seen.append((statement, dict(parameters)))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with care_db.session_factory(url)() as session:
            booking.book(session, Actor(account_id=account, role="patient",
                                        patient_id=patient, token_version=0),
                         slot_id=slot, patient_id=patient)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return seen[0]


OUTBOX_SQL = ("INSERT INTO outbox (channel, kind, ref, patient_id, recipient, subject, body, "
              "ics, status, attempts, created_at) VALUES ('email', 'booking_confirmed', %s, "
              "%s, %s, 'Oasis — Rendez-vous confirmé', %s, %s, 'stored', 0, now()) "
              "RETURNING id")


def psycopg_ceiling(url: str, slots: list[int], clients: int, seconds: float,
                    accounts_of: list[tuple[int, int]]) -> dict:
    """The booking's statements, straight from psycopg (one connection per client)."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    first_account, first_patient = accounts_of[0]
    sql, constants = booking_sql(url, slots[0], first_account, first_patient)
    body, ics = "Votre rendez-vous est confirmé : " + "x" * 120, "BEGIN:VCALENDAR" + "x" * 300
    it, lock, done = iter(slots), threading.Lock(), [0]
    barrier = threading.Barrier(clients)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        n = 0
        with psycopg.connect(conninfo) as conn:
            barrier.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                with lock:
                    slot = next(it, None)
                if slot is None:
                    break
                account, patient = rng.choice(accounts_of)
                now = datetime.now(UTC)
                with conn.transaction():
                    row = conn.execute(sql, constants | {
                        "slot_id": slot, "now": now, "patient_id": patient,
                        "token_account_id": account, "token_version": 0, "reason": None,
                        "booked_by_account_id": account, "created_at": now,
                        "rescheduled_from_id": None, "audit_recorded_at": now,
                        "audit_account_id": account, "audit_role": "patient",
                        "audit_patient_id": patient}).fetchone()
                    if row is None:
                        continue
                    conn.execute(OUTBOX_SQL, (f"appointment:{row[0]}", patient, "p@bench.invalid",
                                              body, ics)).fetchone()
                n += 1
        with lock:
            done[0] += n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"bookings": done[0], "elapsed": elapsed, "per_s": done[0] / elapsed}


# ------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("OASIS_TEST_POSTGRES_URL"),
                        help="SQLAlchemy URL (default: OASIS_TEST_POSTGRES_URL)")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--patients", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--search-users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--hot", type=int, default=20, help="slots the hot scenario fights for")
    parser.add_argument("--redis", default=os.environ.get("OASIS_TEST_REDIS_URL"))
    parser.add_argument("--scenarios", default="book,hot,journey,queue,search,planner")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-ceiling", dest="ceiling", action="store_false",
                        help="skip the psycopg ceiling (A/B runs of an older checkout)")
    args = parser.parse_args()
    if not args.db:
        parser.error("give --db or set OASIS_TEST_POSTGRES_URL")
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"at most {MAX_USERS} users and {MAX_SECONDS} s")
    scenarios = args.scenarios.split(",")
    url = bench.prepare_database(args.db)
    backend = make_url(url).get_backend_name()
    n_pract = int(100_000 * args.scale)
    workdir = Path(tempfile.mkdtemp(prefix="oasis-load-"))
    server = None
    try:
        care_db.upgrade(url)
        info = bench.populate(url, n_pract, args.patients)
        data = make_accounts(url, args.patients)
        geo, units, pop = info["geo"], info["units"], info["pop"]
        rng = random.Random(3)
        weights = list(pop)
        data["communes"] = [str(geo.code[u]) for u in rng.choices(list(units), weights, k=500)]
        data["planner_pages"] = PLANNER_PAGES
        slots = free_slots(url)
        n = args.users
        print(f"database: {backend}  practitioners: {n_pract:,}  slots: {info['slots']:,}  "
              f"patients: {args.patients:,}  server: oasis serve --workers {args.workers}  "
              f"users: {n} ({args.search_users} for search)  {args.seconds} s per scenario")
        port = free_port()
        server = start_server(url, port, args.workers, args.redis)
        print(f"warm-up: {warm_server(port, data, args.workers):.0f} s")
        print(f"{'scenario':<34} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'requests':>8} {'fails':>6}")
        results: dict[str, dict] = {}
        tokens = data["patient_tokens"]
        cut = [0]

        def take(k: int) -> list:
            part = tokens[cut[0]:cut[0] + k]
            cut[0] += k
            return part

        slot_cut = [0]

        def take_slots(k: int) -> list:
            part = slots[slot_cut[0]:slot_cut[0] + k]
            slot_cut[0] += k
            return part

        hot = take_slots(args.hot)
        if "book" in scenarios:
            for users in (1, n):
                before = count_appointments(url)
                budget = min(len(tokens) // 4, 400 * args.seconds)
                out = run_locust("book", data | {"free_slots": take_slots(budget),
                                                 "patient_tokens": take(budget)},
                                 users, args.seconds, port, workdir)
                booked = count_appointments(url) - before
                rate = booked / args.seconds
                results[f"book{users}"] = {"per_s": rate, **out}
                print(row_line(f"book free slots, {users} users",
                               out["rows"]["Aggregated"], f"{rate:.0f} bookings/s (SQL)"))
        if "hot" in scenarios:
            out = run_locust("hot", data | {"hot_slots": hot, "patient_tokens": take(n * 4)},
                             n, args.seconds, port, workdir)
            results["hot"] = out
            print(row_line(f"book {args.hot} hot slots, {n} users", out["rows"]["Aggregated"],
                           "201 or 409 only"))
        if "journey" in scenarios:
            out = run_locust("journey", data | {"patient_tokens": take(n * 4)}, n,
                             args.seconds, port, workdir)
            results["journey"] = out
            for name in ("slots search", "journey book", "journey cancel"):
                if name in out["rows"]:
                    print(row_line(f"journey: {name}", out["rows"][name]))
        if "queue" in scenarios:
            out = run_locust("queue", data | {"patient_tokens": take(n * 4)}, n,
                             args.seconds, port, workdir)
            results["queue"] = out
            for name in ("queue join", "queue position", "queue take next"):
                if name in out["rows"]:
                    print(row_line(f"teleconsult: {name}", out["rows"][name]))
        if "search" in scenarios:
            out = run_locust("search", data, args.search_users, args.seconds, port, workdir)
            results["search"] = out
            for name in ("care-options", "slots search"):
                print(row_line(f"{name}, {args.search_users} users", out["rows"][name]))
        if "planner" in scenarios:
            out = run_locust("planner", data, 8, args.seconds, port, workdir)
            results["planner"] = out
            for name in PLANNER_PAGES:
                if name in out["rows"]:
                    print(row_line(f"planner {name}, 8 users", out["rows"][name]))
        for key, out in results.items():  # every scenario's first failures, if any
            for failure in out.get("failures", [])[:3]:
                print(f"  failure ({key}): {failure}")
        stop_server(server)
        server = None
        double, overlap = bench.violations(url)
        print(f"double bookings: {double}  overlapping appointments: {overlap}")
        print("--- targets")
        if "book1" in results:
            one, many = results["book1"]["per_s"], results[f"book{n}"]["per_s"]
            print(f"bookings/s at {n} users: {many:.0f} (target >= {TARGET_BOOKINGS_PER_S}); "
                  f"{many / max(one, 1e-9):.2f}x one user (target >= 1)")
            if backend == "postgresql" and args.ceiling:
                ceiling = psycopg_ceiling(url, take_slots(len(slots) - slot_cut[0]), n,
                                          min(args.seconds, 5), data["patient_accounts"])
                print(f"psycopg ceiling, same statements, {n} connections: "
                      f"{ceiling['per_s']:.0f} bookings/s -> Oasis at "
                      f"{many / max(ceiling['per_s'], 1e-9):.2f} of it (target >= "
                      f"{TARGET_CEILING_RATIO})")
        if "hot" in results:
            p95 = results["hot"]["rows"]["Aggregated"]["95%"]  # "N/A": nothing answered
            print(f"hot slots p95: {p95} ms (target < {TARGET_HOT_P95_MS})")
        if "search" in results:
            rows = results["search"]["rows"]
            print(f"care-options p95: {rows['care-options']['95%']} ms (target < "
                  f"{TARGET_CARE_OPTIONS_P95_MS}); slot search p95: "
                  f"{rows['slots search']['95%']} ms (target < {TARGET_SLOTS_P95_MS}) "
                  f"at {args.search_users} users, scale {args.scale}")
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            bench.drop_database(args.db, url)


if __name__ == "__main__":
    main()
