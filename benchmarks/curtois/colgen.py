"""Column generation for the Curtois instances: the pricing dynamic program (:class:`RosterDP`),
the best-response local search built on it (:class:`BestResponse`), and
:func:`column_generation` — an LP master over the cover in HiGHS, priced by the dynamic
program (CP-SAT on the employee's own model when its state table is too large), a Lagrangian
lower bound, and dives that fix assignments and re-price until the LP takes one roster row per
employee (:func:`lp_guided`, CP-SAT on what the LP settled, when the dive runs out of time).

The master, its rounds and its bound are the product's
(:mod:`staffing.solver.decomposition`, which the roster's column generation over agent weeks
runs on too); what stays here is what is the benchmark's own: its pricing (the benchmark's
rules — per-type maxima, forbidden successions, runs of one shift type — are not the roster's
rest thresholds and weekly blocks, so :class:`RosterDP` and
:class:`staffing.solver.colgen.WeekDP` share only their kernel,
:func:`staffing.solver.colgen.resource_move`), its columns and its dives.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from ortools.sat.python import cp_model

from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.model import build_model, read_roster, set_parameters
from benchmarks.curtois.reader import Instance
from staffing.solver.colgen import resource_move
from staffing.solver.decomposition import Master, Priced, generate

__all__ = [
    "DIVE_TOLERANCE",
    "DIVE_TOLERANCE_RELATIVE",
    "DP_MAX_CELLS",
    "NOISE",
    "REDIVES",
    "REDIVE_GAP",
    "BestResponse",
    "RosterDP",
    "column_generation",
    "lp_guided",
    "reset_dive",
    "row_cost",
]

# ----------------------------------------------------------------------------- pricing by DP
#: A roster-state dynamic program is used for an employee when its value table (phases x
#: weekends x minutes x per-type counts) has at most this many cells; else CP-SAT prices.
DP_MAX_CELLS = 400_000


_DP_BUFFER = None


class RosterDP:
    """Exact cheapest roster row of one employee for per-day, per-option costs: a dynamic
    program over the employee's rule states (the benchmark's hard rules are all an employee's
    own and its objective, for one employee at fixed duals, is a sum of per-day terms).

    State after day ``d``: the *phase* (the shift worked on ``d`` with the length of the run of
    shifts, or a day off with the length of the run of days off, capped at the minimum; each
    with a flag for a run that started on day 0, exempt from the minimums as in
    :func:`build_model`) and the resources: weekends worked, worked minutes (in units of the
    gcd of the shift lengths) and the count of each shift type whose limit can bind. Every hard
    rule of :func:`evaluate` is a transition or a resource bound, so the optimum is exact (a
    valid pricing for the Lagrangian bound).

    ``solve(cost)`` with ``cost[d][o]`` (``o < S``: shift ``o``, ``o == S``: day off) returns
    the cheapest rows. Build with :meth:`for_employee`; ``None`` when the table would exceed
    :data:`DP_MAX_CELLS`.
    """

    def __init__(self, inst: Instance, p: int, dropped: frozenset = frozenset()):
        st = inst.staff[p]
        D, S = inst.days, len(inst.shifts)
        self.D, self.S = D, S
        lengths = [sh.length_minutes for sh in inst.shifts]
        off_days = set(inst.days_off.get(st.id, ()))
        allowed = [[s for s in range(S) if st.max_shifts.get(inst.shifts[s].id, D) > 0]
                   + [S] for _ in range(D)]
        for d in off_days:
            allowed[d] = [S]
        self.allowed = allowed
        sidx = {sh.id: i for i, sh in enumerate(inst.shifts)}
        banned = {(a, sidx[b]) for a, sh in enumerate(inst.shifts) for b in sh.cannot_follow}
        maxc = min(st.max_consecutive_shifts, D)
        minc = st.min_consecutive_shifts
        cap_off = max(1, min(st.min_consecutive_days_off, D))
        minoff = st.min_consecutive_days_off
        # Phases: ("W", s, L, exempt) and ("O", L, exempt); an exempt run that reached its
        # minimum is the same phase as a non-exempt one.
        phases: list[tuple] = []
        index: dict[tuple, int] = {}

        def phase(key):
            if key[0] == "W" and key[3] and key[2] >= minc:
                key = ("W", key[1], key[2], False)
            if key[0] == "O" and key[2] and key[1] >= minoff:
                key = ("O", key[1], False)
            if key not in index:
                index[key] = len(phases)
                phases.append(key)
            return index[key]

        for s in range(S):
            for L in range(1, maxc + 1):
                for ex in (False, True):
                    phase(("W", s, L, ex))
        for L in range(1, cap_off + 1):
            for ex in (False, True):
                phase(("O", L, ex))
        self.P = len(phases)
        self.phases = phases
        # Transitions (from phase, option) -> to phase, for days 1..D-1.
        trans = []
        for i, key in enumerate(phases):
            for o in range(S + 1):
                if key[0] == "W":
                    _, s, L, ex = key
                    if o < S:
                        if (s, o) in banned or L + 1 > maxc:
                            continue
                        j = phase(("W", o, L + 1, ex))
                    else:
                        if not ex and L < minc:
                            continue
                        j = phase(("O", 1, False))
                else:
                    _, L, ex = key
                    if o < S:
                        if not ex and L < minoff:
                            continue
                        j = phase(("W", o, 1, False))
                    else:
                        j = phase(("O", min(L + 1, cap_off), ex))
                trans.append((i, o, j))
        assert len(phases) == self.P  # every target phase existed already
        self.trans = trans
        self.first = {o: phase(("W", o, 1, True)) if o < S else phase(("O", 1, True))
                      for o in range(S + 1)}
        # Resources: weekends, minutes, counts of the shift types whose limit can bind.
        weekends = inst.weekends
        self.weekend_first = {w[0] for w in weekends}
        self.weekend_second = {w[1] for w in weekends if len(w) > 1}
        self.max_weekends = st.max_weekends
        # Weekends worked are counted whenever the limit can bind, max_weekends = 0 included
        # (an axis of size 1: working a weekend day moves out of the table, so it is barred).
        self.track_wk = st.max_weekends < len(weekends)
        wk = min(st.max_weekends, len(weekends)) + 1 if self.track_wk else 1
        g = 0
        for s in range(S):
            g = math.gcd(g, lengths[s])
        g = g or 1
        self.unit = g
        self.min_units = -(-st.min_total_minutes // g)
        self.max_units = st.max_total_minutes // g
        limited = [s for s in range(S) if 0 < st.max_shifts.get(inst.shifts[s].id, D)
                   < D - len(off_days)]
        #: Limits left out of the table (checked on the rows found instead: see solve).
        self.dropped = [(s, st.max_shifts[inst.shifts[s].id]) for s in limited if s in dropped]
        limited = [s for s in limited if s not in dropped]
        self.limited = limited
        shape = (wk, self.max_units + 1) + tuple(st.max_shifts[inst.shifts[s].id] + 1
                                                 for s in limited)
        self.shape = shape
        self.cells = self.P * int(np.prod(shape))
        # Resource increments of each option: (weekend handled per day/phase).
        self.inc = []
        for o in range(S + 1):
            inc = [0, 0 if o == S else lengths[o] // g] + [int(o == s) for s in limited]
            self.inc.append(inc)

    @classmethod
    def for_employee(cls, inst: Instance, p: int) -> RosterDP | None:
        """The program of employee ``p``; when its table is too large, the limits of the
        shift types with the highest limits are left out of it (the rows found are checked
        against them) until it fits; ``None`` when it never does."""
        dp = cls(inst, p)
        dropped: set[int] = set()
        while dp.cells > DP_MAX_CELLS and dp.limited:
            st = inst.staff[p]
            dropped.add(max(dp.limited, key=lambda s: st.max_shifts[inst.shifts[s].id]))
            dp = cls(inst, p, frozenset(dropped))
        return dp if dp.cells <= DP_MAX_CELLS else None

    def _weekend(self, d: int, o: int, prev_off: bool) -> int:
        if o == self.S:
            return 0
        if d in self.weekend_first:
            return 1
        if d in self.weekend_second and prev_off:
            return 1
        return 0

    def _shifted(self, inc):
        """(source slices, destination slices) moving a resource table by ``inc``: the
        product's kernel (:func:`staffing.solver.colgen.resource_move`)."""
        return resource_move(inc, self.shape)

    def solve(self, cost, count: int = 1) -> list[tuple[float, list[int | None]]] | None:
        """The ``count`` cheapest rows ending in distinct final states: ``[(cost, row)]``,
        ``row[d]`` a shift index or ``None``; empty when the employee has no feasible roster.
        ``None`` when limits were left out of the table and its cheapest row breaks one (the
        optimum is then unknown)."""
        D, S, P = self.D, self.S, self.P
        inf = np.inf
        track_wk = self.track_wk
        moves = {}

        def move(o, wk_inc):
            key = (o, wk_inc)
            if key not in moves:
                inc = list(self.inc[o])
                inc[0] = wk_inc if track_wk else 0
                moves[key] = self._shifted(inc)
            return moves[key]

        # One buffer for every day's table, shared by the employees priced one after the
        # other (a fresh array a day costs page faults: a third of the time).
        size = D * P * int(np.prod(self.shape))
        global _DP_BUFFER
        if _DP_BUFFER is None or _DP_BUFFER.size < size:
            _DP_BUFFER = np.empty(size)
        tables = _DP_BUFFER[:size].reshape((D, P) + self.shape)
        tables.fill(inf)
        V = tables[0]
        for o in self.allowed[0]:
            m = move(o, self._weekend(0, o, True))
            if m is None:
                continue
            src, dst = m
            cell = V[(self.first[o],) + dst]
            zero = np.full(self.shape, inf)
            zero[(0,) * len(self.shape)] = 0.0
            np.minimum(cell, zero[src] + cost[0][o], out=cell)
        is_off = [key[0] == "O" for key in self.phases]
        # Phases that may hold a finite cell (an over-approximation: reached by a move).
        live = [bool(np.isfinite(V[i]).any()) for i in range(P)]
        for d in range(1, D):
            W = tables[d]
            c = cost[d]
            reached = [False] * P
            for i, o, target, source in self._steps(d, move, is_off):
                if live[i] and c[o] != inf:
                    cell = W[target]
                    np.minimum(cell, V[source] + c[o], out=cell)
                    reached[target[0]] = True
            V, live = W, reached
        final = V.copy()
        units = np.arange(self.shape[1])
        bad = (units < self.min_units) | (units > self.max_units)
        final[:, :, bad] = inf
        order = np.argsort(final, axis=None)
        out = []
        for flat in order[:count * (3 if self.dropped else 1)]:
            value = final.flat[flat]
            if not np.isfinite(value):
                break
            row = self._backtrack(tables, np.unravel_index(flat, final.shape), cost, move,
                                  is_off)
            if any(sum(1 for r in row if r == s) > top for s, top in self.dropped):
                if not out:
                    return None
                continue
            out.append((float(value), row))
            if len(out) == count:
                break
        return out

    def _steps(self, d, move, is_off):
        """Day ``d``'s transitions as ``(from phase, option, target index, source index)``,
        cached by the day's kind (its allowed options and weekend position)."""
        key = (tuple(self.allowed[d]), d in self.weekend_first, d in self.weekend_second)
        cache = self.__dict__.setdefault("_step_cache", {})
        if key not in cache:
            allowed = set(self.allowed[d])
            steps = []
            for i, o, j in self.trans:
                if o not in allowed:
                    continue
                m = move(o, self._weekend(d, o, is_off[i]))
                if m is None:
                    continue
                src, dst = m
                steps.append((i, o, (j,) + dst, (i,) + src))
            cache[key] = steps
        return cache[key]

    def _backtrack(self, tables, state, cost, move, is_off):
        D, S = self.D, self.S
        row: list[int | None] = [None] * D
        state = tuple(int(v) for v in state)
        for d in range(D - 1, 0, -1):
            target = tables[d][state]
            allowed = set(self.allowed[d])
            for i, o, j in self.trans:
                if j != state[0] or o not in allowed:
                    continue
                m = move(o, self._weekend(d, o, is_off[i]))
                if m is None:
                    continue
                src, dst = m
                prev = []
                for k, (s_sl, d_sl) in enumerate(zip(src, dst, strict=True)):
                    r = state[1 + k] - (d_sl.start - s_sl.start)
                    if r < 0 or r >= self.shape[k]:
                        break
                    prev.append(r)
                else:
                    before = tables[d - 1][(i, *prev)]
                    if np.isfinite(before) and abs(before + cost[d][o] - target) <= 1e-7 * (
                            1 + abs(target)):
                        row[d] = None if o == S else o
                        state = (i, *prev)
                        break
            else:
                raise AssertionError(f"no predecessor on day {d}")
        key = self.phases[state[0]]
        row[0] = None if key[0] == "O" else key[1]
        return row


