"""Prescription identifiers and their verification codes.

Why a keyed code on top of a random identifier: the public verification endpoint must
answer "genuine or not" to a pharmacist holding the paper, yet must not let anyone
enumerate identifiers.  The code is an HMAC of the identifier with the server secret,
printed (and in the QR code) next to the identifier; without it the endpoint says
nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CODE_LENGTH = 10  # base32 characters: 50 bits, beyond any online guessing


def new_prescription_id() -> str:
    """Random, URL-safe, unambiguous (no 0/O, 1/I confusion when read aloud)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
    return f"ORD-{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}"


def verification_code(prescription_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), prescription_id.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


def verify(prescription_id: str, code: str, secret: str) -> bool:
    """Constant-time check that ``code`` belongs to ``prescription_id``."""
    expected = verification_code(prescription_id, secret)
    return hmac.compare_digest(expected.encode(),
                               code.strip().upper().encode("utf-8", "replace"))
