"""Audit log search for coordinators and admins: filters, pages, read-only.

The page is a view over :func:`oasis.care.audit.service.search` (the API's query), so
it shows exactly what ``GET /api/v1/audit`` returns; consulting it is itself audited.
There is no form that changes anything: the log is append-only down to the database.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select

from oasis.care.accounts.models import Account
from oasis.care.audit.models import AUDIT_ACTIONS, AuditEvent
from oasis.care.audit.service import AuditQuery, record, search
from oasis.care.core.inputs import ascii_digits, parse_id
from oasis.care.scheduling.agenda import day_bounds
from oasis.web.kit.auth import Visitor, page_gate
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[Visitor, Depends(page_gate("coordinator", "admin"))]
PER_PAGE = 50
ACTION_LABELS = {"read": "Lecture", "create": "Création", "update": "Modification",
                 "delete": "Suppression", "search": "Recherche"}
OUTCOME_LABELS = {"success": "Autorisé", "denied": "Refusé"}


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{label} : date invalide (jj/mm/aaaa).")
        return None


def _account_filter(session, raw: str, errors: list[str]) -> tuple[int | None, bool]:
    """(account id, matched): an e-mail (any case) or an account number."""
    raw = raw.strip()
    if not raw:
        return None, True
    if ascii_digits(raw):
        return parse_id(raw) or -1, True  # no account has an id beyond ID_MAX: none found
    account_id = session.scalar(select(Account.id).where(func.lower(Account.email)
                                                         == raw.lower()))
    if account_id is None:
        errors.append(f"Aucun compte « {raw} » : saisissez une adresse e-mail exacte "
                      f"ou un numéro de compte.")
        return None, False
    return account_id, True


@router.get("/coordination/audit")
def audit_page(request: Request, session: SessionDep, who: Coordinator, qui: str = "",
               patient: str = "", action: str = "", objet: str = "", resultat: str = "",
               du: str = "", au: str = "", page: str = "1"):
    errors: list[str] = []
    account_id, matched = _account_filter(session, qui, errors)
    patient_id = None
    if patient.strip():
        if ascii_digits(patient.strip()):
            patient_id = parse_id(patient) or -1
        else:
            errors.append("N° de patient : un nombre entier.")
    if action and action not in AUDIT_ACTIONS:
        errors.append("Action inconnue.")
        action = ""
    if resultat and resultat not in OUTCOME_LABELS:
        errors.append("Résultat inconnu.")
        resultat = ""
    since_day, until_day = _day(du, "Du", errors), _day(au, "Au", errors)
    if since_day and until_day and since_day > until_day:
        errors.append("La date de fin précède la date de début.")
    number = parse_id(page) or 1
    query = AuditQuery(patient_id=patient_id, account_id=account_id,
                       entity_type=objet or None, action=action or None,
                       outcome=resultat or None,
                       since=day_bounds(since_day)[0] if since_day else None,
                       until=day_bounds(until_day)[1] if until_day else None)
    rows, total = ([], 0) if not matched else search(session, query, PER_PAGE,
                                                     (number - 1) * PER_PAGE)
    accounts = {a.id: a for a in session.scalars(select(Account).where(
        Account.id.in_({r.account_id for r in rows if r.account_id is not None})))}
    entity_types = session.scalars(select(AuditEvent.entity_type).distinct()
                                   .order_by(AuditEvent.entity_type)).all()
    record(session, who.actor, "search", "AuditEvent", None, patient_id=patient_id,
           purpose="consultation du journal d'audit (page)")
    session.commit()
    filters = {"qui": qui, "patient": patient, "action": action, "objet": objet,
               "resultat": resultat, "du": du, "au": au}
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render(request, "pro/audit.html", who, title="Journal d'audit", section="audit",
                  rows=rows, accounts=accounts, total=total, page=number, pages=pages,
                  filters=filters, errors=errors, entity_types=entity_types,
                  actions=ACTION_LABELS, outcomes=OUTCOME_LABELS, per_page=PER_PAGE,
                  query_without_page={k: v for k, v in filters.items() if v})
