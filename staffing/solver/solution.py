"""A roster in the problem's terms, and its exact objective.

A :class:`Solution` is what every source of rosters produces — CP-SAT, the initial heuristic,
a warm start — : each agent's shift per day, the break starts per skill profile and rule, and the
split of working agents over queues per profile and interval. :func:`evaluate` computes its
objective by rule with numpy, from the roster alone, with the same definitions as the model's
penalty terms (a test checks the two agree), and lists the soft-rule violations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.config import SolverWeights
from staffing.solver.breaks import agents_on_break, assign_breaks
from staffing.solver.builders import convex_value
from staffing.solver.coverage import understaffing_penalty
from staffing.solver.model import SCALE
from staffing.solver.problem import RosterProblem, Solution
from staffing.solver.rules import fairness_costs
from staffing.solver.split import assign_queues, optimal_split, queue_switches

__all__ = ["Evaluation", "Solution", "evaluate", "profile_counts", "shift_activities",
           "with_optimal_split"]

VIOLATION_COLUMNS = ("rule", "agent_id", "date", "penalty", "detail")


def profile_counts(problem: RosterProblem, solution: Solution):
    """Per profile: agents on shift ``(P, T)``, on break ``(P, T)``, and shift starts taking
    each rule ``{(p, r): (T,)}``."""
    T = problem.T
    P = len(problem.profiles)
    diff = np.zeros((P, T + 1), dtype=np.int64)
    takes = {}
    for a, _d, table, k in solution.shifts(problem):
        p = problem.profile_of[a]
        s, e = int(table.start[k]), int(table.end[k])
        diff[p, min(s, T)] += 1
        diff[p, min(e, T)] -= 1
        for r in np.flatnonzero(table.takes[k]):
            takes.setdefault((p, int(r)), np.zeros(T, dtype=np.int64))[s] += 1
    on_shift = np.cumsum(diff[:, :T], axis=1)
    return on_shift, agents_on_break(problem, solution.break_starts), takes


def with_optimal_split(problem: RosterProblem, solution: Solution, weights: SolverWeights
                       ) -> Solution:
    """``solution`` with its shifts and breaks and the optimal queue split of its agents at
    work (:func:`~staffing.solver.split.optimal_split`)."""
    on_shift, on_break, _ = profile_counts(problem, solution)
    split = optimal_split(problem, on_shift - on_break, weights)
    return Solution(solution.choice, solution.break_starts, split)


def shift_activities(problem: RosterProblem, solution: Solution
                     ) -> dict[tuple[int, int], list]:
    """Per shift ``(agent, day)``, the activity of each of its intervals: a queue index or a
    break rule's activity (breaks by :func:`~staffing.solver.breaks.assign_breaks`, queues by
    :func:`~staffing.solver.split.assign_queues`)."""
    shifts = [(a, d, int(table.start[k]), int(table.end[k]))
              for a, d, table, k in solution.shifts(problem)]
    return assign_queues(problem, shifts, assign_breaks(problem, solution), solution.split)


@dataclass(frozen=True)
class Evaluation:
    """The objective of a roster, by rule, and what it is made of.

    Attributes
    ----------
    objective : total. [objective units]
    breakdown : objective by rule.
    served, short, over : ``(Q, T)`` agents serving, missing, in excess.
    agent_stats : one row per agent (see :func:`evaluate`).
    violations : soft-rule violations: rule, agent_id, date, penalty, detail.
    """

    objective: float
    breakdown: dict[str, float]
    served: np.ndarray
    short: np.ndarray
    over: np.ndarray
    agent_stats: pd.DataFrame
    violations: pd.DataFrame


def evaluate(problem: RosterProblem, solution: Solution, weights: SolverWeights) -> Evaluation:
    """The exact objective of ``solution`` by rule, per-agent figures and violations."""
    dates = problem.dates()
    served = solution.split.sum(axis=0)
    required = problem.required
    short = np.clip(required - served, 0, None)
    over = np.clip(served - required, 0, None)
    under_cost = understaffing_penalty(short, required, weights)
    breakdown = {
        "understaffing": float(under_cost.sum()),
        "overstaffing": float(weights.overstaffing * over.sum()),
    }
    prio = 0.0
    for pi, prof in enumerate(problem.profiles):
        for q in prof.queues:
            prio += prof.step(q) * float(solution.split[pi, q].sum())
    breakdown["skill_priority"] = weights.skill_priority * prio

    rows = []
    violations = []
    totals = {"cost": 0.0, "preferred_day_off": 0.0, "preferred_start": 0.0,
              "fairness_weekends": 0.0, "fairness_nights": 0.0, "fairness_late": 0.0}
    for a, agent in enumerate(problem.agents):
        rules = problem.rules[a]
        worked = np.flatnonzero(solution.choice[a] >= 0)
        paid = nights = lates = weekend_days = 0
        pref_off_worked = start_met = start_missed = 0
        for d in worked:
            table = problem.table(a, d)
            k = int(problem.options[a][d][solution.choice[a, d]])
            paid += int(table.paid[k])
            nights += bool(table.night[k])
            lates += bool(table.late[k])
            weekend_days += problem.is_weekend_day(int(d))
            if d in problem.preferred_off[a]:
                pref_off_worked += 1
                violations.append(("preferred_day_off", agent.agent_id, dates[d],
                                   weights.preference, "worked a preferred day off"))
            window = problem.preferred_start[a]
            if window is not None:
                local = int(table.local_start[k])
                if window[0] <= local <= window[1]:
                    start_met += 1
                else:
                    start_missed += 1
                    violations.append((
                        "preferred_start", agent.agent_id, dates[d], weights.preference,
                        f"starts {local // 60:02d}:{local % 60:02d}, outside "
                        f"{window[0] // 60:02d}:{window[0] % 60:02d}-"
                        f"{window[1] // 60:02d}:{window[1] % 60:02d}"))
        cost = rules.hourly_cost * paid / 60.0
        totals["cost"] += weights.cost * cost
        totals["preferred_day_off"] += weights.preference * pref_off_worked
        totals["preferred_start"] += weights.preference * start_missed
        if weights.fairness > 0:
            counts = {
                "fairness_weekends": (weekend_days, sum(
                    1 for d in range(problem.D)
                    if problem.is_weekend_day(d) and len(problem.options[a][d]))),
                "fairness_nights": (nights, _count_options(problem, a, "night")),
                "fairness_late": (lates, _count_options(problem, a, "late")),
            }
            for rule, (count, n_lits) in counts.items():
                top = min(n_lits, problem.D)
                if top < 2 or count < 2:
                    continue
                value = convex_value(fairness_costs(weights.fairness, top), count, top) / SCALE
                totals[rule] += value
                what = {"fairness_weekends": "weekend days", "fairness_nights": "night shifts",
                        "fairness_late": "late shifts"}[rule]
                violations.append((rule, agent.agent_id, None, value,
                                   f"{count} {what}; each one after the first costs more"))
        rows.append({
            "agent_id": agent.agent_id, "name": agent.name, "contract": agent.contract,
            "shifts": len(worked), "paid_hours": paid / 60.0, "night_shifts": nights,
            "late_shifts": lates, "weekend_days": weekend_days,
            "cost": round(cost, 2),
            "preferred_days_off": len(problem.preferred_off[a]),
            "preferred_days_off_worked": pref_off_worked,
            "preferred_start_met": start_met, "preferred_start_missed": start_missed,
        })
    breakdown.update(totals)
    breakdown.update(_changes(problem, solution, weights, violations))
    switches = _switches_by_shift(problem, solution, weights)
    breakdown["queue_switch"] = weights.queue_switch * float(sum(switches.values()))
    per_agent = np.zeros(problem.A, dtype=np.int64)
    for (a, d), n in sorted(switches.items()):
        per_agent[a] += n
        if n:
            violations.append(("queue_switch", problem.agents[a].agent_id, dates[d],
                               weights.queue_switch * n, f"{n} switches of queue in the shift"))
    for row, n in zip(rows, per_agent, strict=True):
        row["queue_switches"] = int(n)
    for q, queue in enumerate(problem.queues):
        for d, date in enumerate(dates):
            lo, hi = _day_range(problem, d)
            s = short[q, lo:hi]
            if s.any():
                violations.append(("understaffing", None, date, float(under_cost[q, lo:hi].sum()),
                                   f"{queue}: {int(s.sum())} agent-intervals short in "
                                   f"{int((s > 0).sum())} intervals, up to {int(s.max())} "
                                   "at once"))
            o = over[q, lo:hi]
            if o.any() and weights.overstaffing > 0:
                violations.append(("overstaffing", None, date,
                                   float(weights.overstaffing * o.sum()),
                                   f"{queue}: {int(o.sum())} agent-intervals over"))
    violations_frame = pd.DataFrame(violations, columns=list(VIOLATION_COLUMNS))
    breakdown = {k: float(v) for k, v in breakdown.items()}
    return Evaluation(
        objective=float(sum(breakdown.values())), breakdown=breakdown, served=served,
        short=short, over=over, agent_stats=pd.DataFrame(rows), violations=violations_frame,
    )


def _changes(problem: RosterProblem, solution: Solution, weights: SolverWeights,
             violations: list) -> dict[str, float]:
    """The re-plan's change costs: days after the cut differing from the published roster and
    agents with any such day (none without a published roster)."""
    if problem.published is None:
        return {"shift_change": 0.0, "agent_change": 0.0}
    dates = problem.dates()
    changed = (problem.published != solution.choice) & ~problem.kept
    for a, d in zip(*np.nonzero(changed), strict=True):
        violations.append(("shift_change", problem.agents[a].agent_id, dates[d],
                           weights.shift_change, "differs from the published roster"))
    touched = np.flatnonzero(changed.any(axis=1))
    for a in touched:
        violations.append(("agent_change", problem.agents[a].agent_id, None,
                           weights.agent_change, "some days differ from the published roster"))
    return {"shift_change": weights.shift_change * float(changed.sum()),
            "agent_change": weights.agent_change * float(len(touched))}


def _switches_by_shift(problem: RosterProblem, solution: Solution, weights: SolverWeights
                       ) -> dict[tuple[int, int], int]:
    """Switches of queue per shift ``(agent, day)`` of the per-agent activities (none counted
    where no agent has two skills)."""
    if all(len(prof.queues) == 1 for prof in problem.profiles):
        return {}
    return queue_switches(shift_activities(problem, solution))


def _count_options(problem: RosterProblem, a: int, flag: str) -> int:
    total = 0
    for d in range(problem.D):
        opts = problem.options[a][d]
        if len(opts):
            total += int(getattr(problem.table(a, d), flag)[opts].sum())
    return total


def _day_range(problem: RosterProblem, d: int) -> tuple[int, int]:
    """Interval indices ``[lo, hi)`` of local day ``d``."""
    dates = problem.intervals.tz_localize(None).normalize()
    day = pd.Timestamp(problem.horizon.start_date) + pd.Timedelta(days=d)
    idx = np.flatnonzero(dates == day)
    return (int(idx[0]), int(idx[-1]) + 1) if len(idx) else (0, 0)
