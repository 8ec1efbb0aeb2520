"""Schedule and Slot ↔ the care scheduling models (and the search hits)."""

from __future__ import annotations

from datetime import datetime

from oasis.care.scheduling.models import Schedule, Slot
from oasis.care.scheduling.search import SlotHit
from oasis.web.api.fhir.common import (
    instant,
    mode_concept,
    parse_instant,
    ref,
    ref_id,
    resource,
    specialty_concept,
)


def schedule(s: Schedule, specialty: str, practitioner_name: str | None = None) -> dict:
    horizon = {}
    if s.valid_from:
        horizon["start"] = s.valid_from.isoformat()
    if s.valid_until:
        horizon["end"] = s.valid_until.isoformat()
    return resource(
        "Schedule", s.id, active=s.active, serviceType=[mode_concept(s.mode)],
        specialty=[specialty_concept(specialty)],
        actor=[ref("Practitioner", s.practitioner_id, practitioner_name),
               ref("Location", s.location_id)],
        planningHorizon=horizon, comment=f"Créneaux de {s.slot_minutes} minutes")


def slot(ident: int, schedule_id: int, status: str, start: datetime, end: datetime, mode: str,
         specialty: str) -> dict:
    return resource("Slot", ident, serviceType=[mode_concept(mode)],
                    specialty=[specialty_concept(specialty)],
                    schedule=ref("Schedule", schedule_id), status=status,
                    start=instant(start), end=instant(end))


def slot_of_row(s: Slot) -> dict:
    return slot(s.id, s.schedule_id, s.status, s.start_at, s.end_at, s.mode, s.specialty)


def slot_of_hit(h: SlotHit) -> dict:
    return slot(h.slot_id, h.schedule_id, "free", h.start_at, h.end_at, h.mode, h.specialty)


def slot_fields(res: dict) -> dict:
    """What a FHIR Slot says about the stored slot (round trip)."""
    return {"schedule_id": int(ref_id(res["schedule"], "Schedule", "schedule")),
            "status": res["status"], "start_at": parse_instant(res["start"], "start"),
            "end_at": parse_instant(res["end"], "end"),
            "mode": res["serviceType"][0]["coding"][0]["code"],
            "specialty": res["specialty"][0]["coding"][0]["code"]}
