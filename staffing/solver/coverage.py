"""Coverage builders: how the agents' shifts meet demand.

Interval coverage (contact-center requirements per queue and interval)
----------------------------------------------------------------------
Agents with the same skills and priorities (a *skill profile*) are interchangeable for coverage,
so coverage is written per profile with integer counts, never per agent and interval:

- ``CS[p][i]`` / ``CE[p][i]``: shifts of profile ``p`` started / ended by interval ``i``
  (cumulative, one variable per interval where a shift can start / end); on shift at ``i``:
  ``CS[p][i] - CE[p][i]``.
- Breaks (implicit, Bechtold & Jacobs style): for break rule ``r``, ``CB[p,r][i]`` counts the
  breaks of profile ``p`` started by ``i`` and ``CN[p,r][i]`` the shifts started by ``i`` that
  take the rule, ``CN[i - latest] <= CB[i] <= CN[i - earliest]``
  (:func:`~staffing.solver.breaks.add_break_counts`; everything about breaks is in
  :mod:`staffing.solver.breaks`).
- Skill split: a multi-skill profile's working agents ``on shift - on break`` are split into
  integer counts ``f[p,q][i]`` per queue; single-skill profiles need none.
- Per queue and interval: ``short >= required - served`` with a convex penalty (the k-th missing
  agent costs ``understaffing * (1 + growth * (k - 1))``), ``over >= served - required``
  (:func:`add_staffing_gaps`); the split's lower-priority skills (:func:`add_skill_priority`).
- Optional break cap: agents of a queue (by primary skill) on break or lunch
  ``<= max(1, floor(max_break_fraction * agents of the queue on shift))``
  (:func:`~staffing.solver.breaks.add_break_cap`).

Day and shift-type coverage (rule sets such as the Curtois benchmark)
---------------------------------------------------------------------
:func:`add_day_type_coverage`: per day and shift type, linear costs per agent under or over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver.breaks import add_break_cap, add_break_counts, on_break_terms
from staffing.solver.builders import PenaltyTerm, convex_breakpoints, linear_expr
from staffing.solver.model import SCALE, RosterModel
from staffing.solver.problem import RosterProblem

__all__ = [
    "IntervalCoverage",
    "add_day_type_coverage",
    "add_interval_coverage",
    "add_skill_priority",
    "add_staffing_gaps",
    "agent_cover_masks",
    "understaffing_costs",
    "understaffing_penalty",
]

#: Understaffing is exact for up to this many missing agents, linear between breakpoints above.
UNDER_EXACT = 8


def understaffing_costs(top: int, weights: SolverWeights) -> np.ndarray:
    """Scaled cost of ``k = 0..top`` agents missing in one interval of one queue: the k-th costs
    ``understaffing * (1 + understaffing_growth * (k - 1))``. [objective units x SCALE]"""
    k = np.arange(top + 1, dtype=float)
    return np.round(SCALE * weights.understaffing
                    * (k + weights.understaffing_growth * k * (k - 1) / 2)).astype(np.int64)


def understaffing_segments(required: int, weights: SolverWeights
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The understaffing curve of one queue-interval requiring ``required`` agents as linear
    pieces for an LP: breakpoints (agents missing), each piece's width [agents] and slope
    [objective units per agent] (the relaxation and the column generation price it alike)."""
    points = np.asarray(convex_breakpoints(required, UNDER_EXACT))
    costs = understaffing_costs(required, weights) / SCALE
    width = np.diff(points).astype(float)
    return points, width, np.diff(costs[points]) / width


def understaffing_penalty(short: np.ndarray, required: np.ndarray,
                          weights: SolverWeights) -> np.ndarray:
    """Objective units of ``short`` missing agents where ``required`` are required (elementwise):
    exact up to :data:`UNDER_EXACT` missing, linear between breakpoints beyond."""
    short = np.asarray(short, dtype=np.int64)
    required = np.asarray(required, dtype=np.int64)
    top = int(short.max(initial=0))
    costs = understaffing_costs(max(top, 0), weights)
    out = costs[np.clip(short, 0, None)].astype(float)
    for idx in zip(*np.nonzero(short > UNDER_EXACT), strict=True):
        k, req = int(short[idx]), int(required[idx])
        points = convex_breakpoints(req, UNDER_EXACT)
        full = understaffing_costs(req, weights)
        j = int(np.searchsorted(points, k))
        if points[j] == k:
            out[idx] = full[k]
        else:
            j0, j1 = points[j - 1], points[j]
            out[idx] = full[j0] + (full[j1] - full[j0]) * (k - j0) / (j1 - j0)
    return out / SCALE


