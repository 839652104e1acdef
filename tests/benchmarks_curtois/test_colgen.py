"""Column generation: the pricing dynamic program against CP-SAT on the employee's own model,
the best-response search against the employee's optimum, the Lagrangian bound below the proven
optimum, the dives and the LP-guided finish ending in rosters the evaluator checks."""

from __future__ import annotations

import itertools
import random
import time

import numpy as np
import pytest
from ortools.sat.python import cp_model
from tests.benchmarks_curtois.curtois_helpers import (
    column_generation_from_a_random_roster,
    cp_sat_cheapest_row,
    dp_cases,
    random_feasible_roster,
)

import benchmarks.curtois.colgen as colgen
from benchmarks.curtois.colgen import BestResponse, RosterDP, lp_guided, reset_dive, row_cost
from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.model import build_model
from benchmarks.curtois.reader import instance_path, parse_instance, read_instance
from benchmarks.curtois.search import Incumbents
from staffing.solver.decomposition import Master, generate


# ----------------------------------------------------------------------------- pricing DP
#: One employee, eight days, each rule of the benchmark alone rejecting some rows: E (480 min)
#: at most 3 times, E cannot follow L (600 min), 1,440-2,200 min, runs of exactly 2 shifts and
#: of >= 2 days off (runs touching day 0 or day 7 exempt), day 1 off, at most ``{weekends}``
#: weekends (one weekend in the horizon: days 5-6).
WEEK = """
SECTION_HORIZON
8

SECTION_SHIFTS
E,480,
L,600,E

SECTION_STAFF
A,E=3|L=8,2200,1440,2,2,2,{weekends}

SECTION_DAYS_OFF
A,1

SECTION_SHIFT_ON_REQUESTS

SECTION_SHIFT_OFF_REQUESTS

SECTION_COVER
"""


@pytest.mark.parametrize("weekends, rows_kept", [
    (1, 48),
    (0, 25),
])

def test_roster_dp_equals_brute_force_over_every_row(weekends, rows_kept):
    """All 3^8 rows of ``WEEK``, each kept when the independent evaluator finds no violation:
    the dynamic program's cheapest row costs the cheapest kept row's cost, on random costs, and
    is itself kept."""
    inst = parse_instance(WEEK.format(weekends=weekends), "week")
    options = ["E", "L", None]
    kept = [row for row in itertools.product(options, repeat=8)
            if evaluate(inst, [row]).feasible]
    assert len(kept) == rows_kept  # of 6,561
    dp = RosterDP.for_employee(inst, 0)
    for seed in range(5):
        rng = random.Random(seed)
        cost = [[rng.randint(-60, 60) / 7 for _ in range(3)] for _ in range(8)]
        brute = min(sum(cost[d][options.index(s)] for d, s in enumerate(row)) for row in kept)
        value, row = dp.solve(cost, 1)[0]
        assert value == pytest.approx(brute)
        assert tuple(None if s is None else inst.shifts[s].id for s in row) in kept


@pytest.mark.parametrize("which", ["tiny", "instance1"])
def test_roster_dp_finds_the_cheapest_row_cp_sat_finds(which, request):
    """The dynamic program's cheapest row keeps every hard rule of the employee (the
    independent evaluator) and costs what CP-SAT's optimum on the employee's model costs, on
    random costs; the next rows cost no less."""
    inst = request.getfixturevalue(which)
    for p, cost in dp_cases(inst, range(3)):
        dp = RosterDP.for_employee(inst, p)
        found = dp.solve(cost, 3)
        value, row = found[0]
        roster = [[None] * inst.days for _ in inst.staff]
        roster[p] = [None if s is None else inst.shifts[s].id for s in row]
        mine = [v for v in evaluate(inst, roster).violations
                if v.startswith(inst.staff[p].id + " ") or v.startswith(inst.staff[p].id + ":")]
        assert mine == []
        S = len(inst.shifts)
        assert value == pytest.approx(sum(cost[d][S if s is None else s]
                                          for d, s in enumerate(row)))
        assert value == pytest.approx(cp_sat_cheapest_row(inst, p, cost), abs=inst.days / 1000)
        assert [v for v, _ in found] == sorted(v for v, _ in found)


def test_roster_dp_on_four_shift_types_and_a_forced_day(shared_instances):
    """Instance 9 (four shift types of 480 and 600 min, forbidden successions, a night limit):
    the DP equals CP-SAT on a few employees, and an infinite cost keeps an option out."""
    inst = read_instance(instance_path(9, shared_instances))
    S = len(inst.shifts)
    for p in (0, 3):
        cost = next(c for q, c in dp_cases(inst, [7]) if q == p)
        dp = RosterDP.for_employee(inst, p)
        value, row = dp.solve(cost)[0]
        assert value == pytest.approx(cp_sat_cheapest_row(inst, p, cost), abs=inst.days / 1000)
        d = next(d for d, s in enumerate(row) if s is not None)
        cost[d] = [c if o == S else float("inf") for o, c in enumerate(cost[d])]
        value2, row2 = dp.solve(cost)[0]
        assert row2[d] is None and value2 >= value - 1e-9


