"""The CP-SAT model: agents x days x shift candidates, with the contract rules as builders.

Variables
---------
``x[a][d][i]`` is true when agent ``a`` works candidate ``problem.options[a][d][i]`` on day
``d``; ``works[a][d]`` is their sum (at most one shift a day). Everything about an agent — paid
minutes per week, nights, rest, runs of days, weekends, preferences, cost — is a linear function
of these literals, built by the generic builders of :mod:`staffing.solver.rules`. Coverage
(:mod:`staffing.solver.coverage`) aggregates the literals by skill profile.

Objective
---------
The sum of the :class:`~staffing.solver.rules.PenaltyTerm` of every builder, in objective units
(``weight * value``), scaled by :data:`SCALE` to integers for CP-SAT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver.problem import RosterProblem, block_limits
from staffing.solver.rules import (
    PenaltyTerm,
    add_convex_count_penalty,
    add_forbidden,
    add_min_gap,
    add_soft_sequence_constraint,
    add_soft_sum_constraint,
    add_weekend_constraint,
)

__all__ = [
    "HARD_RULES",
    "SCALE",
    "RosterModel",
    "add_agent_rules",
    "add_agent_soft_rules",
    "fairness_costs",
]

#: Objective units are multiplied by this to make CP-SAT's integer coefficients (cents).
SCALE = 100

#: The hard rules of an agent, in the order explanations list them.
HARD_RULES = (
    "min_hours_per_week",
    "max_hours_per_week",
    "max_shifts_per_week",
    "min_days_off_per_week",
    "max_consecutive_days",
    "min_consecutive_days_off",
    "min_rest",
    "max_night_shifts_per_week",
    "min_weekends_off",
    "fixed_days_off",
    "unavailable",
    "start_window",
)


class RosterModel:
    """CP-SAT variables for some agents of a :class:`RosterProblem`, and the named penalty
    terms the builders add.

    Attributes
    ----------
    problem : the problem.
    cp : the CP-SAT model.
    agents : indices of the agents modelled.
    x : ``x[a][d]`` the shift literals of agent ``a`` on day ``d``, aligned with
        ``problem.options[a][d]``.
    works : ``works[a][d]`` whether agent ``a`` works day ``d``.
    terms : penalty terms of the objective.
    """

    def __init__(self, problem: RosterProblem, agents: Sequence[int] | None = None,
                 *, name_vars: bool = False) -> None:
        self.problem = problem
        self.cp = cp_model.CpModel()
        self.agents = list(range(problem.A)) if agents is None else list(agents)
        self.x: dict[int, list[list[cp_model.IntVar]]] = {}
        self.works: dict[int, list[cp_model.IntVar]] = {}
        self.terms: list[PenaltyTerm] = []
        self.cap_literals: dict[int, cp_model.IntVar] = {}
        cp = self.cp
        for a in self.agents:
            agent_id = problem.agents[a].agent_id
            per_day, works = [], []
            for d in range(problem.D):
                n = len(problem.options[a][d])
                if name_vars:
                    lits = [cp.new_bool_var(f"x({agent_id},{d},{i})") for i in range(n)]
                else:
                    lits = [cp.new_bool_var("") for _ in range(n)]
                w = cp.new_bool_var(f"works({agent_id},{d})")
                if n:
                    cp.add(cp_model.LinearExpr.sum(lits) == w)
                else:
                    cp.add(w == 0)
                per_day.append(lits)
                works.append(w)
            self.x[a] = per_day
            self.works[a] = works

    # ------------------------------------------------------------------ helpers
    def attribute(self, a: int, d: int, name: str) -> np.ndarray:
        """A candidate attribute (``start_minute``, ``paid``, ``night``, ...) of agent ``a``'s
        options on day ``d``."""
        table = self.problem.table(a, d)
        return getattr(table, name)[self.problem.options[a][d]]

    def day_expr(self, a: int, d: int, name: str):
        """``sum(attribute * x)`` over agent ``a``'s options on day ``d``."""
        values = self.attribute(a, d, name)
        return cp_model.LinearExpr.weighted_sum(self.x[a][d], [int(v) for v in values])

    def selected(self, a: int, predicate: str) -> list[cp_model.IntVar]:
        """Agent ``a``'s shift literals whose boolean attribute ``predicate`` is true."""
        out = []
        for d in range(self.problem.D):
            flags = self.attribute(a, d, predicate)
            out.extend(lit for lit, f in zip(self.x[a][d], flags, strict=True) if f)
        return out

    def objective(self) -> tuple[list[cp_model.IntVar], list[int]]:
        """The integer objective: variables and coefficients (merged over terms)."""
        coef: dict[int, int] = {}
        var_of: dict[int, cp_model.IntVar] = {}
        for term in self.terms:
            for var, c in zip(term.vars, term.coeffs, strict=True):
                value = int(round(term.weight * c * SCALE))
                if value:
                    idx = var.index
                    coef[idx] = coef.get(idx, 0) + value
                    var_of[idx] = var
        keys = sorted(coef)
        return [var_of[k] for k in keys], [coef[k] for k in keys]

    def minimize(self) -> None:
        """Set the objective to the sum of the penalty terms."""
        variables, coefficients = self.objective()
        self.cp.minimize(cp_model.LinearExpr.weighted_sum(variables, coefficients))


