"""Solution hints: the values a :class:`Solution` gives the full model's variables.

Shift literals, the cumulative coverage counts, the break counts, the queue split and the
coverage penalties are set; the few remaining auxiliaries (fairness penalties, weekend literals)
are left to CP-SAT, which completes them by propagation.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from staffing.solver.breaks import hint_break_cap, hint_break_counts
from staffing.solver.coverage import IntervalCoverage, understaffing_penalty
from staffing.solver.model import SCALE, RosterModel
from staffing.solver.solution import Solution, profile_counts

__all__ = ["complete_hint", "hint_values"]


def hint_values(m: RosterModel, cov: IntervalCoverage, solution: Solution,
                choice: np.ndarray | None = None) -> tuple[list[int], list[int]]:
    """Variable indices and values of ``solution`` in model ``m``; ``choice`` (default
    ``solution.choice``) sets the shift literals when the coverage counts only part of them
    (a window of days)."""
    p = m.problem
    T = p.T
    values: dict[int, int] = {}
    choice = solution.choice if choice is None else choice
    for a in m.agents:
        for d in range(p.D):
            chosen = int(choice[a, d])
            for i, lit in enumerate(m.x[a][d]):
                values[lit.index] = int(i == chosen)
            values[m.works[a][d].index] = int(chosen >= 0)

    P = len(p.profiles)
    starts = np.zeros((P, T), dtype=np.int64)
    ends = np.zeros((P, T), dtype=np.int64)
    for a, _d, table, k in solution.shifts(p):
        pi = p.profile_of[a]
        starts[pi, int(table.start[k])] += 1
        if table.end[k] < T:
            ends[pi, int(table.end[k])] += 1
    cum_s, cum_e = np.cumsum(starts, axis=1), np.cumsum(ends, axis=1)
    on_shift, _on_break, takes = profile_counts(p, solution)

    def put(seq, cum) -> None:
        for i, var in enumerate(seq):
            if not isinstance(var, int):
                values[var.index] = int(cum[min(i, len(cum) - 1)])

    for pi in cov.cs:
        put(cov.cs[pi], cum_s[pi])
        put(cov.ce[pi], cum_e[pi])
    for (pi, r), cn in cov.cn.items():
        put(cn, np.cumsum(takes.get((pi, r), np.zeros(T, dtype=np.int64))))
    hint_break_counts(cov.cb, solution, put)
    for (pi, q), fvars in cov.f.items():
        for t, var in enumerate(fvars):
            if var is not None:
                values[var.index] = int(solution.split[pi, q, t])
    served = solution.split.sum(axis=0)
    short = np.clip(p.required - served, 0, None)
    over = np.clip(served - p.required, 0, None)
    for (q, t), var in cov.short.items():
        values[var.index] = int(short[q, t])
    for (q, t), var in cov.over.items():
        values[var.index] = int(over[q, t])
    if cov.pen:
        pen = np.ceil(understaffing_penalty(short, p.required, cov.weights) * SCALE - 1e-6)
        for (q, t), var in cov.pen.items():
            values[var.index] = int(pen[q, t])
    values.update(hint_break_cap(p, cov.cap, on_shift))
    keys = sorted(values)
    return keys, [values[k] for k in keys]


def complete_hint(m: RosterModel, *, seed: int, time_limit_seconds: float) -> bool:
    """Complete the hint with the few auxiliaries it leaves out (fairness penalties, weekend
    literals): a solve with the hinted variables fixed, whose solution becomes the whole hint.
    CP-SAT starts from a complete feasible hint at once; an incomplete one it may fail to
    repair on a large model. Returns whether the hint keeps every hard rule (left as it is
    when not)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.random_seed = seed
    params.fix_variables_to_their_hinted_value = True
    params.catch_sigint_signal = False
    params.max_time_in_seconds = min(time_limit_seconds, 30.0)
    status = solver.solve(m.cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = list(solver.response_proto.solution)
    m.cp.clear_hints()
    m.cp.proto.solution_hint.vars.extend(range(len(values)))
    m.cp.proto.solution_hint.values.extend(values)
    return True