def test_roster_dp_checks_a_limit_left_out_of_its_table(shared_instances, monkeypatch):
    """An employee whose table is too large leaves its highest shift-type limit out of it:
    the rows it returns keep the limit, and its cheapest is CP-SAT's optimum unless it says
    it does not know (None)."""
    inst = read_instance(instance_path(8, shared_instances))
    p = next(p for p in range(len(inst.staff)) if len([
        s for s in inst.staff[p].max_shifts.values() if 0 < s < inst.days]) >= 2)
    full = RosterDP(inst, p)
    monkeypatch.setattr(colgen, "DP_MAX_CELLS", full.cells - 1)
    dp = RosterDP.for_employee(inst, p)
    assert dp is not None and dp.dropped
    (s, top), = dp.dropped
    known = 0
    for seed in range(4):
        cost = next(c for q, c in dp_cases(inst, [seed]) if q == p)
        # Reward the left-out type so that its limit binds in some cases.
        cost = [[c - (5 if o == s else 0) for o, c in enumerate(day)] for day in cost]
        found = dp.solve(cost, 3)
        if found is None:
            continue
        known += 1
        assert all(sum(1 for r in row if r == s) <= top for _, row in found)
        assert found[0][0] == pytest.approx(cp_sat_cheapest_row(inst, p, cost), abs=0.03)
    assert known >= 1


# ----------------------------------------------------------------------------- column generation
@pytest.mark.slow
def test_column_generation_bounds_the_optimum_and_dives_to_a_checked_roster(instance1):
    """From a random roster, the LP over per-employee columns gives a lower bound no higher than
    the proven optimum (607) and close to it, and the dive a roster that keeps every hard rule,
    priced as the evaluator prices it and no worse than the start."""
    roster, best, lower, cost = column_generation_from_a_random_roster(instance1, False)
    assert 550 <= lower <= 607
    ev = evaluate(instance1, roster)
    assert ev.violations == ()
    assert best == ev.objective
    assert lower <= best <= cost


def test_the_column_generation_is_the_products(instance1, monkeypatch):
    """The benchmark's rounds are :func:`staffing.solver.decomposition.generate` on a
    :class:`~staffing.solver.decomposition.Master` (no second solver): every round of its
    column generation goes through it, and the bound it returns is the best one the
    product's engine reported — at most the proven optimum 607."""
    calls = []

    def spy(master, *args, **kwargs):
        assert isinstance(master, Master)
        out = generate(master, *args, **kwargs)
        calls.append(out)
        return out

    monkeypatch.setattr(colgen, "generate", spy)
    roster, best, lower, cost = column_generation_from_a_random_roster(instance1, False, 2, 4)
    assert calls and calls[0].rounds >= 1
    assert lower == calls[0].bound <= 607
    assert evaluate(instance1, roster).violations == () and best <= cost


def test_reset_dive_frees_every_column_and_forgets_every_fixing():
    """After a dive, every generated column gets its bounds [0, inf) back (a column the dive
    cut would otherwise stay out of the next dive), no assignment stays forced, and the LP is
    re-solved: on a master of one cover row (requirement 2, under costs 10) and three
    employees whose columns cost 1, cutting two columns leaves the cover short (LP 11), the
    reset brings the LP back to 2."""
    master = Master()
    master.add_rows(1, 2.0, 2.0)
    master.add_columns(1, 10.0, 0.0, 2.0, [[0]], [[1.0]])
    master.add_columns(1, 10.0, 0.0, 3.0, [[0]], [[-1.0]])
    master.add_groups([1.0, 1.0, 1.0])
    master.freeze()
    for p in range(3):
        master.add_column(p, ("work",), 1.0, {0: 1.0})
        master.add_column(p, ("off",), 0.0, {})
    master.set_upper(0, 0)  # employee 0's working column
    master.set_upper(2, 0)  # employee 1's
    assert master.solve() and master.objective == pytest.approx(11.0)
    forced = [{0: 1, 3: 2}, {}, {5: 0}]
    reset_dive(master, forced)
    upper = np.asarray(master.h.getLp().col_upper_)[master.static:]
    assert np.isinf(upper).all() and len(upper) == 6
    assert forced == [{}, {}, {}]
    assert master.objective == pytest.approx(2.0)


