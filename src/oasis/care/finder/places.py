"""Where the patient is: an INSEE code, a postal code or a name, resolved to one commune.

Patients type what they know — usually a postal code or their village's name, rarely an
INSEE code — so every form is accepted, and anything that does not name exactly one
commune is refused with *choices* rather than guessed: a postal code shared by twelve
villages of the Nièvre can put the patient 40 minutes from the one the finder picked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from oasis.care.core.errors import Invalid
from oasis.care.core.geo import Place, geography
from oasis.territory.geography import normalise_name

_CODE_LIKE = re.compile(r"^(?:\d+|2[ABab]\d*)$")
_SUGGESTED_CODE = re.compile(r"\((\w{5}),")
_LABELLED = re.compile(r"^[^()]*\((\w{5})\)$")


@dataclass(frozen=True)
class Choice:
    """A candidate commune offered when the input was ambiguous or unknown."""

    code: str
    name: str
    dep: str
    postal_codes: tuple[str, ...]

    @property
    def label(self) -> str:
        """« Nevers (58194) »: unambiguous when typed back into the search."""
        return f"{self.name} ({self.code})"

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "dep": self.dep,
                "postal_codes": list(self.postal_codes), "label": self.label}


class PlaceError(Invalid):
    """The input names no commune, or several: ``suggestions`` lists the candidates."""

    def __init__(self, message: str, code: str, suggestions: list[Choice] | None = None):
        super().__init__(message, code=code)
        self.suggestions: list[Choice] = suggestions or []


@dataclass
class _Resolver:
    geo: object
    max_choices: int = 8

    def choice(self, i: int) -> Choice:
        g = self.geo
        return Choice(str(g.code[i]), str(g.name[i]), str(g.dep[i]),
                      tuple(str(g.postal_codes[i]).split()))

    def place(self, i: int) -> Place:
        g = self.geo
        lat, lon = float(g.lat[i]), float(g.lon[i])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise PlaceError(f"la commune {g.name[i]} ({g.code[i]}) n'a pas de coordonnées "
                             "connues", code="commune_without_point")
        area = float(g.area_km2[i])
        return Place(str(g.code[i]), str(g.name[i]), str(g.dep[i]), lat, lon,
                     area if math.isfinite(area) and area > 0 else None,
                     tuple(str(g.postal_codes[i]).split()))

    def communes_only(self, rows: list[int]) -> list[int]:
        """Drop municipal arrondissements when their parent city is also listed."""
        kinds = self.geo.kind
        return [j for j in rows if kinds[j] == "commune"] or rows


def resolve(text: str | None, geo=None, *, codes: str = "insee_first") -> Place:
    """The one commune ``text`` designates, or :class:`PlaceError` with choices.

    Five characters are read according to ``codes``: ``"insee_first"`` (the API's
    ``commune=``: an INSEE code if one exists, else a postal code), ``"postcode"``
    (only a postal code), or ``"ask"`` (what a patient typed: 58200 is both Ouagne's
    INSEE code and Cosne-Cours-sur-Loire's postal code, so both are offered).
    """
    if codes not in ("insee_first", "postcode", "ask"):
        raise ValueError(f"unknown code reading {codes!r}")
    if geo is None:
        geo = geography()
    r = _Resolver(geo)
    raw = (text or "").strip()
    if not raw:
        raise PlaceError("indiquez votre commune ou votre code postal", code="missing_commune")
    if len(raw) > 120:
        raise PlaceError("texte trop long pour un nom de commune", code="invalid_commune")
    labelled = _LABELLED.match(raw)
    if labelled:  # « Nevers (58194) », what the pages' choices and autocomplete send
        i = geo.index.get(labelled.group(1).upper())
        if i is None:
            raise PlaceError(f"aucune commune de code INSEE {labelled.group(1)}",
                             code="unknown_commune")
        return r.place(i)
    if _CODE_LIKE.match(raw):
        return _by_code(r, raw.upper(), codes)
    return _by_name(r, raw)


def _by_code(r: _Resolver, code: str, codes: str) -> Place:
    geo = r.geo
    if len(code) != 5:
        raise PlaceError(f"« {code} » : un code postal ou un code INSEE a 5 caractères "
                         "(ex. 58000 ou 58194 pour Nevers)", code="invalid_commune")
    i = None if codes == "postcode" else geo.index.get(code)
    if i is not None and codes == "insee_first":
        return r.place(i)
    rows = r.communes_only(geo.by_postal_code(code))
    if i is not None and i not in rows:
        rows = [i, *rows]
    if len(rows) == 1:
        return r.place(rows[0])
    if rows:
        choices = [r.choice(j) for j in rows[: r.max_choices * 3]]
        message = (f"{code} est le code INSEE de {geo.name[i]} et le code postal d'autres "
                   "communes : choisissez la vôtre" if i is not None else
                   f"le code postal {code} regroupe {len(rows)} communes : choisissez "
                   "la vôtre")
        raise PlaceError(message, code="ambiguous_postcode", suggestions=choices)
    what = "le code postal" if codes == "postcode" else "le code postal ou le code INSEE"
    raise PlaceError(f"aucune commune n'a {what} {code}", code="unknown_commune")


def _by_name(r: _Resolver, text: str) -> Place:
    geo = r.geo
    query = normalise_name(text)
    if not query:
        raise PlaceError(f"« {text} » n'est pas un nom de commune", code="invalid_commune")
    rows = r.communes_only(geo.search(text, limit=50))
    exact = [j for j in rows if geo.search_name[j] == query]
    if len(exact) == 1:
        return r.place(exact[0])
    if exact:
        raise PlaceError(f"{len(exact)} communes s'appellent « {text} » : choisissez la vôtre",
                         code="ambiguous_commune",
                         suggestions=[r.choice(j) for j in exact[: r.max_choices]])
    if len(rows) == 1:
        return r.place(rows[0])
    if rows:
        raise PlaceError(f"plusieurs communes correspondent à « {text} » : choisissez la "
                         "vôtre", code="ambiguous_commune",
                         suggestions=[r.choice(j) for j in rows[: r.max_choices]])
    # suggest() formats « Nom (code, dép.) »; take the codes back from it.
    close = [geo.index[m.group(1)] for s in geo.suggest(text)
             if (m := _SUGGESTED_CODE.search(s)) and m.group(1) in geo.index]
    raise PlaceError(f"aucune commune ne s'appelle « {text} »", code="unknown_commune",
                     suggestions=[r.choice(j) for j in close])
