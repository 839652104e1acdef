"""The simulation's inputs: flat arrays built from frames a plan already has.

:func:`simulation_input` takes the forecast frame, the activities frame, the agents and the
scenario config and returns a :class:`SimulationInput`: per queue and interval the volume, its
prediction band and the AHT; per queue the channel, threshold, concurrency and patience; per
agent the skills' priorities and the rostered segments (serving a queue, or on a break) in
seconds from the horizon's start, grouped into shifts with each shift's absence probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.config import QueueConfig, ScenarioConfig
from staffing.domain import WEEKDAYS, Agent
from staffing.errors import DataError
from staffing.requirements import check_forecast_columns

__all__ = ["CHANNELS", "SimulationInput", "simulation_input"]

#: Segment kinds below 0 (a queue index is >= 0): a break or lunch, and an absence.
BREAK = -1
AWAY = -2

#: Channel codes of :attr:`SimulationInput.channel`.
CHANNELS = ("voice", "chat", "email")

#: Activities that pause an agent (the break policy applies to them).
PAUSES = ("break", "lunch")


@dataclass(frozen=True, eq=False)
class SimulationInput:
    """Everything one replication needs, as arrays (queues ``Q``, intervals ``T``, agents ``A``).

    Attributes
    ----------
    queue_ids : ids of the queues, in the scenario's order.
    channel : per queue, ``"voice"``, ``"chat"`` or ``"email"``.
    interval_starts : aware interval starts of the horizon (local zone, DST-correct).
    interval_seconds : interval length. [s]
    volume, volume_lower, volume_upper : contacts offered per queue and interval (point
        forecast and prediction band), shape ``(Q, T)``. [contacts]
    band_coverage : nominal coverage of the band (``forecast.interval_coverage``). [fraction]
    aht_seconds : mean handle time per queue and interval, ``(Q, T)``; for chat the session
        length at full concurrency. [s]
    threshold_seconds : per queue, the service-level threshold: ``answer_within_seconds``
        (voice, chat; NaN without one) or ``response_within_hours`` x 3600 (email). [s]
    concurrency : per queue, most sessions an agent holds at once. [sessions]
    concurrency_slowdown : per queue, the chat model's slowdown ``s``. [fraction]
    patience_seconds : per queue, mean patience of a waiting contact; ``inf`` = nobody
        leaves. [s]
    shrinkage : per queue and interval, ``(Q, T)``. [fraction]
    agent_ids : the agents, in the order of ``skill_priority`` rows.
    skill_priority : ``(A, Q)``, the agent's priority on the queue (1 = primary), 0 without
        the skill.
    segment_ptr : ``(A + 1,)``, agent ``a``'s segments are ``segment_ptr[a]:segment_ptr[a+1]``.
    segment_start_seconds, segment_end_seconds : segment bounds from the horizon's start. [s]
    segment_activity : the queue index served, or -1 for a break or lunch.
    segment_shift : index of the shift the segment belongs to (contiguous segments of one
        agent form a shift).
    shift_absence_probability : per shift, the chance the agent is absent for all of it: the
        shrinkage averaged over the shift's serving time. [fraction]
    """

    queue_ids: tuple[str, ...]
    channel: tuple[str, ...]
    interval_starts: pd.DatetimeIndex
    interval_seconds: float
    volume: np.ndarray
    volume_lower: np.ndarray
    volume_upper: np.ndarray
    band_coverage: float
    aht_seconds: np.ndarray
    threshold_seconds: np.ndarray
    concurrency: np.ndarray
    concurrency_slowdown: np.ndarray
    patience_seconds: np.ndarray
    shrinkage: np.ndarray
    agent_ids: tuple[str, ...]
    skill_priority: np.ndarray
    segment_ptr: np.ndarray
    segment_start_seconds: np.ndarray
    segment_end_seconds: np.ndarray
    segment_activity: np.ndarray
    segment_shift: np.ndarray
    shift_absence_probability: np.ndarray

    @property
    def horizon_seconds(self) -> float:
        """Length of the horizon. [s]"""
        return self.interval_starts.size * self.interval_seconds


def simulation_input(forecast: pd.DataFrame, activities: pd.DataFrame, agents: Sequence[Agent],
                     config: ScenarioConfig, *,
                     shrinkage: float | pd.DataFrame | None = None) -> SimulationInput:
    """Arrays for :func:`~staffing.simulate.simulate` from a plan's frames.

    Parameters
    ----------
    forecast : forecast format: ``queue, interval_start, volume, aht_seconds`` and optionally
        ``volume_lower, volume_upper`` (else the band is the point). Intervals of the horizon
        missing from it have no contacts. [contacts, s]
    activities : activities format: ``agent_id, start, end, activity`` (a queue id, ``break``
        or ``lunch``), aware timestamps.
    agents : the agents (skills and priorities); every agent of ``activities`` must be one.
    config : the scenario config (queues, horizon, interval, shrinkage, forecast coverage).
    shrinkage : overrides the config's: a fraction, or a frame ``queue, interval_start,
        shrinkage`` such as the requirements frame. [fraction]
    """
    config = getattr(config, "config", config)          # a Scenario works too
    intervals = config.horizon_.intervals()
    step = config.interval_minutes * 60.0
    queues = tuple(config.queues)
    ids = tuple(q.id for q in queues)
    volume, lower, upper, aht = _forecast_grid(forecast, queues, intervals)
    shrink = _shrinkage_grid(config, queues, intervals, shrinkage)
    agent_ids, priority = _skills(agents, ids)
    ptr, seg_start, seg_end, seg_act, seg_shift, absence = _segments(
        activities, agent_ids, ids, intervals, step, shrink)
    threshold = np.array([
        q.response_within_hours * 3600.0 if q.channel == "email"
        else (q.answer_within_seconds if q.answer_within_seconds is not None else np.nan)
        for q in queues], dtype=float)
    return SimulationInput(
        queue_ids=ids,
        channel=tuple(q.channel for q in queues),
        interval_starts=intervals,
        interval_seconds=step,
        volume=volume, volume_lower=lower, volume_upper=upper,
        band_coverage=float(config.forecast.interval_coverage),
        aht_seconds=aht,
        threshold_seconds=threshold,
        concurrency=np.array([q.concurrency for q in queues], dtype=np.int64),
        concurrency_slowdown=np.array([q.concurrency_slowdown for q in queues], dtype=float),
        patience_seconds=np.array([q.patience_seconds if q.patience_seconds is not None
                                   else np.inf for q in queues], dtype=float),
        shrinkage=shrink,
        agent_ids=agent_ids,
        skill_priority=priority,
        segment_ptr=ptr, segment_start_seconds=seg_start, segment_end_seconds=seg_end,
        segment_activity=seg_act, segment_shift=seg_shift,
        shift_absence_probability=absence,
    )


# ---------------------------------------------------------------------------------- helpers
def _forecast_grid(forecast: pd.DataFrame, queues: Sequence[QueueConfig],
                   intervals: pd.DatetimeIndex):
    check_forecast_columns(forecast, [q.id for q in queues],
                           optional="volume_lower, volume_upper")
    shape = (len(queues), intervals.size)
    volume, lower, upper = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    aht = np.ones(shape)
    starts = pd.to_datetime(forecast["interval_start"], utc=True)
    where = pd.Index(intervals.tz_convert("UTC")).get_indexer(starts)
    for k, queue in enumerate(queues):
        rows = (forecast["queue"] == queue.id).to_numpy() & (where >= 0)
        pos = where[rows]
        vol = forecast["volume"].to_numpy(float)[rows]
        if np.isnan(vol).any() or (vol < 0).any():
            raise DataError(f"forecast: volume of queue {queue.id!r} must be numbers >= 0")
        volume[k, pos] = vol
        lo = (forecast["volume_lower"].to_numpy(float)[rows] if "volume_lower" in forecast
              else vol)
        hi = (forecast["volume_upper"].to_numpy(float)[rows] if "volume_upper" in forecast
              else vol)
        lower[k, pos] = np.where(np.isnan(lo), vol, lo)
        upper[k, pos] = np.where(np.isnan(hi), vol, hi)
        if queue.aht_seconds is not None:
            aht[k, :] = queue.aht_seconds
        else:
            h = forecast["aht_seconds"].to_numpy(float)[rows]
            bad = (vol > 0) & ~(h > 0)
            if bad.any():
                raise DataError(f"forecast: aht_seconds of queue {queue.id!r} must be > 0 "
                                f"wherever there is volume, got {h[bad][0]!r}; or set "
                                "queues[].aht_seconds")
            aht[k, pos] = np.where(h > 0, h, 1.0)
    return volume, lower, upper, aht


def _shrinkage_grid(config: ScenarioConfig, queues: Sequence[QueueConfig],
                    intervals: pd.DatetimeIndex, override) -> np.ndarray:
    """Shrinkage per queue and interval: a table, else windows, else queue, else scenario."""
    shape = (len(queues), intervals.size)
    if isinstance(override, pd.DataFrame):
        need = [c for c in ("queue", "interval_start", "shrinkage") if c not in override]
        if need:
            raise DataError(f"a shrinkage table needs columns queue, interval_start, "
                            f"shrinkage; missing {', '.join(need)}")
        out = np.full(shape, np.nan)
        where = pd.Index(intervals.tz_convert("UTC")).get_indexer(
            pd.to_datetime(override["interval_start"], utc=True))
        for k, queue in enumerate(queues):
            rows = (override["queue"] == queue.id).to_numpy() & (where >= 0)
            out[k, where[rows]] = override["shrinkage"].to_numpy(float)[rows]
        fallback = _shrinkage_grid(config, queues, intervals, None)
        out = np.where(np.isnan(out), fallback, out)
    else:
        base = float(config.shrinkage if override is None else override)
        out = np.empty(shape)
        local = intervals
        minutes = np.asarray(local.hour * 60 + local.minute)
        weekday = np.asarray(local.day_of_week)
        for k, queue in enumerate(queues):
            row = np.full(intervals.size, base)
            if override is None and queue.shrinkage is not None:
                row[:] = queue.shrinkage
            if override is None:
                for window in config.shrinkage_windows:
                    if window.queues is not None and queue.id not in window.queues:
                        continue
                    lo = window.start.hour * 60 + window.start.minute
                    hi = window.end.hour * 60 + window.end.minute
                    inside = ((minutes >= lo) & (minutes < hi) if lo < hi
                              else (minutes >= lo) | (minutes < hi))
                    days = np.isin(weekday, [WEEKDAYS.index(d) for d in window.days])
                    row[inside & days] = window.shrinkage
            out[k] = row
    if ((out < 0) | (out >= 1)).any():
        raise DataError(f"shrinkage must be >= 0 and < 1, got {out[(out < 0) | (out >= 1)][0]:g}")
    return out


def _skills(agents: Sequence[Agent], ids: Sequence[str]):
    agent_ids = tuple(a.agent_id for a in agents)
    if len(set(agent_ids)) != len(agent_ids):
        raise DataError("agents: every agent_id must be unique")
    priority = np.zeros((len(agents), len(ids)), dtype=np.int64)
    for a, agent in enumerate(agents):
        for skill in agent.skills:
            if skill.queue in ids:
                priority[a, ids.index(skill.queue)] = skill.priority
    return agent_ids, priority


def _segments(activities: pd.DataFrame, agent_ids, ids, intervals, step, shrink):
    missing = [c for c in ("agent_id", "start", "end", "activity") if c not in activities]
    if missing:
        raise DataError(f"activities is missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; it needs agent_id, start, end, activity")
    origin = intervals[0].tz_convert("UTC") if intervals.size else pd.Timestamp(0, tz="UTC")
    start = ((pd.to_datetime(activities["start"], utc=True) - origin)
             .dt.total_seconds().to_numpy(float))
    end = ((pd.to_datetime(activities["end"], utc=True) - origin)
           .dt.total_seconds().to_numpy(float))
    index = {a: i for i, a in enumerate(agent_ids)}
    agent = activities["agent_id"].astype(str).map(index)
    if agent.isna().any():
        bad = activities["agent_id"][agent.isna()].iloc[0]
        raise DataError(f"activities: agent {bad!r} is not among the agents given")
    codes = {q: k for k, q in enumerate(ids)} | {p: BREAK for p in PAUSES}
    act = activities["activity"].astype(str).map(codes)
    if act.isna().any():
        bad = activities["activity"][act.isna()].iloc[0]
        raise DataError(f"activities: activity {bad!r} is neither a queue "
                        f"({', '.join(ids)}) nor one of {', '.join(PAUSES)}")
    if (end <= start).any():
        row = int(np.flatnonzero(end <= start)[0]) + 2
        raise DataError(f"activities: row {row}: end must be after start")
    agent = agent.to_numpy(np.int64)
    act = act.to_numpy(np.int64)
    order = np.lexsort((start, agent))
    agent, start, end, act = agent[order], start[order], end[order], act[order]
    same = np.concatenate([[False], agent[1:] == agent[:-1]])
    if (same & (start < np.concatenate([[np.inf], end[:-1]]))).any():
        at = int(np.flatnonzero(same & (start < np.concatenate([[np.inf], end[:-1]])))[0])
        raise DataError(f"activities: agent {agent_ids[agent[at]]!r} has overlapping "
                        "activities")
    new_shift = ~same | (start > np.concatenate([[np.inf], end[:-1]]))
    shift = np.cumsum(new_shift) - 1
    ptr = np.searchsorted(agent, np.arange(len(agent_ids) + 1))
    # Absence probability of a shift: shrinkage averaged over its serving time.
    shifts = int(shift[-1]) + 1 if shift.size else 0
    weighted = np.zeros(shifts)
    total = np.zeros(shifts)
    count = shrink.shape[1]
    for j in np.flatnonzero(act >= 0):
        t0, t1 = max(start[j], 0.0), min(end[j], count * step)
        if t1 <= t0:
            continue
        i0, i1 = int(t0 // step), int(np.ceil(t1 / step))
        edges = np.clip(np.arange(i0, i1 + 1) * step, t0, t1)
        part = np.diff(edges)
        weighted[shift[j]] += float(part @ shrink[act[j], i0:i1])
        total[shift[j]] += part.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        absence = np.where(total > 0, weighted / total, 0.0)
    return ptr.astype(np.int64), start, end, act, shift.astype(np.int64), absence
