"""Nothing acknowledged is lost when the server is killed with SIGKILL (``kill -9``).

A real ``oasis serve`` process takes bookings from parallel clients; it is killed with
SIGKILL while they are still booking.  Every booking answered 201 must then be in the
database (the route commits before answering; WAL on SQLite, WAL fsync on PostgreSQL).
A small scale of the 12,042 / 12,042 run of the issue: enough to kill it mid-traffic.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import date
from datetime import time as dtime

import httpx
from sqlalchemy import select

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.booking.models import Appointment
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.db import dispose_engine, session_factory
from oasis.care.people import service as people
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from tests.factories.care import PASSWORD, make_practice
from tests.factories.server import serve_process

SECRET = "kill-secret"
CLIENTS = 8
KILL_AFTER = 60  # acknowledged bookings before the kill


def _world(url: str) -> tuple[list[str], list[int]]:
    session = session_factory(url)()
    _, _, schedule = make_practice(session, weekly=[(d, dtime(0), dtime(23, 40))
                                                    for d in range(7)])
    scheduling.generate_slots(session, schedule.id, days=3, now=utcnow())
    hashed = accounts.hash_password(PASSWORD)
    slots = session.scalars(select(Slot.id).where(Slot.status == "free")).all()
    tokens = []
    for i in range(len(slots)):
        p = people.create_patient(session, Actor.system(), family_name=f"K{i}",
                                  given_name="Test", birth_date=date(1980, 1, 1),
                                  commune_code="58194")
        a = Account(email=f"k{i}@test.fr", password_hash=hashed, role="patient",
                    display_name=f"K{i}", patient_id=p.id)
        session.add(a)
        tokens.append(a)
    session.commit()
    tokens = [accounts.issue_token(a, SECRET) for a in tokens]
    session.close()
    dispose_engine(url)
    return tokens, list(slots)


def test_kill_9_loses_no_acknowledged_booking(db_url):
    tokens, slots = _world(db_url)
    with serve_process(db_url, SECRET) as (base, server):
        acked: list[int] = []
        lock = threading.Lock()
        work = iter(zip(tokens, slots, strict=True))

        def client() -> None:
            with httpx.Client(base_url=base, timeout=10) as c:
                while True:
                    with lock:
                        item = next(work, None)
                    if item is None:
                        return
                    token, slot = item
                    try:
                        r = c.post("/api/v1/appointments", json={"slot_id": slot},
                                   headers={"Authorization": f"Bearer {token}"})
                    except httpx.HTTPError:
                        return  # the server is gone
                    if r.status_code == 201:
                        with lock:
                            acked.append(r.json()["id"])

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        while len(acked) < KILL_AFTER and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        for t in threads:
            t.join(30)
    assert len(acked) >= KILL_AFTER
    session = session_factory(db_url)()
    stored = set(session.scalars(select(Appointment.id)).all())
    session.close()
    assert set(acked) <= stored, sorted(set(acked) - stored)
    assert len(stored) < len(slots), "the kill came after the last booking: not a test"
