"""The geography as the care services need it: validated communes and their points."""

from __future__ import annotations

from dataclasses import dataclass

from oasis.care.core.errors import Invalid, NotFound


@dataclass(frozen=True)
class Place:
    """A commune with its point (and, where the finder needs them, its area for the
    trip inside it and its postal codes)."""

    code: str
    name: str
    dep: str
    lat: float
    lon: float
    area_km2: float | None = None
    postal_codes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.dep})"

    @property
    def search_label(self) -> str:
        """« Nevers (58194) »: what to put back in a search field (resolves exactly)."""
        return f"{self.name} ({self.code})"

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "dep": self.dep, "lat": self.lat,
                "lon": self.lon, "postal_codes": list(self.postal_codes)}


def geography():
    from oasis.config import get_settings
    from oasis.territory.geography import load_geography

    return load_geography(get_settings().geography_file)


def commune_place(code: str, geo=None) -> Place:
    """The commune of INSEE ``code`` with its point; NotFound/Invalid with suggestions."""
    from oasis.territory.codes import InvalidCodeError
    from oasis.territory.geography import UnknownCommuneError

    geo = geo or geography()
    try:
        c = geo.commune(code)
    except UnknownCommuneError as exc:
        hint = f" (suggestions : {', '.join(exc.suggestions)})" if exc.suggestions else ""
        raise NotFound(f"{exc}{hint}", code="unknown_commune") from exc
    except InvalidCodeError as exc:
        raise Invalid(str(exc), code="invalid_commune") from exc
    if c.lat is None or c.lon is None:
        raise Invalid(f"la commune {c.code} n'a pas de coordonnées", code="commune_without_point")
    return Place(c.code, c.name, c.dep, c.lat, c.lon)
