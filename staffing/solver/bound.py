"""A lower bound on the roster objective from an aggregated linear relaxation.

Agents with the same skill profile and the same resolved rules (contract, hours, cost) form a
group. The relaxation counts shifts per group, day and candidate (``y >= 0``, continuous) instead
of choosing them per agent:

- per day, no more shifts than agents of the group available that day (and per candidate, than
  agents for whom it is an option);
- per week, the group's paid minutes between ``n`` times the minimum and the maximum, its shifts
  and night shifts within ``n`` times the limits;
- per window of ``max_consecutive_days + 1`` days, at most ``n * max_consecutive_days`` shifts;
- per weekend, agents working it at least the shifts of each of its days, and at most
  ``n * (weekends - min_weekends_off)`` weekends worked in all;
- coverage per skill profile and interval: agents working (a variable per profile and
  interval, written by its changes: shifts starting and ending, breaks starting and ending),
  split over the profile's queues, with the convex understaffing (one variable per segment of
  the piecewise-linear penalty, cheapest first) and overstaffing; each break rule's breaks are
  counted per profile, shift start and offset in the rule's window (their sum is the number of
  those shifts taking the rule) — the same breaks as the CP-SAT model's first-in-first-out
  counts, and every count appears in two coverage rows only;
- preferred days off: at least the shifts beyond the group's agents who do not prefer the day
  off; fairness: by Jensen's inequality, a group of ``n`` agents working ``Y`` weekend days (or
  nights, late shifts) pays at least ``n * h(Y / n)`` for the convex per-agent penalty ``h``.

Every roster maps to a feasible point of this LP with the same or a higher objective (rest,
runs of days off, start preferences and the break cap are dropped, which only lowers it), so
the LP optimum is a valid lower bound on the optimum roster.

The LP is assembled as sparse triplets with numpy (no Python loop per nonzero) and solved with
HiGHS' interior point method without crossover (``highspy``): about 10 s for the S benchmark
week (45,000 columns), about a minute for M (210,000 columns) on a loaded 2-core machine. Its
value is shaved by ten times the method's relative gap tolerance, so solver tolerances cannot
lift it above the true optimum.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import highspy
import highspy._core
import numpy as np
import scipy.sparse as sp

from staffing.config import SolverWeights
from staffing.solver.coverage import understaffing_segments
from staffing.solver.problem import RosterProblem, block_limits

__all__ = ["Relaxation", "relaxation_bound", "relaxation_columns"]

#: Relative duality gap HiGHS' interior point method stops at; the bound is shaved by ten
#: times that (see :func:`relaxation_bound`).
_IPM_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Relaxation:
    """The relaxation's optimum (a lower bound), its solution in the problem's terms, and how
    long it took. [objective units, s]

    Attributes
    ----------
    bound : the LP optimum less a hair for solver tolerances. [objective units]
    seconds : build and solve time. [s]
    variables, constraints : size of the LP (before HiGHS' presolve).
    group_agents : per group, the agent indices in it (same rules and skill profile).
    shifts : ``shifts[g][d]`` ``(candidates, counts)``: the LP's shift counts of group ``g`` on
        day ``d`` (candidate indices into the group's table; counts continuous).
    coverage_duals : the LP's duals of its coverage rows, ``(work, cover, over)`` of shapes
        ``(profiles, T)``, ``(Q, T)``, ``(Q, T)`` (rows ``sum_q f - W = 0``, ``served + short >=
        required``, ``over - served >= -required``): the column generation starts from them
        (:mod:`staffing.solver.colgen`); ``None`` for a MIP.
    breakdown : the LP's objective by rule, named as the roster's
        (:attr:`~staffing.solver.core.RosterResult.objective_breakdown`: ``cost``,
        ``understaffing``, ``overstaffing``, ``skill_priority``, ``preferred_day_off``,
        ``fairness_weekends``, ``fairness_nights``, ``fairness_late``; the rules it drops, such
        as ``preferred_start``, are absent), so a gap can be read rule by rule; empty for a MIP
        without an integer point. [objective units]
    """

    bound: float
    seconds: float
    variables: int
    constraints: int
    group_agents: tuple[tuple[int, ...], ...] = ()
    shifts: tuple = ()
    breakdown: Mapping[str, float] = field(default_factory=dict)
    coverage_duals: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def understaffing(self) -> float:
        """The LP's understaffing cost (NaN for a MIP without an integer point).
        [objective units]"""
        return self.breakdown.get("understaffing", float("nan"))


class _LP:
    """A sparse LP assembled from blocks of rows and columns (COO triplets)."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.n = 0
        self.m = 0
        self.ri: list[np.ndarray] = []
        self.ci: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rlo: list[np.ndarray] = []
        self.rhi: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []

    def variables(self, count: int, lb=0.0, ub=np.inf, cost=0.0, integer=False) -> np.ndarray:
        idx = np.arange(self.n, self.n + count, dtype=np.int64)
        if integer:
            self.integer.append(idx)
        self.n += count
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (count,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (count,)).copy())
        self.cost.append(np.broadcast_to(np.asarray(cost, float), (count,)).copy())
        return idx

    def rows(self, count: int, lo=-np.inf, hi=np.inf) -> np.ndarray:
        idx = np.arange(self.m, self.m + count, dtype=np.int64)
        self.m += count
        self.rlo.append(np.broadcast_to(np.asarray(lo, float), (count,)).copy())
        self.rhi.append(np.broadcast_to(np.asarray(hi, float), (count,)).copy())
        return idx

    def coef(self, rows, cols, vals=1.0) -> None:
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        self.ri.append(rows)
        self.ci.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, float), rows.shape).ravel().copy())

    def solve(self, time_limit_seconds: float, threads: int = 1):
        """Solve with HiGHS' interior point method (no crossover: the bound needs the optimal
        value, not a vertex). Returns ``(status, objective, x)``. With integer columns, HiGHS'
        branch and cut instead: ``objective`` is its dual bound when the time runs out (valid,
        though the MIP is not solved) and ``x`` its best integer point, if any."""
        cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0))
        A = sp.csc_matrix((cat(self.vals), (cat(self.ri).astype(np.int64),
                                            cat(self.ci).astype(np.int64))),
                          shape=(self.m, self.n))
        A.sum_duplicates()
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, self.m
        lp.col_cost_ = cat(self.cost)
        lp.col_lower_ = cat(self.lb)
        lp.col_upper_ = np.where(np.isinf(cat(self.ub)), inf, cat(self.ub))
        lp.row_lower_ = np.where(np.isinf(cat(self.rlo)), -inf, cat(self.rlo))
        lp.row_upper_ = np.where(np.isinf(cat(self.rhi)), inf, cat(self.rhi))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr
        lp.a_matrix_.index_ = A.indices
        lp.a_matrix_.value_ = A.data
        # The core class: the Python wrapper ``highspy.Highs`` prints a banner on stdout.
        h = getattr(highspy._core, "_Highs", highspy.Highs)()
        mip = bool(self.integer)
        if mip:
            kind = np.zeros(self.n, dtype=np.uint8)
            kind[np.concatenate(self.integer)] = 1
            lp.integrality_ = [highspy.HighsVarType.kInteger if k else
                               highspy.HighsVarType.kContinuous for k in kind]
        h.setOptionValue("output_flag", False)
        if mip:
            h.setOptionValue("mip_lp_solver", "ipm")  # the root LP: simplex takes minutes
        else:
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("run_crossover", "off")
        h.setOptionValue("threads", int(threads))
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("ipm_optimality_tolerance", _IPM_TOLERANCE)
        h.setOptionValue("time_limit", float(time_limit_seconds))
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        if mip:
            info = h.getInfo()
            has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
            x = np.asarray(h.getSolution().col_value) if has_point else None
            dual = info.mip_dual_bound
            if not np.isfinite(dual):
                return False, None, None
            return True, float(dual), x
        if status != highspy.HighsModelStatus.kOptimal:
            return False, None, None
        self.row_dual = np.asarray(h.getSolution().row_dual)
        return True, h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)


