"""Billing of acts: dated rules, the one rule engine, statements, payer exports.

:mod:`~oasis.care.billing.rules` holds every tariff, rate, cap and threshold as dated
data with its source; :func:`~oasis.care.billing.engine.price` is the only way a price is
computed (finder, consultation statement, exports, simulator); the patient's situation is
read by :func:`~oasis.care.billing.situation.situation_of`.  All amounts are integer cents.
"""

from oasis.care.billing.engine import Act, Decision, Situation, decide, is_partner, price
from oasis.care.billing.statement import BillingContext, Coverage, Statement, bill
from oasis.care.billing.tariffs import Tariff, TariffError, tariff_for

__all__ = ["Act", "BillingContext", "Coverage", "Decision", "Situation", "Statement",
           "Tariff", "TariffError", "bill", "decide", "is_partner", "price", "tariff_for"]
