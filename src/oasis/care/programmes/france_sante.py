"""The France Santé label check, criterion by criterion, with the evidence.

The published offre socle (réseau France Santé, launched October 2025; ARS pages, rules
``france_sante.*`` of :mod:`oasis.care.billing.rules`):

* a **nurse** present in the structure *or nearby* — a nurse attached to the site, or one
  practising at a site within ``france_sante.nurse_nearby_minutes`` (Oasis parameter);
* open at least ``france_sante.min_open_days`` days a week;
* consultations **without dépassement d'honoraires** — not « every practitioner in secteur
  1 »: an OPTAM or secteur 2 doctor who charges no dépassement there qualifies, which the
  site declares (``sector1_only``, tarif opposable) and the bills enforce;
* a **doctor present** (at least one active practitioner at the site);
* **participation in the SAS** (service d'accès aux soins), recorded per site with its date
  and evidence;
* an appointment within ``france_sante.max_delay_hours`` *when the health state requires
  it*, measured on the site's requests with ``france_sante.min_share_48h`` (Oasis
  parameter) served in time.

The 30-minute figure is the network's promise for the population; it is measured on the
coverage dashboard (:mod:`oasis.care.programmes.dashboard`), not per site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from oasis.care.billing import rules

ON = date(2026, 12, 1)  # reading date of the published criteria (see the rules file)
MIN_OPEN_DAYS = rules.value("france_sante.min_open_days", ON)
MAX_MINUTES = float(rules.value("france_sante.network_minutes", ON))  # dashboard promise
MAX_DELAY = timedelta(hours=rules.value("france_sante.max_delay_hours", ON))
MIN_SHARE_WITHIN_48H = rules.value("france_sante.min_share_48h", ON) / 100  # Oasis's choice
MIN_SHARE_CATCHMENT = rules.value("france_sante.min_share_network", ON) / 100  # Oasis's
NURSE_NEARBY_MINUTES = float(rules.value("france_sante.nurse_nearby_minutes", ON))  # Oasis
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
    catchment_population: float = 0.0  # kept for the dashboard's figures, not a criterion
    catchment_within_minutes: float = 0.0
    requests: list[CareRequest] = field(default_factory=list)
    nurses: int | None = None  # how many nurses the staff list has at the site, if known
    nurses_nearby: int = 0  # nurses at other sites within NURSE_NEARBY_MINUTES
    tarif_opposable: bool = False  # the site declares consultations without dépassement
    sas_since: date | None = None  # SAS participation declared on that date
    sas_evidence: str | None = None


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


def _nurse(site: LabelInput) -> Criterion:
    if site.nurse_present:
        evidence = ("infirmier présent" if site.nurses is None else
                    f"{site.nurses} infirmier(s) rattaché(s) au site")
    elif site.nurses_nearby:
        evidence = (f"{site.nurses_nearby} infirmier(s) à moins de "
                    f"{NURSE_NEARBY_MINUTES:.0f} min (paramètre Oasis)")
    else:
        evidence = (f"aucun infirmier au site ni à moins de {NURSE_NEARBY_MINUTES:.0f} min")
    return Criterion("nurse", "Un infirmier dans la structure ou à proximité",
                     site.nurse_present or site.nurses_nearby > 0, evidence,
                     {"nurses": site.nurses, "nurses_nearby": site.nurses_nearby,
                      "nearby_minutes": NURSE_NEARBY_MINUTES})


def _no_overrun(site: LabelInput) -> Criterion:
    others = [s for s in site.practitioner_sectors if s != "1"]
    ok = not others or site.tarif_opposable  # no doctor at all: the « doctor » criterion
    if not site.practitioner_sectors:
        evidence = "aucun praticien (voir le critère « médecin présent »)"
    elif not others:
        evidence = f"{len(site.practitioner_sectors)} praticien(s), tous en secteur 1"
    elif site.tarif_opposable:
        evidence = (f"{len(others)} praticien(s) OPTAM ou secteur 2, consultations au tarif "
                    "opposable déclarées sur ce site (dépassement refusé à la facturation)")
    else:
        evidence = (f"{len(others)} praticien(s) OPTAM ou secteur 2 sans engagement de "
                    "tarif opposable sur ce site")
    return Criterion("no_overrun", "Consultations sans dépassement d'honoraires", ok,
                     evidence, {"practitioners": len(site.practitioner_sectors),
                                "outside_sector_1": len(others),
                                "tarif_opposable": site.tarif_opposable})


def check_label(site: LabelInput) -> LabelReport:
    """Evaluate every criterion; never stops at the first failure."""
    days = open_days(site.opening_hours)
    served = sum(r.served_within(MAX_DELAY) for r in site.requests)
    n_req = len(site.requests)
    share_48 = served / n_req if n_req else 0.0
    doctors = len(site.practitioner_sectors)
    criteria = [
        _nurse(site),
        Criterion("open_days", f"Ouvert au moins {MIN_OPEN_DAYS} jours par semaine",
                  len(days) >= MIN_OPEN_DAYS,
                  f"{len(days)} jour(s) : " + (", ".join(WEEKDAYS_FR[d] for d in days)
                                               or "aucun"),
                  {"open_days": len(days), "weekdays": days, "minimum": MIN_OPEN_DAYS}),
        _no_overrun(site),
        Criterion("doctor", "Un médecin présent", doctors > 0,
                  f"{doctors} médecin(s) en activité sur le site", {"doctors": doctors}),
        Criterion("sas", "Participation au service d'accès aux soins (SAS)",
                  site.sas_since is not None,
                  (f"participation déclarée le {site.sas_since:%d/%m/%Y}"
                   + (f" ({site.sas_evidence})" if site.sas_evidence else ""))
                  if site.sas_since else "aucune participation au SAS enregistrée",
                  {"since": site.sas_since.isoformat() if site.sas_since else None,
                   "evidence": site.sas_evidence}),
        Criterion("within_48_h", "Rendez-vous sous 48 heures si l'état de santé le nécessite",
                  n_req > 0 and share_48 >= MIN_SHARE_WITHIN_48H,
                  f"{served}/{n_req} demandes servies sous 48 h ({share_48:.0%}, seuil "
                  f"{MIN_SHARE_WITHIN_48H:.0%}, paramètre Oasis)" if n_req else
                  "aucune demande mesurée sur la période",
                  {"requests": n_req, "served_within_48h": served,
                   "share": round(share_48, 4), "threshold": MIN_SHARE_WITHIN_48H}),
    ]
    return LabelReport(site.site_name, criteria)
