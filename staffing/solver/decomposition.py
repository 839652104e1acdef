"""Dantzig-Wolfe column generation: an LP master in HiGHS, rounds of pricing, a Lagrangian
bound valid at every round, and the fixings a dive needs.

A problem whose hard rules each bind one member (an agent, an employee) alone decomposes: a
solution is one *column* per member, a whole legal plan of that member, and the master LP
keeps only the coupling part (coverage, its slacks) and one convexity row per *group* of
interchangeable members (``sum of the group's columns = its size``). What a column is, what it
costs and how the cheapest one is found at given duals (the *pricing*) belong to the caller;
this module is the rest, shared by the roster's bound (:mod:`staffing.solver.colgen`: agent
weeks priced by :class:`~staffing.solver.colgen.WeekDP`) and by the Curtois benchmark
(``benchmarks/curtois/colgen.py``: employee rosters priced by its dynamic program or CP-SAT,
then dives).

The bound (:meth:`Master.lagrangian`): for any row duals ``pi`` made sign-valid, ``pi . b``
plus each static column's least value over its bounds plus each group's size times its
least column cost at ``pi`` bounds every integer solution below (every static column has a
finite upper bound, so the bound holds at any duals, the LP's, smoothed ones or a start);
once no column prices out it equals the LP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import highspy
import highspy._core
import numpy as np
import scipy.sparse as sp

__all__ = ["Generation", "Master", "Priced", "generate"]

#: Relative shave of a bound for the simplex' tolerances.
TOLERANCE = 1e-7


class Master:
    """The master LP: rows, the *static* columns (slacks and other columns with finite upper
    bounds, added before :meth:`freeze`), one convexity row per group, and the *generated*
    columns (a group's plans, added round by round; ``generated[j]`` is the ``(group, key)``
    of the ``j``-th).

    ``options``: HiGHS options (``solver``, ``simplex_strategy``, ...) set after
    ``output_flag=False``, ``random_seed`` and ``threads=1``. One thread: HiGHS keeps one
    thread scheduler per process, sized by its first solve, and a later solve asking for
    another number fails (every HiGHS solve of the product asks for one).
    """

    def __init__(self, *, seed: int = 0, options: dict | None = None):
        # The core class: the Python wrapper ``highspy.Highs`` prints a banner on stdout.
        h = getattr(highspy._core, "_Highs", highspy.Highs)()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", seed)
        h.setOptionValue("threads", 1)
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        self.h = h
        self.m = 0
        self.n = 0
        self.static = 0
        self.convex = np.zeros(0, dtype=np.int64)
        self.sizes = np.zeros(0)
        self.generated: list[tuple[int, Hashable]] = []
        self._seen: set[tuple[int, Hashable]] = set()
        self._frozen = False

    # -- building
    def add_rows(self, count: int, lo, hi) -> np.ndarray:
        """``count`` rows ``lo <= a x <= hi`` (``lo``, ``hi`` scalars or arrays, infinite
        allowed); their indices."""
        inf = highspy.kHighsInf
        lo = np.broadcast_to(np.asarray(lo, float), (count,))
        hi = np.broadcast_to(np.asarray(hi, float), (count,))
        self.h.addRows(count, np.where(np.isinf(lo), -inf, lo), np.where(np.isinf(hi), inf, hi),
                       0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        idx = np.arange(self.m, self.m + count)
        self.m += count
        return idx

    def add_columns(self, count: int, cost, lo, hi, rows: Sequence[Sequence[int]],
                    values: Sequence[Sequence[float]]) -> np.ndarray:
        """``count`` static columns, column ``i`` with entries ``values[i]`` in rows
        ``rows[i]``; their indices. Only before :meth:`freeze`."""
        if self._frozen:
            raise RuntimeError("static columns are added before freeze()")
        self._add(count, cost, lo, hi, rows, values)
        idx = np.arange(self.n - count, self.n)
        return idx

    def _add(self, count, cost, lo, hi, rows, values) -> None:
        inf = highspy.kHighsInf
        starts = np.zeros(count, np.int32)
        flat_r: list[int] = []
        flat_v: list[float] = []
        for i in range(count):
            starts[i] = len(flat_r)
            flat_r.extend(rows[i])
            flat_v.extend(values[i])
        cost = np.broadcast_to(np.asarray(cost, float), (count,))
        lo = np.broadcast_to(np.asarray(lo, float), (count,))
        hi = np.broadcast_to(np.asarray(hi, float), (count,))
        self.h.addCols(count, cost, lo, np.where(np.isinf(hi), inf, hi), len(flat_r), starts,
                       np.asarray(flat_r, np.int32), np.asarray(flat_v, float))
        self.n += count

    def add_groups(self, sizes: Sequence[float], artificial_cost: float | None = None
                   ) -> np.ndarray:
        """One convexity row per group (``= size``), with an artificial column of cost
        ``artificial_cost`` each when given (the group unplanned, for the first rounds);
        the rows' indices."""
        sizes = np.asarray(sizes, float)
        self.convex = self.add_rows(len(sizes), sizes, sizes)
        self.sizes = sizes
        if artificial_cost is not None:
            self.add_columns(len(sizes), artificial_cost, 0.0, sizes,
                             [[int(r)] for r in self.convex], [[1.0]] * len(sizes))
        return self.convex

    def freeze(self) -> None:
        """End of the static part: the rows and static columns as :meth:`lagrangian` needs
        them. Every static column must have a finite upper bound (else the bound is only
        valid at duals pricing it non-negatively; :meth:`lagrangian` says ``-inf``)."""
        lp = self.h.getLp()
        a = lp.a_matrix_
        self.A_static = sp.csc_matrix(
            (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)),
            shape=(self.m, self.n))
        self.c_static = np.asarray(lp.col_cost_)
        self.ub_static = np.asarray(lp.col_upper_)
        self.row_lo = np.asarray(lp.row_lower_)
        self.row_hi = np.asarray(lp.row_upper_)
        self.is_convex = np.zeros(self.m, dtype=bool)
        self.is_convex[self.convex] = True
        self.static = self.n
        self._frozen = True

    def has(self, group: int, key: Hashable) -> bool:
        """Whether group ``group``'s column ``key`` is in the master."""
        return (group, key) in self._seen

    def add_column(self, group: int, key: Hashable, cost: float,
                   entries: dict[int, float]) -> bool:
        """A generated column of ``group`` (its convexity entry added here) with ``entries``
        ``{row: value}`` in the other rows; ``False`` when ``(group, key)`` is there."""
        if (group, key) in self._seen:
            return False
        self._seen.add((group, key))
        entries = dict(entries)
        entries[int(self.convex[group])] = 1.0
        rs = sorted(entries)
        self._add(1, cost, 0.0, np.inf, [rs], [[entries[r] for r in rs]])
        self.generated.append((group, key))
        return True

    # -- solving
    def solve(self) -> bool:
        """Solve the LP; ``True`` when optimal. The primal simplex from the last basis loses
        its way on some degenerate masters: then once more from scratch by the dual simplex."""
        h = self.h
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            _, strategy = h.getOptionValue("simplex_strategy")
            h.setOptionValue("simplex_strategy", 1)
            h.clearSolver()
            h.run()
            h.setOptionValue("simplex_strategy", strategy)
        return h.getModelStatus() == highspy.HighsModelStatus.kOptimal

    def status(self) -> str:
        return self.h.modelStatusToString(self.h.getModelStatus())

    @property
    def objective(self) -> float:
        """The last LP's value."""
        return float(self.h.getInfo().objective_function_value)

    def duals(self) -> np.ndarray:
        """The last LP's row duals, sign-valid (:meth:`feasible_dual`)."""
        return self.feasible_dual(np.asarray(self.h.getSolution().row_dual))

    def values(self) -> np.ndarray:
        """The last LP's value of each generated column."""
        return np.asarray(self.h.getSolution().col_value)[self.static:]

    def set_upper(self, j: int, upper: float) -> None:
        """Upper bound of generated column ``j`` (0: cut by a dive's fixing)."""
        self.h.changeColBounds(self.static + j, 0, upper)

    def reset_scheduler(self) -> None:
        """HiGHS keeps one thread scheduler per process, sized by the first solve: release it,
        or a later solve asking for another number of threads fails."""
        type(self.h).resetGlobalScheduler(True)

    # -- the bound
    def feasible_dual(self, dual: np.ndarray) -> np.ndarray:
        """``dual`` with each row's sign made valid for a Lagrangian multiplier (``>= 0`` on a
        row bounded below only, ``<= 0`` above only)."""
        inf = highspy.kHighsInf
        out = np.array(dual, dtype=float)
        out[(self.row_hi >= inf) & (out < 0)] = 0.0
        out[(self.row_lo <= -inf) & (out > 0)] = 0.0
        return out

    def lagrangian(self, dual: np.ndarray, minima: Sequence[float]) -> float:
        """The Lagrangian bound at ``dual`` (made sign-valid): the rows' right-hand sides at
        ``dual``, the least value of each static column over its bounds, and each group's size
        times ``minima[g]``, a lower bound on its cheapest column's cost at ``dual`` (before
        the convexity dual). ``-inf`` when a static column without an upper bound prices
        negatively."""
        inf = highspy.kHighsInf
        pi = self.feasible_dual(dual)
        pi[self.is_convex] = 0.0
        rhs = np.where(self.row_lo == self.row_hi, self.row_lo,
                       np.where(pi > 0, self.row_lo, np.where(pi < 0, self.row_hi, 0.0)))
        value = float(np.dot(pi, np.where(np.isfinite(rhs) & (np.abs(rhs) < inf), rhs, 0.0)))
        rc = self.c_static - self.A_static.T @ pi
        negative = rc < 0
        if (negative & (self.ub_static >= inf)).any():
            return -math.inf
        value += float(np.dot(rc[negative], self.ub_static[negative]))
        value += float(np.dot(self.sizes, np.asarray(minima, float)))
        return value


