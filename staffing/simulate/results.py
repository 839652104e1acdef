"""Replications in parallel, and their counts turned into frames per interval, day and week.

Every replication is summarised per queue and interval of *arrival* (contacts, answered,
abandoned, answered within the threshold, contacts with a verdict, total wait) and per queue
and interval of *time* (waiting at the interval's end, agent time busy and present). A frame's
ratio is pooled over replications (total answered within / total with a verdict), and its 95 %
interval is the ratio estimator's over replications (a t interval on the per-replication
residuals ``within_r - SL x verdicts_r``), so an interval where some replications see no
contact still has one.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from staffing.errors import ConfigError
from staffing.simulate.inputs import SimulationInput
from staffing.simulate.replication import ReplicationOutcome, SimulationOptions, run_one

__all__ = ["RESULT_COLUMNS", "SimulationResult", "interval_counts", "simulate"]

#: Columns of every frame of :class:`SimulationResult` after its keys.
RESULT_COLUMNS = (
    "contacts", "answered", "abandoned", "service_level", "service_level_low",
    "service_level_high", "asa_seconds", "abandoned_share", "occupancy", "backlog",
    "agents_present",
)

#: The counts kept per replication, queue and interval (see :func:`interval_counts`).
_COUNTS = ("contacts", "answered", "abandoned", "within", "verdicts", "wait_seconds",
           "backlog", "busy_seconds", "present_seconds")


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Simulated service per queue, over ``replications`` independent replications.

    Frames (one row per queue and interval / local day / week starting Monday), keys then
    :data:`RESULT_COLUMNS`:

    - ``contacts``, ``answered``, ``abandoned``: mean per replication, by interval of arrival
      (answered or abandoned by the horizon's end). [contacts]
    - ``service_level``: answered within the threshold / contacts with a verdict (answered,
      abandoned, or still waiting past the threshold at the horizon's end); abandons fail
      (the product's ``offered`` definition). Email: share whose handling *ended* within
      ``response_within_hours``. ``service_level_low/high``: its 95 % interval over
      replications. [fraction]
    - ``asa_seconds``: mean wait of answered contacts (email: mean time to the end of
      handling). [s]
    - ``abandoned_share``: abandoned / contacts. [fraction]
    - ``occupancy``: time handling the queue's contacts / time of agents present on it (a chat
      session counts ``1/concurrency``); with routing other than as-rostered, agents rostered
      elsewhere add to the numerator only, so it may exceed 1. [fraction]
    - ``backlog``: contacts waiting (not yet answered) at the end of the interval / day /
      week, mean per replication. [contacts]
    - ``agents_present``: mean agents at a desk rostered on the queue. [agents]

    Attributes
    ----------
    intervals, days, weeks : the frames above.
    replications : number of replications.
    options : how it was simulated.
    seed : root seed; replication ``r`` used ``SeedSequence(seed).spawn(replications)[r]``.
    counts : raw counts, ``{name: array (replications, Q, T)}`` (names in ``_COUNTS``).
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    weeks: pd.DataFrame
    replications: int
    options: SimulationOptions
    seed: int
    counts: dict


def simulate(inp: SimulationInput, *, replications: int = 20, routing: str = "as-rostered",
             seed: int = 0, processes: int | None = None, arrivals: str = "poisson",
             handle_time: str = "exponential", handle_time_cv: float = 1.0,
             absence: str = "shift", break_policy: str = "full",
             warm_start: bool = False, executor: Executor | None = None) -> SimulationResult:
    """Simulate the plan contact by contact, ``replications`` times.

    Parameters
    ----------
    inp : from :func:`~staffing.simulate.simulation_input`.
    replications : independent replications (>= 1; 2 or more for the intervals).
    routing : ``"as-rostered"``, ``"overflow"`` or ``"skill-priority"``.
    seed : root seed (replication ``r`` uses the seed sequence's child ``r``).
    processes : worker processes; ``None`` = as many as cores (at most ``replications``),
        1 = in this process. The outcome does not depend on it.
    executor : a :class:`concurrent.futures.Executor` to run the replications on instead
        (e.g. a Dask client's ``get_executor()``); ``processes`` is then ignored.
    arrivals, handle_time, handle_time_cv, absence, break_policy, warm_start : see
        :class:`~staffing.simulate.replication.SimulationOptions`.
    """
    if not (isinstance(replications, int | np.integer) and replications >= 1):
        raise ConfigError(f"replications must be a whole number >= 1, got {replications!r}")
    options = SimulationOptions(routing=routing, arrivals=arrivals, handle_time=handle_time,
                                handle_time_cv=handle_time_cv, absence=absence,
                                break_policy=break_policy, warm_start=warm_start)
    children = np.random.SeedSequence(seed).spawn(replications)
    if processes is None:
        processes = min(replications, os.cpu_count() or 1)
    if executor is not None:
        parts = list(executor.map(_counts_one, [inp] * replications,
                                  [options] * replications, children))
    elif processes <= 1 or replications == 1:
        parts = [_counts_one(inp, options, child) for child in children]
    else:
        workers = min(processes, replications)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_counts_one, [inp] * replications, [options] * replications,
                                  children, chunksize=-(-replications // workers)))
    counts = {name: np.stack([p[name] for p in parts]) for name in _COUNTS}
    return _result(inp, counts, options, seed)


def interval_counts(inp: SimulationInput, outcome: ReplicationOutcome) -> dict:
    """Counts per queue and interval of one replication, ``{name: array (Q, T)}``."""
    queues, count = inp.volume.shape
    step = inp.interval_seconds
    horizon = inp.horizon_seconds
    q = outcome.queue
    t = np.clip((outcome.arrival_seconds // step).astype(np.int64), 0, count - 1)
    inside = outcome.arrival_seconds >= 0          # not the warm-up's
    cell = q[inside] * count + t[inside]
    size = queues * count

    def per_cell(weights=None):
        if weights is not None:
            weights = weights[inside]
        return np.bincount(cell, weights=weights, minlength=size).reshape(queues, count)

    answered = outcome.status == 1
    abandoned = outcome.status == 2
    email = np.array([c == "email" for c in inp.channel])[q]
    threshold = inp.threshold_seconds[q]
    wait = np.where(email, outcome.end_seconds, outcome.leave_seconds) - outcome.arrival_seconds
    within = answered & (wait <= threshold)
    # A verdict: answered, abandoned, or still waiting past the threshold at the end.
    verdict = answered | abandoned | (horizon - outcome.arrival_seconds > threshold)
    # Email answered but still in service at the end without a known end: verdict only if late.
    unknown = answered & np.isnan(wait)
    verdict &= ~unknown | (horizon - outcome.arrival_seconds > threshold)
    verdict &= ~np.isnan(threshold)        # a queue with an ASA target only: no service level
    # Waiting at an interval's end: from the arrival's interval to the one it left in.
    left = np.where(outcome.status > 0, outcome.leave_seconds, np.inf)
    gone = np.clip(np.floor(left / step), 0, count).astype(np.int64)   # warm-up's gone: 0
    diff = np.zeros((queues, count + 1))
    np.add.at(diff, (q, t), 1.0)
    np.add.at(diff, (q, gone), -1.0)
    return {
        "contacts": per_cell().astype(float),
        "answered": per_cell(answered.astype(float)),
        "abandoned": per_cell(abandoned.astype(float)),
        "within": per_cell(within.astype(float)),
        "verdicts": per_cell(verdict.astype(float)),
        "wait_seconds": per_cell(np.where(answered & ~np.isnan(wait), wait, 0.0)),
        "backlog": np.cumsum(diff, axis=1)[:, :count],
        "busy_seconds": outcome.busy_seconds,
        "present_seconds": outcome.present_seconds,
    }


def _counts_one(inp, options, child):
    return interval_counts(inp, run_one(inp, options, child))


def _result(inp: SimulationInput, counts: dict, options: SimulationOptions,
            seed: int) -> SimulationResult:
    starts = inp.interval_starts
    dates = pd.Index(starts.date)
    day_values = np.array(sorted(set(dates)))
    day_of = pd.Index(day_values).get_indexer(dates)
    weeks = pd.Index([d - pd.Timedelta(days=d.weekday()) for d in dates])
    week_values = np.array(sorted(set(weeks)))
    week_of = pd.Index(week_values).get_indexer(weeks)
    reps = next(iter(counts.values())).shape[0]
    frames = {
        "intervals": _frame(inp, counts, np.arange(starts.size), "interval_start", starts),
        "days": _frame(inp, counts, day_of, "date", day_values),
        "weeks": _frame(inp, counts, week_of, "week_start", week_values),
    }
    return SimulationResult(replications=reps, options=options, seed=seed, counts=counts,
                            **frames)


def _frame(inp: SimulationInput, counts: dict, group: np.ndarray, key: str,
           keys) -> pd.DataFrame:
    """Sum the counts over the intervals of each group; backlog at the group's last one."""
    groups = len(keys)
    reps, queues, count = counts["contacts"].shape
    summed = {}
    for name, arr in counts.items():
        if name == "backlog":
            last = np.zeros(groups, dtype=np.int64)
            np.maximum.at(last, group, np.arange(count))
            summed[name] = arr[:, :, last]
        else:
            out = np.zeros((reps, queues, groups))
            np.add.at(out, (slice(None), slice(None), group), arr)
            summed[name] = out
    total = {name: arr.sum(axis=0) for name, arr in summed.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        sl = total["within"] / total["verdicts"]
        # Ratio estimator's standard error over replications.
        resid = summed["within"] - sl[None] * summed["verdicts"]
        mean_v = total["verdicts"] / reps
        if reps > 1:
            se = np.sqrt((resid ** 2).sum(axis=0) / (reps * (reps - 1))) / mean_v
            half = stats.t.ppf(0.975, reps - 1) * se
        else:
            half = np.full(sl.shape, np.nan)
        low = np.clip(sl - half, 0.0, 1.0)
        high = np.clip(sl + half, 0.0, 1.0)
        asa = total["wait_seconds"] / total["answered"]
        abandoned_share = total["abandoned"] / total["contacts"]
        occupancy = total["busy_seconds"] / total["present_seconds"]
    span = np.bincount(group, minlength=groups) * inp.interval_seconds
    parts = []
    for k, queue in enumerate(inp.queue_ids):
        parts.append(pd.DataFrame({
            "queue": queue,
            key: keys,
            "contacts": total["contacts"][k] / reps,
            "answered": total["answered"][k] / reps,
            "abandoned": total["abandoned"][k] / reps,
            "service_level": sl[k],
            "service_level_low": low[k],
            "service_level_high": high[k],
            "asa_seconds": asa[k],
            "abandoned_share": abandoned_share[k],
            "occupancy": occupancy[k],
            "backlog": total["backlog"][k] / reps,
            "agents_present": total["present_seconds"][k] / reps / span,
        }))
    return pd.concat(parts, ignore_index=True)
