"""The package's layers: no import cycles between its modules, and only the app layer imports ipywidgets.

Imports are read from the source (every ``import`` statement, also those inside functions: an import
deferred into a function to dodge a cycle is still a cycle), so the test fails when a cycle or a
widget import appears anywhere, not only at module top level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from explorer import paths

PACKAGE = paths.PACKAGE_DIR
UI = ("explorer.app", "explorer.widgets")
"""The only modules that may import ipywidgets: the app layer and the notebook widgets."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Modules of the package (and ipywidgets) that ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in MODULES else base)
    return found


GRAPH = {name: {m for m in _imports(name, path) if m in MODULES and m != name} for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), the package facade left out: it
    only re-exports, lazily, and everything imports it by being inside it."""
    graph = {n: {m for m in deps if m != "explorer"} for n, deps in GRAPH.items() if n != "explorer"}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith(UI)))
def test_core_modules_do_not_import_ipywidgets(name: str) -> None:
    widgets = {m for m in _imports(name, MODULES[name]) if m == "ipywidgets" or m.startswith("ipywidgets.")}
    assert not widgets, f"{name} imports ipywidgets: UI code belongs in explorer/app"
    ui = {m for m in GRAPH[name] if m.startswith(UI)}
    assert not ui, f"{name} (core) imports the UI layer: {sorted(ui)}"


def test_the_checks_see_a_cycle_and_a_widget_import(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("def f():\n    import ipywidgets as W\n    from explorer import widgets\n")
    assert "ipywidgets" in _imports("explorer.a", a) and "explorer.widgets" in _imports("explorer.a", a)