def agent_cover_masks(problem: RosterProblem, days: Sequence[int] | None = None,
                      agents: Sequence[int] | None = None) -> np.ndarray:
    """``(A, T)`` booleans: whether some option of the agent (on ``days``, default all) covers
    the interval; rows of agents not in ``agents`` (default all) are left false."""
    T = problem.T
    out = np.zeros((problem.A, T), dtype=bool)
    days = range(problem.D) if days is None else days
    for a in range(problem.A) if agents is None else agents:
        diff = np.zeros(T + 1, dtype=np.int64)
        for d in days:
            opts = problem.options[a][d]
            if not len(opts):
                continue
            table = problem.table(a, d)
            np.add.at(diff, np.minimum(table.start[opts], T), 1)
            np.add.at(diff, np.minimum(table.end[opts], T), -1)
        out[a] = np.cumsum(diff[:T]) > 0
    return out


@dataclass
class IntervalCoverage:
    """Coverage variables of a model (used for hints and to read the solution).

    ``cs[p]``, ``ce[p]``: per interval, the cumulative start/end variable of profile ``p`` (the
    same object repeats where nothing starts/ends; ``0`` before the first). ``cb[(p, r)]`` over
    ``T + latest`` intervals, ``cn[(p, r)]`` over ``T``. ``f[(p, q)]`` per interval a variable or
    ``None``. ``short``/``over``/``pen`` per ``(q, t)``.
    """

    cs: dict[int, list] = field(default_factory=dict)
    ce: dict[int, list] = field(default_factory=dict)
    cb: dict[tuple[int, int], list] = field(default_factory=dict)
    cn: dict[tuple[int, int], list] = field(default_factory=dict)
    f: dict[tuple[int, int], list] = field(default_factory=dict)
    short: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    over: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    pen: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    cap: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    upper: np.ndarray | None = None  # (P, T) agents of the profile that can be on shift
    weights: SolverWeights = field(default_factory=SolverWeights)


def _chain(cp: cp_model.CpModel, events: Mapping[int, list], length: int, top: int,
           name: str) -> list:
    """Cumulative counts: ``out[i] = out[i-1] + sum(events[i])``; a new variable only where
    something happens (else the previous object, or ``0`` before the first)."""
    out: list = []
    prev = 0
    for i in range(length):
        lits = events.get(i)
        if lits:
            var = cp.new_int_var(0, top, "")
            cp.add(var == prev + cp_model.LinearExpr.sum(lits))
            prev = var
        out.append(prev)
    return out


