"""The shape of the code, checked by machine: one direction of imports, no cycle.

The layer and forbidden-import contracts live in pyproject.toml ([tool.importlinter]) and
run in ``make test`` (``lint-imports``); this test runs the same contracts from pytest
and adds what import-linter cannot say: no import cycle between any two modules of
``src/``, care's domains included.
"""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

ROOT = Path(__file__).resolve().parents[1]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if not child.startswith("oasis"):
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(
                        graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("oasis")
    assert _cycles(graph) == []


def test_cycle_detection_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("oasis.a", "oasis.b", "oasis.c"):
        graph.add_module(name)
    graph.add_import(importer="oasis.a", imported="oasis.b")
    graph.add_import(importer="oasis.b", imported="oasis.a")
    graph.add_import(importer="oasis.b", imported="oasis.c")
    assert _cycles(graph) == [["oasis.a", "oasis.b"]]


def test_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    configure()
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) is True