def _lit(enforce: Mapping[str, cp_model.IntVar] | None, name: str):
    return None if enforce is None else enforce.get(name)


def add_agent_rules(m: RosterModel, a: int,
                    enforce: Mapping[str, cp_model.IntVar] | None = None) -> None:
    """Every hard rule of agent ``a`` (see :data:`HARD_RULES`).

    With ``enforce`` (rule name -> literal), each rule holds only when its literal is true: the
    explanation passes them as assumptions. Rules whose options were already removed from the
    problem (start window, fixed days off, unavailability) add nothing then.
    """
    p = m.problem
    rules = p.rules[a]
    cp = m.cp
    x, works = m.x[a], m.works[a]
    agent_id = p.agents[a].agent_id

    # Options the problem kept only so an explanation can name the rule removing them.
    for d in range(p.D):
        table, opts = p.table(a, d), p.options[a][d]
        add_forbidden(cp, [lit for lit, k in zip(x[d], opts, strict=True)
                           if not table.in_window[k]], enforce=_lit(enforce, "start_window"))
        if d in p.fixed_off[a]:
            add_forbidden(cp, x[d], enforce=_lit(enforce, "fixed_days_off"))
        else:
            start, end = table.start_minute[opts], table.end_minute[opts]
            hit = np.zeros(len(opts), dtype=bool)
            for s, e in p.unavailable[a]:
                hit |= (start < e) & (end > s)
            add_forbidden(cp, [lit for lit, h in zip(x[d], hit, strict=True) if h],
                          enforce=_lit(enforce, "unavailable"))

    for b, block in enumerate(p.blocks):
        limits = block_limits(rules, block)
        days = list(block.range)
        lits = [lit for d in days for lit in x[d]]
        paid = [int(v) for d in days for v in m.attribute(a, d, "paid")]
        add_soft_sum_constraint(
            cp, lits, limits.min_minutes, 0, 0, 0, limits.max_minutes, 0,
            f"paid_minutes({agent_id},week {b + 1})", coefficients=paid,
            enforce=_lit(enforce, "max_hours_per_week"),
            enforce_min=_lit(enforce, "min_hours_per_week"),
        )
        day_lits = [works[d] for d in days]
        if enforce is None:
            if limits.max_shifts < block.days:
                cp.add(cp_model.LinearExpr.sum(day_lits) <= limits.max_shifts)
        else:
            if limits.shift_limit < block.days:
                cp.add(cp_model.LinearExpr.sum(day_lits) <= limits.shift_limit).only_enforce_if(
                    enforce["max_shifts_per_week"])
            if limits.days_off > 0:
                cp.add(cp_model.LinearExpr.sum(day_lits) <= block.days - limits.days_off
                       ).only_enforce_if(enforce["min_days_off_per_week"])
        if limits.max_nights is not None:
            nights = [lit for d in days
                      for lit, f in zip(x[d], m.attribute(a, d, "night"), strict=True) if f]
            if len(nights) > limits.max_nights:
                ct = cp.add(cp_model.LinearExpr.sum(nights) <= limits.max_nights)
                if enforce is not None:
                    ct.only_enforce_if(enforce["max_night_shifts_per_week"])

    if rules.max_consecutive_days < p.D:
        add_soft_sequence_constraint(
            cp, works, 0, 0, 0, p.D, rules.max_consecutive_days, 0,
            f"consecutive_days({agent_id})", enforce=_lit(enforce, "max_consecutive_days"),
        )
    if rules.min_consecutive_days_off > 1:
        add_soft_sequence_constraint(
            cp, [w.Not() for w in works], rules.min_consecutive_days_off, 0, 0, p.D, p.D, 0,
            f"consecutive_days_off({agent_id})", edges=False,
            enforce=_lit(enforce, "min_consecutive_days_off"),
        )

    _add_rest(m, a, rules.min_rest_minutes, _lit(enforce, "min_rest"))

    if rules.min_weekends_off > 0:
        allowed = len(p.weekends) - rules.min_weekends_off
        lit = _lit(enforce, "min_weekends_off")
        if allowed < 0:
            ct = cp.add_bool_or([])  # cannot hold: fewer weekends than the quota
            if lit is not None:
                ct.only_enforce_if(lit)
        else:
            add_weekend_constraint(cp, works, p.weekends, allowed,
                                   f"weekends({agent_id})", enforce=lit)


