"""Generic builders (:mod:`staffing.solver.builders`) on bare CP-SAT models (no roster around them):
every solution is enumerated and the rule checked on each."""

from __future__ import annotations

import itertools

from ortools.sat.python import cp_model

from staffing.solver.builders import (
    add_forbidden_pairs,
    add_forbidden_successor_group,
    add_forbidden_successors,
)


class _Collect(cp_model.CpSolverSolutionCallback):
    def __init__(self, variables):
        super().__init__()
        self.variables, self.solutions = variables, []

    def on_solution_callback(self):
        self.solutions.append(tuple(self.value(v) for v in self.variables))


def _all_solutions(model, variables):
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    collect = _Collect(variables)
    solver.solve(model, collect)
    return set(collect.solutions)


def _two_days(enforce_value=None):
    """Day 0 and day 1, three shift types each (0 early, 1 late, 2 night), one shift a day at
    most; after a night (2) neither early nor late next day."""
    m = cp_model.CpModel()
    day0 = [m.new_bool_var(f"d0s{s}") for s in range(3)]
    day1 = [m.new_bool_var(f"d1s{s}") for s in range(3)]
    for day in (day0, day1):
        m.add_at_most_one(day)
    enforce = None
    if enforce_value is not None:
        enforce = m.new_bool_var("enforce")
        m.add(enforce == enforce_value)
    return m, day0, day1, enforce


def test_forbidden_successors_never_follow_and_nothing_else_is_cut():
    m, day0, day1, _ = _two_days()
    add_forbidden_successors(m, day0[2], [day1[0], day1[1]])
    got = _all_solutions(m, day0 + day1)
    one_hot = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    expected = {a + b for a, b in itertools.product(one_hot, one_hot)
                if not (a[2] and (b[0] or b[1]))}
    assert got == expected
    assert len(got) == 16 - 2  # night then early, night then late


def test_forbidden_successors_equal_forbidden_pairs():
    m1, a0, a1, _ = _two_days()
    add_forbidden_successors(m1, a0[2], [a1[0], a1[1]])
    m2, b0, b1, _ = _two_days()
    add_forbidden_pairs(m2, [(b0[2], b1[0]), (b0[2], b1[1])])
    assert _all_solutions(m1, a0 + a1) == _all_solutions(m2, b0 + b1)


def test_forbidden_successors_only_when_enforced():
    # Not enforced: night then early is allowed.
    m2, d0, d1, enforce = _two_days(enforce_value=0)
    add_forbidden_successors(m2, d0[2], [d1[0]], enforce=enforce)
    assert (0, 0, 1, 1, 0, 0) in _all_solutions(m2, d0 + d1)
    m3, e0, e1, enforce = _two_days(enforce_value=1)
    add_forbidden_successors(m3, e0[2], [e1[0]], enforce=enforce)
    assert (0, 0, 1, 1, 0, 0) not in _all_solutions(m3, e0 + e1)


def test_forbidden_successors_without_successors_adds_nothing():
    m, day0, _, _ = _two_days()
    before = len(m.proto.constraints)
    add_forbidden_successors(m, day0[2], [])
    assert len(m.proto.constraints) == before


def test_forbidden_successor_group_equals_one_rule_per_first_shift():
    # Late (1) and night (2) both forbid early (0) next day: one group, the same rosters as
    # two add_forbidden_successors.
    m1, a0, a1, _ = _two_days()
    add_forbidden_successor_group(m1, [a0[1], a0[2]], [a1[0]])
    m2, b0, b1, _ = _two_days()
    add_forbidden_successors(m2, b0[1], [b1[0]])
    add_forbidden_successors(m2, b0[2], [b1[0]])
    got = _all_solutions(m1, a0 + a1)
    assert got == _all_solutions(m2, b0 + b1)
    assert (0, 1, 0, 1, 0, 0) not in got and (0, 1, 0, 0, 1, 0) in got
    assert len(got) == 16 - 2


def test_forbidden_successor_group_only_when_enforced():
    m, d0, d1, enforce = _two_days(enforce_value=0)
    add_forbidden_successor_group(m, [d0[2]], [d1[0]], enforce=enforce)
    assert (0, 0, 1, 1, 0, 0) in _all_solutions(m, d0 + d1)
    m, d0, d1, enforce = _two_days(enforce_value=1)
    add_forbidden_successor_group(m, [d0[2]], [d1[0]], enforce=enforce)
    assert (0, 0, 1, 1, 0, 0) not in _all_solutions(m, d0 + d1)
