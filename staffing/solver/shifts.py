"""Shift candidates: every shift a contract allows on each day of the horizon.

A candidate is a start on the ``shift_rules.start_step_minutes`` grid of local wall-clock time
(within the contract's start window) and a length from the contract's minimum to its maximum in
``length_step_minutes`` steps. Everything the rules need is precomputed per candidate as numpy
arrays aligned by candidate: interval indices of start and end on the horizon grid (the end may
lie past the horizon: a night shift on the last day), absolute minutes from the start of the
horizon (DST-correct: a shift lasts its length in real time), local start time, paid minutes,
whether it is a night or late shift, and which breaks it takes.

Times are indices on the absolute interval grid of :class:`~staffing.timegrid.Horizon`: interval
``i`` starts ``i * interval_minutes`` real minutes after local midnight of the first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.config import BreakRule, ContractConfig, ShiftRules
from staffing.timegrid import Horizon, interval_grid

# The break rules in interval units are here, below the problem; staffing.solver.breaks (every
# other thing about breaks) re-exports them.
__all__ = ["BreakSpec", "ShiftTable", "break_specs", "breaks_taken", "local_minutes",
           "shift_table"]

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class BreakSpec:
    """A break rule in interval units.

    Attributes
    ----------
    index : position in ``shift_rules.breaks``.
    activity : ``break`` or ``lunch``.
    duration : length. [intervals]
    earliest, latest : window of the break start, after the shift start. [intervals]
    min_shift_minutes : shifts shorter than this skip the break. [min]
    paid : whether the time is paid.
    """

    index: int
    activity: str
    duration: int
    earliest: int
    latest: int
    min_shift_minutes: int
    paid: bool


def break_specs(breaks: tuple[BreakRule, ...], interval_minutes: int) -> tuple[BreakSpec, ...]:
    """The break rules in interval units (their minutes are multiples of the interval)."""
    step = interval_minutes
    return tuple(
        BreakSpec(
            index=i, activity=b.activity, duration=max(1, b.duration_minutes // step),
            earliest=b.earliest_after_start_minutes // step,
            latest=b.latest_after_start_minutes // step,
            min_shift_minutes=b.min_shift_minutes, paid=b.paid,
        )
        for i, b in enumerate(breaks)
    )


def breaks_taken(length: np.ndarray, breaks: tuple[BreakSpec, ...], step: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For shifts of ``length`` minutes: ``takes[k, r]`` whether shift ``k`` takes break rule
    ``r`` (it is at least the rule's ``min_shift_minutes`` long), and its unpaid break minutes."""
    takes = np.zeros((len(length), len(breaks)), dtype=bool)
    unpaid = np.zeros(len(length), dtype=np.int64)
    for r, spec in enumerate(breaks):
        takes[:, r] = length >= spec.min_shift_minutes
        if not spec.paid:
            unpaid += np.where(takes[:, r], spec.duration * step, 0)
    return takes, unpaid


@dataclass(frozen=True)
class ShiftTable:
    """Every shift one contract allows on one day, as aligned arrays (one entry per candidate).

    Attributes
    ----------
    contract : contract name.
    day : day index in the horizon (0 = first day).
    start, end : interval indices on the horizon grid; ``end`` is exclusive and may exceed the
        horizon's interval count.
    start_minute, end_minute : real minutes from the start of the horizon. [min]
    local_start : local wall-clock start. [min after midnight]
    length : shift length, unpaid breaks included. [min]
    paid : paid minutes (length less unpaid breaks taken). [min]
    night : at least ``night_min_minutes`` inside the night window.
    late : not a night shift, and ends after ``late_end`` (or past midnight). 
    takes : ``takes[k, r]`` is true when candidate ``k`` takes break rule ``r``.
    in_window : the start lies in the contract's start window (always true unless the table was
        built with ``whole_day=True``, as the explanation does).
    """

    contract: str
    day: int
    start: np.ndarray
    end: np.ndarray
    start_minute: np.ndarray
    end_minute: np.ndarray
    local_start: np.ndarray
    length: np.ndarray
    paid: np.ndarray
    night: np.ndarray
    late: np.ndarray
    takes: np.ndarray
    in_window: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def contract_lengths(contract: ContractConfig, rules: ShiftRules) -> np.ndarray:
    """Shift lengths a contract allows: min, min + step, ..., and max itself. [min]"""
    lengths = list(range(contract.min_shift_minutes, contract.max_shift_minutes + 1,
                         rules.length_step_minutes))
    if lengths[-1] != contract.max_shift_minutes:
        lengths.append(contract.max_shift_minutes)
    return np.asarray(lengths, dtype=np.int64)


def in_start_window(local_minutes: np.ndarray, earliest: dt.time, latest: dt.time) -> np.ndarray:
    """Whether local start times lie in ``earliest..latest`` (inclusive; wraps past midnight
    when ``latest < earliest``, e.g. 22:00-02:00)."""
    lo = earliest.hour * 60 + earliest.minute
    hi = latest.hour * 60 + latest.minute
    if lo <= hi:
        return (local_minutes >= lo) & (local_minutes <= hi)
    return (local_minutes >= lo) | (local_minutes <= hi)


