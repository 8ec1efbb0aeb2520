"""Billing rules of a téléexpertise: TE2 for the expert, RQD for the requester.

The amounts are rows of the dated tariff table (:mod:`oasis.care.billing.tariffs`); this
module holds what is specific to téléexpertise, dated too:

* both acts are paid **100 % by the Assurance Maladie in tiers payant**: the patient
  pays and advances nothing, no dépassement, no other act or majoration on top
  (Omniprat, fiche « Téléexpertise », 01/03/2024; Omnidoc, « Combien l'acte de
  téléexpertise est-il rémunéré »).  Oasis reads « pris en charge à 100 % » as no
  participation forfaitaire either;
* a **yearly limit per patient**: « dans la limite de 4 fois par an » (Omniprat, same
  fiche, avenant 9).  Oasis counts it per professional (the expert for TE2, the
  requester for RQD) and per **calendar year** of the act — the scope and the year are
  Oasis's reading, a labelled parameter (:data:`LIMITS`), not a quoted text.

A request over the limit still gets its answer: the act is recorded *not billable*,
with the reason, so the professional sees why nothing was paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oasis.care.billing.tariffs import Tariff, tariff_for


@dataclass(frozen=True)
class YearlyLimit:
    code: str
    per_patient_per_year: int
    valid_from: date
    valid_to: date | None
    source: str

    def applies(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


_LIMIT_SOURCE = ("Avenant 9 (arrêté du 22/09/2021), en vigueur le 01/04/2022 : « dans la "
                 "limite de 4 fois par an » par patient (Omniprat, fiche « Téléexpertise », "
                 "01/03/2024, lue le 01/12/2026) ; décompte par professionnel et par année "
                 "civile : lecture Oasis (paramètre)")
LIMITS: tuple[YearlyLimit, ...] = (
    YearlyLimit("TE2", 4, date(2022, 4, 1), None, _LIMIT_SOURCE),
    YearlyLimit("RQD", 4, date(2022, 4, 1), None, _LIMIT_SOURCE),
)
AMO_RATE_PERCENT = 100


def yearly_limit(code: str, on: date) -> YearlyLimit:
    for row in LIMITS:
        if row.code == code and row.applies(on):
            return row
    raise LookupError(f"pas de plafond annuel « {code} » au {on:%d/%m/%Y}")


@dataclass(frozen=True)
class ActBill:
    """One act's money, in cents, and whether it may be billed."""

    code: str
    act_date: date
    tariff: Tariff
    billable: bool
    amount_cents: int  # 0 when over the limit
    amo_cents: int
    patient_cents: int
    reason: str | None
    source: str


def bill_act(code: str, act_date: date, already_this_year: int) -> ActBill:
    """Bill TE2 or RQD on ``act_date`` given the professional's count of the same act for
    the same patient already billed in that calendar year."""
    tariff = tariff_for(code, act_date)
    limit = yearly_limit(code, act_date)
    source = f"{tariff.source} | {limit.source}"
    if already_this_year >= limit.per_patient_per_year:
        return ActBill(code, act_date, tariff, False, 0, 0, 0,
                       f"plafond atteint : {limit.per_patient_per_year} actes {code} par "
                       f"patient et par an", source)
    amo = tariff.amount_cents * AMO_RATE_PERCENT // 100
    return ActBill(code, act_date, tariff, True, tariff.amount_cents, amo,
                   tariff.amount_cents - amo, None, source)