def add_interval_coverage(m: RosterModel, weights: SolverWeights, *,
                          cap_enforce: bool = False,
                          days: Sequence[int] | None = None) -> IntervalCoverage:
    """Coverage of ``m.problem.required`` by the modelled agents (see the module docstring);
    appends the understaffing, overstaffing and skill-priority terms to ``m.terms``.

    ``cap_enforce`` makes each queue's break cap conditional on a literal (``m.cap_literals``,
    by queue index), for the explanation. ``days`` (default: all) counts only the shifts of
    those days; intervals no such shift reaches get no variables (their understaffing is a
    constant), so a model of a window of days stays the size of the window.
    """
    p = m.problem
    cp = m.cp
    T, R = p.T, len(p.breaks)
    cov = IntervalCoverage(weights=weights)
    windowed = days is not None
    days = list(range(p.D)) if days is None else sorted(days)
    masks = agent_cover_masks(p, days, m.agents)
    upper = np.zeros((len(p.profiles), T), dtype=np.int64)
    served: list[list[list]] = [[[] for _ in range(T)] for _ in range(p.Q)]
    served_top = np.zeros((p.Q, T), dtype=np.int64)
    breaks_of_queue: dict[int, list[list]] = defaultdict(lambda: [[] for _ in range(T)])
    present_of_queue: dict[int, list[list]] = defaultdict(lambda: [[] for _ in range(T)])
    for pi, prof in enumerate(p.profiles):
        agents = [a for a in prof.agents if a in m.x]
        if not agents:
            continue
        upper[pi] = masks[agents].sum(axis=0)
        n_agents = len(agents)
        starts_at: dict[int, list] = defaultdict(list)
        ends_at: dict[int, list] = defaultdict(list)
        takes_at: list[dict[int, list]] = [defaultdict(list) for _ in range(R)]
        n_shifts, n_takes = 0, [0] * R
        for a in agents:
            for d in days:
                opts = p.options[a][d]
                if not len(opts):
                    continue
                table = p.table(a, d)
                st, en, tk = table.start[opts], table.end[opts], table.takes[opts]
                for j, lit in enumerate(m.x[a][d]):
                    s = int(st[j])
                    starts_at[s].append(lit)
                    e = int(en[j])
                    if e < T:
                        ends_at[e].append(lit)
                    n_shifts += 1
                    for r in range(R):
                        if tk[j, r]:
                            takes_at[r][s].append(lit)
                            n_takes[r] += 1
        top = n_agents * p.D
        cs = _chain(cp, starts_at, T, top, "")
        ce = _chain(cp, ends_at, T, top, "")
        cov.cs[pi], cov.ce[pi] = cs, ce
        # Intervals some modelled shift of the profile covers (the rest of a window is 0).
        active = np.flatnonzero(upper[pi]).tolist()
        working_vars: dict[int, list] = {i: [cs[i], ce[i]] for i in active}
        working_coefs: dict[int, list[int]] = {i: [1, -1] for i in active}
        for r, spec in enumerate(p.breaks):
            if n_takes[r] == 0:
                continue
            cn = cs if n_takes[r] == n_shifts else _chain(cp, takes_at[r], T, top, "")
            cb = add_break_counts(cp, spec, cn, list(takes_at[r]), T, top)
            if p.break_prefix is not None:  # a re-plan: the past's breaks stay
                done = np.cumsum(p.break_prefix.get((pi, r), np.zeros(p.cut_interval,
                                                                       dtype=np.int64)))
                for i, value in enumerate(done.tolist()):
                    cp.add(cb[i] == value)
            cov.cb[(pi, r)], cov.cn[(pi, r)] = cb, cn
            for i in active:  # working = on shift - on break
                for var, c in on_break_terms(cb, i, spec.duration):
                    working_vars[i] += [var]
                    working_coefs[i] += [-c]
            if p.shift_rules.max_break_fraction is not None:
                for i in range(T):
                    breaks_of_queue[prof.primary][i].extend(on_break_terms(cb, i, spec.duration))
        if p.shift_rules.max_break_fraction is not None:
            for i in range(T):
                present_of_queue[prof.primary][i].extend([(cs[i], 1), (ce[i], -1)])
        working = {i: linear_expr(working_vars[i], working_coefs[i]) for i in active}
        queues = prof.queues
        if len(queues) == 1:
            q = queues[0]
            for i in active:
                served[q][i].append(working[i])
                served_top[q, i] += upper[pi, i]
            continue
        fvars = {q: [None] * T for q in queues}
        prio_vars, prio_coefs = [], []
        for i in active:
            parts = []
            for q in queues:
                var = cp.new_int_var(0, int(upper[pi, i]), "")
                fvars[q][i] = var
                parts.append(var)
                served[q][i].append(var)
                served_top[q, i] += upper[pi, i]
                step = prof.step(q)
                if step:
                    prio_vars.append(var)
                    prio_coefs.append(float(step))
            cp.add(cp_model.LinearExpr.sum(parts) == working[i])
        for q in queues:
            cov.f[(pi, q)] = fvars[q]
        add_skill_priority(m, pi, prio_vars, prio_coefs, weights)
    cov.upper = upper

    add_break_cap(m, cov.cap, breaks_of_queue, present_of_queue, cap_enforce=cap_enforce)
    add_staffing_gaps(m, cov, served, served_top, weights, windowed=windowed)
    return cov


def add_skill_priority(m: RosterModel, pi: int, variables: Sequence, steps: Sequence[float],
                       weights: SolverWeights) -> None:
    """The soft rule ``skill_priority``: ``skill_priority`` per agent-interval of profile
    ``pi`` on a queue of lower priority, times its priority step (``variables``: the profile's
    split counts on those queues)."""
    if variables and weights.skill_priority > 0:
        m.terms.append(PenaltyTerm("skill_priority", tuple(variables), tuple(steps),
                                   weights.skill_priority, None, None,
                                   f"skill_priority(profile {pi})"))


