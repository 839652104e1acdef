"""Break placement: every place the solver decides where breaks and lunches go.

- Which shifts take which break rule, and their unpaid minutes (:func:`breaks_taken`, used by
  :func:`~staffing.solver.shifts.shift_table`); the rules in interval units
  (:class:`BreakSpec`, :func:`break_specs`). These three live in :mod:`~staffing.solver.shifts`
  (below the problem, which this module's functions take) and are re-exported here.
- In the CP-SAT model, breaks are counted per skill profile, not placed per agent (Bechtold &
  Jacobs style): :func:`add_break_counts` adds the cumulative break starts ``CB`` of a profile
  and rule, bounded by the shifts started ``latest..earliest`` intervals before (the rule
  ``break_windows``); :func:`add_break_cap` the cap on a queue's agents on break (the rule
  ``break_cap``). Both are called by :func:`~staffing.solver.coverage.add_interval_coverage`.
- With every window the same width relative to the shift start, matching the k-th break to the
  k-th shift (first in, first out) is feasible exactly when those bounds hold:
  :func:`assign_breaks` gives each shift its break from the counts.
- The heuristic places the counts itself (:func:`place_breaks`: each break where the profile's
  queues have most to spare, within the cap), and values a shift before its break is placed by
  the break's expected share of its window (:func:`break_share`).
- The neighbourhood search splits a roster's break counts into a fixed and a freed part and adds
  them back (:func:`split_break_starts`, :func:`merge_break_starts`: the union of two
  first-in-first-out matchings is one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from staffing.solver.builders import linear_expr
from staffing.solver.shifts import BreakSpec, break_specs, breaks_taken

if TYPE_CHECKING:
    from staffing.solver.model import RosterModel
    from staffing.solver.problem import RosterProblem, Solution

__all__ = [
    "BreakSpec",
    "add_break_cap",
    "add_break_counts",
    "agents_on_break",
    "assign_breaks",
    "break_share",
    "break_specs",
    "breaks_taken",
    "hint_break_cap",
    "hint_break_counts",
    "merge_break_starts",
    "on_break_terms",
    "place_breaks",
    "split_break_starts",
]


def break_share(spec: BreakSpec) -> float:
    """Expected share of each interval of a break's window spent on the break (the break is
    placed later, anywhere in the window)."""
    return spec.duration / (spec.latest - spec.earliest + spec.duration)


# ---------------------------------------------------------------- the CP-SAT model
def add_break_counts(cp: cp_model.CpModel, spec: BreakSpec, cn: Sequence, starts: Sequence[int],
                     T: int, top: int) -> list:
    """The rule ``break_windows`` for one skill profile and break rule: cumulative break starts
    ``cb[i]`` (over ``T + spec.latest`` intervals) with ``cn[i - latest] <= cb[i] <=
    cn[i - earliest]``, where ``cn`` counts the profile's shifts taking the rule started by
    ``i``, and every break eventually taken. ``starts``: intervals where such shifts can start
    (a variable only where a break can start; elsewhere the previous one repeats)."""
    length = T + spec.latest
    can = np.zeros(length, dtype=bool)
    for s in starts:
        can[s + spec.earliest:s + spec.latest + 1] = True
    cb: list = []
    prev = 0
    for i in range(length):
        if can[i]:
            var = cp.new_int_var(0, top, "")
            lo_i, hi_i = i - spec.latest, i - spec.earliest
            cp.add(var >= prev)
            if hi_i >= 0:
                cp.add(var <= cn[min(hi_i, T - 1)])
            else:
                cp.add(var == 0)
            if lo_i >= 0:
                cp.add(var >= cn[min(lo_i, T - 1)])
            prev = var
        cb.append(prev)
    cp.add(cb[-1] == cn[T - 1])
    return cb


def on_break_terms(cb: Sequence, i: int, duration: int) -> list[tuple]:
    """``(variable, coefficient)`` pairs of the agents on break at interval ``i`` (started by
    ``i`` less started by ``i - duration``)."""
    terms = [(cb[i], 1)]
    if i - duration >= 0:
        terms.append((cb[i - duration], -1))
    return terms


def add_break_cap(m: RosterModel, caps: dict, breaks_of_queue, present_of_queue, *,
                  cap_enforce: bool = False) -> None:
    """The rule ``break_cap``: agents of a queue (by primary skill) on break or lunch at most
    ``max(1, floor(max_break_fraction * agents of the queue on shift))``, per interval, in
    thousandths; each interval's cap variable goes in ``caps[(queue, interval)]`` (a
    coverage's ``cap``). ``breaks_of_queue[q][i]`` / ``present_of_queue[q][i]``: ``(variable,
    coefficient)`` pairs of those on break / on shift. With ``cap_enforce`` each queue's cap
    holds under its own literal (``m.cap_literals``, for the explanation)."""
    p = m.problem
    cp = m.cp
    fraction = p.shift_rules.max_break_fraction
    m.cap_literals = {}
    if fraction is None:
        return
    num = int(round(fraction * 1000))
    for q, per_t in breaks_of_queue.items():
        lit = None
        if cap_enforce:
            lit = m.cap_literals[q] = cp.new_bool_var(f"break cap {p.queues[q]}")
        for i in range(p.T):
            if not per_t[i]:
                continue
            present = linear_expr(*zip(*present_of_queue[q][i], strict=True))
            on_break = linear_expr(*zip(*per_t[i], strict=True))
            cap = cp.new_int_var(0, 10**9, f"break_cap({p.queues[q]},{i})")
            cp.add_max_equality(cap, [num * present, 1000])
            ct = cp.add(1000 * on_break <= cap)
            if lit is not None:
                ct.only_enforce_if(lit)
            caps[(q, i)] = cap


def hint_break_counts(cb_vars: dict, solution: Solution, put) -> None:
    """Hint the break counts ``cb_vars`` (a coverage's ``cb``, per profile and rule) with
    ``solution``'s break starts: ``put(variables, cumulative counts)`` for each."""
    for (pi, r), cb in cb_vars.items():
        counts = solution.break_starts.get((pi, r), np.zeros(len(cb), dtype=np.int64))
        cum = np.cumsum(np.pad(counts, (0, max(0, len(cb) - len(counts)))))
        put(cb, cum)


def hint_break_cap(problem: RosterProblem, caps: dict, on_shift: np.ndarray
                   ) -> dict[int, int]:
    """Hint values of the break cap variables (variable index -> value) for ``on_shift``
    ``(P, T)`` agents of each profile on shift."""
    if not caps:
        return {}
    fraction = problem.shift_rules.max_break_fraction or 1.0
    present = np.zeros((problem.Q, problem.T), dtype=np.int64)
    for pi, prof in enumerate(problem.profiles):
        present[prof.primary] += on_shift[pi]
    return {var.index: max(int(round(fraction * 1000)) * int(present[q, t]), 1000)
            for (q, t), var in caps.items()}


# ---------------------------------------------------------------- rosters
def agents_on_break(problem: RosterProblem, break_starts) -> np.ndarray:
    """``(P, T)`` agents of each profile on break, from the break starts per ``(profile,
    rule)``."""
    T, P = problem.T, len(problem.profiles)
    on_break = np.zeros((P, T), dtype=np.int64)
    for (p, r), starts in break_starts.items():
        dur = problem.breaks[r].duration
        cum = np.cumsum(starts)
        shifted = np.concatenate([np.zeros(dur, dtype=np.int64), cum[:-dur]]) if dur else cum
        on_break[p] += (cum - shifted)[:T]
    return on_break


def assign_breaks(problem: RosterProblem, solution: Solution) -> dict[tuple[int, int], dict]:
    """Each shift's breaks: ``{(agent, day): {rule: start interval}}`` by first-in-first-out
    matching within each profile and rule."""
    shifts_by = defaultdict(list)
    for a, d, table, k in solution.shifts(problem):
        for r in np.flatnonzero(table.takes[k]):
            shifts_by[(int(problem.profile_of[a]), int(r))].append((int(table.start[k]), a, d))
    out: dict[tuple[int, int], dict] = defaultdict(dict)
    for key, shifts in shifts_by.items():
        shifts.sort()
        counts = solution.break_starts.get(key)
        starts = np.repeat(np.arange(len(counts)), counts) if counts is not None else []
        if len(starts) != len(shifts):
            raise AssertionError(f"profile {key[0]} rule {key[1]}: {len(starts)} breaks for "
                                 f"{len(shifts)} shifts")
        for (_s, a, d), b in zip(shifts, starts, strict=True):
            out[(a, d)][key[1]] = int(b)
    return out


def place_breaks(problem: RosterProblem, on_shift: np.ndarray, shifts_by, slack: np.ndarray
                 ) -> tuple[dict[tuple[int, int], np.ndarray], np.ndarray]:
    """The heuristic's break counts: each shift's break (in start order, per profile and rule)
    where the profile's queues have most to spare, within the break cap when there is one.

    ``on_shift``: ``(P, T)`` agents of each profile on shift; ``shifts_by``: ``{(profile,
    rule): [shift start, ...]}``; ``slack``: ``(Q, T)`` agents to spare per queue with no one on
    break (updated in place). Returns the break starts per ``(profile, rule)`` and ``(P, T +
    ...)`` agents on break.
    """
    p = problem
    T, P, Q = p.T, len(p.profiles), p.Q
    break_starts: dict[tuple[int, int], np.ndarray] = {}
    on_break = np.zeros((P, T + max((b.latest + b.duration for b in p.breaks), default=0) + 1),
                        dtype=np.int64)
    fraction = p.shift_rules.max_break_fraction
    primary_present = np.zeros((Q, T), dtype=np.int64)
    primary_break = np.zeros((Q, on_break.shape[1]), dtype=np.int64)
    for pi, prof in enumerate(p.profiles):
        primary_present[prof.primary] += on_shift[pi]
    for (pi, r), starts in sorted(shifts_by.items()):
        spec = p.breaks[r]
        prof = p.profiles[pi]
        counts = np.zeros(T + spec.latest + 1, dtype=np.int64)
        spare = slack[list(prof.queues)].max(axis=0)
        # A re-plan keeps the past's breaks: the earliest shifts (those kept from before the
        # cut) take them first in first out; the others' breaks start at the cut or later.
        past = [] if p.break_prefix is None else np.repeat(
            np.arange(p.cut_interval), p.break_prefix.get((pi, r), np.zeros(0, dtype=np.int64)))
        for j, s in enumerate(sorted(starts)):
            if j < len(past):
                cands = np.array([int(past[j])])
            else:
                cands = np.arange(max(s + spec.earliest, p.cut_interval if p.break_prefix
                                      is not None else 0), s + spec.latest + 1)
            score = np.array([_window_spare(spare, b, spec.duration, T) for b in cands])
            if fraction is not None:
                ok = np.array([_cap_ok(primary_present, primary_break, prof.primary, b,
                                       spec.duration, fraction, T) for b in cands])
                if ok.any():
                    score = np.where(ok, score, -np.inf)
            b = int(cands[int(np.argmax(score))])
            counts[b] += 1
            for i in range(b, min(b + spec.duration, T)):
                spare[i] -= 1
                slack[prof.primary, i] -= 1
            primary_break[prof.primary, b:b + spec.duration] += 1
            on_break[pi, b:b + spec.duration] += 1
        break_starts[(pi, r)] = counts
    return break_starts, on_break


def _window_spare(spare: np.ndarray, b: int, duration: int, T: int) -> float:
    window = spare[b:min(b + duration, T)]
    return float(window.min()) if len(window) else 1e9


def _cap_ok(present, on_break, q, b, duration, fraction, T) -> bool:
    for i in range(b, min(b + duration, T)):
        cap = max(1, int(np.floor(fraction * present[q, i] + 1e-9)))
        if on_break[q, i] + 1 > cap:
            return False
    return True


def split_break_starts(problem: RosterProblem, solution: Solution, freed: np.ndarray
                       ) -> tuple[dict[tuple[int, int], np.ndarray], ...]:
    """The break counts of ``solution`` split into those of the fixed shifts and those of the
    ``freed`` ones (an ``(A, D)`` mask), each shift keeping its first-in-first-out break."""
    placed = assign_breaks(problem, solution)
    fixed_breaks: dict[tuple[int, int], np.ndarray] = {}
    freed_breaks: dict[tuple[int, int], np.ndarray] = {}
    for key, counts in solution.break_starts.items():
        fixed_breaks[key] = np.zeros_like(counts)
        freed_breaks[key] = np.zeros_like(counts)
    for (a, d), per_rule in placed.items():
        target = freed_breaks if freed[a, d] else fixed_breaks
        pi = int(problem.profile_of[a])
        for r, b in per_rule.items():
            target[(pi, r)][b] += 1
    return fixed_breaks, freed_breaks


def merge_break_starts(first: dict, second: dict) -> dict[tuple[int, int], np.ndarray]:
    """Break counts of two parts of a roster added up (per ``(profile, rule)``)."""
    breaks = {}
    for key in set(first) | set(second):
        a = first.get(key)
        b = second.get(key)
        n = max(len(a) if a is not None else 0, len(b) if b is not None else 0)
        out = np.zeros(n, dtype=np.int64)
        if a is not None:
            out[:len(a)] += a
        if b is not None:
            out[:len(b)] += b
        breaks[key] = out
    return breaks
