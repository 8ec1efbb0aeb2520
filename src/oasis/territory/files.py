"""Shared reading of the public data files the territory engine imports.

Every importer refuses a malformed file as a whole, with one French message listing
every bad line (file name and line number), because a silently dropped commune biases
every indicator around it.  :class:`DataFileError` carries the path and the list of
problems so that a caller (CLI, web page) can show them as it likes.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from oasis.territory.codes import InvalidCodeError, normalise_insee
from oasis.territory.errors import TerritoryInputError

MAX_SHOWN = 30


@dataclass(frozen=True)
class Problem:
    """One bad line of a file: its 1-based line number and what is wrong, in French."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line else self.message


class DataFileError(TerritoryInputError):
    """A file that cannot be used; ``path`` and ``problems`` say where and why."""

    code = "invalid_data_file"

    def __init__(self, path: Path | str, problems: list[Problem] | str) -> None:
        self.path = Path(path)
        if isinstance(problems, str):
            problems = [Problem(0, problems)]
        self.problems = list(problems)
        super().__init__(self._message())

    @property
    def lines(self) -> list[int]:
        """Line numbers of the bad lines (0 for a problem with the whole file)."""
        return [p.line for p in self.problems]

    def _message(self) -> str:
        whole = [p for p in self.problems if not p.line]
        if whole and len(whole) == len(self.problems):
            return f"{self.path} : " + " ; ".join(p.message for p in whole)
        shown = "\n".join(str(p) for p in self.problems[:MAX_SHOWN])
        more = (f"\n… et {len(self.problems) - MAX_SHOWN} autre(s)"
                if len(self.problems) > MAX_SHOWN else "")
        return f"{self.path} : {len(self.problems)} ligne(s) invalide(s)\n{shown}{more}"


def read_text(path: Path | str) -> str:
    """The file's text: UTF-8 (with or without BOM), else Latin-1 (older INSEE files)."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(path, "fichier introuvable")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sniff_delimiter(first_line: str) -> str:
    """';' (INSEE, FINESS, Assurance Maladie), else ',' or tab, from the header line."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def rows(path: Path | str, delimiter: str | None = None
         ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of a delimited file, blank lines skipped."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delim = delimiter or sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    header: list[str] | None = None
    out: list[tuple[int, list[str]]] = []
    for cells in reader:
        line_no = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        out.append((line_no, cells))
    if header is None:
        raise DataFileError(path, "fichier vide")
    return header, out


def parse_number(text: str) -> float:
    """A French or English decimal (``1 234,5`` or ``1234.5``); ValueError otherwise."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def insee_code(text: str) -> str:
    """Canonical INSEE commune code; InvalidCodeError with a French message otherwise."""
    return normalise_insee(text)


__all__ = ["DataFileError", "InvalidCodeError", "Problem", "insee_code", "parse_number",
           "read_text", "rows", "sniff_delimiter"]
