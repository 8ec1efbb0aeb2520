"""French health identifiers: NIR (sécurité sociale), RPPS, FINESS, with their check keys.

A wrong identifier is the kind of error that travels far (a prescription under someone
else's number, a bill rejected weeks later), so each is checked at the door with the
published algorithm and a French message that says what is wrong:

* **NIR** — 13 characters then a 2-digit key = 97 − (number mod 97).  Corsica's
  department letters count as numbers for the key: ``2A`` → 19, ``2B`` → 18 (the
  INSEE rule; the NIR keeps the letters).
* **RPPS** — 11 digits, the last a Luhn check digit (the same rule the territory supply
  reader uses; reused from :mod:`oasis.territory.supply`).
* **FINESS** — 9 characters, the last a Luhn check digit over the whole number.  For
  Corsica (``2A``/``2B`` department prefixes) the letter counts as 0, i.e. the old
  department 20 (Oasis assumption, documented: the FINESS nomenclature does not publish
  the rule for letters).
"""

from __future__ import annotations

import re

from oasis.care.core.inputs import ascii_digits
from oasis.territory.codes import luhn_ok
from oasis.territory.supply import rpps_is_valid, rpps_with_check_digit


class InvalidIdentifier(ValueError):
    """A malformed identifier; the message (French) says what is wrong."""


_SPACES = re.compile(r"[\s.\-]")
_NIR = re.compile(r"^([1-478])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})$")


def _clean(value: str) -> str:
    return _SPACES.sub("", str(value)).upper()


def nir_key(first13: str) -> int:
    """The 2-digit key of the 13 first characters of a NIR (Corsica handled)."""
    body = _clean(first13)
    if len(body) != 13:
        raise InvalidIdentifier("le NIR sans sa clé doit faire 13 caractères")
    body = body[:5] + body[5:7].replace("2A", "19").replace("2B", "18") + body[7:]
    if not ascii_digits(body):
        raise InvalidIdentifier("le NIR ne contient que des chiffres (et 2A/2B pour la Corse)")
    return 97 - int(body) % 97


def normalise_nir(value: str) -> str:
    """Return the NIR as 15 characters without spaces, or raise InvalidIdentifier."""
    nir = _clean(value)
    if len(nir) != 15:
        raise InvalidIdentifier(f"un NIR fait 15 caractères (clé comprise), reçu {len(nir)}")
    match = _NIR.match(nir)
    if not match:
        raise InvalidIdentifier("NIR mal formé : sexe (1/2), année, mois, département, "
                                "commune, rang, clé")
    month = int(match.group(3))
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        raise InvalidIdentifier(f"mois de naissance impossible dans le NIR : {month:02d}")
    expected = nir_key(nir[:13])
    if int(match.group(7)) != expected:
        raise InvalidIdentifier(f"clé du NIR incorrecte : {match.group(7)} au lieu de "
                                f"{expected:02d}")
    return nir


def nir_is_valid(value: str) -> bool:
    try:
        normalise_nir(value)
    except InvalidIdentifier:
        return False
    return True


def normalise_rpps(value: str) -> str:
    """Return the 11-digit RPPS, or raise InvalidIdentifier."""
    rpps = _clean(value)
    if len(rpps) != 11 or not ascii_digits(rpps):
        raise InvalidIdentifier("un numéro RPPS fait 11 chiffres")
    if not rpps_is_valid(rpps):
        raise InvalidIdentifier("chiffre de contrôle du numéro RPPS incorrect")
    return rpps


def _finess_digits(finess: str) -> str:
    return finess[:2].replace("2A", "20").replace("2B", "20") + finess[2:]


def normalise_finess(value: str) -> str:
    """Return the 9-character FINESS number, or raise InvalidIdentifier."""
    finess = _clean(value)
    if len(finess) != 9:
        raise InvalidIdentifier("un numéro FINESS fait 9 caractères")
    digits = _finess_digits(finess)
    if not ascii_digits(digits):
        raise InvalidIdentifier("un numéro FINESS ne contient que des chiffres "
                                "(et 2A/2B pour la Corse)")
    if not luhn_ok(digits):
        raise InvalidIdentifier("clé de contrôle du numéro FINESS incorrecte")
    return finess


def finess_with_key(first8: str) -> str:
    """Complete 8 characters into a valid FINESS (fixtures and synthetic demo sites)."""
    for digit in "0123456789":
        candidate = first8 + digit
        if luhn_ok(_finess_digits(candidate)):
            return candidate
    raise AssertionError("unreachable: one Luhn digit always fits")


def nir_with_key(first13: str) -> str:
    """Complete 13 characters into a valid NIR (fixtures and synthetic patients)."""
    return _clean(first13) + f"{nir_key(first13):02d}"


__all__ = ["InvalidIdentifier", "finess_with_key", "nir_is_valid", "nir_key", "nir_with_key",
           "normalise_finess", "normalise_nir", "normalise_rpps", "rpps_with_check_digit"]
