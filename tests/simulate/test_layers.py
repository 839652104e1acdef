"""staffing.simulate is a pipeline stage: it imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import staffing.simulate

ALLOWED = {"staffing.domain", "staffing.errors", "staffing.timegrid", "staffing.config",
           "staffing.erlang", "staffing.simulate"}


def test_simulate_imports_only_the_stages_below_it():
    package = Path(staffing.simulate.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name == "staffing" or name.startswith("staffing."):
                    top = ".".join(name.split(".")[:2])
                    assert top in ALLOWED, f"{path.name} imports {name}"
