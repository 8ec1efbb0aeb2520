"""Monthly exports per payer: what each organisation owes for the acts of a month.

The consultation flow stores one statement per act; at month end the billing office
sends the Assurance Maladie and each mutuelle the list of acts it pays for.  Output is
CSV (semicolon-separated, as French accounting tools expect) with amounts in cents.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from oasis.care.billing.statement import Statement

AMO = "Assurance Maladie"


@dataclass(frozen=True)
class PayerTotal:
    payer: str
    month: str  # YYYY-MM
    acts: int
    amount_cents: int


def monthly_totals(items: Iterable[tuple[str, Statement]]) -> list[PayerTotal]:
    """Totals per (payer, month) over ``(act_id, statement)`` pairs; zero shares skipped."""
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for _, st in items:
        month = st.act_date.strftime("%Y-%m")
        for payer, amount in ((AMO, st.amo_cents), (st.mutuelle_name, st.mutuelle_cents)):
            if payer and amount:
                acc = sums[(payer, month)]
                acc[0] += 1
                acc[1] += amount
    return [PayerTotal(p, m, n, a) for (p, m), (n, a) in sorted(sums.items())]


def payer_csv(items: Iterable[tuple[str, Statement]], payer: str, month: str) -> str:
    """One payer's acts for one month, one line per act, in cents."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["acte", "date", "code", "tarif_centimes", "honoraires_centimes",
                     "part_payeur_centimes", "tiers_payant"])
    for act_id, st in items:
        if st.act_date.strftime("%Y-%m") != month:
            continue
        share = st.amo_cents if payer == AMO else (
            st.mutuelle_cents if st.mutuelle_name == payer else 0)
        if share:
            writer.writerow([act_id, st.act_date.isoformat(), st.act_code, st.tariff_cents,
                             st.fee_cents, share, st.tiers_payant])
    return out.getvalue()
