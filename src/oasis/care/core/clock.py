"""The platform's clock: Europe/Paris wall time for people, aware UTC for storage.

Every instant is stored and compared in UTC; what people read (days, hours, ages, the
month of a bill) is Paris time.  One place for the zone and for an age in whole years,
so a patient's age is the same on the bill, in the queue and on the agenda.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """Now, aware, in UTC (the storage zone)."""
    return datetime.now(UTC)


def paris_today(now: datetime | None = None) -> date:
    """The calendar day in Paris at ``now`` (default: now)."""
    return (now or utcnow()).astimezone(PARIS).date()


def age(born: date, on: date | None = None) -> int:
    """Age in completed years on ``on`` (default: today in Paris)."""
    on = on or paris_today()
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
