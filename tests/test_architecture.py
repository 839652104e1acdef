"""The package's layers (docs/architecture.md): each module imports only from its own layer or
the layers below, and no import cycle exists. Lazy imports inside functions count: they do not
make a cycle go away, they only hide it until run time. Imports under ``if TYPE_CHECKING:``
(names used in annotations only, never executed) may not reach a higher layer either, but a
type-only reference to a sibling module of the same stage is not a dependency, so they are
left out of the cycle check."""

from __future__ import annotations

import ast
import re
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
    "plan": 5, "checks": 5, "replan": 5,
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


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under an ``if TYPE_CHECKING:`` block."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def import_graph(*, type_only: bool = True) -> dict[str, set[str]]:
    """Module -> the ``staffing`` modules it imports (``from a import b`` counts as ``a.b``
    when ``b`` is a module, else as ``a``); without ``type_only``, imports under
    ``if TYPE_CHECKING:`` are left out."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set() if type_only else _type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
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
    assert cycles(import_graph(type_only=False)) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_cycle_finder(graph, expected):
    assert cycles(graph) == expected


def test_every_module_named_in_the_architecture_page_exists():
    """docs/architecture.md names modules as `pkg/module.py`, `module.py` or `pkg/`: each
    must be there, and every top-level module must appear in its layer table."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = {n for n in re.findall(r"`((?:[a-z_]+/)*[a-z_]+(?:\.py|/))`", page)
             if not n.startswith("tests/")}
    assert len(named) > 20
    missing = sorted(n for n in named if not (PACKAGE / n).exists())
    assert missing == []
    for module in LAYERS:
        if module not in ("__init__", "__main__"):
            assert f"`{module}" in page, f"{module} is not in docs/architecture.md"


def test_type_only_imports_are_told_apart():
    tree = ast.parse("from typing import TYPE_CHECKING\nimport a\nif TYPE_CHECKING:\n"
                     "    from b import C\n    import d\n")
    marked = _type_only(tree)
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [id(n) in marked for n in imports] == [False, False, True, True]
