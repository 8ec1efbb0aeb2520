"""SIGTERM to ``oasis serve --workers 2`` lets every request in flight complete.

A deploy (systemd ``stop``, a rolling restart) sends SIGTERM: uvicorn stops accepting,
lets the requests it has started finish (up to ``timeout_graceful_shutdown``) and exits
0.  To have requests certainly in flight when the signal lands, each client sends a
booking's headers and holds back its body: the server has started the request and
waits for the body.  After SIGTERM the bodies are sent; every booking must be answered
201, be in the database, and the server must exit 0 well within its graceful timeout.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from datetime import time as dtime

from sqlalchemy import func, select

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.booking.models import Appointment
from oasis.care.core.clock import utcnow
from oasis.care.core.db import dispose_engine, session_factory
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.commands.serve import GRACEFUL_SHUTDOWN_S
from tests.factories.care import PASSWORD, make_patient, make_practice
from tests.factories.server import serve_process

SECRET = "sigterm-secret"
IN_FLIGHT = 6


def _world(url: str) -> tuple[list[str], list[int]]:
    session = session_factory(url)()
    _, _, schedule = make_practice(session, weekly=[(d, dtime(0), dtime(23, 40))
                                                    for d in range(7)])
    scheduling.generate_slots(session, schedule.id, days=2, now=utcnow())
    slots = session.scalars(select(Slot.id).where(Slot.status == "free")
                            .order_by(Slot.start_at).limit(IN_FLIGHT)).all()
    hashed = accounts.hash_password(PASSWORD)
    owners = []
    for i in range(IN_FLIGHT):
        patient = make_patient(session, name=f"Sigterm{i}")
        owners.append(Account(email=f"term{i}@test.fr", password_hash=hashed, role="patient",
                              display_name=f"T{i}", patient_id=patient.id))
    session.add_all(owners)
    session.commit()
    tokens = [accounts.issue_token(a, SECRET) for a in owners]
    session.close()
    dispose_engine(url)
    return tokens, list(slots)


def _start_booking(port: int, token: str, body: bytes) -> socket.socket:
    """A booking request whose headers are sent and whose body is held back."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=GRACEFUL_SHUTDOWN_S + 30)
    conn.sendall((f"POST /api/v1/appointments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode())
    return conn


def _answer(conn: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(head.split()[1]), json.loads(rest)


def test_sigterm_lets_requests_in_flight_complete(db_url):
    tokens, slots = _world(db_url)
    with serve_process(db_url, SECRET, "--workers", "2") as (base, server):
        port = int(base.rsplit(":", 1)[1])
        bodies = [json.dumps({"slot_id": s}).encode() for s in slots]
        conns = [_start_booking(port, t, b) for t, b in zip(tokens, bodies, strict=True)]
        time.sleep(1)  # let the workers read the headers: the requests are now started
        server.send_signal(signal.SIGTERM)
        time.sleep(1)  # the shutdown is under way while the requests wait for their body
        for conn, body in zip(conns, bodies, strict=True):
            conn.sendall(body)
        answers = [_answer(c) for c in conns]
        for conn in conns:
            conn.close()
        code = server.wait(GRACEFUL_SHUTDOWN_S + 30)
    assert [status for status, _ in answers] == [201] * IN_FLIGHT, answers
    assert code == 0
    with session_factory(db_url)() as session:
        booked = session.scalar(select(func.count()).select_from(Appointment)
                                .where(Appointment.slot_id.in_(slots),
                                       Appointment.status == "booked"))
    assert booked == IN_FLIGHT
