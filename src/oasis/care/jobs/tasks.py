"""The background jobs, one function each, whatever engine runs them.

Every job takes the database URL (and ``now`` for the tests), opens its own session,
commits its own work and returns a count for the logs.  Every job is idempotent — run
twice, it does the work once — so an engine may retry it after any failure, and two
workers may run it at once:

* ``expire_offers``: waiting-list offers not taken in time go to the next patient;
* ``notify``: queue the due confirmations, reminders and offers in the outbox, then
  deliver every pending message (SMTP, SMS provider);
* ``generate_slots``: materialise every active schedule's slots ahead (nightly);
* ``france_sante_labels``: recompute every site's label and keep the snapshot (nightly);
* ``warm_territory``: compute the APL, coverage and maps after a data load / at start.

:data:`JOBS` lists them with their cron schedule (UTC, as the engine reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete

from oasis.care.booking import service as booking
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_scope
from oasis.care.jobs.models import LabelSnapshot
from oasis.care.notifications import service as notifications
from oasis.care.scheduling import service as scheduling

SLOT_HORIZON_DAYS = 28  # the nightly job keeps four weeks of slots open (Oasis's choice)


def expire_offers(url: str, now: datetime | None = None) -> int:
    with session_scope(url) as session:
        return booking.expire_offers(session, now=now or utcnow())


def notify(url: str, now: datetime | None = None) -> int:
    """Queue then deliver, in two transactions: a delivery failure keeps the queue.

    Returns how many messages were sent (0 without ``OASIS_SMTP_URL``: they stay stored).
    """
    from oasis.config import get_settings

    settings = get_settings()
    now = now or utcnow()
    with session_scope(url) as session:
        notifications.queue_due(session, now, settings.public_url)
    with session_scope(url) as session:
        return notifications.deliver_pending(session, settings.smtp_url, settings.mail_from,
                                             now)


def generate_slots(url: str, now: datetime | None = None,
                   days: int = SLOT_HORIZON_DAYS) -> int:
    with session_scope(url) as session:
        return scheduling.generate_all(session, days=days, now=now or utcnow())


def france_sante_labels(url: str, now: datetime | None = None) -> int:
    """Replace the label snapshots by a fresh check of every active site."""
    from oasis.care.programmes.label import label_sites

    with session_scope(url) as session:
        labels = label_sites(session, now=now or utcnow())
        session.execute(delete(LabelSnapshot))
        session.add_all(LabelSnapshot(location_id=s.location_id, eligible=s.eligible,
                                      failing=[c.code for c in s.report.failing()],
                                      period_start=s.period_start, period_end=s.period_end,
                                      computed_at=now or utcnow())
                        for s in labels)
        return len(labels)


def warm_territory(url: str, now: datetime | None = None) -> int:
    """The territory caches are per process: worth it in the web server's process (the
    in-process runner) and after ``oasis data``; a separate worker only checks the data."""
    from oasis.config import get_settings
    from oasis.territory.warmup import warm_up

    warm_up(geography_file=str(get_settings().geography_file))
    return 1


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]
    cron: str  # minute hour day month weekday, UTC
    at_start: bool = False  # also run once when a runner starts


JOBS: tuple[Job, ...] = (
    Job("expire_offers", expire_offers, "* * * * *"),
    Job("notify", notify, "* * * * *"),
    Job("generate_slots", generate_slots, "30 1 * * *", at_start=True),
    Job("france_sante_labels", france_sante_labels, "0 2 * * *"),
    Job("warm_territory", warm_territory, "0 3 * * *", at_start=True),
)
BY_NAME = {job.name: job for job in JOBS}
