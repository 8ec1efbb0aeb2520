"""Profile of one booking at the service level (no HTTP): CPU, wall and statements.

Builds a small benchmark database (PostgreSQL from OASIS_TEST_POSTGRES_URL or --db), then
books ``--n`` free slots one after the other exactly as the route does (token check,
actor, ``booking.book``, the confirmation, commit, JSON of the answer) under cProfile,
and prints CPU and wall milliseconds per booking, round trips to the database per
booking (statements, BEGIN, SAVEPOINT/RELEASE, COMMIT and the pool's pre-ping, each one
a wait for the server) and the top entries by own time.

    python benchmarks/load/profile_booking.py --n 800
    PYTHONPATH=/old/checkout/src python benchmarks/load/profile_booking.py  # A/B
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

from sqlalchemy import event

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import booking as bench  # noqa: E402
import run as load  # noqa: E402

from oasis.care.accounts import service as accounts  # noqa: E402
from oasis.care.booking import service as booking  # noqa: E402
from oasis.care.core import db as care_db  # noqa: E402
from oasis.care.notifications import service as notifications  # noqa: E402
from oasis.web.api.schemas.care import AppointmentOut  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("OASIS_TEST_POSTGRES_URL"))
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1,
                        help="book from this many threads at once (no profiler): "
                             "throughput and CPU per booking under concurrency")
    args = parser.parse_args()
    if not args.db:
        parser.error("give --db or set OASIS_TEST_POSTGRES_URL")
    url = bench.prepare_database(args.db)
    try:
        care_db.upgrade(url)
        bench.populate(url, 500, args.n + 100)
        data = load.make_accounts(url, args.n + 100)
        slots = load.free_slots(url)
        factory = care_db.session_factory(url, deferred=True)
        # The route of this checkout queues the confirmation before its commit?
        token_actor = getattr(accounts, "token_actor", None)
        new_route = "confirmation = notifications.booking_confirmed" in (
            Path(booking.__file__).parents[2] / "web/api/appointments.py").read_text()
        statements, trips = [0], [0]
        engine = care_db.get_engine(url)

        def count(*_args) -> None:
            statements[0] += 1
            trips[0] += 1

        def trip(*_args) -> None:
            trips[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        for name in ("begin", "commit", "rollback", "savepoint", "release_savepoint"):
            event.listen(engine, name, trip)
        if engine.pool._pre_ping:
            event.listen(engine.pool, "checkout", trip)

        def one(i: int) -> None:
            session = factory()
            token = data["patient_tokens"][i]
            actor = token_actor(token, load.SECRET) if token_actor else None
            if actor is None:  # this checkout reads the account, as its route does
                actor = accounts.actor_for(session, accounts.account_from_token(
                    session, token, load.SECRET))
            appointment = booking.book(session, actor, slot_id=slots[i],
                                       patient_id=actor.patient_id)
            if new_route:  # the confirmation in the booking's transaction
                messages = [notifications.booking_confirmed(session, appointment)]
                session.commit()
            else:
                session.commit()
                messages = [notifications.booking_confirmed(session, appointment)]
            notifications.deliver(session, messages, None)
            session.commit()
            AppointmentOut.model_validate(appointment).model_dump_json()
            session.close()

        for i in range(50):
            one(i)
        statements[0] = trips[0] = 0
        if args.threads > 1:
            import threading

            work, lock = iter(range(50, 50 + args.n)), threading.Lock()

            def worker() -> None:
                while True:
                    with lock:
                        i = next(work, None)
                    if i is None:
                        return
                    one(i)

            threads = [threading.Thread(target=worker) for _ in range(args.threads)]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            print(f"{args.n} bookings from {args.threads} threads: {args.n / wall:.0f} "
                  f"bookings/s, CPU {cpu / args.n * 1000:.2f} ms/booking, "
                  f"{trips[0] / args.n:.1f} round trips per booking")
            return
        profiler = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        for i in range(50, 50 + args.n):
            one(i)
        profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"{args.n} bookings: CPU {cpu / args.n * 1000:.2f} ms/booking, wall "
              f"{wall / args.n * 1000:.2f} ms, {statements[0] / args.n:.1f} statements and "
              f"{trips[0] / args.n:.1f} round trips per booking")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    finally:
        bench.drop_database(args.db, url)


if __name__ == "__main__":
    main()
