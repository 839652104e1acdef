"""The package's layers (docs/architecture.md): each module imports only from its own layer or
the layers below, and no import cycle exists. Every import counts, lazy ones inside functions
and ``TYPE_CHECKING`` ones included: an import inside a function does not make a cycle go away,
it only hides it until run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import staffing

PACKAGE = Path(staffing.__file__).parent

#: Layer of each top-level module or package of ``staffing``, lowest first. A module may import
#: from its own layer (without a cycle) and from any layer below it, never from above.
LAYERS = {
    "errors": 0, "domain": 0, "timegrid": 0, "interrupt": 0,
    "config": 1,
    "io": 2,
    "erlang": 3, "forecast": 3, "requirements": 3, "solver": 3, "simulate": 3,
    "summary": 4,
    "plan": 5, "checks": 5,
    "reports": 6,
    "export": 7,
    "scenarios": 8,
    "cli": 9, "__main__": 9, "__init__": 9,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``staffing`` modules it imports (``from a import b`` counts as ``a.b``
    when ``b`` is a module, else as ``a``)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    edges.add(target if target in modules else source)
            elif isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS["__init__" if len(parts) == 1 else parts[1]]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    unknown = sorted(m for m in import_graph() if m.split(".")[-1] != "staffing"
                     and (m.count(".") and m.split(".")[1] not in LAYERS))
    assert unknown == [], "add these modules to LAYERS and docs/architecture.md"


def test_no_import_reaches_a_higher_layer():
    upward = sorted(f"{m} -> {t}" for m, targets in import_graph().items() for t in targets
                    if _layer(t) > _layer(m))
    assert upward == []


def test_no_import_cycle():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_cycle_finder(graph, expected):
    assert cycles(graph) == expected
