"""The search (:func:`solve`): a first roster, column generation on the small instances, then a
large-neighbourhood search; every roster it returns is priced as
:func:`~benchmarks.curtois.evaluate.evaluate` prices it.

A first roster from CP-SAT on the whole model (instances up to 84 days and 30,000 shift
literals), or one employee at a time (every hard rule is an employee's own: each employee's
best row against the cover the employees before left, :func:`construct`) — by the dynamic
program and then re-placing every employee against the others until none gains
(:class:`~benchmarks.curtois.colgen.BestResponse`) on 30,000-70,000 literals (Instance13), by
CP-SAT on each employee's model beyond; on instances up to 4,100 shift literals (1-9) column
generation next (:func:`benchmarks.curtois.colgen.column_generation`: whole-roster columns
priced exactly by a dynamic program over each employee's rule states, an LP master over the
cover in HiGHS, a Lagrangian lower bound, dives); then a large-neighbourhood search that
re-solves sub-models of a few employees' whole rosters or of many employees over a window of
days, the rest fixed (:func:`lns`; on Instance13 short steps with the employees drawn around
the cover left short, :func:`staff_with_slack`, and along ejection chains from it,
:func:`ejection_chain`).
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from benchmarks.curtois import colgen
from benchmarks.curtois.colgen import BestResponse
from benchmarks.curtois.evaluate import evaluate, part_objective
from benchmarks.curtois.model import build_model, read_roster, set_parameters
from benchmarks.curtois.reader import Instance

__all__ = [
    "COLUMN_GENERATION_LITERALS",
    "FULL_MODEL_DAYS",
    "FULL_MODEL_LITERALS",
    "LARGE_MODEL_LITERALS",
    "Incumbents",
    "Solution",
    "construct",
    "ejection_chain",
    "lns",
    "solve",
    "solve_part",
    "staff_with_slack",
]


@dataclass(frozen=True)
class Solution:
    """A solve's outcome. ``roster[p][d]`` is the shift id worked, or ``None`` (day off)."""

    instance: str
    status: str
    objective: int | None
    bound: float
    wall_seconds: float
    first_seconds: float | None
    best_seconds: float | None
    roster: tuple[tuple[str | None, ...], ...] | None


class Incumbents(cp_model.CpSolverSolutionCallback):
    """Every improvement of a solve as ``times``: ``[(seconds since started [s], objective)]``
    (CP-SAT's incumbents and the search's own); printed to stderr when ``verbose``."""

    def __init__(self, started: float, verbose: bool):
        super().__init__()
        self.started, self.verbose = started, verbose
        self.times: list[tuple[float, float]] = []

    #: Roster rows of every incumbent (``x[p][d][s]`` literals read when ``lits`` is set):
    #: the first columns of :func:`colgen.column_generation`.
    lits = None
    rows: list

    def on_solution_callback(self) -> None:
        t = time.perf_counter() - self.started
        self.times.append((t, self.objective_value))
        if self.lits is not None:
            self.rows.append([[next((s for s, lit in enumerate(xd) if self.boolean_value(lit)),
                                    None) for xd in xp] for xp in self.lits])
        if self.verbose:
            print(f"  {t:7.1f} s  objective {self.objective_value:.0f}  "
                  f"bound {self.best_objective_bound:.0f}", file=sys.stderr)


#: Instances with at most this many shift literals (staff x days x shift types) and days start
#: with CP-SAT on the whole model (it proves Instances 1-3 optimal in seconds); the others
#: (Instances 20-24: half a year or a year) are built one employee at a time first — CP-SAT on
#: the whole model finds no roster of them in 60 s.
FULL_MODEL_LITERALS = 70000
FULL_MODEL_DAYS = 84
#: Above this many shift literals (of the instances up to :data:`FULL_MODEL_DAYS` days:
#: Instance13, 120 staff x 28 days x 18 shift types) the whole model's quarter of the time
#: gives a poor first roster, where the dynamic program places every employee and re-places
#: them until none gains (``start="dp"``: better and faster, docs/benchmarks-log.md); the
#: neighbourhood search then takes short steps on small neighbourhoods aimed at the cover
#: left short (``targeted``: see :func:`staff_with_slack`).
LARGE_MODEL_LITERALS = 30000


