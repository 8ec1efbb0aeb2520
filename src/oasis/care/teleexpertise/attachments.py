"""Attachments of a téléexpertise: type checked by content, size-limited, kept outside the
web root.

The declared type and the file name are not trusted: the first bytes must be a JPEG,
PNG or PDF signature, and the whole file must then open as one (Pillow verifies an
image, pypdf parses a PDF).  Everything is checked in memory *before* anything is
written, so a refused file leaves no trace on disk or in the database.  Files are
stored under a random key in a directory of the settings (``OASIS_ATTACHMENTS_DIR``;
by default next to the SQLite database, else under the user's data directory), never
under the static files; they are served only through the service, to the parties.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from sqlalchemy.engine import make_url

from oasis.care.core.errors import Invalid

MAX_BYTES = 10 * 1024 * 1024  # parameter (no public source): a dermatoscope photo ≈ 2–6 MB
MAX_PER_REQUEST = 10
SIGNATURES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",),
              "application/pdf": (b"%PDF-",)}


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def default_root(database_url: str) -> Path:
    """Where attachments go when no directory is configured."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "oasis-attachments"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "oasis" / "attachments"


def sniff(data: bytes) -> str | None:
    for content_type, magics in SIGNATURES.items():
        if any(data.startswith(m) for m in magics):
            return content_type
    return None


def _opens(content_type: str, data: bytes) -> bool:
    try:
        if content_type == "application/pdf":
            return len(PdfReader(io.BytesIO(data)).pages) > 0
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            return img.format in ("JPEG", "PNG")
    except Exception:  # any parser error means « not really that kind of file »
        return False


def check(filename: str | None, data: bytes, max_bytes: int = MAX_BYTES) -> CheckedFile:
    """The file if it is a real JPEG, PNG or PDF within the size limit, else Invalid."""
    name = Path(filename or "piece-jointe").name[:200] or "piece-jointe"
    if not data:
        raise Invalid(f"le fichier « {name} » est vide", code="attachment_empty")
    if len(data) > max_bytes:
        raise Invalid(f"le fichier « {name} » dépasse la taille maximale de "
                      f"{max_bytes // (1024 * 1024)} Mo", code="attachment_too_large")
    content_type = sniff(data)
    if content_type is None:
        raise Invalid(f"le fichier « {name} » n'est ni une image JPEG ou PNG ni un PDF",
                      code="attachment_type")
    if not _opens(content_type, data):
        raise Invalid(f"le fichier « {name} » est illisible ou endommagé",
                      code="attachment_corrupt")
    return CheckedFile(name, content_type, data, hashlib.sha256(data).hexdigest())


class Store:
    """Files under ``root``, named by a random key (no user input in any path)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def count(self) -> int:
        return sum(1 for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else 0


def store_for(database_url: str, attachments_dir: Path | None) -> Store:
    """The store of the settings: ``attachments_dir``, else :func:`default_root`."""
    return Store(attachments_dir if attachments_dir is not None else default_root(database_url))
