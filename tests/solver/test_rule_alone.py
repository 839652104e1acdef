"""Each ``add_<rule>`` of staffing.solver.rules alone in a model of 2 agents and 3 days (no
demand, no other rule): the rosters it forbids are infeasible and the next-best allowed ones
feasible (hard rules), or the exact penalty of a forced roster (soft rules).

Rosters are forced with CP-SAT assumptions (shift literals true, ``works`` literals false), so
one model answers several questions. The rule is added for agent A only; agent B, under no
rule, may do what A may not. The coverage rules (understaffing, overstaffing, skill priority,
break windows and cap) couple agents and are priced exactly through whole solves in
``test_rules.py``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from ortools.sat.python import cp_model
from tests.solver.roster_helpers import MONDAY, NO_BREAKS, agent, contract, demand

from staffing.config import ShiftRules, SolverWeights
from staffing.solver import rules
from staffing.solver.model import SCALE, RosterModel
from staffing.solver.problem import build_problem
from staffing.timegrid import Horizon

FRIDAY = dt.date(2026, 11, 27)
A, B = 0, 1
ZERO = dict(understaffing=0, understaffing_growth=0, overstaffing=0, cost=0, preference=0,
            fairness=0, skill_priority=0)


def tiny(*, agents=None, start=MONDAY, shift_rules=NO_BREAKS, candidates_kept=False, **terms):
    """A model of agents A and B over 3 days (contract terms ``terms``) with no rule in it.
    ``candidates_kept``: keep the shifts outside start windows, on fixed days off and in
    unavailable windows (as the explanation does) so the rules removing them can be tested."""
    horizon = Horizon(start, 3, 60, "UTC")
    agents = agents or [agent("A"), agent("B")]
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 0}), agents, horizon=horizon,
                            contracts={"c": contract(**terms)}, rules=shift_rules,
                            whole_day=candidates_kept, keep_unavailable=candidates_kept)
    return RosterModel(problem, name_vars=True)


def shift(m: RosterModel, a: int, d: int, hour: int, hours: int):
    """The literal of agent ``a``'s shift on day ``d`` starting at ``hour`` for ``hours``."""
    table, opts = m.problem.table(a, d), m.problem.options[a][d]
    for lit, k in zip(m.x[a][d], opts, strict=True):
        if table.local_start[k] == hour * 60 and table.length[k] == hours * 60:
            return lit
    raise LookupError((a, d, hour, hours))


def off(m: RosterModel, a: int, d: int):
    return m.works[a][d].Not()


def _solve(m: RosterModel, forced) -> tuple[int, cp_model.CpSolver]:
    m.cp.clear_assumptions()
    m.cp.add_assumptions(list(forced))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    return solver.solve(m.cp), solver


def feasible(m: RosterModel, *forced) -> bool:
    status, _ = _solve(m, forced)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    return status != cp_model.INFEASIBLE


def penalty(m: RosterModel, *forced) -> float:
    """The least objective of a roster with ``forced`` (objective units)."""
    m.minimize()
    status, solver = _solve(m, forced)
    assert status == cp_model.OPTIMAL
    return solver.objective_value / SCALE


def each_day(m: RosterModel, builder, a: int = A, enforce=None) -> None:
    for d in range(m.problem.D):
        builder(m, a, d, enforce)


def each_week(m: RosterModel, builder, a: int = A, enforce=None) -> None:
    for b in range(len(m.problem.blocks)):
        builder(m, a, b, enforce)


# ------------------------------------------------------------------------ hard rules of a day
def test_start_window():
    m = tiny(candidates_kept=True, earliest_start=dt.time(9), latest_start=dt.time(10))
    assert feasible(m, shift(m, A, 0, 12, 4))  # no rule yet
    each_day(m, rules.add_start_window)
    assert not feasible(m, shift(m, A, 0, 12, 4))
    assert not feasible(m, shift(m, A, 1, 8, 4))
    assert feasible(m, shift(m, A, 0, 9, 4), shift(m, A, 1, 10, 4))
    assert feasible(m, shift(m, B, 0, 12, 4))


def test_fixed_days_off():
    m = tiny(candidates_kept=True, agents=[agent("A", fixed_days_off=frozenset({1})),
                                           agent("B", fixed_days_off=frozenset({1}))])
    assert feasible(m, shift(m, A, 1, 8, 4))
    each_day(m, rules.add_fixed_days_off)
    assert not feasible(m, shift(m, A, 1, 8, 4))
    assert feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 2, 8, 4))
    assert feasible(m, shift(m, B, 1, 8, 4))


