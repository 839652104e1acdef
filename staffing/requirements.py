"""Stage 2 — from forecast to required agents per queue and interval, and back.

:func:`build_requirements` turns a forecast frame into the requirements format; and
:func:`expected_performance` gives, for agents actually scheduled, the service level, ASA,
abandonment and occupancy to expect (the coverage report uses it).

Each queue's channel picks the model (:mod:`staffing.erlang`):

======================  ===================================================================
voice                   Erlang C; Erlang A when ``patience_seconds`` is set
chat                    the concurrency model of :mod:`staffing.erlang.chat` (Erlang C or A
                        over ``agents x concurrency`` slots when ``concurrency_slowdown`` is 0)
email                   deferred work, :mod:`staffing.erlang.deferred`: every message answered
                        within ``response_within_hours``, backlog carried across intervals
======================  ===================================================================

Shrinkage of a queue in an interval, most specific first: a row of a ``shrinkage`` table
(columns ``queue, interval_start, shrinkage``); the last ``shrinkage_windows`` entry covering
the interval (and the queue); the queue's own ``shrinkage``; a ``shrinkage`` Series indexed by
``interval_start``; the ``shrinkage`` number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from staffing import erlang
from staffing.config import QueueConfig, ShrinkageWindow
from staffing.domain import WEEKDAYS
from staffing.erlang.chat import chat_performance
from staffing.erlang.deferred import deferred_performance, deferred_required_agents
from staffing.errors import DataError

__all__ = ["REQUIREMENTS_COLUMNS", "build_requirements", "check_forecast_columns",
           "expected_performance", "resolve_shrinkage"]

#: Columns of :func:`build_requirements`: the requirements format, then the extra columns.
REQUIREMENTS_COLUMNS = (
    "queue", "interval_start", "volume", "aht_seconds", "traffic_erlangs", "agents_required",
    "agents_required_with_shrinkage", "service_level", "asa_seconds", "occupancy",
    "abandon_rate", "backlog", "shrinkage", "model",
)

#: Columns of :func:`expected_performance`.
PERFORMANCE_COLUMNS = (
    "queue", "interval_start", "scheduled", "agents_available", "service_level", "asa_seconds",
    "abandon_rate", "occupancy", "backlog",
)

ShrinkageArg = float | pd.Series | pd.DataFrame


def build_requirements(
    forecast: pd.DataFrame,
    queues: Sequence[QueueConfig],
    *,
    interval_minutes: int,
    shrinkage: ShrinkageArg = 0.30,
    max_occupancy: float = 0.85,
    shrinkage_windows: Sequence[ShrinkageWindow] = (),
) -> pd.DataFrame:
    """Required agents per queue and interval (requirements format of ``docs/formats.md``).

    Parameters
    ----------
    forecast : forecast format (``queue, interval_start, volume, aht_seconds``; other columns
        are ignored). [contacts per interval, s]
    queues : queue configs (channel, service target, concurrency, patience, overrides); every
        queue of the forecast must be one of them.
    interval_minutes : interval length of the forecast. [min]
    shrinkage : fraction of paid time not available for contacts (absence, meetings,
        training; breaks and lunches are placed by the roster): a number, a Series indexed by
        ``interval_start``, or a frame ``queue, interval_start, shrinkage`` (see the module
        docstring for precedence). [fraction]
    max_occupancy : cap on the fraction of time an agent is busy, unless a queue sets its
        own. [fraction]
    shrinkage_windows : local time windows with their own shrinkage (``ShrinkageWindow``).

    Returns
    -------
    One row per queue and interval, columns :data:`REQUIREMENTS_COLUMNS`: the requirements
    format plus ``abandon_rate`` (Erlang A/chat with patience; else empty), ``backlog``
    (email: messages not yet answered at the interval's end), ``shrinkage`` (applied) and
    ``model`` (``erlang_c``, ``erlang_a``, ``chat`` or ``email``).
    """
    frame = _check_forecast(forecast, queues, interval_minutes)
    interval_seconds = interval_minutes * 60.0
    parts = []
    for queue in queues:
        rows = frame[frame["queue"] == queue.id]
        if rows.empty:
            continue
        rows = rows.sort_values("interval_start", kind="stable").reset_index(drop=True)
        volume = rows["volume"].to_numpy(float)
        aht = (np.full(len(rows), float(queue.aht_seconds)) if queue.aht_seconds is not None
               else rows["aht_seconds"].to_numpy(float))
        shrink = resolve_shrinkage(queue, rows["interval_start"], shrinkage, shrinkage_windows)
        occ = queue.max_occupancy if queue.max_occupancy is not None else max_occupancy
        traffic = volume * aht / interval_seconds
        out = pd.DataFrame({
            "queue": queue.id,
            "interval_start": rows["interval_start"],
            "volume": volume,
            "aht_seconds": aht,
            "traffic_erlangs": traffic,
        })
        if queue.channel == "email":
            _check_consecutive(rows["interval_start"], interval_minutes, queue.id)
            plan = deferred_required_agents(
                volume, aht, interval_minutes=interval_minutes,
                response_within_hours=queue.response_within_hours, max_occupancy=occ)
            agents = plan.agents.astype(np.int64)
            out["service_level"] = np.nan
            out["asa_seconds"] = plan.response_seconds
            out["occupancy"] = plan.occupancy
            out["abandon_rate"] = np.nan
            out["backlog"] = plan.backlog
            model = "email"
        else:
            targets = dict(
                service_level=queue.service_level,
                answer_within_seconds=queue.answer_within_seconds,
                asa_seconds=queue.asa_seconds, max_occupancy=occ,
                patience_seconds=queue.patience_seconds,
                max_abandon_rate=queue.max_abandon_rate,
            )
            agents = np.asarray(erlang.required_agents(
                traffic, aht, concurrency=queue.concurrency,
                concurrency_slowdown=queue.concurrency_slowdown, **targets), dtype=np.int64)
            metrics = _queue_metrics(queue, traffic, agents.astype(float), aht)
            busy = volume > 0
            out["service_level"] = np.where(busy, metrics.service_level, np.nan)
            out["asa_seconds"] = np.where(busy, metrics.asa_seconds, np.nan)
            out["occupancy"] = np.where(busy, metrics.occupancy, np.nan)
            out["abandon_rate"] = (np.where(busy, metrics.abandon_rate, np.nan)
                                   if queue.patience_seconds is not None else np.nan)
            out["backlog"] = np.nan
            model = ("chat" if queue.channel == "chat"
                     else "erlang_a" if queue.patience_seconds is not None else "erlang_c")
        out["agents_required"] = agents
        out["agents_required_with_shrinkage"] = with_shrinkage(agents, shrink)
        out["shrinkage"] = shrink
        out["model"] = model
        parts.append(out)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REQUIREMENTS_COLUMNS})
    result = pd.concat(parts, ignore_index=True)
    return result[list(REQUIREMENTS_COLUMNS)]


def with_shrinkage(agents, shrinkage) -> np.ndarray:
    """Agents to schedule so that ``agents`` remain after shrinkage: ``ceil(n / (1 - s))``."""
    agents = np.asarray(agents, dtype=float)
    needed = agents / (1.0 - np.asarray(shrinkage, dtype=float))
    return np.ceil(needed - 1e-9 * np.maximum(needed, 1.0)).astype(np.int64)


def expected_performance(
    requirements: pd.DataFrame,
    scheduled: pd.DataFrame,
    queues: Sequence[QueueConfig],
    *,
    interval_minutes: int,
    shrinkage: ShrinkageArg = 0.30,
    max_occupancy: float = 0.85,
    shrinkage_windows: Sequence[ShrinkageWindow] = (),
) -> pd.DataFrame:
    """Service level, ASA, abandonment and occupancy expected from agents scheduled.

    ``scheduled`` has ``queue, interval_start, scheduled`` (agents at their desk on the queue,
    before shrinkage); intervals of the requirements missing from it have 0 agents. Agents
    available are ``scheduled x (1 - shrinkage)``; when that is not a whole number the metrics
    are interpolated linearly between the whole numbers around it (the expectation when the
    available count is one of the two, with that mean). Email queues are run through the
    deferred-work model over the horizon (no backlog before its start; agents give
    ``max_occupancy`` of their time, or the queue's own cap): ``service_level`` is the share of
    each interval's messages answered within the target, ``asa_seconds`` the mean response
    time.

    Returns those keys with ``scheduled, agents_available, service_level, asa_seconds,
    abandon_rate, occupancy, backlog`` (:data:`PERFORMANCE_COLUMNS`).
    """
    req = requirements[["queue", "interval_start", "volume", "aht_seconds"]]
    sched = scheduled[["queue", "interval_start", "scheduled"]]
    merged = req.merge(sched, on=["queue", "interval_start"], how="left")
    merged["scheduled"] = merged["scheduled"].fillna(0).astype(float)
    by_id = {q.id: q for q in queues}
    unknown = sorted(set(merged["queue"]) - set(by_id))
    if unknown:
        raise DataError(f"requirements name queue{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(map(repr, unknown))} that the scenario does not define; "
                        f"valid: {', '.join(by_id)}")
    interval_seconds = interval_minutes * 60.0
    parts = []
    for queue_id, rows in merged.groupby("queue", sort=False):
        queue = by_id[queue_id]
        rows = rows.sort_values("interval_start", kind="stable").reset_index(drop=True)
        volume = rows["volume"].to_numpy(float)
        aht = rows["aht_seconds"].to_numpy(float)
        shrink = resolve_shrinkage(queue, rows["interval_start"], shrinkage, shrinkage_windows)
        available = rows["scheduled"].to_numpy(float) * (1.0 - shrink)
        out = pd.DataFrame({
            "queue": queue_id,
            "interval_start": rows["interval_start"],
            "scheduled": rows["scheduled"].to_numpy(),
            "agents_available": available,
        })
        if queue.channel == "email":
            _check_consecutive(rows["interval_start"], interval_minutes, queue.id)
            occ = queue.max_occupancy if queue.max_occupancy is not None else max_occupancy
            plan = deferred_performance(volume, aht, available, interval_minutes=interval_minutes,
                                        response_within_hours=queue.response_within_hours,
                                        max_occupancy=occ)
            out["service_level"] = plan.on_time
            out["asa_seconds"] = plan.response_seconds
            out["abandon_rate"] = np.nan
            out["occupancy"] = plan.occupancy
            out["backlog"] = plan.backlog
        else:
            traffic = volume * aht / interval_seconds
            low = np.floor(available + 1e-9)
            frac = np.clip(available - low, 0.0, 1.0)
            frac[frac < 1e-9] = 0.0
            m_low = _queue_metrics(queue, traffic, low, aht)
            m_high = _queue_metrics(queue, traffic, low + (frac > 0), aht)
            busy = volume > 0
            for name in ("service_level", "asa_seconds", "abandon_rate", "occupancy"):
                lo_v, hi_v = getattr(m_low, name), getattr(m_high, name)
                with np.errstate(invalid="ignore"):
                    value = np.where(frac > 0, lo_v + frac * (hi_v - lo_v), lo_v)
                # An infinite wait stays infinite; interpolation would give NaN.
                value = np.where(np.isinf(lo_v) & (frac < 1), lo_v, value)
                out[name] = np.where(busy, value, np.nan)
            if queue.patience_seconds is None:
                out["abandon_rate"] = np.nan
            out["backlog"] = np.nan
        parts.append(out)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PERFORMANCE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(PERFORMANCE_COLUMNS)]


# ---------------------------------------------------------------------------------- helpers
def _queue_metrics(queue: QueueConfig, traffic, agents, aht) -> erlang.QueueMetrics:
    if queue.channel == "chat":
        return chat_performance(traffic, agents, aht, concurrency=queue.concurrency,
                                concurrency_slowdown=queue.concurrency_slowdown,
                                answer_within_seconds=queue.answer_within_seconds,
                                patience_seconds=queue.patience_seconds)
    return erlang.performance(traffic, agents, aht,
                              answer_within_seconds=queue.answer_within_seconds,
                              patience_seconds=queue.patience_seconds)


def resolve_shrinkage(queue: QueueConfig, interval_starts: pd.Series, shrinkage: ShrinkageArg,
                      windows: Sequence[ShrinkageWindow] = ()) -> np.ndarray:
    """Shrinkage of ``queue`` in each interval (precedence in the module docstring)."""
    starts = pd.Series(interval_starts).reset_index(drop=True)
    count = len(starts)
    if isinstance(shrinkage, pd.DataFrame):
        missing = [c for c in ("queue", "interval_start", "shrinkage")
                   if c not in shrinkage.columns]
        if missing:
            raise DataError(f"a shrinkage table needs columns queue, interval_start, "
                            f"shrinkage; missing {', '.join(missing)}")
        table = shrinkage[shrinkage["queue"] == queue.id]
        base = (queue.shrinkage if queue.shrinkage is not None else np.nan)
        values = np.full(count, base, dtype=float)
        values = _apply_windows(values, queue, starts, windows)
        lookup = pd.Series(table["shrinkage"].to_numpy(float),
                           index=pd.DatetimeIndex(table["interval_start"]))
        found = starts.map(lookup).to_numpy(float)
        values = np.where(np.isnan(found), values, found)
        if np.isnan(values).any():
            first = starts[np.isnan(values)].iloc[0]
            raise DataError(f"shrinkage table has no row for queue {queue.id!r} at "
                            f"{first.isoformat()} (and the queue sets no shrinkage)")
    else:
        if isinstance(shrinkage, pd.Series):
            series = pd.Series(shrinkage.to_numpy(float), index=pd.DatetimeIndex(shrinkage.index))
            values = starts.map(series).to_numpy(float)
            if np.isnan(values).any():
                first = starts[np.isnan(values)].iloc[0]
                raise DataError(f"shrinkage series has no value for {first.isoformat()}; give "
                                "one per interval_start")
        else:
            values = np.full(count, float(shrinkage))
        if queue.shrinkage is not None:
            values = np.full(count, float(queue.shrinkage))
        values = _apply_windows(values, queue, starts, windows)
    if ((values < 0) | (values >= 1)).any():
        bad = values[(values < 0) | (values >= 1)][0]
        raise DataError(f"shrinkage must be >= 0 and < 1, got {bad:g} for queue {queue.id!r}")
    return values


def _apply_windows(values: np.ndarray, queue: QueueConfig, starts: pd.Series,
                   windows: Sequence[ShrinkageWindow]) -> np.ndarray:
    if not windows or starts.empty:
        return values
    values = values.copy()
    minutes = (starts.dt.hour * 60 + starts.dt.minute).to_numpy()
    weekday = starts.dt.day_of_week.to_numpy()
    for window in windows:
        if window.queues is not None and queue.id not in window.queues:
            continue
        lo = window.start.hour * 60 + window.start.minute
        hi = window.end.hour * 60 + window.end.minute
        inside = (minutes >= lo) & (minutes < hi) if lo < hi else (minutes >= lo) | (minutes < hi)
        days = np.isin(weekday, [WEEKDAYS.index(d) for d in window.days])
        values[inside & days] = window.shrinkage
    return values


def check_forecast_columns(forecast: pd.DataFrame, queue_ids: Sequence[str], *,
                           optional: str = "") -> None:
    """A forecast frame has ``queue, interval_start, volume, aht_seconds`` and only the
    scenario's queues; else a :class:`DataError` saying what to fix (``optional`` names columns
    the caller also reads when present)."""
    missing = [c for c in ("queue", "interval_start", "volume", "aht_seconds")
               if c not in forecast.columns]
    if missing:
        raise DataError(f"forecast is missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; it needs queue, interval_start, volume, "
                        f"aht_seconds{f' ({optional} optional)' if optional else ''}")
    unknown = sorted(set(forecast["queue"]) - set(queue_ids))
    if unknown:
        raise DataError(f"forecast has queue{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(map(repr, unknown))} that the scenario does not define; "
                        f"valid: {', '.join(queue_ids)}")


def _check_forecast(forecast: pd.DataFrame, queues: Sequence[QueueConfig],
                    interval_minutes: int) -> pd.DataFrame:
    check_forecast_columns(forecast, [q.id for q in queues])
    frame = forecast[["queue", "interval_start", "volume", "aht_seconds"]].copy()
    volume = pd.to_numeric(frame["volume"], errors="coerce")
    if volume.isna().any() or (volume < 0).any():
        row = int(np.flatnonzero((volume.isna() | (volume < 0)).to_numpy())[0])
        raise DataError(f"forecast row {row + 2}: volume must be a number >= 0, got "
                        f"{forecast['volume'].iloc[row]!r}")
    frame["volume"] = volume.astype(float)
    by_id = {q.id: q for q in queues}
    need_aht = frame["queue"].map(lambda q: by_id[q].aht_seconds is None).to_numpy(bool)
    aht = pd.to_numeric(frame["aht_seconds"], errors="coerce")
    bad = need_aht & (frame["volume"].to_numpy() > 0) & ~(aht > 0).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"forecast row {row + 2}: aht_seconds must be > 0 for queue "
                        f"{frame['queue'].iloc[row]!r} (or set queues[].aht_seconds), got "
                        f"{forecast['aht_seconds'].iloc[row]!r}")
    frame["aht_seconds"] = aht.fillna(1.0).where(aht > 0, 1.0).astype(float)
    if interval_minutes <= 0:
        raise DataError(f"interval_minutes must be > 0, got {interval_minutes}")
    return frame


def _check_consecutive(starts: pd.Series, interval_minutes: int, queue_id: str) -> None:
    if len(starts) < 2:
        return
    steps = np.diff((starts - starts.iloc[0]).dt.total_seconds().to_numpy()) / 60.0
    wrong = np.flatnonzero(steps != interval_minutes)
    if wrong.size:
        at = starts.iloc[int(wrong[0]) + 1]
        raise DataError(f"forecast for email queue {queue_id!r} is not a run of consecutive "
                        f"{interval_minutes}-min intervals (gap or repeat before "
                        f"{at.isoformat()}); deferred work is carried from one interval to "
                        "the next")
