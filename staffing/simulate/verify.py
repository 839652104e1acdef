"""Verification: where the simulation shows a queue short of its target, raise its
requirements there by what is missing.

The per-interval formulas (:mod:`staffing.erlang`) are optimistic where the simulation sees
what they cannot (contacts in hand when an activity ends, absence of whole shifts, the queue
carried into the next interval) and wrong both ways in overload. Verification measures their
error on the plan itself and corrects the requirements:

1. Each voice and chat queue with a service-level target is cut into blocks of
   ``block_minutes`` within each local day. A block is *short* when its simulated service
   level, pooled over the replications (answered within the threshold / contacts with a
   verdict), is below the target.
2. In a short block the formula's own service level (volume-weighted, for the agents
   scheduled) is ``f`` and the simulation's is ``s``; the shortfall is ``target - s``. Each
   interval of the block gets the fewest extra rostered agents ``k`` for which the formula
   promises ``f_i + (target - s)`` (at most :data:`MAX_TARGET`): the formula's optimism
   measured on the block is added to the target. The interval's
   ``agents_required_with_shrinkage`` becomes at least ``scheduled + k``.
3. The roster is solved again against the raised requirements, from the previous roster,
   and simulated again; :func:`staffing.plan.plan` repeats this for ``max_rounds`` rounds.
   A round is kept only if it lowers the plan's simulated shortfall (:func:`shortfall_score`,
   points missed per queue and day, each queue's target counting the same): where the agents
   are too few for every target (a promotion week with no extra staff), raising one queue
   only moves agents from another, and the round is undone.

Email queues are not raised: their simulated service (FCFS over the whole response window)
is reported beside the backlog formula's, which is the pessimistic one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.config import ScenarioConfig
from staffing.requirements import expected_performance
from staffing.simulate.results import SimulationResult

__all__ = ["EMAIL_ON_TIME", "MAX_EXTRA_AGENTS", "MAX_TARGET", "Shortfall", "raise_requirements",
           "shortfall_score", "shortfalls"]

#: Share of an email queue's messages to answer within ``response_within_hours`` [fraction]:
#: all of them, up to the rounding of the models.
EMAIL_ON_TIME = 0.99

#: The highest service level the raised target asks of the formula. [fraction]
MAX_TARGET = 0.995
#: The most agents one round adds to one interval. [agents]
MAX_EXTRA_AGENTS = 12


@dataclass(frozen=True)
class Shortfall:
    """A block of a queue's intervals whose simulated service level misses the target.

    Attributes
    ----------
    queue : the queue.
    block_start : the block's first interval start (aware, local).
    intervals : the block's interval starts.
    target : the queue's service-level target. [fraction]
    simulated : the block's simulated service level, pooled over replications. [fraction]
    formula : the formula's service level for the agents scheduled (volume-weighted). [fraction]
    """

    queue: str
    block_start: pd.Timestamp
    intervals: tuple[pd.Timestamp, ...]
    target: float
    simulated: float
    formula: float


def _blocks(starts: pd.DatetimeIndex, block_minutes: int) -> np.ndarray:
    """Block number of each interval: blocks of ``block_minutes`` of local wall-clock time,
    restarting each local day."""
    local = starts.tz_localize(None) if starts.tz is not None else starts
    minutes = local.hour * 60 + local.minute
    day = pd.Index(starts.date)
    days = pd.Index(sorted(set(day)))
    return days.get_indexer(day) * (24 * 60 // block_minutes + 1) + minutes // block_minutes


def shortfalls(simulation: SimulationResult, coverage: pd.DataFrame, config: ScenarioConfig,
               *, block_minutes: int = 120) -> tuple[Shortfall, ...]:
    """The blocks of each voice and chat queue whose simulated service level misses the
    queue's target (see the module's docstring). ``coverage`` is the plan's coverage with the
    formula's ``service_level`` and the ``volume`` of each interval."""
    counts = simulation.counts
    within = counts["within"].sum(axis=0)          # (Q, T), summed over replications
    verdicts = counts["verdicts"].sum(axis=0)
    starts = simulation.intervals["interval_start"].drop_duplicates().sort_values()
    starts = pd.DatetimeIndex(starts)
    block = _blocks(starts, block_minutes)
    queue_ids = list(dict.fromkeys(simulation.intervals["queue"]))
    found: list[Shortfall] = []
    for k, queue_id in enumerate(queue_ids):
        queue = config.queue(queue_id)
        if queue.channel == "email" or not queue.service_level:
            continue
        cov = coverage[coverage["queue"] == queue_id].set_index("interval_start")
        formula = cov["service_level"].reindex(starts).to_numpy(float)
        volume = cov["volume"].reindex(starts).to_numpy(float) if "volume" in cov else \
            np.ones(starts.size)
        for b in np.unique(block):
            idx = np.flatnonzero(block == b)
            v = verdicts[k, idx].sum()
            if v <= 0:
                continue
            simulated = within[k, idx].sum() / v
            if simulated >= queue.service_level:
                continue
            weight = np.nan_to_num(volume[idx])
            ok = ~np.isnan(formula[idx]) & (weight > 0)
            f = float(np.average(formula[idx][ok], weights=weight[ok])) if ok.any() else np.nan
            found.append(Shortfall(queue_id, starts[idx[0]], tuple(starts[idx]),
                                   float(queue.service_level), float(simulated), f))
    return tuple(found)


