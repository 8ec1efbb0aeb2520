"""The public page « Règles et tarifs » (/regles): every rule the engine applies, sourced.

Read straight from :mod:`oasis.care.billing.rules`, so the page cannot list a rule the
engine does not apply, nor miss one it does.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oasis.care.billing import rules
from oasis.care.core.clock import paris_today
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)

GROUPS = (("tariff.", "Tarifs des actes"), ("rate.", "Taux de remboursement"),
          ("pf.", "Participation forfaitaire"), ("franchise.", "Franchise médicale"),
          ("parcours.", "Parcours de soins"), ("teleconsultation.", "Téléconsultation"),
          ("partner.", "Mutuelles"), ("mutuelle.", "Mutuelles"),
          ("france_sante.", "France Santé"), ("mission.", "« Un médecin près de chez vous »"))


def group_of(rule_id: str) -> str:
    return next((label for prefix, label in GROUPS if rule_id.startswith(prefix)), "Autres")


@router.get("/regles", response_class=HTMLResponse)
def rules_page(request: Request, session: SessionDep, le: date | None = None) -> HTMLResponse:
    on = le or paris_today()
    in_force = rules.in_force(on)
    groups: dict[str, list[rules.Rule]] = {}
    for r in in_force:
        groups.setdefault(group_of(r.id), []).append(r)
    history = [r for r in rules.table() if not r.applies(on)]
    return render(request, "regles.html", visitor(request, session),
                  title="Règles et tarifs", section="regles", on=on, groups=groups,
                  history=history, count=len(in_force))
