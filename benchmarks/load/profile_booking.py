"""Profile of one booking at the service level (no HTTP): CPU, wall and statements.

Builds a small benchmark database (PostgreSQL from OASIS_TEST_POSTGRES_URL or --db), then
books ``--n`` free slots one after the other exactly as the route does (token check,
actor, ``booking.book``, commit, JSON of the answer) under cProfile, and prints CPU and
wall milliseconds per booking, statements per booking and the top entries by own time.

    python benchmarks/load/profile_booking.py --n 800
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
from oasis.web.api.schemas.care import AppointmentOut  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("OASIS_TEST_POSTGRES_URL"))
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--top", type=int, default=15)
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
        statements = [0]

        def count(*_args) -> None:
            statements[0] += 1

        event.listen(care_db.get_engine(url), "before_cursor_execute", count)

        def one(i: int) -> None:
            session = factory()
            account = accounts.account_from_token(session, data["patient_tokens"][i],
                                                  load.SECRET)
            actor = accounts.actor_for(session, account)
            appointment = booking.book(session, actor, slot_id=slots[i],
                                       patient_id=actor.patient_id)
            session.commit()
            AppointmentOut.model_validate(appointment).model_dump_json()
            session.close()

        for i in range(50):
            one(i)
        statements[0] = 0
        profiler = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        for i in range(50, 50 + args.n):
            one(i)
        profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"{args.n} bookings: CPU {cpu / args.n * 1000:.2f} ms/booking, wall "
              f"{wall / args.n * 1000:.2f} ms, {statements[0] / args.n:.1f} statements/booking "
              f"(+ BEGIN, SAVEPOINT, RELEASE, COMMIT)")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    finally:
        bench.drop_database(args.db, url)


if __name__ == "__main__":
    main()