def relaxation_columns(problem: RosterProblem, weights: SolverWeights) -> int:
    """How many columns :func:`relaxation_bound`'s LP has (its time grows with them:
    :data:`staffing.solver.core.RELAXATION_SECONDS_PER_COLUMN`), counted without building it:
    the shift counts per group, day and candidate, the break counts per profile, start and
    offset, the split per profile, queue and interval, the agents at work and the
    overstaffing per interval, the understaffing segments (the few penalty columns of
    preferences, fairness and weekends left out). [count]"""
    p = problem
    T, Q, P, R = p.T, p.Q, len(p.profiles), len(p.breaks)
    shifts = 0
    starts: list[set] = [set() for _ in range(R)]
    for pi, rules, members in _groups(p):
        for d in range(p.D):
            opts = [p.options[a][d] for a in members]
            if not any(len(o) for o in opts):
                continue
            table = p.tables[(rules.contract, d)]
            ks = np.unique(np.concatenate(opts))
            shifts += len(ks)
            takes = table.takes[ks].reshape(len(ks), R)
            for r in range(R):
                starts[r].update(pi * T + table.start[ks[takes[:, r]]].astype(np.int64))
    breaks = sum(len(starts[r]) * (spec.latest - spec.earliest + 1)
                 for r, spec in enumerate(p.breaks))
    split = T * sum(len(prof.queues) for prof in p.profiles)
    segments = sum(int((p.required == value).sum())
                   * len(understaffing_segments(int(value), weights)[1])
                   for value in np.unique(p.required[p.required > 0]))
    return shifts + breaks + split + P * T + Q * T + segments


