"""The CP-SAT model from the rule builders against the independent evaluator: a roster fixed in
the model is feasible exactly when the evaluator finds no violation, at the same objective; a
sub-model prices exactly its part of the objective."""

from __future__ import annotations

import random

import pytest
from ortools.sat.python import cp_model
from tests.benchmarks_curtois.curtois_helpers import (
    HAND_ROSTER,
    fixed_roster_status,
    random_feasible_roster,
)

from benchmarks.curtois.evaluate import evaluate, part_objective
from benchmarks.curtois.model import build_model


def test_model_and_evaluator_agree_on_random_rosters(instance1):
    """A roster fixed in the model is feasible exactly when the evaluator finds no violation,
    and then both give the same objective: on random feasible rosters and on copies with one
    to three days flipped (mostly breaking a rule)."""
    rng = random.Random(7)
    verdicts = []
    for seed in range(6):
        base = random_feasible_roster(instance1, seed)
        for k in range(4):
            roster = [list(row) for row in base]
            for _ in range(k and rng.randint(1, 3)):
                p, d = rng.randrange(8), rng.randrange(14)
                roster[p][d] = None if roster[p][d] else "D"
            ev = evaluate(instance1, roster)
            status, objective = fixed_roster_status(instance1, roster)
            assert (status == "OPTIMAL") == ev.feasible, (roster, ev.violations)
            if ev.feasible:
                assert objective == ev.objective
            verdicts.append(ev.feasible)
    assert verdicts.count(True) >= 6 and verdicts.count(False) >= 6  # both kinds exercised


def test_model_forbids_each_violation_of_the_hand_roster(tiny):
    assert fixed_roster_status(tiny, HAND_ROSTER)[0] == "INFEASIBLE"
    # A roster keeping every rule of TINY (checked by hand): A works E on days 5-6 (its one
    # weekend) and L on days 9-10 (1920 min, runs of 2 on and >= 2 off, day 3 off); B works L on
    # days 0-1 and E on day 5 (1440 min). The evaluator accepts it; the model prices it the same.
    roster = [
        [None] * 5 + ["E", "E", None, None, "L", "L"] + [None] * 3,
        ["L", "L", None, None, None, "E"] + [None] * 8,
    ]
    ev = evaluate(tiny, roster)
    assert ev.violations == ()
    assert fixed_roster_status(tiny, roster) == ("OPTIMAL", ev.objective)


@pytest.mark.parametrize("people, days", [
    ([2], None),                 # one employee: cover priced linearly
    ([2], range(3, 9)),
    ([1, 4], range(3, 9)),       # two employees: cover by the soft-sum builder
    ([0, 3, 5, 6], None),
])


def test_sub_model_prices_its_part_of_the_objective(instance1, people, days):
    """A model of some employees (the others fixed, as a neighbourhood search builds it), with
    their rows fixed to a roster, costs exactly that roster's part of the objective — what the
    search compares to accept a move."""
    roster = random_feasible_roster(instance1, 3)
    roster[7][9] = None if roster[7][9] else "D"  # employee 7 is never modelled here
    cm = build_model(instance1, staff=people, fixed=roster, priced_days=days)
    for i, p in enumerate(people):
        for d, sid in enumerate(roster[p]):
            cm.model.add(cm.x[i][d][0] == int(sid == "D"))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(cm.model) == cp_model.OPTIMAL
    assert round(solver.objective_value) == part_objective(instance1, roster, people, days)
    assert part_objective(instance1, roster, range(8), None) == \
        evaluate(instance1, roster).objective
