"""``Content-Disposition`` of a file answer, for any filename.

HTTP headers are Latin-1: a payer named « Mutuelle Łódź » or « 中 » put as is in
``filename="…"`` made the server fail while encoding the header.  RFC 6266 gives the
answer: an ASCII ``filename`` for old clients and the exact name in ``filename*``
(RFC 5987, UTF-8 percent-encoded).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(filename: str) -> str:
    """The header value that offers ``filename`` for download."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"-+(?=\.)", "", _UNSAFE.sub("-", ascii_name)).strip("-") or "fichier"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
