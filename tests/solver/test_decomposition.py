"""The column-generation engine (staffing.solver.decomposition) on a tiny covering problem
whose every plan is enumerated: its converged LP equals the LP over all columns (scipy's
linprog, independent of the engine), and its Lagrangian bound, at every round and at any
duals, never exceeds the integer optimum found by brute force."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from staffing.solver.decomposition import Master, Priced, generate

#: Six slots to cover (requirement per slot: 13 agent-slots, more than the 12 the groups
#: can work, so the optimum has a shortfall), shortfall costs 10, surplus 1 a slot.
REQUIRED = np.array([1, 2, 3, 4, 2, 1], dtype=float)
UNDER, OVER = 10.0, 1.0
#: Two groups: 2 full-timers (a run of 3-4 slots, cost 1 a slot) and 2 part-timers (a run
#: of 2 slots, cost 0.6 a slot, except slot 0 which they cannot take); a day off costs 0.
GROUPS = ((2, range(3, 5), 1.0, 0), (2, range(2, 3), 0.6, 1))


def plans(g: int) -> list[tuple[int, ...]]:
    """Every plan of group ``g``: the slots it works (the day off is ``()``)."""
    _, lengths, _, first = GROUPS[g]
    out = [()]
    for length in lengths:
        for start in range(first, len(REQUIRED) - length + 1):
            out.append(tuple(range(start, start + length)))
    return out


def plan_cost(g: int, plan) -> float:
    return GROUPS[g][2] * len(plan)


def build() -> Master:
    T = len(REQUIRED)
    master = Master()
    master.add_rows(T, REQUIRED, REQUIRED)  # plans + under - over = required
    master.add_columns(T, UNDER, 0.0, REQUIRED, [[t] for t in range(T)], [[1.0]] * T)
    total = sum(size for size, *_ in GROUPS)
    master.add_columns(T, OVER, 0.0, float(total), [[t] for t in range(T)], [[-1.0]] * T)
    master.add_groups([float(size) for size, *_ in GROUPS])
    master.freeze()
    for g in range(len(GROUPS)):
        master.add_column(g, (), 0.0, {})  # everyone off: a feasible start
    return master


def add(master: Master):
    def put(g, plan, _dual):
        return master.add_column(g, plan, plan_cost(g, plan), {t: 1.0 for t in plan})
    return put


def exact_pricing(dual) -> list[Priced]:
    out = []
    for g in range(len(GROUPS)):
        costs = sorted((plan_cost(g, p) - sum(dual[t] for t in p), p) for p in plans(g))
        out.append(Priced(costs[0][0], costs[:3]))
    return out


def integer_optimum() -> float:
    """Brute force over every multiset of plans per group."""
    best = math.inf
    per_group = [list(itertools.combinations_with_replacement(plans(g), size))
                 for g, (size, *_) in enumerate(GROUPS)]
    for choice in itertools.product(*per_group):
        cover = np.zeros(len(REQUIRED))
        cost = 0.0
        for g, chosen in enumerate(choice):
            for plan in chosen:
                cover[list(plan)] += 1
                cost += plan_cost(g, plan)
        cost += UNDER * np.clip(REQUIRED - cover, 0, None).sum()
        cost += OVER * np.clip(cover - REQUIRED, 0, None).sum()
        best = min(best, cost)
    return best


def full_lp() -> float:
    """The master over every column, by scipy's HiGHS interface (no engine involved)."""
    T = len(REQUIRED)
    cost, columns, bounds = [], [], []
    for t in range(T):
        e = np.zeros(T + len(GROUPS))
        e[t] = 1.0
        cost.append(UNDER), columns.append(e), bounds.append((0, None))
        cost.append(OVER), columns.append(-e), bounds.append((0, None))
    for g, (size, *_) in enumerate(GROUPS):
        for plan in plans(g):
            e = np.zeros(T + len(GROUPS))
            e[list(plan)] = 1.0
            e[T + g] = 1.0
            cost.append(plan_cost(g, plan)), columns.append(e), bounds.append((0, None))
    rhs = np.concatenate([REQUIRED, [size for size, *_ in GROUPS]])
    res = linprog(cost, A_eq=np.array(columns).T, b_eq=rhs, bounds=bounds, method="highs")
    assert res.status == 0
    return float(res.fun)