def test_unavailable():
    window = ((pd.Timestamp("2026-11-24 06:00", tz="UTC"),
               pd.Timestamp("2026-11-24 18:00", tz="UTC")),)
    m = tiny(candidates_kept=True, agents=[agent("A", unavailable=window),
                                           agent("B", unavailable=window)])
    each_day(m, rules.add_unavailable)
    assert not feasible(m, shift(m, A, 1, 8, 4))
    assert not feasible(m, shift(m, A, 1, 2, 5))   # 02:00-07:00 overlaps by an hour
    assert feasible(m, shift(m, A, 1, 2, 4))       # 02:00-06:00 touches the window
    assert feasible(m, shift(m, A, 1, 18, 4))
    assert feasible(m, shift(m, B, 1, 8, 4))


# ------------------------------------------------------------------------ hard rules of a week
def test_min_hours_per_week_binds_a_whole_week_only():
    m = tiny(min_hours_per_week=8)
    before = len(m.cp.proto.constraints)
    each_week(m, rules.add_min_hours_per_week)
    assert len(m.cp.proto.constraints) == before  # 3 days: part of a longer week, no minimum

    horizon = Horizon(MONDAY, 7, 60, "UTC")
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 0}), [agent("A"), agent("B")],
                            horizon=horizon, contracts={"c": contract(min_hours_per_week=8)},
                            rules=NO_BREAKS)
    m = RosterModel(problem)
    each_week(m, rules.add_min_hours_per_week)
    assert not feasible(m, *(off(m, A, d) for d in range(7)))
    assert not feasible(m, shift(m, A, 0, 8, 4), *(off(m, A, d) for d in range(1, 7)))
    assert feasible(m, shift(m, A, 0, 8, 8), *(off(m, A, d) for d in range(1, 7)))
    assert feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 3, 8, 4))
    assert feasible(m, *(off(m, B, d) for d in range(7)))


def test_max_hours_per_week():
    m = tiny(max_hours_per_week=8)
    each_week(m, rules.add_max_hours_per_week)
    assert not feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 8))
    assert feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 4))
    assert feasible(m, shift(m, B, 0, 8, 8), shift(m, B, 1, 8, 8), shift(m, B, 2, 8, 8))


def test_max_shifts_per_week():
    m = tiny(max_shifts_per_week=1)
    each_week(m, rules.add_max_shifts_per_week)
    assert not feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 2, 8, 4))
    assert feasible(m, shift(m, A, 1, 8, 4))
    assert feasible(m, shift(m, B, 0, 8, 4), shift(m, B, 1, 8, 4), shift(m, B, 2, 8, 4))


def test_min_days_off_per_week():
    # 6 days off a week: the 4 days outside the 3-day horizon count, 2 are left inside.
    m = tiny(min_days_off_per_week=6)
    before = len(m.cp.proto.constraints)
    each_week(m, rules.add_min_days_off_per_week)
    # Without an enforce literal the bound is add_max_shifts_per_week's (one constraint).
    assert len(m.cp.proto.constraints) == before
    each_week(m, rules.add_max_shifts_per_week)
    assert not feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 2, 8, 4))
    assert feasible(m, shift(m, A, 0, 8, 4))

    m = tiny(min_days_off_per_week=6)
    enforce = m.cp.new_bool_var("min_days_off_per_week")
    each_week(m, rules.add_min_days_off_per_week, enforce=enforce)
    assert not feasible(m, enforce, shift(m, A, 0, 8, 4), shift(m, A, 2, 8, 4))
    assert feasible(m, enforce, shift(m, A, 0, 8, 4))
    assert feasible(m, enforce.Not(), shift(m, A, 0, 8, 4), shift(m, A, 2, 8, 4))


def test_max_night_shifts_per_week():
    m = tiny(max_night_shifts_per_week=1)
    each_week(m, rules.add_max_night_shifts_per_week)
    assert not feasible(m, shift(m, A, 0, 22, 8), shift(m, A, 2, 22, 8))
    assert feasible(m, shift(m, A, 0, 22, 8), shift(m, A, 2, 8, 8))
    assert feasible(m, shift(m, B, 0, 22, 8), shift(m, B, 2, 22, 8))


# ------------------------------------------------------------------------ hard rules of the horizon
def test_max_consecutive_days():
    m = tiny(max_consecutive_days=2)
    rules.add_max_consecutive_days(m, A)
    assert not feasible(m, *(shift(m, A, d, 8, 4) for d in range(3)))
    assert feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 4), off(m, A, 2))
    assert feasible(m, *(shift(m, B, d, 8, 4) for d in range(3)))


def test_min_consecutive_days_off():
    m = tiny(min_consecutive_days_off=2)
    rules.add_min_consecutive_days_off(m, A)
    assert not feasible(m, shift(m, A, 0, 8, 4), off(m, A, 1), shift(m, A, 2, 8, 4))
    # A run touching the horizon's end is exempt (the days after it are unknown).
    assert feasible(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 4), off(m, A, 2))
    assert feasible(m, shift(m, B, 0, 8, 4), off(m, B, 1), shift(m, B, 2, 8, 4))


