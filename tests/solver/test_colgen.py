"""Column generation over agent weeks (staffing.solver.colgen): the pricing program against
every legal week of a tiny instance (legality by the CP-SAT rule builders), and the bound
between the aggregated relaxation and CP-SAT's proven optimum, valid at every round."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from ortools.sat.python import cp_model

from staffing.config import BreakRule, ShiftRules, SolverWeights
from staffing.solver.bound import relaxation_bound
from staffing.solver.colgen import WeekDP, column_generation_bound, week_groups
from staffing.solver.model import RosterModel
from staffing.solver.problem import build_problem
from staffing.solver.rules import add_agent_rules
from staffing.timegrid import Horizon
from tests.solver.roster_helpers import MONDAY, agent, contract, demand, solve


def legal_weeks(problem, a):
    """Every week of agent ``a`` (option position per day, -1 off) that keeps every hard
    rule of the CP-SAT model: all solutions of the one-agent model, enumerated by CP-SAT."""
    m = RosterModel(problem, [a])
    add_agent_rules(m, a)

    class Weeks(cp_model.CpSolverSolutionCallback):
        def __init__(self):
            super().__init__()
            self.found = set()

        def on_solution_callback(self):
            self.found.add(tuple(next((i for i, lit in enumerate(day) if self.boolean_value(lit)),
                                      -1) for day in m.x[a]))

    weeks = Weeks()
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    assert solver.solve(m.cp, weeks) == cp_model.OPTIMAL
    return sorted(weeks.found)


#: Thursday to Sunday (one weekend: Saturday and Sunday), starts every 4 h, 4-6 h shifts:
#: 10 options a day, 14,641 weeks. Rest 11 h, at most 2 days in a row, days off in runs of 2,
#: at most 20 h, one night, the weekend off.
TINY = {"c": contract(min_hours_per_week=0, max_hours_per_week=20, min_shift_minutes=240,
                      max_shift_minutes=360, earliest_start=dt.time(4),
                      latest_start=dt.time(20), max_consecutive_days=2,
                      min_consecutive_days_off=2, max_night_shifts_per_week=1,
                      min_weekends_off=1)}
TINY_RULES = ShiftRules(start_step_minutes=240, length_step_minutes=120, min_rest_hours=11,
                        breaks=(), weekend_days=("sat", "sun"))


@pytest.fixture(scope="module")
def tiny():
    horizon = Horizon(MONDAY + dt.timedelta(days=3), 4, 60, "UTC")
    p = build_problem(demand(horizon, {"chat": lambda d, h: 1}), [agent("A1")],
                      horizon=horizon, contracts=TINY, rules=TINY_RULES)
    return p, legal_weeks(p, 0)


def test_week_program_prices_every_legal_week_exactly(tiny):
    """The program's cheapest week is the cheapest legal week (brute force over all 14,641),
    on random costs, and is itself legal; its next weeks cost no less."""
    p, legal = tiny
    assert len(legal) == 91
    dp = WeekDP(p, 0)
    rng = np.random.default_rng(0)
    for _ in range(25):
        cost = [rng.uniform(-5, 5, len(p.options[0][d])) for d in range(p.D)]
        brute = min(sum(cost[d][k] for d, k in enumerate(w) if k >= 0) for w in legal)
        found = dp.solve(cost, None, 3)
        value, row = found[0]
        assert value == pytest.approx(brute)
        assert tuple(row) in legal
        assert all(tuple(r) in legal for _, r in found)
        assert [v for v, _ in found] == sorted(v for v, _ in found)


def test_week_program_bars_the_weekend_when_none_may_be_worked(tiny):
    """``min_weekends_off`` = every weekend (none may be worked): a weekend axis of size 1
    still counts (the Curtois program's bug), so a reward on Saturday does not tempt it."""
    p, _legal = tiny
    dp = WeekDP(p, 0)
    cost = [np.zeros(len(p.options[0][d])) for d in range(p.D)]
    cost[2] -= 100.0  # Saturday
    value, row = dp.solve(cost)[0]
    assert row[2] == -1 and row[3] == -1 and value == 0.0


CONTRACTS = {"c": contract(min_hours_per_week=12, max_hours_per_week=20, min_shift_minutes=240,
                           max_shift_minutes=480, max_consecutive_days=2,
                           min_consecutive_days_off=2, hourly_cost=10.0)}
RULES = ShiftRules(start_step_minutes=120, length_step_minutes=120, min_rest_hours=12,
                   breaks=())
LUNCH = ShiftRules(start_step_minutes=120, length_step_minutes=120, min_rest_hours=12,
                   breaks=(BreakRule(activity="lunch", duration_minutes=60,
                                     earliest_after_start_minutes=120,
                                     latest_after_start_minutes=240, min_shift_minutes=360,
                                     paid=False),))

CASES = {
    "two queues": ([agent("A1"), agent("A2", "chat;voice:2"), agent("A3", "voice")],
                   {"chat": lambda d, h: 2 if 8 <= h < 18 else 0,
                    "voice": lambda d, h: 1 if 10 <= h < 20 else 0}, RULES),
    "peak": ([agent("A1"), agent("A2")],
             {"chat": lambda d, h: 3 if 9 <= h < 17 else (1 if 6 <= h < 22 else 0)}, RULES),
    "lunch": ([agent("A1"), agent("A2"), agent("A3", "chat;voice")],
              {"chat": lambda d, h: 2 if 9 <= h < 19 else 0,
               "voice": lambda d, h: 1 if 12 <= h < 16 else 0}, LUNCH),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bound_lies_between_the_relaxation_and_the_optimum(case):
    """On tiny instances CP-SAT solves to optimality, the column generation's bound, and its
    Lagrangian bound at every round, is at most the optimum and at least the aggregated
    relaxation's."""
    agents, spec, rules = CASES[case]
    result, horizon, requirements = solve(agents, spec, contracts=CONTRACTS, rules=rules, days=4,
                                          seconds=20)
    assert result.status == "OPTIMAL"
    p = build_problem(requirements, agents, horizon=horizon, contracts=CONTRACTS, rules=rules)
    weights = SolverWeights()
    seen = []
    cg = column_generation_bound(p, weights, time_limit_seconds=20,
                                 on_round=lambda lp, bound: seen.append(bound))
    relax = relaxation_bound(p, weights)
    top = result.objective + 1e-6 * abs(result.objective)
    assert cg is not None and cg.converged
    assert seen and all(b <= top for b in seen)
    assert cg.bound <= top
    assert cg.bound >= relax.bound - 1e-6 * abs(relax.bound)


def test_identical_agents_share_a_group():
    horizon = Horizon(MONDAY, 3, 60, "UTC")
    agents = [agent("A1"), agent("A2"), agent("B", "voice")]
    p = build_problem(demand(horizon, {"chat": lambda d, h: 1, "voice": lambda d, h: 1}),
                      agents, horizon=horizon, contracts=CONTRACTS, rules=RULES)
    assert sorted(week_groups(p)) == [(0, 1), (2,)]


@pytest.mark.parametrize("kind", ["column-generation", "none"])
def test_solve_roster_reports_its_bound_and_where_it_comes_from(kind):
    """``solver.bound`` chooses the bound computed beside the search; the result names the
    source of the bound it reports (here CP-SAT may prove the optimum first)."""
    agents, spec, rules = CASES["peak"]
    result, *_ = solve(agents, spec, contracts=CONTRACTS, rules=rules, days=4, seconds=10,
                       bound=kind)
    stats = result.stats
    # Column generation runs the relaxation first, for its duals.
    assert (stats.relaxation_bound is not None) == (kind == "column-generation")
    assert (stats.colgen_bound is not None) == (kind == "column-generation")
    assert result.bound_source == stats.bound_source
    if kind == "column-generation":
        assert result.bound_source in ("cp-sat", "column-generation", "lp-relaxation")
        assert stats.colgen_bound >= stats.relaxation_bound - 1e-6 * result.objective
        assert stats.colgen_bound <= result.objective + 1e-6 * result.objective
    else:
        assert result.bound_source in ("cp-sat", None)


@pytest.mark.slow
def test_bound_from_the_relaxations_duals_is_valid_from_the_start():
    """Started from the aggregated relaxation's coverage duals, the first Lagrangian bound
    (before any master LP) and every later one stay below CP-SAT's optimum, and the end
    bound is at least the relaxation's."""
    agents, spec, rules = CASES["lunch"]
    result, horizon, requirements = solve(agents, spec, contracts=CONTRACTS, rules=rules,
                                          days=4, seconds=20)
    p = build_problem(requirements, agents, horizon=horizon, contracts=CONTRACTS, rules=rules)
    relax = relaxation_bound(p, SolverWeights())
    seen = []
    cg = column_generation_bound(p, SolverWeights(), time_limit_seconds=20,
                                 start_duals=relax.coverage_duals,
                                 on_round=lambda lp, bound: seen.append(bound))
    top = result.objective + 1e-6 * abs(result.objective)
    assert len(seen) >= 2 and all(b <= top for b in seen)
    assert cg.bound >= relax.bound - 1e-6 * abs(relax.bound)
