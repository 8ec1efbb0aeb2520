"""The France Santé label check, criterion by criterion, with the evidence.

The label's engagements (Gouvernement, « France Santé », 2025 — see
``shared/seeds``): care reachable **within 30 minutes** and **within 48 hours**, a
**nurse present**, open **at least 5 days a week**, consultations **without dépassement
d'honoraires** (secteur 1).  Each criterion is measured from data the platform holds
(opening hours, staff, practitioners' sectors, travel times, real requests and the slot
each found) and reported pass/fail with the figure behind it, so a coordinator can see
why a site fails and what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

MIN_OPEN_DAYS = 5
MAX_MINUTES = 30.0
MAX_DELAY = timedelta(hours=48)
MIN_SHARE_WITHIN_48H = 0.80  # Oasis threshold: 4 requests out of 5 served within 48 h
MIN_SHARE_CATCHMENT = 0.95  # of the catchment population within 30 minutes
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class CareRequest:
    """A patient's request and the earliest start they were offered (None: nothing)."""

    requested_at: datetime
    first_offer_at: datetime | None

    def served_within(self, delay: timedelta) -> bool:
        return self.first_offer_at is not None and \
            self.first_offer_at - self.requested_at <= delay


@dataclass(frozen=True)
class LabelInput:
    site_name: str
    nurse_present: bool
    opening_hours: Mapping[int, list[tuple[time, time]]]  # weekday (0 = Monday) -> intervals
    practitioner_sectors: list[str]  # "1", "2", "OPTAM" of every practitioner at the site
    catchment_population: float  # people for whom this site is the nearest care site
    catchment_within_minutes: float  # of those, people within MAX_MINUTES by road
    requests: list[CareRequest] = field(default_factory=list)
    nurses: int | None = None  # how many nurses the staff list has at the site, if known


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    passed: bool
    evidence: str
    # The figures behind the evidence sentence, for the API and the dashboard.
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LabelReport:
    site_name: str
    criteria: list[Criterion]

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.criteria)

    def failing(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]


def open_days(hours: Mapping[int, Iterable[tuple[time, time]]]) -> list[int]:
    """Weekdays with at least one non-empty opening interval."""
    return sorted(day for day, spans in hours.items() if any(a < b for a, b in spans))


def check_label(site: LabelInput) -> LabelReport:
    """Evaluate every criterion; never stops at the first failure."""
    days = open_days(site.opening_hours)
    overrun = [s for s in site.practitioner_sectors if s != "1"]
    share_reach = (site.catchment_within_minutes / site.catchment_population
                   if site.catchment_population > 0 else 1.0)
    served = sum(r.served_within(MAX_DELAY) for r in site.requests)
    n_req = len(site.requests)
    share_48 = served / n_req if n_req else 0.0
    nurse_evidence = ("aucun infirmier déclaré" if not site.nurse_present else
                      "infirmier présent" if site.nurses is None else
                      f"{site.nurses} infirmier(s) rattaché(s) au site")
    criteria = [
        Criterion("nurse", "Présence d'un infirmier", site.nurse_present, nurse_evidence,
                  {"nurses": site.nurses}),
        Criterion("open_days", f"Ouvert au moins {MIN_OPEN_DAYS} jours par semaine",
                  len(days) >= MIN_OPEN_DAYS,
                  f"{len(days)} jour(s) : " + (", ".join(WEEKDAYS_FR[d] for d in days)
                                               or "aucun"),
                  {"open_days": len(days), "weekdays": days, "minimum": MIN_OPEN_DAYS}),
        Criterion("secteur_1", "Consultations sans dépassement d'honoraires (secteur 1)",
                  bool(site.practitioner_sectors) and not overrun,
                  f"{len(site.practitioner_sectors)} praticien(s), {len(overrun)} hors "
                  "secteur 1" if site.practitioner_sectors else "aucun praticien",
                  {"practitioners": len(site.practitioner_sectors),
                   "outside_sector_1": len(overrun)}),
        Criterion("within_30_min", "Accessible en moins de 30 minutes",
                  share_reach >= MIN_SHARE_CATCHMENT,
                  f"{share_reach:.0%} de la population desservie à moins de 30 min "
                  f"(seuil {MIN_SHARE_CATCHMENT:.0%})",
                  {"catchment_population": round(site.catchment_population),
                   "within_minutes_population": round(site.catchment_within_minutes),
                   "share": round(share_reach, 4), "threshold": MIN_SHARE_CATCHMENT,
                   "minutes": MAX_MINUTES}),
        Criterion("within_48_h", "Soins sous 48 heures", n_req > 0
                  and share_48 >= MIN_SHARE_WITHIN_48H,
                  f"{served}/{n_req} demandes servies sous 48 h ({share_48:.0%}, seuil "
                  f"{MIN_SHARE_WITHIN_48H:.0%})" if n_req else
                  "aucune demande mesurée sur la période",
                  {"requests": n_req, "served_within_48h": served,
                   "share": round(share_48, 4), "threshold": MIN_SHARE_WITHIN_48H}),
    ]
    return LabelReport(site.site_name, criteria)
