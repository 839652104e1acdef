"""The agent-by-agent heuristic (staffing.solver.greedy): the value of one more agent, and the
re-placement passes."""

from __future__ import annotations

import time

import numpy as np
import pytest
from tests.solver.roster_helpers import LUNCH_RULES, MONDAY, agent, contract, demand

from staffing.config import SolverWeights
from staffing.solver import greedy
from staffing.solver.problem import build_problem
from staffing.solver.solution import evaluate
from staffing.timegrid import Horizon


def _problem(spec, agents, days=3, rules=LUNCH_RULES, contracts=None):
    horizon = Horizon(MONDAY, days, 60, "UTC")
    return build_problem(demand(horizon, spec), agents, horizon=horizon,
                         contracts=contracts or {"c": contract()}, rules=rules)


def test_value_of_one_more_agent_interpolates_fractions():
    # 3 wanted. The k-th missing agent costs understaffing * (1 + growth * (k - 1)).
    w = SolverWeights(understaffing=100.0, understaffing_growth=0.5, overstaffing=4.0)
    p = _problem({"chat": lambda d, h: 3}, [agent("A")])
    r = greedy._Residual(p, w)
    first, third = 100.0, 200.0  # the 1st and 3rd missing agent
    r.served[0, :4] = [0.0, 2.0, 2.5, 3.5]
    gain = r.gain()[0, :4]
    assert gain[0] == pytest.approx(third)                 # 3 short -> 2 short
    assert gain[1] == pytest.approx(first)                 # 1 short -> 0
    assert gain[2] == pytest.approx(0.5 * first - 0.5 * 4.0)  # 0.5 short -> 0.5 over
    assert gain[3] == pytest.approx(-4.0)                  # already over


def _two_queue_week():
    """Six agents on elastic 6-8 h shifts for two queues: their passes keep moving them (with
    four, the optimal split settles them after one re-placement pass)."""
    agents = [agent("A1", "chat;voice:2"), agent("A2", "voice"), agent("A3", "chat"),
              agent("A4", "chat;voice"), agent("A5", "voice;chat:2"), agent("A6", "voice;chat:2")]
    contracts = {"c": contract(hourly_cost=12.0, min_hours_per_week=12, max_hours_per_week=24,
                               min_shift_minutes=360, max_shift_minutes=480)}
    return _problem({"chat": lambda d, h: 2 if 8 <= h < 20 else 0,
                     "voice": lambda d, h: 1 if 9 <= h < 18 else 0}, agents,
                    contracts=contracts)


def test_passes_keep_the_best_roster():
    p = _two_queue_week()
    w = SolverWeights()
    values = []

    def on_pass(solution):
        values.append(evaluate(p, solution, w).objective)
        return values[-1]

    out = greedy.initial_solution(p, w, deadline=time.perf_counter() + 30, max_passes=5,
                                  on_pass=on_pass)
    assert out.solution is not None and out.passes == len(values)
    assert evaluate(p, out.solution, w).objective == pytest.approx(min(values))
    # Passes stop once one no longer improves: only the last can fail to improve.
    assert all(np.diff(values)[:-1] < 0)


def test_roster_contributions_add_up_to_what_is_served():
    agents = [agent("A1", "chat;voice:2"), agent("A2", "voice;chat"), agent("A3", "chat"),
              agent("A4", "chat;voice")]
    contracts = {"c": contract(min_hours_per_week=12, max_hours_per_week=24,
                               min_shift_minutes=360, max_shift_minutes=480)}
    p = _problem({"chat": lambda d, h: 2 if 8 <= h < 20 else 0,
                  "voice": lambda d, h: 1 if 9 <= h < 18 else 0}, agents,
                 contracts=contracts)
    out = greedy.initial_solution(p, SolverWeights(), deadline=time.perf_counter() + 30)
    served, parts = greedy.roster_contributions(p, out.solution)
    np.testing.assert_array_equal(served, out.solution.split.sum(axis=0))
    total = np.zeros_like(served)
    for q, t, w in parts.values():
        np.add.at(total, (q, t), w)
    np.testing.assert_allclose(total, served, atol=1e-9)
    # Lunches (6-h shifts and longer) are taken out where they were placed.
    worked = sum(w.sum() for _, _, w in parts.values())
    assert worked == pytest.approx(served.sum())
    assert worked < sum(int(p.table(a, d).end[p.options[a][d][k]]
                            - p.table(a, d).start[p.options[a][d][k]])
                        for a, d in zip(*np.nonzero(out.solution.choice >= 0), strict=True)
                        for k in [out.solution.choice[a, d]])


def test_passes_stop_at_one_gaining_less_than_min_gain():
    # The objectives the passes see are scripted: 1 % better each time.
    p = _two_queue_week()
    w = SolverWeights()

    def run(min_gain):
        scripted = iter([1000.0 * 0.99 ** k for k in range(20)])
        out = greedy.initial_solution(p, w, deadline=time.perf_counter() + 30, max_passes=3,
                                      on_pass=lambda solution: next(scripted),
                                      min_gain=min_gain)
        return out.passes

    assert run(0.0) == 3          # every pass improves: all three run
    assert run(0.005) == 3        # 1 % is more than 0.5 %
    assert run(0.02) == 2         # the first re-placement pass gains 1 % < 2 %: the last
