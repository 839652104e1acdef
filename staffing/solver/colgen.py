"""A lower bound from column generation over agent weeks (Dantzig-Wolfe on the roster model).

Every hard rule of an agent (:data:`~staffing.solver.rules.HARD_RULES`) involves that agent
alone, so a roster is one *column* per agent: a whole legal week. Agents with the same skill
profile, resolved rules, shift candidates and preferences are interchangeable; they form a
*group* and share columns (a convexity row ``sum of the group's columns = its agents``).

The master LP keeps the coupling part of the model as :mod:`staffing.solver.bound` writes it
(agents working per profile and interval, written by its changes; breaks counted per profile,
shift start and offset in the rule's window; the split over the profile's queues with the
skill-priority cost; convex understaffing, overstaffing), the columns' shifts entering it.
A column costs the agent's paid hours, preferred days off worked and starts outside the
preferred window exactly; fairness (convex in an agent's count of weekend days, nights, late
shifts) stays in the master as the relaxation's tangent cuts per group (Jensen), which the
pricing sees as a per-shift price. The break cap is dropped (as in the relaxation).

Pricing (:class:`WeekDP`) is exact: a dynamic program over an agent's days whose state is the
rest threshold the previous shift leaves on the next day's starts, the run of days worked or
off, and the resources of the week (paid minutes, shifts, nights) and of the horizon (weekends
worked); every hard rule is a transition or a resource bound, so each column it returns is
legal and its minimum is the group's least reduced cost. Hence, for the LP duals at any
round, ``LP + sum over groups of agents x min(0, least reduced cost)`` is a lower bound on
every roster (the Lagrangian bound), and once no column prices out it equals the LP.

Every roster maps to a point of the master with the same or a lower objective (only fairness,
by Jensen, and the break cap, dropped, are relaxed), so once converged the master is at least
as tight as the aggregated relaxation of :mod:`staffing.solver.bound` (which also drops rest,
runs of days off, per-agent weekly rules and preferred starts). Every non-week column has the
finite upper bound every roster keeps, so :meth:`_Master.lagrangian` is a valid bound at any
duals, the interior point's, smoothed ones or the relaxation's (``start_duals``).

Measured (2026-12-06, shared 2-core machine, S benchmark week, 21 groups): the master LP
falls to 28,244 in 600 s (74 rounds), still above the relaxation's 27,873, and the
Lagrangian bound reaches 26,521: on these weeks the per-agent rules are worth about 1 % of
the bound, and the column generation needs many minutes to show it. On M (99 groups) a round
takes about a minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from staffing.config import SolverWeights
from staffing.solver.coverage import understaffing_segments
from staffing.solver.decomposition import TOLERANCE, Master, Priced, generate
from staffing.solver.problem import RosterProblem, block_limits

__all__ = ["DP_MAX_CELLS", "ColumnGeneration", "WeekDP", "column_generation_bound",
           "resource_move", "week_groups"]

#: A group's pricing program is built when its value table per day has at most this many
#: cells (rest thresholds x runs x paid minutes x shifts x nights x weekends); else no bound.
DP_MAX_CELLS = 3_000_000
#: Cost of the artificial column of a group (its agents unrostered) in the first rounds.
_ARTIFICIAL = 1e7
#: Shares of the understaffing weight an agent-interval is worth for the first columns.
SEED_SHARES = (0.1, 0.3, 1.0)
#: Weight of the best bound's duals in the duals priced (Wentges' smoothing).
SMOOTHING = 0.5


class PricingUnsupported(Exception):
    """The week's rules fall outside what :class:`WeekDP` models exactly."""


# ----------------------------------------------------------------------------- pricing
def resource_move(inc, shape) -> tuple[tuple[slice, ...], tuple[slice, ...]] | None:
    """``(source, destination)`` slices moving a table of resource counts (axes of ``shape``)
    by the increments ``inc``: ``table[destination] = f(table[source])`` is the move of
    every state at once; ``None`` when the move leaves the table (a limit is reached).

    The kernel of the pricing programs: :class:`WeekDP` here and the Curtois benchmark's
    ``RosterDP`` (``benchmarks/curtois/colgen.py``) move their value tables with it.
    """
    src, dst = [], []
    for k, n in zip(inc, shape, strict=True):
        if k >= n:
            return None
        src.append(slice(0, n - k))
        dst.append(slice(k, n))
    return tuple(src), tuple(dst)


