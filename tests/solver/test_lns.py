"""Large-neighbourhood search (staffing.solver.lns): windows of days and whole weeks freed,
the rest fixed; the freed part's sub-model starts from the current roster and every roster
kept keeps every hard rule."""

from __future__ import annotations

import time

import numpy as np
import pytest
from tests.solver.roster_helpers import LUNCH_RULES, MONDAY, agent, contract, demand, solve

from staffing.config import SolverWeights
from staffing.solver import greedy, lns
from staffing.solver.coverage import add_interval_coverage
from staffing.solver.hints import complete_hint
from staffing.solver.model import RosterModel
from staffing.solver.problem import build_problem
from staffing.solver.rules import add_agent_rules
from staffing.solver.solution import evaluate
from staffing.timegrid import Horizon

AGENTS = [agent("A1", "chat;voice:2"), agent("A2", "voice;chat:2"), agent("A3", "chat"),
          agent("A4", "voice"), agent("A5", "chat", preferred_days_off=frozenset({1})),
          agent("A6", "chat;voice")]
CONTRACTS = {"c": contract(hourly_cost=15.0, min_hours_per_week=16, max_hours_per_week=40,
                           min_shift_minutes=360, max_shift_minutes=480,
                           max_consecutive_days=3)}
SPEC = {"chat": lambda d, h: 3 if 8 <= h < 20 else 1,
        "voice": lambda d, h: 2 if 9 <= h < 18 else 0}
WEIGHTS = SolverWeights()


@pytest.fixture(scope="module")
def start():
    """A 5-day problem with lunches and the heuristic's roster."""
    horizon = Horizon(MONDAY, 5, 60, "UTC")
    p = build_problem(demand(horizon, SPEC), AGENTS, horizon=horizon, contracts=CONTRACTS,
                      rules=LUNCH_RULES)
    out = greedy.initial_solution(p, WEIGHTS, deadline=time.perf_counter() + 30)
    assert out.solution is not None
    return p, out.solution


def _window(p, agents, days):
    freed = np.zeros((p.A, p.D), dtype=bool)
    freed[np.ix_(agents, days)] = True
    return freed


@pytest.mark.parametrize(("agents", "days"), [([0, 2, 4], (1, 2)), ([1, 3, 5], (3, 4)),
                                               ([0, 1, 2, 3, 4, 5], None)])
def test_fixed_and_freed_parts_add_up_to_the_roster(start, agents, days):
    p, solution = start
    freed = _window(p, agents, list(range(p.D)) if days is None else list(days))
    fixed, part = lns._split_fixed(p, solution, freed)
    assert not (fixed.choice[freed] >= 0).any()
    assert not (part.choice[~freed] >= 0).any()
    whole = lns._combine(fixed, part, freed)
    np.testing.assert_array_equal(whole.choice, solution.choice)
    np.testing.assert_array_equal(whole.split, solution.split)
    assert (fixed.split >= 0).all() and (part.split >= 0).all()
    assert evaluate(p, whole, WEIGHTS).objective == evaluate(p, solution, WEIGHTS).objective


def test_window_sub_model_is_hinted_with_a_feasible_roster(start):
    # The freed agents' days outside the window are fixed to their shifts: the hint must set
    # those literals to the same shifts, or CP-SAT starts from nothing.
    p, solution = start
    freed = _window(p, [0, 2, 4, 5], [1, 2])
    step = lns._sub_model(p, solution, freed, (1, 2), WEIGHTS)
    assert complete_hint(step.model, seed=0, time_limit_seconds=5.0)


def test_window_coverage_models_only_the_intervals_its_shifts_reach(start):
    p, _ = start
    m = RosterModel(p, [0, 1])
    for a in m.agents:
        add_agent_rules(m, a)
    full = add_interval_coverage(m, WEIGHTS)
    m2 = RosterModel(p, [0, 1])
    for a in m2.agents:
        add_agent_rules(m2, a)
    window = add_interval_coverage(m2, WEIGHTS, days=(2,))
    reach = set()
    for a in (0, 1):
        table = p.table(a, 2)
        for k in p.options[a][2]:
            reach.update(range(int(table.start[k]), min(int(table.end[k]), p.T)))
    keys = set(window.short) | set(window.over)
    assert keys and {t for _, t in keys} <= reach
    assert len(keys) < len(set(full.short) | set(full.over))


def test_search_never_worsens_and_keeps_other_days(start):
    p, solution = start
    before = evaluate(p, solution, WEIGHTS).objective
    out = lns.large_neighbourhood_search(p, solution, WEIGHTS,
                                         deadline=time.perf_counter() + 4.0, seed=1,
                                         window_size=3, step_seconds=0.5)
    assert out.steps > 0
    assert out.evaluation.objective <= before + 1e-6
    assert out.evaluation.objective == evaluate(p, out.solution, WEIGHTS).objective


def test_lns_roster_keeps_every_hard_rule_with_lunches():
    # Windows and weeks freed over a week with lunches; solve() runs the independent checker.
    spec = {"chat": lambda d, h: 3 if 8 <= h < 20 else 1,
            "voice": lambda d, h: 2 if 9 <= h < 18 else 0}
    result, _, _ = solve(AGENTS, spec, contracts=CONTRACTS, rules=LUNCH_RULES, days=7,
                         seconds=6.0, search="lns")
    assert result.feasible
    assert result.stats.lns_steps > 0
    assert result.objective <= result.stats.initial_objective + 1e-6


def test_auto_search_takes_cp_sat_on_small_models_and_lns_above(monkeypatch):
    from staffing.solver import core

    spec = {"chat": lambda d, h: 2 if 8 <= h < 20 else 1}
    result, _, _ = solve(AGENTS[:3], spec, contracts=CONTRACTS, seconds=3.0)
    assert result.stats.search == "cp-sat"
    monkeypatch.setattr(core, "LNS_MIN_OPTIONS", 10)
    result, _, _ = solve(AGENTS[:3], spec, contracts=CONTRACTS, seconds=3.0)
    assert result.stats.search == "lns"
    result, _, _ = solve(AGENTS[:3], spec, contracts=CONTRACTS, seconds=3.0, search="cp-sat")
    assert result.stats.search == "cp-sat"


def test_portfolio_moves_a_kind_to_neighbourhood_workers_once_its_step_times_out():
    portfolio = lns._Portfolio(workers=2, probe_every=4)
    assert not portfolio.lns_only(True)  # a first window: the default portfolio
    portfolio.record(True, False, optimal=False)  # ... ran to its limit
    chosen = []
    for _ in range(8):
        chosen.append(portfolio.lns_only(True))
        portfolio.record(True, chosen[-1], optimal=False)
    # Neighbourhood workers only, but every fourth step probes the default portfolio again.
    assert chosen == [True, True, True, False] * 2
    assert not portfolio.lns_only(False)  # whole weeks: their own record, none yet
    # A probe that proves its window optimal brings the windows back to the default.
    for _ in range(3):
        assert portfolio.lns_only(True)
    assert not portfolio.lns_only(True)
    portfolio.record(True, False, optimal=True)
    assert not portfolio.lns_only(True)
    # One worker always keeps the default portfolio.
    single = lns._Portfolio(workers=1)
    single.record(True, False, optimal=False)
    assert not single.lns_only(True)
