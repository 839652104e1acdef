"""Shared helpers of the Curtois benchmark tests: a hand-checked roster of ``TINY``, random
feasible rosters and CP-SAT references built from the model (built on demand; nothing is solved
at import).

A plain module, not a ``conftest.py``: the top-level ``tests/conftest.py`` is imported as
``conftest`` by other tests."""

from __future__ import annotations

import random
import time

from ortools.sat.python import cp_model

from benchmarks.curtois.colgen import column_generation
from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.model import build_model
from benchmarks.curtois.search import Incumbents


#: Worked by hand against ``conftest.TINY``'s rules (see ``test_evaluate``).
HAND_ROSTER = (
    # day 0  1    2     3    4     5    6    7    8    9     10    11    12   13
    ("L", "E", None, "E", None, "E", "E", "E", "E", None, None, None, "E", "L"),
    (None,) * 14,
)


def fixed_roster_status(inst, roster):
    """Solve the model with every shift literal fixed to ``roster``: (status, objective)."""
    cm = build_model(inst)
    for p, row in enumerate(roster):
        for d, sid in enumerate(row):
            for s, shift in enumerate(inst.shifts):
                cm.model.add(cm.x[p][d][s] == int(sid == shift.id))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(cm.model)
    objective = round(solver.objective_value) if status == cp_model.OPTIMAL else None
    return solver.status_name(status), objective


def random_feasible_roster(inst, seed):
    """A roster keeping every hard rule, from the model with a random objective."""
    cm = build_model(inst)
    rng = random.Random(seed)
    cm.model.minimize(sum(rng.randint(-5, 5) * lit for xp in cm.x for xd in xp for lit in xd))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    assert solver.solve(cm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return [[next((inst.shifts[s].id for s, lit in enumerate(xd) if solver.boolean_value(lit)),
                  None) for xd in xp] for xp in cm.x]


def column_generation_from_a_random_roster(inst, verbose, lp_seconds=20, seconds=30):
    """Column generation and the dive on ``inst`` from a random feasible roster (``lp_seconds``
    for the LP, ``seconds`` in all): ``(roster, objective, lower bound, the start's
    objective)``."""
    start = random_feasible_roster(inst, 5)
    cost = evaluate(inst, start).objective
    now = time.perf_counter()
    roster, best, lower = column_generation(
        inst, [list(r) for r in start], cost, [], now + lp_seconds, now + seconds, 2, 0, now,
        Incumbents(now, False), verbose)
    return roster, best, lower, cost


def cp_sat_cheapest_row(inst, p, cost):
    """The cheapest roster row of employee ``p`` under per-day option costs, by CP-SAT on the
    employee's own model (every hard rule from the builders): ``cost[d][S]`` is a day off."""
    S = len(inst.shifts)
    cm = build_model(inst, staff=[p], fixed=[[None] * inst.days for _ in inst.staff])
    scale = 1000
    terms = []
    for d in range(inst.days):
        for s in range(S):
            terms.append(round(scale * (cost[d][s] - cost[d][S])) * cm.x[0][d][s])
    cm.model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(cm.model) == cp_model.OPTIMAL
    return solver.objective_value / scale + sum(cost[d][S] for d in range(inst.days))


def dp_cases(inst, seeds):
    S = len(inst.shifts)
    for p in range(len(inst.staff)):
        for seed in seeds:
            rng = random.Random(seed * 100 + p)
            yield p, [[rng.randint(-60, 60) / 7 for _ in range(S + 1)] for _ in range(inst.days)]