def add_staffing_gaps(m: RosterModel, cov: IntervalCoverage, served, served_top: np.ndarray,
                      weights: SolverWeights, *, windowed: bool = False) -> None:
    """The soft rules ``understaffing`` and ``overstaffing``, built together per queue and
    interval (``short`` then ``over``): ``short >= required - served`` with a convex penalty
    (the k-th missing agent costs ``understaffing * (1 + growth * (k - 1))``), ``over >=
    served - required`` at ``overstaffing`` each. ``served[q][i]``: expressions of the agents
    serving; ``served_top[q, i]``: how many can. ``windowed``: intervals nobody modelled serves
    are left out (their gap is a constant)."""
    p = m.problem
    cp = m.cp
    T = p.T
    lin_cost = weights.understaffing_growth == 0
    under_terms_vars, under_terms_coefs = [], []
    for q in range(p.Q):
        for i in range(T):
            req = int(p.required[q, i])
            top_served = int(served_top[q, i])
            if windowed and not served[q][i]:
                continue  # outside the window: a constant
            total = cp_model.LinearExpr.sum(served[q][i]) if served[q][i] else 0
            if req > 0:
                short = cp.new_int_var(0, req, f"short({p.queues[q]},{i})")
                cp.add(short + total >= req)
                cov.short[(q, i)] = short
                if lin_cost:
                    under_terms_vars.append(short)
                    under_terms_coefs.append(weights.understaffing)
                else:
                    costs = understaffing_costs(req, weights)
                    pen = cp.new_int_var(0, int(costs[-1]), f"understaffing({p.queues[q]},{i})")
                    points = convex_breakpoints(req, UNDER_EXACT)
                    for j0, j1 in zip(points, points[1:]):
                        c0, c1 = int(costs[j0]), int(costs[j1])
                        cp.add((j1 - j0) * pen >= (j1 - j0) * c0 + (c1 - c0) * (short - j0))
                    cov.pen[(q, i)] = pen
                    under_terms_vars.append(pen)
                    under_terms_coefs.append(1.0 / SCALE)
            if top_served > req:
                over = cp.new_int_var(0, top_served - req, f"over({p.queues[q]},{i})")
                cp.add(over >= total - req)
                cov.over[(q, i)] = over
    if under_terms_vars:
        m.terms.append(PenaltyTerm("understaffing", tuple(under_terms_vars),
                                   tuple(under_terms_coefs), 1.0, None, None, "understaffing"))
    if cov.over and weights.overstaffing > 0:
        m.terms.append(PenaltyTerm("overstaffing", tuple(cov.over.values()),
                                   (1.0,) * len(cov.over), weights.overstaffing, None, None,
                                   "overstaffing"))


def add_day_type_coverage(
    model: cp_model.CpModel,
    literals: Mapping[tuple[int, str], Sequence],
    requirement: Mapping[tuple[int, str], int],
    under_weight: Mapping[tuple[int, str], float],
    over_weight: Mapping[tuple[int, str], float],
    prefix: str = "cover",
) -> list[PenaltyTerm]:
    """Cover per day and shift type: ``under_weight`` per agent short of ``requirement``,
    ``over_weight`` per agent above it (each ``(day, type)`` key of ``requirement``)."""
    terms = []
    for key, req in requirement.items():
        lits = list(literals.get(key, ()))
        total = cp_model.LinearExpr.sum(lits) if lits else 0
        day, shift = key
        if req > 0 and under_weight.get(key, 0) > 0:
            name = f"{prefix}_under(day {day},{shift})"
            under = model.new_int_var(0, req, name)
            model.add(under + total >= req)
            terms.append(PenaltyTerm("cover_under", (under,), (1.0,), under_weight[key], None,
                                     day, name))
        if len(lits) > req and over_weight.get(key, 0) > 0:
            name = f"{prefix}_over(day {day},{shift})"
            over = model.new_int_var(0, len(lits) - req, name)
            model.add(over >= total - req)
            terms.append(PenaltyTerm("cover_over", (over,), (1.0,), over_weight[key], None,
                                     day, name))
    return terms