# ----------------------------------------------------------------------------- column generation
#: Duals are scaled to integers for CP-SAT's pricing objective (requests weigh 1-10, cover 1-100).
_DUAL_SCALE = 1000
#: Cost of leaving an assignment the dive fixed, in CP-SAT's pricing.
_FORCED = 10 ** 5


def _request_costs(inst: Instance):
    """``cost[p, d, o]``: employee ``p``'s request penalty for option ``o`` on day ``d``
    (``o < S`` a shift, ``o == S`` the day off), a numpy array."""
    S = len(inst.shifts)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    pidx = {st.id: p for p, st in enumerate(inst.staff)}
    cost = np.zeros((len(inst.staff), inst.days, S + 1))
    for r in inst.on_requests:
        cost[pidx[r.staff], r.day, :] += r.weight
        cost[pidx[r.staff], r.day, sidx[r.shift]] -= r.weight
    for r in inst.off_requests:
        cost[pidx[r.staff], r.day, sidx[r.shift]] += r.weight
    return cost


class BestResponse:
    """Exact re-rostering of one employee at a time against the others' cover: for employee
    ``p`` with every other row fixed, the objective is a sum of per-day terms — its requests,
    and per (day, shift) the change of that cover entry's penalty when ``p`` works it (exact:
    only ``p`` moves, so each entry changes by at most one) — so :class:`RosterDP` gives the
    employee's best row. A sweep re-rosters every employee in turn: a local search that only
    ever lowers the objective, in ~10-60 ms an employee.
    """

    def __init__(self, inst: Instance):
        self.inst = inst
        n, D, S = len(inst.staff), inst.days, len(inst.shifts)
        self.sidx = {s.id: i for i, s in enumerate(inst.shifts)}
        self.request = _request_costs(inst)
        self.req = np.zeros((D, S))
        self.under = np.zeros((D, S))
        self.over = np.zeros((D, S))
        self.has = np.zeros((D, S), dtype=bool)
        for c in inst.cover:
            s = self.sidx[c.shift]
            self.req[c.day, s] += c.requirement
            self.under[c.day, s] = c.weight_under
            self.over[c.day, s] = c.weight_over
            self.has[c.day, s] = True
        self.programs: list[RosterDP | None | bool] = [False] * n  # built on first use

    def program(self, p: int) -> RosterDP | None:
        if self.programs[p] is False:
            self.programs[p] = RosterDP.for_employee(self.inst, p)
        return self.programs[p]

    def counts(self, roster):
        counts = np.zeros(self.req.shape, dtype=int)
        for row in roster:
            for d, sid in enumerate(row):
                if sid:
                    counts[d, self.sidx[sid]] += 1
        return counts

    def _cost(self, p: int, counts):
        """``cost[d][o]`` of employee ``p``'s options against ``counts`` (the others' cover):
        its requests, plus for a shift the change of its cover entry's penalty — ``-under``
        while the entry is short, ``+over`` once it is met."""
        cost = self.request[p].copy()
        cost[:, :-1] += np.where(counts < self.req, -self.under, self.over) * self.has
        return cost

    def _option(self, sid) -> int:
        return len(self.inst.shifts) if sid is None else self.sidx[sid]

    def improve(self, roster, p: int, counts) -> float:
        """Re-roster employee ``p`` in place (``roster`` and ``counts`` updated) when a better
        row exists; returns the objective's decrease (0 when the row stays)."""
        dp = self.program(p)
        if dp is None:
            return 0.0
        D, S = self.inst.days, len(self.inst.shifts)
        row = roster[p]
        days = np.arange(D)
        mine = np.array([self._option(sid) for sid in row])
        worked = mine < S
        counts[days[worked], mine[worked]] -= 1
        cost = self._cost(p, counts)
        current = float(cost[days, mine].sum())
        found = dp.solve(cost.tolist(), 1)
        gain = 0.0
        if found and found[0][0] < current - 1e-9:
            gain = current - found[0][0]
            roster[p] = [None if o is None else self.inst.shifts[o].id for o in found[0][1]]
            mine = np.array([self._option(sid) for sid in roster[p]])
            worked = mine < S
        counts[days[worked], mine[worked]] += 1
        return gain

    def place(self, roster, p: int, counts) -> bool:
        """Give employee ``p`` (whose row is not counted in ``counts``) its best row against
        ``counts``, whatever its current row; ``False`` when the program cannot (no program,
        or its cheapest row breaks a limit left out of its table)."""
        dp = self.program(p)
        if dp is None:
            return False
        found = dp.solve(self._cost(p, counts).tolist(), 1)
        if not found:
            return False
        roster[p] = [None if o is None else self.inst.shifts[o].id for o in found[0][1]]
        for d, o in enumerate(found[0][1]):
            if o is not None:
                counts[d, o] += 1
        return True

    def sweeps(self, roster, deadline: float, people: Sequence[int] | None = None,
               rng: random.Random | None = None) -> float:
        """Re-roster ``people`` (default all) in turn, shuffled by ``rng`` when given, until a
        sweep changes nothing or ``deadline``; returns the total decrease."""
        order = list(range(len(roster)) if people is None else people)
        counts = self.counts(roster)
        total = 0.0
        while time.perf_counter() < deadline:
            if rng is not None:
                rng.shuffle(order)
            gain = 0.0
            for p in order:
                if time.perf_counter() >= deadline:
                    break
                gain += self.improve(roster, p, counts)
            total += gain
            if gain <= 1e-9:
                break
        return total


