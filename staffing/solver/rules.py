"""The rules of a roster, one ``add_<rule>`` each, and the registry :data:`RULES` naming them.

Every hard and soft rule the solver knows is one :class:`Rule` of :data:`RULES`: its name (the
one explanations, violations and the objective breakdown use), an English label, whether it is
hard or soft, what one call of its builder covers (a day, a week, the horizon, or the coverage
of every queue), the scenario key that sets it, and its builder. The model
(:func:`add_agent_rules`, :func:`add_agent_soft_rules`), the explanation
(:mod:`staffing.solver.explain`) and the rule table of ``docs/scenario.md``
(:func:`rules_table`) all read this registry; looking for the rule that enforces minimum rest,
look for ``add_min_rest``.

Agent rules are built on the generic builders of :mod:`staffing.solver.builders` (sums and runs
of literals, forbidden literals, gaps) and take the agent's literals from a
:class:`~staffing.solver.model.RosterModel`:

- hard rules ``add_<rule>(m, a, <day or week>, enforce=None)`` (day and week scopes) or
  ``add_<rule>(m, a, enforce=None)`` (horizon); with an ``enforce`` literal the rule holds only
  when it is true (the explanation solves with those literals as assumptions);
- soft rules ``add_<rule>(m, a, weights)`` append named :class:`PenaltyTerm` to ``m.terms``.

Coverage rules (understaffing, overstaffing, skill priority, the break windows and cap) couple
the agents of a profile or queue; their builders are in :mod:`staffing.solver.coverage` and
:mod:`staffing.solver.breaks`, called by
:func:`~staffing.solver.coverage.add_interval_coverage`. Shift lengths and one shift a day hold
by construction (the candidates of :mod:`staffing.solver.shifts`, the variables of
:class:`~staffing.solver.model.RosterModel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver import breaks as _breaks
from staffing.solver import coverage as _coverage
from staffing.solver import shifts as _shifts
from staffing.solver import split as _split
from staffing.solver.builders import (  # noqa: F401 - re-exported for benchmarks/curtois.py
    PenaltyTerm,
    add_convex_count_penalty,
    add_forbidden,
    add_forbidden_pairs,
    add_forbidden_successor_group,
    add_forbidden_successors,
    add_min_gap,
    add_requests,
    add_soft_sequence,
    add_soft_sequence_constraint,
    add_soft_sum,
    add_soft_sum_constraint,
    add_weekend_constraint,
    add_weekends_worked,
    convex_breakpoints,
    convex_value,
)
from staffing.solver.model import SCALE, RosterModel
from staffing.solver.problem import block_limits

__all__ = [
    "HARD_RULES",
    "RULES",
    "SOFT_RULES",
    "Rule",
    "add_agent_rules",
    "add_agent_soft_rules",
    "add_cost",
    "add_fairness_late",
    "add_fairness_nights",
    "add_fairness_weekends",
    "add_agent_change",
    "add_fixed_days_off",
    "add_kept_before_cut",
    "add_max_consecutive_days",
    "add_max_hours_per_week",
    "add_max_night_shifts_per_week",
    "add_max_shifts_per_week",
    "add_min_consecutive_days_off",
    "add_min_days_off_per_week",
    "add_min_hours_per_week",
    "add_max_consecutive_weekends_worked",
    "add_min_rest",
    "add_min_weekends_off",
    "add_preferred_day_off",
    "add_preferred_start",
    "add_shift_change",
    "add_start_window",
    "add_unavailable",
    "fairness_costs",
    "rule",
    "rules_table",
]

Enforce = cp_model.IntVar | None


@dataclass(frozen=True)
class Rule:
    """One rule of the roster.

    Attributes
    ----------
    name : the rule's name in explanations, violations and the objective breakdown.
    label : what it asks, in English.
    kind : ``hard`` (never broken) or ``soft`` (a cost in the objective).
    scope : what one call of ``builder`` covers: ``day``, ``week`` (a block of up to 7 days),
        ``horizon`` (all of one agent's days), ``coverage`` (every queue and interval), or
        ``candidates`` (kept by construction: no shift breaking it is a candidate).
    setting : the scenario key (or agents-file column) that sets it.
    builder : the function adding it to a model.
    doc : one line on how it is modelled.
    """

    name: str
    label: str
    kind: str
    scope: str
    setting: str
    builder: Callable
    doc: str


# ---------------------------------------------------------------- hard rules of one day
def add_start_window(m: RosterModel, a: int, d: int, enforce: Enforce = None) -> None:
    """No shift of agent ``a`` on day ``d`` starting outside its contract's start window
    (options there exist only in the explanation's whole-day problem)."""
    table, opts = m.problem.table(a, d), m.problem.options[a][d]
    add_forbidden(m.cp, [lit for lit, k in zip(m.x[a][d], opts, strict=True)
                         if not table.in_window[k]], enforce=enforce)


def add_fixed_days_off(m: RosterModel, a: int, d: int, enforce: Enforce = None) -> None:
    """No shift of agent ``a`` on day ``d`` when it is one of the agent's fixed days off."""
    if d in m.problem.fixed_off[a]:
        add_forbidden(m.cp, m.x[a][d], enforce=enforce)


def add_unavailable(m: RosterModel, a: int, d: int, enforce: Enforce = None) -> None:
    """No shift of agent ``a`` on day ``d`` overlapping one of the agent's unavailable windows
    (a fixed day off is left to :func:`add_fixed_days_off`)."""
    p = m.problem
    if d in p.fixed_off[a]:
        return
    table, opts = p.table(a, d), p.options[a][d]
    start, end = table.start_minute[opts], table.end_minute[opts]
    hit = np.zeros(len(opts), dtype=bool)
    for s, e in p.unavailable[a]:
        hit |= (start < e) & (end > s)
    add_forbidden(m.cp, [lit for lit, h in zip(m.x[a][d], hit, strict=True) if h],
                  enforce=enforce)


def add_kept_before_cut(m: RosterModel, a: int, d: int, enforce: Enforce = None) -> None:
    """When re-planning from a cut, agent ``a``'s published shift of day ``d`` that started
    before the cut is worked (it is the day's only candidate,
    :attr:`~staffing.solver.problem.RosterProblem.kept`)."""
    kept = m.problem.kept
    if kept is None or not kept[a, d]:
        return
    ct = m.cp.add(m.works[a][d] == 1)
    if enforce is not None:
        ct.only_enforce_if(enforce)


# ---------------------------------------------------------------- hard rules of one week
def _paid_minutes(m: RosterModel, a: int, b: int) -> tuple[list, list[int]]:
    """Agent ``a``'s shift literals of block ``b`` and their paid minutes."""
    days = list(m.problem.blocks[b].range)
    lits = [lit for d in days for lit in m.x[a][d]]
    paid = [int(v) for d in days for v in m.attribute(a, d, "paid")]
    return lits, paid


def _week_name(m: RosterModel, a: int, b: int) -> str:
    return f"paid_minutes({m.problem.agents[a].agent_id},week {b + 1})"


def add_min_hours_per_week(m: RosterModel, a: int, b: int, enforce: Enforce = None) -> None:
    """Agent ``a``'s paid minutes in block ``b`` at least the contract's weekly minimum
    (prorated on a short block, see :func:`~staffing.solver.problem.block_limits`)."""
    limits = block_limits(m.problem.rules[a], m.problem.blocks[b])
    lits, paid = _paid_minutes(m, a, b)
    add_soft_sum(m.cp, lits, name=_week_name(m, a, b), hard_min=limits.min_minutes,
                 coefficients=paid, enforce_min=enforce)


def add_max_hours_per_week(m: RosterModel, a: int, b: int, enforce: Enforce = None) -> None:
    """Agent ``a``'s paid minutes in block ``b`` at most the contract's weekly maximum."""
    limits = block_limits(m.problem.rules[a], m.problem.blocks[b])
    lits, paid = _paid_minutes(m, a, b)
    add_soft_sum(m.cp, lits, name=_week_name(m, a, b), hard_max=limits.max_minutes,
                 coefficients=paid, enforce=enforce)


def _days_worked(m: RosterModel, a: int, b: int):
    return cp_model.LinearExpr.sum([m.works[a][d] for d in m.problem.blocks[b].range])


def add_max_shifts_per_week(m: RosterModel, a: int, b: int, enforce: Enforce = None) -> None:
    """At most the contract's shifts in block ``b``.

    Without ``enforce`` it also keeps :func:`add_min_days_off_per_week`'s bound: one
    constraint, days worked at most the tighter of the two (``block_limits.max_shifts``).
    """
    block = m.problem.blocks[b]
    limits = block_limits(m.problem.rules[a], block)
    if enforce is None:
        if limits.max_shifts < block.days:
            m.cp.add(_days_worked(m, a, b) <= limits.max_shifts)
    elif limits.shift_limit < block.days:
        m.cp.add(_days_worked(m, a, b) <= limits.shift_limit).only_enforce_if(enforce)


def add_min_days_off_per_week(m: RosterModel, a: int, b: int, enforce: Enforce = None) -> None:
    """At least the contract's days off in block ``b`` (days outside a short block count as
    off). Without ``enforce`` :func:`add_max_shifts_per_week` adds it with the shift limit."""
    if enforce is None:
        return
    block = m.problem.blocks[b]
    limits = block_limits(m.problem.rules[a], block)
    if limits.days_off > 0:
        m.cp.add(_days_worked(m, a, b) <= block.days - limits.days_off).only_enforce_if(enforce)


def add_max_night_shifts_per_week(m: RosterModel, a: int, b: int,
                                  enforce: Enforce = None) -> None:
    """At most the contract's night shifts in block ``b``."""
    limits = block_limits(m.problem.rules[a], m.problem.blocks[b])
    if limits.max_nights is None:
        return
    nights = [lit for d in m.problem.blocks[b].range
              for lit, f in zip(m.x[a][d], m.attribute(a, d, "night"), strict=True) if f]
    if len(nights) > limits.max_nights:
        ct = m.cp.add(cp_model.LinearExpr.sum(nights) <= limits.max_nights)
        if enforce is not None:
            ct.only_enforce_if(enforce)


# ---------------------------------------------------------------- hard rules of the horizon
def add_max_consecutive_days(m: RosterModel, a: int, enforce: Enforce = None) -> None:
    """No run of worked days longer than the contract's maximum, counting the days the agent
    worked just before the horizon (:class:`~staffing.solver.seam.AgentHistory`)."""
    p = m.problem
    limit = p.rules[a].max_consecutive_days
    if limit < p.D:
        add_soft_sequence(m.cp, m.works[a], name=f"consecutive_days({p.agents[a].agent_id})",
                          soft_max=p.D, hard_max=limit, enforce=enforce)
    # A run carried over the seam: the first (limit - carried + 1) days have a day off.
    carried = p.history_of(a).worked_days
    if carried:
        room = max(limit - carried, 0)
        if room < p.D:
            ct = m.cp.add(cp_model.LinearExpr.sum(m.works[a][:room + 1]) <= room)
            if enforce is not None:
                ct.only_enforce_if(enforce)


def add_min_consecutive_days_off(m: RosterModel, a: int, enforce: Enforce = None) -> None:
    """No run of days off shorter than the contract's minimum inside the horizon. A run
    touching the horizon's last day is exempt (the days beyond are unknown), and so is one
    touching its first day unless the previous roster shows where it began: a run begun there
    goes on for its minimum, and after a day worked there a run starting on the first day is
    as long as the minimum."""
    p = m.problem
    least = p.rules[a].min_consecutive_days_off
    if least <= 1:
        return
    add_soft_sequence(m.cp, [w.Not() for w in m.works[a]],
                      name=f"consecutive_days_off({p.agents[a].agent_id})",
                      hard_min=least, soft_min=0, soft_max=p.D, hard_max=p.D, edges=False,
                      enforce=enforce)
    past = p.history_of(a)
    if past.days_off:  # a run begun before the horizon: its first days here are off
        add_forbidden(m.cp, m.works[a][:max(least - past.days_off, 0)], enforce=enforce)
    elif past.worked_days:  # a run starting on day 0 ends no sooner than day least - 1
        for length in range(1, min(least, p.D)):
            clause = [m.works[a][d] for d in range(length)] + [m.works[a][length].Not()]
            ct = m.cp.add_bool_or(clause)
            if enforce is not None:
                ct.only_enforce_if(enforce)


def add_min_rest(m: RosterModel, a: int, enforce: Enforce = None) -> None:
    """Minimum rest between the end of one shift and the start of the next, for every pair of
    days where it can bind (the latest end of the first day plus the rest passes the earliest
    start of the second), and after the agent's last shift of the previous roster (those
    starts are not candidates outside the explanation's problem)."""
    p = m.problem
    gap = max(p.rules[a].min_rest_minutes, 0)
    last_end = p.history_of(a).last_end_minute
    if last_end is not None:
        for d in range(p.D):
            if d * 1440 - 120 >= last_end + gap:
                break
            add_forbidden(m.cp, [lit for lit, s in zip(m.x[a][d],
                                                         m.attribute(a, d, "start_minute"),
                                                         strict=True)
                                 if s < last_end + gap], enforce=enforce)
    for d1 in range(p.D):
        if not len(p.options[a][d1]):
            continue
        latest_end = int(m.attribute(a, d1, "end_minute").max())
        for d2 in range(d1 + 1, p.D):
            # Day d2 starts no earlier than its local midnight, at least (d2 * 24 - 2) h in.
            if (d2 * 1440 - 120) >= latest_end + gap:
                break
            if not len(p.options[a][d2]):
                continue
            if latest_end + gap <= int(m.attribute(a, d2, "start_minute").min()):
                continue
            add_min_gap(m.cp, m.day_expr(a, d1, "end_minute"), m.day_expr(a, d2, "start_minute"),
                        m.works[a][d1], m.works[a][d2], gap, enforce=enforce)


def add_min_weekends_off(m: RosterModel, a: int, enforce: Enforce = None) -> None:
    """At least the contract's whole weekends off (a weekend is worked when any day of it is)."""
    p = m.problem
    quota = p.rules[a].min_weekends_off
    if quota <= 0:
        return
    allowed = len(p.weekends) - quota
    if allowed < 0:
        ct = m.cp.add_bool_or([])  # cannot hold: fewer weekends than the quota
        if enforce is not None:
            ct.only_enforce_if(enforce)
    else:
        add_weekends_worked(m.cp, m.works[a], p.weekends,
                            name=f"weekends({p.agents[a].agent_id})", hard_max=allowed,
                            enforce=enforce)


def add_max_consecutive_weekends_worked(m: RosterModel, a: int,
                                        enforce: Enforce = None) -> None:
    """No more consecutive weekends worked (any day of it) than the contract's maximum, the
    previous roster's last weekends included: weekends off rotate over a multi-week horizon."""
    p = m.problem
    limit = p.rules[a].max_consecutive_weekends_worked
    if limit is None or not p.weekends:
        return
    carried = p.history_of(a).weekends_worked
    if limit >= len(p.weekends) + carried:
        return
    worked, _ = add_weekends_worked(m.cp, m.works[a], p.weekends,
                                    name=f"weekend_runs({p.agents[a].agent_id})",
                                    hard_max=len(p.weekends))
    # Weekends before the horizon are known: worked for the last ``carried`` of them.
    sequence = [1] * carried + worked
    # Windows wholly before the horizon are history (a past excess cannot be undone).
    for first in range(max(0, carried - limit), len(sequence) - limit):
        window = sequence[first:first + limit + 1]
        lits = [w for w in window if not isinstance(w, int)]
        ct = m.cp.add(cp_model.LinearExpr.sum(lits) <= limit - (len(window) - len(lits)))
        if enforce is not None:
            ct.only_enforce_if(enforce)


# ---------------------------------------------------------------- soft rules of an agent
def add_cost(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """The agent's paid hours at its hourly cost."""
    p = m.problem
    rules = p.rules[a]
    lits, coeffs = [], []
    for d in range(p.D):
        lits.extend(m.x[a][d])
        coeffs.extend((rules.hourly_cost * m.attribute(a, d, "paid") / 60.0).tolist())
    if lits and weights.cost > 0:
        m.terms.append(PenaltyTerm("cost", tuple(lits), tuple(coeffs), weights.cost, a, None,
                                   f"cost({p.agents[a].agent_id})"))


def add_preferred_day_off(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """``preference`` for each preferred day off worked."""
    p = m.problem
    if weights.preference <= 0:
        return
    dates = p.dates()
    for d in sorted(p.preferred_off[a]):
        if len(m.x[a][d]):
            m.terms.append(PenaltyTerm(
                "preferred_day_off", (m.works[a][d],), (1.0,), weights.preference, a, d,
                f"preferred_day_off({p.agents[a].agent_id},{dates[d].isoformat()})"))


def add_preferred_start(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """``preference`` for each shift starting outside the agent's preferred start window."""
    p = m.problem
    window = p.preferred_start[a]
    if weights.preference <= 0 or window is None:
        return
    dates = p.dates()
    lo, hi = window
    for d in range(p.D):
        local = m.attribute(a, d, "local_start")
        outside = [lit for lit, s in zip(m.x[a][d], local, strict=True) if not lo <= s <= hi]
        if outside:
            m.terms.append(PenaltyTerm(
                "preferred_start", tuple(outside), (1.0,) * len(outside), weights.preference,
                a, d, f"preferred_start({p.agents[a].agent_id},{dates[d].isoformat()})"))


def change_literals(m: RosterModel, a: int) -> list[tuple[int, cp_model.IntVar]]:
    """``(day, literal)`` for each day after the re-plan's cut, true when agent ``a``'s shift
    that day differs from the published one (none without a published roster)."""
    p = m.problem
    if p.published is None:
        return []
    cache = m.__dict__.setdefault("_changes", {})
    if a in cache:
        return cache[a]
    out = []
    for d in range(p.D):
        if p.kept[a, d]:
            continue
        at = int(p.published[a, d])
        if at == -1:
            out.append((d, m.works[a][d]))
        elif at == -2:
            out.append((d, m.cp.new_constant(1)))
        else:
            changed = m.cp.new_bool_var("")
            m.cp.add(changed + m.x[a][d][at] == 1)
            out.append((d, changed))
    cache[a] = out
    return out


def add_shift_change(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """``shift_change`` for each day whose shift (or day off) differs from the published
    roster's (re-planning only)."""
    p = m.problem
    if weights.shift_change <= 0:
        return
    dates = p.dates()
    for d, lit in change_literals(m, a):
        m.terms.append(PenaltyTerm("shift_change", (lit,), (1.0,), weights.shift_change, a, d,
                                   f"shift_change({p.agents[a].agent_id},"
                                   f"{dates[d].isoformat()})"))


def add_agent_change(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """``agent_change`` when any of agent ``a``'s days differs from the published roster
    (re-planning only): a change costs most for the first day it touches."""
    p = m.problem
    changes = change_literals(m, a)
    if weights.agent_change <= 0 or not changes:
        return
    touched = m.cp.new_bool_var(f"touched({p.agents[a].agent_id})")
    m.cp.add_max_equality(touched, [lit for _, lit in changes])
    m.terms.append(PenaltyTerm("agent_change", (touched,), (1.0,), weights.agent_change, a,
                               None, f"agent_change({p.agents[a].agent_id})"))


def fairness_costs(weight: float, top: int) -> list[int]:
    """Scaled cost of an agent's ``k`` weekend days (nights, late shifts): the k-th costs
    ``weight * (k - 1)``, so ``weight * k * (k - 1) / 2`` in all. [objective units x SCALE]"""
    return [int(round(SCALE * weight * k * (k - 1) / 2)) for k in range(top + 1)]


def _add_fairness(m: RosterModel, a: int, weights: SolverWeights, name: str, group: list) -> None:
    top = min(len(group), m.problem.D)
    if weights.fairness > 0 and top >= 2:
        m.terms.extend(add_convex_count_penalty(
            m.cp, group, fairness_costs(weights.fairness, top),
            f"{name}({m.problem.agents[a].agent_id})", rule=name, scale=SCALE, max_count=top,
            agent=a))


def add_fairness_weekends(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """The agent's k-th weekend day worked costs ``fairness * (k - 1)``."""
    p = m.problem
    group = [m.works[a][d] for d in range(p.D) if p.is_weekend_day(d) and len(m.x[a][d])]
    _add_fairness(m, a, weights, "fairness_weekends", group)


def add_fairness_nights(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """The agent's k-th night shift costs ``fairness * (k - 1)``."""
    _add_fairness(m, a, weights, "fairness_nights", m.selected(a, "night"))


def add_fairness_late(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """The agent's k-th late shift costs ``fairness * (k - 1)``."""
    _add_fairness(m, a, weights, "fairness_late", m.selected(a, "late"))


# ---------------------------------------------------------------- the registry
_H, _S = "hard", "soft"

#: Every rule, hard rules first in the order explanations list them.
RULES: tuple[Rule, ...] = (
    Rule("min_hours_per_week", "paid hours per week at least the contract's minimum", _H,
         "week", "contracts.<name>.min_hours_per_week", add_min_hours_per_week,
         "sum of paid minutes of the week's shifts >= minimum (prorated on a short week)"),
    Rule("max_hours_per_week", "paid hours per week at most the contract's maximum", _H,
         "week", "contracts.<name>.max_hours_per_week", add_max_hours_per_week,
         "sum of paid minutes of the week's shifts <= maximum"),
    Rule("max_shifts_per_week", "at most so many shifts per week", _H, "week",
         "contracts.<name>.max_shifts_per_week", add_max_shifts_per_week,
         "days worked in the week <= limit"),
    Rule("min_days_off_per_week", "at least so many days off per week", _H, "week",
         "contracts.<name>.min_days_off_per_week", add_min_days_off_per_week,
         "days worked in the week <= 7 - days off (one constraint with the shift limit)"),
    Rule("max_consecutive_days", "no more consecutive working days than the maximum", _H,
         "horizon", "contracts.<name>.max_consecutive_days", add_max_consecutive_days,
         "every window of maximum + 1 days, the previous roster's included, has a day off"),
    Rule("min_consecutive_days_off", "days off come in runs of at least the minimum", _H,
         "horizon", "contracts.<name>.min_consecutive_days_off", add_min_consecutive_days_off,
         "no shorter run of days off inside the horizon (or begun in the previous roster)"),
    Rule("min_rest", "minimum rest between the end of a shift and the next start", _H,
         "horizon", "shift_rules.min_rest_hours", add_min_rest,
         "next start - previous end >= rest, for the pairs of days where it can bind and "
         "after the previous roster's last shift"),
    Rule("max_night_shifts_per_week", "at most so many night shifts per week", _H, "week",
         "contracts.<name>.max_night_shifts_per_week", add_max_night_shifts_per_week,
         "night shifts of the week <= limit"),
    Rule("min_weekends_off", "at least so many whole weekends off", _H, "horizon",
         "contracts.<name>.min_weekends_off", add_min_weekends_off,
         "weekends worked (any day of it) <= weekends - quota"),
    Rule("max_consecutive_weekends_worked", "no more consecutive weekends worked than the "
         "maximum", _H, "horizon", "contracts.<name>.max_consecutive_weekends_worked",
         add_max_consecutive_weekends_worked,
         "every run of maximum + 1 weekends, the previous roster's included, has one off"),
    Rule("fixed_days_off", "no shift on the agent's fixed days off", _H, "day",
         "agents.fixed_days_off", add_fixed_days_off, "those days' shifts are forbidden"),
    Rule("unavailable", "no shift overlapping the agent's unavailable windows", _H, "day",
         "agents.unavailable", add_unavailable, "overlapping shifts are forbidden"),
    Rule("kept_before_cut", "published shifts started before a re-plan's cut stay", _H, "day",
         "staffing replan --from", add_kept_before_cut,
         "the published shift is the day's only candidate and is worked; no other shift "
         "starts before the cut"),
    Rule("start_window", "shifts start inside the contract's start window", _H, "day",
         "contracts.<name>.earliest_start, latest_start", add_start_window,
         "other starts are forbidden (not even candidates outside the explanation)"),
    Rule("shift_length", "shift lengths between the contract's shortest and longest", _H,
         "candidates", "contracts.<name>.min_shift_minutes, max_shift_minutes",
         _shifts.contract_lengths,
         "only those lengths (in shift_rules.length_step_minutes steps) are candidates"),
    Rule("one_shift_a_day", "at most one shift per agent and day", _H, "candidates",
         "(always)", RosterModel, "an agent's shift literals of a day sum to its works literal"),
    Rule("break_windows", "each break or lunch starts inside its window after the shift start",
         _H, "coverage", "shift_rules.breaks", _breaks.add_break_counts,
         "per skill profile, cumulative break starts between the shifts started "
         "latest..earliest intervals before"),
    Rule("break_cap", "at most a share of a queue's agents on break at once", _H, "coverage",
         "shift_rules.max_break_fraction", _breaks.add_break_cap,
         "per queue and interval, 1000 x on break <= max(fraction x 1000 x on shift, 1000)"),
    Rule("understaffing", "each agent missing in an interval", _S, "coverage",
         "solver.weights.understaffing, understaffing_growth", _coverage.add_staffing_gaps,
         "the k-th missing agent of a queue and interval costs weight x (1 + growth x (k - 1))"),
    Rule("overstaffing", "each agent above the requirement in an interval", _S, "coverage",
         "solver.weights.overstaffing", _coverage.add_staffing_gaps,
         "weight per agent above the requirement (built with understaffing, per interval)"),
    Rule("skill_priority", "multi-skilled agents on a lower-priority skill", _S, "coverage",
         "solver.weights.skill_priority", _coverage.add_skill_priority,
         "weight x priority step per agent-interval on that queue"),
    Rule("queue_switch", "a switch of queue within an agent's shift", _S, "coverage",
         "solver.weights.queue_switch", _split.assign_queues,
         "weight per switch; not in the CP-SAT model: each agent keeps its queue while the "
         "optimal split allows (switches priced on the extracted roster)"),
    Rule("cost", "paid hours at the agent's hourly cost", _S, "horizon",
         "solver.weights.cost, contracts.<name>.hourly_cost", add_cost,
         "weight x hourly cost x paid hours"),
    Rule("preferred_day_off", "working on a preferred day off", _S, "horizon",
         "solver.weights.preference, agents.preferred_days_off", add_preferred_day_off,
         "weight per preferred day off worked"),
    Rule("preferred_start", "starting outside the preferred start window", _S, "horizon",
         "solver.weights.preference, agents.preferred_start", add_preferred_start,
         "weight per shift starting outside it"),
    Rule("shift_change", "a day changed from the published roster (re-planning)", _S,
         "horizon", "solver.weights.shift_change", add_shift_change,
         "weight per agent-day after the cut whose shift or day off differs from the "
         "published one"),
    Rule("agent_change", "an agent whose published days change (re-planning)", _S,
         "horizon", "solver.weights.agent_change", add_agent_change,
         "weight per agent with any changed day"),
    Rule("fairness_weekends", "weekend days spread evenly over agents", _S, "horizon",
         "solver.weights.fairness", add_fairness_weekends,
         "the k-th weekend day of an agent costs weight x (k - 1)"),
    Rule("fairness_nights", "night shifts spread evenly over agents", _S, "horizon",
         "solver.weights.fairness", add_fairness_nights,
         "the k-th night shift of an agent costs weight x (k - 1)"),
    Rule("fairness_late", "late shifts spread evenly over agents", _S, "horizon",
         "solver.weights.fairness", add_fairness_late,
         "the k-th late shift of an agent costs weight x (k - 1)"),
)

_BY_NAME = {r.name: r for r in RULES}

#: The hard rules of one agent, in the order explanations list them.
HARD_RULES: tuple[str, ...] = tuple(r.name for r in RULES
                                    if r.kind == _H and r.scope in ("day", "week", "horizon"))
#: The soft rules (objective terms), by name.
SOFT_RULES: tuple[str, ...] = tuple(r.name for r in RULES if r.kind == _S)

#: The order :func:`add_agent_rules` adds an agent's hard rules within each scope: the model's
#: constraint order, which the search depends on (day rules, then each week's, then the
#: horizon's).
_BUILD_ORDER: tuple[str, ...] = (
    "start_window", "fixed_days_off", "unavailable", "kept_before_cut",
    "min_hours_per_week", "max_hours_per_week", "max_shifts_per_week",
    "min_days_off_per_week", "max_night_shifts_per_week",
    "max_consecutive_days", "min_consecutive_days_off", "min_rest", "min_weekends_off",
    "max_consecutive_weekends_worked",
)
#: The order :func:`add_agent_soft_rules` adds an agent's soft rules.
_SOFT_AGENT_RULES: tuple[str, ...] = tuple(r.name for r in RULES
                                           if r.kind == _S and r.scope != "coverage")


def rule(name: str) -> Rule:
    """The registered rule called ``name``."""
    return _BY_NAME[name]


def _scoped(scope: str) -> list[Rule]:
    return [_BY_NAME[n] for n in _BUILD_ORDER if _BY_NAME[n].scope == scope]


def add_agent_rules(m: RosterModel, a: int,
                    enforce: Mapping[str, cp_model.IntVar] | None = None) -> None:
    """Every hard rule of agent ``a`` (:data:`HARD_RULES`): each day's, each week's, then
    those of the horizon.

    With ``enforce`` (rule name -> literal), each rule holds only when its literal is true: the
    explanation passes them as assumptions. Rules whose options were already removed from the
    problem (start window, fixed days off, unavailability) add nothing then.
    """

    def lit(r: Rule):
        return None if enforce is None else enforce.get(r.name)

    for d in range(m.problem.D):
        for r in _scoped("day"):
            r.builder(m, a, d, lit(r))
    for b in range(len(m.problem.blocks)):
        for r in _scoped("week"):
            r.builder(m, a, b, lit(r))
    for r in _scoped("horizon"):
        r.builder(m, a, lit(r))


def add_agent_soft_rules(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """Agent ``a``'s cost and soft rules (terms appended to ``m.terms``): cost, preferred days
    off and start window, fairness of weekends, nights and late shifts."""
    for name in _SOFT_AGENT_RULES:
        _BY_NAME[name].builder(m, a, weights)


def rules_table() -> str:
    """The rule table of ``docs/scenario.md`` (Markdown), generated from :data:`RULES`."""
    lines = ["| rule | kind | what it asks | set by | builder |", "|---|---|---|---|---|"]
    for r in RULES:
        lines.append(f"| `{r.name}` | {r.kind} | {r.label} | `{r.setting}` | "
                     f"`{r.builder.__module__.rsplit('.', 1)[-1]}.{r.builder.__name__}` |")
    return "\n".join(lines) + "\n"
