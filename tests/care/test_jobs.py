"""Background jobs: notifications through the one outbox to a real SMTP server (aiosmtpd),
offer expiry, slots ahead, labels; run directly, by the in-process runner, by ``oasis
worker`` and on procrastinate (PostgreSQL, the real engine: its schema, its worker, its
retries)."""

from __future__ import annotations

import os
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from oasis.care.booking import service as booking
from oasis.care.booking.models import WaitlistEntry
from oasis.care.core.actor import Actor
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.jobs import tasks
from oasis.care.jobs.models import LabelSnapshot
from oasis.care.jobs.runner import InProcessRunner, due, run_with_retries
from oasis.care.jobs.tasks import BY_NAME, Job
from oasis.care.notifications import service as notifications
from oasis.care.notifications.models import OutboxMessage
from oasis.care.scheduling import service as scheduling
from oasis.care.scheduling.models import Slot
from oasis.commands.app import app as cli
from oasis.config import get_settings
from tests.factories.care import make_patient, make_practice

SYSTEM = Actor.system()


def make_world(url: str) -> dict:
    """Now-relative: one booking within 24 h, one waiting-list offer already expired."""
    session = session_factory(url)()
    now = utcnow()
    _, _, schedule = make_practice(session, weekly=[(d, time(0), time(23, 40))
                                                    for d in range(7)])
    scheduling.generate_slots(session, schedule.id, days=2, now=now)
    p1 = make_patient(session, name="Un", email="un@test.fr")
    p2 = make_patient(session, name="Deux", email="deux@test.fr")
    slots = session.scalars(select(Slot).order_by(Slot.start_at)).all()
    soon = booking.book(session, SYSTEM, slot_id=slots[0].id, patient_id=p1.id, now=now)
    freed = booking.book(session, SYSTEM, slot_id=slots[5].id, patient_id=p1.id, now=now)
    entry = booking.join_waitlist(session, SYSTEM, patient_id=p2.id, specialty="generaliste")
    booking.cancel(session, SYSTEM, freed.id, now=now)
    assert session.get(WaitlistEntry, entry.id).status == "offered"
    past = now - timedelta(minutes=1)
    session.execute(update(WaitlistEntry).where(WaitlistEntry.id == entry.id)
                    .values(offer_expires_at=past))
    session.execute(update(Slot).where(Slot.id == slots[5].id).values(held_until=past))
    session.commit()
    ids = {"schedule": schedule.id, "soon": soon.id, "entry": entry.id, "freed": slots[5].id,
           "p1": p1.id, "p2": p2.id}
    session.close()
    return ids


def _outbox(url: str) -> list[tuple[str, str, bool]]:
    session = session_factory(url)()
    rows = [(m.kind, m.ref, m.status == "sent")
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    session.close()
    return rows


def test_notifications_are_queued_once_and_delivered_once(db_url, smtp):
    url, inbox = smtp
    world = make_world(db_url)
    session = session_factory(db_url)()
    now = utcnow()
    # The offer is not expired by the queue: offered entries get their message.
    assert notifications.queue_due(session, now) == 3
    session.commit()
    assert notifications.queue_due(session, now) == 0  # idempotent
    session.commit()
    kinds = sorted(kind for kind, _, _ in _outbox(db_url))
    assert kinds == ["booking_confirmed", "reminder", "waitlist_offer"]
    assert notifications.deliver_pending(session, url, now=now) == 3
    session.commit()
    assert notifications.deliver_pending(session, url, now=now) == 0
    session.commit()
    assert sorted(m["To"] for m in inbox.messages) == ["deux@test.fr", "un@test.fr",
                                                       "un@test.fr"]
    reminder = next(m for m in inbox.messages if "Rappel" in m["Subject"])
    assert reminder["To"] == "un@test.fr" and "text/calendar" in inbox.parts(reminder)
    offer = next(m for m in inbox.messages if "créneau" in m["Subject"])
    body = inbox.parts(offer)["text/plain"]
    assert "/mes-rendez-vous" in body and "réservé jusqu'au" in body
    assert [m.kind for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.patient_id == world["p2"]))] == ["waitlist_offer"]
    # Every message read a patient's appointment or waiting entry: audited.
    assert session.scalar(text("SELECT count(*) FROM audit_event WHERE purpose LIKE "
                               "'envoi : %'")) == 3
    session.close()


def test_the_database_refuses_a_second_message_of_a_kind(db_url):
    from sqlalchemy.exc import IntegrityError

    world = make_world(db_url)
    session = session_factory(db_url)()
    notifications.queue_due(session)
    session.commit()
    ref = f"appointment:{world['soon']}"
    assert notifications.queue(session, kind="reminder", ref=ref, email="x@test.fr",
                               subject="x", body="y") is None
    # Even past the function's own check, the database says no.
    session.add(OutboxMessage(channel="email", kind="reminder", ref=ref, recipient="x@test.fr",
                              subject="x", body="y", status="stored", attempts=0))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # Messages without a ref (account notices) may repeat.
    for _ in range(2):
        assert notifications.queue(session, kind="signup-confirm", email="x@test.fr",
                                   subject="x", body="y") is not None
    session.close()


def test_jobs_expire_offers_and_generate_slots_ahead(db_url):
    world = make_world(db_url)
    assert tasks.expire_offers(db_url) == 1
    assert tasks.expire_offers(db_url) == 0
    session = session_factory(db_url)()
    assert session.get(WaitlistEntry, world["entry"]).status == "waiting"
    assert session.get(Slot, world["freed"]).status == "free"
    before = session.scalar(select(func.count()).select_from(Slot))
    session.close()
    added = tasks.generate_slots(db_url, days=5)
    assert added > 0 and tasks.generate_slots(db_url, days=5) == 0
    session = session_factory(db_url)()
    assert session.scalar(select(func.count()).select_from(Slot)) == before + added
    session.close()


