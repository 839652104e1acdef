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
- coverage exactly as in the CP-SAT model (cumulative starts and ends, first-in-first-out
  breaks, skill split, convex understaffing, overstaffing), continuous;
- preferred days off: at least the shifts beyond the group's agents who do not prefer the day
  off; fairness: by Jensen's inequality, a group of ``n`` agents working ``Y`` weekend days (or
  nights, late shifts) pays at least ``n * h(Y / n)`` for the convex per-agent penalty ``h``.

Every roster maps to a feasible point of this LP with the same or a higher objective (rest,
runs of days off and start preferences are dropped, which only lowers it), so the LP optimum,
solved with HiGHS, is a valid lower bound on the optimum roster.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from staffing.config import SolverWeights
from staffing.solver.coverage import UNDER_EXACT, understaffing_costs
from staffing.solver.model import SCALE
from staffing.solver.problem import RosterProblem, block_limits
from staffing.solver.rules import convex_breakpoints

__all__ = ["Relaxation", "relaxation_bound"]

_LP_SOLVER = "HIGHS"
_LP_PARAMS = "solver=ipm\nrun_crossover=off\noutput_flag=false\n"


@dataclass(frozen=True)
class Relaxation:
    """The relaxation's optimum (a lower bound) and how long it took. [objective units, s]"""

    bound: float
    seconds: float
    variables: int
    constraints: int


