"""Validation of French administrative codes (INSEE commune codes, EPCI SIREN numbers).

Kept apart from the data so that the care platform can reject a malformed code with a
precise message before it ever looks the code up.
"""

from __future__ import annotations

import re

from oasis.territory.errors import TerritoryInputError

_INSEE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
_SIREN = re.compile(r"^\d{9}$")


class InvalidCodeError(TerritoryInputError):
    """A code that cannot be what it claims to be, whatever the data says."""

    code = "invalid_code"


def normalise_insee(code: str) -> str:
    """Return the canonical INSEE commune code or raise :class:`InvalidCodeError`.

    Accepts surrounding spaces, lowercase Corsican codes (``2a004``) and codes given as
    integers that lost their leading zero (``1001`` for ``01001``), a frequent spreadsheet
    accident in the files planners send us.
    """
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    if not _INSEE.match(text):
        raise InvalidCodeError(
            f"« {code} » n'est pas un code INSEE de commune (5 caractères : 2 chiffres ou "
            "2A/2B, puis 3 chiffres ; ex. 58194 pour Nevers)")
    if text.startswith("20"):
        raise InvalidCodeError(f"« {code} » : la Corse utilise 2A ou 2B, pas 20")
    return text


def is_siren(code: str) -> bool:
    """EPCIs are identified by the 9-digit SIREN of their legal entity."""
    return bool(_SIREN.match(str(code).strip()))


def luhn_ok(digits: str) -> bool:
    """Luhn checksum, the check digit scheme of RPPS and FINESS numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