#: Instances up to this many shift literals get column generation after the first roster
#: (Instances 1-9; 1-3 are proven optimal before it starts): with the pricing dynamic program
#: their LP converges within the limit; from 10 on (40+ staff, 5+ shift types) the
#: whole-model run and the neighbourhood search keep the time (timings in
#: docs/benchmarks-log.md, Curtois).
COLUMN_GENERATION_LITERALS = 4100


def solve(inst: Instance, *, time_limit_seconds: float = 60.0, workers: int = 2,
          seed: int = 0, subsolver: str | None = "max_lp", lns_share: float | None = None,
          start: str = "auto", column_generation: bool | None = None, cg_until: float = 0.5,
          master_until: float = 0.8, verbose: bool = False) -> Solution:
    """Build and solve ``inst`` with CP-SAT within ``time_limit_seconds`` [s].

    Three phases:

    1. A first roster. ``start="full"``: CP-SAT on the whole model for ``1 - lns_share`` of
       the time; ``subsolver`` names its full-problem worker (``max_lp``, linearization level
       2 with cuts, proves Instance2 and 3 optimal in seconds where the default worker's
       bound stays far below; ``None`` keeps CP-SAT's default portfolio), the other
       worker runs CP-SAT's own neighbourhood searches; its bound is the lower bound reported
       and a proven optimum ends the solve. ``start="greedy"``: one employee after the other,
       each employee's own model (every hard rule is an employee's own) solved by CP-SAT with
       the cover left by the employees placed before — a roster of every instance in seconds.
       ``start="dp"``: the same, each employee placed by
       :class:`~benchmarks.curtois.colgen.RosterDP` where it can, then
       :meth:`BestResponse.sweeps` re-place every employee against the others until none gains
       (for up to 15 % of the time). ``"auto"``: ``full`` up to :data:`FULL_MODEL_LITERALS`
       shift literals and :data:`FULL_MODEL_DAYS` days (``dp`` above
       :data:`LARGE_MODEL_LITERALS`), else ``greedy``.
    2. ``column_generation`` (default: on with ``start="full"`` up to
       :data:`COLUMN_GENERATION_LITERALS` shift literals; the first phase then gets a tenth of
       the time, not a quarter, unless ``lns_share`` says otherwise): column generation until
       ``cg_until`` of the time, its lower bound (reported as the bound when higher than
       CP-SAT's; a roster at the bound ends the solve), and a dive to a roster until
       ``master_until`` (:func:`colgen.column_generation`).
    3. Large-neighbourhood search for the rest (:func:`lns`), until the time limit or the
       lower bound; above :data:`LARGE_MODEL_LITERALS` with 3-s steps from 3 employees' whole
       rosters, the freed employees aimed at the cover left short (:func:`staff_with_slack`,
       :func:`ejection_chain`).
    """
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    callback = Incumbents(started, verbose)
    size = len(inst.staff) * inst.days * len(inst.shifts)
    large = LARGE_MODEL_LITERALS < size <= FULL_MODEL_LITERALS and inst.days <= FULL_MODEL_DAYS
    if start == "auto":
        start = ("dp" if large else "full"
                 if size <= FULL_MODEL_LITERALS and inst.days <= FULL_MODEL_DAYS else "greedy")
    if column_generation is None:
        column_generation = start == "full" and size <= COLUMN_GENERATION_LITERALS
    if lns_share is None:
        # With column generation the whole-model run only proves the tiny instances (1-2 in
        # 1-5 s) and gives first columns: column generation needs the time more.
        lns_share = 0.9 if column_generation else 0.75
    bound = -math.inf
    name = "UNKNOWN"
    if start == "full":
        cm = build_model(inst)
        solver = cp_model.CpSolver()
        set_parameters(solver, time_limit_seconds * (1 - lns_share), workers, seed, subsolver)
        if column_generation:
            callback.lits, callback.rows = cm.x, []
        status = solver.solve(cm.model, callback)
        callback.lits = None
        name = solver.status_name(status)
        bound = solver.best_objective_bound
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            roster, best = None, None
        else:
            roster = [list(row) for row in read_roster(inst, cm, solver.boolean_value)]
            # The penalty variables are only bounded below by what they price: a roster that is
            # not proven optimal may carry slack in them, so its cost is recomputed.
            best = part_objective(inst, roster, range(len(roster)), None)
            if status == cp_model.OPTIMAL:
                return _solution(inst, name, best, bound, started, callback, roster)
    elif start == "greedy":
        roster, best = construct(inst, deadline, workers, seed, started, callback, verbose)
        name = "UNKNOWN" if roster is None else "FEASIBLE"
    elif start == "dp":
        best_response = BestResponse(inst)
        roster, best = construct(inst, deadline, workers, seed, started, callback, verbose,
                                  best_response)
        if roster is not None:
            best -= round(best_response.sweeps(
                roster, min(deadline, time.perf_counter() + 0.15 * time_limit_seconds),
                rng=random.Random(seed)))
            callback.times.append((time.perf_counter() - started, float(best)))
            if verbose:
                print(f"  {callback.times[-1][0]:7.1f} s  objective {best:.0f}  "
                      "(best-response sweeps)", file=sys.stderr)
        name = "UNKNOWN" if roster is None else "FEASIBLE"
    else:
        raise ValueError(f"start must be 'auto', 'full', 'greedy' or 'dp', got {start!r}")
    if roster is None and start == "full" and time.perf_counter() < deadline - 0.5:
        # No roster from the whole model: build one an employee at a time.
        roster, best = construct(inst, deadline, workers, seed, started, callback, verbose)
    if roster is None:
        return Solution(inst.name, name, None, bound, time.perf_counter() - started, None,
                        None, None)
    name = "FEASIBLE"
    if column_generation:
        incumbents = [[[None if s is None else inst.shifts[s].id for s in row] for row in rows]
                      for rows in getattr(callback, "rows", [])]
        roster, best, lower = colgen.column_generation(
            inst, roster, best, incumbents, started + cg_until * time_limit_seconds,
            started + master_until * time_limit_seconds, workers, seed, started, callback,
            verbose)
        bound = max(bound, math.ceil(lower - 1e-6)) if math.isfinite(lower) else bound
        if best <= bound:
            return _solution(inst, "OPTIMAL", best, bound, started, callback, roster)
    best, roster = lns(inst, roster, best, deadline, workers, seed, started, callback,
                        verbose, bound, **(dict(step_seconds=3.0, staff_k=3, targeted=True)
                                           if large else {}))
    if best <= bound:
        name = "OPTIMAL"
    return _solution(inst, name, best, bound, started, callback, roster)