def relaxation_bound(problem: RosterProblem, weights: SolverWeights, *,
                     time_limit_seconds: float = 60.0) -> Relaxation | None:
    """Solve the aggregated relaxation; ``None`` if it was not solved to optimality in time."""
    started = time.perf_counter()
    lp = pywraplp.Solver.CreateSolver(_LP_SOLVER) or pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - both ship with OR-Tools
        return None
    lp.SuppressOutput()
    lp.SetTimeLimit(int(time_limit_seconds * 1000))
    lp.SetSolverSpecificParametersAsString(_LP_PARAMS)
    p = problem
    T, D = p.T, p.D
    inf = lp.infinity()
    objective = lp.Objective()

    groups: dict[tuple, list[int]] = defaultdict(list)
    for a in range(p.A):
        groups[(int(p.profile_of[a]), p.rules[a])].append(a)

    starts = defaultdict(lambda: defaultdict(list))   # profile -> t -> [var]
    ends = defaultdict(lambda: defaultdict(list))
    takes = defaultdict(lambda: defaultdict(list))    # (profile, r) -> t -> [var]
    n_shift_vars = defaultdict(int)
    n_take_vars = defaultdict(int)
    profile_agents = defaultdict(int)

    for (pi, rules), members in groups.items():
        n = len(members)
        profile_agents[pi] += n
        day_vars: list[list] = [[] for _ in range(D)]
        day_attr: list[dict] = [{} for _ in range(D)]
        for d in range(D):
            table = p.tables[(rules.contract, d)]
            count = np.zeros(len(table), dtype=np.int64)
            avail = 0
            for a in members:
                opts = p.options[a][d]
                count[opts] += 1
                avail += bool(len(opts))
            ks = np.flatnonzero(count)
            if not len(ks):
                continue
            vs = [lp.NumVar(0, float(count[k]), "") for k in ks]
            day_vars[d] = vs
            day_attr[d] = {"k": ks, "paid": table.paid[ks], "night": table.night[ks],
                           "late": table.late[ks]}
            ct = lp.Constraint(-inf, float(avail))
            for v in vs:
                ct.SetCoefficient(v, 1)
            for v, k in zip(vs, ks, strict=True):
                objective.SetCoefficient(v, weights.cost * rules.hourly_cost * table.paid[k] / 60)
                s, e = int(table.start[k]), int(table.end[k])
                starts[pi][s].append(v)
                if e < T:
                    ends[pi][e].append(v)
                n_shift_vars[pi] += 1
                for r in np.flatnonzero(table.takes[k]):
                    takes[(pi, int(r))][s].append(v)
                    n_take_vars[(pi, int(r))] += 1
            # Preferred days off: shifts beyond the members who do not prefer the day off.
            prefer = sum(1 for a in members if d in p.preferred_off[a] and len(p.options[a][d]))
            if prefer and weights.preference > 0:
                pen = lp.NumVar(0, inf, "")
                objective.SetCoefficient(pen, weights.preference)
                ct = lp.Constraint(-float(avail - prefer), inf)  # pen - sum(y) >= -(avail-prefer)
                ct.SetCoefficient(pen, 1)
                for v in vs:
                    ct.SetCoefficient(v, -1)
        for block in p.blocks:
            lim = block_limits(rules, block)
            paid = lp.Constraint(float(n * lim.min_minutes), float(n * lim.max_minutes))
            shifts = lp.Constraint(-inf, float(n * lim.max_shifts))
            nights = lp.Constraint(-inf, float(n * lim.max_nights)) \
                if lim.max_nights is not None else None
            for d in block.range:
                for v, pm, ni in zip(day_vars[d], day_attr[d].get("paid", ()),
                                     day_attr[d].get("night", ()), strict=True):
                    paid.SetCoefficient(v, float(pm))
                    shifts.SetCoefficient(v, 1)
                    if nights is not None and ni:
                        nights.SetCoefficient(v, 1)
        k_max = rules.max_consecutive_days
        if k_max < D:
            for first in range(D - k_max):
                ct = lp.Constraint(-inf, float(n * k_max))
                for d in range(first, first + k_max + 1):
                    for v in day_vars[d]:
                        ct.SetCoefficient(v, 1)
        if rules.min_weekends_off > 0 and p.weekends:
            total = lp.Constraint(-inf, float(n * (len(p.weekends) - rules.min_weekends_off)))
            for days in p.weekends:
                z = lp.NumVar(0, n, "")
                total.SetCoefficient(z, 1)
                for d in days:
                    ct = lp.Constraint(0, inf)  # z - sum_k y[d] >= 0
                    ct.SetCoefficient(z, 1)
                    for v in day_vars[d]:
                        ct.SetCoefficient(v, -1)
        if weights.fairness > 0 and n:
            flags = {
                "weekends": [(v, True) for d in range(D) if p.is_weekend_day(d)
                             for v in day_vars[d]],
                "nights": [(v, bool(f)) for d in range(D)
                           for v, f in zip(day_vars[d], day_attr[d].get("night", ()),
                                           strict=True)],
                "late": [(v, bool(f)) for d in range(D)
                         for v, f in zip(day_vars[d], day_attr[d].get("late", ()), strict=True)],
            }
            for pairs in flags.values():
                chosen = [v for v, f in pairs if f]
                if not chosen:
                    continue
                pen = lp.NumVar(0, inf, "")
                objective.SetCoefficient(pen, 1.0)
                for j in range(1, D):
                    # h(c) = w c (c-1) / 2; line through j, j+1: h(j) + w j (c - j).
                    h_j = weights.fairness * j * (j - 1) / 2
                    slope = weights.fairness * j
                    ct = lp.Constraint(n * h_j - slope * n * j, inf)
                    ct.SetCoefficient(pen, 1)
                    for v in chosen:
                        ct.SetCoefficient(v, -slope)

    served = defaultdict(list)
    for pi, prof in enumerate(p.profiles):
        if not profile_agents[pi]:
            continue
        top = float(profile_agents[pi] * D)
        cs = _chain(lp, starts[pi], T, top)
        ce = _chain(lp, ends[pi], T, top)
        work_terms = [[(cs[i], 1.0), (ce[i], -1.0)] for i in range(T)]
        for r, spec in enumerate(p.breaks):
            key = (pi, r)
            if not n_take_vars[key]:
                continue
            cn = cs if n_take_vars[key] == n_shift_vars[pi] else _chain(lp, takes[key], T, top)
            length = T + spec.latest
            cb = [lp.NumVar(0, top, "") for _ in range(length)]
            for i in range(length):
                if i:
                    _le(lp, [(cb[i - 1], 1.0), (cb[i], -1.0)], 0.0)
                hi_i, lo_i = i - spec.earliest, i - spec.latest
                _le(lp, [(cb[i], 1.0)] + ([(cn[min(hi_i, T - 1)], -1.0)]
                                          if hi_i >= 0 and cn[min(hi_i, T - 1)] is not None
                                          else []), 0.0)
                if lo_i >= 0 and cn[min(lo_i, T - 1)] is not None:
                    _le(lp, [(cn[min(lo_i, T - 1)], 1.0), (cb[i], -1.0)], 0.0)
            if cn[T - 1] is not None:
                ct = lp.Constraint(0, 0)
                ct.SetCoefficient(cb[-1], 1)
                ct.SetCoefficient(cn[T - 1], -1)
            for i in range(T):
                work_terms[i].append((cb[i], -1.0))
                if i - spec.duration >= 0:
                    work_terms[i].append((cb[i - spec.duration], 1.0))
        for i in range(T):
            terms = [(v, c) for v, c in work_terms[i] if v is not None]
            if not terms:
                continue
            if len(prof.queues) == 1:
                served[(prof.queues[0], i)].extend(terms)
                continue
            ct = lp.Constraint(0, 0)
            for v, c in terms:
                ct.SetCoefficient(v, ct.GetCoefficient(v) + c)
            for q in prof.queues:
                f = lp.NumVar(0, inf, "")
                ct.SetCoefficient(f, -1)
                served[(q, i)].append((f, 1.0))
                step = prof.step(q)
                if step and weights.skill_priority > 0:
                    objective.SetCoefficient(f, weights.skill_priority * step)

    for q in range(p.Q):
        for i in range(T):
            req = float(p.required[q, i])
            terms = served.get((q, i), [])
            if req > 0:
                short = lp.NumVar(0, req, "")
                ct = lp.Constraint(req, inf)  # short + served >= req
                ct.SetCoefficient(short, 1)
                for v, c in terms:
                    ct.SetCoefficient(v, ct.GetCoefficient(v) + c)
                costs = understaffing_costs(int(req), weights) / SCALE
                if weights.understaffing_growth == 0:
                    objective.SetCoefficient(short, weights.understaffing)
                else:
                    pen = lp.NumVar(0, inf, "")
                    objective.SetCoefficient(pen, 1.0)
                    points = convex_breakpoints(int(req), UNDER_EXACT)
                    for j0, j1 in zip(points, points[1:]):
                        slope = (costs[j1] - costs[j0]) / (j1 - j0)
                        # pen - slope * short >= costs[j0] - slope * j0
                        ct2 = lp.Constraint(costs[j0] - slope * j0, inf)
                        ct2.SetCoefficient(pen, 1)
                        ct2.SetCoefficient(short, -slope)
            if terms and weights.overstaffing > 0:
                over = lp.NumVar(0, inf, "")
                objective.SetCoefficient(over, weights.overstaffing)
                ct = lp.Constraint(-req, inf)  # over - served >= -req
                ct.SetCoefficient(over, 1)
                for v, c in terms:
                    ct.SetCoefficient(v, ct.GetCoefficient(v) - c)
    objective.SetMinimization()
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    value = objective.Value()
    # Solver tolerances: shave a hair so the bound stays below the true optimum.
    bound = value - 1e-6 * max(1.0, abs(value))
    return Relaxation(bound, time.perf_counter() - started, lp.NumVariables(),
                      lp.NumConstraints())


def _chain(lp, events, length: int, top: float) -> list:
    """Cumulative sums as LP variables (``None`` before the first event)."""
    out: list = []
    prev = None
    for i in range(length):
        vs = events.get(i)
        if vs:
            var = lp.NumVar(0, top, "")
            ct = lp.Constraint(0, 0)  # var - prev - sum(vs) == 0
            ct.SetCoefficient(var, 1)
            if prev is not None:
                ct.SetCoefficient(prev, -1)
            for v in vs:
                ct.SetCoefficient(v, ct.GetCoefficient(v) - 1)
            prev = var
        out.append(prev)
    return out


def _le(lp, terms, rhs: float) -> None:
    ct = lp.Constraint(-lp.infinity(), rhs)
    for v, c in terms:
        ct.SetCoefficient(v, ct.GetCoefficient(v) + c)
