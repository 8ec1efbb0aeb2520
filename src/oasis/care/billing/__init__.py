"""Billing of consultations: tariffs, Assurance Maladie and mutuelle shares, payer exports.

Pure domain logic (no database, no HTTP): the consultation flow hands a
:class:`~oasis.care.billing.statement.BillingContext` to
:func:`~oasis.care.billing.statement.bill` and stores the resulting statement.
All amounts are integer cents.
"""

from oasis.care.billing.statement import BillingContext, Coverage, Statement, bill
from oasis.care.billing.tariffs import Tariff, TariffError, tariff_for

__all__ = ["BillingContext", "Coverage", "Statement", "Tariff", "TariffError", "bill",
           "tariff_for"]