OPTIMUM = integer_optimum()
LP = full_lp()


@pytest.mark.parametrize("smoothing", [0.0, 0.5])
def test_converged_lp_is_the_lp_over_every_column_and_bounds_hold_every_round(smoothing):
    master = build()
    seen = []
    out = generate(master, exact_pricing, add(master), deadline=time.perf_counter() + 30,
                   smoothing=smoothing,
                   reprice=lambda g, plan, dual: plan_cost(g, plan) - sum(dual[t] for t in plan),
                   on_round=lambda lp, bound, added: seen.append((lp, bound)))
    assert out.converged and out.stopped == "converged"
    assert out.lp == pytest.approx(LP, abs=1e-6)
    assert out.bound == pytest.approx(LP, abs=1e-6)
    assert LP <= OPTIMUM + 1e-9
    assert all(bound <= OPTIMUM + 1e-6 for _, bound in seen)
    assert out.rounds == len(seen) and out.columns == len(master.generated) - 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=len(REQUIRED) + len(GROUPS),
                max_size=len(REQUIRED) + len(GROUPS)))
@example([20.0] * (len(REQUIRED) + len(GROUPS)))
def test_the_lagrangian_bound_holds_at_any_duals(duals):
    """Valid at any multipliers, not only the LP's: every static column has an upper bound
    (without the slacks' share a shortfall priced above its weight, here 20 a slot against
    10, would lift the bound to 30.4 above the optimum 20.4)."""
    master = build()
    dual = np.array(duals)
    minima = [f.minimum for f in exact_pricing(master.feasible_dual(dual))]
    assert master.lagrangian(dual, minima) <= OPTIMUM + 1e-6


def test_rounds_stop_at_the_limit_and_an_inexact_pricing_gives_no_bound():
    master = build()
    out = generate(master, exact_pricing, add(master), deadline=time.perf_counter() + 30,
                   max_rounds=1)
    assert out.rounds == 1 and out.stopped == "rounds" and not out.converged
    master = build()
    out = generate(master, lambda dual: [Priced(None, f.columns) for f in exact_pricing(dual)],
                   add(master), deadline=time.perf_counter() + 30)
    assert out.bound == -math.inf and out.lp == pytest.approx(LP, abs=1e-6)
    assert out.stopped == "pricing incomplete"


def test_integral_stops_once_the_bound_rounds_up_to_the_lp():
    """With an integer objective a bound within 1 of the LP proves as much as the LP."""
    master = build()
    out = generate(master, exact_pricing, add(master), deadline=time.perf_counter() + 30,
                   integral=True)
    assert math.ceil(out.bound - 1e-6) >= math.ceil(out.lp - 1e-6)


def test_past_the_deadline_one_round_still_solves_the_lp():
    """A dive cuts columns and asks for rounds at its deadline: the LP it reads is solved."""
    master = build()
    generate(master, exact_pricing, add(master), deadline=time.perf_counter() + 30)
    works = [j for j, (g, plan) in enumerate(master.generated) if plan]
    for j in works:
        master.set_upper(j, 0)
    out = generate(master, lambda dual: [None] * len(GROUPS), add(master),
                   deadline=time.perf_counter() - 1)
    assert out.rounds == 1
    assert master.objective == pytest.approx(UNDER * REQUIRED.sum())


def test_a_column_is_added_once_and_static_columns_only_before_freeze():
    master = build()
    assert not master.add_column(0, (), 0.0, {})
    assert master.add_column(0, (1, 2, 3), 3.0, {1: 1.0, 2: 1.0, 3: 1.0})
    assert not master.add_column(0, (1, 2, 3), 3.0, {1: 1.0, 2: 1.0, 3: 1.0})
    assert master.has(0, (1, 2, 3)) and not master.has(1, (1, 2, 3))
    with pytest.raises(RuntimeError):
        master.add_columns(1, 1.0, 0.0, 1.0, [[0]], [[1.0]])
