"""The default SQLite server under a small crowd: no 5xx, no freeze.

A real ``oasis serve`` process (thread pool and connection pool as in ``make run``) on a
SQLite file: 64 patients booking one slot at once get exactly one 201 and 63 × 409, and 48
anonymous readers of the site list all get 200 while ``/healthz`` still answers.  The
1 s bound on ``/healthz`` is functional (a frozen server answers after 30 s), not a
performance figure: speed is measured in ``benchmarks/load``.  The probe runs in its own
process so that it measures the server, not the test's 48 client threads.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.db import dispose_engine, session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from tests.factories.care import PASSWORD, make_practice
from tests.factories.server import serve_process

SECRET = "test-secret"
CROWD = 64


@pytest.fixture
def sqlite_url(tmp_path, _sqlite_template) -> str:
    import shutil

    path = tmp_path / "crowd.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def crowd(sqlite_url):
    """A practice with generated slots and ``CROWD`` patients with their bearer tokens."""
    session = session_factory(sqlite_url)()
    _site, _doc, schedule = make_practice(session, rpps_seed=21)
    scheduling.generate_slots(session, schedule.id, days=10)
    password_hash = accounts.hash_password(PASSWORD)
    tokens = []
    for i in range(CROWD):
        patient = people.create_patient(session, Actor.system(), family_name=f"P{i}",
                                        given_name="Test", birth_date=date(1970, 1, 1),
                                        commune_code="58194")
        # One shared hash: 64 argon2 hashes would only slow the set-up down.
        account = Account(email=f"crowd{i}@test.fr", password_hash=password_hash,
                          role="patient", display_name=f"P{i}", patient_id=patient.id)
        session.add(account)
        tokens.append(account)
    session.commit()
    tokens = [accounts.issue_token(a, SECRET) for a in tokens]
    slot_id = session.scalar(select(Slot.id).where(Slot.status == "free")
                             .order_by(Slot.start_at))
    session.close()
    return {"tokens": tokens, "slot_id": slot_id}


@pytest.fixture
def server(sqlite_url, crowd):
    dispose_engine(sqlite_url)
    with serve_process(sqlite_url, SECRET) as (base, _proc):
        yield base


PROBE = """
import pathlib, sys, time, httpx
url, ready, stop = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
times = []
with httpx.Client(timeout=60) as c:
    while not stop.exists():
        t0 = time.monotonic()
        try:
            ok = c.get(url).status_code == 200
        except httpx.HTTPError:
            ok = False
        times.append(time.monotonic() - t0 if ok else float("inf"))
        ready.touch()
        time.sleep(0.05)
times.sort()
print(times[len(times) // 2], times[-1])
"""


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("code")
    except ValueError:  # a 500 from the server is plain text
        return response.text[:80]


def _together(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released at once; their results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_64_parallel_bookings_of_one_slot_one_201_and_63_409(server, crowd, sqlite_url):
    slot_id = crowd["slot_id"]

    def book(i: int):
        with httpx.Client(base_url=server, timeout=120) as c:
            r = c.post("/api/v1/appointments", json={"slot_id": slot_id},
                       headers={"Authorization": f"Bearer {crowd['tokens'][i]}"})
            return r.status_code, _code(r)

    results = _together(CROWD, book)
    assert sorted(results, key=str) == sorted([(201, None)] + [(409, "slot_taken")] *
                                              (CROWD - 1), key=str), results
    session = session_factory(sqlite_url)()
    assert session.scalar(select(func.count()).select_from(Appointment)
                          .where(Appointment.slot_id == slot_id)) == 1
    session.close()


def test_48_parallel_readers_all_200_and_healthz_answers(server, tmp_path):
    n = 48
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    prober = subprocess.Popen([sys.executable, "-c", PROBE, server + "/healthz", str(ready),
                               str(stop)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    def read(_i: int):
        codes = []
        with httpx.Client(base_url=server, timeout=60) as c:
            for _ in range(5):
                try:
                    codes.append(c.get("/api/v1/sites").status_code)
                except httpx.HTTPError as exc:  # a frozen server: the client gives up
                    codes.append(type(exc).__name__)
        return codes

    try:
        results = _together(n, read)
    finally:
        stop.touch()
        median, worst = map(float, prober.communicate(timeout=90)[0].split())
    assert [code for codes in results for code in codes] == [200] * (n * 5)
    # Frozen, every probe waited 30 s.  The median is the 1 s bound; the worst probe gets
    # more room because a CI machine shared by several suites can deschedule any process
    # for a moment (1.1–1.8 s seen at a load average of 15 on 2 cores).
    assert median < 1.0, f"healthz answered in {median:.1f} s (median) under 48 readers"
    assert worst < 5.0, f"healthz took up to {worst:.1f} s under 48 readers"