def _add_rest(m: RosterModel, a: int, rest: int, enforce) -> None:
    """Minimum rest between the shifts of two days, for every pair of days where it can bind
    (the latest end of the first day plus the rest passes the earliest start of the second)."""
    p = m.problem
    gap = max(rest, 0)
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


def fairness_costs(weight: float, top: int) -> list[int]:
    """Scaled cost of an agent's ``k`` weekend days (nights, late shifts): the k-th costs
    ``weight * (k - 1)``, so ``weight * k * (k - 1) / 2`` in all. [objective units x SCALE]"""
    return [int(round(SCALE * weight * k * (k - 1) / 2)) for k in range(top + 1)]


def add_agent_soft_rules(m: RosterModel, a: int, weights: SolverWeights) -> None:
    """Agent ``a``'s cost and soft rules: preferred days off and start window, fairness of
    weekends, nights and late shifts (terms appended to ``m.terms``)."""
    p = m.problem
    rules = p.rules[a]
    agent_id = p.agents[a].agent_id
    dates = p.dates()
    x, works = m.x[a], m.works[a]
    lits, coeffs = [], []
    for d in range(p.D):
        lits.extend(x[d])
        coeffs.extend((rules.hourly_cost * m.attribute(a, d, "paid") / 60.0).tolist())
    if lits and weights.cost > 0:
        m.terms.append(PenaltyTerm("cost", tuple(lits), tuple(coeffs), weights.cost, a, None,
                                   f"cost({agent_id})"))
    if weights.preference > 0:
        for d in sorted(p.preferred_off[a]):
            if len(x[d]):
                m.terms.append(PenaltyTerm(
                    "preferred_day_off", (works[d],), (1.0,), weights.preference, a, d,
                    f"preferred_day_off({agent_id},{dates[d].isoformat()})"))
        window = p.preferred_start[a]
        if window is not None:
            lo, hi = window
            for d in range(p.D):
                local = m.attribute(a, d, "local_start")
                outside = [lit for lit, s in zip(x[d], local, strict=True)
                           if not lo <= s <= hi]
                if outside:
                    m.terms.append(PenaltyTerm(
                        "preferred_start", tuple(outside), (1.0,) * len(outside),
                        weights.preference, a, d,
                        f"preferred_start({agent_id},{dates[d].isoformat()})"))
    if weights.fairness > 0:
        groups = {
            "fairness_weekends": [works[d] for d in range(p.D)
                                  if p.is_weekend_day(d) and len(x[d])],
            "fairness_nights": m.selected(a, "night"),
            "fairness_late": m.selected(a, "late"),
        }
        for rule, group in groups.items():
            top = min(len(group), p.D)
            if top >= 2:
                m.terms.extend(add_convex_count_penalty(
                    m.cp, group, fairness_costs(weights.fairness, top),
                    f"{rule}({agent_id})", rule=rule, scale=SCALE, max_count=top, agent=a))
