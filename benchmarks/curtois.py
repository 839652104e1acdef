"""Curtois & Qu shift-scheduling benchmark: the 24 instances solved with the project's rule builders.

One command (prints a Markdown table; about the sum of the time limits):

    .venv/bin/python benchmarks/curtois.py                         # all 24: 60 s, 300 s from 10 on
    .venv/bin/python benchmarks/curtois.py --instances 1-9 --time-limit 60
    .venv/bin/python benchmarks/curtois.py --instances 10-14 --time-limit-large 300

Instances are read from ``../shared/data/curtois_shift_scheduling/`` next to the repository
(or next to a parent folder, for a worktree; ``--data DIR`` for another copy; the files are the original ``.txt`` format of
schedulingbenchmarks.org, Curtois & Qu 2014, described in that folder's README.txt). They are
not copied into the repository: 1.1 MB of third-party data with no stated licence, which the
benchmark only reads; the tests carry a copy of the 1.2 kB Instance1 (``tests/data/curtois/``).

The model is assembled from :mod:`staffing.solver.rules` — the same builders the contact-center
roster uses — not a separate solver:

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
==================================  =============================================================

Search (:func:`solve`): a first roster from CP-SAT on the whole model (instances up to 84
days and 30,000 shift literals), or one employee at a time (every hard rule is an employee's
own: each employee's best row against the cover the employees before left) — by the dynamic
program below and then re-placing every employee against the others until none gains
(:class:`BestResponse`) on 30,000-70,000 literals (Instance13), by CP-SAT on each employee's
model beyond;
on instances up to 4,100 shift literals (1-9) column generation next (:func:`_column_generation`:
whole-roster columns priced exactly by a dynamic program over each employee's rule states
(:class:`RosterDP`; CP-SAT on the employee's own model when the state table is too large), an
LP master over the cover in HiGHS, a Lagrangian lower bound, a dive that fixes single
assignments and re-prices, again from the root with a perturbed ranking while its roster is
over 1 % above the bound, CP-SAT on what the LP settled); then a large-neighbourhood search
that re-solves sub-models of a few employees' whole rosters or of many employees over a window
of days, the rest fixed (:func:`_lns`; on Instance13 short steps with the employees drawn
around the cover left short, :func:`_with_slack`, and along ejection chains from it,
:func:`_chain`).

Runs of shifts and of days off that touch the first or last day of the horizon are exempt from
the minimums (``edges=False``): what comes before and after the horizon is unknown, the reading
of PetterS/monolith's reference model and the one under which the proven optima (607 on
Instance1, ...) are reproduced. A weekend is Saturday + Sunday (day 5 + 7k and 6 + 7k; every
instance starts on a Monday and spans whole weeks) and is worked when either day is.

Every solution is re-checked by :func:`evaluate`, an independent evaluator (its own code, not
the builders) that recomputes the objective and every hard constraint from the roster alone;
the table's "checked" column is its verdict.

Reported per instance: objective at the time limit, our lower bound ("our bound": CP-SAT's,
or column generation's when higher), the best cited lower and upper bounds
(``best_known_summary.csv``), the gap to the best upper bound, ``(objective - UB) / UB``, and
the best of the published 60-minute runs of other methods (``bounds_cited.csv``, instances
1-19). Timings depend on the machine (``--workers``, default 2).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from ortools.sat.python import cp_model  # noqa: E402

from staffing.errors import DataError  # noqa: E402
from staffing.solver.rules import (  # noqa: E402
    PenaltyTerm,
    add_forbidden,
    add_forbidden_successor_group,
    add_requests,
    add_soft_sequence_constraint,
    add_soft_sum_constraint,
    add_weekend_constraint,
)

__all__ = [
    "DATA",
    "Evaluation",
    "Instance",
    "Solution",
    "build_model",
    "evaluate",
    "read_instance",
    "solve",
]



def _default_data() -> Path:
    """``shared/data/curtois_shift_scheduling`` next to the repository (or next to one of its
    parent folders, for a git worktree such as ``wt/curtois``)."""
    candidates = [parent / "shared" / "data" / "curtois_shift_scheduling"
                  for parent in ROOT.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


DATA = _default_data()

SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
            "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER")


# ----------------------------------------------------------------------------- instance
@dataclass(frozen=True)
class ShiftType:
    """A shift type. ``length_minutes`` [min]; ``cannot_follow``: shift ids that may not be
    worked the day after this one."""

    id: str
    length_minutes: int
    cannot_follow: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    """One employee's contract. Limits over the whole horizon; minutes [min]."""

    id: str
    max_shifts: dict[str, int]  # per shift type; a type not listed is unlimited
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A soft request to work (on) or not to work (off) ``shift`` on ``day``."""

    staff: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """Wanted number of ``shift`` on ``day``; cost per employee missing / in excess."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """One benchmark instance (day 0 is a Monday)."""

    name: str
    days: int
    shifts: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, tuple[int, ...]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    @property
    def shift_ids(self) -> list[str]:
        return [s.id for s in self.shifts]

    @property
    def weekends(self) -> list[tuple[int, ...]]:
        """Day indexes of each weekend (Saturday, Sunday) inside the horizon."""
        return [tuple(d for d in (sat, sat + 1) if d < self.days)
                for sat in range(5, self.days, 7)]


class FormatError(DataError):
    """An instance file does not follow the benchmark's text format."""


