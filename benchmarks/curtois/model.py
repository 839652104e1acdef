"""The CP-SAT model of a Curtois instance, assembled from :mod:`staffing.solver.rules` — the same
builders the contact-center roster uses — not a separate solver:

==================================  =============================================================
benchmark rule (hard unless noted)  builder
==================================  =============================================================
one shift a day                     ``works[d] == sum of the day's shift literals``
shifts that cannot follow           :func:`~staffing.solver.rules.add_forbidden_successor_group`
max shifts of each type             :func:`~staffing.solver.rules.add_soft_sum_constraint`
min/max total minutes               :func:`~staffing.solver.rules.add_soft_sum_constraint`
                                    (shift lengths as coefficients)
min/max consecutive shifts          :func:`~staffing.solver.rules.add_soft_sequence_constraint`
min consecutive days off            :func:`~staffing.solver.rules.add_soft_sequence_constraint`
                                    on the days-off literals
max weekends worked                 :func:`~staffing.solver.rules.add_weekend_constraint`
fixed days off                      :func:`~staffing.solver.rules.add_forbidden`
shift on / off requests (soft)      :func:`~staffing.solver.rules.add_requests`
cover, weight per missing / extra   :func:`~staffing.solver.rules.add_soft_sum_constraint`
(soft)                              (soft_min = soft_max = requirement; in a one-employee
                                    sub-model the same penalty, linear in its literal)

Runs of shifts and of days off that touch the first or last day of the horizon are exempt from
the minimums (``edges=False``): what comes before and after the horizon is unknown, the reading
of PetterS/monolith's reference model and the one under which the proven optima (607 on
Instance1, ...) are reproduced. A weekend is Saturday + Sunday (day 5 + 7k and 6 + 7k; every
instance starts on a Monday and spans whole weeks) and is worked when either day is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from benchmarks.curtois.reader import Instance
from staffing.solver.rules import (
    PenaltyTerm,
    add_forbidden,
    add_forbidden_successor_group,
    add_requests,
    add_soft_sequence_constraint,
    add_soft_sum_constraint,
    add_weekend_constraint,
)

__all__ = ["CurtoisModel", "build_model", "read_roster", "set_parameters"]


@dataclass
class CurtoisModel:
    """The CP-SAT model of an instance, or of some of its employees: ``x[i][d][s]`` = employee
    ``staff[i]`` (file order) works shift s on day d."""

    instance: Instance
    model: cp_model.CpModel
    x: list[list[list[cp_model.IntVar]]]
    works: list[list[cp_model.IntVar]]
    terms: list[PenaltyTerm] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)
    #: Cover of a one-employee model, linear in its literals: ``[(literal, cost), ...]`` and a
    #: constant (see :func:`build_model`).
    linear_cover: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)
    offset: int = 0

    def objective_expr(self):
        """The benchmark objective: the sum of the penalty terms (integer weights)."""
        coef: dict[int, int] = {}
        var_of = {}
        for var, c in self.linear_cover:
            coef[var.index] = coef.get(var.index, 0) + c
            var_of[var.index] = var
        for term in self.terms:
            for var, c in zip(term.vars, term.coeffs, strict=True):
                value = term.weight * c
                if value != int(value):
                    raise ValueError(f"{term.detail}: non-integer weight {value}")
                coef[var.index] = coef.get(var.index, 0) + int(value)
                var_of[var.index] = var
        keys = [k for k in sorted(coef) if coef[k]]
        return cp_model.LinearExpr.weighted_sum([var_of[k] for k in keys],
                                                [coef[k] for k in keys]) + self.offset


def _succession_groups(inst: Instance) -> list[tuple[list[int], list[int]]]:
    """Shift types grouped by the set of shifts that cannot follow them:
    ``[(first shift indexes, forbidden successor indexes), ...]``."""
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, shift in enumerate(inst.shifts):
        if shift.cannot_follow:
            key = tuple(sorted(sidx[b] for b in set(shift.cannot_follow)))
            groups.setdefault(key, []).append(i)
    return [(firsts, list(key)) for key, firsts in groups.items()]


def build_model(inst: Instance, staff: Sequence[int] | None = None,
                fixed: Sequence[Sequence[str | None]] | None = None,
                priced_days: Iterable[int] | None = None) -> CurtoisModel:
    """Assemble the CP-SAT model from the rule builders (see the module docstring).

    ``staff``: the employees modelled (indexes in file order; default all). The others work as
    in ``fixed`` (a roster, ``fixed[p][d]`` a shift id or ``None``) and count in the cover, so
    the objective is the benchmark objective of the whole roster less the requests of the
    employees not modelled — the sub-problem a neighbourhood search or a one-employee-at-a-time
    construction solves.

    ``priced_days``: only the cover and requests of these days enter the objective (for a
    neighbourhood whose other days the caller fixes, where they are a constant); default all.
    """
    m = cp_model.CpModel()
    D = inst.days
    n_all = len(inst.staff)
    people = list(range(n_all)) if staff is None else list(staff)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    lengths = [s.length_minutes for s in inst.shifts]
    x = [[[m.new_bool_var(f"x[{inst.staff[p].id},{d},{s.id}]") for s in inst.shifts]
          for d in range(D)] for p in people]
    works = [[m.new_bool_var(f"works[{inst.staff[p].id},{d}]") for d in range(D)]
             for p in people]
    cm = CurtoisModel(inst, m, x, works, staff=people)
    terms = cm.terms
    weekends = inst.weekends
    groups = _succession_groups(inst)
    for i, p in enumerate(people):
        st = inst.staff[p]
        xp, wp = x[i], works[i]
        for d in range(D):
            m.add(cp_model.LinearExpr.sum(xp[d]) == wp[d])  # at most one shift a day
        add_forbidden(m, [lit for d in inst.days_off.get(st.id, ()) for lit in xp[d]])
        for firsts, successors in groups:
            for d in range(D - 1):
                add_forbidden_successor_group(m, [xp[d][a] for a in firsts],
                                              [xp[d + 1][b] for b in successors])
        for s, shift in enumerate(inst.shifts):
            top = st.max_shifts.get(shift.id, D)
            lits = [xp[d][s] for d in range(D)]
            if top == 0:
                add_forbidden(m, lits)
            else:
                add_soft_sum_constraint(m, lits, 0, 0, 0, top, top, 0,
                                        f"max_shifts({st.id},{shift.id})", agent=p)
        add_soft_sum_constraint(
            m, [lit for d in range(D) for lit in xp[d]], st.min_total_minutes,
            st.min_total_minutes, 0, st.max_total_minutes, st.max_total_minutes, 0,
            f"total_minutes({st.id})", coefficients=lengths * D, agent=p)
        add_soft_sequence_constraint(
            m, wp, st.min_consecutive_shifts, st.min_consecutive_shifts, 0,
            st.max_consecutive_shifts, st.max_consecutive_shifts, 0,
            f"consecutive_shifts({st.id})", edges=False, agent=p)
        add_soft_sequence_constraint(
            m, [w.Not() for w in wp], st.min_consecutive_days_off, st.min_consecutive_days_off,
            0, D, D, 0, f"consecutive_days_off({st.id})", edges=False, agent=p)
        add_weekend_constraint(m, wp, weekends, st.max_weekends, f"weekends({st.id})", agent=p)
    local = {p: i for i, p in enumerate(people)}
    pidx = {st.id: p for p, st in enumerate(inst.staff)}
    priced = None if priced_days is None else set(priced_days)
    for kind, requests, wanted in (("shift_on_request", inst.on_requests, True),
                                   ("shift_off_request", inst.off_requests, False)):
        mine = [r for r in requests if pidx[r.staff] in local
                and (priced is None or r.day in priced)]
        terms += add_requests(
            m, [x[local[pidx[r.staff]]][r.day][sidx[r.shift]] for r in mine],
            [r.weight for r in mine], kind,
            [f"{kind}({r.staff},{r.day},{r.shift})" for r in mine], wanted=wanted,
            agents=[pidx[r.staff] for r in mine], days=[r.day for r in mine])
    others: dict[tuple[int, str], int] = {}
    if len(people) < n_all:
        if fixed is None:
            raise ValueError("a model of some employees needs the roster of the others (fixed)")
        for q in set(range(n_all)) - set(local):
            for d, sid in enumerate(fixed[q]):
                if sid:
                    others[d, sid] = others.get((d, sid), 0) + 1
    n = len(people)
    for c in inst.cover:
        if priced is not None and c.day not in priced:
            continue
        if n == 1:
            # One employee: the cover penalty is linear in its literal (it lowers the
            # shortfall while there is one, else adds an extra), so it is priced as such —
            # the same penalty as the soft sum below, without two variables per cover row.
            wanted_here = c.requirement - others.get((c.day, c.shift), 0)
            lit = x[0][c.day][sidx[c.shift]]
            if wanted_here >= 1:
                cm.linear_cover.append((lit, -c.weight_under))
                cm.offset += c.weight_under * wanted_here
            else:
                cm.linear_cover.append((lit, c.weight_over))
                cm.offset += c.weight_over * -wanted_here
            continue
        # The employees not modelled already fill `fixed` of the requirement; what is left may
        # be negative (over-cover already), and the builder then prices each extra one.
        wanted_here = c.requirement - others.get((c.day, c.shift), 0)
        terms += add_soft_sum_constraint(
            m, [x[i][c.day][sidx[c.shift]] for i in range(n)], 0, wanted_here,
            c.weight_under, wanted_here, n, c.weight_over, f"cover({c.day},{c.shift})",
            rule="cover", day=c.day)
    m.minimize(cm.objective_expr())
    return cm


def read_roster(inst: Instance, cm: CurtoisModel, value) -> tuple[tuple[str | None, ...], ...]:
    """The roster of a solved model: ``value(literal)`` (e.g. ``solver.boolean_value``) of every
    shift literal, read as ``roster[i][d]``, a shift id or ``None``."""
    roster = []
    for xp in cm.x:
        row = []
        for xd in xp:
            chosen = [inst.shifts[s].id for s, lit in enumerate(xd) if value(lit)]
            row.append(chosen[0] if chosen else None)
        roster.append(tuple(row))
    return tuple(roster)


def set_parameters(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int,
                   subsolver: str | None) -> None:
    """A time limit [s], ``workers`` threads, ``seed``, and ``subsolver`` as the full-problem
    worker (``max_lp``: linearization level 2 with one worker; ``None``: CP-SAT's default)."""
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if subsolver == "max_lp" and workers == 1:
        # One worker runs one parameter set: max_lp's is linearization level 2.
        solver.parameters.linearization_level = 2
    elif subsolver:
        solver.parameters.subsolvers.append(subsolver)
