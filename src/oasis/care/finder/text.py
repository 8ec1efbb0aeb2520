"""French wording of times, money and durations, in the Europe/Paris wall clock.

Every instant is stored in UTC; what a patient reads is local time with the day named
(« mardi 31 mars à 9 h 20 »), computed per instant so the day after a clock change
reads right.  Kept here so the API's ``*_text`` fields and the pages say the same.
"""

from __future__ import annotations

from datetime import datetime

from oasis.care.core.clock import PARIS

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """« 1 réservé », « 2 réservés », « 0 réservé » (French: 0 and 1 are singular)."""
    word = singular if abs(count) < 2 else (many or singular + "s")
    return f"{count:,}".replace(",", "\u202f") + " " + word


def local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return at.astimezone(PARIS)


def hour_text(at: datetime) -> str:
    t = local(at)
    return f"{t.hour} h {t.minute:02d}"


def when_text(at: datetime, now: datetime | None = None) -> str:
    """« aujourd'hui à 14 h 20 », « demain à 9 h 00 », « mardi 31 mars à 9 h 20 »."""
    t = local(at)
    if now is not None:
        delta_days = (t.date() - local(now).date()).days
        if delta_days == 0:
            return f"aujourd'hui à {hour_text(at)}"
        if delta_days == 1:
            return f"demain à {hour_text(at)}"
    return f"{DAYS[t.weekday()]} {t.day} {MONTHS[t.month - 1]} à {hour_text(at)}"


def euros(cents: int) -> str:
    """« 30,00 € », « 0,00 € », « 1 234,50 € » from integer cents (French separators, no
    float on the way: money stays integer until it is displayed)."""
    whole, rest = divmod(abs(int(cents)), 100)
    sign = "−" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{rest:02d} €"


def minutes_text(minutes: int) -> str:
    """« 12 min », « 1 h 05 »."""
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}"
