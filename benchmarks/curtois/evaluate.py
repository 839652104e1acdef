"""The independent evaluator: the benchmark objective and every hard rule recomputed from a
roster alone, by its own code (not :func:`~benchmarks.curtois.model.build_model`, not the rule
builders). Every roster the benchmark reports goes through :func:`evaluate`; the table's
"checked" column is its verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.curtois.reader import Instance

__all__ = ["Evaluation", "evaluate", "part_objective"]


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


def part_objective(inst: Instance, roster, people, days) -> int:
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
