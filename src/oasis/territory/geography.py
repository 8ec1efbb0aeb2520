"""The French administrative geography that every part of Oasis shares.

One :class:`Geography` holds, as numpy arrays aligned by row, the 34,969 current
communes of the 2026 Code officiel géographique and the 45 municipal arrondissements of
Paris, Lyon and Marseille, with population, department, region, EPCI, a representative
point and an area.  It is read from the Parquet file built by
:mod:`oasis.datasets.geography_build` (see ``docs/SOURCES.md``), never from the network.

Why arrays rather than a DataFrame: the territorial computations (travel times, APL,
coverage) index these arrays directly, and loading stays well under the 300 ms budget.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from oasis.territory.codes import InvalidCodeError, is_siren, normalise_insee
from oasis.territory.errors import TerritoryNotFound

ATTRIBUTE_COLUMNS = (
    "code", "name", "search_name", "kind", "parent", "zone", "dep", "dep_name", "region",
    "region_name", "epci", "epci_name", "epci_kind", "population", "postal_codes", "lat",
    "lon", "point_source", "area_km2",
)


class GeographyDataMissing(FileNotFoundError):
    """The geography file has not been built yet (run ``oasis data build``)."""


class UnknownCommuneError(TerritoryNotFound):
    """A well-formed code that names no current commune; carries name suggestions."""

    code = "unknown_commune"

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class UnknownEpciError(TerritoryNotFound):
    """No EPCI with that SIREN in the current geography."""

    code = "unknown_epci"


def normalise_name(text: str) -> str:
    """Fold accents, case and punctuation so that « saint etienne » finds Saint-Étienne."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_text = ascii_text.replace("œ", "oe").replace("æ", "ae")
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text).split()
    expand = {"st": "saint", "ste": "sainte", "s": "sur"}
    return " ".join(expand.get(w, w) if i else {"st": "saint", "ste": "sainte"}.get(w, w)
                    for i, w in enumerate(words))


