"""The search: Instance1 solved to its proven optimum; every start (whole model, greedy,
dynamic program, with column generation) ends in a roster the evaluator checks; the
neighbourhoods drawn around a cover left short (staff with slack, ejection chains)."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from benchmarks.curtois.colgen import BestResponse
from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.reader import parse_instance
from benchmarks.curtois.search import (
    Incumbents,
    construct,
    ejection_chain,
    solve,
    staff_with_slack,
)


@pytest.fixture(scope="module")
def solved1(instance1):
    return solve(instance1, time_limit_seconds=40, workers=2, seed=0)


def test_solving_instance1_reaches_the_proven_optimum_and_the_evaluator_agrees(instance1,
                                                                             solved1):
    assert solved1.status == "OPTIMAL"
    assert solved1.objective == 607  # proven optimum (best_known_summary.csv)
    ev = evaluate(instance1, solved1.roster)
    assert ev.violations == ()
    assert ev.objective == 607


@pytest.mark.slow
def test_greedy_start_then_neighbourhood_search_gives_a_checked_roster(instance1):
    """The path of the half-year and year instances (one employee at a time, then the
    neighbourhood search), on Instance1: a roster that keeps every hard rule, priced as the
    evaluator prices it."""
    sol = solve(instance1, time_limit_seconds=4, workers=1, seed=1, start="greedy")
    ev = evaluate(instance1, sol.roster)
    assert ev.violations == ()
    assert sol.objective == ev.objective
    assert sol.status == "FEASIBLE" and sol.objective >= 607


@pytest.mark.slow
def test_solve_with_column_generation_after_a_short_first_phase(instance1):
    """The path of Instances 4-7 (a short whole-model run, column generation, dive, then the
    neighbourhood search) gives a checked roster; a proven optimum is reported as such."""
    sol = solve(instance1, time_limit_seconds=4, workers=2, seed=0, column_generation=True,
                lns_share=0.999)
    ev = evaluate(instance1, sol.roster)
    assert ev.violations == ()
    assert sol.objective == ev.objective
    assert sol.bound <= 607 <= sol.objective
    assert (sol.status == "OPTIMAL") == (sol.objective == sol.bound)


def test_construct_by_the_dynamic_program_keeps_every_rule(instance1):
    now = time.perf_counter()
    br = BestResponse(instance1)
    roster, best = construct(instance1, now + 20, 1, 0, now, Incumbents(now, False), False,
                              best_response=br)
    ev = evaluate(instance1, roster)
    assert ev.violations == () and best == ev.objective
    assert all(program is not False for program in br.programs)  # every employee by the DP


def test_construct_by_cp_sat_keeps_every_rule(instance1):
    """The greedy start without the dynamic program: each employee's own model solved by CP-SAT
    against the cover left by the employees before, a roster that keeps every hard rule."""
    now = time.perf_counter()
    roster, best = construct(instance1, now + 20, 1, 0, now, Incumbents(now, False), False)
    ev = evaluate(instance1, roster)
    assert ev.violations == () and best == ev.objective >= 607


@pytest.mark.slow
def test_solve_with_the_dp_start_gives_a_checked_roster(instance1):
    sol = solve(instance1, time_limit_seconds=4, workers=1, seed=0, start="dp",
                column_generation=False)
    ev = evaluate(instance1, sol.roster)
    assert ev.violations == () and sol.objective == ev.objective >= 607


SLACK = """
SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,

SECTION_STAFF
A,E=7|L=7,480,0,7,1,1,2
B,E=7|L=7,480,0,7,1,1,2
C,E=7|L=7,480,0,7,1,1,2
D,E=7|L=7,480,0,7,1,1,2
F,E=7|L=7,480,0,7,1,1,2
G,E=7|L=7,480,0,7,1,1,2

SECTION_DAYS_OFF

SECTION_SHIFT_ON_REQUESTS

SECTION_SHIFT_OFF_REQUESTS

SECTION_COVER
2,E,3,100,1
2,L,1,100,1
"""


def test_with_slack_draws_employees_who_could_work_more_and_who_can_hand_over_a_shift():
    """Half the employees drawn (rounded down) have room for one more shift, half the rest
    work, on a day whose cover is short, a shift whose cover is met there; the rest are
    random. Six employees of one 480-min shift each (their maximum): on day 2, A and B work
    E (3 wanted: short), C works L (1 wanted: met)."""
    inst = parse_instance(SLACK, "slack")
    roster = [[None] * 7 for _ in range(6)]
    roster[0][2] = roster[1][2] = "E"
    roster[2][2] = "L"
    roster[3][0] = roster[4][0] = roster[5][0] = "E"
    for seed in range(20):
        picked = staff_with_slack(inst, roster, random.Random(seed), 2)
        assert len(set(picked)) == 2 and 2 in picked  # C could take E if someone took L
    # G (index 5) may work 1440 min: the only one with room, always drawn.
    staff = list(inst.staff)
    staff[5] = replace(staff[5], max_total_minutes=1440)
    inst = replace(inst, staff=staff)
    for seed in range(20):
        picked = staff_with_slack(inst, roster, random.Random(seed), 2)
        assert len(set(picked)) == 2 and 5 in picked


def test_chain_follows_the_shift_handed_on_from_a_cover_left_short():
    """Day 2 wants 3 E and has 2 (A, B). Whoever takes the hole is not on E that day (C, on
    L, hands L on; D, F or G, off but at their 480-min maximum, hand on their E of day 0),
    and the next employee takes what was handed on: after D, F or G someone off E on day 0
    (A, B or C). So two drawn are never A and B, nor two of D, F, G."""
    inst = parse_instance(SLACK, "slack")
    roster = [[None] * 7 for _ in range(6)]
    roster[0][2] = roster[1][2] = "E"
    roster[2][2] = "L"
    roster[3][0] = roster[4][0] = roster[5][0] = "E"
    A, B, C, D, F, G = range(6)
    firsts = set()
    for seed in range(40):
        (first,) = ejection_chain(inst, roster, random.Random(seed), 1)
        firsts.add(first)
        picked = set(ejection_chain(inst, roster, random.Random(seed), 2))
        assert len(picked) == 2 and picked != {A, B} and not picked <= {D, F, G}
    assert firsts == {C, D, F, G}
    # G may work 1440 min: off on day 2 with room for E, the chain can end with G alone.
    staff = list(inst.staff)
    staff[G] = replace(staff[G], max_total_minutes=1440)
    roomy = replace(inst, staff=staff)
    assert G in {ejection_chain(roomy, roster, random.Random(seed), 1)[0] for seed in range(40)}
    # No cover short: no chain.
    roster[2][2] = "E"
    cover = [c for c in inst.cover if c.shift == "E"]
    assert ejection_chain(replace(inst, cover=cover), roster, random.Random(0), 2) is None