def row_cost(inst: Instance, p: int, row) -> int:
    """Employee ``p``'s request cost of roster row ``row``."""
    sid = inst.staff[p].id
    return (sum(r.weight for r in inst.on_requests if r.staff == sid and row[r.day] != r.shift)
            + sum(r.weight for r in inst.off_requests if r.staff == sid and row[r.day] == r.shift))


class _Collect(cp_model.CpSolverSolutionCallback):
    """Every roster row a pricing solve finds: ``[(objective, [shift index or None per day])]``."""

    def __init__(self, lits):
        super().__init__()
        self.lits, self.found = lits, []

    def on_solution_callback(self) -> None:
        self.found.append((self.objective_value,
                           [next((s for s, lit in enumerate(xd) if self.boolean_value(lit)),
                                 None) for xd in self.lits]))


def column_generation(inst, roster, best, incumbents, deadline, master_deadline, workers,
                       seed, started, callback, verbose, use_dp=True):
    """Dantzig-Wolfe decomposition through the product's column generation
    (:mod:`staffing.solver.decomposition`): every hard rule is an employee's own, so a roster
    is one column per employee (a whole feasible roster row) and the master keeps only the
    cover.

    The master (one row per cover entry with under/over slacks at its weights, one convexity
    row per employee) starts from the rosters CP-SAT found (``incumbents``, and ``roster``)
    and :func:`~staffing.solver.decomposition.generate` prices it, with the cover rows' duals
    as rewards, by :class:`RosterDP` (an exact dynamic program over the employee's rule
    states, three cheapest rows a call) or, for an employee whose state table is too large
    (``use_dp=False``: all), CP-SAT on the employee's own model (:func:`build_model` of that
    employee alone: the same rule builders), until no roster prices out or until
    ``deadline``. Its Lagrangian bound (:meth:`~staffing.solver.decomposition.Master.lagrangian`)
    holds whenever every employee was priced to optimality; the LP bound is tight on 4-8
    (within 3 of the optimum), not on 9 (406 against 439). Then :func:`_fixing_dive` turns
    the LP into a roster by ``master_deadline`` (:func:`lp_guided` finishes it when the dive
    runs out of time); while a dive that finished is more than :data:`REDIVE_GAP` above the
    bound, the fixings are undone (:func:`reset_dive`) and the dive repeated with a perturbed
    ranking (up to :data:`REDIVES` times, until ``deadline``); when the roster is still 0.5 %
    above the bound, CP-SAT on the assignments the first LP took whole.

    Returns ``(roster, objective, lower bound)``; the roster is the incumbent when the dive
    finds nothing better.
    """
    n, D = len(inst.staff), inst.days
    cover_rows = {}
    for c in inst.cover:
        cover_rows.setdefault((c.day, c.shift), []).append(c)
    if len(cover_rows) != len(inst.cover):
        # One row per (day, shift): an instance listing a (day, shift) twice (none of the 24
        # does) keeps the neighbourhood search alone.
        return roster, best, -math.inf
    keys = list(cover_rows)
    row_of = {k: i for i, k in enumerate(keys)}
    req = [cover_rows[k][0].requirement for k in keys]
    master = Master(seed=seed)
    master.add_rows(len(keys), req, req)  # cover: columns + under - over = requirement
    # The slacks' upper bounds hold for every roster (under <= requirement, over <= staff):
    # with them the Lagrangian bound is valid at any duals.
    master.add_columns(len(keys), [cover_rows[k][0].weight_under for k in keys], 0.0, req,
                       [[i] for i in range(len(keys))], [[1.0]] * len(keys))
    master.add_columns(len(keys), [cover_rows[k][0].weight_over for k in keys], 0.0, float(n),
                       [[i] for i in range(len(keys))], [[-1.0]] * len(keys))
    master.add_groups([1.0] * n)
    master.freeze()

    def add_column(p, row, _dual=None):
        """Employee ``p``'s roster row as a column (``master.generated[j]`` is ``(p, row)``)."""
        row = tuple(row)
        entries = {row_of[d, sid]: 1.0 for d, sid in enumerate(row)
                   if sid and (d, sid) in row_of}
        return master.add_column(p, row, row_cost(inst, p, row), entries)

    for p in range(n):
        add_column(p, roster[p])
        for other in incumbents:  # the rosters CP-SAT found before, as first columns
            add_column(p, other[p])
    S = len(inst.shifts)
    # Employees whose rule states fit a small table are priced by the dynamic program
    # (exact, ~10-50 ms), the others by CP-SAT on the employee's own model.
    programs = [RosterDP.for_employee(inst, p) if use_dp else None for p in range(n)]
    request_cost = _request_costs(inst)
    pricing = []
    for p in range(n):
        if programs[p] is not None and not programs[p].dropped:
            pricing.append(None)
            continue
        cm = build_model(inst, staff=[p], fixed=roster)
        request = cm.terms
        pricing.append((cm, request))
    rng = random.Random(seed)
    state = {"rounds": 0, "until": deadline, "price": []}
    #: The dive's fixed assignments: ``forced[p][d]`` = option (shift index, S = day off).
    forced: list[dict[int, int]] = [{} for _ in range(n)]

    def price_dp(p, dual) -> Priced | None:
        cost = request_cost[p].tolist()
        for d in range(D):
            for s, shift in enumerate(inst.shifts):
                r = row_of.get((d, shift.id))
                if r is not None:
                    cost[d][s] -= dual[r]
        for d, o in forced[p].items():
            cost[d] = [c if k == o else math.inf for k, c in enumerate(cost[d])]
        t = time.perf_counter()
        found = programs[p].solve(cost, 3)
        state["price"].append((time.perf_counter() - t, cp_model.OPTIMAL))
        if found is None:
            # The table left a limit out and its cheapest row breaks it: CP-SAT prices.
            return price_cp(p, dual)
        if not found:
            return None
        return Priced(found[0][0] - 1e-6,
                      [(value, [None if s is None else inst.shifts[s].id for s in row])
                       for value, row in found])

    def price_cp(p, dual) -> Priced | None:
        """Employee ``p``'s cheapest rosters at the current duals by CP-SAT: a lower bound
        on its cheapest cost when proven (before the convexity dual), and the rows found."""
        if pricing[p] is None:
            cm = build_model(inst, staff=[p], fixed=roster)
            pricing[p] = (cm, cm.terms)
        cm, request = pricing[p]
        until = state["until"]
        coef: dict[int, int] = {}
        var_of = {}
        for term in request:
            for var, c in zip(term.vars, term.coeffs, strict=True):
                coef[var.index] = coef.get(var.index, 0) + round(_DUAL_SCALE * term.weight * c)
                var_of[var.index] = var
        for d in range(D):
            for s, shift in enumerate(inst.shifts):
                r = row_of.get((d, shift.id))
                if r is None or abs(dual[r]) < 1e-9:
                    continue
                lit = cm.x[0][d][s]
                coef[lit.index] = coef.get(lit.index, 0) - round(_DUAL_SCALE * dual[r])
                var_of[lit.index] = lit
        const = 0
        for d, o in forced[p].items():
            # A dive's fixing: leaving option o on day d costs _FORCED.
            for s in range(S):
                lit = cm.x[0][d][s]
                big = -_FORCED if s == o else _FORCED
                coef[lit.index] = coef.get(lit.index, 0) + _DUAL_SCALE * big
                var_of[lit.index] = lit
            const += _DUAL_SCALE * _FORCED if o < S else 0
        ks = [k for k in coef if coef[k]]
        cm.model.minimize(cp_model.LinearExpr.weighted_sum([var_of[k] for k in ks],
                                                            [coef[k] for k in ks]) + const)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(2.0, until - time.perf_counter()))
        # A one-employee model is tiny: presolve costs more than it saves.
        solver.parameters.cp_model_presolve = False
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed + state["rounds"]
        collect = _Collect(cm.x[0])
        status = solver.solve(cm.model, collect)
        state["price"].append((solver.wall_time, status))
        minimum = None
        if status == cp_model.OPTIMAL:
            # Rounding the duals moves each cost by at most D / 2 / scale.
            minimum = solver.objective_value / _DUAL_SCALE - D * 0.5 / _DUAL_SCALE
        # The last few rosters CP-SAT found on its way to the cheapest: more columns a round,
        # fewer rounds.
        rows = [(value / _DUAL_SCALE, [None if s is None else inst.shifts[s].id for s in row])
                for value, row in reversed(collect.found[-3:])]
        return Priced(minimum, rows)

    def price(dual) -> list[Priced | None]:
        """Every employee priced at ``dual`` (``None`` once past the round's deadline): the
        dynamic program here, CP-SAT (which releases the GIL) on ``workers`` threads."""
        state["rounds"] += 1
        until = state["until"]
        order = list(range(n))
        rng.shuffle(order)
        futures = {p: pool.submit(lambda p: None if time.perf_counter() > until
                                  else price_cp(p, dual), p)
                   for p in order if programs[p] is None}
        results = {}
        for p in order:
            if programs[p] is not None:
                results[p] = None if time.perf_counter() > until else price_dp(p, dual)
        return [results[p] if p in results else futures[p].result() for p in range(n)]

    def report(lp, bound, added):
        if verbose:
            prices = state["price"]
            print(f"  {time.perf_counter() - started:7.1f} s  column generation round "
                  f"{state['rounds']}: LP {lp:.2f}, bound {bound:.2f}, {added} columns added; "
                  f"pricing {sum(w for w, _ in prices):.2f} s, "
                  f"{sum(st != cp_model.OPTIMAL for _, st in prices)} not optimal",
                  file=sys.stderr)
        state["price"] = []

    def rounds(max_rounds, until):
        """Column generation (:func:`~staffing.solver.decomposition.generate`): at most
        ``max_rounds`` rounds, until ``until``. Returns its best Lagrangian bound (``-inf``
        unless every employee was priced to optimality in some round)."""
        state["until"] = until
        return generate(master, price, add_column, deadline=until, max_rounds=max_rounds,
                        integral=True, on_round=report).bound

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        lower = rounds(None, deadline)
        root = _whole(inst, master)
        now = time.perf_counter()
        roster, best, whole = _fixing_dive(
            inst, master, rounds, forced, roster, best,
            master_deadline - 0.3 * max(0.0, master_deadline - now), started, callback,
            verbose)
        if not whole:
            # Out of time before the LP took one column per employee: CP-SAT on what the dive
            # and the LP settled, from the LP's rounding.
            whole_now = _whole(inst, master, forced)
            rounded = _rounded(master, roster)
            cost = evaluate(inst, rounded).objective
            if cost < best:
                roster, best = rounded, cost
                callback.times.append((time.perf_counter() - started, float(best)))
            roster, best = lp_guided(inst, whole_now,
                                      rounded, roster, best, master_deadline, workers, seed,
                                      started, callback, verbose, "dive + CP-SAT")
        dives = 1
        while (whole and math.isfinite(lower) and best > lower * (1 + REDIVE_GAP)
               and time.perf_counter() < deadline and dives < REDIVES + 1):
            # The dive drifted (Instance5: 1149-1351 from an LP of 1141, by the choices of its
            # first steps): dive again from the root, with the ranking of the candidates
            # perturbed.
            reset_dive(master, forced)
            roster, best, whole = _fixing_dive(
                inst, master, rounds, forced, roster, best, deadline,
                started, callback, verbose, random.Random(seed * 1000 + dives))
            dives += 1
        if (math.isfinite(lower) and best > lower * 1.005
                and time.perf_counter() < master_deadline - 1.0):
            # The dive's roster is still well above the bound (its fixings drift: 5 gave
            # 1152-1349 from an LP of 1141): CP-SAT on the assignments the first LP took
            # whole, from the best roster so far.
            roster, best = lp_guided(inst, root, roster, roster, best,
                                      min(master_deadline, time.perf_counter() + 0.125
                                          * (master_deadline - started)),
                                      workers, seed, started, callback, verbose,
                                      "root LP + CP-SAT")
    finally:
        pool.shutdown()
        # A later HiGHS solve asking for another number of threads (the roster solver's LP
        # bound, staffing.solver.bound) would fail on this one's scheduler.
        master.reset_scheduler()
    return roster, best, lower


