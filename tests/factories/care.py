"""Database fixtures for the care platform, shared by every domain's tests.

``db_url`` is parametrised over SQLite (a file in the test's tmp dir) and PostgreSQL
(its own database, created from a migrated template database, dropped afterwards;
skipped with a reason when ``OASIS_TEST_POSTGRES_URL`` is unset).  Both are migrated
to head once per session and copied per test, so a test starts from an empty, fully
migrated schema in milliseconds.  ``empty_db_url`` gives an unmigrated database.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from oasis.care.core.db import dispose_engine, session_factory, upgrade

POSTGRES_ENV = "OASIS_TEST_POSTGRES_URL"
_counter = itertools.count()


def _worker() -> str:
    return f"{os.getpid()}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL variant skipped")
    return url


def _pg_admin(base: str):
    return create_engine(base, isolation_level="AUTOCOMMIT", pool_size=1)


def _pg_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _pg_create(base: str, name: str, template: str | None = None) -> str:
    engine = _pg_admin(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        tpl = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{tpl}'))
    engine.dispose()
    return _pg_url(base, name)


def _pg_drop(base: str, name: str) -> None:
    dispose_engine(_pg_url(base, name))
    engine = _pg_admin(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("care_template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engine(url)  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    base = postgres_base_url()
    name = f"oasis_care_tpl_{_worker()}"
    url = _pg_create(base, name)
    upgrade(url)
    dispose_engine(url)
    yield name
    _pg_drop(base, name)


DB_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DB_PARAMS)
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of a fresh, migrated care database (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "care.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    template = request.getfixturevalue("_postgres_template")
    base = postgres_base_url()
    name = f"oasis_care_{_worker()}_{next(_counter)}"
    yield _pg_create(base, name, template)
    _pg_drop(base, name)


@pytest.fixture(params=DB_PARAMS)
def empty_db_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database (no tables), for migration tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        yield url
        dispose_engine(url)
        return
    base = postgres_base_url()
    name = f"oasis_care_empty_{_worker()}_{next(_counter)}"
    yield _pg_create(base, name)
    _pg_drop(base, name)


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    """A session on a fresh migrated database; the test commits what it wants kept."""
    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


# ------------------------------------------------------------------ small care world
def make_practice(session: Session, *, commune: str = "58194", specialty: str = "generaliste",
                  mode: str = "in_person", slot_minutes: int = 20, rpps_seed: int = 1,
                  weekly=None, teleconsultation: bool = True):
    """A site, a practitioner working there and a schedule (not yet generated).

    ``weekly`` defaults to Monday–Friday 9:00–12:00 local time.
    """
    from datetime import time

    from oasis.care.people import service as people
    from oasis.care.scheduling import service as scheduling
    from oasis.care.sites import service as sites
    from oasis.territory.supply import rpps_with_check_digit

    site = sites.create_location(session, name=f"MSP test {rpps_seed}", kind="msp",
                                 commune_code=commune, nurse_present=True,
                                 hours=[(d, time(8), time(19)) for d in range(5)])
    doctor = people.create_practitioner(
        session, rpps=rpps_with_check_digit(f"{rpps_seed:010d}"), family_name="Martin",
        given_name=f"Alice{rpps_seed}", specialty=specialty, teleconsultation=teleconsultation)
    people.add_role(session, doctor.id, site.id)
    weekly = weekly if weekly is not None else [(d, time(9), time(12)) for d in range(5)]
    schedule = scheduling.create_schedule(session, practitioner_id=doctor.id,
                                          location_id=site.id, mode=mode,
                                          slot_minutes=slot_minutes, weekly=weekly)
    return site, doctor, schedule


def make_patient(session: Session, *, commune: str = "58194", name: str = "Durand",
                 email: str | None = None, phone: str | None = None):
    from datetime import date

    from oasis.care.core.actor import Actor
    from oasis.care.people import service as people

    return people.create_patient(session, Actor.system(), family_name=name,
                                 given_name="Jeanne", birth_date=date(1950, 3, 2),
                                 commune_code=commune, email=email, phone=phone)


PASSWORD = "motdepasse-123"  # every test account's password


def login(client, email: str, password: str = PASSWORD) -> dict:
    """Bearer header of ``email`` from the OAuth2 password flow."""
    # A client that also holds a page cookie says where it comes from (CSRF check).
    r = client.post("/api/v1/auth/token", data={"username": email, "password": password},
                    headers={"Origin": str(client.base_url).rstrip("/")})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def outbox(db_url: str, email: str, kind: str | None = None) -> list:
    """The messages queued for ``email`` in the one outbox (oldest first), as the mail
    sender reads them."""
    from oasis.care.notifications import service as notifications

    with session_factory(db_url)() as s:
        return notifications.messages_to(s, email, kind)


def link_secret(db_url: str, email: str, kind: str = "signup-confirm") -> str:
    """The secret at the end of the last link e-mailed to ``email``."""
    import re

    notices = outbox(db_url, email, kind)
    assert notices, f"no {kind} notice for {email}"
    return re.search(r"/(?:confirmer|invitation)/([A-Za-z0-9_-]+)", notices[-1].body).group(1)


def signup(client, body: dict, db_url: str | None = None) -> tuple[dict, str]:
    """Sign a patient up through the API and follow the e-mailed link: (patient, token)."""
    db_url = db_url or client.app.state.settings.database_url
    r = client.post("/api/v1/patients", json=body)
    assert r.status_code == 202, r.text
    r = client.post("/api/v1/auth/confirm", json={"token": link_secret(db_url, body["email"])})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = client.get("/api/v1/patients/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    return me.json(), token


# ------------------------------------------------------------------ a real SMTP server
class Inbox:
    """What a local aiosmtpd server received: parsed messages and their envelopes."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd API name
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def parts(self, message) -> dict:
        """content type → decoded text of one received message."""
        return {p.get_content_type(): p.get_payload(decode=True).decode()
                for p in message.walk() if not p.is_multipart()}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on a free local port: (``smtp://`` URL, its inbox)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", inbox
    finally:
        controller.stop()