class WeekDP:
    """Exact cheapest legal week of one agent for per-shift costs.

    ``solve(cost, off_cost)``: ``cost[d]`` the cost of each of the agent's options on day
    ``d`` (aligned with ``problem.options[a][d]``), ``off_cost[d]`` of the day off; returns
    the ``count`` cheapest weeks ending in distinct states, ``[(value, row)]``, ``row[d]`` the
    position of the shift in ``options[a][d]`` or ``-1`` for a day off (empty: no legal week).

    State after day ``d``: ``(thr, phase, units, shifts, nights, weekends)`` — ``thr`` the
    number of day ``d + 1``'s distinct starts the rest forbids; ``phase`` the run of days
    worked (length) or off (length capped, flag for a run from day 0, exempt from the
    minimum); per block paid minutes in units of the gcd of the paid lengths, shifts and
    nights (reset at each block, checked against :func:`block_limits` at its end); weekends
    worked in the horizon. Axes whose limit cannot bind have size 1.
    """

    def __init__(self, problem: RosterProblem, a: int):
        p = problem
        r = p.rules[a]
        D = p.D
        self.D = D
        opts = [p.options[a][d] for d in range(D)]
        tab = [p.table(a, d) for d in range(D)]
        self.n_opts = [len(o) for o in opts]
        start = [t.start_minute[o].astype(np.int64) for t, o in zip(tab, opts, strict=True)]
        end = [t.end_minute[o].astype(np.int64) for t, o in zip(tab, opts, strict=True)]
        paid = [t.paid[o].astype(np.int64) for t, o in zip(tab, opts, strict=True)]
        night = [t.night[o].astype(bool) for t, o in zip(tab, opts, strict=True)]
        gap = max(r.min_rest_minutes, 0)
        for d in range(D):
            for d2 in range(d + 2, D):
                if len(opts[d]) and len(opts[d2]) and end[d].max() + gap > start[d2].min():
                    raise PricingUnsupported(
                        f"rest binds between days {d} and {d2} across a day off")
        self.starts = [np.unique(s) for s in start]
        self.start_idx = [np.searchsorted(u, s) for u, s in zip(self.starts, start, strict=True)]
        self.thr_size = [len(self.starts[d + 1]) + 1 if d + 1 < D else 1 for d in range(D)]
        self.next_thr = [np.searchsorted(self.starts[d + 1], end[d] + gap, side="left")
                         if d + 1 < D else np.zeros(len(end[d]), dtype=np.int64)
                         for d in range(D)]
        # Runs: W(L), L = 1..maxc; O(L, exempt), L = 1..cap_off.
        self.maxc = maxc = max(1, min(r.max_consecutive_days, D))
        self.least = max(1, r.min_consecutive_days_off)
        longest_weekend = max((len(w) for w in p.weekends), default=1)
        self.cap_off = cap_off = max(self.least, longest_weekend, 1)
        self.n_phase = maxc + 2 * cap_off

        # Resources.
        self.blocks = p.blocks
        self.block_of = np.zeros(D, dtype=np.int64)
        for b, block in enumerate(p.blocks):
            self.block_of[list(block.range)] = b
        self.limits = [block_limits(r, block) for block in p.blocks]
        all_paid = np.concatenate(paid) if D else np.zeros(0, np.int64)
        g = int(np.gcd.reduce(all_paid[all_paid > 0])) if (all_paid > 0).any() else 1
        self.unit = g
        units = max(lim.max_minutes for lim in self.limits) // g
        units = min(units, int(max((pd_.max() if len(pd_) else 0) for pd_ in paid)) * 7 // g)
        shifts_cap = max(lim.max_shifts for lim in self.limits)
        track_shifts = any(lim.max_shifts < block.days
                           for lim, block in zip(self.limits, p.blocks, strict=True))
        any_night = any(n.any() for n in night)
        nights_cap = max((lim.max_nights for lim in self.limits
                          if lim.max_nights is not None), default=None)
        track_nights = (any_night and nights_cap is not None
                        and any(lim.max_nights is not None and lim.max_nights < block.days
                                for lim, block in zip(self.limits, p.blocks, strict=True)))
        self.weekend_pos = np.full(D, -1, dtype=np.int64)
        for w in p.weekends:
            for i, d in enumerate(w):
                self.weekend_pos[d] = i
        allowed_weekends = len(p.weekends) - r.min_weekends_off
        self.track_weekends = r.min_weekends_off > 0 and allowed_weekends < len(p.weekends)
        if allowed_weekends < 0:
            raise PricingUnsupported("fewer weekends than the quota of weekends off")
        self.res_shape = (units + 1, shifts_cap + 1 if track_shifts else 1,
                          nights_cap + 1 if track_nights else 1,
                          allowed_weekends + 1 if self.track_weekends else 1)
        self.track = (True, track_shifts, track_nights)
        self.cells = max(self.thr_size) * self.n_phase * int(np.prod(self.res_shape))
        if self.cells > DP_MAX_CELLS:
            raise PricingUnsupported(f"{self.cells:,} cells a day")
        # Increments of each option (units, shifts, nights); weekends handled per phase.
        self.inc = [np.stack([paid[d] // g, np.ones(len(paid[d]), np.int64) * track_shifts,
                              night[d].astype(np.int64) * track_nights], axis=1)
                    if len(paid[d]) else np.zeros((0, 3), np.int64) for d in range(D)]

    # -- phase indices
    def W(self, L: int) -> int:
        return L - 1

    def O(self, L: int, exempt: bool) -> int:
        return self.maxc + 2 * (L - 1) + int(exempt)

    def _o_phases(self):
        for L in range(1, self.cap_off + 1):
            for ex in (False, True):
                yield L, ex, self.O(L, ex)

    def _shift(self, inc4):
        return resource_move(inc4, self.res_shape)

    def _weekend_inc(self, d: int, from_phase: int | None) -> int:
        """Weekends-worked increment of working day ``d`` after ``from_phase`` (``None``: day
        0)."""
        pos = self.weekend_pos[d]
        if not self.track_weekends or pos < 0:
            return 0
        if pos == 0 or from_phase is None:
            return 1
        if from_phase < self.maxc:
            return 0  # the day before, in the weekend, was worked
        L = (from_phase - self.maxc) // 2 + 1
        return 1 if L >= pos else 0

    def _block_mask(self, b: int) -> np.ndarray:
        """Cells of the resource axes (units, shifts, nights) keeping block ``b``'s limits."""
        lim = self.limits[b]
        u = np.arange(self.res_shape[0])
        ok_u = (u * self.unit >= lim.min_minutes) & (u * self.unit <= lim.max_minutes)
        s = np.arange(self.res_shape[1])
        ok_s = (s <= lim.max_shifts) if self.track[1] else np.ones(1, bool)
        n = np.arange(self.res_shape[2])
        ok_n = (n <= lim.max_nights) if self.track[2] and lim.max_nights is not None \
            else np.ones(self.res_shape[2], bool)
        return ok_u[:, None, None] & ok_s[None, :, None] & ok_n[None, None, :]

    def _collapse(self, V: np.ndarray, b: int) -> np.ndarray:
        """The table at the end of block ``b``, its limits applied and its resources reset."""
        masked = np.where(self._block_mask(b)[None, None, :, :, :, None], V, np.inf)
        out = np.full_like(V, np.inf)
        out[:, :, 0, 0, 0, :] = masked.min(axis=(2, 3, 4))
        return out

    # -- the program
    def solve(self, cost, off_cost=None, count: int = 1) -> list[tuple[float, list[int]]]:
        D, P = self.D, self.n_phase
        off_cost = np.zeros(D) if off_cost is None else np.asarray(off_cost, float)
        raw: list[np.ndarray] = []   # table after each day, before a block's reset
        used: list[np.ndarray] = []  # the table the next day starts from
        V = np.full((self.thr_size[0], P) + self.res_shape, np.inf)
        zero = (0, 0, 0, 0)
        V[(0, self.O(1, True)) + zero] = off_cost[0]
        c0 = np.asarray(cost[0], float)
        for k in range(self.n_opts[0]):
            inc = tuple(self.inc[0][k]) + (self._weekend_inc(0, None),)
            if self._shift(inc) is None or not np.isfinite(c0[k]):
                continue
            cell = (int(self.next_thr[0][k]), self.W(1)) + inc
            V[cell] = min(V[cell], c0[k])
        raw.append(V)
        for d in range(1, D):
            if self.block_of[d] != self.block_of[d - 1]:
                V = self._collapse(V, int(self.block_of[d - 1]))
            used.append(V)
            N = np.full((self.thr_size[d], P) + self.res_shape, np.inf)
            # Day off: any rest threshold; a run of shifts ends, a run of days off grows.
            Voff = V.min(axis=0)
            tgt = N[0]
            np.minimum(tgt[self.O(1, False)], Voff[:self.maxc].min(axis=0) + off_cost[d],
                       out=tgt[self.O(1, False)])
            for L, ex, i in self._o_phases():
                j = self.O(min(L + 1, self.cap_off), ex)
                np.minimum(tgt[j], Voff[i] + off_cost[d], out=tgt[j])
            if self.n_opts[d]:
                self._work(d, V, N, np.asarray(cost[d], float))
            raw.append(N)
            V = N
        final = np.where(self._block_mask(int(self.block_of[D - 1]))[None, None, :, :, :, None],
                         V, np.inf)
        order = np.argsort(final, axis=None)
        out = []
        for flat in order[:count]:
            value = float(final.flat[flat])
            if not np.isfinite(value):
                break
            state = tuple(int(v) for v in np.unravel_index(flat, final.shape))
            out.append((value, self._backtrack(raw, used, state, cost, off_cost)))
        return out

    def _sources(self, d: int, C: np.ndarray):
        """Per target work phase ``W(j)``: ``[(from phases, weekend inc)]`` groups, with the
        best predecessor value per start index (``C``: cummin over thresholds)."""
        groups: dict[tuple[int, int], list[int]] = {}
        for L in range(1, self.maxc):
            i = self.W(L)
            groups.setdefault((self.W(L + 1), self._weekend_inc(d, i)), []).append(i)
        for L, ex, i in self._o_phases():
            if ex or L >= self.least:
                groups.setdefault((self.W(1), self._weekend_inc(d, i)), []).append(i)
        return groups

    def _work(self, d, V, N, c) -> None:
        n_start = len(self.starts[d])
        C = np.minimum.accumulate(V, axis=0)[:n_start]  # best over thresholds <= start index
        groups = self._sources(d, C)
        best = {key: C[:, phases].min(axis=1) for key, phases in groups.items()}
        # Options with the same start, next threshold and increments: the cheapest only.
        keyed: dict[tuple, float] = {}
        for k in range(self.n_opts[d]):
            if not np.isfinite(c[k]):
                continue
            key = (int(self.start_idx[d][k]), int(self.next_thr[d][k])) + tuple(
                int(v) for v in self.inc[d][k])
            if key not in keyed or c[k] < keyed[key]:
                keyed[key] = c[k]
        for (s, t, *inc3), ck in keyed.items():
            for (j, wk), src_vals in best.items():
                move = self._shift(tuple(inc3) + (wk,))
                if move is None:
                    continue
                src, dst = move
                cell = N[(t, j) + dst]
                np.minimum(cell, src_vals[(s,) + src] + ck, out=cell)

    def _backtrack(self, raw, used, state, cost, off_cost) -> list[int]:
        D = self.D
        row = [-1] * D
        state = tuple(state)
        for d in range(D - 1, 0, -1):
            value = raw[d][state]
            prev_table = used[d - 1]
            t, j = state[0], state[1]
            res = state[2:]
            tol = 1e-7 * (1 + abs(value))
            found = None
            if j >= self.maxc:  # a day off
                L = (j - self.maxc) // 2 + 1
                ex = bool((j - self.maxc) % 2)
                cands = []
                if L == 1 and not ex:
                    cands = list(range(self.maxc))
                for L0, ex0, i in self._o_phases():
                    if ex0 == ex and min(L0 + 1, self.cap_off) == L:
                        cands.append(i)
                for i in cands:
                    col = prev_table[(slice(None), i) + res]
                    th = int(np.argmin(col))
                    if abs(col[th] + off_cost[d] - value) <= tol:
                        found = (-1, (th, i) + res)
                        break
            else:
                c = np.asarray(cost[d], float)
                n_start = len(self.starts[d])
                for k in range(self.n_opts[d]):
                    if self.next_thr[d][k] != t or not np.isfinite(c[k]):
                        continue
                    s = int(self.start_idx[d][k])
                    if j == self.W(1):
                        preds = [i for L, ex, i in self._o_phases() if ex or L >= self.least]
                    else:
                        preds = [j - 1]
                    for i in preds:
                        inc = tuple(self.inc[d][k]) + (self._weekend_inc(d, i),)
                        prev = tuple(r - q for r, q in zip(res, inc, strict=True))
                        if min(prev) < 0:
                            continue
                        col = prev_table[(slice(0, min(s + 1, n_start + 1)), i) + prev]
                        th = int(np.argmin(col))
                        if abs(col[th] + c[k] - value) <= tol:
                            found = (k, (th, i) + prev)
                            break
                    if found:
                        break
            if found is None:
                raise AssertionError(f"no predecessor on day {d}")
            row[d], state = found
            if self.block_of[d] != self.block_of[d - 1]:
                # The reset resources: the cheapest cell of the block that ended.
                b = int(self.block_of[d - 1])
                masked = np.where(self._block_mask(b)[:, :, :, None],
                                  raw[d - 1][state[:2]], np.inf)
                sub = masked[(slice(None),) * 3 + (state[5],)]
                u, s_, n = np.unravel_index(int(np.argmin(sub)), sub.shape)
                state = state[:2] + (int(u), int(s_), int(n), state[5])
        # Day 0.
        t, j = state[0], state[1]
        if j < self.maxc:
            c = np.asarray(cost[0], float)
            value = raw[0][state]
            for k in range(self.n_opts[0]):
                inc = tuple(self.inc[0][k]) + (self._weekend_inc(0, None),)
                if (self.next_thr[0][k] == t and tuple(state[2:]) == inc
                        and abs(c[k] - value) <= 1e-7 * (1 + abs(value))):
                    row[0] = k
                    break
            else:
                raise AssertionError("no option on day 0")
        return row


# ----------------------------------------------------------------------------- groups
def week_groups(problem: RosterProblem) -> list[tuple[int, ...]]:
    """Agents that price alike: the same profile, rules, options, preferred days off and start
    window (their columns are interchangeable)."""
    p = problem
    groups: dict[tuple, list[int]] = {}
    for a in range(p.A):
        key = (int(p.profile_of[a]), p.rules[a],
               tuple(o.tobytes() for o in p.options[a]), p.preferred_off[a],
               p.preferred_start[a])
        groups.setdefault(key, []).append(a)
    return [tuple(v) for v in groups.values()]


# ----------------------------------------------------------------------------- master
@dataclass(frozen=True)
class ColumnGeneration:
    """The column generation's outcome. [objective units, s, count]

    Attributes
    ----------
    bound : the best Lagrangian bound over the rounds (the LP itself once converged), shaved
        for the simplex' tolerances. [objective units]
    lp : the last master LP value (a bound only when ``converged``). [objective units]
    converged : no column priced out at the last round.
    rounds, columns : rounds of pricing and columns generated. [count]
    groups : agent groups priced. [count]
    seconds : build and solve time. [s]
    history : ``(seconds, lp, lagrangian bound)`` after each round. [s, objective units]
    stopped : why it stopped: ``converged``, ``time limit``, or the master LP's status.
    """

    bound: float
    lp: float
    converged: bool
    rounds: int
    columns: int
    groups: int
    seconds: float
    history: tuple[tuple[float, float, float], ...] = ()
    stopped: str = ""


class _Master:
    """The master LP (:class:`~staffing.solver.decomposition.Master`): coverage rows as
    :mod:`staffing.solver.bound` writes them, agent weeks as its generated columns."""

    def __init__(self, p: RosterProblem, weights: SolverWeights, groups):
        self.p, self.weights, self.groups = p, weights, groups
        T, Q, P = p.T, p.Q, len(p.profiles)
        # The primal simplex from the last basis after each round's columns; one thread.
        master = Master(options={"solver": "simplex", "simplex_strategy": 4})
        self.master = master
        self.h = master.h
        rows, cols = master.add_rows, master.add_columns
        # Agents working per profile and interval: the weeks' shifts less their breaks,
        # split over the profile's queues (sum_q f - sum of the weeks' working = 0).
        self.work = work_rows = rows(P * T, 0.0, 0.0).reshape(P, T)
        # Every column but the weeks gets the finite upper bound every roster keeps (agents
        # of the profile, of the queue, a group's largest fairness cost): with it the
        # Lagrangian bound holds at any duals, however inexact the LP's (see lagrangian).
        size = np.array([len(prof.agents) for prof in p.profiles], dtype=float)
        # Split over queues, cover, over, understaffing segments.
        req = p.required.astype(float)
        cover = rows(Q * T, req.ravel(), np.inf).reshape(Q, T)
        over_rows = rows(Q * T, -req.ravel(), np.inf).reshape(Q, T)
        self.cover_rows, self.over_rows = cover, over_rows
        per_queue = np.zeros(Q)
        for pi, prof in enumerate(p.profiles):
            per_queue[list(prof.queues)] += size[pi]
        cols(Q * T, weights.overstaffing, 0.0, np.repeat(per_queue, T),
             [[int(over_rows[q, t])] for q in range(Q) for t in range(T)], [[1.0]] * (Q * T))
        for pi, prof in enumerate(p.profiles):
            for q in prof.queues:
                cols(T, weights.skill_priority * prof.step(q), 0.0, size[pi],
                     [[int(work_rows[pi, t]), int(cover[q, t]), int(over_rows[q, t])]
                      for t in range(T)], [[1.0, 1.0, -1.0]] * T)
        for value in np.unique(p.required[p.required > 0]):
            value = int(value)
            qs, ts = np.nonzero(p.required == value)
            _, width, slope = understaffing_segments(value, weights)
            n = len(qs) * len(width)
            cols(n, np.tile(slope, len(qs)), 0.0, np.tile(width, len(qs)),
                 [[int(cover[q, t])] for q, t in zip(qs, ts, strict=True) for _ in width],
                 [[1.0]] * n)
        # Per group: convexity, fairness by Jensen (tangents of n h(Y / n)).
        master.add_groups([float(len(g)) for g in groups], _ARTIFICIAL)
        self.fair: list[dict[str, list[tuple[int, float]]]] = []
        D = p.D
        for g in groups:
            n = len(g)
            mine: dict[str, list[tuple[int, float]]] = {}
            if weights.fairness > 0:
                for rule in ("fairness_weekends", "fairness_nights", "fairness_late"):
                    tangents = []
                    lo = []
                    for j in range(1, D):
                        h_j = weights.fairness * j * (j - 1) / 2
                        slope = weights.fairness * j
                        lo.append(n * h_j - slope * n * j)
                        tangents.append(slope)
                    if not lo:
                        continue
                    rws = rows(len(lo), lo, np.inf)
                    top = n * weights.fairness * D * (D - 1) / 2
                    cols(1, 1.0, 0.0, top, [list(map(int, rws))], [[1.0] * len(rws)])
                    mine[rule] = list(zip(map(int, rws), tangents, strict=True))
            self.fair.append(mine)
        master.freeze()
        self._prices_of: np.ndarray | None = None
        self._prices: dict = {}

    # -- a column of group g
    def option_costs(self, g: int, dual: np.ndarray | None):
        """Per day, each option's cost (direct cost, less the master's duals when given),
        and the day off's."""
        p, w = self.p, self.weights
        a = self.groups[g][0]
        pi = int(p.profile_of[a])
        rules = p.rules[a]
        out = []
        window = p.preferred_start[a]
        for d in range(p.D):
            table, opts = p.table(a, d), p.options[a][d]
            c = w.cost * rules.hourly_cost * table.paid[opts] / 60.0
            if d in p.preferred_off[a] and w.preference > 0:
                c = c + w.preference
            if window is not None and w.preference > 0:
                local = table.local_start[opts]
                c = c + w.preference * ~((window[0] <= local) & (local <= window[1]))
            if dual is not None:
                start, end = table.start[opts], table.end[opts]
                pot = self.potential(pi, dual)
                c = c + pot[start] - pot[end]
                takes = table.takes[opts].reshape(len(opts), len(p.breaks))
                for r in range(len(p.breaks)):
                    value, _ = self.break_prices(pi, r, dual)
                    c = c + takes[:, r] * value[start]
                for rule, flags in self._flags(a, d, opts, table).items():
                    price = sum(slope * dual[row] for row, slope in self.fair[g].get(rule, []))
                    c = c + price * flags
            out.append(np.asarray(c, float))
        return out

    def seed_duals(self, share: float) -> np.ndarray:
        """Duals valuing an agent working in an interval at ``share`` of the understaffing
        weight where one of its profile's queues has demand, else at minus the
        overstaffing weight (for the first columns)."""
        p, w = self.p, self.weights
        dual = np.zeros(self.master.m)
        for pi, prof in enumerate(p.profiles):
            demand = (p.required[list(prof.queues)] > 0).any(axis=0)
            dual[self.work[pi]] = np.where(demand, -share * w.understaffing, w.overstaffing)
        return dual

    def potential(self, pi: int, dual: np.ndarray) -> np.ndarray:
        """``-(sum of profile pi's work-row duals before t)`` for t = 0.. (constant past the
        horizon): a shift from s to e is priced ``potential[s] - potential[e]``."""
        key = ("potential", pi)
        if self._prices_of is not dual:
            self._prices_of, self._prices = dual, {}
        if key not in self._prices:
            T = self.p.T
            cum = np.concatenate([[0.0], np.cumsum(dual[self.work[pi]])])
            self._prices[key] = np.append(-cum, np.full(2 * T + 1, -cum[-1]))
        return self._prices[key]

    def break_prices(self, pi: int, r: int, dual: np.ndarray):
        """Per shift start interval of profile ``pi``: the least dual price of break rule
        ``r`` over its window, and the offset taking it (cached per dual vector)."""
        key = (pi, r)
        if self._prices_of is not dual:
            self._prices_of, self._prices = dual, {}
        if key not in self._prices:
            spec, T = self.p.breaks[r], self.p.T
            row = self.potential(pi, dual)
            at = np.arange(T)[:, None] + np.arange(spec.earliest, spec.latest + 1)[None, :]
            # A break from t to t + duration gives back the duals of the intervals it takes.
            price = row[at + spec.duration] - row[at]
            best = price.argmin(axis=1)
            self._prices[key] = (price[np.arange(T), best], best + spec.earliest)
        return self._prices[key]

    def _flags(self, a, d, opts, table):
        p = self.p
        return {"fairness_weekends": np.full(len(opts), float(p.is_weekend_day(d))),
                "fairness_nights": table.night[opts].astype(float),
                "fairness_late": table.late[opts].astype(float)}

    def add_column(self, g: int, row: tuple[int, ...], dual: np.ndarray | None) -> bool:
        """Group ``g``'s week ``row`` as a column, each break at the offset cheapest at
        ``dual`` (the window's earliest without duals); ``False`` when it is there already."""
        p = self.p
        a = self.groups[g][0]
        pi = int(p.profile_of[a])
        offsets = []
        for d, k in enumerate(row):
            if k < 0:
                continue
            table = p.table(a, d)
            o = p.options[a][d][k]
            for r, spec in enumerate(p.breaks):
                if table.takes.reshape(len(table), len(p.breaks))[o, r]:
                    off = spec.earliest if dual is None else \
                        int(self.break_prices(pi, r, dual)[1][table.start[o]])
                    offsets.append((d, r, off))
        key = (row, tuple(offsets))
        if self.master.has(g, key):
            return False
        a = self.groups[g][0]
        pi = int(p.profile_of[a])
        T = p.T
        direct = self.option_costs(g, None)
        cost = 0.0
        entries: dict[int, float] = {}

        def put(r, v):
            entries[r] = entries.get(r, 0.0) + v

        counts = {"fairness_weekends": 0.0, "fairness_nights": 0.0, "fairness_late": 0.0}
        for d, k in enumerate(row):
            if k < 0:
                continue
            table = p.table(a, d)
            o = p.options[a][d][k]
            cost += float(direct[d][k])
            for t in range(int(table.start[o]), min(int(table.end[o]), T)):
                put(int(self.work[pi, t]), -1.0)
            for d_, r, off in offsets:
                if d_ != d:
                    continue
                at = int(table.start[o]) + off
                for t in range(at, min(at + p.breaks[r].duration, T)):
                    put(int(self.work[pi, t]), 1.0)
            for rule, flags in self._flags(a, d, [o], table).items():
                counts[rule] += float(flags[0])
        for rule, rws in self.fair[g].items():
            for r, slope in rws:
                if counts[rule]:
                    put(r, -slope * counts[rule])
        return self.master.add_column(g, key, cost, entries)


def column_generation_bound(problem: RosterProblem, weights: SolverWeights, *,
                            time_limit_seconds: float = 60.0, columns_per_group: int = 3,
                            on_round: Callable[[float, float], None] | None = None,
                            start_duals: tuple | None = None) -> ColumnGeneration | None:
    """Column generation over agent weeks until no column prices out or the time limit.

    ``start_duals``: the aggregated relaxation's coverage duals
    (:attr:`~staffing.solver.bound.Relaxation.coverage_duals`). The same rows are in the
    master, so the Lagrangian bound at them (weeks priced exactly, fairness unpriced) is a
    first bound, and usually a good one: at the relaxation's optimal duals it is at least the
    relaxation's optimum less its fairness cost; its columns are the first ones, and its
    duals the first stability centre.

    Returns the best Lagrangian bound (every round's is valid); ``None`` when some group's
    week falls outside what :class:`WeekDP` models (:class:`PricingUnsupported`) or no round
    was priced in time. ``on_round(lp, bound)`` is called after each round.
    """
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    p = problem
    groups = week_groups(p)
    try:
        programs = [WeekDP(p, g[0]) for g in groups]
    except PricingUnsupported:
        return None
    created = time.perf_counter()
    master = _Master(p, weights, groups)
    # HiGHS counts its time limit on the object's clock, from its creation, over all runs.
    master.h.setOptionValue("time_limit", max(0.1, deadline - created))
    # First columns: each group's best weeks when an agent-interval on a queue with demand
    # is worth a share of the understaffing weight (and one without, minus overstaffing).
    for share in SEED_SHARES:
        seed = master.seed_duals(share)
        for g, dp in enumerate(programs):
            for _, row in dp.solve(master.option_costs(g, seed), None, columns_per_group):
                master.add_column(g, tuple(row), seed)

    def price(dual: np.ndarray) -> list[Priced | None]:
        """Every group's cheapest weeks at ``dual`` (``None`` past the deadline, and for a
        group without a legal week: the precheck explains it, no bound here)."""
        out: list[Priced | None] = []
        for g, dp in enumerate(programs):
            found = (dp.solve(master.option_costs(g, dual), None, columns_per_group)
                     if time.perf_counter() <= deadline else [])
            out.append(Priced(found[0][0], [(v, tuple(row)) for v, row in found])
                       if found else None)
        return out

    def reprice(g: int, row: tuple[int, ...], dual: np.ndarray) -> float:
        costs = master.option_costs(g, dual)
        return sum(float(costs[d][k]) for d, k in enumerate(row) if k >= 0)

    start = None
    if start_duals is not None:
        start = np.zeros(master.master.m)
        work, cover, over = start_duals
        start[master.work.ravel()] = np.asarray(work).ravel()
        start[master.cover_rows.ravel()] = np.asarray(cover).ravel()
        start[master.over_rows.ravel()] = np.asarray(over).ravel()
    out = generate(master.master, price, master.add_column, deadline=deadline,
                   smoothing=SMOOTHING, reprice=reprice, start_duals=start,
                   on_round=None if on_round is None else
                   lambda lp, b, _: on_round(lp, b) if math.isfinite(b) else None)
    if not math.isfinite(out.bound):
        return None
    best = out.bound - 10 * TOLERANCE * max(1.0, abs(out.bound))
    return ColumnGeneration(best, out.lp, out.converged, out.rounds, len(master.master.generated),
                            len(groups), time.perf_counter() - started, out.history,
                            out.stopped)
