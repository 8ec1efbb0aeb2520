"""Rules of « Un médecin près de chez vous »: day cap and indemnity, in integer cents.

Volunteer doctors give **up to 2 days a month** in a priority zone, paid **200 € a
day** (Gouvernement, pacte de lutte contre les déserts médicaux, 2025 — see
``shared/seeds``).  The rate is a dated parameter so a revaluation never rewrites a
past statement; a day cancelled or not done is not paid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from oasis.territory.volunteers import MissionTerms

MAX_DAYS_PER_MONTH = 2
DAY_STATUSES = ("planned", "completed", "cancelled", "not_done")
# Days that count towards the monthly cap: a cancelled day or a day not done frees its place.
ACTIVE_DAY_STATUSES = ("planned", "completed")


@dataclass(frozen=True)
class DailyRate:
    amount_cents: int
    valid_from: date
    source: str


DAILY_RATES: tuple[DailyRate, ...] = (
    DailyRate(20_000, date(2025, 9, 1),
              "Mission de solidarité territoriale : 200 € par jour (pacte de lutte contre "
              "les déserts médicaux, 2025) ; date d'effet : lancement du dispositif, "
              "hypothèse Oasis à confirmer par l'arrêté"),
)


class MissionRuleError(ValueError):
    """A mission day that breaks the programme's rules (message in French)."""


def daily_rate(on: date) -> DailyRate:
    applicable = [r for r in DAILY_RATES if r.valid_from <= on]
    if not applicable:
        raise MissionRuleError(f"aucune indemnité définie au {on:%d/%m/%Y}")
    return max(applicable, key=lambda r: r.valid_from)


def check_month_cap(existing_days: Iterable[date], new_day: date) -> None:
    """Refuse a third active day in the same calendar month (across all sites)."""
    same_month = {d for d in existing_days if (d.year, d.month) == (new_day.year, new_day.month)}
    if new_day in same_month:
        raise MissionRuleError(f"vous êtes déjà inscrit(e) le {new_day:%d/%m/%Y}")
    if len(same_month) >= MAX_DAYS_PER_MONTH:
        raise MissionRuleError(
            f"limite atteinte : {MAX_DAYS_PER_MONTH} jours de mission au plus par mois "
            f"({new_day:%m/%Y} : déjà {len(same_month)} jours)")


@dataclass(frozen=True)
class DayRecord:
    """One mission day as the pure rules see it (the table row is ``models.MissionDay``)."""

    doctor_id: str
    zone: str  # EPCI SIREN
    day: date
    status: str


@dataclass(frozen=True)
class MonthlyStatement:
    doctor_id: str
    month: str
    paid_days: int
    amount_cents: int


def monthly_statements(days: Iterable[DayRecord]) -> list[MonthlyStatement]:
    """Per doctor and month: completed days × the rate in force on each day."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for d in days:
        if d.status not in DAY_STATUSES:
            raise MissionRuleError(f"statut de journée inconnu : {d.status}")
        if d.status != "completed":
            continue
        key = (d.doctor_id, d.day.strftime("%Y-%m"))
        acc[key][0] += 1
        acc[key][1] += daily_rate(d.day).amount_cents
    return [MonthlyStatement(doc, month, n, cents) for (doc, month), (n, cents)
            in sorted(acc.items())]


def zone_totals(days: Iterable[DayRecord]) -> dict[str, int]:
    """Indemnities per zone in cents (completed days only)."""
    totals: dict[str, int] = defaultdict(int)
    for d in days:
        if d.status == "completed":
            totals[d.zone] += daily_rate(d.day).amount_cents
    return dict(totals)


def mission_terms(on: date) -> MissionTerms:
    """The rules in force on ``on`` for the volunteer optimiser (territory planning)."""
    return MissionTerms(day_cap=MAX_DAYS_PER_MONTH, daily_rate_cents=daily_rate(on).amount_cents)
