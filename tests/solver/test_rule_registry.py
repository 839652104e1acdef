"""The rule registry (staffing.solver.rules.RULES) is the one list of rules: the model builds
from it, the explanation names its hard rules, the evaluator prices its soft rules, and the
rule table of docs/scenario.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from tests.solver.roster_helpers import MONDAY, NO_BREAKS, agent, contract, demand

from staffing.config import SolverWeights
from staffing.solver import explain, rules
from staffing.solver.problem import build_problem
from staffing.solver.solution import Solution, evaluate
from staffing.timegrid import Horizon

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario.md"


def test_rule_names_are_unique_and_kinds_and_scopes_known():
    names = [r.name for r in rules.RULES]
    assert len(names) == len(set(names))
    assert {r.kind for r in rules.RULES} <= {"hard", "soft"}
    assert {r.scope for r in rules.RULES} <= {"day", "week", "horizon", "coverage",
                                              "candidates"}
    for r in rules.RULES:
        assert r.label and r.setting and r.doc and callable(r.builder), r.name


def test_agent_rules_are_found_by_their_name():
    # The rule enforcing minimum rest is add_min_rest, and so on for every agent rule.
    assert rules.rule("min_rest").builder is rules.add_min_rest
    for r in rules.RULES:
        if r.scope in ("day", "week", "horizon"):
            assert r.builder.__name__ == f"add_{r.name}"
            assert r.builder.__module__ == "staffing.solver.rules"


def test_every_hard_agent_rule_is_built_once_in_the_model_order():
    hard = [r.name for r in rules.RULES
            if r.kind == "hard" and r.scope in ("day", "week", "horizon")]
    assert sorted(rules._BUILD_ORDER) == sorted(hard)
    assert list(rules.HARD_RULES) == hard


def test_the_explanation_names_the_registered_hard_rules():
    assert explain.HARD_RULES is rules.HARD_RULES
    horizon = Horizon(MONDAY, 3, 60, "UTC")
    a = agent("A", fixed_days_off=frozenset({1}),
              unavailable=((pd.Timestamp("2026-11-24 06:00", tz="UTC"),
                            pd.Timestamp("2026-11-24 18:00", tz="UTC")),))
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 0}), [a], horizon=horizon,
                            contracts={"c": contract()}, rules=NO_BREAKS)
    for name in rules.HARD_RULES:
        described = explain.describe_rule(problem, 0, name)
        assert described != name, name  # every hard rule has its own description


def test_the_evaluator_prices_exactly_the_soft_rules():
    horizon = Horizon(MONDAY, 3, 60, "UTC")
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 1}), [agent("A")],
                            horizon=horizon, contracts={"c": contract()}, rules=NO_BREAKS)

    empty = Solution(np.full((problem.A, problem.D), -1, dtype=np.int64), {},
                     np.zeros((len(problem.profiles), problem.Q, problem.T), dtype=np.int64))
    breakdown = evaluate(problem, empty, SolverWeights()).breakdown
    assert set(breakdown) == set(rules.SOFT_RULES)


def _doc_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- rules table: generated from staffing\.solver\.rules\.RULES -->\n"
                      r"(.*?)<!-- end of rules table -->", text, flags=re.S)
    assert match, "docs/scenario.md has no generated rules table"
    return match.group(1)


def test_the_docs_rule_table_is_the_registry():
    # Regenerate with: python -c "from staffing.solver.rules import rules_table as t; print(t())"
    assert _doc_table() == rules.rules_table()
    documented = re.findall(r"^\| `([^`]+)` \|", _doc_table(), flags=re.M)
    assert documented == [r.name for r in rules.RULES]
