"""From solver values to a :class:`Solution`, and from a solution to the output frames.

Breaks are modelled per skill profile (counts of break starts, see
:mod:`staffing.solver.breaks`); each agent gets its own by
:func:`~staffing.solver.breaks.assign_breaks`. The queue split (optimal per interval,
:func:`~staffing.solver.split.optimal_split`) is handed out to the working agents of each
profile interval by interval by :func:`~staffing.solver.split.assign_queues`, keeping an agent
on the queue it was serving while the counts allow, so activities come in long blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from staffing.solver.breaks import assign_breaks
from staffing.solver.coverage import IntervalCoverage
from staffing.solver.model import RosterModel
from staffing.solver.problem import RosterProblem
from staffing.solver.solution import Solution, profile_counts, shift_activities

__all__ = [
    "activities_frame",
    "assign_breaks",  # from staffing.solver.breaks
    "coverage_frame",
    "roster_frame",
    "solution_from_values",
]


def _value(values: np.ndarray, item) -> int:
    if isinstance(item, int | np.integer):
        return int(item)
    return int(values[item.index])


def solution_from_values(m: RosterModel, cov: IntervalCoverage, values: np.ndarray,
                         days: Sequence[int] | None = None) -> Solution:
    """Read a :class:`Solution` from CP-SAT variable values (indexed by variable index); with
    ``days``, the shifts of those days only (a model whose coverage counts only them)."""
    p = m.problem
    choice = np.full((p.A, p.D), -1, dtype=np.int64)
    for a in m.agents:
        for d in (range(p.D) if days is None else days):
            lits = m.x[a][d]
            if not lits:
                continue
            idx = np.fromiter((v.index for v in lits), dtype=np.int64, count=len(lits))
            on = np.flatnonzero(values[idx] > 0)
            if len(on):
                choice[a, d] = int(on[0])
    break_starts = {}
    for (pi, r), cb in cov.cb.items():
        cum = np.fromiter((_value(values, v) for v in cb), dtype=np.int64, count=len(cb))
        break_starts[(pi, r)] = np.diff(np.concatenate([[0], cum]))
    solution = Solution(choice, break_starts, np.zeros((len(p.profiles), p.Q, p.T), np.int64))
    on_shift, on_break, _ = profile_counts(p, solution)
    for pi, prof in enumerate(p.profiles):
        queues = prof.queues
        if len(queues) == 1:
            solution.split[pi, queues[0]] = on_shift[pi] - on_break[pi]
            continue
        for q in queues:
            fvars = cov.f.get((pi, q))
            if fvars is None:
                continue
            solution.split[pi, q] = [0 if v is None else _value(values, v) for v in fvars]
    return solution


def _start(problem: RosterProblem, solution: Solution, key: tuple[int, int]) -> int:
    a, d = key
    return int(problem.table(a, d).start[problem.options[a][d][solution.choice[a, d]]])


def _stamp(problem: RosterProblem, minutes: np.ndarray) -> pd.DatetimeIndex:
    start = problem.horizon.start
    return pd.DatetimeIndex(start + pd.to_timedelta(np.asarray(minutes), unit="min"))


def roster_frame(problem: RosterProblem, solution: Solution) -> pd.DataFrame:
    """The roster format: one row per agent shift, by agent and start."""
    dates = problem.dates()
    rows = [(problem.agents[a].agent_id, dates[d], int(t.start_minute[k]), int(t.end_minute[k]),
             int(t.paid[k])) for a, d, t, k in solution.shifts(problem)]
    frame = pd.DataFrame(rows, columns=["agent_id", "date", "_s", "_e", "paid_minutes"])
    frame["shift_start"] = _stamp(problem, frame["_s"].to_numpy())
    frame["shift_end"] = _stamp(problem, frame["_e"].to_numpy())
    frame = frame.sort_values(["agent_id", "_s"], kind="stable").reset_index(drop=True)
    return frame[["agent_id", "date", "shift_start", "shift_end", "paid_minutes"]]


def activities_frame(problem: RosterProblem, solution: Solution) -> pd.DataFrame:
    """The activities format: contiguous blocks of each agent's shifts (a queue, ``break`` or
    ``lunch``), by agent and start."""
    labels = shift_activities(problem, solution)
    step = problem.interval_minutes
    rows = []
    for (a, d), acts in labels.items():
        s = _start(problem, solution, (a, d))
        i = 0
        while i < len(acts):
            j = i
            while j + 1 < len(acts) and acts[j + 1] == acts[i]:
                j += 1
            act = acts[i]
            name = problem.queues[act] if isinstance(act, int | np.integer) else act
            rows.append((problem.agents[a].agent_id, (s + i) * step, (s + j + 1) * step, name))
            i = j + 1
    frame = pd.DataFrame(rows, columns=["agent_id", "_s", "_e", "activity"])
    frame["start"] = _stamp(problem, frame["_s"].to_numpy())
    frame["end"] = _stamp(problem, frame["_e"].to_numpy())
    frame = frame.sort_values(["agent_id", "_s"], kind="stable").reset_index(drop=True)
    return frame[["agent_id", "start", "end", "activity"]]


def coverage_frame(problem: RosterProblem, served: np.ndarray) -> pd.DataFrame:
    """The coverage format: required (with shrinkage), scheduled and gap per queue and
    interval; agents of the previous roster working into the horizon count as scheduled
    (:attr:`~staffing.solver.problem.RosterProblem.carried`)."""
    Q, T = problem.Q, problem.T
    required = problem.required if problem.required_input is None else problem.required_input
    if problem.carried is not None:
        served = served + problem.carried
    frame = pd.DataFrame({
        "queue": np.repeat(np.asarray(problem.queues, dtype=object), T),
        "interval_start": problem.intervals[np.tile(np.arange(T), Q)],
        "required": required.reshape(-1),
        "scheduled": served.reshape(-1).astype(np.int64),
    })
    frame["gap"] = frame["scheduled"] - frame["required"]
    return frame