def _lp_assignments(inst, master):
    """``{(employee, day, option): LP weight}`` of the master's current solution (option: a
    shift index, or the number of shifts for a day off)."""
    S = len(inst.shifts)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}
    value = master.values()
    a: dict[tuple[int, int, int], float] = {}
    for j, (p, row) in enumerate(master.generated):
        v = value[j]
        if v > 1e-6:
            for d, sid in enumerate(row):
                key = (p, d, sidx[sid] if sid else S)
                a[key] = a.get(key, 0.0) + v
    return a


def _whole(inst, master, forced=None) -> dict[tuple[int, int], int]:
    """``{(employee, day): option}`` of the assignments the master's LP solution takes whole,
    with the dive's ``forced`` ones."""
    out = {(p, d): o for (p, d, o), v in _lp_assignments(inst, master).items()
           if v > 1 - 1e-6}
    for p, fixings in enumerate(forced or []):
        for d, o in fixings.items():
            out[p, d] = o
    return out


def _heaviest(master, n):
    """Each employee's heaviest column in the master's LP solution (``None`` without one) and
    its LP weight."""
    value = master.values()
    share = [0.0] * n
    rows: list = [None] * n
    for j, (p, row) in enumerate(master.generated):
        if value[j] > share[p]:
            share[p], rows[p] = value[j], list(row)
    return rows, share


