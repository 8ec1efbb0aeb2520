"""The default SQLite server under a small crowd: no 5xx, no freeze.

A real uvicorn server (thread pool and connection pool as in ``make run``) on a SQLite
file: 64 patients booking one slot at once get exactly one 201 and 63 × 409, and 48
anonymous readers of the site list all get 200 while ``/healthz`` still answers.  The
1 s bound on ``/healthz`` is functional (a frozen server answers after 30 s), not a
performance figure: speed is measured in ``benchmarks/load``.
"""

from __future__ import annotations

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
from oasis.care.core.db import session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.config import Settings
from oasis.web.app import create_app
from oasis.web.kit.liveserver import LiveServer
from tests.factories.care import PASSWORD, make_practice

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
    with LiveServer(create_app(Settings(database_url=sqlite_url, secret_key=SECRET))) as live:
        yield live.url


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


def test_48_parallel_readers_all_200_and_healthz_answers(server):
    n = 48
    health: list[float] = []
    done = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=server, timeout=60) as c:
            while not done.is_set():
                t0 = time.monotonic()
                r = c.get("/healthz")
                assert r.status_code == 200
                health.append(time.monotonic() - t0)
                time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()

    def read(_i: int):
        with httpx.Client(base_url=server, timeout=60) as c:
            return [c.get("/api/v1/sites").status_code for _ in range(5)]

    try:
        results = _together(n, read)
    finally:
        done.set()
        prober.join(60)
    assert [code for codes in results for code in codes] == [200] * (n * 5)
    assert health, "healthz never answered"
    assert max(health) < 1.0, f"healthz took up to {max(health):.1f} s under 48 readers"
