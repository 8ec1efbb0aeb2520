"""System routes: the liveness probe."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from oasis import __version__

router = APIRouter(tags=["système"])


class HealthOut(BaseModel):
    status: str
    version: str


@router.get("/healthz", response_model=HealthOut)
async def healthz() -> dict[str, str]:
    """Liveness probe for load balancers and the test suite; answered by the event loop,
    so a crowd occupying every pool thread cannot make a live server look dead."""
    return {"status": "ok", "version": __version__}