def local_minutes(stamps: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock minutes after local midnight of aware timestamps."""
    return np.asarray(stamps.hour * 60 + stamps.minute, dtype=np.int64)


@dataclass(frozen=True)
class _Grid:
    """The horizon grid extended by two days (shifts starting on the last day run past it)."""

    interval_minutes: int
    stamps: pd.DatetimeIndex
    local_minute: np.ndarray
    local_day: np.ndarray      # local date of each interval as days from the first date
    night_cum: np.ndarray      # cumulative night minutes, length len(stamps) + 1


_GRID_CACHE: dict[tuple, _Grid] = {}


def _grid(horizon: Horizon, rules: ShiftRules) -> _Grid:
    key = (horizon, rules.night_start, rules.night_end)
    cached = _GRID_CACHE.get(key)
    if cached is not None:
        return cached
    stamps = interval_grid(horizon.start_date, horizon.days + 2, horizon.interval_minutes,
                           horizon.time_zone)
    minute = local_minutes(stamps)
    first = pd.Timestamp(horizon.start_date)
    local_day = np.asarray((stamps.tz_localize(None).normalize() - first).days, dtype=np.int64)
    step = horizon.interval_minutes
    ns = rules.night_start.hour * 60 + rules.night_start.minute
    ne = rules.night_end.hour * 60 + rules.night_end.minute
    lo, hi = minute, minute + step
    if ns < ne:
        overlap = np.clip(np.minimum(hi, ne) - np.maximum(lo, ns), 0, None)
    elif ns > ne:
        overlap = (np.clip(np.minimum(hi, MINUTES_PER_DAY) - np.maximum(lo, ns), 0, None)
                   + np.clip(np.minimum(hi, ne) - np.maximum(lo, 0), 0, None))
    else:
        overlap = np.zeros_like(minute)
    night_cum = np.concatenate([[0], np.cumsum(overlap)])
    grid = _Grid(step, stamps, minute, local_day, night_cum)
    if len(_GRID_CACHE) > 32:
        _GRID_CACHE.clear()
    _GRID_CACHE[key] = grid
    return grid


def shift_table(
    contract_name: str,
    contract: ContractConfig,
    day: int,
    *,
    horizon: Horizon,
    rules: ShiftRules,
    breaks: tuple[BreakSpec, ...],
    whole_day: bool = False,
) -> ShiftTable:
    """Every shift ``contract`` allows starting on ``day`` of ``horizon``.

    Starts are local wall-clock times on the start grid inside the contract's window
    (``whole_day=True`` keeps every start of the day and flags the window in ``in_window``); a
    local time skipped by a spring-forward change is left out, and a repeated fall-back time is
    taken at its first occurrence.
    """
    step = horizon.interval_minutes
    grid = _grid(horizon, rules)
    date = horizon.start_date + dt.timedelta(days=day)
    minutes = np.arange(0, MINUTES_PER_DAY, rules.start_step_minutes, dtype=np.int64)
    window = in_start_window(minutes, contract.earliest_start, contract.latest_start)
    if not whole_day:
        minutes, window = minutes[window], window[window]
    naive = pd.DatetimeIndex(pd.Timestamp(date) + pd.to_timedelta(minutes, unit="min"))
    stamps = naive.tz_localize(horizon.time_zone, ambiguous=np.ones(len(naive), dtype=bool),
                               nonexistent="NaT")
    ok = ~stamps.isna()
    offset = (stamps[ok] - horizon.start).total_seconds().to_numpy() / 60.0
    on_grid = np.isclose(offset % step, 0)
    starts = (offset[on_grid] // step).astype(np.int64)
    local = minutes[ok][on_grid]
    window = window[ok][on_grid]
    lengths = contract_lengths(contract, rules)
    n_s, n_l = len(starts), len(lengths)
    start = np.repeat(starts, n_l)
    length = np.tile(lengths, n_s)
    end = start + length // step
    # Lengths that are not a multiple of the interval round the end up (config forbids them).
    end = np.where(length % step, end + 1, end)
    night_minutes = grid.night_cum[np.minimum(end, len(grid.stamps))] - grid.night_cum[start]
    night = night_minutes >= rules.night_min_minutes
    end_clipped = np.minimum(end, len(grid.stamps) - 1)
    end_day = grid.local_day[end_clipped]
    end_local = grid.local_minute[end_clipped]
    late_min = rules.late_end.hour * 60 + rules.late_end.minute
    late = ~night & ((end_day > day) | (end_local > late_min))
    takes, unpaid = breaks_taken(length, breaks, step)
    return ShiftTable(
        contract=contract_name, day=day, start=start, end=end,
        start_minute=start * step, end_minute=start * step + length,
        local_start=np.repeat(local, n_l), length=length, paid=length - unpaid,
        night=night, late=late, takes=takes, in_window=np.repeat(window, n_l),
    )