def raise_requirements(requirements: pd.DataFrame, coverage: pd.DataFrame,
                       found: tuple[Shortfall, ...], config: ScenarioConfig) -> pd.DataFrame:
    """``requirements`` with ``agents_required_with_shrinkage`` raised in the short blocks
    (step 2 of the module's docstring) and a column ``verification_added`` counting the
    agents verification added to each interval so far. [agents]"""
    out = requirements.copy()
    if "verification_added" not in out.columns:
        out["verification_added"] = 0
    if not found:
        return out
    rows = []
    for short in found:
        gain = max(0.0, short.target - short.simulated)
        for start in short.intervals:
            rows.append((short.queue, start, gain))
    wanted = pd.DataFrame(rows, columns=["queue", "interval_start", "gain"])
    base = coverage[["queue", "interval_start", "scheduled", "service_level"]].merge(
        wanted, on=["queue", "interval_start"])
    goal = np.minimum(MAX_TARGET, base["service_level"].fillna(0.0).to_numpy() +
                      base["gain"].to_numpy())
    extra = np.full(len(base), -1)
    extra[base["service_level"].fillna(0.0).to_numpy() >= goal] = 0
    kw = dict(interval_minutes=config.interval_minutes, shrinkage=config.shrinkage,
              max_occupancy=config.max_occupancy, shrinkage_windows=config.shrinkage_windows)
    for k in range(1, MAX_EXTRA_AGENTS + 1):
        todo = extra < 0
        if not todo.any():
            break
        trial = base.loc[todo, ["queue", "interval_start"]].assign(
            scheduled=base.loc[todo, "scheduled"].to_numpy() + k)
        perf = expected_performance(out.merge(trial[["queue", "interval_start"]]), trial,
                                    config.queues, **kw)
        perf = trial[["queue", "interval_start"]].merge(
            perf[["queue", "interval_start", "service_level"]], how="left")
        reached = perf["service_level"].fillna(0.0).to_numpy() >= goal[todo]
        extra[np.flatnonzero(todo)[reached]] = k
    extra[extra < 0] = MAX_EXTRA_AGENTS
    base["needed"] = base["scheduled"].to_numpy() + extra
    merged = out.merge(base[["queue", "interval_start", "needed"]],
                       on=["queue", "interval_start"], how="left")
    needed = merged["needed"].fillna(0).to_numpy()
    current = out["agents_required_with_shrinkage"].to_numpy()
    raised = np.maximum(current, needed).astype(current.dtype)
    out["verification_added"] = out["verification_added"].to_numpy() + (raised - current)
    out["agents_required_with_shrinkage"] = raised
    return out


def shortfall_score(simulated_days: pd.DataFrame, config: ScenarioConfig) -> float:
    """The plan's simulated shortfall: the points by which each queue's simulated service level
    misses its target, summed over every queue and local day (email: :data:`EMAIL_ON_TIME`
    answered within ``response_within_hours``). Each queue's target counts the same, whatever
    its volume: a round that lifts the big chat queue by taking email's agents does not count
    as progress. 0 when every target holds on every day. [fraction]"""
    total = 0.0
    for queue in config.queues:
        target = EMAIL_ON_TIME if queue.channel == "email" else queue.service_level
        if not target:
            continue
        part = simulated_days[(simulated_days["queue"] == queue.id)
                              & (simulated_days["contacts"] > 0)]
        total += float((target - part["service_level"]).clip(lower=0).fillna(0.0).sum())
    return total