def test_column_generation_dives_again_while_above_the_bound(instance1, monkeypatch, capsys):
    """With the re-dive threshold below any gap (every roster is "too far" above the bound),
    the dive is repeated from the root the number of times allowed, each time to a roster, and
    the result is still a checked roster no worse than the start."""
    monkeypatch.setattr(colgen, "REDIVE_GAP", -1.0)
    monkeypatch.setattr(colgen, "REDIVES", 2)
    roster, best, lower, cost = column_generation_from_a_random_roster(instance1, True)
    dives = [line for line in capsys.readouterr().err.splitlines() if " dive: " in line]
    assert len(dives) == 3
    ev = evaluate(instance1, roster)
    assert ev.violations == ()
    assert best == ev.objective
    assert lower <= best <= cost


@pytest.mark.slow
def test_dive_fixes_fewer_at_once_after_a_step_that_raised_the_lp(shared_instances,
                                                                   monkeypatch, capsys):
    """When both groups of a step raise the LP beyond the tolerance (here every group does),
    neither is kept and the groups are halved: on Instance5 (whose first steps fix groups of
    five) the dive never fixes more than one assignment a step — it used to keep the cheaper
    group (Instance8's drift from an LP of 1310 to 1368 in one step) — and still ends in a
    checked roster."""
    import re

    inst = read_instance(instance_path(5, shared_instances))
    monkeypatch.setattr(colgen, "DIVE_TOLERANCE", -1e9)
    monkeypatch.setattr(colgen, "REDIVES", 0)
    roster, best, lower, cost = column_generation_from_a_random_roster(inst, True, 4, 7)
    fixed = [int(m.group(1)) for m in re.finditer(r"dive step \d+: LP [-\d.]+, (\d+) fixed",
                                                   capsys.readouterr().err)]
    assert len(fixed) >= 3
    assert all(0 <= b - a <= 1 for a, b in zip([0] + fixed, fixed))
    assert fixed[-1] >= 1
    ev = evaluate(inst, roster)
    assert ev.violations == ()
    assert best == ev.objective <= cost


# ----------------------------------------------------------------------------- LP-guided
def test_lp_guided_keeps_its_fixings_and_never_returns_a_worse_roster(instance1):
    """CP-SAT with some assignments fixed (here: half of a random feasible roster's days of
    three employees) returns a checked roster that keeps the fixings, no worse than the one
    it is given, priced as the evaluator prices it."""
    start = random_feasible_roster(instance1, 3)
    cost = evaluate(instance1, start).objective
    fixings = {(p, d): (0 if start[p][d] else 1) for p in (0, 2, 5) for d in range(0, 14, 2)}
    now = time.perf_counter()
    roster, best = lp_guided(instance1, fixings, start, [list(r) for r in start], cost,
                              now + 10, 2, 0, now, Incumbents(now, False), False)
    ev = evaluate(instance1, roster)
    assert ev.violations == () and best == ev.objective <= cost
    if best < cost:
        assert all(bool(roster[p][d]) == (o == 0) for (p, d), o in fixings.items())
    assert best >= 607


# ----------------------------------------------------------------------------- best response
def one_employee_optimum(inst, roster, p):
    """CP-SAT's optimum of employee ``p``'s own model, the others fixed as in ``roster``,
    plus the others' requests (which that model leaves out): the best whole-roster objective
    reachable by changing row ``p`` alone."""
    cm = build_model(inst, staff=[p], fixed=roster)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(cm.model) == cp_model.OPTIMAL
    requests = sum(row_cost(inst, q, row) for q, row in enumerate(roster) if q != p)
    return round(solver.objective_value) + requests


def test_best_response_finds_the_employees_optimum_and_prices_its_gain(instance1):
    """Re-rostering one employee gives that employee's optimal row against the others (what
    CP-SAT finds on the employee's own model) and the gain it reports is the objective's exact
    decrease; on a random roster most employees move."""
    br = BestResponse(instance1)
    moved = 0
    for seed in (2, 9):
        roster = random_feasible_roster(instance1, seed)
        for p in range(len(instance1.staff)):
            before = evaluate(instance1, roster).objective
            target = one_employee_optimum(instance1, roster, p)
            gain = br.improve(roster, p, br.counts(roster))
            ev = evaluate(instance1, roster)
            assert ev.violations == ()
            assert ev.objective == before - gain == target
            moved += gain > 0
    assert moved >= 4


def test_best_response_sweeps_end_at_a_local_optimum(instance1):
    roster = random_feasible_roster(instance1, 4)
    start = evaluate(instance1, roster).objective
    br = BestResponse(instance1)
    gain = br.sweeps(roster, time.perf_counter() + 30, rng=random.Random(0))
    ev = evaluate(instance1, roster)
    assert ev.violations == () and gain > 0 and ev.objective == start - gain
    counts = br.counts(roster)
    assert all(br.improve(roster, p, counts) == 0 for p in range(len(instance1.staff)))
