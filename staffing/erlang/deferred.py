"""Deferred work (email, back office): answer every message within its response target.

A fluid model over the sequence of intervals. Messages arriving in interval ``i`` bring
``volume_i x aht_i`` agent-seconds of work; agents handle waiting work oldest first (FIFO),
each agent giving ``interval x max_occupancy`` seconds per interval; unfinished work carries
over to the next interval. Two rules make the guarantee hold for any arrival pattern inside an
interval:

- work is available from the start of the interval *after* its arrival (a message arriving
  at the end of an interval cannot be answered earlier), and
- a message arriving in interval ``i`` has its deadline at least ``start_i + target``; the model
  requires the whole of interval ``i``'s work done by the end of interval ``i + d - 1`` with
  ``d = floor(target / interval)``, which ends no later than that deadline.

So ``d`` must be at least 2 (a target of at least two intervals). With ``Done(x)`` the work
finished by the end of ``x`` intervals and ``W(i)`` the work arrived up to interval ``i``, a
staffing plan is feasible iff ``W(x - d) <= Done(x) <= W(x - 2)`` at every interval end.

Among all feasible plans :func:`deferred_required_agents` takes the *taut string*: the
cumulative-work path of least length through that corridor, which is also the one with the
smallest peak rate and the least variance of work per interval (it is majorised by every other
feasible path; Barlow et al. 1972, Davies & Kovac 2001). It spreads a morning peak of email over
the hours the target allows instead of staffing it at once. Its work per interval is turned into
whole agents by rounding the cumulative capacity up, with a forward pass that adds an agent
wherever rounding would make a deadline slip.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from staffing.errors import ConfigError, DataError

__all__ = ["DeferredPlan", "deferred_performance", "deferred_required_agents", "taut_string"]


@dataclass(frozen=True)
class DeferredPlan:
    """Deferred work per interval under a staffing plan.

    Attributes
    ----------
    agents : agents handling the queue (after shrinkage). [agents]
    work_done_seconds : work finished in the interval. [agent-seconds]
    answered : messages finished in the interval (fluid: fractions of messages count). [messages]
    backlog : messages received and not yet finished at the interval's end. [messages]
    occupancy : work done / (agents x interval); NaN without agents. [fraction]
    on_time : share of the interval's messages finished by its deadline, counting a message
        late unless done by the end of interval ``i + d - 1`` (a lower bound); NaN when that
        lies beyond the horizon. [fraction]
    response_seconds : mean time from arrival to answer of the interval's messages (fluid,
        taking them to arrive mid-interval); NaN when not all are answered in the horizon. [s]
    """

    agents: np.ndarray
    work_done_seconds: np.ndarray
    answered: np.ndarray
    backlog: np.ndarray
    occupancy: np.ndarray
    on_time: np.ndarray
    response_seconds: np.ndarray


def _inputs(volume, aht_seconds, interval_minutes, response_within_hours, max_occupancy,
            initial_backlog):
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    if vol.ndim != 1:
        raise DataError("volume must be a 1-d sequence of intervals")
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), vol.shape).astype(float)
    if np.isnan(vol).any() or (vol < 0).any():
        raise DataError("volume must be numbers >= 0 in every interval")
    if np.isnan(aht).any() or (aht[vol > 0] <= 0).any():
        raise DataError("aht_seconds must be > 0 wherever there is volume")
    if not interval_minutes > 0:
        raise ConfigError(f"interval_minutes must be > 0, got {interval_minutes}")
    if not 0 < max_occupancy <= 1:
        raise ConfigError(f"max_occupancy must be > 0 and <= 1, got {max_occupancy}")
    if initial_backlog < 0:
        raise DataError(f"initial_backlog must be >= 0, got {initial_backlog}")
    step = interval_minutes * 60.0
    d = int(np.floor(response_within_hours * 3600.0 / step + 1e-9))
    if d < 2:
        raise ConfigError(
            f"response_within_hours must be at least two intervals ({2 * step / 3600:g} h at "
            f"{interval_minutes:g}-min intervals) for deferred work, got "
            f"{response_within_hours:g}; give the queue a service_level or asa_seconds target "
            "instead"
        )
    work = vol * np.where(vol > 0, aht, 0.0)
    backlog_aht = aht[0] if aht.size and aht[0] > 0 else float(np.nanmean(aht[aht > 0]) or 0)
    return vol, work, step, d, float(initial_backlog), float(initial_backlog) * backlog_aht


def _corridor(work: np.ndarray, d: int, backlog_work: float):
    """Cumulative work bounds at the interval ends x = 0..T: (lower, upper, arrived)."""
    count = work.size
    # arrived[m + 2] = work arrived up to interval m (m = -1 is the initial backlog).
    arrived = np.concatenate([[0.0, backlog_work], backlog_work + np.cumsum(work)])
    x = np.arange(count + 1)

    def upto(m):  # work arrived up to interval m (cohorts <= m), m may be < -1
        return arrived[np.clip(m + 2, 0, count + 1)]

    lower = upto(x - d)
    upper = upto(x - 2)
    upper[0] = lower[0] = 0.0
    return lower, upper, arrived


def taut_string(lower: np.ndarray, upper: np.ndarray, end: float) -> np.ndarray:
    """The shortest path from ``(0, 0)`` to ``(T, end)`` with ``lower <= path <= upper``.

    ``lower``/``upper`` are given at ``x = 0..T`` (linear in between). Funnel algorithm,
    linear time: the path bends only at corridor vertices, downwards around upper ones and
    upwards around lower ones. Returns the path at every ``x``.
    """
    count = lower.size - 1
    lo = lower.astype(float).copy()
    up = upper.astype(float).copy()
    lo[0] = up[0] = 0.0
    lo[count] = up[count] = end
    apex = (0, 0.0)
    bends_x, bends_y = [0], [0.0]
    top: deque = deque([apex])      # convex chain of upper vertices (slopes increasing)
    bottom: deque = deque([apex])   # concave chain of lower vertices (slopes decreasing)

    def slope(p, q):
        return (q[1] - p[1]) / (q[0] - p[0])

    for x in range(1, count + 1):
        pu = (x, up[x])
        while len(bottom) >= 2 and slope(apex, pu) < slope(apex, bottom[1]):
            bottom.popleft()
            apex = bottom[0]
            bends_x.append(apex[0])
            bends_y.append(apex[1])
            top = deque([apex])
        while len(top) >= 2 and slope(top[-2], top[-1]) >= slope(top[-2], pu):
            top.pop()
        top.append(pu)
        pl = (x, lo[x])
        while len(top) >= 2 and slope(apex, pl) > slope(apex, top[1]):
            top.popleft()
            apex = top[0]
            bends_x.append(apex[0])
            bends_y.append(apex[1])
            bottom = deque([apex])
        while len(bottom) >= 2 and slope(bottom[-2], bottom[-1]) <= slope(bottom[-2], pl):
            bottom.pop()
        bottom.append(pl)
    rest = top if len(top) > 2 else bottom
    for point in list(rest)[1:]:
        bends_x.append(point[0])
        bends_y.append(point[1])
    return np.interp(np.arange(count + 1), bends_x, bends_y)


def _simulate(capacity: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Work done by each interval end under FIFO with ``capacity`` per interval (fluid)."""
    cum = np.concatenate([[0.0], np.cumsum(capacity)])
    # Done(x) = min(C(x), min_{m<=x} (U(m) + C(x) - C(m)))
    return cum + np.minimum(np.minimum.accumulate(upper - cum), 0.0)


