"""The roster problem in numbers: agents x days x shift candidates, and demand per interval.

:func:`build_problem` resolves the library's inputs (requirements frame, agents, contracts,
shift rules, horizon) into plain arrays the model builders, the initial heuristic, the bound and
the evaluator share: each agent's rules (contract with the agent's overrides), each agent's shift
candidates per day (unavailability and fixed days off already removed), skill profiles, weekly
blocks and weekends.

Conventions
-----------
- Days are indices ``0..D-1`` of the horizon; a shift belongs to the local day it starts on.
- Weekly limits apply per 7-day block from the first day. A trailing block of fewer than 7 days
  is part of a week that goes on outside the horizon: its maxima hold unprorated, the days
  outside count as days off, and it has no minimum of hours (see :func:`block_limits`).
- A weekend is a run of consecutive days that are all ``shift_rules.weekend_days``, lying
  wholly inside the horizon (a weekend cut by the horizon's start or end does not count).
- Rules that look back across the horizon's start (rest, runs of days worked and off,
  consecutive weekends worked) see each agent's :class:`~staffing.solver.seam.AgentHistory`
  from the previous roster (:mod:`staffing.solver.seam`); without one they see only the
  horizon. Shifts starting within the rest after the agent's last previous shift are not
  candidates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.config import ContractConfig, ShiftRules, break_fit
from staffing.domain import WEEKDAYS, Agent
from staffing.errors import ConfigError, DataError
from staffing.solver.seam import NO_HISTORY, AgentHistory, histories_for
from staffing.solver.shifts import BreakSpec, ShiftTable, break_specs, shift_table
from staffing.timegrid import Horizon

__all__ = [
    "AgentRules",
    "Block",
    "BlockLimits",
    "Profile",
    "RosterProblem",
    "Solution",
    "block_limits",
    "build_problem",
]


@dataclass(frozen=True)
class AgentRules:
    """An agent's hard limits: the contract's, with the agent's overrides applied.

    Attributes
    ----------
    contract : contract name.
    min_minutes_per_week, max_minutes_per_week : paid time per 7-day block. [min]
    max_shifts_per_week : shifts per block at most.
    min_days_off_per_week : days without a shift start per block at least.
    max_consecutive_days : consecutive working days at most.
    min_consecutive_days_off : length of a run of days off at least (runs touching the
        horizon's start or end are exempt: their other end is unknown).
    max_night_shifts_per_week : night shifts per block at most (``None``: no limit).
    min_weekends_off : weekends wholly off in the horizon at least.
    max_consecutive_weekends_worked : consecutive weekends worked at most, the previous
        roster's included (``None``: no limit).
    hourly_cost : cost of a paid hour. [currency/h]
    min_rest_minutes : rest between the end of a shift and the start of the next. [min]
    """

    contract: str
    min_minutes_per_week: int
    max_minutes_per_week: int
    max_shifts_per_week: int
    min_days_off_per_week: int
    max_consecutive_days: int
    min_consecutive_days_off: int
    max_night_shifts_per_week: int | None
    min_weekends_off: int
    hourly_cost: float
    min_rest_minutes: int
    max_consecutive_weekends_worked: int | None = None


@dataclass(frozen=True)
class Block:
    """A block of up to 7 days that weekly limits apply to."""

    first: int
    days: int

    @property
    def full(self) -> bool:
        return self.days == 7

    @property
    def range(self) -> range:
        return range(self.first, self.first + self.days)


@dataclass(frozen=True)
class BlockLimits:
    """An agent's limits over one block. [min, shifts]

    ``max_shifts`` is the binding cap on working days (the smaller of the shift limit and the
    days left by the days-off minimum); ``shift_limit`` and ``days_off`` are the two rules
    behind it, kept apart so an explanation can name the one that binds.
    """

    min_minutes: int
    max_minutes: int
    max_shifts: int
    max_nights: int | None
    shift_limit: int
    days_off: int


def block_limits(rules: AgentRules, block: Block) -> BlockLimits:
    """Limits of ``rules`` over ``block``.

    A full block gets the weekly limits as they are. A shorter block (a horizon of fewer than
    7 days, or the tail of a longer one) is part of a week whose other days lie outside the
    horizon and may all be days off, so nothing is prorated: the weekly maxima of hours, shifts
    and nights hold as they are (shifts at most one a day), the days-off minimum counts the
    days outside the block as off (``max(0, min_days_off - (7 - days))``) and there is no hour
    minimum (the rest of the week can make it up).
    """
    if block.full:
        days_off = rules.min_days_off_per_week
        return BlockLimits(
            rules.min_minutes_per_week, rules.max_minutes_per_week,
            min(rules.max_shifts_per_week, 7 - days_off), rules.max_night_shifts_per_week,
            rules.max_shifts_per_week, days_off,
        )
    days_off = max(0, rules.min_days_off_per_week - (7 - block.days))
    shifts = min(rules.max_shifts_per_week, block.days)
    return BlockLimits(
        0, rules.max_minutes_per_week, min(shifts, block.days - days_off),
        rules.max_night_shifts_per_week, shifts, days_off,
    )


@dataclass(frozen=True)
class Profile:
    """Agents with the same skills and priorities: interchangeable for coverage.

    Attributes
    ----------
    skills : ``(queue index, priority)`` pairs, primary first.
    primary : queue index of the primary skill (breaks count against it).
    agents : indices of the agents with this profile.
    """

    skills: tuple[tuple[int, int], ...]
    primary: int
    agents: tuple[int, ...]

    @property
    def queues(self) -> tuple[int, ...]:
        return tuple(q for q, _ in self.skills)

    def step(self, queue: int) -> int:
        """Priority steps of ``queue`` below the profile's best skill (0 = primary level)."""
        best = min(p for _, p in self.skills)
        return dict(self.skills)[queue] - best


@dataclass
class RosterProblem:
    """Everything the solver needs, in arrays (see the module docstring for conventions).

    Attributes
    ----------
    horizon : the days planned.
    intervals : interval starts of the horizon (aware). ``T = len(intervals)``.
    queues : queue ids; ``required[q, t]`` agents to schedule on queue ``q`` in interval ``t``.
    agents, rules : the agents and their resolved rules (same order).
    shift_rules : the scenario's shift rules; ``breaks`` the break rules in intervals.
    tables : candidate shifts per ``(contract, day)``.
    options : ``options[a][d]`` indices into ``tables[(rules[a].contract, d)]`` of the shifts
        agent ``a`` may work on day ``d`` (empty: the agent cannot work that day).
    blocks : weekly blocks; ``weekends`` the weekends, each a tuple of day indices.
    profiles, profile_of : skill profiles and each agent's profile index.
    preferred_off : days each agent prefers off; ``preferred_start`` each agent's preferred
        local start window ``(lo, hi)`` in minutes after midnight, or ``None``.
    fixed_off : days each agent never works (its fixed weekdays); ``unavailable`` each agent's
        unavailable windows in real minutes from the horizon start ``(start, end)``.
    history : each agent's :class:`~staffing.solver.seam.AgentHistory` (the previous roster's
        end); empty when there is no previous roster.
    published : when re-planning a published roster, ``(A, D)``: position in
        ``options[a][d]`` of the published shift, ``-1`` for a published day off, ``-2`` for a
        published shift that is no longer a candidate (changed whatever the roster); ``None``
        otherwise. ``kept`` ``(A, D)``: the days whose published shift started before the
        re-plan's cut (its only candidate, and worked). ``cut_interval``: the first interval
        at or after the cut. ``break_prefix``: per ``(profile, rule)``, the published breaks
        of the kept shifts starting before the cut, counted per interval (length
        ``cut_interval``): the past's breaks stay where they were.
    carried : ``(Q, T)`` agents of the previous roster still working in the horizon's first
        intervals (a shift running past its start), counted on their primary queue; they
        serve ``required_input`` (the requirement as given), and ``required`` is what is left
        for the horizon's own shifts. ``None`` when no shift runs into the horizon.
    """

    horizon: Horizon
    intervals: pd.DatetimeIndex
    queues: tuple[str, ...]
    required: np.ndarray
    agents: tuple[Agent, ...]
    rules: tuple[AgentRules, ...]
    contracts: Mapping[str, ContractConfig]
    shift_rules: ShiftRules
    breaks: tuple[BreakSpec, ...]
    tables: dict[tuple[str, int], ShiftTable]
    options: list[list[np.ndarray]]
    blocks: tuple[Block, ...]
    weekends: tuple[tuple[int, ...], ...]
    profiles: tuple[Profile, ...]
    profile_of: np.ndarray
    preferred_off: tuple[frozenset[int], ...]
    preferred_start: tuple[tuple[int, int] | None, ...]
    fixed_off: tuple[frozenset[int], ...]
    unavailable: tuple[tuple[tuple[int, int], ...], ...]
    whole_day: bool = False
    _weekend_days: frozenset[int] = field(default_factory=frozenset)
    history: tuple[AgentHistory, ...] = ()
    published: np.ndarray | None = None
    kept: np.ndarray | None = None
    cut_interval: int = 0
    break_prefix: dict[tuple[int, int], np.ndarray] | None = None
    carried: np.ndarray | None = None
    required_input: np.ndarray | None = None

    def history_of(self, a: int) -> AgentHistory:
        """Agent ``a``'s previous roster, as the rules that look back see it."""
        return self.history[a] if self.history else NO_HISTORY

    def histories(self) -> dict[str, AgentHistory]:
        """The agents' histories by id (to build a problem of some of them)."""
        return {agent.agent_id: self.history_of(a) for a, agent in enumerate(self.agents)}

    @property
    def interval_minutes(self) -> int:
        return self.horizon.interval_minutes

    @property
    def T(self) -> int:  # noqa: N802 - the conventional name
        return len(self.intervals)

    @property
    def D(self) -> int:  # noqa: N802
        return self.horizon.days

    @property
    def A(self) -> int:  # noqa: N802
        return len(self.agents)

    @property
    def Q(self) -> int:  # noqa: N802
        return len(self.queues)

    def dates(self) -> list[dt.date]:
        return self.horizon.dates()

    def table(self, a: int, d: int) -> ShiftTable:
        """The candidate table agent ``a`` picks from on day ``d``."""
        return self.tables[(self.rules[a].contract, d)]

    def is_weekend_day(self, d: int) -> bool:
        """Whether day ``d`` is one of the weekend days."""
        return (self.horizon.start_date + dt.timedelta(days=d)).weekday() in self._weekend_days

    def n_options(self) -> int:
        """Total number of agent-day-shift candidates."""
        return sum(len(o) for per_day in self.options for o in per_day)


def _resolve_rules(agent: Agent, contract: ContractConfig, name: str,
                   rules: ShiftRules) -> AgentRules:
    min_h = contract.min_hours_per_week if agent.min_hours_per_week is None \
        else agent.min_hours_per_week
    max_h = contract.max_hours_per_week if agent.max_hours_per_week is None \
        else agent.max_hours_per_week
    cost = contract.hourly_cost if agent.hourly_cost is None else agent.hourly_cost
    return AgentRules(
        contract=name,
        min_minutes_per_week=int(round(min_h * 60)),
        max_minutes_per_week=int(round(max_h * 60)),
        max_shifts_per_week=contract.max_shifts_per_week,
        min_days_off_per_week=contract.min_days_off_per_week,
        max_consecutive_days=contract.max_consecutive_days,
        min_consecutive_days_off=contract.min_consecutive_days_off,
        max_night_shifts_per_week=contract.max_night_shifts_per_week,
        min_weekends_off=contract.min_weekends_off,
        hourly_cost=float(cost),
        min_rest_minutes=int(round(rules.min_rest_hours * 60)),
        max_consecutive_weekends_worked=contract.max_consecutive_weekends_worked,
    )


def _weekends(horizon: Horizon, weekend_days: frozenset[int]) -> tuple[tuple[int, ...], ...]:
    if not weekend_days:
        return ()
    start = horizon.start_date
    is_we = [(start + dt.timedelta(days=d)).weekday() in weekend_days
             for d in range(-1, horizon.days + 1)]
    out = []
    d = 0
    while d < horizon.days:
        if is_we[d + 1]:
            run = [d]
            while d + 1 < horizon.days and is_we[d + 2]:
                d += 1
                run.append(d)
            # Cut by the horizon's start or end: the weekend is not wholly inside.
            if not is_we[run[0]] and not is_we[run[-1] + 2]:
                out.append(tuple(run))
        d += 1
    return tuple(out)


def requirements_matrix(requirements: pd.DataFrame, queues: Sequence[str],
                        horizon: Horizon, intervals: pd.DatetimeIndex) -> np.ndarray:
    """``agents_required_with_shrinkage`` as a ``(queues, intervals)`` integer matrix.

    Rows outside the horizon are ignored; an interval without a row requires 0 agents.
    """
    needed = ("queue", "interval_start", "agents_required_with_shrinkage")
    missing = [c for c in needed if c not in requirements.columns]
    if missing:
        raise DataError(f"requirements: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; the roster needs {', '.join(needed)}")
    out = np.zeros((len(queues), len(intervals)), dtype=np.int64)
    if requirements.empty:
        return out
    stamps = pd.DatetimeIndex(requirements["interval_start"])
    if stamps.tz is None:
        raise DataError("requirements: interval_start must be aware timestamps (with the "
                        "site's time zone)")
    step = horizon.interval_minutes
    offset = (stamps - horizon.start).total_seconds().to_numpy() / 60.0
    idx = np.floor(offset / step).astype(np.int64)
    values = pd.to_numeric(requirements["agents_required_with_shrinkage"], errors="coerce")
    values = values.to_numpy(dtype=float)
    if np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values))[0]) + 2
        raise DataError(f"requirements: row {row}: agents_required_with_shrinkage is empty or "
                        "not a number")
    if (values < 0).any():
        row = int(np.flatnonzero(values < 0)[0]) + 2
        raise DataError(f"requirements: row {row}: agents_required_with_shrinkage must be >= 0, "
                        f"got {values[row - 2]:g}")
    qpos = {q: i for i, q in enumerate(queues)}
    qidx = requirements["queue"].astype(str).map(qpos).to_numpy()
    inside = (idx >= 0) & (idx < len(intervals))
    seen = np.zeros_like(out, dtype=bool)
    for q, t, v, row in zip(qidx[inside], idx[inside], values[inside],
                            np.flatnonzero(inside), strict=True):
        if seen[q, t]:
            raise DataError(f"requirements: row {row + 2}: queue {queues[q]!r} has two rows for "
                            f"interval {intervals[t].isoformat()}; keep one row per queue and "
                            "interval")
        seen[q, t] = True
        out[q, t] = int(math.ceil(v - 1e-9))
    return out