@dataclass(frozen=True)
class Priced:
    """One group's pricing at some duals.

    Attributes
    ----------
    minimum : a lower bound on the group's cheapest column cost at the duals, before the
        convexity dual (the exact minimum for an exact pricing); ``None`` when the pricing
        proved none (out of time). [objective units]
    columns : ``(cost at the duals before the convexity dual, column)`` of the columns found,
        cheapest first; ``column`` is what the caller's ``add`` takes.
    """

    minimum: float | None
    columns: Sequence[tuple[float, object]] = ()


@dataclass(frozen=True)
class Generation:
    """The outcome of :func:`generate`. [objective units, s, count]

    Attributes
    ----------
    bound : the best Lagrangian bound over the rounds (``-inf`` when no round was priced
        exactly). [objective units]
    lp : the last master LP value (a bound only when ``converged``). [objective units]
    converged : no column priced out at the last round (or the bound met the LP).
    rounds, columns : rounds of pricing and columns added. [count]
    seconds : time spent. [s]
    history : ``(seconds, lp, best bound)`` after each round (``lp`` NaN for the start).
    stopped : why it stopped: ``converged``, ``time limit``, ``rounds``, ``pricing
        incomplete`` or the master LP's status.
    """

    bound: float
    lp: float
    converged: bool
    rounds: int
    columns: int
    seconds: float
    history: tuple[tuple[float, float, float], ...] = ()
    stopped: str = ""


