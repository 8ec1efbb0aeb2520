"""Rules for text and numbers that come from outside, in one place.

Every primary key is a PostgreSQL ``INTEGER`` (SQLite ``INTEGER`` is wider, but the two
back-ends must answer alike), so an id beyond :data:`ID_MAX` cannot name a row: it is
« not found », never an overflow deep in a driver.  ``str.isdigit`` is true for « ² » or
Arabic-Indic digits that ``int`` then refuses (or reads as another number), so decimal
input is ASCII digits only.  ``hmac.compare_digest`` refuses non-ASCII ``str``: secrets
are compared as UTF-8 bytes, so a forged « é » is a mismatch, not a crash.
"""

from __future__ import annotations

import hmac

ID_MAX = 2**31 - 1  # PostgreSQL INTEGER: the type of every id column


def is_id(value: object) -> bool:
    """Whether ``value`` can be the id of a stored row (an int in 1..ID_MAX)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


def ascii_digits(text: str) -> bool:
    """Non-empty and only 0-9 (unlike ``str.isdigit``, which accepts « ² »)."""
    return bool(text) and text.isascii() and text.isdigit()


def parse_id(text: str | None) -> int | None:
    """The id written in ``text`` (spaces around allowed), or None if it cannot be one."""
    text = (text or "").strip()
    if not ascii_digits(text) or len(text) > 10:
        return None
    value = int(text)
    return value if is_id(value) else None


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time equality of two secrets, whatever characters ``given`` holds."""
    return hmac.compare_digest(_utf8(expected), _utf8(given or ""))


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL byte, a lone surrogate), or None."""
    if "\x00" in text:
        return "caractère nul (NUL) interdit"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "texte Unicode invalide (substitut isolé)"
    return None