def build_problem(
    requirements: pd.DataFrame,
    agents: Sequence[Agent],
    *,
    horizon: Horizon,
    contracts: Mapping[str, ContractConfig],
    rules: ShiftRules,
    whole_day: bool = False,
    keep_unavailable: bool = False,
    history: Mapping[str, AgentHistory] | None = None,
    published: pd.DataFrame | None = None,
    cut: pd.Timestamp | None = None,
    published_activities: pd.DataFrame | None = None,
) -> RosterProblem:
    """Resolve the solver's inputs into a :class:`RosterProblem`.

    ``history`` is each agent's end of the previous roster
    (:func:`~staffing.solver.seam.agent_histories`). ``whole_day`` keeps starts outside
    contract windows and ``keep_unavailable`` keeps shifts on fixed days off, in unavailable
    windows and within the rest after the previous roster (all for the explanation, which makes
    those rules assumptions it can name).

    ``published`` (roster format) is a roster of this horizon being re-planned from ``cut``
    (an aware time; ``None``: the horizon's start): a published shift starting before the cut
    is kept as it is (the day's only candidate, worked), no other shift may start before the
    cut, and changes after it are priced (:attr:`RosterProblem.published`).
    """
    if not agents:
        raise DataError("no agents to roster; give at least one agent")
    seen: set[str] = set()
    for agent in agents:
        if agent.agent_id in seen:
            raise DataError(f"agent {agent.agent_id!r} is given twice; ids must be unique")
        seen.add(agent.agent_id)
        if agent.contract not in contracts:
            raise DataError(f"agent {agent.agent_id}: contract {agent.contract!r} is not defined; "
                            f"valid: {', '.join(contracts)}")
        if not agent.skills:
            raise DataError(f"agent {agent.agent_id}: no skills; list the queues the agent serves")
    misfit = break_fit(rules.breaks, {a.contract: contracts[a.contract] for a in agents})
    if misfit is not None:
        raise ConfigError(f"shift_rules.{misfit[1]} {misfit[0]}")
    step = horizon.interval_minutes
    for name in ("start_step_minutes", "length_step_minutes"):
        if getattr(rules, name) % step:
            raise ConfigError(f"shift_rules.{name} must be a multiple of interval_minutes "
                              f"({step}), got {getattr(rules, name)}")
    intervals = horizon.intervals()
    req_queues = list(dict.fromkeys(requirements["queue"].astype(str))) \
        if "queue" in requirements.columns else []
    extra = sorted({s.queue for a in agents for s in a.skills} - set(req_queues))
    queues = tuple(req_queues + extra)
    required = requirements_matrix(requirements, queues, horizon, intervals)
    breaks = break_specs(rules.breaks, step)

    used = sorted({a.contract for a in agents})
    tables = {
        (name, d): shift_table(name, contracts[name], d, horizon=horizon, rules=rules,
                               breaks=breaks, whole_day=whole_day)
        for name in used for d in range(horizon.days)
    }
    resolved = tuple(_resolve_rules(a, contracts[a.contract], a.contract, rules) for a in agents)

    dates = horizon.dates()
    seam = histories_for(agents, history)
    fixed_off, unavailable, options = [], [], []
    for agent, past, resolved_rules in zip(agents, seam, resolved, strict=True):
        rested = None if past.last_end_minute is None \
            else past.last_end_minute + resolved_rules.min_rest_minutes
        # A run of days off begun in the previous roster lasts its minimum into the horizon.
        least = resolved_rules.min_consecutive_days_off
        rest_days = least - past.days_off if past.days_off and past.days_off < least else 0
        days_off = frozenset(d for d, date in enumerate(dates)
                             if date.weekday() in agent.fixed_days_off)
        windows = tuple(
            (int((s - horizon.start).total_seconds() // 60),
             int(math.ceil((e - horizon.start).total_seconds() / 60)))
            for s, e in agent.unavailable
        )
        per_day = []
        for d in range(horizon.days):
            table = tables[(agent.contract, d)]
            keep = np.ones(len(table), dtype=bool)
            if not keep_unavailable:
                if d in days_off or d < rest_days:
                    keep[:] = False
                for s, e in windows:
                    keep &= ~((table.start_minute < e) & (table.end_minute > s))
                if rested is not None:
                    keep &= table.start_minute >= rested
            per_day.append(np.flatnonzero(keep))
        fixed_off.append(days_off)
        unavailable.append(windows)
        options.append(per_day)

    qpos = {q: i for i, q in enumerate(queues)}
    keys: dict[tuple, list[int]] = {}
    for a, agent in enumerate(agents):
        skills = tuple((qpos[s.queue], s.priority)
                       for s in sorted(agent.skills, key=lambda s: (s.priority, s.queue)))
        keys.setdefault(skills, []).append(a)
    profiles = tuple(Profile(skills=k, primary=k[0][0], agents=tuple(v)) for k, v in keys.items())
    profile_of = np.empty(len(agents), dtype=np.int64)
    for p, prof in enumerate(profiles):
        profile_of[list(prof.agents)] = p

    published_at = kept = prefix = None
    cut_interval = 0
    if published is not None:
        cut = horizon.start if cut is None else cut
        minutes = (cut - horizon.start).total_seconds() / 60
        cut_interval = min(int(math.ceil(minutes / step - 1e-9)), len(intervals))
        cut = horizon.start + pd.Timedelta(minutes=cut_interval * step)
        published_at, kept = _published(published, agents, options, tables, horizon, cut)
        if published_activities is not None:
            prefix = _break_prefix(published_activities, agents, options, tables, kept,
                                   breaks, horizon, cut_interval, profile_of)

    carried = required_input = None
    late = [(qpos[min(agent.skills, key=lambda k: (k.priority, k.queue)).queue],
             past.last_end_minute)
            for agent, past in zip(agents, seam, strict=True)
            if past.last_end_minute is not None and past.last_end_minute > 0]
    if late:
        carried = np.zeros_like(required)
        for q, end in late:
            carried[q, :min(int(math.ceil(end / step)), len(intervals))] += 1
        required_input = required
        required = np.clip(required - carried, 0, None)

    weekend_days = frozenset(WEEKDAYS.index(w) for w in rules.weekend_days)
    blocks = tuple(Block(f, min(7, horizon.days - f)) for f in range(0, horizon.days, 7))
    return RosterProblem(
        horizon=horizon, intervals=intervals, queues=queues, required=required,
        agents=tuple(agents), rules=resolved, contracts=contracts, shift_rules=rules,
        breaks=breaks, tables=tables, options=options, blocks=blocks,
        weekends=_weekends(horizon, weekend_days), profiles=profiles, profile_of=profile_of,
        preferred_off=tuple(
            frozenset(d for d, date in enumerate(dates) if date.weekday() in a.preferred_days_off)
            for a in agents),
        preferred_start=tuple(
            None if a.preferred_start is None else
            (a.preferred_start[0].hour * 60 + a.preferred_start[0].minute,
             a.preferred_start[1].hour * 60 + a.preferred_start[1].minute)
            for a in agents),
        fixed_off=tuple(fixed_off), unavailable=tuple(unavailable), whole_day=whole_day,
        _weekend_days=weekend_days, history=seam if history else (),
        published=published_at, kept=kept, cut_interval=cut_interval, break_prefix=prefix,
        carried=carried, required_input=required_input,
    )


def _published(roster: pd.DataFrame, agents: Sequence[Agent], options: list[list[np.ndarray]],
               tables: Mapping[tuple[str, int], ShiftTable], horizon: Horizon,
               cut: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """The published roster in the problem's terms (see :func:`build_problem`); narrows
    ``options`` in place around the cut."""
    A, D = len(agents), horizon.days
    index = {a.agent_id: i for i, a in enumerate(agents)}
    cut_minute = int((cut - horizon.start).total_seconds() // 60)
    shift_of: dict[tuple[int, int], int] = {}
    for row, (agent_id, start, end) in enumerate(zip(
            roster["agent_id"].astype(str), roster["shift_start"], roster["shift_end"],
            strict=True)):
        a = index.get(agent_id)
        if a is None:
            continue
        s = int(round((pd.Timestamp(start) - horizon.start).total_seconds() / 60))
        e = int(round((pd.Timestamp(end) - horizon.start).total_seconds() / 60))
        contract = agents[a].contract
        for d in range(D):
            table = tables[(contract, d)]
            hit = np.flatnonzero((table.start_minute == s) & (table.end_minute == e))
            if len(hit):
                shift_of[(a, d)] = int(hit[0])
                break
        else:
            if 0 <= s < D * 1440:
                raise DataError(
                    f"published roster: row {row + 2}: {agent_id}'s shift "
                    f"{pd.Timestamp(start).isoformat()}-{pd.Timestamp(end).isoformat()} is not "
                    f"a shift contract {contract} allows under the scenario's shift rules; "
                    "re-plan with the scenario the roster was planned with")
    at = np.full((A, D), -1, dtype=np.int64)
    kept = np.zeros((A, D), dtype=bool)
    for a in range(A):
        contract = agents[a].contract
        for d in range(D):
            table = tables[(contract, d)]
            k = shift_of.get((a, d))
            if k is not None and table.start_minute[k] < cut_minute:
                options[a][d] = np.array([k], dtype=np.int64)
                kept[a, d] = True
                at[a, d] = 0
                continue
            opts = options[a][d]
            opts = opts[table.start_minute[opts] >= cut_minute]
            options[a][d] = opts
            if k is not None:
                pos = np.flatnonzero(opts == k)
                at[a, d] = int(pos[0]) if len(pos) else -2
    return at, kept


def _break_prefix(activities: pd.DataFrame, agents: Sequence[Agent],
                  options: list[list[np.ndarray]], tables: Mapping[tuple[str, int], ShiftTable],
                  kept: np.ndarray, breaks: Sequence[BreakSpec], horizon: Horizon,
                  cut_interval: int, profile_of: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """Per ``(profile, rule)``, the kept shifts' published breaks starting before the cut,
    counted per interval. Each break is matched to a rule the shift takes with the same
    activity and duration whose window holds it."""
    step = horizon.interval_minutes
    index = {a.agent_id: i for i, a in enumerate(agents)}
    pauses: dict[int, list[tuple[int, str, int]]] = {}
    for agent_id, start, end, act in zip(activities["agent_id"].astype(str),
                                         activities["start"], activities["end"],
                                         activities["activity"], strict=True):
        a = index.get(agent_id)
        if a is None or act not in ("break", "lunch"):
            continue
        b = int(round((pd.Timestamp(start) - horizon.start).total_seconds() / 60 / step))
        length = int(round((pd.Timestamp(end) - pd.Timestamp(start)).total_seconds() / 60
                           / step))
        if b < cut_interval:
            pauses.setdefault(a, []).append((b, str(act), length))
    out: dict[tuple[int, int], np.ndarray] = {}
    for a, d in zip(*np.nonzero(kept), strict=True):
        a, d = int(a), int(d)
        table = tables[(agents[a].contract, d)]
        k = int(options[a][d][0])
        s, e = int(table.start[k]), int(table.end[k])
        used: set[int] = set()
        for b, act, length in sorted(pauses.get(a, [])):
            if not s <= b < e:
                continue
            for r in np.flatnonzero(table.takes[k]):
                spec = breaks[int(r)]
                if (int(r) not in used and spec.activity == act and spec.duration == length
                        and spec.earliest <= b - s <= spec.latest):
                    used.add(int(r))
                    key = (int(profile_of[a]), int(r))
                    out.setdefault(key, np.zeros(cut_interval, dtype=np.int64))[b] += 1
                    break
    return out


@dataclass
class Solution:
    """A roster in the problem's terms (what every source of rosters produces; its objective:
    :func:`staffing.solver.solution.evaluate`, which re-exports it).

    Attributes
    ----------
    choice : ``(A, D)``: position in ``problem.options[a][d]`` of agent ``a``'s shift on day
        ``d``, or ``-1`` for a day off.
    break_starts : per ``(profile, rule)``, breaks starting in each interval (length ``T`` plus
        the rule's latest offset: breaks of late shifts may start after the horizon).
    split : ``(P, Q, T)``: agents of each profile serving each queue in each interval.
    """

    choice: np.ndarray
    break_starts: dict[tuple[int, int], np.ndarray]
    split: np.ndarray

    def shifts(self, problem: RosterProblem):
        """``(agent, day, table, candidate)`` of every shift worked."""
        for a, d in zip(*np.nonzero(self.choice >= 0), strict=True):
            a, d = int(a), int(d)
            yield a, d, problem.table(a, d), int(problem.options[a][d][self.choice[a, d]])