def deferred_required_agents(volume, aht_seconds, *, interval_minutes, response_within_hours,
                             max_occupancy=1.0, initial_backlog=0.0,
                             boundary: str = "cyclic") -> DeferredPlan:
    """Agents per interval so every message is answered within ``response_within_hours``.

    Parameters
    ----------
    volume : messages arriving in each interval, in time order. [messages]
    aht_seconds : handle time per message (scalar or per interval). [s]
    interval_minutes : interval length. [min]
    response_within_hours : response target of every message. [h]
    max_occupancy : share of an agent's time spent on messages. [fraction]
    initial_backlog : messages already waiting at the start, handled first (due by the end
        of interval ``d - 2``). [messages]
    boundary : what lies outside the horizon. ``"cyclic"`` (default): the horizon's arrivals
        repeat before and after it (a week among like weeks), so the plan is the steady one
        that hands the next horizon the backlog it inherited; ``"horizon"``: nothing before
        it but ``initial_backlog``, and only work due within it is planned (the least work
        now, but the next horizon inherits every message of the last ``d - 1`` intervals).
        Either way the deadlines of every message due within the horizon hold.
    """
    if boundary not in ("cyclic", "horizon"):
        raise ConfigError(f"boundary must be 'cyclic' or 'horizon', got {boundary!r}")
    vol, work, step, d, b0, b0_work = _inputs(volume, aht_seconds, interval_minutes,
                                              response_within_hours, max_occupancy,
                                              initial_backlog)
    count = vol.size
    lower, upper, _ = _corridor(work, d, b0_work)
    if boundary == "cyclic" and count:
        # The same arrivals before and after, long enough for the far ends not to matter
        # here; both far ends with nothing waiting, so the middle runs at the arrival rate.
        copies = max(1, int(np.ceil(2 * d / count)))
        around = np.tile(work, copies)
        lo_ext, up_ext, _ = _corridor(np.concatenate([around, work, around]), d, 0.0)
        full = taut_string(lo_ext, up_ext, up_ext[-1])
        start = copies * count
        path = full[start: start + count + 1] - full[start]
    else:
        path = taut_string(lower, upper, lower[-1])
    per_agent = step * max_occupancy
    scale = np.maximum(np.abs(path).max(initial=0.0), 1.0) * 1e-12
    cum_agents = np.ceil(path / per_agent - scale / per_agent)
    agents = np.diff(cum_agents).clip(min=0)
    # Rounding the cumulative capacity up can strand capacity where no work is available
    # yet; add agents wherever a deadline would then slip.
    done = 0.0
    for j in range(agents.size):
        x = j + 1
        done_x = min(done + agents[j] * per_agent, upper[x])
        short = lower[x] - done_x
        if short > scale:
            agents[j] += np.ceil(short / per_agent - 1e-9)
            done_x = min(done + agents[j] * per_agent, upper[x])
        done = done_x
    return _plan(vol, work, agents, step, d, per_agent, b0, b0_work, upper)


