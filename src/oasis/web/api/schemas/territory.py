"""Schemas of the territory API: map layers, planning figures and rankings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DepartmentOut(BaseModel):
    code: str
    name: str


class IndicatorOut(BaseModel):
    name: str
    label: str
    level: str
    values: dict[str, float]
    categories: list[str] | None = None
    legend: LegendOut | None = None


class PriorityEpciOut(BaseModel):
    rang: int
    code_epci: str
    nom: str
    departements: str | None
    population: int
    apl: float
    classe: str
    population_sous_dense: int
    part_sous_dense: float
    deficit_consultations: int
    minutes: float | None = Field(description="null : hors de portée (aucun site dans "
                                              "la zone de trajet)")
    score: int | None = Field(description="null : déficit hors de portée, classé en tête")


class PriorityRankingOut(BaseModel):
    top: int
    synthetic_supply: bool
    score: str
    epci: list[PriorityEpciOut]


class KeyFiguresOut(BaseModel):
    """Key figures of the national zoning (population and communes per APL class)."""

    model_config = {"extra": "allow"}

    population: int
    apl_mean: float
    thresholds: list[float]
    synthetic: bool
    communes: int


class UncoveredOut(BaseModel):
    code: str
    name: str
    dep: str
    population: int
    minutes_to_site: float | None


class CoverageOut(BaseModel):
    """Population within N minutes of a care site, and the communes left out."""

    model_config = {"extra": "allow"}

    site_kinds: list[str]
    uncovered: list[UncoveredOut]


class LegendOut(BaseModel):
    unit: str
    palette: str
    palette_source: str
    method: str
    digits: int
    breaks: list[float]
    colors: list[str]
    names: list[str] | None = None
    missing: str
    background: str


class PlaceLabelOut(BaseModel):
    code: str
    name: str
    lat: float
    lon: float
    population: int
    kind: str


class PlaceOut(BaseModel):
    code: str
    name: str
    dep: str
    dep_name: str
    lat: float
    lon: float
    population: int
    zone: str


class TerritorySheetOut(BaseModel):
    level: str
    code: str
    name: str
    population: int
    apl: float
    apl_unit: str
    apl_class: str
    priority_rank: int | None
    priority_of: int
    synthetic: bool
    nearest_site: str | None
    minutes_to_site: float | None
    drive_time: str
    covered: bool
    coverage_share: float
    coverage_text: str


class MapPointOut(BaseModel):
    code: str
    name: str
    lat: float
    lon: float
    rank: int
    label: str


IndicatorOut.model_rebuild()


class OutlookScenarioOut(BaseModel):
    scenario: str
    label: str
    year_now: int
    year_horizon: int
    apl_now: float
    apl_horizon: float
    share_sous_dense_now: float
    share_sous_dense_horizon: float
    variant: str


class OutlookDepartmentOut(BaseModel):
    dep: str
    name: str
    population: float
    apl_now: float
    apl_tendance: float
    apl_sites: float | None = None
    apl_sites_volontaires: float | None = None
    change: float


class OutlookOut(BaseModel):
    year_now: int
    year_horizon: int
    variant: str
    synthetic_supply: bool
    notes: list[str]
    national: list[OutlookScenarioOut]
    departments: list[OutlookDepartmentOut]


class PathLayerOut(BaseModel):
    """Boundaries projected once on the server: ``features`` are [code, name, SVG path]."""

    bbox: list[float]
    k: float
    units_per_degree: float
    width: int
    height: int
    features: list[list[str]]