@dataclass(frozen=True)
class Commune:
    """One commune (or municipal arrondissement) as the CLI and API present it."""

    code: str
    name: str
    kind: str
    parent: str | None
    population: int
    dep: str
    dep_name: str | None
    region: str | None
    region_name: str | None
    epci: str | None
    epci_name: str | None
    lat: float | None
    lon: float | None
    area_km2: float | None
    postal_codes: list[str]
    point_source: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Epci:
    """An intercommunalité à fiscalité propre and its member communes."""

    code: str
    name: str
    kind: str
    population: int
    members: list[str]
    departments: list[str]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class Geography:
    """Row-aligned arrays of the communes and arrondissements; see the module docstring."""

    code: np.ndarray
    name: np.ndarray
    search_name: np.ndarray  # normalise_name(name), precomputed at build time
    kind: np.ndarray
    parent: np.ndarray
    zone: np.ndarray
    dep: np.ndarray
    dep_name: np.ndarray
    region: np.ndarray
    region_name: np.ndarray
    epci: np.ndarray
    epci_name: np.ndarray
    epci_kind: np.ndarray
    population: np.ndarray
    postal_codes: np.ndarray  # space-separated, split on demand
    lat: np.ndarray
    lon: np.ndarray
    point_source: np.ndarray
    area_km2: np.ndarray
    source: Path | None = field(default=None)

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.code)

    @cached_property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.code)}

    @cached_property
    def is_commune(self) -> np.ndarray:
        """True for current communes (not municipal arrondissements)."""
        return self.kind == "commune"

    @cached_property
    def analysis_units(self) -> np.ndarray:
        """Row mask of the grid territorial indicators use (DREES convention).

        Communes, with Paris, Lyon and Marseille replaced by their arrondissements, and
        only those that have a point (the collectivités d'outre-mer have none in the
        source data and their health systems are outside the APL's scope anyway).
        """
        split = set(self.parent[self.kind == "arrondissement"])
        replaced = np.isin(self.code, list(split))
        return (~replaced) & np.isfinite(self.lat)

    def row(self, code: str) -> int:
        """Row of a commune code; raises InvalidCodeError or UnknownCommuneError."""
        try:
            canonical = normalise_insee(code)
        except InvalidCodeError as exc:
            text = str(code).strip()
            if not text or text.isdigit():
                raise
            # Someone typed a name where a code was expected: say so, with candidates.
            raise UnknownCommuneError(str(exc), self.suggest(text)) from exc
        i = self.index.get(canonical)
        if i is None:
            by_postcode = self.by_postal_code(canonical)
            hint = ""
            if by_postcode:
                names = ", ".join(f"{self.name[j]} ({self.code[j]})" for j in by_postcode[:5])
                hint = f" ; c'est un code postal de : {names}"
            raise UnknownCommuneError(
                f"aucune commune de code INSEE {canonical} dans le COG 2026{hint}",
                [str(self.code[j]) for j in by_postcode])
        return i

    def commune(self, code: str) -> Commune:
        i = self.row(code)
        return Commune(
            code=str(self.code[i]), name=str(self.name[i]), kind=str(self.kind[i]),
            parent=self.parent[i], population=int(self.population[i]), dep=str(self.dep[i]),
            dep_name=self.dep_name[i], region=self.region[i], region_name=self.region_name[i],
            epci=self.epci[i], epci_name=self.epci_name[i],
            lat=_finite(self.lat[i]), lon=_finite(self.lon[i]),
            area_km2=_finite(self.area_km2[i]), postal_codes=self.postal_codes[i].split(),
            point_source=str(self.point_source[i]),
        )

    def by_postal_code(self, postal_code: str) -> list[int]:
        """Rows whose postal codes include ``postal_code`` (communes first)."""
        rows = self._postal_index.get(postal_code.strip(), [])
        return sorted(rows, key=lambda j: (self.kind[j] != "commune", -self.population[j]))

    @cached_property
    def _postal_index(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, cps in enumerate(self.postal_codes):
            for cp in cps.split():
                out.setdefault(cp, []).append(i)
        return out

    def arrondissements(self, code: str) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.parent == code)]

    # ------------------------------------------------------------------ search
    def search(self, text: str, limit: int = 10) -> list[int]:
        """Rows whose name matches ``text``, accent- and case-insensitively.

        Ranking: exact name, then names starting with the query, then names containing
        every query word; population breaks ties, so « saint etienne » lists the city of
        the Loire before the villages.  A postal code or INSEE code is accepted too.
        """
        query = normalise_name(text)
        if not query:
            return []
        if re.fullmatch(r"\d{5}|2[ab]\d{3}", query):
            hits = [i for i in [self.index.get(query.upper())] if i is not None]
            return (hits + [j for j in self.by_postal_code(query) if j not in hits])[:limit]
        names = self.search_name
        words = query.split()
        scored: list[tuple[int, int, int]] = []
        for i, name in enumerate(names):
            if name == query:
                rank = 0
            elif name.startswith(query):
                rank = 1
            elif all(w in name for w in words):
                rank = 2
            else:
                continue
            scored.append((rank, -int(self.population[i]), i))
        scored.sort()
        return [i for _, _, i in scored[:limit]]

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Closest commune names to a misspelt ``text`` (used in error messages)."""
        hits = self.search(text, limit)
        if not hits:
            query = normalise_name(text)
            close = difflib.get_close_matches(query, self._unique_names, n=limit, cutoff=0.75)
            hits = [self._first_row_of_name[n] for n in close]
        return [f"{self.name[i]} ({self.code[i]}, {self.dep[i]})" for i in hits]

    @cached_property
    def _first_row_of_name(self) -> dict[str, int]:
        out: dict[str, int] = {}
        order = np.argsort(-self.population, kind="stable")
        for i in order:
            out.setdefault(self.search_name[i], int(i))
        return out

    @cached_property
    def _unique_names(self) -> list[str]:
        return list(self._first_row_of_name)

    # ------------------------------------------------------------------ EPCI and totals
    def epci_info(self, code: str) -> Epci:
        code = str(code).strip()
        if not is_siren(code):
            raise InvalidCodeError(
                f"« {code} » n'est pas un code d'EPCI (SIREN à 9 chiffres, ex. 200067221)")
        rows = np.flatnonzero((self.epci == code) & self.is_commune)
        if rows.size == 0:
            raise UnknownEpciError(f"aucun EPCI de code {code} dans le découpage 2026")
        i = rows[0]
        return Epci(
            code=code, name=str(self.epci_name[i]), kind=str(self.epci_kind[i]),
            population=int(self.population[rows].sum()),
            members=[str(c) for c in self.code[rows]],
            departments=sorted({str(d) for d in self.dep[rows]}),
        )

    def stats(self) -> dict[str, int]:
        communes = self.is_commune
        return {
            "communes": int(communes.sum()),
            "arrondissements_municipaux": int((~communes).sum()),
            "epci": len({e for e in self.epci[communes] if e}),
            "departements": len(set(self.dep[communes])),
            "regions": len({r for r in self.region[communes] if r}),
            "population": int(self.population[communes].sum()),
            "communes_sans_point": int((communes & ~np.isfinite(self.lat)).sum()),
        }


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _to_numpy(column) -> np.ndarray:
    """Arrow column to numpy without pandas, whose import alone costs ~0.4 s.

    pyarrow converts anything that is not zero-copy through pandas, so strings are
    decoded here from their offset and data buffers, and dictionary columns by
    indexing the decoded dictionary; nulls become None (strings) or stay NaN (floats).
    """
    import pyarrow as pa

    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        labels = np.append(_decode_strings(array.dictionary), None)
        indices = _zero_copy(array.indices).astype(np.int64)
        indices[_nulls(array)] = -1
        return labels[indices]
    if pa.types.is_string(array.type):
        return _decode_strings(array)
    values = _zero_copy(array)
    if array.null_count:
        values = values.astype(np.float64)
        values[_nulls(array)] = np.nan
    return values


_NUMPY_TYPES = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
                "float": np.float32, "double": np.float64}


def _zero_copy(array) -> np.ndarray:
    data = array.buffers()[1]
    dtype = _NUMPY_TYPES[str(array.type)]
    return np.frombuffer(data, dtype=dtype)[array.offset:array.offset + len(array)].copy()


def _nulls(array) -> np.ndarray:
    validity = array.buffers()[0]
    if validity is None or array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    return bits[array.offset:array.offset + len(array)] == 0


def _decode_strings(array) -> np.ndarray:
    offsets, data = array.buffers()[1:3]
    off = np.frombuffer(offsets, dtype=np.int32)[array.offset:array.offset + len(array) + 1]
    raw = data.to_pybytes() if data is not None else b""
    out = np.empty(len(array), dtype=object)
    out[:] = [raw[a:b].decode() for a, b in zip(off[:-1].tolist(), off[1:].tolist(),
                                                 strict=True)]
    out[_nulls(array)] = None
    return out


def read_geography(path: Path) -> Geography:
    """Read the attribute columns of ``communes.parquet`` (boundaries stay on disk).

    ``ParquetFile.read`` rather than ``read_table``: the latter imports pyarrow's dataset
    layer, which alone costs more than the whole 300 ms load budget.
    """
    import pyarrow.parquet as pq

    if not path.exists():
        raise GeographyDataMissing(
            f"{path} est absent : lancez « oasis data build » (ou « make data »)")
    table = pq.ParquetFile(path).read(columns=list(ATTRIBUTE_COLUMNS))
    cols: dict[str, np.ndarray] = {}
    for name in ATTRIBUTE_COLUMNS:
        values = _to_numpy(table.column(name))
        if name in ("lat", "lon", "area_km2"):
            values = values.astype(np.float64)
        elif name == "population":
            values = values.astype(np.int64)
        cols[name] = values
    return Geography(**cols, source=path)


def read_boundaries(path: Path, rows: np.ndarray | None = None) -> list[bytes | None]:
    """Simplified WKB boundaries (EPSG:4326), for maps and GeoJSON exports."""
    import pyarrow.parquet as pq

    wkb = pq.ParquetFile(path).read(columns=["boundary"]).column("boundary").to_pylist()
    return wkb if rows is None else [wkb[i] for i in rows]


@lru_cache(maxsize=4)
def _cached(path: Path) -> Geography:
    return read_geography(path)


def load_geography(path: Path | None = None) -> Geography:
    """The process-wide geography (read once), from settings unless ``path`` is given."""
    if path is None:
        from oasis.config import get_settings

        path = get_settings().geography_file
    return _cached(Path(path))