def test_min_rest():
    rest = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=11,
                      breaks=())
    m = tiny(shift_rules=rest)
    rules.add_min_rest(m, A)
    # 14:00-22:00, then 06:00 next day: 8 h of rest; 09:00 leaves exactly 11 h.
    assert not feasible(m, shift(m, A, 0, 14, 8), shift(m, A, 1, 6, 8))
    assert not feasible(m, shift(m, A, 0, 14, 8), shift(m, A, 1, 8, 8))
    assert feasible(m, shift(m, A, 0, 14, 8), shift(m, A, 1, 9, 8))
    assert feasible(m, shift(m, B, 0, 14, 8), shift(m, B, 1, 6, 8))


def test_min_weekends_off():
    m = tiny(start=FRIDAY, min_weekends_off=1)  # Friday to Sunday: one whole weekend
    rules.add_min_weekends_off(m, A)
    assert not feasible(m, shift(m, A, 1, 8, 4))
    assert not feasible(m, shift(m, A, 2, 8, 4))
    assert feasible(m, shift(m, A, 0, 8, 4), off(m, A, 1), off(m, A, 2))
    assert feasible(m, shift(m, B, 1, 8, 4), shift(m, B, 2, 8, 4))


def test_min_weekends_off_above_the_horizon_cannot_hold():
    m = tiny(start=FRIDAY, min_weekends_off=2)
    rules.add_min_weekends_off(m, A)
    assert not feasible(m)


# ------------------------------------------------------------------------ soft rules
def test_cost():
    m = tiny(hourly_cost=20.0)
    rules.add_cost(m, A, SolverWeights(**{**ZERO, "cost": 1}))
    assert penalty(m) == 0
    assert penalty(m, shift(m, A, 0, 8, 8)) == pytest.approx(8 * 20.0)
    assert penalty(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 6)) == pytest.approx(10 * 20.0)
    assert penalty(m, shift(m, B, 0, 8, 8)) == 0  # B's cost is not added


def test_preferred_day_off():
    m = tiny(agents=[agent("A", preferred_days_off=frozenset({0})),
                     agent("B", preferred_days_off=frozenset({0}))])
    rules.add_preferred_day_off(m, A, SolverWeights(**{**ZERO, "preference": 10}))
    assert penalty(m, shift(m, A, 0, 8, 4)) == pytest.approx(10)
    assert penalty(m, shift(m, A, 1, 8, 4), shift(m, B, 0, 8, 4)) == 0


def test_preferred_start():
    window = (dt.time(12), dt.time(13))
    m = tiny(agents=[agent("A", preferred_start=window), agent("B", preferred_start=window)])
    rules.add_preferred_start(m, A, SolverWeights(**{**ZERO, "preference": 10}))
    assert penalty(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 12, 4)) == pytest.approx(10)
    assert penalty(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 14, 4)) == pytest.approx(20)
    assert penalty(m, shift(m, A, 0, 13, 4), shift(m, B, 1, 8, 4)) == 0


def test_fairness_weekends():
    m = tiny(start=FRIDAY)
    rules.add_fairness_weekends(m, A, SolverWeights(**{**ZERO, "fairness": 5}))
    # The k-th weekend day costs 5 * (k - 1): Saturday and Sunday 0 + 5.
    assert penalty(m, shift(m, A, 1, 8, 4), shift(m, A, 2, 8, 4)) == pytest.approx(5)
    assert penalty(m, shift(m, A, 0, 8, 4), shift(m, A, 1, 8, 4)) == 0
    assert penalty(m, shift(m, B, 1, 8, 4), shift(m, B, 2, 8, 4)) == 0


def test_fairness_nights():
    m = tiny()
    rules.add_fairness_nights(m, A, SolverWeights(**{**ZERO, "fairness": 5}))
    # Three nights: 0 + 5 + 10.
    assert penalty(m, *(shift(m, A, d, 22, 8) for d in range(3))) == pytest.approx(15)
    assert penalty(m, shift(m, A, 0, 22, 8), shift(m, A, 1, 8, 8)) == 0


def test_fairness_late():
    m = tiny()
    rules.add_fairness_late(m, A, SolverWeights(**{**ZERO, "fairness": 5}))
    # 14:00-22:00 ends after 21:00 with no night minutes: a late shift.
    assert penalty(m, shift(m, A, 0, 14, 8), shift(m, A, 1, 14, 8)) == pytest.approx(5)
    assert penalty(m, shift(m, A, 0, 14, 8), shift(m, A, 1, 8, 8)) == 0