def _solution(inst, name, best, bound, started, callback, roster) -> Solution:
    times = callback.times
    # Incumbents are recorded as they improve (the last is the roster returned; CP-SAT's own
    # values may exceed the exact cost by slack in the penalty variables).
    best_t = times[-1][0] if times else None
    return Solution(inst.name, name, best, bound, time.perf_counter() - started,
                    times[0][0] if times else None, best_t,
                    tuple(tuple(r or None for r in row) for row in roster))


def solve_part(inst, roster, people, days, seconds, workers, seed, cap=None,
                subsolver=None):
    """Re-solve employees ``people`` on ``days`` (a set, or ``None`` for all), everything else
    as in ``roster``; the incumbent is the hint. Returns (status, sub-objective, rows) — the
    rows of ``people`` in the solution, or ``None``."""
    cm = build_model(inst, staff=people, fixed=roster, priced_days=days)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    fixed = []
    for i, p in enumerate(people):
        for d, xd in enumerate(cm.x[i]):
            current = roster[p][d]
            for s, lit in enumerate(xd):
                v = current is not None and sidx[current] == s
                cm.model.add_hint(lit, v)
                if days is not None and d not in days:
                    fixed.append(lit if v else lit.Not())
    if fixed:
        cm.model.add_bool_and(fixed)
    if cap is not None:
        cm.model.add(cm.objective_expr() <= cap)
    solver = cp_model.CpSolver()
    set_parameters(solver, seconds, workers, seed, subsolver)
    status = solver.solve(cm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None, None, solver.wall_time
    rows = read_roster(inst, cm, solver.boolean_value)
    return status, round(solver.objective_value), rows, solver.wall_time


def construct(inst, deadline, workers, seed, started, callback, verbose, best_response=None):
    """A first roster, one employee at a time (file order): each employee's best row against
    the cover left by the employees before — by ``best_response``'s dynamic program when
    given and it can, else CP-SAT on the employee's own model. Returns (roster, objective) or
    (None, None)."""
    n, D = len(inst.staff), inst.days
    roster: list[list[str | None]] = [[None] * D for _ in range(n)]
    counts = None if best_response is None else best_response.counts(roster)
    for k, p in enumerate(range(n)):
        if best_response is not None and best_response.place(roster, p, counts):
            continue
        left = deadline - time.perf_counter()
        seconds = max(0.2, min(5.0, 0.6 * left / (n - k)))
        rows = None
        while rows is None:
            # No roster within the time (rare: an employee whose totals are hard to meet
            # around fixed days off): try again with more time, up to the deadline.
            status, _, rows, _ = solve_part(inst, roster, [p], None, seconds, workers,
                                             seed + p, subsolver="max_lp")
            if rows is None and (status == cp_model.INFEASIBLE
                                 or time.perf_counter() > deadline - 0.5):
                if verbose:
                    print(f"  greedy: no roster for {inst.staff[p].id} ({status})",
                          file=sys.stderr)
                return None, None
            seconds *= 2
        roster[p] = list(rows[0])
        if counts is not None:
            for d, sid in enumerate(roster[p]):
                if sid:
                    counts[d, best_response.sidx[sid]] += 1
        if verbose and (k + 1) % 10 == 0:
            print(f"  greedy: {k + 1} of {n} employees placed at "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    best = evaluate(inst, roster).objective
    callback.times.append((time.perf_counter() - started, float(best)))
    if verbose:
        print(f"  {callback.times[-1][0]:7.1f} s  objective {best}  (greedy start)",
              file=sys.stderr)
    return roster, best


def lns(inst, roster, best, deadline, workers, seed, started, callback, verbose,
         bound=-math.inf, step_seconds=None, staff_k=None, targeted=False):
    """Phase 2 of :func:`solve`: improve ``roster`` (objective ``best``) until ``deadline``.

    Each step frees part of the incumbent and re-solves it with CP-SAT (the sub-model of the
    freed employees, the others fixed, the incumbent as hint, the objective capped at the
    incumbent's). Neighbourhoods:

    - ``staff``: a few employees' whole rosters (the runs, weekends and totals of a contract
      only change when all its days are free);
    - ``window``: every employee (up to a size cap) over a window of days (how the cover of a
      week is shared out);
    - ``worst``: a window around a day drawn in proportion to its cover penalty;
    - ``chain`` (only ``targeted``): the whole rosters of the employees along an ejection
      chain from a cover left short (:func:`ejection_chain`).

    Half the steps are whole rosters, ``staff`` (on Instances 5-6 the window neighbourhoods
    reach a local optimum within seconds; whole rosters keep improving), or with ``targeted``
    one ``staff`` and one ``chain`` in four (better on Instance13 than two ``staff``:
    BENCHMARKS.md, "Curtois shift-scheduling benchmark").
    Each neighbourhood's size grows when CP-SAT proves it optimal quickly and shrinks when it
    times out. ``step_seconds`` (default 5 % of the time) and ``staff_k`` (the first
    ``staff`` size; ``chain`` starts one larger) override the defaults; ``targeted`` draws the
    ``staff`` and ``window`` employees by :func:`staff_with_slack` instead of at random.
    """
    rng = random.Random(seed)
    n, D, S = len(inst.staff), inst.days, len(inst.shifts)
    # Sub-models above this many shift literals take too long to build and solve per step.
    cap_literals = 12000
    if staff_k is None:
        staff_k = max(2, min(n // 8, cap_literals // (D * S)))
    window = min(D, 7)
    chain_k = staff_k + 1
    kinds = ("staff", "window", "chain" if targeted else "staff", "worst")
    iteration = 0
    total = deadline - started
    step = max(1.0, 0.05 * total) if step_seconds is None else step_seconds
    while time.perf_counter() < deadline - 0.2 and best > bound:
        iteration += 1
        kind = kinds[iteration % len(kinds)]
        seconds = step
        if kind == "chain":
            people = ejection_chain(inst, roster, rng, min(max(1, chain_k), n))
            if people is None:  # no cover left short
                kind = "staff"
            days = None
        if kind == "staff":
            people = (staff_with_slack(inst, roster, rng, min(max(1, staff_k), n)) if targeted
                      else sorted(rng.sample(range(n), min(max(1, staff_k), n))))
            days = None
        elif kind == "window" or kind == "worst":
            width = min(D, window)
            if kind == "window":
                first = rng.randrange(0, D - width + 1)
            else:
                penalty = _cover_penalty_by_day(inst, roster)
                centre = rng.choices(range(D), weights=penalty)[0] if sum(penalty) else \
                    rng.randrange(D)
                first = max(0, min(D - width, centre - width // 2))
            days = set(range(first, first + width))
            most = max(2, 20000 // (D * S))
            people = list(range(n))
            if n > most:
                people = staff_with_slack(inst, roster, rng, most, days) if targeted else \
                    sorted(rng.sample(people, most))
        part = part_objective(inst, roster, people, days)
        seconds = min(seconds, deadline - time.perf_counter())
        if seconds < 0.1:
            break
        status, found, rows, wall = solve_part(inst, roster, people, days, seconds, workers,
                                                seed + iteration, part, "max_lp")
        if rows is not None:
            for i, p in enumerate(people):
                roster[p] = list(rows[i])
            found = part_objective(inst, roster, people, days)  # the exact cost, no slack
            if found < part:
                best -= part - found
                callback.times.append((time.perf_counter() - started, float(best)))
                if verbose:
                    print(f"  {callback.times[-1][0]:7.1f} s  objective {best}  (lns {kind})",
                          file=sys.stderr)
            if os.environ.get("CURTOIS_CHECK"):
                assert evaluate(inst, roster).objective == best, (kind, people, days, found,
                                                                  part, best)
        exhausted = status == cp_model.OPTIMAL and wall < 0.5 * seconds
        if verbose:
            print(f"    lns {kind} {len(people)} staff x {D if days is None else len(days)} "
                  f"days: {status.name} {wall:.2f} s", file=sys.stderr)
        if kind == "staff":
            staff_k = min(n, staff_k + 1) if exhausted else max(2, staff_k - 1)
        elif kind == "chain":
            chain_k = min(n, chain_k + 1) if exhausted else max(2, chain_k - 1)
        else:
            window = min(D, window + 1) if exhausted else max(2, window - 1)
    return best, roster


def ejection_chain(inst, roster, rng, k):
    """``k`` employees along an ejection chain from a cover left short: someone allowed the
    short shift takes it (off that day with minutes to spare ends the chain; off without
    them hands one of their shifts on; on another shift that day hands that one on) and the
    next employee is drawn for the shift handed on, and so on — the employees a repair of that
    hole needs, for CP-SAT to re-roster together. ``None`` when no cover is short."""
    n = len(inst.staff)
    counts = _cover_counts(roster)
    short = [c for c in inst.cover if counts.get((c.day, c.shift), 0) < c.requirement]
    if not short:
        return None
    lengths = {sh.id: sh.length_minutes for sh in inst.shifts}
    spare = [inst.staff[p].max_total_minutes - sum(lengths[s] for s in roster[p] if s)
             for p in range(n)]
    used = [{} for _ in range(n)]
    for p, row in enumerate(roster):
        for s in row:
            if s:
                used[p][s] = used[p].get(s, 0) + 1
    days_off = {p: set(inst.days_off.get(st.id, ())) for p, st in enumerate(inst.staff)}
    hole = rng.choice(short)
    wanted = [(hole.day, hole.shift)]
    chosen: list[int] = []
    while wanted and len(chosen) < k:
        d, sid = wanted.pop(0)
        ends, hands, swaps = [], [], []
        for p in range(n):
            if p in chosen or d in days_off[p] or roster[p][d] == sid:
                continue
            if used[p].get(sid, 0) >= inst.staff[p].max_shifts.get(sid, inst.days):
                continue
            if roster[p][d] is None:
                (ends if spare[p] >= lengths[sid] else hands).append(p)
            else:
                swaps.append(p)
        pools = [pool for pool in (ends, hands, swaps) if pool]
        if not pools:
            continue
        # Mostly the pool that ends the chain soonest; sometimes a longer chain.
        pool = pools[0] if rng.random() < 0.6 else rng.choice(pools)
        p = rng.choice(pool)
        chosen.append(p)
        if roster[p][d] is not None:
            wanted.append((d, roster[p][d]))
        elif spare[p] < lengths[sid]:
            mine = [(e, s) for e, s in enumerate(roster[p]) if s]
            if mine:
                wanted.append(rng.choice(mine))
    rest = [p for p in range(n) if p not in chosen]
    chosen.extend(rng.sample(rest, min(len(rest), k - len(chosen))))
    return sorted(chosen)


def staff_with_slack(inst, roster, rng, k, days=None):
    """``k`` employees for a neighbourhood where the staff's minutes barely cover the demand
    (Instance13: 939,000 minutes at most for 941,160 required), so a cover left short can only
    be met by an employee who could work one more shift, and only when others make room: up to
    half drawn among those whose worked minutes are at least the shortest shift below their
    maximum, half the rest among those working, on a day drawn from the cover left short (in
    ``days`` when some is), a shift whose cover is not short (who can hand it over and take
    the short one), the rest at random."""
    n = len(inst.staff)
    shortest = min(sh.length_minutes for sh in inst.shifts)
    lengths = {sh.id: sh.length_minutes for sh in inst.shifts}
    slack = [p for p in range(n) if inst.staff[p].max_total_minutes
             - sum(lengths[s] for s in roster[p] if s) >= shortest]
    chosen = set(rng.sample(slack, min(len(slack), k // 2)))
    rest = [p for p in range(n) if p not in chosen]
    counts = _cover_counts(roster)
    short = [c.day for c in inst.cover if counts.get((c.day, c.shift), 0) < c.requirement]
    if days is not None and any(d in days for d in short):
        short = [d for d in short if d in days]
    if short:
        day = rng.choice(short)
        wanting = {c.shift for c in inst.cover if c.day == day
                   and counts.get((c.day, c.shift), 0) < c.requirement}
        near = [p for p in rest if roster[p][day] and roster[p][day] not in wanting]
        chosen.update(rng.sample(near, min(len(near), (k - len(chosen)) // 2)))
        rest = [p for p in range(n) if p not in chosen]
    chosen.update(rng.sample(rest, min(len(rest), k - len(chosen))))
    return sorted(chosen)


def _cover_counts(roster) -> dict[tuple[int, str], int]:
    """``{(day, shift id): employees working it}``."""
    counts: dict[tuple[int, str], int] = {}
    for row in roster:
        for d, sid in enumerate(row):
            if sid:
                counts[d, sid] = counts.get((d, sid), 0) + 1
    return counts


def _cover_penalty_by_day(inst: Instance, roster) -> list[int]:
    counts = _cover_counts(roster)
    penalty = [0] * inst.days
    for c in inst.cover:
        have = counts.get((c.day, c.shift), 0)
        penalty[c.day] += (c.weight_under * max(c.requirement - have, 0)
                           + c.weight_over * max(have - c.requirement, 0))
    return penalty