def _rounded(master, roster):
    """Each employee's heaviest column in the master's LP solution (its row in ``roster``
    without one): a roster that keeps every hard rule and agrees with every assignment the LP
    takes whole."""
    rows, _ = _heaviest(master, len(roster))
    return [list(r) if row is None else row for r, row in zip(roster, rows, strict=True)]


def lp_guided(inst, fixings, hint, roster, best, deadline, workers, seed, started,
               callback, verbose, label="LP-guided"):
    """CP-SAT on the whole model with the assignments ``fixings`` (``{(employee, day):
    option}``, from the column-generation LP) fixed and the others free, hinted with the
    roster ``hint``, until ``deadline``. Returns the better of its roster and ``roster``."""
    S = len(inst.shifts)
    cm = build_model(inst)
    for (p, d), o in fixings.items():
        if o == S:
            cm.model.add(cm.works[p][d] == 0)
        else:
            cm.model.add(cm.x[p][d][o] == 1)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}
    for p, row in enumerate(hint):
        for d, sid in enumerate(row):
            for s, lit in enumerate(cm.x[p][d]):
                cm.model.add_hint(lit, bool(sid) and sidx[sid] == s)
    fixed = len(fixings)
    solver = cp_model.CpSolver()
    set_parameters(solver, deadline - time.perf_counter(), workers, seed, "max_lp")
    status = solver.solve(cm.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = [list(r) for r in read_roster(inst, cm, solver.boolean_value)]
        cost = evaluate(inst, found).objective
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  {label}: {cost} "
                  f"({solver.status_name(status)}, {fixed} of {len(roster) * inst.days} "
                  f"assignments fixed)", file=sys.stderr)
        if cost < best:
            roster, best = found, cost
            callback.times.append((time.perf_counter() - started, float(best)))
    return roster, best