def test_france_sante_label_snapshots_are_replaced(db_url):
    make_world(db_url)
    assert tasks.france_sante_labels(db_url) == 1
    assert tasks.france_sante_labels(db_url) == 1
    session = session_factory(db_url)()
    snap = session.scalars(select(LabelSnapshot)).one()
    assert snap.eligible is False and snap.failing  # a new site has no track record yet
    session.close()


def test_runner_retries_a_failing_job_then_gives_up():
    calls = []

    def flaky(_url, **_):
        calls.append(1)
        if len(calls) < 2:
            raise RuntimeError("base indisponible")
        return 7

    assert run_with_retries(Job("flaky", flaky, "* * * * *"), "x", pause_s=0) == 7
    assert len(calls) == 2

    def broken(_url, **_):
        raise RuntimeError("toujours")

    assert run_with_retries(Job("broken", broken, "* * * * *"), "x", attempts=3,
                            pause_s=0) is None


def test_cron_lines_pick_the_jobs_of_a_minute():
    from datetime import UTC, datetime

    names = [j.name for j in due(tasks.JOBS, datetime(2026, 12, 2, 1, 30, tzinfo=UTC))]
    assert names == ["expire_offers", "notify", "generate_slots"]
    names = [j.name for j in due(tasks.JOBS, datetime(2026, 12, 2, 1, 31, tzinfo=UTC))]
    assert names == ["expire_offers", "notify"]


def test_in_process_runner_runs_the_start_jobs_then_stops(db_url):
    make_world(db_url)
    runner = InProcessRunner(db_url, [BY_NAME["generate_slots"], BY_NAME["expire_offers"]])
    runner.start()
    runner.stop()  # waits for the job in progress: the start jobs ran or none did
    assert runner.runs in ({"generate_slots": 1}, {})
    runner = InProcessRunner(db_url, [BY_NAME["expire_offers"], BY_NAME["notify"]])
    runner.run_jobs(runner.jobs)
    assert runner.runs == {"expire_offers": 1, "notify": 1}
    # No OASIS_SMTP_URL here: queued, kept in the outbox, nothing lost.
    assert [(k, sent) for k, _, sent in _outbox(db_url)] == \
        [("booking_confirmed", False), ("reminder", False)]


@pytest.fixture
def smtp_env(monkeypatch, smtp):
    url, inbox = smtp
    monkeypatch.setenv("OASIS_SMTP_URL", url)
    get_settings.cache_clear()
    yield inbox
    get_settings.cache_clear()


def test_worker_command_once_on_sqlite(tmp_path, smtp_env, _sqlite_template):
    import shutil

    shutil.copyfile(_sqlite_template, tmp_path / "w.db")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    make_world(url)
    result = CliRunner().invoke(cli, ["worker", "--db", url, "--once", "--job",
                                      "expire_offers", "--job", "notify"])
    assert result.exit_code == 0, result.output
    assert "expire_offers : 1" in result.output and "notify : 2" in result.output
    assert sorted(m["Subject"] for m in smtp_env.messages) == [
        "Oasis — Rappel : rendez-vous demain", "Oasis — Rendez-vous confirmé"]
    bad = CliRunner().invoke(cli, ["worker", "--db", url, "--once", "--job", "nimporte"])
    assert bad.exit_code == 2 and "tâche inconnue" in bad.output
    os.environ.pop("DATABASE_URL", None)


# ------------------------------------------------------------ procrastinate (PostgreSQL)
@pytest.fixture
def pg_url(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL")
    return db_url


def test_procrastinate_worker_processes_expiries_and_reminders(pg_url, smtp_env):
    from oasis.care.jobs import engine

    world = make_world(pg_url)
    app = engine.build_app(pg_url)
    assert engine.ensure_schema(app, pg_url) is True
    assert engine.ensure_schema(app, pg_url) is False
    assert engine.defer(app, "expire_offers") is not None
    assert engine.defer(app, "expire_offers") is None  # queueing lock: one waiting at most
    assert engine.defer(app, "notify") is not None
    engine.run_worker(app, wait=False)
    session = session_factory(pg_url)()
    assert session.get(WaitlistEntry, world["entry"]).status == "waiting"
    assert session.get(Slot, world["freed"]).status == "free"
    # The offer expired before notify ran: confirmation and reminder only, by SMTP.
    assert sorted(m["Subject"] for m in smtp_env.messages) == [
        "Oasis — Rappel : rendez-vous demain", "Oasis — Rendez-vous confirmé"]
    assert engine.defer(app, "notify") is not None  # again: nothing sent twice
    engine.run_worker(app, wait=False)
    assert len(smtp_env.messages) == 2
    left = session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar()
    assert left == 0  # successful jobs are deleted
    session.close()


def test_procrastinate_retries_a_failing_job(pg_url):
    import procrastinate

    from oasis.care.jobs import engine

    app = engine.build_app(pg_url)
    engine.ensure_schema(app, pg_url)
    calls = []

    @app.task(name="flaky", queue=engine.QUEUE,
              retry=procrastinate.RetryStrategy(max_attempts=3))
    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("première tentative")

    with app.open():
        flaky.defer()
    engine.run_worker(app, wait=False)
    assert len(calls) == 2
    session = session_factory(pg_url)()
    assert session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0
    session.close()
