"""Tariffs of the acts Oasis bills (NGAP codes), read from the dated rules.

A tariff is looked up *at the date of the act*: a consultation on 21 December 2024 is
billed 26.50 €, one on the 22nd 30 €.  The values and their sources are records of
:mod:`oasis.care.billing.rules`; this module only names the codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oasis.care.billing import rules
from oasis.care.core.errors import Invalid

DOCTOR_CODES = ("G", "CS", "APC", "TCG", "TC", "TE2")
NURSE_CODES = ("TLS", "TLL", "TLD")
TELECONSULTATION_CODES = ("TCG", "TC")
# Where the nurse assists (Oasis's word) -> the code of the nurses' convention.
NURSE_SETTINGS = {"soin_prevu": "TLS", "lieu_dedie": "TLL", "domicile": "TLD"}


class TariffError(Invalid):
    """No tariff for that code at that date."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unknown_tariff")


@dataclass(frozen=True)
class Tariff:
    """A conventional tariff (base de remboursement) valid over a date range."""

    code: str
    label: str
    amount_cents: int
    valid_from: date
    valid_to: date | None
    source: str


def tariff_for(code: str, on: date) -> Tariff:
    """The tariff of an act code in force on ``on``."""
    code = code.upper()
    if code not in DOCTOR_CODES + NURSE_CODES:
        raise TariffError(f"pas de tarif « {code} » (codes connus : "
                          f"{', '.join(DOCTOR_CODES + NURSE_CODES)})")
    try:
        r = rules.rule(f"tariff.{code}", on)
    except rules.RuleMissing:
        raise TariffError(f"pas de tarif « {code} » au {on:%d/%m/%Y}") from None
    return Tariff(code, r.label, r.value, r.valid_from, r.valid_to, r.source)


def participation_forfaitaire(on: date) -> Tariff:
    r = rules.rule("pf.amount", on)
    return Tariff("PF", r.label, r.value, r.valid_from, r.valid_to, r.source)


def act_code(*, specialist: bool, teleconsultation: bool) -> str:
    """The NGAP code of a plain consultation, by kind of doctor and mode.

    A specialist's teleconsultation is TC (valued as the consultation it replaces),
    not « TCS », which the NGAP does not have.
    """
    if teleconsultation:
        return "TC" if specialist else "TCG"
    return "CS" if specialist else "G"