def _groups(p: RosterProblem) -> list[tuple[int, object, tuple[int, ...]]]:
    """Agents with the same profile and resolved rules: ``(profile, rules, members)``."""
    groups: dict[tuple, list[int]] = {}
    for a in range(p.A):
        groups.setdefault((int(p.profile_of[a]), p.rules[a]), []).append(a)
    return [(pi, rules, tuple(members)) for (pi, rules), members in groups.items()]


def relaxation_bound(problem: RosterProblem, weights: SolverWeights, *,
                     time_limit_seconds: float = 60.0, integer: bool = False
                     ) -> Relaxation | None:
    """Solve the aggregated relaxation; ``None`` if it was not solved to optimality in time.

    ``integer`` makes the shift counts, break counts and queue split integer, as in a roster:
    a MIP for HiGHS' branch and cut, whose dual bound at the time limit is returned (a valid
    bound at least the LP's when HiGHS gets past its root; ``shifts`` then holds its best
    integer point, or is empty without one). Far slower: meant for measuring how far the LP
    bound is from the best roster on small weeks.
    """
    started = time.perf_counter()
    p = problem
    T, D, Q, P = p.T, p.D, p.Q, len(p.profiles)
    R = len(p.breaks)
    lp = _LP()
    groups = _groups(p)
    # The LP's columns priced by each rule of the objective (for Relaxation.breakdown).
    priced: dict[str, list[np.ndarray]] = {"understaffing": []}
    G = len(groups)

    # ---- shift counts y per group, day and candidate
    cols: dict[str, list] = {k: [] for k in ("idx", "g", "d", "k", "start", "end", "paid",
                                             "night", "late", "takes")}
    n_agents = np.array([len(m) for _, _, m in groups], dtype=np.int64)
    for g, (pi, rules, members) in enumerate(groups):
        for d in range(D):
            table = p.tables[(rules.contract, d)]
            opts = [p.options[a][d] for a in members]
            avail = sum(1 for o in opts if len(o))
            if not avail:
                continue
            count = np.bincount(np.concatenate(opts), minlength=len(table))
            ks = np.flatnonzero(count)
            idx = lp.variables(len(ks), 0.0, count[ks].astype(float),
                               weights.cost * rules.hourly_cost * table.paid[ks] / 60.0,
                               integer=integer)
            priced.setdefault("cost", []).append(idx)
            row = lp.rows(1, hi=float(avail))
            lp.coef(np.repeat(row, len(idx)), idx)
            for name, value in (("idx", idx), ("g", np.full(len(ks), g)),
                                ("d", np.full(len(ks), d)), ("k", ks),
                                ("start", table.start[ks]), ("end", table.end[ks]),
                                ("paid", table.paid[ks]), ("night", table.night[ks]),
                                ("late", table.late[ks]),
                                ("takes", table.takes[ks].reshape(len(ks), R))):
                cols[name].append(value)
            # Preferred days off: shifts beyond the members who do not prefer the day off.
            prefer = sum(1 for a, o in zip(members, opts, strict=True)
                         if len(o) and d in p.preferred_off[a])
            if prefer and weights.preference > 0:
                pen = lp.variables(1, cost=weights.preference)
                priced.setdefault("preferred_day_off", []).append(pen)
                row = lp.rows(1, lo=-float(avail - prefer))
                lp.coef(np.repeat(row, len(idx) + 1), np.concatenate([pen, idx]),
                        np.concatenate([[1.0], -np.ones(len(idx))]))
    y = {k: np.concatenate(v) if v else np.zeros((0, R) if k == "takes" else 0, np.int64)
         for k, v in cols.items()}
    yi, yg, yd = y["idx"], y["g"], y["d"]
    yp = np.array([groups[g][0] for g in range(G)], dtype=np.int64)[yg] if len(yg) else yg
    day_block = np.empty(D, dtype=np.int64)
    for b, block in enumerate(p.blocks):
        day_block[list(block.range)] = b
    weekend_day = np.array([p.is_weekend_day(d) for d in range(D)], dtype=bool)

    # ---- per group: weekly hours, shifts and nights; runs of days; weekends; fairness
    NB = len(p.blocks)
    lo = np.empty((G, NB))
    hi = np.empty((G, NB))
    shifts_hi = np.empty((G, NB))
    nights_hi = np.full((G, NB), np.inf)
    for g, (_, rules, members) in enumerate(groups):
        n = len(members)
        for b, block in enumerate(p.blocks):
            lim = block_limits(rules, block)
            lo[g, b], hi[g, b] = n * lim.min_minutes, n * lim.max_minutes
            shifts_hi[g, b] = n * lim.max_shifts
            if lim.max_nights is not None:
                nights_hi[g, b] = n * lim.max_nights
    yb = day_block[yd]
    rows = lp.rows(G * NB, lo.ravel(), hi.ravel())
    lp.coef(rows[yg * NB + yb], yi, y["paid"].astype(float))
    rows = lp.rows(G * NB, hi=shifts_hi.ravel())
    lp.coef(rows[yg * NB + yb], yi)
    night = y["night"].astype(bool)
    rows = lp.rows(G * NB, hi=nights_hi.ravel())
    lp.coef(rows[yg[night] * NB + yb[night]], yi[night])

    by_group = [np.flatnonzero(yg == g) for g in range(G)]
    for g, (_, rules, members) in enumerate(groups):
        n = len(members)
        mine = by_group[g]
        if not len(mine):
            continue
        days = yd[mine]
        k_max = rules.max_consecutive_days
        for first in range(max(0, D - k_max)):
            sel = mine[(days >= first) & (days <= first + k_max)]
            row = lp.rows(1, hi=float(n * k_max))
            lp.coef(np.repeat(row, len(sel)), yi[sel])
        if rules.min_weekends_off > 0 and p.weekends:
            z = lp.variables(len(p.weekends), 0.0, float(n))
            total = lp.rows(1, hi=float(n * (len(p.weekends) - rules.min_weekends_off)))
            lp.coef(np.repeat(total, len(z)), z)
            for w, wdays in enumerate(p.weekends):
                for d in wdays:
                    sel = mine[days == d]
                    row = lp.rows(1, lo=0.0)  # z - sum(y of day d) >= 0
                    lp.coef(np.repeat(row, len(sel) + 1), np.concatenate([[z[w]], yi[sel]]),
                            np.concatenate([[1.0], -np.ones(len(sel))]))
        if weights.fairness > 0:
            for rule, flag in (("fairness_weekends", weekend_day[days]),
                               ("fairness_nights", y["night"][mine].astype(bool)),
                               ("fairness_late", y["late"][mine].astype(bool))):
                chosen = yi[mine[flag]]
                if not len(chosen):
                    continue
                pen = lp.variables(1, cost=1.0)
                priced.setdefault(rule, []).append(pen)
                # Jensen: n agents working Y flagged shifts pay at least n * h(Y / n) for the
                # convex h(c) = w c (c - 1) / 2; its tangent lines through j, j + 1.
                for j in range(1, D):
                    h_j = weights.fairness * j * (j - 1) / 2
                    slope = weights.fairness * j
                    row = lp.rows(1, lo=n * h_j - slope * n * j)
                    lp.coef(np.repeat(row, len(chosen) + 1), np.concatenate([pen, chosen]),
                            np.concatenate([[1.0], np.full(len(chosen), -slope)]))

    # ---- coverage per profile and interval: working = on shift - on break (no chains: a
    # cumulative formulation is exact too, but far slower for HiGHS)
    # W[p, i]: agents of profile p working (on shift, not on break) in interval i, written by
    # its changes (shifts and breaks starting and ending), so every count is in two rows.
    work = lp.variables(P * T).reshape(P, T)
    work_rows = lp.rows(P * T, 0.0, 0.0).reshape(P, T)    # sum_q f - W = 0
    lp.coef(work_rows, work, -1.0)
    diff = lp.rows(P * T, 0.0, 0.0).reshape(P, T)         # W[i] - W[i-1] - changes at i = 0
    lp.coef(diff, work, 1.0)
    lp.coef(diff[:, 1:], work[:, :-1], -1.0)
    ystart = y["start"].astype(np.int64)
    yend = y["end"].astype(np.int64)
    lp.coef(diff[yp, ystart], yi, -1.0)
    ends = yend < T
    lp.coef(diff[yp[ends], yend[ends]], yi[ends], 1.0)
    for r, spec in enumerate(p.breaks):
        takes = y["takes"][:, r].astype(bool)
        if not takes.any():
            continue
        # Breaks of the shifts of a profile starting in the same interval, by offset in the
        # window: their sum is those shifts' count.
        keys, inverse = np.unique(yp[takes] * T + ystart[takes], return_inverse=True)
        kp, ks = keys // T, keys % T
        offs = np.arange(spec.earliest, spec.latest + 1)
        W = len(offs)
        b = lp.variables(len(keys) * W, integer=integer).reshape(len(keys), W)
        row = lp.rows(len(keys), 0.0, 0.0)
        lp.coef(np.repeat(row, W), b, 1.0)
        lp.coef(row[inverse], yi[takes], -1.0)
        at = ks[:, None] + offs[None, :]                   # interval the break starts in
        rows_p = np.broadcast_to(kp[:, None], at.shape)
        inside = at < T
        lp.coef(diff[rows_p[inside], at[inside]], b[inside], 1.0)
        back = at + spec.duration < T                      # the agent is back at work
        lp.coef(diff[rows_p[back], at[back] + spec.duration], b[back], -1.0)

    # ---- skill split, understaffing, overstaffing
    f_of_queue: list[list[np.ndarray]] = [[] for _ in range(Q)]
    for pi, prof in enumerate(p.profiles):
        for q in prof.queues:
            step = prof.step(q)
            f = lp.variables(T, cost=weights.skill_priority * step, integer=integer)
            priced.setdefault("skill_priority", []).append(f)
            lp.coef(work_rows[pi], f, 1.0)
            f_of_queue[q].append(f)
    req = p.required.astype(float)
    cover = lp.rows(Q * T, lo=req.ravel()).reshape(Q, T)          # served + short >= req
    over = lp.variables(Q * T, cost=weights.overstaffing).reshape(Q, T)
    priced["overstaffing"] = [over.ravel()]
    over_rows = lp.rows(Q * T, lo=-req.ravel()).reshape(Q, T)      # over - served >= -req
    lp.coef(over_rows, over, 1.0)
    for q in range(Q):
        for f in f_of_queue[q]:
            lp.coef(cover[q], f, 1.0)
            lp.coef(over_rows[q], f, -1.0)
    for value in np.unique(p.required[p.required > 0]):
        value = int(value)
        qs, ts = np.nonzero(p.required == value)
        _, width, slope = understaffing_segments(value, weights)
        seg = lp.variables(len(qs) * len(width), 0.0, np.tile(width, len(qs)),
                           np.tile(slope, len(qs))).reshape(len(qs), len(width))
        lp.coef(np.repeat(cover[qs, ts], len(width)), seg, 1.0)
        priced.setdefault("understaffing", []).append(seg.ravel())

    ok, value, x = lp.solve(max(0.5, time_limit_seconds - (time.perf_counter() - started)))
    if not ok:
        return None
    value = float(value)
    # Shaved for the solver's tolerances (the MIP's are HiGHS' feasibility tolerance, 1e-6).
    bound = value - 10 * (1e-6 if integer else _IPM_TOLERANCE) * max(1.0, abs(value))
    if x is None:  # a MIP's dual bound without an integer point
        return Relaxation(bound, time.perf_counter() - started, lp.n, lp.m,
                          tuple(m for _, _, m in groups))
    cost = np.concatenate(lp.cost)
    breakdown = {rule: float(sum((cost[v] * x[v]).sum() for v in columns))
                 for rule, columns in priced.items()}
    shifts = tuple(
        tuple((y["k"][by_group[g][yd[by_group[g]] == d]],
               x[yi[by_group[g][yd[by_group[g]] == d]]]) for d in range(D))
        for g in range(G))
    duals = None
    if not integer:
        duals = (lp.row_dual[work_rows], lp.row_dual[cover], lp.row_dual[over_rows])
    return Relaxation(bound, time.perf_counter() - started, lp.n, lp.m,
                      tuple(m for _, _, m in groups), shifts, breakdown, duals)
