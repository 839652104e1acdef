"""The generic builders of staffing.solver.builders on bare CP-SAT models (the builders the
rules and the Curtois benchmark use): each alone, with the exact optimum penalty asserted."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from staffing.solver.builders import (
    add_convex_count_penalty,
    add_forbidden_pairs,
    add_requests,
    add_soft_sequence,
    add_soft_sequence_constraint,
    add_soft_sum,
    add_soft_sum_constraint,
    add_weekend_constraint,
    add_weekends_worked,
    convex_value,
)
from staffing.solver.coverage import add_day_type_coverage


def minimise(model, terms, extra=()):
    """Minimise the terms' penalty (plus ``extra`` (coef, var) pairs); return solver, value."""
    objective = sum(t.weight * c * v for t in terms for v, c in zip(t.vars, t.coeffs,
                                                                    strict=True))
    objective += sum(c * v for c, v in extra)
    model.minimize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver, solver.objective_value


def test_soft_sequence_costs_each_day_beyond_soft_max():
    m = cp_model.CpModel()
    works = [m.new_bool_var(f"w{i}") for i in range(5)]
    for w in works:
        m.add(w == 1)  # a forced run of 5
    terms = add_soft_sequence(m, works, name="run", hard_min=1, soft_min=1, soft_max=3,
                              hard_max=5, max_cost=7.0)
    _, value = minimise(m, terms)
    assert value == pytest.approx(2 * 7.0)


def test_soft_sequence_hard_max_forbids_longer_runs():
    m = cp_model.CpModel()
    works = [m.new_bool_var(f"w{i}") for i in range(6)]
    add_soft_sequence(m, works, name="run", hard_max=2)
    solver, _ = minimise(m, [], extra=[(-1, w) for w in works])  # work as much as allowed
    pattern = [solver.value(w) for w in works]
    assert sum(pattern) == 4 and "111" not in "".join(map(str, pattern))


def test_soft_sequence_short_run_costs_per_missing_day():
    m = cp_model.CpModel()
    works = [m.new_bool_var(f"w{i}") for i in range(5)]
    for i, w in enumerate(works):
        m.add(w == int(i == 2))  # a lone day in the middle
    terms = add_soft_sequence(m, works, name="run", hard_min=1, soft_min=3, min_cost=4.0)
    _, value = minimise(m, terms)
    assert value == pytest.approx((3 - 1) * 4.0)


def test_soft_sum_penalises_both_sides():
    m = cp_model.CpModel()
    x = [m.new_bool_var("") for _ in range(6)]
    terms = add_soft_sum(m, x, name="sum", hard_min=1, soft_min=3, min_cost=2.0, soft_max=4,
                         hard_max=6, max_cost=5.0)
    m.add(sum(x) == 6)
    _, value = minimise(m, terms)
    assert value == pytest.approx((6 - 4) * 5.0)


def test_forbidden_pairs():
    m = cp_model.CpModel()
    late, early = m.new_bool_var("late"), m.new_bool_var("early")
    add_forbidden_pairs(m, [(late, early)])
    solver, value = minimise(m, [], extra=[(-1, late), (-1, early)])
    assert value == -1 and solver.value(late) + solver.value(early) == 1


def test_requests_cost_their_weight_when_not_met():
    m = cp_model.CpModel()
    on, off = m.new_bool_var("on"), m.new_bool_var("off")
    m.add(on == 0)
    m.add(off == 1)
    terms = add_requests(m, [on], [3.0], "shift_on", ["on(A,0)"], wanted=True)
    terms += add_requests(m, [off], [2.0], "shift_off", ["off(A,1)"], wanted=False)
    _, value = minimise(m, terms)
    assert value == pytest.approx(5.0)
    assert [t.detail for t in terms] == ["on(A,0)", "off(A,1)"]


def test_weekend_constraint_counts_a_weekend_worked_once():
    m = cp_model.CpModel()
    works = [m.new_bool_var("") for _ in range(7)]
    for w in works[5:]:
        m.add(w == 1)
    worked, terms = add_weekends_worked(m, works, [(5, 6)], name="we", hard_max=1,
                                        soft_max=0, max_cost=8.0)
    _, value = minimise(m, terms)
    assert value == pytest.approx(8.0)


def _proto(build) -> str:
    m = cp_model.CpModel()
    works = [m.new_bool_var(f"w{i}") for i in range(7)]
    build(m, works)
    return str(m.proto)


@pytest.mark.parametrize("positional, keyword", [
    (lambda m, w: add_soft_sequence_constraint(m, w, 2, 3, 4.0, 4, 5, 7.0, "run", edges=False),
     lambda m, w: add_soft_sequence(m, w, name="run", hard_min=2, soft_min=3, min_cost=4.0,
                                    soft_max=4, hard_max=5, max_cost=7.0, edges=False)),
    (lambda m, w: add_soft_sum_constraint(m, w, 1, 3, 2.0, 4, 6, 5.0, "sum", agent=0),
     lambda m, w: add_soft_sum(m, w, name="sum", hard_min=1, soft_min=3, min_cost=2.0,
                               soft_max=4, hard_max=6, max_cost=5.0, agent=0)),
    (lambda m, w: add_weekend_constraint(m, w, [(5, 6)], 1, "we", soft_max_worked=0,
                                         max_cost=8.0),
     lambda m, w: add_weekends_worked(m, w, [(5, 6)], name="we", hard_max=1, soft_max=0,
                                      max_cost=8.0)),
])
def test_positional_forms_build_the_same_model(positional, keyword):
    # The positional forms are kept for benchmarks/curtois.py.
    assert _proto(positional) == _proto(keyword)


def test_day_type_coverage_under_and_over():
    m = cp_model.CpModel()
    a, b, c = (m.new_bool_var(x) for x in "abc")
    for lit in (a, b, c):
        m.add(lit == 1)
    terms = add_day_type_coverage(m, {(0, "E"): [a, b, c], (1, "N"): []},
                                  {(0, "E"): 2, (1, "N"): 1},
                                  {(0, "E"): 100.0, (1, "N"): 100.0},
                                  {(0, "E"): 1.0, (1, "N"): 1.0})
    _, value = minimise(m, terms)
    assert value == pytest.approx(1 * 1.0 + 1 * 100.0)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_convex_count_penalty_exact(count):
    m = cp_model.CpModel()
    lits = [m.new_bool_var("") for _ in range(5)]
    for i, lit in enumerate(lits):
        m.add(lit == int(i < count))
    costs = [k * (k - 1) // 2 * 10 for k in range(6)]
    terms = add_convex_count_penalty(m, lits, costs, "fair", rule="fairness", scale=10)
    _, value = minimise(m, terms)
    assert value == pytest.approx(convex_value(costs, count, 5) / 10)
    assert value == pytest.approx(count * (count - 1) / 2)