def _lines(text: str):
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the text of an instance file (sections ``SECTION_HORIZON`` ... ``SECTION_COVER``,
    comma separated, ``#`` comments). Raises :class:`FormatError` naming the line."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, line in _lines(text):
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise FormatError(f"{name}:{number}: unknown section {line!r}; expected one of "
                                  f"{', '.join(SECTIONS)}")
            current = sections.setdefault(line, [])
            continue
        if current is None:
            raise FormatError(f"{name}:{number}: data before the first SECTION_ line")
        current.append((number, [part.strip() for part in line.split(",")]))
    missing = [s for s in SECTIONS if s not in sections]
    if missing:
        raise FormatError(f"{name}: missing section(s) {', '.join(missing)}")

    def fields(section, count):
        for number, parts in sections[section]:
            if len(parts) != count:
                raise FormatError(f"{name}:{number}: {section} rows have {count} fields, "
                                  f"found {len(parts)}: {','.join(parts)}")
            yield number, parts

    def integer(value, number):
        try:
            return int(value)
        except ValueError:
            raise FormatError(f"{name}:{number}: expected an integer, found {value!r}") from None

    horizon = list(fields("SECTION_HORIZON", 1))
    if len(horizon) != 1:
        raise FormatError(f"{name}: SECTION_HORIZON holds one number of days, "
                          f"found {len(horizon)} rows")
    number, (days_text,) = horizon[0]
    days = integer(days_text, number)
    shifts = tuple(ShiftType(p[0], integer(p[1], n), tuple(x for x in p[2].split("|") if x))
                   for n, p in fields("SECTION_SHIFTS", 3))
    ids = {s.id for s in shifts}

    def shift_id(value, number):
        if value not in ids:
            raise FormatError(f"{name}:{number}: unknown shift {value!r}; "
                              f"shifts are {', '.join(sorted(ids))}")
        return value

    for n, p in fields("SECTION_SHIFTS", 3):
        for other in p[2].split("|"):
            if other:
                shift_id(other, n)
    staff = []
    for n, p in fields("SECTION_STAFF", 8):
        max_shifts = {}
        for item in p[1].split("|"):
            if item:
                sid, _, count = item.partition("=")
                max_shifts[shift_id(sid, n)] = integer(count, n)
        staff.append(Staff(p[0], max_shifts, *(integer(v, n) for v in p[2:])))
    staff_ids = {s.id for s in staff}

    def staff_id(value, number):
        if value not in staff_ids:
            raise FormatError(f"{name}:{number}: unknown employee {value!r}")
        return value

    def day(value, number):
        d = integer(value, number)
        if not 0 <= d < days:
            raise FormatError(f"{name}:{number}: day {d} outside the horizon 0..{days - 1}")
        return d

    days_off = {}
    for n, p in sections["SECTION_DAYS_OFF"]:
        days_off[staff_id(p[0], n)] = tuple(day(v, n) for v in p[1:] if v)
    on = tuple(Request(staff_id(p[0], n), day(p[1], n), shift_id(p[2], n), integer(p[3], n))
               for n, p in fields("SECTION_SHIFT_ON_REQUESTS", 4))
    off = tuple(Request(staff_id(p[0], n), day(p[1], n), shift_id(p[2], n), integer(p[3], n))
                for n, p in fields("SECTION_SHIFT_OFF_REQUESTS", 4))
    cover = tuple(Cover(day(p[0], n), shift_id(p[1], n), *(integer(v, n) for v in p[2:]))
                  for n, p in fields("SECTION_COVER", 5))
    return Instance(name, days, shifts, tuple(staff), days_off, on, off, cover)


def read_instance(path: str | Path) -> Instance:
    """Read one instance file (e.g. ``Instance1.txt``)."""
    path = Path(path)
    return parse_instance(path.read_text(encoding="utf-8"), path.stem)


def instance_path(number: int, data: Path = DATA) -> Path:
    return Path(data) / "instances_txt" / f"Instance{number}.txt"


def read_best_known(data: Path = DATA) -> dict[str, tuple[int | None, int | None]]:
    """``{instance: (best cited LB, best cited UB)}`` from ``best_known_summary.csv``."""
    out = {}
    with open(Path(data) / "best_known_summary.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lb, ub = row["best_cited_LB"], row["best_cited_UB"]
            out[row["instance"]] = (int(lb) if lb else None, int(ub) if ub else None)
    return out


def read_published_runs(data: Path = DATA) -> dict[str, tuple[int, str]]:
    """``{instance: (objective, method)}``: the best result of the published 60-minute runs
    cited in ``bounds_cited.csv`` (rows whose bound is ``UB(60min run)``: the IP & VNS hybrid,
    the ejection chain, Gurobi, branch and price and the ORProjects study, 1-19) — what the
    heuristics of the literature reach in twelve times our 300 s. Empty when the file is
    missing."""
    out: dict[str, tuple[int, str]] = {}
    path = Path(data) / "bounds_cited.csv"
    if not path.exists():
        return out
    with open(path, newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.DictReader(f), 2):
            if row.get("bound") != "UB(60min run)" or not row.get("value"):
                continue
            try:
                value = int(row["value"])
            except ValueError:
                raise FormatError(f"{path}:{number}: field 'value' is {row['value']!r}; "
                                  f"expected a whole objective value, e.g. 1905") from None
            name = row["instance"]
            if name not in out or value < out[name][0]:
                out[name] = (value, row["method_or_author"])
    return out


# ----------------------------------------------------------------------------- model
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


@dataclass(frozen=True)
class Solution:
    """A solve's outcome. ``roster[p][d]`` is the shift id worked, or ``None`` (day off)."""

    instance: str
    status: str
    objective: int | None
    bound: float
    wall_seconds: float
    first_seconds: float | None
    best_seconds: float | None
    roster: tuple[tuple[str | None, ...], ...] | None


class _Incumbents(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, verbose: bool):
        super().__init__()
        self.started, self.verbose = started, verbose
        self.times: list[tuple[float, float]] = []

    #: Roster rows of every incumbent (``x[p][d][s]`` literals read when ``lits`` is set):
    #: the first columns of :func:`_column_generation`.
    lits = None
    rows: list

    def on_solution_callback(self) -> None:
        t = time.perf_counter() - self.started
        self.times.append((t, self.objective_value))
        if self.lits is not None:
            self.rows.append([[next((s for s, lit in enumerate(xd) if self.boolean_value(lit)),
                                    None) for xd in xp] for xp in self.lits])
        if self.verbose:
            print(f"  {t:7.1f} s  objective {self.objective_value:.0f}  "
                  f"bound {self.best_objective_bound:.0f}", file=sys.stderr)


def _read_roster(inst: Instance, cm: CurtoisModel, value) -> tuple[tuple[str | None, ...], ...]:
    roster = []
    for xp in cm.x:
        row = []
        for xd in xp:
            chosen = [inst.shifts[s].id for s, lit in enumerate(xd) if value(lit)]
            row.append(chosen[0] if chosen else None)
        roster.append(tuple(row))
    return tuple(roster)


def _parameters(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int,
                subsolver: str | None) -> None:
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if subsolver == "max_lp" and workers == 1:
        # One worker runs one parameter set: max_lp's is linearization level 2.
        solver.parameters.linearization_level = 2
    elif subsolver:
        solver.parameters.subsolvers.append(subsolver)


#: Instances with at most this many shift literals (staff x days x shift types) and days start
#: with CP-SAT on the whole model (it proves Instances 1-3 optimal in seconds); the others
#: (Instances 20-24: half a year or a year) are built one employee at a time first — CP-SAT on
#: the whole model finds no roster of them in 60 s.
FULL_MODEL_LITERALS = 70000
FULL_MODEL_DAYS = 84
#: Above this many shift literals (of the instances up to :data:`FULL_MODEL_DAYS` days:
#: Instance13, 120 staff x 28 days x 18 shift types) the whole model's quarter of the time
#: gives a poor first roster (6,550 at 75 s on 13), where the dynamic program places every
#: employee and re-places them until none gains (``start="dp"``: ~4,900 in ~30 s); the
#: neighbourhood search then takes short steps on small neighbourhoods aimed at the cover
#: left short (``targeted``: see :func:`_with_slack`).
LARGE_MODEL_LITERALS = 30000


#: Instances up to this many shift literals get column generation after the first roster
#: (Instances 1-9; 1-3 are proven optimal before it starts). With the pricing dynamic program
#: a round of 8 or 9 (30-36 staff x 4 shift types) takes ~0.2-0.5 s and the LP converges in
#: ~15-25 s; from 10 on (40+ staff, 5+ shift types) the whole-model run and the
#: neighbourhood search keep the time.
COLUMN_GENERATION_LITERALS = 4100


def solve(inst: Instance, *, time_limit_seconds: float = 60.0, workers: int = 2,
          seed: int = 0, subsolver: str | None = "max_lp", lns_share: float | None = None,
          start: str = "auto", column_generation: bool | None = None, cg_until: float = 0.5,
          master_until: float = 0.8, verbose: bool = False) -> Solution:
    """Build and solve ``inst`` with CP-SAT within ``time_limit_seconds`` [s].

    Three phases:

    1. A first roster. ``start="full"``: CP-SAT on the whole model for ``1 - lns_share`` of
       the time; ``subsolver`` names its full-problem worker (``max_lp``, linearization level
       2 with cuts, proves Instance2 and 3 optimal in ~2 s where the default worker's bound
       stays at 208 and 300 after 30 s; ``None`` keeps CP-SAT's default portfolio), the other
       worker runs CP-SAT's own neighbourhood searches; its bound is the lower bound reported
       and a proven optimum ends the solve. ``start="greedy"``: one employee after the other,
       each employee's own model (every hard rule is an employee's own) solved by CP-SAT with
       the cover left by the employees placed before — a roster of every instance in seconds.
       ``start="dp"``: the same, each employee placed by :class:`RosterDP` where it can, then
       :meth:`BestResponse.sweeps` re-place every employee against the others until none gains
       (for up to 15 % of the time). ``"auto"``: ``full`` up to :data:`FULL_MODEL_LITERALS`
       shift literals and :data:`FULL_MODEL_DAYS` days (``dp`` above
       :data:`LARGE_MODEL_LITERALS`), else ``greedy``.
    2. ``column_generation`` (default: on with ``start="full"`` up to
       :data:`COLUMN_GENERATION_LITERALS` shift literals; the first phase then gets a tenth of
       the time, not a quarter, unless ``lns_share`` says otherwise): column generation until
       ``cg_until`` of the time, its lower bound (reported as the bound when higher than
       CP-SAT's; a roster at the bound ends the solve), and a dive to a roster until
       ``master_until`` (:func:`_column_generation`).
    3. Large-neighbourhood search for the rest (:func:`_lns`), until the time limit or the
       lower bound; above :data:`LARGE_MODEL_LITERALS` with 3-s steps from 3 employees' whole
       rosters, the freed employees aimed at the cover left short (:func:`_with_slack`,
       :func:`_chain`).
    """
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    callback = _Incumbents(started, verbose)
    size = len(inst.staff) * inst.days * len(inst.shifts)
    large = LARGE_MODEL_LITERALS < size <= FULL_MODEL_LITERALS and inst.days <= FULL_MODEL_DAYS
    if start == "auto":
        start = ("dp" if large else "full"
                 if size <= FULL_MODEL_LITERALS and inst.days <= FULL_MODEL_DAYS else "greedy")
    if column_generation is None:
        column_generation = start == "full" and size <= COLUMN_GENERATION_LITERALS
    if lns_share is None:
        # With column generation the whole-model run only proves the tiny instances (1-2 in
        # 1-5 s) and gives first columns: column generation needs the time more.
        lns_share = 0.9 if column_generation else 0.75
    bound = -math.inf
    name = "UNKNOWN"
    if start == "full":
        cm = build_model(inst)
        solver = cp_model.CpSolver()
        _parameters(solver, time_limit_seconds * (1 - lns_share), workers, seed, subsolver)
        if column_generation:
            callback.lits, callback.rows = cm.x, []
        status = solver.solve(cm.model, callback)
        callback.lits = None
        name = solver.status_name(status)
        bound = solver.best_objective_bound
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            roster, best = None, None
        else:
            roster = [list(row) for row in _read_roster(inst, cm, solver.boolean_value)]
            # The penalty variables are only bounded below by what they price: a roster that is
            # not proven optimal may carry slack in them, so its cost is recomputed.
            best = _part_objective(inst, roster, range(len(roster)), None)
            if status == cp_model.OPTIMAL:
                return _solution(inst, name, best, bound, started, callback, roster)
    elif start == "greedy":
        roster, best = _construct(inst, deadline, workers, seed, started, callback, verbose)
        name = "UNKNOWN" if roster is None else "FEASIBLE"
    elif start == "dp":
        best_response = BestResponse(inst)
        roster, best = _construct(inst, deadline, workers, seed, started, callback, verbose,
                                  best_response)
        if roster is not None:
            best -= round(best_response.sweeps(
                roster, min(deadline, time.perf_counter() + 0.15 * time_limit_seconds),
                rng=random.Random(seed)))
            callback.times.append((time.perf_counter() - started, float(best)))
            if verbose:
                print(f"  {callback.times[-1][0]:7.1f} s  objective {best:.0f}  "
                      "(best-response sweeps)", file=sys.stderr)
        name = "UNKNOWN" if roster is None else "FEASIBLE"
    else:
        raise ValueError(f"start must be 'auto', 'full', 'greedy' or 'dp', got {start!r}")
    if roster is None and start == "full" and time.perf_counter() < deadline - 0.5:
        # No roster from the whole model: build one an employee at a time.
        roster, best = _construct(inst, deadline, workers, seed, started, callback, verbose)
    if roster is None:
        return Solution(inst.name, name, None, bound, time.perf_counter() - started, None,
                        None, None)
    name = "FEASIBLE"
    if column_generation:
        incumbents = [[[None if s is None else inst.shifts[s].id for s in row] for row in rows]
                      for rows in getattr(callback, "rows", [])]
        roster, best, lower = _column_generation(
            inst, roster, best, incumbents, started + cg_until * time_limit_seconds,
            started + master_until * time_limit_seconds, workers, seed, started, callback,
            verbose)
        bound = max(bound, math.ceil(lower - 1e-6)) if math.isfinite(lower) else bound
        if best <= bound:
            return _solution(inst, "OPTIMAL", best, bound, started, callback, roster)
    best, roster = _lns(inst, roster, best, deadline, workers, seed, started, callback,
                        verbose, bound, **(dict(step_seconds=3.0, staff_k=3, targeted=True)
                                           if large else {}))
    if best <= bound:
        name = "OPTIMAL"
    return _solution(inst, name, best, bound, started, callback, roster)


def _solution(inst, name, best, bound, started, callback, roster) -> Solution:
    times = callback.times
    # Incumbents are recorded as they improve (the last is the roster returned; CP-SAT's own
    # values may exceed the exact cost by slack in the penalty variables).
    best_t = times[-1][0] if times else None
    return Solution(inst.name, name, best, bound, time.perf_counter() - started,
                    times[0][0] if times else None, best_t,
                    tuple(tuple(r or None for r in row) for row in roster))


def _part_objective(inst: Instance, roster, people, days) -> int:
    """The part of the objective a sub-model of employees ``people`` on ``days`` (``None``:
    all) prices: the cover of those days (every employee counted) and those employees'
    requests on those days. The rest of the objective does not change when only they do."""
    keep = None if days is None else set(days)
    mine = set(people)
    pidx = {st.id: p for p, st in enumerate(inst.staff)}
    cost = 0
    for r in inst.on_requests:
        p = pidx[r.staff]
        if p in mine and (keep is None or r.day in keep) and roster[p][r.day] != r.shift:
            cost += r.weight
    for r in inst.off_requests:
        p = pidx[r.staff]
        if p in mine and (keep is None or r.day in keep) and roster[p][r.day] == r.shift:
            cost += r.weight
    counts: dict[tuple[int, str], int] = {}
    for row in roster:
        for d in (range(inst.days) if keep is None else keep):
            if row[d]:
                counts[d, row[d]] = counts.get((d, row[d]), 0) + 1
    for c in inst.cover:
        if keep is None or c.day in keep:
            have = counts.get((c.day, c.shift), 0)
            cost += (c.weight_under * max(c.requirement - have, 0)
                     + c.weight_over * max(have - c.requirement, 0))
    return cost


def _solve_part(inst, roster, people, days, seconds, workers, seed, cap=None,
                subsolver=None):
    """Re-solve employees ``people`` on ``days`` (a set, or ``None`` for all), everything else
    as in ``roster``; the incumbent is the hint. Returns (status, sub-objective, rows) — the
    rows of ``people`` in the solution, or ``None``."""
    cm = build_model(inst, staff=people, fixed=roster, priced_days=days)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    fixed = []
    for i, p in enumerate(people):
        for d, xd in enumerate(cm.x[i]):
            current = roster[p][d]
            for s, lit in enumerate(xd):
                v = current is not None and sidx[current] == s
                cm.model.add_hint(lit, v)
                if days is not None and d not in days:
                    fixed.append(lit if v else lit.Not())
    if fixed:
        cm.model.add_bool_and(fixed)
    if cap is not None:
        cm.model.add(cm.objective_expr() <= cap)
    solver = cp_model.CpSolver()
    _parameters(solver, seconds, workers, seed, subsolver)
    status = solver.solve(cm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None, None, solver.wall_time
    rows = _read_roster(inst, cm, solver.boolean_value)
    return status, round(solver.objective_value), rows, solver.wall_time


def _construct(inst, deadline, workers, seed, started, callback, verbose, best_response=None):
    """A first roster, one employee at a time (file order): each employee's best row against
    the cover left by the employees before — by ``best_response``'s dynamic program when
    given and it can, else CP-SAT on the employee's own model. Returns (roster, objective) or
    (None, None)."""
    n, D = len(inst.staff), inst.days
    roster: list[list[str | None]] = [[None] * D for _ in range(n)]
    counts = None if best_response is None else best_response.counts(roster)
    for k, p in enumerate(range(n)):
        if best_response is not None and best_response.place(roster, p, counts):
            continue
        left = deadline - time.perf_counter()
        seconds = max(0.2, min(5.0, 0.6 * left / (n - k)))
        rows = None
        while rows is None:
            # No roster within the time (rare: an employee whose totals are hard to meet
            # around fixed days off): try again with more time, up to the deadline.
            status, _, rows, _ = _solve_part(inst, roster, [p], None, seconds, workers,
                                             seed + p, subsolver="max_lp")
            if rows is None and (status == cp_model.INFEASIBLE
                                 or time.perf_counter() > deadline - 0.5):
                if verbose:
                    print(f"  greedy: no roster for {inst.staff[p].id} ({status})",
                          file=sys.stderr)
                return None, None
            seconds *= 2
        roster[p] = list(rows[0])
        if counts is not None:
            for d, sid in enumerate(roster[p]):
                if sid:
                    counts[d, best_response.sidx[sid]] += 1
        if verbose and (k + 1) % 10 == 0:
            print(f"  greedy: {k + 1} of {n} employees placed at "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    best = evaluate(inst, roster).objective
    callback.times.append((time.perf_counter() - started, float(best)))
    if verbose:
        print(f"  {callback.times[-1][0]:7.1f} s  objective {best}  (greedy start)",
              file=sys.stderr)
    return roster, best


def _lns(inst, roster, best, deadline, workers, seed, started, callback, verbose,
         bound=-math.inf, step_seconds=None, staff_k=None, targeted=False):
    """Phase 2 of :func:`solve`: improve ``roster`` (objective ``best``) until ``deadline``.

    Each step frees part of the incumbent and re-solves it with CP-SAT (the sub-model of the
    freed employees, the others fixed, the incumbent as hint, the objective capped at the
    incumbent's). Neighbourhoods:

    - ``staff``: a few employees' whole rosters (the runs, weekends and totals of a contract
      only change when all its days are free);
    - ``window``: every employee (up to a size cap) over a window of days (how the cover of a
      week is shared out);
    - ``worst``: a window around a day drawn in proportion to its cover penalty;
    - ``chain`` (only ``targeted``): the whole rosters of the employees along an ejection
      chain from a cover left short (:func:`_chain`).

    Half the steps are whole rosters, ``staff`` (on Instances 5-6 the window neighbourhoods
    reach a local optimum within seconds; whole rosters keep improving), or with ``targeted``
    one ``staff`` and one ``chain`` in four (Instance13, 300 s, seeds 0-4: mean 1,723
    against 1,867 with two ``staff``; see BENCHMARKS.md).
    Each neighbourhood's size grows when CP-SAT proves it optimal quickly and shrinks when it
    times out. ``step_seconds`` (default 5 % of the time) and ``staff_k`` (the first
    ``staff`` size; ``chain`` starts one larger) override the defaults; ``targeted`` draws the
    ``staff`` and ``window`` employees by :func:`_with_slack` instead of at random.
    """
    rng = random.Random(seed)
    n, D, S = len(inst.staff), inst.days, len(inst.shifts)
    # Sub-models above this many shift literals take too long to build and solve per step.
    cap_literals = 12000
    if staff_k is None:
        staff_k = max(2, min(n // 8, cap_literals // (D * S)))
    window = min(D, 7)
    chain_k = staff_k + 1
    kinds = ("staff", "window", "chain" if targeted else "staff", "worst")
    iteration = 0
    total = deadline - started
    step = max(1.0, 0.05 * total) if step_seconds is None else step_seconds
    while time.perf_counter() < deadline - 0.2 and best > bound:
        iteration += 1
        kind = kinds[iteration % len(kinds)]
        seconds = step
        if kind == "chain":
            people = _chain(inst, roster, rng, min(max(1, chain_k), n))
            if people is None:  # no cover left short
                kind = "staff"
            days = None
        if kind == "staff":
            people = (_with_slack(inst, roster, rng, min(max(1, staff_k), n)) if targeted
                      else sorted(rng.sample(range(n), min(max(1, staff_k), n))))
            days = None
        elif kind == "window" or kind == "worst":
            width = min(D, window)
            if kind == "window":
                first = rng.randrange(0, D - width + 1)
            else:
                penalty = _cover_penalty_by_day(inst, roster)
                centre = rng.choices(range(D), weights=penalty)[0] if sum(penalty) else \
                    rng.randrange(D)
                first = max(0, min(D - width, centre - width // 2))
            days = set(range(first, first + width))
            most = max(2, 20000 // (D * S))
            people = list(range(n))
            if n > most:
                people = _with_slack(inst, roster, rng, most, days) if targeted else \
                    sorted(rng.sample(people, most))
        part = _part_objective(inst, roster, people, days)
        seconds = min(seconds, deadline - time.perf_counter())
        if seconds < 0.1:
            break
        status, found, rows, wall = _solve_part(inst, roster, people, days, seconds, workers,
                                                seed + iteration, part, "max_lp")
        if rows is not None:
            for i, p in enumerate(people):
                roster[p] = list(rows[i])
            found = _part_objective(inst, roster, people, days)  # the exact cost, no slack
            if found < part:
                best -= part - found
                callback.times.append((time.perf_counter() - started, float(best)))
                if verbose:
                    print(f"  {callback.times[-1][0]:7.1f} s  objective {best}  (lns {kind})",
                          file=sys.stderr)
            if os.environ.get("CURTOIS_CHECK"):
                assert evaluate(inst, roster).objective == best, (kind, people, days, found,
                                                                  part, best)
        exhausted = status == cp_model.OPTIMAL and wall < 0.5 * seconds
        if verbose:
            print(f"    lns {kind} {len(people)} staff x {D if days is None else len(days)} "
                  f"days: {status.name} {wall:.2f} s", file=sys.stderr)
        if kind == "staff":
            staff_k = min(n, staff_k + 1) if exhausted else max(2, staff_k - 1)
        elif kind == "chain":
            chain_k = min(n, chain_k + 1) if exhausted else max(2, chain_k - 1)
        else:
            window = min(D, window + 1) if exhausted else max(2, window - 1)
    return best, roster


def _chain(inst, roster, rng, k):
    """``k`` employees along an ejection chain from a cover left short: someone allowed the
    short shift takes it (off that day with minutes to spare ends the chain; off without
    them hands one of their shifts on; on another shift that day hands that one on) and the
    next employee is drawn for the shift handed on, and so on — the employees a repair of that
    hole needs, for CP-SAT to re-roster together. ``None`` when no cover is short."""
    n = len(inst.staff)
    counts = _cover_counts(roster)
    short = [c for c in inst.cover if counts.get((c.day, c.shift), 0) < c.requirement]
    if not short:
        return None
    lengths = {sh.id: sh.length_minutes for sh in inst.shifts}
    spare = [inst.staff[p].max_total_minutes - sum(lengths[s] for s in roster[p] if s)
             for p in range(n)]
    used = [{} for _ in range(n)]
    for p, row in enumerate(roster):
        for s in row:
            if s:
                used[p][s] = used[p].get(s, 0) + 1
    days_off = {p: set(inst.days_off.get(st.id, ())) for p, st in enumerate(inst.staff)}
    hole = rng.choice(short)
    wanted = [(hole.day, hole.shift)]
    chosen: list[int] = []
    while wanted and len(chosen) < k:
        d, sid = wanted.pop(0)
        ends, hands, swaps = [], [], []
        for p in range(n):
            if p in chosen or d in days_off[p] or roster[p][d] == sid:
                continue
            if used[p].get(sid, 0) >= inst.staff[p].max_shifts.get(sid, inst.days):
                continue
            if roster[p][d] is None:
                (ends if spare[p] >= lengths[sid] else hands).append(p)
            else:
                swaps.append(p)
        pools = [pool for pool in (ends, hands, swaps) if pool]
        if not pools:
            continue
        # Mostly the pool that ends the chain soonest; sometimes a longer chain.
        pool = pools[0] if rng.random() < 0.6 else rng.choice(pools)
        p = rng.choice(pool)
        chosen.append(p)
        if roster[p][d] is not None:
            wanted.append((d, roster[p][d]))
        elif spare[p] < lengths[sid]:
            mine = [(e, s) for e, s in enumerate(roster[p]) if s]
            if mine:
                wanted.append(rng.choice(mine))
    rest = [p for p in range(n) if p not in chosen]
    chosen.extend(rng.sample(rest, min(len(rest), k - len(chosen))))
    return sorted(chosen)


def _with_slack(inst, roster, rng, k, days=None):
    """``k`` employees for a neighbourhood where the staff's minutes barely cover the demand
    (Instance13: 939,000 minutes at most for 941,160 required), so a cover left short can only
    be met by an employee who could work one more shift, and only when others make room: up to
    half drawn among those whose worked minutes are at least the shortest shift below their
    maximum, half the rest among those working, on a day drawn from the cover left short (in
    ``days`` when some is), a shift whose cover is not short (who can hand it over and take
    the short one), the rest at random."""
    n = len(inst.staff)
    shortest = min(sh.length_minutes for sh in inst.shifts)
    lengths = {sh.id: sh.length_minutes for sh in inst.shifts}
    slack = [p for p in range(n) if inst.staff[p].max_total_minutes
             - sum(lengths[s] for s in roster[p] if s) >= shortest]
    chosen = set(rng.sample(slack, min(len(slack), k // 2)))
    rest = [p for p in range(n) if p not in chosen]
    counts = _cover_counts(roster)
    short = [c.day for c in inst.cover if counts.get((c.day, c.shift), 0) < c.requirement]
    if days is not None and any(d in days for d in short):
        short = [d for d in short if d in days]
    if short:
        day = rng.choice(short)
        wanting = {c.shift for c in inst.cover if c.day == day
                   and counts.get((c.day, c.shift), 0) < c.requirement}
        near = [p for p in rest if roster[p][day] and roster[p][day] not in wanting]
        chosen.update(rng.sample(near, min(len(near), (k - len(chosen)) // 2)))
        rest = [p for p in range(n) if p not in chosen]
    chosen.update(rng.sample(rest, min(len(rest), k - len(chosen))))
    return sorted(chosen)


# ----------------------------------------------------------------------------- pricing by DP
#: A roster-state dynamic program is used for an employee when its value table (phases x
#: weekends x minutes x per-type counts) has at most this many cells; else CP-SAT prices.
DP_MAX_CELLS = 400_000


_DP_BUFFER = None


class RosterDP:
    """Exact cheapest roster row of one employee for per-day, per-option costs: a dynamic
    program over the employee's rule states (the benchmark's hard rules are all an employee's
    own and its objective, for one employee at fixed duals, is a sum of per-day terms).

    State after day ``d``: the *phase* (the shift worked on ``d`` with the length of the run of
    shifts, or a day off with the length of the run of days off, capped at the minimum; each
    with a flag for a run that started on day 0, exempt from the minimums as in
    :func:`build_model`) and the resources: weekends worked, worked minutes (in units of the
    gcd of the shift lengths) and the count of each shift type whose limit can bind. Every hard
    rule of :func:`evaluate` is a transition or a resource bound, so the optimum is exact (a
    valid pricing for the Lagrangian bound).

    ``solve(cost)`` with ``cost[d][o]`` (``o < S``: shift ``o``, ``o == S``: day off) returns
    the cheapest rows. Build with :meth:`for_employee`; ``None`` when the table would exceed
    :data:`DP_MAX_CELLS`.
    """

    def __init__(self, inst: Instance, p: int, dropped: frozenset = frozenset()):
        st = inst.staff[p]
        D, S = inst.days, len(inst.shifts)
        self.D, self.S = D, S
        lengths = [sh.length_minutes for sh in inst.shifts]
        off_days = set(inst.days_off.get(st.id, ()))
        allowed = [[s for s in range(S) if st.max_shifts.get(inst.shifts[s].id, D) > 0]
                   + [S] for _ in range(D)]
        for d in off_days:
            allowed[d] = [S]
        self.allowed = allowed
        sidx = {sh.id: i for i, sh in enumerate(inst.shifts)}
        banned = {(a, sidx[b]) for a, sh in enumerate(inst.shifts) for b in sh.cannot_follow}
        maxc = min(st.max_consecutive_shifts, D)
        minc = st.min_consecutive_shifts
        cap_off = max(1, min(st.min_consecutive_days_off, D))
        minoff = st.min_consecutive_days_off
        # Phases: ("W", s, L, exempt) and ("O", L, exempt); an exempt run that reached its
        # minimum is the same phase as a non-exempt one.
        phases: list[tuple] = []
        index: dict[tuple, int] = {}

        def phase(key):
            if key[0] == "W" and key[3] and key[2] >= minc:
                key = ("W", key[1], key[2], False)
            if key[0] == "O" and key[2] and key[1] >= minoff:
                key = ("O", key[1], False)
            if key not in index:
                index[key] = len(phases)
                phases.append(key)
            return index[key]

        for s in range(S):
            for L in range(1, maxc + 1):
                for ex in (False, True):
                    phase(("W", s, L, ex))
        for L in range(1, cap_off + 1):
            for ex in (False, True):
                phase(("O", L, ex))
        self.P = len(phases)
        self.phases = phases
        # Transitions (from phase, option) -> to phase, for days 1..D-1.
        trans = []
        for i, key in enumerate(phases):
            for o in range(S + 1):
                if key[0] == "W":
                    _, s, L, ex = key
                    if o < S:
                        if (s, o) in banned or L + 1 > maxc:
                            continue
                        j = phase(("W", o, L + 1, ex))
                    else:
                        if not ex and L < minc:
                            continue
                        j = phase(("O", 1, False))
                else:
                    _, L, ex = key
                    if o < S:
                        if not ex and L < minoff:
                            continue
                        j = phase(("W", o, 1, False))
                    else:
                        j = phase(("O", min(L + 1, cap_off), ex))
                trans.append((i, o, j))
        assert len(phases) == self.P  # every target phase existed already
        self.trans = trans
        self.first = {o: phase(("W", o, 1, True)) if o < S else phase(("O", 1, True))
                      for o in range(S + 1)}
        # Resources: weekends, minutes, counts of the shift types whose limit can bind.
        weekends = inst.weekends
        self.weekend_first = {w[0] for w in weekends}
        self.weekend_second = {w[1] for w in weekends if len(w) > 1}
        self.max_weekends = st.max_weekends
        wk = min(st.max_weekends, len(weekends)) + 1 if st.max_weekends < len(weekends) else 1
        g = 0
        for s in range(S):
            g = math.gcd(g, lengths[s])
        g = g or 1
        self.unit = g
        self.min_units = -(-st.min_total_minutes // g)
        self.max_units = st.max_total_minutes // g
        limited = [s for s in range(S) if 0 < st.max_shifts.get(inst.shifts[s].id, D)
                   < D - len(off_days)]
        #: Limits left out of the table (checked on the rows found instead: see solve).
        self.dropped = [(s, st.max_shifts[inst.shifts[s].id]) for s in limited if s in dropped]
        limited = [s for s in limited if s not in dropped]
        self.limited = limited
        shape = (wk, self.max_units + 1) + tuple(st.max_shifts[inst.shifts[s].id] + 1
                                                 for s in limited)
        self.shape = shape
        self.cells = self.P * int(np.prod(shape))
        # Resource increments of each option: (weekend handled per day/phase).
        self.inc = []
        for o in range(S + 1):
            inc = [0, 0 if o == S else lengths[o] // g] + [int(o == s) for s in limited]
            self.inc.append(inc)

    @classmethod
    def for_employee(cls, inst: Instance, p: int) -> RosterDP | None:
        """The program of employee ``p``; when its table is too large, the limits of the
        shift types with the highest limits are left out of it (the rows found are checked
        against them) until it fits; ``None`` when it never does."""
        dp = cls(inst, p)
        dropped: set[int] = set()
        while dp.cells > DP_MAX_CELLS and dp.limited:
            st = inst.staff[p]
            dropped.add(max(dp.limited, key=lambda s: st.max_shifts[inst.shifts[s].id]))
            dp = cls(inst, p, frozenset(dropped))
        return dp if dp.cells <= DP_MAX_CELLS else None

    def _weekend(self, d: int, o: int, prev_off: bool) -> int:
        if o == self.S:
            return 0
        if d in self.weekend_first:
            return 1
        if d in self.weekend_second and prev_off:
            return 1
        return 0

    def _shifted(self, inc):
        """(source slices, destination slices) moving a resource table by ``inc``."""
        src, dst = [], []
        for k, n in zip(inc, self.shape, strict=True):
            if k >= n:
                return None
            src.append(slice(0, n - k))
            dst.append(slice(k, n))
        return tuple(src), tuple(dst)

    def solve(self, cost, count: int = 1) -> list[tuple[float, list[int | None]]] | None:
        """The ``count`` cheapest rows ending in distinct final states: ``[(cost, row)]``,
        ``row[d]`` a shift index or ``None``; empty when the employee has no feasible roster.
        ``None`` when limits were left out of the table and its cheapest row breaks one (the
        optimum is then unknown)."""
        D, S, P = self.D, self.S, self.P
        inf = np.inf
        # Weekend resource only counts when the shape has a weekend axis > 1.
        track_wk = self.shape[0] > 1
        moves = {}

        def move(o, wk_inc):
            key = (o, wk_inc)
            if key not in moves:
                inc = list(self.inc[o])
                inc[0] = wk_inc if track_wk else 0
                moves[key] = self._shifted(inc)
            return moves[key]

        # One buffer for every day's table, shared by the employees priced one after the
        # other (a fresh array a day costs page faults: a third of the time).
        size = D * P * int(np.prod(self.shape))
        global _DP_BUFFER
        if _DP_BUFFER is None or _DP_BUFFER.size < size:
            _DP_BUFFER = np.empty(size)
        tables = _DP_BUFFER[:size].reshape((D, P) + self.shape)
        tables.fill(inf)
        V = tables[0]
        for o in self.allowed[0]:
            m = move(o, self._weekend(0, o, True))
            if m is None:
                continue
            src, dst = m
            cell = V[(self.first[o],) + dst]
            zero = np.full(self.shape, inf)
            zero[(0,) * len(self.shape)] = 0.0
            np.minimum(cell, zero[src] + cost[0][o], out=cell)
        is_off = [key[0] == "O" for key in self.phases]
        # Phases that may hold a finite cell (an over-approximation: reached by a move).
        live = [bool(np.isfinite(V[i]).any()) for i in range(P)]
        for d in range(1, D):
            W = tables[d]
            c = cost[d]
            reached = [False] * P
            for i, o, target, source in self._steps(d, move, is_off):
                if live[i] and c[o] != inf:
                    cell = W[target]
                    np.minimum(cell, V[source] + c[o], out=cell)
                    reached[target[0]] = True
            V, live = W, reached
        final = V.copy()
        units = np.arange(self.shape[1])
        bad = (units < self.min_units) | (units > self.max_units)
        final[:, :, bad] = inf
        order = np.argsort(final, axis=None)
        out = []
        for flat in order[:count * (3 if self.dropped else 1)]:
            value = final.flat[flat]
            if not np.isfinite(value):
                break
            row = self._backtrack(tables, np.unravel_index(flat, final.shape), cost, move,
                                  is_off)
            if any(sum(1 for r in row if r == s) > top for s, top in self.dropped):
                if not out:
                    return None
                continue
            out.append((float(value), row))
            if len(out) == count:
                break
        return out

    def _steps(self, d, move, is_off):
        """Day ``d``'s transitions as ``(from phase, option, target index, source index)``,
        cached by the day's kind (its allowed options and weekend position)."""
        key = (tuple(self.allowed[d]), d in self.weekend_first, d in self.weekend_second)
        cache = self.__dict__.setdefault("_step_cache", {})
        if key not in cache:
            allowed = set(self.allowed[d])
            steps = []
            for i, o, j in self.trans:
                if o not in allowed:
                    continue
                m = move(o, self._weekend(d, o, is_off[i]))
                if m is None:
                    continue
                src, dst = m
                steps.append((i, o, (j,) + dst, (i,) + src))
            cache[key] = steps
        return cache[key]

    def _backtrack(self, tables, state, cost, move, is_off):
        D, S = self.D, self.S
        row: list[int | None] = [None] * D
        state = tuple(int(v) for v in state)
        for d in range(D - 1, 0, -1):
            target = tables[d][state]
            allowed = set(self.allowed[d])
            for i, o, j in self.trans:
                if j != state[0] or o not in allowed:
                    continue
                m = move(o, self._weekend(d, o, is_off[i]))
                if m is None:
                    continue
                src, dst = m
                prev = []
                for k, (s_sl, d_sl) in enumerate(zip(src, dst, strict=True)):
                    r = state[1 + k] - (d_sl.start - s_sl.start)
                    if r < 0 or r >= self.shape[k]:
                        break
                    prev.append(r)
                else:
                    before = tables[d - 1][(i, *prev)]
                    if np.isfinite(before) and abs(before + cost[d][o] - target) <= 1e-7 * (
                            1 + abs(target)):
                        row[d] = None if o == S else o
                        state = (i, *prev)
                        break
            else:
                raise AssertionError(f"no predecessor on day {d}")
        key = self.phases[state[0]]
        row[0] = None if key[0] == "O" else key[1]
        return row


# ----------------------------------------------------------------------------- column generation
#: Duals are scaled to integers for CP-SAT's pricing objective (requests weigh 1-10, cover 1-100).
_DUAL_SCALE = 1000
#: Cost of leaving an assignment the dive fixed, in CP-SAT's pricing.
_FORCED = 10 ** 5


def _request_costs(inst: Instance):
    """``cost[p, d, o]``: employee ``p``'s request penalty for option ``o`` on day ``d``
    (``o < S`` a shift, ``o == S`` the day off), a numpy array."""
    S = len(inst.shifts)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    pidx = {st.id: p for p, st in enumerate(inst.staff)}
    cost = np.zeros((len(inst.staff), inst.days, S + 1))
    for r in inst.on_requests:
        cost[pidx[r.staff], r.day, :] += r.weight
        cost[pidx[r.staff], r.day, sidx[r.shift]] -= r.weight
    for r in inst.off_requests:
        cost[pidx[r.staff], r.day, sidx[r.shift]] += r.weight
    return cost


class BestResponse:
    """Exact re-rostering of one employee at a time against the others' cover: for employee
    ``p`` with every other row fixed, the objective is a sum of per-day terms — its requests,
    and per (day, shift) the change of that cover entry's penalty when ``p`` works it (exact:
    only ``p`` moves, so each entry changes by at most one) — so :class:`RosterDP` gives the
    employee's best row. A sweep re-rosters every employee in turn: a local search that only
    ever lowers the objective, in ~10-60 ms an employee.
    """

    def __init__(self, inst: Instance):
        self.inst = inst
        n, D, S = len(inst.staff), inst.days, len(inst.shifts)
        self.sidx = {s.id: i for i, s in enumerate(inst.shifts)}
        self.request = _request_costs(inst)
        self.req = np.zeros((D, S))
        self.under = np.zeros((D, S))
        self.over = np.zeros((D, S))
        self.has = np.zeros((D, S), dtype=bool)
        for c in inst.cover:
            s = self.sidx[c.shift]
            self.req[c.day, s] += c.requirement
            self.under[c.day, s] = c.weight_under
            self.over[c.day, s] = c.weight_over
            self.has[c.day, s] = True
        self.programs: list[RosterDP | None | bool] = [False] * n  # built on first use

    def program(self, p: int) -> RosterDP | None:
        if self.programs[p] is False:
            self.programs[p] = RosterDP.for_employee(self.inst, p)
        return self.programs[p]

    def counts(self, roster):
        counts = np.zeros(self.req.shape, dtype=int)
        for row in roster:
            for d, sid in enumerate(row):
                if sid:
                    counts[d, self.sidx[sid]] += 1
        return counts

    def _cost(self, p: int, counts):
        """``cost[d][o]`` of employee ``p``'s options against ``counts`` (the others' cover):
        its requests, plus for a shift the change of its cover entry's penalty — ``-under``
        while the entry is short, ``+over`` once it is met."""
        cost = self.request[p].copy()
        cost[:, :-1] += np.where(counts < self.req, -self.under, self.over) * self.has
        return cost

    def _option(self, sid) -> int:
        return len(self.inst.shifts) if sid is None else self.sidx[sid]

    def improve(self, roster, p: int, counts) -> float:
        """Re-roster employee ``p`` in place (``roster`` and ``counts`` updated) when a better
        row exists; returns the objective's decrease (0 when the row stays)."""
        dp = self.program(p)
        if dp is None:
            return 0.0
        D, S = self.inst.days, len(self.inst.shifts)
        row = roster[p]
        days = np.arange(D)
        mine = np.array([self._option(sid) for sid in row])
        worked = mine < S
        counts[days[worked], mine[worked]] -= 1
        cost = self._cost(p, counts)
        current = float(cost[days, mine].sum())
        found = dp.solve(cost.tolist(), 1)
        gain = 0.0
        if found and found[0][0] < current - 1e-9:
            gain = current - found[0][0]
            roster[p] = [None if o is None else self.inst.shifts[o].id for o in found[0][1]]
            mine = np.array([self._option(sid) for sid in roster[p]])
            worked = mine < S
        counts[days[worked], mine[worked]] += 1
        return gain

    def place(self, roster, p: int, counts) -> bool:
        """Give employee ``p`` (whose row is not counted in ``counts``) its best row against
        ``counts``, whatever its current row; ``False`` when the program cannot (no program,
        or its cheapest row breaks a limit left out of its table)."""
        dp = self.program(p)
        if dp is None:
            return False
        found = dp.solve(self._cost(p, counts).tolist(), 1)
        if not found:
            return False
        roster[p] = [None if o is None else self.inst.shifts[o].id for o in found[0][1]]
        for d, o in enumerate(found[0][1]):
            if o is not None:
                counts[d, o] += 1
        return True

    def sweeps(self, roster, deadline: float, people: Sequence[int] | None = None,
               rng: random.Random | None = None) -> float:
        """Re-roster ``people`` (default all) in turn, shuffled by ``rng`` when given, until a
        sweep changes nothing or ``deadline``; returns the total decrease."""
        order = list(range(len(roster)) if people is None else people)
        counts = self.counts(roster)
        total = 0.0
        while time.perf_counter() < deadline:
            if rng is not None:
                rng.shuffle(order)
            gain = 0.0
            for p in order:
                if time.perf_counter() >= deadline:
                    break
                gain += self.improve(roster, p, counts)
            total += gain
            if gain <= 1e-9:
                break
        return total


@dataclass
class _Columns:
    """Generated rosters of each employee (``rows[p]``: a list of roster rows, ``cost[p]``: the
    employee's own request cost of each) and the LP master over them."""

    rows: list[list[tuple[str | None, ...]]]
    cost: list[list[int]]
    seen: list[set]


def _row_cost(inst: Instance, p: int, row) -> int:
    """Employee ``p``'s request cost of roster row ``row``."""
    sid = inst.staff[p].id
    return (sum(r.weight for r in inst.on_requests if r.staff == sid and row[r.day] != r.shift)
            + sum(r.weight for r in inst.off_requests if r.staff == sid and row[r.day] == r.shift))


class _Collect(cp_model.CpSolverSolutionCallback):
    """Every roster row a pricing solve finds: ``[(objective, [shift index or None per day])]``."""

    def __init__(self, lits):
        super().__init__()
        self.lits, self.found = lits, []

    def on_solution_callback(self) -> None:
        self.found.append((self.objective_value,
                           [next((s for s, lit in enumerate(xd) if self.boolean_value(lit)),
                                 None) for xd in self.lits]))


def _column_generation(inst, roster, best, incumbents, deadline, master_deadline, workers,
                       seed, started, callback, verbose, use_dp=True):
    """Dantzig-Wolfe decomposition: every hard rule is an employee's own, so a roster is one
    column per employee (a whole feasible roster row) and the master keeps only the cover.

    The LP master (HiGHS: one row per cover entry with under/over slacks at its weights, one
    convexity row per employee) starts from the rosters CP-SAT found (``incumbents``, and
    ``roster``) and is priced, with the cover rows' duals as rewards, by :class:`RosterDP` (an
    exact dynamic program over the employee's rule states, three cheapest rows a call) or, for
    an employee whose state table is too large (``use_dp=False``: all), CP-SAT on the
    employee's own model (:func:`build_model` of that employee alone: the same rule builders),
    until no roster prices out or until ``deadline``. ``LP + the sum of the employees' most
    negative reduced costs`` is a lower bound (Lagrangian) whenever every employee was priced
    to optimality; the LP bound is tight on 4-8 (within 3 of the optimum), not on 9 (406
    against 439). Then :func:`_fixing_dive` turns the LP into a roster by ``master_deadline``
    (:func:`_lp_guided` finishes it when the dive runs out of time); while a dive that
    finished is more than :data:`REDIVE_GAP` above the bound, the fixings are undone
    (:func:`_reset_dive`) and the dive repeated with a perturbed ranking (up to
    :data:`REDIVES` times, until ``deadline``); when the roster is still 0.5 % above the
    bound, CP-SAT on the assignments the first LP took whole.

    Returns ``(roster, objective, lower bound)``; the roster is the incumbent when the dive
    finds nothing better.
    """
    import highspy
    import highspy._core

    n, D = len(inst.staff), inst.days
    cover_rows = {}
    for c in inst.cover:
        cover_rows.setdefault((c.day, c.shift), []).append(c)
    if len(cover_rows) != len(inst.cover):
        # One row per (day, shift): an instance listing a (day, shift) twice (none of the 24
        # does) keeps the neighbourhood search alone.
        return roster, best, -math.inf
    keys = list(cover_rows)
    row_of = {k: i for i, k in enumerate(keys)}
    # The core class: the Python wrapper ``highspy.Highs`` prints a banner on stdout, inside
    # the benchmark's table (as in staffing/solver/bound.py).
    h = getattr(highspy._core, "_Highs", highspy.Highs)()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", seed)
    inf = highspy.kHighsInf
    # Rows: cover (columns + under - over = requirement), then one convexity row per employee.
    for k in keys:
        h.addRow(cover_rows[k][0].requirement, cover_rows[k][0].requirement, 0, [], [])
    for p in range(n):
        h.addRow(1, 1, 0, [], [])
    for k in keys:
        h.addCol(cover_rows[k][0].weight_under, 0, inf, 1, [row_of[k]], [1.0])
        h.addCol(cover_rows[k][0].weight_over, 0, inf, 1, [row_of[k]], [-1.0])
    cols = _Columns([[] for _ in range(n)], [[] for _ in range(n)], [set() for _ in range(n)])
    owner: list[tuple[int, int]] = []  # LP column (after the slacks) -> (employee, index)

    def add_column(p, row):
        row = tuple(row)
        if row in cols.seen[p]:
            return False
        cols.seen[p].add(row)
        cols.rows[p].append(row)
        cost = _row_cost(inst, p, row)
        cols.cost[p].append(cost)
        idx = [row_of[d, sid] for d, sid in enumerate(row) if sid and (d, sid) in row_of]
        idx.append(len(keys) + p)
        h.addCol(cost, 0, inf, len(idx), idx, [1.0] * len(idx))
        owner.append((p, len(cols.rows[p]) - 1))
        return True

    for p in range(n):
        add_column(p, roster[p])
        for other in incumbents:  # the rosters CP-SAT found before, as first columns
            add_column(p, other[p])
    S = len(inst.shifts)
    # Employees whose rule states fit a small table are priced by the dynamic program
    # (exact, ~10-50 ms), the others by CP-SAT on the employee's own model.
    programs = [RosterDP.for_employee(inst, p) if use_dp else None for p in range(n)]
    request_cost = _request_costs(inst)
    pricing = []
    for p in range(n):
        if programs[p] is not None and not programs[p].dropped:
            pricing.append(None)
            continue
        cm = build_model(inst, staff=[p], fixed=roster)
        request = cm.terms
        pricing.append((cm, request))
    rng = random.Random(seed)
    state = {"rounds": 0}
    #: The dive's fixed assignments: ``forced[p][d]`` = option (shift index, S = day off).
    forced: list[dict[int, int]] = [{} for _ in range(n)]

    def price_dp(p, dual):
        cost = request_cost[p].tolist()
        for d in range(D):
            for s, shift in enumerate(inst.shifts):
                r = row_of.get((d, shift.id))
                if r is not None:
                    cost[d][s] -= dual[r]
        for d, o in forced[p].items():
            cost[d] = [c if k == o else math.inf for k, c in enumerate(cost[d])]
        mu = dual[len(keys) + p]
        t = time.perf_counter()
        found = programs[p].solve(cost, 3)
        state.setdefault("price", []).append((time.perf_counter() - t, cp_model.OPTIMAL))
        if found is None:
            # The table left a limit out and its cheapest row breaks it: CP-SAT prices.
            return price(p, dual, math.inf)
        rc = found[0][0] - mu - 1e-6 if found else None
        rows = [[None if s is None else inst.shifts[s].id for s in row]
                for value, row in found if value - mu < -1e-6]
        return rc, rows

    def price(p, dual, until):
        """Employee ``p``'s cheapest rosters at the current duals: (lower bound on its reduced
        cost or ``None``, number of columns added)."""
        cm, request = pricing[p]
        coef: dict[int, int] = {}
        var_of = {}
        for term in request:
            for var, c in zip(term.vars, term.coeffs, strict=True):
                coef[var.index] = coef.get(var.index, 0) + round(_DUAL_SCALE * term.weight * c)
                var_of[var.index] = var
        for d in range(D):
            for s, shift in enumerate(inst.shifts):
                r = row_of.get((d, shift.id))
                if r is None or abs(dual[r]) < 1e-9:
                    continue
                lit = cm.x[0][d][s]
                coef[lit.index] = coef.get(lit.index, 0) - round(_DUAL_SCALE * dual[r])
                var_of[lit.index] = lit
        const = 0
        for d, o in forced[p].items():
            # A dive's fixing: leaving option o on day d costs _FORCED.
            for s in range(S):
                lit = cm.x[0][d][s]
                big = -_FORCED if s == o else _FORCED
                coef[lit.index] = coef.get(lit.index, 0) + _DUAL_SCALE * big
                var_of[lit.index] = lit
            const += _DUAL_SCALE * _FORCED if o < S else 0
        ks = [k for k in coef if coef[k]]
        cm.model.minimize(cp_model.LinearExpr.weighted_sum([var_of[k] for k in ks],
                                                            [coef[k] for k in ks]) + const)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(2.0, until - time.perf_counter()))
        # A one-employee model is tiny: presolve costs more than it saves.
        solver.parameters.cp_model_presolve = False
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed + state["rounds"]
        collect = _Collect(cm.x[0])
        status = solver.solve(cm.model, collect)
        state.setdefault("price", []).append((solver.wall_time, status))
        mu = dual[len(keys) + p]
        rc = None
        if status == cp_model.OPTIMAL:
            # Rounding the duals moves each reduced cost by at most D / 2 / scale.
            rc = solver.objective_value / _DUAL_SCALE - mu - D * 0.5 / _DUAL_SCALE
        # The last few rosters CP-SAT found on its way to the cheapest: more columns a round,
        # fewer rounds.
        rows = [[None if s is None else inst.shifts[s].id for s in row]
                for value, row in collect.found[-3:] if value / _DUAL_SCALE - mu < -1e-6]
        return rc, rows

    def rounds(free, max_rounds, until):
        """Column generation over employees ``free`` (the others fixed to one column): at
        most ``max_rounds`` rounds, until ``until``. Returns the best Lagrangian bound (``-inf``
        unless every employee was priced to optimality in some round)."""
        lagrange = -math.inf
        lp = math.inf
        for _ in range(max_rounds):
            state["rounds"] += 1
            t_lp = time.perf_counter()
            h.run()
            t_lp = time.perf_counter() - t_lp
            sol = h.getSolution()
            lp = h.getInfo().objective_function_value
            dual = sol.row_dual
            bound, exact, added = lp, True, 0
            order = list(free)
            rng.shuffle(order)
            # CP-SAT releases the GIL: the employees it prices are priced on ``workers``
            # threads; the dynamic program (numpy on small tables) runs here.
            futures = {p: pool.submit(lambda p: (None, []) if time.perf_counter() > until
                                      else price(p, dual, until), p)
                       for p in order if programs[p] is None}
            results = {}
            for p in order:
                if programs[p] is not None:
                    results[p] = ((None, []) if time.perf_counter() > until
                                  else price_dp(p, dual))
            results = [results[p] if p in results else futures[p].result() for p in order]
            for p, (rc, rows) in zip(order, results):
                if rc is None:
                    exact = False
                else:
                    bound += min(0.0, rc)
                for row in rows:
                    added += add_column(p, row)
            if exact:
                lagrange = max(lagrange, bound)
            if verbose:
                print(f"  {time.perf_counter() - started:7.1f} s  column generation round "
                      f"{state['rounds']} ({len(free)} free): LP {lp:.2f}, bound {bound:.2f}, "
                      f"{added} columns added; LP {t_lp:.2f} s, pricing "
                      f"{sum(w for w, _ in state['price']):.2f} s, "
                      f"{sum(st != cp_model.OPTIMAL for _, st in state['price'])} not optimal",
                      file=sys.stderr)
            state["price"] = []
            if (added == 0 or time.perf_counter() > until
                    or lagrange > -math.inf and math.ceil(lagrange - 1e-6)
                    >= math.ceil(lp - 1e-6)):
                break
        h.run()
        return lagrange

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        lower = rounds(range(n), 10 ** 6, deadline)
        slack = 2 * len(keys)
        root = _whole(inst, h, owner, cols, slack)
        now = time.perf_counter()
        roster, best, whole = _fixing_dive(
            inst, h, rounds, owner, cols, slack, forced, roster, best,
            master_deadline - 0.3 * max(0.0, master_deadline - now), started, callback,
            verbose)
        if not whole:
            # Out of time before the LP took one column per employee: CP-SAT on what the dive
            # and the LP settled, from the LP's rounding.
            whole_now = _whole(inst, h, owner, cols, slack, forced)
            rounded = _rounded(inst, h, owner, cols, slack, roster)
            cost = evaluate(inst, rounded).objective
            if cost < best:
                roster, best = rounded, cost
                callback.times.append((time.perf_counter() - started, float(best)))
            roster, best = _lp_guided(inst, whole_now,
                                      rounded, roster, best, master_deadline, workers, seed,
                                      started, callback, verbose, "dive + CP-SAT")
        dives = 1
        while (whole and math.isfinite(lower) and best > lower * (1 + REDIVE_GAP)
               and time.perf_counter() < deadline and dives < REDIVES + 1):
            # The dive drifted (Instance5: 1149-1351 from an LP of 1141, by the choices of its
            # first steps): dive again from the root, with the ranking of the candidates
            # perturbed.
            _reset_dive(h, owner, slack, forced)
            roster, best, whole = _fixing_dive(
                inst, h, rounds, owner, cols, slack, forced, roster, best, deadline,
                started, callback, verbose, random.Random(seed * 1000 + dives))
            dives += 1
        if (math.isfinite(lower) and best > lower * 1.005
                and time.perf_counter() < master_deadline - 1.0):
            # The dive's roster is still well above the bound (its fixings drift: 5 gave
            # 1152-1349 from an LP of 1141): CP-SAT on the assignments the first LP took
            # whole, from the best roster so far.
            roster, best = _lp_guided(inst, root, roster, roster, best,
                                      min(master_deadline, time.perf_counter() + 0.125
                                          * (master_deadline - started)),
                                      workers, seed, started, callback, verbose,
                                      "root LP + CP-SAT")
    finally:
        pool.shutdown()
        # HiGHS keeps one thread scheduler per process, sized by the first solve: release it,
        # or a later HiGHS solve asking for another number of threads (the roster solver's LP
        # bound, staffing.solver.bound) fails.
        type(h).resetGlobalScheduler(True)
    return roster, best, lower


def _lp_assignments(inst, h, owner, cols, slack):
    """``{(employee, day, option): LP weight}`` of the master's current solution (option: a
    shift index, or the number of shifts for a day off)."""
    S = len(inst.shifts)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}
    value = h.getSolution().col_value
    a: dict[tuple[int, int, int], float] = {}
    for j, (p, k) in enumerate(owner):
        v = value[slack + j]
        if v > 1e-6:
            for d, sid in enumerate(cols.rows[p][k]):
                key = (p, d, sidx[sid] if sid else S)
                a[key] = a.get(key, 0.0) + v
    return a


def _whole(inst, h, owner, cols, slack, forced=None) -> dict[tuple[int, int], int]:
    """``{(employee, day): option}`` of the assignments the master's LP solution takes whole,
    with the dive's ``forced`` ones."""
    out = {(p, d): o for (p, d, o), v in _lp_assignments(inst, h, owner, cols, slack).items()
           if v > 1 - 1e-6}
    for p, fixings in enumerate(forced or []):
        for d, o in fixings.items():
            out[p, d] = o
    return out


def _rounded(inst, h, owner, cols, slack, roster):
    """Each employee's heaviest column in the master's LP solution: a roster that keeps every
    hard rule and agrees with every assignment the LP takes whole."""
    value = h.getSolution().col_value
    share = [0.0] * len(roster)
    rounded = [list(r) for r in roster]
    for j, (p, k) in enumerate(owner):
        if value[slack + j] > share[p]:
            share[p], rounded[p] = value[slack + j], list(cols.rows[p][k])
    return rounded


def _lp_guided(inst, fixings, hint, roster, best, deadline, workers, seed, started,
               callback, verbose, label="LP-guided"):
    """CP-SAT on the whole model with the assignments ``fixings`` (``{(employee, day):
    option}``, from the column-generation LP) fixed and the others free, hinted with the
    roster ``hint``, until ``deadline``. Returns the better of its roster and ``roster``."""
    S = len(inst.shifts)
    cm = build_model(inst)
    for (p, d), o in fixings.items():
        if o == S:
            cm.model.add(cm.works[p][d] == 0)
        else:
            cm.model.add(cm.x[p][d][o] == 1)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}
    for p, row in enumerate(hint):
        for d, sid in enumerate(row):
            for s, lit in enumerate(cm.x[p][d]):
                cm.model.add_hint(lit, bool(sid) and sidx[sid] == s)
    fixed = len(fixings)
    solver = cp_model.CpSolver()
    _parameters(solver, deadline - time.perf_counter(), workers, seed, "max_lp")
    status = solver.solve(cm.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = [list(r) for r in _read_roster(inst, cm, solver.boolean_value)]
        cost = evaluate(inst, found).objective
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  {label}: {cost} "
                  f"({solver.status_name(status)}, {fixed} of {len(roster) * inst.days} "
                  f"assignments fixed)", file=sys.stderr)
        if cost < best:
            roster, best = found, cost
            callback.times.append((time.perf_counter() - started, float(best)))
    return roster, best


#: A re-dive ranks each candidate assignment by its LP weight times a factor drawn in
#: [NOISE, 1].
NOISE = 0.7
#: Dive again while the roster is this far above the Lagrangian bound (relative), at most
#: REDIVES times.
REDIVE_GAP = 0.01
REDIVES = 10
#: A dive step's fixings are kept when they raise the LP by at most this much (absolute, plus
#: relative to the LP).
DIVE_TOLERANCE = 0.5
DIVE_TOLERANCE_RELATIVE = 1e-3


def _reset_dive(h, owner, slack, forced) -> None:
    """Undo every fixing of a dive: no assignment forced, every column free again (columns
    are only ever bounded by a dive's fixings)."""
    for j in range(len(owner)):
        h.changeColBounds(slack + j, 0, math.inf)
    for fixings in forced:
        fixings.clear()
    h.run()


def _fixing_dive(inst, h, rounds, owner, cols, slack, forced, roster, best, deadline,
                 started, callback, verbose, rng=None):
    """Diving on the column-generation LP by assignments: fix every (employee, day, option)
    the LP already takes whole, then the employees' surest fractional assignments, re-price
    (a fixing binds the employee's pricing: :func:`_column_generation`'s ``forced``) and
    repeat until the LP takes one column per employee (by ``deadline``). A group of fixings
    that raises the LP by more than :data:`DIVE_TOLERANCE` (plus
    :data:`DIVE_TOLERANCE_RELATIVE` of the LP) is undone and the next group tried; when the
    second does too, neither is kept and the groups are halved from then on (only a single
    fixing is kept when both raise the LP: the cheaper). With ``rng``
    each candidate's LP weight is multiplied by a factor drawn in [:data:`NOISE`, 1] before
    ranking (a re-dive's other choices). Returns the better of the dive's
    roster and ``roster``, and whether the LP took one column per employee."""
    n, D, S = len(inst.staff), inst.days, len(inst.shifts)
    sidx = {sid: i for i, sid in enumerate(inst.shift_ids)}

    def option(sid):
        return sidx[sid] if sid else S

    bounded: dict[tuple[int, int, int], list[int]] = {}

    def fix(p, d, o):
        forced[p][d] = o
        cut = []
        for j, (q, k) in enumerate(owner):
            if q == p and option(cols.rows[p][k][d]) != o:
                h.changeColBounds(slack + j, 0, 0)
                cut.append(j)
        bounded[p, d, o] = cut

    def unfix(p, d, o):
        del forced[p][d]
        for j in bounded.pop((p, d, o)):
            # A column cut by another fixing stays cut.
            row = cols.rows[p][owner[j][1]]
            if all(option(row[e]) == f for e, f in forced[p].items()):
                h.changeColBounds(slack + j, 0, math.inf)

    def lp_state():
        value = h.getSolution().col_value
        a: dict[tuple[int, int, int], float] = {}
        whole = [None] * n
        for j, (p, k) in enumerate(owner):
            v = value[slack + j]
            if v > 1e-6:
                row = cols.rows[p][k]
                for d in range(D):
                    key = (p, d, option(row[d]))
                    a[key] = a.get(key, 0.0) + v
                if v > 1 - 1e-6:
                    whole[p] = k
        return a, whole

    steps, step_started = 0, time.perf_counter()
    lp = h.getInfo().objective_function_value
    tried: set = set()
    shrink = 1  # after a step whose fixings all raised the LP, fix fewer at once
    while True:
        a, whole = lp_state()
        if all(k is not None for k in whole) or time.perf_counter() > deadline:
            break
        candidates = sorted(((v if rng is None else v * rng.uniform(NOISE, 1.0), p, d, o)
                             for (p, d, o), v in a.items()
                             if v <= 1 - 1e-6 and d not in forced[p]
                             and (p, d, o) not in tried), reverse=True)
        first: dict[int, tuple] = {}
        for v, p, d, o in candidates:
            first.setdefault(p, (v, p, d, o))
        ranked = sorted(first.values(), reverse=True)
        if not ranked:
            break
        now = time.perf_counter()
        if steps:
            # Fix enough a step to finish by the deadline at the pace so far.
            left = max(1.0, (deadline - now) / ((now - step_started) / steps))
            count = max(1, math.ceil(len(ranked) / left), len(ranked) // 3)
        else:
            count = max(1, len(ranked) // 3)
        count = max(1, count // shrink)
        tolerance = DIVE_TOLERANCE + DIVE_TOLERANCE_RELATIVE * abs(lp)
        best_trial = None
        for attempt in range(2):
            chosen = [(p, d, o) for _, p, d, o in ranked[attempt * count:(attempt + 1) * count]]
            if not chosen:
                break  # no second try: the first is left (its candidates are tried no more)
            for p, d, o in chosen:
                fix(p, d, o)
            rounds(range(n), 3, deadline)
            new_lp = h.getInfo().objective_function_value
            if new_lp <= lp + tolerance:
                best_trial = None
                lp = new_lp
                break
            if time.perf_counter() > deadline:
                # Out of time on a step that raised the LP (the last steps, hurried by the
                # pace, fix many at once: Instance8 went from 1309 to 1406): undo it, so the
                # finish starts from the assignments settled before.
                for p, d, o in chosen:
                    unfix(p, d, o)
                h.run()
                best_trial = None
                break
            if best_trial is None or new_lp < best_trial[0]:
                best_trial = (new_lp, chosen)
            for p, d, o in chosen:
                unfix(p, d, o)
                tried.add((p, d, o))
            h.run()
        else:
            if best_trial is not None and count > 1:
                # Both groups raised the LP (the dive's drift: Instance8 went from an LP of
                # 1310 to 1368 in one step, then to a roster of 1397): fix none, and half as
                # many a step from now on.
                shrink *= 2
            elif best_trial is not None:
                for p, d, o in best_trial[1]:
                    tried.discard((p, d, o))
                    fix(p, d, o)
                rounds(range(n), 3, deadline)
                lp = h.getInfo().objective_function_value
        steps += 1
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  dive step {steps}: LP {lp:.2f}, "
                  f"{sum(len(f) for f in forced)} fixed", file=sys.stderr)
    value = h.getSolution().col_value
    dive: list = [None] * n
    share = [0.0] * n
    for j, (p, k) in enumerate(owner):
        if value[slack + j] > share[p]:
            share[p], dive[p] = value[slack + j], list(cols.rows[p][k])
    whole = all(v > 1 - 1e-6 for v in share)
    if all(r is not None for r in dive):
        cost = evaluate(inst, dive).objective
        if verbose:
            print(f"  {time.perf_counter() - started:7.1f} s  dive: {cost}"
                  f"{'' if whole else ' (rounded)'}", file=sys.stderr)
        if cost < best:
            roster, best = dive, cost
            callback.times.append((time.perf_counter() - started, float(best)))
    return roster, best, whole


def _cover_counts(roster) -> dict[tuple[int, str], int]:
    """``{(day, shift id): employees working it}``."""
    counts: dict[tuple[int, str], int] = {}
    for row in roster:
        for d, sid in enumerate(row):
            if sid:
                counts[d, sid] = counts.get((d, sid), 0) + 1
    return counts


def _cover_penalty_by_day(inst: Instance, roster) -> list[int]:
    counts = _cover_counts(roster)
    penalty = [0] * inst.days
    for c in inst.cover:
        have = counts.get((c.day, c.shift), 0)
        penalty[c.day] += (c.weight_under * max(c.requirement - have, 0)
                           + c.weight_over * max(have - c.requirement, 0))
    return penalty


# ----------------------------------------------------------------------------- evaluator
@dataclass(frozen=True)
class Evaluation:
    """The benchmark objective recomputed from a roster, and every hard-rule violation."""

    objective: int
    breakdown: dict[str, int]
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations


def _runs(flags: Sequence[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs ``(start, length, value)`` of a boolean sequence."""
    runs = []
    start = 0
    for d in range(1, len(flags) + 1):
        if d == len(flags) or flags[d] != flags[start]:
            runs.append((start, d - start, bool(flags[start])))
            start = d
    return runs


def evaluate(inst: Instance, roster: Sequence[Sequence[str | None]]) -> Evaluation:
    """Recompute the objective and check every hard constraint from the roster alone.

    ``roster[p][d]`` is the id of the shift employee ``p`` (in file order) works on day ``d``,
    or ``None``/``""`` for a day off. Independent of :func:`build_model` and of the builders.
    """
    v: list[str] = []
    D = inst.days
    shifts = {s.id: s for s in inst.shifts}
    if len(roster) != len(inst.staff):
        raise ValueError(f"roster has {len(roster)} rows, the instance {len(inst.staff)} staff")
    for st, row in zip(inst.staff, roster):
        if len(row) != D:
            raise ValueError(f"{st.id}: roster row has {len(row)} days, the horizon {D}")
        row = [r or None for r in row]
        for d, sid in enumerate(row):
            if sid is not None and sid not in shifts:
                v.append(f"{st.id} day {d}: unknown shift {sid!r}")
        for d in inst.days_off.get(st.id, ()):
            if row[d] is not None:
                v.append(f"{st.id} day {d}: works {row[d]} on a fixed day off")
        for d in range(D - 1):
            a, b = row[d], row[d + 1]
            if a in shifts and b is not None and b in shifts[a].cannot_follow:
                v.append(f"{st.id} days {d}-{d + 1}: {b} cannot follow {a}")
        for sid in shifts:
            count = sum(1 for r in row if r == sid)
            top = st.max_shifts.get(sid, D)
            if count > top:
                v.append(f"{st.id}: {count} shifts {sid}, max {top}")
        minutes = sum(shifts[r].length_minutes for r in row if r in shifts)
        if minutes > st.max_total_minutes:
            v.append(f"{st.id}: {minutes} min worked, max {st.max_total_minutes}")
        if minutes < st.min_total_minutes:
            v.append(f"{st.id}: {minutes} min worked, min {st.min_total_minutes}")
        for start, length, worked in _runs([r is not None for r in row]):
            inner = start > 0 and start + length < D
            if worked and length > st.max_consecutive_shifts:
                v.append(f"{st.id} days {start}-{start + length - 1}: {length} consecutive "
                         f"shifts, max {st.max_consecutive_shifts}")
            if worked and inner and length < st.min_consecutive_shifts:
                v.append(f"{st.id} days {start}-{start + length - 1}: {length} consecutive "
                         f"shifts, min {st.min_consecutive_shifts}")
            if not worked and inner and length < st.min_consecutive_days_off:
                v.append(f"{st.id} days {start}-{start + length - 1}: {length} consecutive "
                         f"days off, min {st.min_consecutive_days_off}")
        weekends = sum(1 for sat in range(5, D, 7)
                       if any(row[d] is not None for d in (sat, sat + 1) if d < D))
        if weekends > st.max_weekends:
            v.append(f"{st.id}: {weekends} weekends worked, max {st.max_weekends}")
    index = {st.id: p for p, st in enumerate(inst.staff)}
    on = sum(r.weight for r in inst.on_requests if roster[index[r.staff]][r.day] != r.shift)
    off = sum(r.weight for r in inst.off_requests if roster[index[r.staff]][r.day] == r.shift)
    under = over = 0
    for c in inst.cover:
        count = sum(1 for row in roster if row[c.day] == c.shift)
        under += c.weight_under * max(c.requirement - count, 0)
        over += c.weight_over * max(count - c.requirement, 0)
    breakdown = {"shift_on_requests": on, "shift_off_requests": off, "cover_under": under,
                 "cover_over": over}
    return Evaluation(sum(breakdown.values()), breakdown, tuple(v))


# ----------------------------------------------------------------------------- benchmark
def format_roster(inst: Instance, roster) -> str:
    """One line per employee, tab-separated shift ids (empty = day off), as PetterS/monolith
    saves them."""
    return "".join("\t".join(r or "" for r in row) + "\n" for row in roster)


def _numbers(spec: str) -> list[int]:
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _fmt_gap(objective, reference) -> str:
    if objective is None or not reference:
        return "-"
    return f"{100.0 * (objective - reference) / reference:.1f} %"


def _fmt_published(run: tuple[int, str] | None) -> str:
    return "-" if run is None else f"{run[0]} ({run[1]})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=_numbers, default=list(range(1, 25)),
                        help="e.g. 1-9 or 1,3,10-14 (default 1-24)")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="seconds per instance below --large-from [s] (default 60)")
    parser.add_argument("--time-limit-large", type=float, default=300.0,
                        help="seconds per instance from --large-from on [s] (default 300)")
    parser.add_argument("--large-from", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subsolver", default="max_lp",
                        help="CP-SAT full-problem worker ('' for CP-SAT's default portfolio)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help=f"folder with instances_txt/ and best_known_summary.csv "
                             f"(default {DATA})")
    parser.add_argument("--solutions", type=Path, default=None,
                        help="write each roster to DIR/InstanceN.roster.txt")
    parser.add_argument("--start", default="auto", choices=("auto", "full", "greedy", "dp"),
                        help="first roster: CP-SAT on the whole model, or one employee at a "
                             "time by CP-SAT (greedy) or by the dynamic program (dp) (default "
                             f"auto: full up to {FULL_MODEL_LITERALS} shift literals and "
                             f"{FULL_MODEL_DAYS} days, dp above {LARGE_MODEL_LITERALS})")
    parser.add_argument("--column-generation", default="auto", choices=("auto", "on", "off"),
                        help="column generation and a dive after the first roster (default "
                             f"auto: on up to {COLUMN_GENERATION_LITERALS} shift literals)")
    parser.add_argument("--verbose", action="store_true", help="print incumbents to stderr")
    args = parser.parse_args(argv)

    best = read_best_known(args.data)
    published = read_published_runs(args.data)
    print(f"Machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()}, "
          f"Python {platform.python_version()}, OR-Tools {_ortools_version()}, "
          f"{args.workers} workers ({args.subsolver or 'default portfolio'} + LNS), "
          f"seed {args.seed}\n")
    print("| instance | days x staff x shift types | limit [s] | objective | checked "
          "| our bound | status | best LB | best UB | gap to UB | best published 60-min run "
          "| first / best / wall [s] |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k in args.instances:
        inst = read_instance(instance_path(k, args.data))
        limit = args.time_limit_large if k >= args.large_from else args.time_limit
        sol = solve(inst, time_limit_seconds=limit, workers=args.workers, seed=args.seed,
                    subsolver=args.subsolver or None, start=args.start,
                    column_generation={"auto": None, "on": True,
                                      "off": False}[args.column_generation],
                    verbose=args.verbose)
        checked = "-"
        if sol.roster is not None:
            ev = evaluate(inst, sol.roster)
            if not ev.feasible:
                checked = f"{len(ev.violations)} violations: {ev.violations[0]}"
            elif ev.objective != sol.objective:
                checked = f"objective {ev.objective} != {sol.objective}"
            else:
                checked = "ok"
            if args.solutions is not None:
                args.solutions.mkdir(parents=True, exist_ok=True)
                (args.solutions / f"{inst.name}.roster.txt").write_text(
                    format_roster(inst, sol.roster), encoding="utf-8")
        lb, ub = best.get(inst.name, (None, None))
        bound = "-" if not math.isfinite(sol.bound) else f"{sol.bound:.0f}"
        times = " / ".join("-" if t is None else f"{t:.1f}"
                           for t in (sol.first_seconds, sol.best_seconds, sol.wall_seconds))
        print(f"| {inst.name} | {inst.days} x {len(inst.staff)} x {len(inst.shifts)} "
              f"| {limit:.0f} | {sol.objective if sol.objective is not None else '-'} "
              f"| {checked} | {bound} | {sol.status} | {lb if lb is not None else '-'} "
              f"| {ub if ub is not None else '-'} | {_fmt_gap(sol.objective, ub)} "
              f"| {_fmt_published(published.get(inst.name))} | {times} |",
              flush=True)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ortools_version() -> str:
    import ortools
    return ortools.__version__


if __name__ == "__main__":
    main()