#: ``price(dual) -> [Priced | None per group]`` (``None``: the group was not priced).
PriceFn = Callable[[np.ndarray], Sequence["Priced | None"]]
#: ``add(group, column, dual) -> bool``: put the column in the master (``False``: already).
AddFn = Callable[[int, object, np.ndarray], bool]
#: ``reprice(group, column, dual) -> cost`` at other duals (before the convexity dual).
RepriceFn = Callable[[int, object, np.ndarray], float]


def generate(master: Master, price: PriceFn, add: AddFn, *, deadline: float,
             max_rounds: int | None = None, smoothing: float = 0.0,
             reprice: RepriceFn | None = None, integral: bool = False,
             start_duals: np.ndarray | None = None,
             on_round: Callable[[float, float, int], None] | None = None) -> Generation:
    """Rounds of column generation on ``master`` until no column prices out, the bound meets
    the LP, ``max_rounds`` or ``deadline`` (``time.perf_counter()``); the master's last LP
    is then its solution with every column added.

    Each round solves the LP, prices every group at its duals and adds each column whose
    reduced cost is negative. ``smoothing`` (Wentges): price at ``smoothing x centre + (1 -
    smoothing) x LP duals``, the centre being the duals of the best bound so far, the
    columns' reduced costs taken at the LP's duals by ``reprice`` (when none is negative,
    the round prices again at the LP's duals). ``integral``: the objective is integer, so the
    rounds stop once the bound rounded up meets the LP rounded up. ``start_duals``: price
    once at them before the first LP (its bound, its columns, its duals the first centre).
    ``on_round(lp, bound, added)`` after each round. The first round is run even past the
    deadline (a caller that changed column bounds reads the LP); ``price`` decides what it
    prices then.
    """
    started = time.perf_counter()
    best = -math.inf
    center: np.ndarray | None = None  # the duals of the best bound
    history: list[tuple[float, float, float]] = []
    rounds = added_total = 0

    def priced_round(at: np.ndarray, lp_dual: np.ndarray | None, every: bool = False
                     ) -> tuple[float | None, int]:
        """Price every group at ``at``; add the columns with negative reduced cost at
        ``lp_dual`` (``at`` itself when ``None``; all of them with ``every``). Returns the
        bound at ``at`` (``None`` unless every group was priced exactly) and the columns
        added."""
        found = price(at)
        exact = all(f is not None and f.minimum is not None for f in found)
        bound = master.lagrangian(at, [f.minimum for f in found]) if exact else None
        dual = at if lp_dual is None else lp_dual
        added = 0
        for g, f in enumerate(found):
            if f is None:
                continue
            mu = dual[master.convex[g]]
            for value, column in f.columns:
                if lp_dual is not None and reprice is not None:
                    value = reprice(g, column, dual)
                if every or value - mu < -1e-6 * (1 + abs(mu)):
                    added += add(g, column, dual)
        return bound, added

    if start_duals is not None:
        at = master.feasible_dual(start_duals)
        bound, added = priced_round(at, None, every=True)  # no LP yet: its first columns
        added_total += added
        if bound is not None and bound > best:
            best, center = bound, at
        history.append((time.perf_counter() - started, math.nan, best))
        if on_round is not None:
            on_round(math.nan, best, added)
    lp = math.inf
    converged = False
    stopped = "time limit"
    dirty = True  # columns were added since the last LP
    while True:
        # At least one round, past the deadline too: the master's LP is then solved with its
        # columns' bounds as they are now (a dive reads it), its pricing left to ``price``.
        if max_rounds is not None and rounds >= max_rounds:
            stopped = "rounds"
            break
        if rounds and time.perf_counter() >= deadline:
            break
        if not master.solve():
            stopped = f"master LP: {master.status()}"
            break
        dirty = False
        lp = master.objective
        dual = master.duals()
        rounds += 1
        added = 0
        exact = False  # every group priced exactly at the LP's duals
        for alpha in ((smoothing, 0.0) if smoothing and center is not None else (0.0,)):
            at = dual if alpha == 0.0 else alpha * center + (1 - alpha) * dual
            bound, added = priced_round(at, dual if alpha else None)
            exact = alpha == 0.0 and bound is not None
            if bound is not None and bound > best:
                best, center = bound, at
            if added:
                break  # else the smoothed duals mispriced: price at the LP's
        added_total += added
        dirty = added > 0
        history.append((time.perf_counter() - started, lp, best))
        if on_round is not None:
            on_round(lp, best, added)
        met = math.isfinite(best) and (
            best >= lp - 1e-6 * max(1.0, abs(lp))
            or integral and math.ceil(best - 1e-6) >= math.ceil(lp - 1e-6))
        if met or (added == 0 and exact):
            converged, stopped = True, "converged"
            break
        if added == 0:
            stopped = "pricing incomplete"
            break
    if dirty and rounds:
        # The master's solution with every column added (a dive reads it); past the deadline
        # too: the LP of a master this size takes a fraction of a round.
        if master.solve():  # (HiGHS' own time limit may stop it: the last LP value stays)
            lp = master.objective
    return Generation(best, lp, converged, rounds, added_total,
                      time.perf_counter() - started, tuple(history), stopped)
