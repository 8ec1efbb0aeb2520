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


MAX_LINE_CHARS = 100_000  # a CSV line of supply, sites or matrix is under 200 characters
_SNIFF_BYTES = 8192
_SIGNATURES = {b"\x89PNG": "une image PNG", b"%PDF": "un PDF", b"PK\x03\x04": "une archive ZIP "
               "(un classeur Excel .xlsx ?)", b"PAR1": "un fichier Parquet",
               b"\xff\xd8\xff": "une image JPEG", b"\x1f\x8b": "une archive gzip"}


def check_file(path: Path | str) -> Path:
    """``path`` if it is a readable file, else :class:`DataFileError` saying why."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(path, "fichier introuvable")
    if path.is_dir():
        raise DataFileError(path, "c'est un dossier, pas un fichier")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise DataFileError(path, f"fichier illisible ({exc.strerror or exc})") from None
    return path


def _check_text_start(path: Path, head: bytes, *, parquet_ok: bool = False) -> None:
    """Refuse what is not text at all: UTF-16, images, archives, NUL bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFileError(path, "fichier encodé en UTF-16 : réenregistrez-le en UTF-8 "
                                  "(CSV UTF-8)")
    for magic, what in _SIGNATURES.items():
        if head.startswith(magic) and not (parquet_ok and magic == b"PAR1"):
            raise DataFileError(path, f"c'est {what}, pas un fichier texte CSV")
    if b"\x00" in head:
        raise DataFileError(path, "fichier binaire (octets nuls), pas un fichier texte CSV")


def _undecodable(path: Path, raw: bytes, exc: UnicodeDecodeError, first_line: int = 1):
    line = first_line + raw[:exc.start].count(b"\n")
    byte = raw[exc.start:exc.start + 1].hex().upper()
    return DataFileError(path, [Problem(line, f"texte qui n'est pas de l'UTF-8 (octet 0x{byte}) "
                                              "— réenregistrez le fichier en UTF-8")])


def _long_lines(path: Path, text: str) -> None:
    problems = [Problem(n, f"ligne de plus de {MAX_LINE_CHARS:_} caractères".replace("_", " "))
                for n, line in enumerate(text.split("\n"), start=1)
                if len(line) > MAX_LINE_CHARS]
    if problems:
        raise DataFileError(path, problems)


def read_text(path: Path | str, *, latin1: bool = True) -> str:
    """The file's text: UTF-8 (with or without BOM), else Latin-1 (older INSEE files).

    ``latin1=False`` for files people export themselves (supply, sites, matrices): a
    Latin-1 file there is refused with the line of its first non-UTF-8 byte rather than
    read with wrong accents.  Binary files, UTF-16, NUL bytes and absurdly long lines are
    refused either way, naming the file (and the line).
    """
    path = check_file(path)
    raw = path.read_bytes()
    _check_text_start(path, raw[:_SNIFF_BYTES])
    if b"\x00" in raw:
        line = raw[:raw.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(path, [Problem(line, "octet nul : fichier binaire, pas du texte")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not latin1:
            raise _undecodable(path, raw, exc) from None
        text = raw.decode("latin-1")
    _long_lines(path, text)
    return text


def text_lines(path: Path | str):
    """Lines of a large UTF-8 file, decoded one at a time (same refusals as read_text)."""
    path = check_file(path)
    with path.open("rb") as fh:
        _check_text_start(path, fh.read(_SNIFF_BYTES))
        fh.seek(0)
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _undecodable(path, raw, exc, number) from None
            if "\x00" in line:
                raise DataFileError(path, [Problem(number, "octet nul : fichier binaire")])
            if len(line) > MAX_LINE_CHARS:
                raise DataFileError(path, [Problem(number, f"ligne de plus de "
                                                           f"{MAX_LINE_CHARS} caractères")])
            yield line


def read_parquet(path: Path | str):
    """The file's pyarrow table, or :class:`DataFileError` for a corrupt or foreign file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = check_file(path)
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataFileError(path, f"Parquet illisible (fichier corrompu ou d'un autre format :"
                                  f" {str(exc)[:200]})") from None


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


__all__ = ["DataFileError", "InvalidCodeError", "Problem", "check_file", "insee_code",
           "parse_number", "read_parquet", "read_text", "rows", "sniff_delimiter", "text_lines"]