#: A re-dive ranks each candidate assignment by its LP weight times a factor drawn in
#: [NOISE, 1].
NOISE = 0.7
#: Dive again while the roster is this far above the Lagrangian bound (relative), at most
#: REDIVES times.
REDIVE_GAP = 0.01
REDIVES = 10
#: A dive step's fixings are kept when they raise the LP by at most this much (absolute, plus
#: relative to the LP).
DIVE_TOLERANCE = 0.5
DIVE_TOLERANCE_RELATIVE = 1e-3


def reset_dive(master, forced) -> None:
    """Undo every fixing of a dive: no assignment forced, every column free again (columns
    are only ever bounded by a dive's fixings)."""
    for j in range(len(master.generated)):
        master.set_upper(j, math.inf)
    for fixings in forced:
        fixings.clear()
    master.solve()


def _fixing_dive(inst, master, rounds, forced, roster, best, deadline,
                 started, callback, verbose, rng=None):
    """Diving on the column-generation LP by assignments: fix every (employee, day, option)
    the LP already takes whole, then the employees' surest fractional assignments, re-price
    (a fixing binds the employee's pricing: :func:`column_generation`'s ``forced``) and
    repeat until the LP takes one column per employee (by ``deadline``). A group of fixings
    that raises the LP by more than :data:`DIVE_TOLERANCE` (plus
    :data:`DIVE_TOLERANCE_RELATIVE` of the LP) is undone and the next group tried; when the
    second does too, neither is kept and the groups are halved from then on (only a single
    fixing is kept when both raise the LP: the cheaper). With ``rng``
    each candidate's LP weight is multiplied by a factor drawn in [:data:`NOISE`, 1] before
    ranking (a re-dive's other choices). Returns the better of the dive's
    roster and ``roster``, and whether the LP took one column per employee."""
    n, D, S = len(inst.staff), inst.days, len(inst.shifts)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}

    def option(sid):
        return sidx[sid] if sid else S

    bounded: dict[tuple[int, int, int], list[int]] = {}

    def fix(p, d, o):
        forced[p][d] = o
        cut = []
        for j, (q, row) in enumerate(master.generated):
            if q == p and option(row[d]) != o:
                master.set_upper(j, 0)
                cut.append(j)
        bounded[p, d, o] = cut

    def unfix(p, d, o):
        del forced[p][d]
        for j in bounded.pop((p, d, o)):
            # A column cut by another fixing stays cut.
            row = master.generated[j][1]
            if all(option(row[e]) == f for e, f in forced[p].items()):
                master.set_upper(j, math.inf)

    def lp_state():
        value = master.values()
        a: dict[tuple[int, int, int], float] = {}
        whole = [None] * n
        for j, (p, row) in enumerate(master.generated):
            v = value[j]
            if v > 1e-6:
                for d in range(D):
                    key = (p, d, option(row[d]))
                    a[key] = a.get(key, 0.0) + v
                if v > 1 - 1e-6:
                    whole[p] = j
        return a, whole

    steps, step_started = 0, time.perf_counter()
    lp = master.objective
    tried: set = set()
    shrink = 1  # after a step whose fixings all raised the LP, fix fewer at once
    while True:
        a, whole = lp_state()
        if all(k is not None for k in whole) or time.perf_counter() > deadline:
            break
        candidates = sorted(((v if rng is None else v * rng.uniform(NOISE, 1.0), p, d, o)
                             for (p, d, o), v in a.items()
                             if v <= 1 - 1e-6 and d not in forced[p]
                             and (p, d, o) not in tried), reverse=True)
        first: dict[int, tuple] = {}
        for v, p, d, o in candidates:
            first.setdefault(p, (v, p, d, o))
        ranked = sorted(first.values(), reverse=True)
        if not ranked:
            break
        now = time.perf_counter()
        if steps:
            # Fix enough a step to finish by the deadline at the pace so far.
            left = max(1.0, (deadline - now) / ((now - step_started) / steps))
            count = max(1, math.ceil(len(ranked) / left), len(ranked) // 3)
        else:
            count = max(1, len(ranked) // 3)
        count = max(1, count // shrink)
        tolerance = DIVE_TOLERANCE + DIVE_TOLERANCE_RELATIVE * abs(lp)
        best_trial = None
        for attempt in range(2):
            chosen = [(p, d, o) for _, p, d, o in ranked[attempt * count:(attempt + 1) * count]]
            if not chosen:
                break  # no second try: the first is left (its candidates are tried no more)
            for p, d, o in chosen:
                fix(p, d, o)
            rounds(3, deadline)
            new_lp = master.objective
            if new_lp <= lp + tolerance:
                best_trial = None
                lp = new_lp
                break
            if time.perf_counter() > deadline:
                # Out of time on a step that raised the LP (the last steps, hurried by the
                # pace, fix many at once: Instance8 went from 1309 to 1406): undo it, so the
                # finish starts from the assignments settled before.
                for p, d, o in chosen:
                    unfix(p, d, o)
                master.solve()
                best_trial = None
                break
            if best_trial is None or new_lp < best_trial[0]:
                best_trial = (new_lp, chosen)
            for p, d, o in chosen:
                unfix(p, d, o)
                tried.add((p, d, o))
            master.solve()
        else:
            if best_trial is not None and count > 1:
                # Both groups raised the LP (the dive's drift: Instance8 went from an LP of
                # 1310 to 1368 in one step, then to a roster of 1397): fix none, and half as
                # many a step from now on.
                shrink *= 2
            elif best_trial is not None:
                for p, d, o in best_trial[1]:
                    tried.discard((p, d, o))
                    fix(p, d, o)
                rounds(3, deadline)
                lp = master.objective
        steps += 1
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  dive step {steps}: LP {lp:.2f}, "
                  f"{sum(len(f) for f in forced)} fixed", file=sys.stderr)
    dive, share = _heaviest(master, n)
    whole = all(v > 1 - 1e-6 for v in share)
    if all(r is not None for r in dive):
        cost = evaluate(inst, dive).objective
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  dive: {cost}"
                  f"{'' if whole else ' (rounded)'}", file=sys.stderr)
        if cost < best:
            roster, best = dive, cost
            callback.times.append((time.perf_counter() - started, float(best)))
    return roster, best, whole
