"""One replication: draw the randomness, run the compiled event loop, count per interval.

The draws, in this order from the replication's generator (so a seed gives one outcome):
absences, then per queue and interval the arrival rates (over-dispersed only) and counts, then
per contact its arrival time, work and patience.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from staffing.errors import ConfigError
from staffing.simulate.inputs import AWAY, SimulationInput

__all__ = ["ROUTINGS", "ReplicationOutcome", "SimulationOptions", "run_one"]

#: Routing policies, in the engine's code order.
ROUTINGS = ("as-rostered", "overflow", "skill-priority")
ARRIVALS = ("poisson", "overdispersed")
HANDLE_TIMES = ("exponential", "lognormal")
ABSENCES = ("shift", "interval", "none")
BREAK_POLICIES = ("full", "shortened")


@dataclass(frozen=True)
class SimulationOptions:
    """How to simulate (see ``docs/simulation.md`` for each choice).

    Attributes
    ----------
    routing : ``"as-rostered"``, ``"overflow"`` or ``"skill-priority"``.
    arrivals : ``"poisson"`` at the forecast volume, or ``"overdispersed"`` (gamma-mixed
        rate whose spread matches the forecast's prediction band).
    handle_time : ``"exponential"`` or ``"lognormal"`` (with ``handle_time_cv``).
    handle_time_cv : coefficient of variation of the lognormal handle time. [fraction]
    absence : ``"shift"`` (whole shifts missed with probability = shrinkage), ``"interval"``
        (each rostered interval missed with probability = shrinkage) or ``"none"``.
    break_policy : ``"full"`` (a break delayed by a contact in hand still lasts its full
        length) or ``"shortened"`` (it ends on schedule).
    warm_start : run the horizon once before itself (its own draws) and count only the
        second run, so the horizon starts with the queues and contacts in hand a like
        period leaves (the email formula's cyclic assumption); else it starts empty.
    """

    routing: Literal["as-rostered", "overflow", "skill-priority"] = "as-rostered"
    arrivals: Literal["poisson", "overdispersed"] = "poisson"
    handle_time: Literal["exponential", "lognormal"] = "exponential"
    handle_time_cv: float = 1.0
    absence: Literal["shift", "interval", "none"] = "shift"
    break_policy: Literal["full", "shortened"] = "full"
    warm_start: bool = False

    def __post_init__(self) -> None:
        for name, valid in (("routing", ROUTINGS), ("arrivals", ARRIVALS),
                            ("handle_time", HANDLE_TIMES), ("absence", ABSENCES),
                            ("break_policy", BREAK_POLICIES)):
            value = getattr(self, name)
            if value not in valid:
                raise ConfigError(f"{name} must be one of {', '.join(valid)}, got {value!r}")
        if not self.handle_time_cv > 0:
            raise ConfigError(f"handle_time_cv must be > 0, got {self.handle_time_cv!r}")


@dataclass(frozen=True, eq=False)
class ReplicationOutcome:
    """Every contact of one replication, and agent time per queue and interval.

    Attributes
    ----------
    arrival_seconds : per contact, from the horizon's start, sorted; negative for the
        warm-up's contacts. [s]
    queue : per contact, the queue index.
    status : 0 still waiting at the horizon's end, 1 answered, 2 abandoned.
    leave_seconds : when the contact left the queue (answered or abandoned); NaN if still
        waiting. [s]
    end_seconds : end of handling; NaN if not answered or still in service at the end. [s]
    agent : index of the agent who answered, -1 if none.
    busy_seconds : ``(Q, T)`` agent-seconds handling each queue's contacts (a chat session
        counts ``1 / concurrency``). [s]
    present_seconds : ``(Q, T)`` agent-seconds at a desk rostered on each queue. [s]
    segment_ptr, segment_start_seconds, segment_end_seconds, segment_activity : the
        segments as simulated, after absences (activity -2 = absent) and with the warm-up's
        (CSR by agent, as in :class:`SimulationInput`).
    """

    arrival_seconds: np.ndarray
    queue: np.ndarray
    status: np.ndarray
    leave_seconds: np.ndarray
    end_seconds: np.ndarray
    agent: np.ndarray
    busy_seconds: np.ndarray
    present_seconds: np.ndarray
    segment_ptr: np.ndarray
    segment_start_seconds: np.ndarray
    segment_end_seconds: np.ndarray
    segment_activity: np.ndarray


def run_one(inp: SimulationInput, options: SimulationOptions,
            seed: np.random.SeedSequence) -> ReplicationOutcome:
    """Simulate one replication with the generator seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    if options.warm_start:
        before = _absences(inp, options, rng)
        ptr, seg_start, seg_end, seg_act = _after(before, _absences(inp, options, rng),
                                                  inp.horizon_seconds)
        early = _contacts(inp, options, rng)
        late = _contacts(inp, options, rng)
        arrival = np.concatenate([early[0] - inp.horizon_seconds, late[0]])
        queue, work, patience = (np.concatenate([e, x]) for e, x in zip(early[1:], late[1:],
                                                                         strict=True))
    else:
        ptr, seg_start, seg_end, seg_act = _absences(inp, options, rng)
        arrival, queue, work, patience = _contacts(inp, options, rng)
    queues, count = inp.volume.shape
    q_order = np.argsort(queue, kind="stable").astype(np.int64)
    q_ptr = np.concatenate([[0], np.cumsum(np.bincount(queue, minlength=queues))]).astype(
        np.int64)
    size = arrival.size
    leave = np.full(size, np.nan)
    end = np.full(size, np.nan)
    status = np.zeros(size, dtype=np.int8)
    agent = np.full(size, -1, dtype=np.int64)
    busy = np.zeros((queues, count))
    present = np.zeros((queues, count))
    # numba's import costs about 0.7 s: paid only when a simulation runs, so that importing
    # staffing (the Erlang calculator, validate) does not (tests/test_erlang_compiled.py).
    from staffing.simulate._engine import run_replication  # noqa: PLC0415

    run_replication(arrival, queue, work, patience, q_ptr, q_order, inp.concurrency,
                    inp.concurrency_slowdown, ptr, seg_start, seg_end, seg_act,
                    inp.skill_priority, ROUTINGS.index(options.routing),
                    options.break_policy == "full", inp.horizon_seconds, inp.interval_seconds,
                    leave, end, status, agent, busy, present)
    return ReplicationOutcome(arrival, queue, status, leave, end, agent, busy, present, ptr,
                              seg_start, seg_end, seg_act)


def _after(before, horizon, horizon_seconds):
    """Each agent's warm-up segments (shifted back a horizon), then the horizon's.

    A warm-up segment that would end after the agent's first segment of the horizon starts
    (a night shift across the end, seen again at the start) is left out.
    """
    p0, s0, e0, a0 = before
    p1, s1, e1, a1 = horizon
    agents = p1.size - 1
    g0 = np.repeat(np.arange(agents), np.diff(p0))
    g1 = np.repeat(np.arange(agents), np.diff(p1))
    first = np.full(agents, np.inf)
    has = np.diff(p1) > 0
    first[has] = s1[p1[:-1][has]]
    s0, e0 = s0 - horizon_seconds, e0 - horizon_seconds
    keep = e0 <= first[g0]
    agent = np.concatenate([g0[keep], g1])
    start = np.concatenate([s0[keep], s1])
    order = np.lexsort((start, agent))
    ptr = np.searchsorted(agent[order], np.arange(agents + 1)).astype(np.int64)
    return (ptr, start[order], np.concatenate([e0[keep], e1])[order],
            np.concatenate([a0[keep], a1])[order])


def _absences(inp: SimulationInput, options: SimulationOptions, rng: np.random.Generator):
    """Segments with the absent ones marked ``AWAY`` (split at intervals for ``interval``)."""
    ptr = inp.segment_ptr
    start, end = inp.segment_start_seconds, inp.segment_end_seconds
    act = inp.segment_activity.copy()
    if options.absence == "shift":
        away = rng.random(inp.shift_absence_probability.size) < inp.shift_absence_probability
        act[away[inp.segment_shift] & (act >= 0)] = AWAY
        return ptr, start, end, act
    if options.absence == "none":
        return ptr, start, end, act
    # Per interval: serving segments cut at interval boundaries, each piece missed alone.
    step = inp.interval_seconds
    first = np.floor(start / step)
    last = np.ceil(end / step) - 1
    pieces = np.where(act >= 0, (last - first + 1).astype(np.int64), 1)
    owner = np.repeat(np.arange(start.size), pieces)
    offset = np.arange(owner.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cut = (act[owner] >= 0)
    lo = np.where(cut, np.maximum(start[owner], (first[owner] + offset) * step), start[owner])
    hi = np.where(cut, np.minimum(end[owner], (first[owner] + offset + 1) * step), end[owner])
    new_act = act[owner].copy()
    cell = np.clip(((lo + hi) / 2 // step).astype(np.int64), 0, inp.shrinkage.shape[1] - 1)
    prob = np.where(cut, inp.shrinkage[np.maximum(new_act, 0), cell], 0.0)
    away = rng.random(owner.size) < prob
    new_act[away] = AWAY
    agent_of_segment = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    new_ptr = np.searchsorted(agent_of_segment[owner], np.arange(ptr.size)).astype(np.int64)
    return new_ptr, lo, hi, new_act


def _contacts(inp: SimulationInput, options: SimulationOptions, rng: np.random.Generator):
    """Arrival times, queues, work and patience of every contact, sorted by arrival."""
    rate = inp.volume
    if options.arrivals == "overdispersed":
        # The band's spread is the count's: var = rate + var(rate), the excess from a gamma
        # mixing of the rate (a negative binomial count).
        z = NormalDist().inv_cdf(0.5 + inp.band_coverage / 2.0)
        sd = (inp.volume_upper - inp.volume_lower) / (2.0 * z)
        extra = np.maximum(sd * sd - inp.volume, 0.0)
        mixed = (extra > 0) & (inp.volume > 0)
        shape = np.where(mixed, inp.volume ** 2 / np.where(mixed, extra, 1.0), 1.0)
        scale = np.where(mixed, extra / np.where(inp.volume > 0, inp.volume, 1.0), 0.0)
        rate = np.where(mixed, rng.gamma(shape, np.where(mixed, scale, 1.0)), inp.volume)
    counts = rng.poisson(rate)
    count = counts.shape[1]
    flat = counts.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    queue = (cell // count).astype(np.int64)
    interval = cell % count
    arrival = (interval + rng.random(cell.size)) * inp.interval_seconds
    k = inp.concurrency[queue]
    mean_work = inp.aht_seconds[queue, interval] / (1.0 + inp.concurrency_slowdown[queue]
                                                     * (k - 1))
    if options.handle_time == "exponential":
        work = rng.exponential(1.0, cell.size) * mean_work
    else:
        sigma2 = np.log1p(options.handle_time_cv ** 2)
        work = rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), cell.size) * mean_work
    pat = inp.patience_seconds[queue]
    draw = rng.exponential(1.0, cell.size)
    patience = np.where(np.isinf(pat), np.inf, draw * np.where(np.isinf(pat), 1.0, pat))
    order = np.argsort(arrival, kind="stable")
    return arrival[order], queue[order], work[order], patience[order]
