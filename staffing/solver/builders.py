"""Generic constraint builders: bounds on sums and runs of literals, each returning its penalty
terms. The rules of a roster (minimum rest, weekly hours, ...) are in
:mod:`staffing.solver.rules`, one ``add_<rule>`` each, built on these.

The builders know nothing about contact centers: they take CP-SAT literals (an agent's
"works on day d" literals, shift-choice literals) and bounds in the vocabulary of OR-Tools'
``shift_scheduling_sat.py`` — ``hard_min <= soft_min <= soft_max <= hard_max`` with a cost per
unit outside the soft range — so the same builders serve the contract rules of a contact center
(:mod:`staffing.solver.rules`) and other rule sets (e.g. the Curtois nurse-rostering benchmark:
shift types with forbidden successions, per-type limits, min/max worked minutes, runs of shifts
and days off, weekends, on/off requests).

Every hard constraint a builder adds can be made conditional on an ``enforce`` literal: the
explanation solves with those literals as assumptions and names the rules in conflict. Every
soft violation is a :class:`PenaltyTerm` named after what it penalises
(``preferred_day_off(A017, 2026-11-24)``), so a report can list each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

__all__ = [
    "PenaltyTerm",
    "add_convex_count_penalty",
    "add_soft_sequence",
    "add_soft_sum",
    "add_weekends_worked",
    "add_forbidden",
    "add_forbidden_pairs",
    "add_forbidden_successors",
    "add_forbidden_successor_group",
    "add_min_gap",
    "add_requests",
    "add_soft_sequence_constraint",
    "add_soft_sum_constraint",
    "add_weekend_constraint",
    "convex_breakpoints",
    "convex_value",
    "linear_expr",
]

Literal = cp_model.IntVar


@dataclass(frozen=True)
class PenaltyTerm:
    """One named soft penalty: ``weight * sum(coeffs * vars)`` objective units.

    Attributes
    ----------
    rule : rule name (``understaffing``, ``preferred_day_off``, ...).
    vars, coeffs : the linear expression penalised (values are >= 0 in any solution).
    weight : objective units per unit of the expression.
    agent : agent index, or ``None`` (coverage terms).
    day : day index, or ``None``.
    detail : human-readable name, also the CP-SAT variable name.
    """

    rule: str
    vars: tuple
    coeffs: tuple[float, ...]
    weight: float = 1.0
    agent: int | None = None
    day: int | None = None
    detail: str = ""


def _enforce(ct, enforce):
    if enforce is not None:
        ct.only_enforce_if(enforce)
    return ct


def linear_expr(variables: Sequence, coefficients: Sequence[int]):
    """``sum(coefficients * variables)`` where some variables may be plain integers (constants
    folded into the offset)."""
    pairs = [(v, c) for v, c in zip(variables, coefficients, strict=True)
             if not isinstance(v, int)]
    const = sum(v * c for v, c in zip(variables, coefficients, strict=True) if isinstance(v, int))
    if not pairs:
        return const
    expr = cp_model.LinearExpr.weighted_sum([v for v, _ in pairs], [c for _, c in pairs])
    return expr + const if const else expr


def _negated_bounded_span(works: Sequence[Literal], start: int, length: int) -> list:
    """Literals whose disjunction forbids a run of exactly ``length`` true values at ``start``
    (the run is bounded by false values or by the ends of ``works``)."""
    span = []
    if start > 0:
        span.append(works[start - 1])
    span.extend(works[start + i].Not() for i in range(length))
    if start + length < len(works):
        span.append(works[start + length])
    return span


def add_soft_sequence(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    *,
    name: str,
    hard_min: int = 0,
    soft_min: int | None = None,
    min_cost: float = 0.0,
    soft_max: int | None = None,
    hard_max: int | None = None,
    max_cost: float = 0.0,
    edges: bool = True,
    enforce: Literal | None = None,
    rule: str | None = None,
    agent: int | None = None,
) -> list[PenaltyTerm]:
    """Bound the length of every run of true literals in ``works``.

    A run shorter than ``hard_min`` or longer than ``hard_max`` is forbidden; one shorter than
    ``soft_min`` costs ``min_cost`` per missing day, one longer than ``soft_max`` costs
    ``max_cost`` per extra day. With ``edges=False`` runs touching either end of ``works`` are
    exempt from the minimums (what comes before or after the horizon is unknown). Bounds left
    out do not bind: ``soft_min`` defaults to ``hard_min``, ``hard_max`` to ``len(works)``,
    ``soft_max`` to ``hard_max``. ``name`` prefixes the penalty variables' names.

    Returns the penalty terms (one per possible short or long run).
    """
    n = len(works)
    prefix = name
    soft_min = hard_min if soft_min is None else soft_min
    hard_max = n if hard_max is None else hard_max
    soft_max = hard_max if soft_max is None else soft_max
    terms: list[PenaltyTerm] = []
    rule = rule or prefix

    def touches_edge(start: int, length: int) -> bool:
        return start == 0 or start + length == n

    for length in range(1, min(hard_min, n + 1)):
        for start in range(n - length + 1):
            if not edges and touches_edge(start, length):
                continue
            _enforce(model.add_bool_or(_negated_bounded_span(works, start, length)), enforce)
    if min_cost > 0:
        for length in range(max(hard_min, 1), min(soft_min, n + 1)):
            for start in range(n - length + 1):
                if not edges and touches_edge(start, length):
                    continue
                label = f"{prefix}: run of {length} from {start} under {soft_min}"
                lit = model.new_bool_var(label)
                model.add_bool_or(_negated_bounded_span(works, start, length) + [lit])
                terms.append(PenaltyTerm(rule, (lit,), (float(soft_min - length),), min_cost,
                                         agent, start, label))
    if max_cost > 0:
        for length in range(soft_max + 1, min(hard_max, n) + 1):
            for start in range(n - length + 1):
                label = f"{prefix}: run of {length} from {start} over {soft_max}"
                lit = model.new_bool_var(label)
                model.add_bool_or(_negated_bounded_span(works, start, length) + [lit])
                terms.append(PenaltyTerm(rule, (lit,), (float(length - soft_max),), max_cost,
                                         agent, start, label))
    if hard_max < n:
        for start in range(n - hard_max):
            window = list(works[start:start + hard_max + 1])
            _enforce(model.add(cp_model.LinearExpr.sum(window) <= hard_max), enforce)
    return terms


def add_soft_sum(
    model: cp_model.CpModel,
    variables: Sequence,
    *,
    name: str,
    hard_min: int = 0,
    soft_min: int | None = None,
    min_cost: float = 0.0,
    soft_max: int | None = None,
    hard_max: int | None = None,
    max_cost: float = 0.0,
    coefficients: Sequence[int] | None = None,
    enforce: Literal | None = None,
    enforce_min: Literal | None = None,
    rule: str | None = None,
    agent: int | None = None,
    day: int | None = None,
) -> list[PenaltyTerm]:
    """Bound ``sum(coefficients * variables)``: hard range ``[hard_min, hard_max]``, and a
    cost per unit below ``soft_min`` (``min_cost``) or above ``soft_max`` (``max_cost``).

    ``enforce`` makes the hard maximum (and, without ``enforce_min``, the hard minimum)
    conditional; ``enforce_min`` makes the minimum conditional on its own literal, so an
    explanation can tell a minimum from a maximum. Bounds left out do not bind: ``soft_min``
    defaults to ``hard_min``, ``hard_max`` to the largest sum, ``soft_max`` to ``hard_max``.
    ``name`` prefixes the penalty variables' names.
    """
    prefix = name
    if coefficients is None:
        total = cp_model.LinearExpr.sum(list(variables))
        top = len(variables)
    else:
        total = cp_model.LinearExpr.weighted_sum(list(variables), list(coefficients))
        top = sum(max(c, 0) for c in coefficients)
    soft_min = hard_min if soft_min is None else soft_min
    hard_max = top if hard_max is None else hard_max
    soft_max = hard_max if soft_max is None else soft_max
    terms: list[PenaltyTerm] = []
    rule = rule or prefix
    if hard_min > 0:
        _enforce(model.add(total >= hard_min), enforce_min if enforce_min is not None
                 else enforce)
    if hard_max < top:
        _enforce(model.add(total <= hard_max), enforce)
    if min_cost > 0 and soft_min > hard_min:
        deficit = model.new_int_var(0, soft_min - hard_min, f"{prefix}: under {soft_min}")
        model.add(deficit >= soft_min - total)
        terms.append(PenaltyTerm(rule, (deficit,), (1.0,), min_cost, agent, day, deficit.name))
    if max_cost > 0 and soft_max < min(hard_max, top):
        excess = model.new_int_var(0, min(hard_max, top) - soft_max, f"{prefix}: over {soft_max}")
        model.add(excess >= total - soft_max)
        terms.append(PenaltyTerm(rule, (excess,), (1.0,), max_cost, agent, day, excess.name))
    return terms


def add_forbidden(model: cp_model.CpModel, literals: Iterable[Literal], *,
                  enforce: Literal | None = None) -> None:
    """Every literal false (e.g. shifts overlapping leave, shifts on a fixed day off)."""
    literals = list(literals)
    if not literals:
        return
    if enforce is None:
        for lit in literals:
            model.add(lit == 0)
    else:
        model.add_bool_and([lit.Not() for lit in literals]).only_enforce_if(enforce)


def add_forbidden_pairs(model: cp_model.CpModel, pairs: Iterable[tuple[Literal, Literal]], *,
                        enforce: Literal | None = None) -> None:
    """Never both literals of a pair (e.g. a shift type that cannot follow another)."""
    for first, second in pairs:
        _enforce(model.add_bool_or([first.Not(), second.Not()]), enforce)


def add_forbidden_successors(model: cp_model.CpModel, first: Literal,
                             successors: Iterable[Literal], *,
                             enforce: Literal | None = None) -> None:
    """When ``first`` is true, every literal of ``successors`` is false (e.g. after a night
    shift, none of the early shifts of the next day).

    The same rule as :func:`add_forbidden_pairs` over ``(first, s)`` for each successor, in one
    constraint instead of one clause per pair: a roster of 32 shift types where a late shift
    forbids 20 of them next day needs 20x fewer constraints.
    """
    successors = list(successors)
    if not successors:
        return
    condition = [first] + ([] if enforce is None else [enforce])
    model.add_bool_and([lit.Not() for lit in successors]).only_enforce_if(condition)


def add_forbidden_successor_group(model: cp_model.CpModel, firsts: Sequence[Literal],
                                  successors: Sequence[Literal], *,
                                  enforce: Literal | None = None) -> None:
    """No literal of ``firsts`` followed by any of ``successors``, as one at-most-one
    constraint over both lists.

    Precondition: at most one of ``firsts`` is true and at most one of ``successors`` is true
    (the shift literals of one day each, under a one-shift-a-day rule); then "at most one of
    the union" is exactly "never a first and a successor together". It replaces one
    :func:`add_forbidden_successors` per first shift type that forbids the same successors:
    on a 364-day roster of 32 shift types that share ten successor sets, 3x fewer constraints,
    and a clique CP-SAT's LP uses as is.
    """
    firsts, successors = list(firsts), list(successors)
    if not firsts or not successors:
        return
    _enforce(model.add_at_most_one(firsts + successors), enforce)


def add_min_gap(
    model: cp_model.CpModel,
    first_end,
    second_start,
    first_works: Literal,
    second_works: Literal,
    gap: int,
    *,
    enforce: Literal | None = None,
) -> None:
    """When both days are worked, ``second_start - first_end >= gap`` (e.g. minimum rest
    between the end of one shift and the start of the next, both in the same time unit)."""
    condition = [first_works, second_works] + ([] if enforce is None else [enforce])
    model.add(second_start - first_end >= gap).only_enforce_if(condition)


def add_requests(
    model: cp_model.CpModel,
    literals: Sequence[Literal],
    weights: Sequence[float],
    rule: str,
    names: Sequence[str],
    *,
    wanted: bool,
    agents: Sequence[int | None] | None = None,
    days: Sequence[int | None] | None = None,
) -> list[PenaltyTerm]:
    """Soft requests: each literal should be true (``wanted=True``, e.g. a shift-on request) or
    false (``wanted=False``, e.g. a day-off request); each one not met costs its weight."""
    terms = []
    for i, (lit, weight, name) in enumerate(zip(literals, weights, names, strict=True)):
        agent = None if agents is None else agents[i]
        day = None if days is None else days[i]
        if wanted:
            miss = model.new_bool_var(name)
            model.add_implication(lit.Not(), miss)
            terms.append(PenaltyTerm(rule, (miss,), (1.0,), weight, agent, day, name))
        else:
            terms.append(PenaltyTerm(rule, (lit,), (1.0,), weight, agent, day, name))
    return terms


def add_weekends_worked(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    weekends: Sequence[Sequence[int]],
    *,
    name: str,
    hard_max: int,
    soft_max: int | None = None,
    max_cost: float = 0.0,
    enforce: Literal | None = None,
    agent: int | None = None,
) -> tuple[list[Literal], list[PenaltyTerm]]:
    """Weekends worked (a weekend is worked when any of its days is): at most ``hard_max``,
    with ``max_cost`` per weekend over ``soft_max`` (default ``hard_max``).

    Returns the "weekend worked" literals and the penalty terms.
    """
    worked = []
    for w, days in enumerate(weekends):
        lit = model.new_bool_var(f"{name}: weekend {w} worked")
        day_lits = [works[d] for d in days]
        model.add_max_equality(lit, day_lits)
        worked.append(lit)
    soft = hard_max if soft_max is None else soft_max
    terms = add_soft_sum(
        model, worked, name=name, soft_max=soft, hard_max=hard_max, max_cost=max_cost,
        enforce=enforce, agent=agent,
    ) if worked else []
    return worked, terms


# The positional forms of the first builders, kept for callers written against them
# (benchmarks/curtois.py): the same constraints as the keyword-only builders above.

def add_soft_sequence_constraint(model, works, hard_min, soft_min, min_cost, soft_max,
                                 hard_max, max_cost, prefix, **options) -> list[PenaltyTerm]:
    """:func:`add_soft_sequence` with positional bounds (prefer the keyword form)."""
    return add_soft_sequence(model, works, name=prefix, hard_min=hard_min, soft_min=soft_min,
                             min_cost=min_cost, soft_max=soft_max, hard_max=hard_max,
                             max_cost=max_cost, **options)


def add_soft_sum_constraint(model, variables, hard_min, soft_min, min_cost, soft_max,
                            hard_max, max_cost, prefix, **options) -> list[PenaltyTerm]:
    """:func:`add_soft_sum` with positional bounds (prefer the keyword form)."""
    return add_soft_sum(model, variables, name=prefix, hard_min=hard_min, soft_min=soft_min,
                        min_cost=min_cost, soft_max=soft_max, hard_max=hard_max,
                        max_cost=max_cost, **options)


def add_weekend_constraint(model, works, weekends, hard_max_worked, prefix, *,
                           soft_max_worked=None, **options):
    """:func:`add_weekends_worked` with positional bounds (prefer the keyword form)."""
    return add_weekends_worked(model, works, weekends, name=prefix, hard_max=hard_max_worked,
                               soft_max=soft_max_worked, **options)


def convex_breakpoints(top: int, exact_up_to: int = 16) -> list[int]:
    """Breakpoints ``0, 1, ..., exact_up_to`` then doubling-ish (24, 32, 48, 64, ...) up to
    ``top`` (included): a convex penalty is exact at these counts and linear in between."""
    points = list(range(0, min(top, exact_up_to) + 1))
    value = max(exact_up_to, 1)
    while points[-1] < top:
        value += max(1, value // 2)
        points.append(min(value, top))
    return points


def convex_value(costs: Sequence[int], count: int, top: int, exact_up_to: int = 16) -> float:
    """The value at ``count`` of the piecewise-linear function through ``(k, costs[k])`` at the
    :func:`convex_breakpoints` of ``top`` — what :func:`add_convex_count_penalty` charges."""
    if count <= 0:
        return 0.0
    points = convex_breakpoints(top, exact_up_to)
    count = min(count, top)
    for j0, j1 in zip(points, points[1:]):
        if j0 <= count <= j1:
            return costs[j0] + (costs[j1] - costs[j0]) * (count - j0) / (j1 - j0)
    return float(costs[count])


def add_convex_count_penalty(
    model: cp_model.CpModel,
    literals: Sequence[Literal],
    costs: Sequence[int],
    name: str,
    *,
    rule: str,
    scale: int = 1,
    max_count: int | None = None,
    exact_up_to: int = 16,
    agent: int | None = None,
) -> list[PenaltyTerm]:
    """A convex penalty on how many ``literals`` are true: ``costs[k] / scale`` objective
    units for ``k`` true (``costs`` integer, increments non-decreasing, ``costs[0] == 0``),
    linear between :func:`convex_breakpoints`. ``max_count`` caps how many can be true at once
    (e.g. one shift a day), which keeps the number of breakpoints small.

    Used for fairness: the k-th weekend day, night or late shift of an agent costs more than the
    (k-1)-th, so for a given total the cheapest roster spreads them evenly.
    """
    top = len(literals) if max_count is None else min(len(literals), max_count)
    if top == 0:
        return []
    count = cp_model.LinearExpr.sum(list(literals))
    points = convex_breakpoints(top, exact_up_to)
    pen = model.new_int_var(0, int(costs[top]), name)
    for j0, j1 in zip(points, points[1:]):
        c0, c1 = int(costs[j0]), int(costs[j1])
        if c1 == c0 == 0:
            continue
        # (j1 - j0) * pen >= (j1 - j0) * c0 + (c1 - c0) * (count - j0), exact in integers.
        model.add((j1 - j0) * pen >= (j1 - j0) * c0 + (c1 - c0) * (count - j0))
    return [PenaltyTerm(rule, (pen,), (1.0 / scale,), 1.0, agent, None, name)]
