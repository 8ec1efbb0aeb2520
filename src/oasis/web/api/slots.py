"""Slot search: ``GET /api/v1/slots?commune=58194&within_minutes=30&within_hours=48``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from oasis.care.core.errors import Invalid
from oasis.care.core.geo import commune_place
from oasis.care.core.vocab import MODES, SPECIALTIES
from oasis.care.scheduling.search import COUNT_CAP, SlotHit, search_slots
from oasis.web.kit.deps import PageDep, SessionDep

router = APIRouter(prefix="/api/v1/slots", tags=["créneaux"])


class SlotPage(BaseModel):
    items: list[SlotHit]  # the search's own record: one list of fields
    total: int
    page: int
    per_page: int
    pages: int
    total_capped: bool
    origin: dict


@router.get("", response_model=SlotPage,
            summary="Créneaux libres près d'une commune, les plus tôt puis les plus proches")
def find_slots(
    session: SessionDep, page: PageDep,
    commune: Annotated[str, Query(description="Code INSEE de la commune du patient")],
    within_minutes: Annotated[float, Query(gt=0, le=180, description="Trajet maximal "
                                           "en voiture (minutes)")] = 30,
    within_hours: Annotated[float, Query(gt=0, le=24 * 60, description="Délai maximal "
                                         "(heures)")] = 48,
    specialty: Annotated[str | None, Query(description="generaliste, ophtalmologue, …")] = None,
    mode: Annotated[str, Query(description="in_person, video ou phone")] = "in_person",
) -> SlotPage:
    if specialty is not None and specialty not in SPECIALTIES:
        raise Invalid(f"spécialité inconnue : {specialty!r} ({', '.join(SPECIALTIES)})",
                      code="invalid_specialty")
    if mode not in MODES:
        raise Invalid(f"mode inconnu : {mode!r} ({', '.join(MODES)})", code="invalid_mode")
    place = commune_place(commune)
    hits, total = search_slots(session, lat=place.lat, lon=place.lon,
                               within_minutes=within_minutes, within_hours=within_hours,
                               specialty=specialty, mode=mode, limit=page.per_page,
                               offset=page.offset)
    wrapped = page.wrap(list(hits), total)
    origin = {"commune": place.code, "name": place.name, "lat": place.lat, "lon": place.lon}
    return SlotPage(**wrapped, total_capped=total >= COUNT_CAP, origin=origin)
