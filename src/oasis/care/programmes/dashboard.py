"""France Santé territory dashboard: who has a labelled site ≤ 30 min with care ≤ 48 h, now.

For every commune (analysis unit of the geography, optionally one department's), a
commune is **covered** when a site that passes the label check right now
(:mod:`oasis.care.programmes.label`) is within 30 minutes of its town-hall point under
the territory travel model **and** that site has at least one free slot (in person, or
video at the site — the ETT case) starting within the next 48 hours, read live from the
``slot`` table.  Gaps are the communes not covered, with the reason: no labelled site
within 30 minutes, or labelled sites near but none with a free slot within 48 hours.
Population covered is summed per department (the whole commune counts, as in
``oasis coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.clock import utcnow
from oasis.care.core.errors import Invalid
from oasis.care.core.geo import geography
from oasis.care.programmes.france_sante import MAX_DELAY, MAX_MINUTES
from oasis.care.programmes.label import DEFAULT_WEEKS, SiteLabel, label_sites
from oasis.care.scheduling.models import Slot
from oasis.territory.sites import nearest_site
from oasis.territory.travel import TravelModel

SITE_MODES = ("in_person", "video")


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    labels: list[SiteLabel]
    with_slot: set[int]  # labelled sites with a free slot ≤ 48 h
    communes: pd.DataFrame  # one row per commune, see :func:`dashboard`

    @property
    def labelled(self) -> list[SiteLabel]:
        return [s for s in self.labels if s.eligible]

    def departments(self) -> pd.DataFrame:
        t = self.communes.assign(_cov=np.where(self.communes["covered"],
                                               self.communes["population"], 0))
        out = t.groupby("dep", sort=True).agg(
            name=("dep_name", "first"), communes=("code", "size"),
            population=("population", "sum"), covered_population=("_cov", "sum"),
            covered_communes=("covered", "sum")).reset_index()
        pop = out["population"].to_numpy(dtype=float)
        out["share_covered"] = np.divide(out["covered_population"].to_numpy(dtype=float), pop,
                                         out=np.zeros(len(out)), where=pop > 0)
        return out

    def gaps(self) -> pd.DataFrame:
        t = self.communes
        return (t[~t["covered"]].sort_values(["population", "code"], ascending=[False, True])
                .reset_index(drop=True))

    def summary(self) -> dict:
        t = self.communes
        population = int(t["population"].sum())
        covered = int(t.loc[t["covered"], "population"].sum())
        return {"now": self.now.isoformat(), "sites_checked": len(self.labels),
                "labelled_sites": len(self.labelled),
                "labelled_sites_with_slot_48h": len(self.with_slot),
                "communes": len(t), "covered_communes": int(t["covered"].sum()),
                "population": population, "covered_population": covered,
                "share_covered": covered / population if population else 0.0}


def sites_with_free_slot(session: Session, location_ids: list[int], now: datetime,
                         within: timedelta = MAX_DELAY) -> set[int]:
    if not location_ids:
        return set()
    return set(session.scalars(select(Slot.location_id).where(
        Slot.location_id.in_(location_ids), Slot.status == "free",
        Slot.mode.in_(SITE_MODES), Slot.start_at > now, Slot.start_at <= now + within)
        .distinct()).all())


def dashboard(session: Session, *, now: datetime | None = None, department: str | None = None,
              weeks: int = DEFAULT_WEEKS, geo=None, model: TravelModel | None = None,
              labels: list[SiteLabel] | None = None) -> Dashboard:
    """Compute the dashboard live (see the module docstring)."""
    now = now or utcnow()
    geo = geo or geography()
    model = model or TravelModel()
    rows = np.flatnonzero(geo.analysis_units)
    if department is not None:
        rows = rows[geo.dep[rows] == department]
        if rows.size == 0:
            raise Invalid(f"département inconnu : « {department} »", code="unknown_department")
    if labels is None:
        labels = label_sites(session, weeks=weeks, now=now, geo=geo, model=model)
    labelled = [s for s in labels if s.eligible]
    with_slot = sites_with_free_slot(session, [s.location_id for s in labelled], now)
    lat, lon = geo.lat[rows], geo.lon[rows]

    def nearest(sites: list[SiteLabel]) -> tuple[np.ndarray, np.ndarray]:
        minutes, idx = nearest_site(lat, lon, np.array([s.lat for s in sites], dtype=float),
                                    np.array([s.lon for s in sites], dtype=float), model)
        ids = np.array([s.location_id for s in sites], dtype=np.int64)
        return minutes, np.where(idx >= 0, ids[np.maximum(idx, 0)] if len(ids) else -1, -1)

    to_labelled, _ = nearest(labelled)
    ready = [s for s in labelled if s.location_id in with_slot]
    to_ready, ready_id = nearest(ready)
    covered = to_ready <= MAX_MINUTES
    reason = np.where(covered, "", np.where(to_labelled <= MAX_MINUTES, "no_slot_48h",
                                            "no_labelled_site_30min"))
    frame = pd.DataFrame({
        "code": geo.code[rows].astype(str), "name": geo.name[rows].astype(str),
        "dep": geo.dep[rows].astype(str),
        "dep_name": pd.Series(geo.dep_name[rows]).fillna("").astype(str).to_numpy(),
        "population": geo.population[rows].astype(np.int64),
        "minutes_to_labelled": np.round(to_labelled, 1),
        "minutes_to_available": np.round(to_ready, 1),
        "site_id": np.where(covered, ready_id, -1), "covered": covered, "gap": reason})
    return Dashboard(now, labels, with_slot, frame)