def deferred_performance(volume, aht_seconds, agents, *, interval_minutes,
                         response_within_hours, max_occupancy=1.0,
                         initial_backlog=0.0) -> DeferredPlan:
    """Backlog, answers and on-time share of deferred work with ``agents`` per interval.

    ``agents`` may be fractional (e.g. scheduled agents after shrinkage). Same model and
    parameters as :func:`deferred_required_agents`.
    """
    vol, work, step, d, b0, b0_work = _inputs(volume, aht_seconds, interval_minutes,
                                              response_within_hours, max_occupancy,
                                              initial_backlog)
    staff = np.broadcast_to(np.asarray(agents, dtype=float), vol.shape).astype(float)
    if np.isnan(staff).any() or (staff < 0).any():
        raise DataError("agents must be numbers >= 0 in every interval")
    _, upper, _ = _corridor(work, d, b0_work)
    return _plan(vol, work, staff, step, d, step * max_occupancy, b0, b0_work, upper)


def _plan(vol, work, agents, step, d, per_agent, b0, b0_work, upper) -> DeferredPlan:
    count = vol.size
    done = _simulate(agents * per_agent, upper)
    work_done = np.diff(done)
    # Map finished work to finished messages, cohort by cohort (FIFO).
    work_marks = np.concatenate([[0.0, b0_work], b0_work + np.cumsum(work)])
    msg_marks = np.concatenate([[0.0, b0], b0 + np.cumsum(vol)])
    keep = np.concatenate([[True], np.diff(work_marks) > 0])
    msgs_done = np.interp(done, work_marks[keep], msg_marks[keep])
    answered = np.diff(msgs_done)
    backlog = msg_marks[2:] - msgs_done[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(agents > 0, work_done / (agents * step), np.nan)
    # On time: share of cohort i's work done by the end of interval i + d - 1 (x = i + d).
    start = work_marks[1:-1]                     # work before cohort i
    i = np.arange(count)
    due_x = i + d
    inside = due_x <= count
    on_time = np.full(count, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (done[np.minimum(due_x, count)] - start) / work
    frac = np.where(frac > 1 - 1e-9, 1.0, frac)          # rounding of cumulative sums
    on_time[inside] = np.where(work[inside] > 0, np.clip(frac[inside], 0.0, 1.0), 1.0)
    # Mean response: when the cohort's middle message is finished, minus mid-interval arrival.
    target = start + work / 2.0
    pos = np.searchsorted(done, target - 1e-9 * np.maximum(target, 1.0), side="left")
    reached = (pos <= count) & (work > 0)
    response = np.full(count, np.nan)
    if reached.any():
        p = pos[reached]
        prev = done[np.maximum(p - 1, 0)]
        gain = done[p] - prev
        with np.errstate(invalid="ignore", divide="ignore"):
            within = np.where(gain > 0, (target[reached] - prev) / gain, 1.0)
        finish = (np.maximum(p - 1, 0) + np.clip(within, 0.0, 1.0)) * step
        response[reached] = np.maximum(finish - (i[reached] + 0.5) * step, 0.0)
    return DeferredPlan(agents=agents, work_done_seconds=work_done, answered=answered,
                        backlog=backlog, occupancy=occupancy, on_time=on_time,
                        response_seconds=response)
