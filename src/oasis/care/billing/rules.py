"""Every tariff, rate, cap, exemption and threshold, as dated data with its source.

The values live in ``oasis/data/rules/billing_rules.json`` (one record per value and
validity period, with the text or page it comes from and the date it was read) so that a
change of rule is a data change plus a test, and so that the ``/regles`` page can list
exactly what the engine applies.  Looking a rule up always takes the date of the act:
past statements are recomputed with the rules of their day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from oasis.care.core.errors import Invalid

RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "rules" / "billing_rules.json"


class RuleMissing(Invalid):
    """No record of that rule covers the date (before its history, or a gap)."""

    def __init__(self, rule_id: str, on: date) -> None:
        super().__init__(f"aucune règle « {rule_id} » en vigueur au {on:%d/%m/%Y}",
                         code="rule_not_in_force")


@dataclass(frozen=True)
class Rule:
    """One value of one rule over ``[valid_from, valid_to]`` (``valid_to`` None: in force)."""

    id: str
    label: str
    value: Any
    unit: str
    valid_from: date
    valid_to: date | None
    kind: str  # "texte" (law, decree, convention) or "oasis" (a labelled parameter)
    source: str
    url: str | None
    read_on: date

    def applies(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def is_parameter(self) -> bool:
        return self.kind == "oasis"

    def display(self) -> str:
        """The value as a French reader expects it (euros, %, years…)."""
        v = self.value
        if self.unit == "cents":
            return f"{v / 100:.2f} €".replace(".", ",")
        if self.unit == "percent":
            return f"{v} %"
        if self.unit == "bool":
            return "oui" if v else "non"
        if self.unit == "list":
            return ", ".join(v)
        words = {"years": "ans", "months": "mois", "days": "jours", "hours": "heures",
                 "minutes": "minutes"}
        return f"{v} {words.get(self.unit, self.unit)}"


def _parse(raw: dict, default_read: date) -> Rule:
    return Rule(id=raw["id"], label=raw["label"], value=raw["value"], unit=raw["unit"],
                valid_from=date.fromisoformat(raw["valid_from"]),
                valid_to=date.fromisoformat(raw["valid_to"]) if raw["valid_to"] else None,
                kind=raw["kind"], source=raw["source"], url=raw.get("url"),
                read_on=date.fromisoformat(raw["read_on"]) if raw.get("read_on")
                else default_read)


def check_table(rules: list[Rule]) -> None:
    """Refuse overlapping periods of one rule: two values the same day would be ambiguous."""
    by_id: dict[str, list[Rule]] = {}
    for r in rules:
        if r.kind not in ("texte", "oasis"):
            raise ValueError(f"{r.id}: kind inconnu {r.kind!r}")
        if not r.source:
            raise ValueError(f"{r.id}: source manquante")
        if r.valid_to is not None and r.valid_to < r.valid_from:
            raise ValueError(f"{r.id}: valid_to avant valid_from")
        by_id.setdefault(r.id, []).append(r)
    for rid, rows in by_id.items():
        rows.sort(key=lambda r: r.valid_from)
        for a, b in pairwise(rows):
            if a.valid_to is None or a.valid_to >= b.valid_from:
                raise ValueError(f"{rid}: périodes qui se chevauchent ({a.valid_from}, "
                                 f"{b.valid_from})")


@cache
def table() -> tuple[Rule, ...]:
    """All records, validated once per process."""
    data = json.loads(RULES_PATH.read_text("utf-8"))
    default_read = date.fromisoformat(data["read_on_default"])
    rules = [_parse(raw, default_read) for raw in data["rules"]]
    check_table(rules)
    return tuple(rules)


_consulted: ContextVar[list[Rule] | None] = ContextVar("consulted_rules", default=None)


@contextmanager
def consulted() -> Iterator[list[Rule]]:
    """Collect the records looked up inside the block, so an answer can cite them all."""
    seen: list[Rule] = []
    token = _consulted.set(seen)
    try:
        yield seen
    finally:
        _consulted.reset(token)


def rule(rule_id: str, on: date) -> Rule:
    """The record of ``rule_id`` in force on ``on``; :class:`RuleMissing` otherwise."""
    for r in table():
        if r.id == rule_id and r.applies(on):
            seen = _consulted.get()
            if seen is not None and r not in seen:
                seen.append(r)
            return r
    raise RuleMissing(rule_id, on)


def value(rule_id: str, on: date) -> Any:
    return rule(rule_id, on).value


def has(rule_id: str, on: date) -> bool:
    return any(r.id == rule_id and r.applies(on) for r in table())


def in_force(on: date) -> list[Rule]:
    """The rules applicable on ``on``, in file order (the ``/regles`` page)."""
    return [r for r in table() if r.applies(on)]


def history_start() -> date:
    """The first day on which the engine can price a plain GP consultation."""
    return min(r.valid_from for r in table() if r.id == "tariff.G")
