"""Required agents: the smallest whole number of agents meeting every target, per interval.

Every metric used (service level, ASA, abandonment, occupancy) is monotone in the number of
agents, so the answer is the first count meeting every target above the smallest that could
do (just above the traffic, or at the occupancy cap); never a Python loop per interval:

- Erlang C: a loop over the intervals compiled by numba (:mod:`staffing.erlang._compiled`):
  per interval, ``R = 1/B - 1`` by Erlang's recurrence ``R(k) = k/A (1 + R(k-1))`` (exact and
  forward-stable) from ``A - 10 sqrt(A)`` up to that smallest count, then one agent at a time
  until every target holds, typically a few steps. (As whole-array numpy operations each step
  costs about a microsecond of dispatch however few intervals are left, many times the compiled
  loop's time on a week: see BENCHMARKS.md, section "Staffing maths (Erlang C / Erlang A)", and
  docs/benchmarks-log.md for the numpy version's figures.)
- Erlang A and chat, as array operations over the intervals still undecided: a first guess near the square-root staffing rule ``A + sqrt(A)``, a
  gallop upwards (doubling steps) for the intervals that miss a target, then a bisection of
  the bracket; each step evaluates the queueing formulas once for the undecided intervals.

Targets are met to within one part in 10^9 (so a target hit exactly in theory is not missed
through rounding, e.g. an occupancy cap of 0.85 with 8.5 Erlangs on 10 agents).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from staffing.erlang._compiled import MAX_AGENTS as _MAX_AGENTS
from staffing.erlang._compiled import RTOL as _RTOL
from staffing.erlang._compiled import run_erlang_c_required
from staffing.erlang.chat import chat_metrics
from staffing.erlang.queueing import (
    _as_float,
    _check_definition,
    _flat,
    _metrics,
    _patience,
    _positive,
    _shape,
)
from staffing.errors import ConfigError, DataError

__all__ = ["required_agents"]


def required_agents(traffic_erlangs, aht_seconds, *, service_level=None,
                    answer_within_seconds=None, asa_seconds=None, max_occupancy=None,
                    patience_seconds=None, max_abandon_rate=None, concurrency=1,
                    concurrency_slowdown=0.0, definition="offered"):
    """Smallest whole number of agents meeting every target given. [agents]

    Erlang C by default; Erlang A with ``patience_seconds``; the chat model of
    :mod:`staffing.erlang.chat` with ``concurrency > 1``. All arguments broadcast together
    (one element per interval); intervals without traffic need 0 agents.

    Parameters
    ----------
    traffic_erlangs : offered load (chat: in sessions). [Erlangs]
    aht_seconds : average handle time (chat: session length at full concurrency). [s]
    service_level : share to answer within ``answer_within_seconds``, in (0, 1). [fraction]
    answer_within_seconds : service-level threshold; required with ``service_level``. [s]
    asa_seconds : highest acceptable mean wait of answered contacts. [s]
    max_occupancy : cap on the share of time agents (chat: slots) are busy, in (0, 1]. [fraction]
    patience_seconds : mean patience of waiting contacts; enables Erlang A. [s]
    max_abandon_rate : cap on the share of contacts abandoning (needs patience). [fraction]
    concurrency : chat sessions an agent handles at once. [sessions]
    concurrency_slowdown : chat: session slowdown per extra concurrent session. [fraction]
    definition : how abandons count in the service level (``offered``, ``answered``,
        ``exclude_short_abandons``).

    Returns
    -------
    Integer array of the broadcast shape (a numpy integer for scalar input).
    """
    _check_definition(definition)
    targets = _check_targets(service_level, answer_within_seconds, asa_seconds, max_occupancy,
                             patience_seconds, max_abandon_rate)
    if patience_seconds is None and (concurrency == 1 if type(concurrency) is int
                                     else np.ndim(concurrency) == 0 and concurrency == 1):
        return _erlang_c(traffic_erlangs, aht_seconds, targets)
    a = _as_float("traffic_erlangs", traffic_erlangs)
    aht = _positive("aht_seconds", aht_seconds)
    pat = _patience(patience_seconds)
    k = _positive("concurrency", concurrency)
    if np.any(k != np.round(k)):
        raise DataError("concurrency must be a whole number of sessions >= 1")
    slow = _as_float("concurrency_slowdown", concurrency_slowdown)
    names = ("service_level", "answer_within_seconds", "asa_seconds", "max_occupancy",
             "max_abandon_rate")
    arrays = [np.asarray(np.nan if targets[nm] is None else targets[nm], dtype=float)
              for nm in names]
    shape, flat = _flat(a, aht, pat, k, slow, *arrays)
    a, aht, pat, k, slow, sl, t, asa, occ, ab = flat
    result = np.zeros(a.size, dtype=np.int64)
    busy = a > 0
    if busy.any():
        idx = np.flatnonzero(busy)
        result[idx] = _search_flat(a[idx], aht[idx], pat[idx], k[idx], slow[idx], sl[idx],
                                   t[idx], asa[idx], occ[idx], ab[idx], definition)
    return _shape(result, shape)


def _erlang_c(traffic_erlangs, aht_seconds, targets):
    """Erlang C required agents over the broadcast inputs (targets checked)."""
    a = np.asarray(traffic_erlangs, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    shape = _erlang_c_shape(a, aht, targets["service_level"], targets["answer_within_seconds"],
                            targets["asa_seconds"], targets["max_occupancy"])
    return _shape(_erlang_c_flat(a, aht, targets["service_level"],
                                 targets["answer_within_seconds"], targets["asa_seconds"],
                                 targets["max_occupancy"], shape=shape), shape)


@functools.lru_cache(maxsize=64)
def _scalar_goals(sl: float, t: float, asa: float, occ: float) -> np.ndarray:
    """The kernel's goals for targets shared by all intervals (read-only, reused)."""
    goals = np.array([[sl], [t], [asa], [occ]])
    goals.flags.writeable = False
    return goals


def _erlang_c_shape(a, aht, *targets) -> tuple[int, ...]:
    """The broadcast shape of the inputs (quickly when they all have ``a``'s or none)."""
    shape = a.shape
    if (aht.shape == shape or not aht.ndim) and all(
            g is None or type(g) is float or g.shape == shape or not g.ndim for g in targets):
        return shape
    return np.broadcast_shapes(shape, aht.shape, *(np.shape(g) for g in targets
                                                   if g is not None))


def _erlang_c_flat(a, aht, sl, t, asa, occ, *, shape=None) -> np.ndarray:
    """Required agents for Erlang C by :func:`erlang_c_required`, flat, for ``shape``.

    Inputs are arrays (or scalars) broadcasting to ``shape`` (by default ``a``'s); targets
    ``None`` or NaN where not set.
    """
    shape = np.shape(a) if shape is None else shape
    size = math.prod(shape)
    a = np.asarray(a, dtype=float)
    a = np.ascontiguousarray(a).reshape(-1) if a.size == size else np.broadcast_to(
        a, shape).ravel()
    aht = np.asarray(aht, dtype=float)
    aht = np.ascontiguousarray(aht).reshape(-1) if aht.size in (1, size) else np.broadcast_to(
        aht, shape).ravel()
    given = (sl, t, asa, occ)
    if all(g is None or type(g) is float or not np.ndim(g) for g in given):
        goals = _scalar_goals(*(np.nan if g is None else float(g) for g in given))
    else:
        goals = np.empty((4, size))
        for row, g in zip(goals, given, strict=True):
            row[:] = np.nan if g is None else np.broadcast_to(g, shape).reshape(-1)
    out, failed = run_erlang_c_required(a, aht, goals)
    if failed <= -2:                       # bad traffic or handle time: say which
        _as_float("traffic_erlangs", a)
        _positive("aht_seconds", aht)
        raise AssertionError("the kernel refused inputs that pass validation")
    if failed >= 0:
        raise DataError("required agents exceed 10,000,000 in an interval; check the "
                        "traffic and targets")
    return out


def _check_targets(service_level, answer_within_seconds, asa_seconds, max_occupancy,
                   patience_seconds, max_abandon_rate) -> dict:
    out = {
        "service_level": _check_target("service_level", service_level, 0, 1),
        "answer_within_seconds": _check_target("answer_within_seconds", answer_within_seconds,
                                               0, np.inf, low_open=False),
        "asa_seconds": _check_target("asa_seconds", asa_seconds, 0, np.inf),
        "max_occupancy": _check_target("max_occupancy", max_occupancy, 0, 1, high_open=False),
        "max_abandon_rate": _check_target("max_abandon_rate", max_abandon_rate, 0, 1),
    }
    if (service_level is None) != (answer_within_seconds is None):
        raise ConfigError("service_level and answer_within_seconds go together (e.g. "
                          "service_level=0.8, answer_within_seconds=20)")
    if max_abandon_rate is not None and patience_seconds is None:
        raise ConfigError("max_abandon_rate needs patience_seconds (abandonment is modelled "
                          "by Erlang A only)")
    if service_level is None and asa_seconds is None and max_occupancy is None \
            and max_abandon_rate is None:
        raise ConfigError("required_agents needs a target: service_level with "
                          "answer_within_seconds, asa_seconds, max_abandon_rate or "
                          "max_occupancy")
    return out


def _check_target(name, value, low, high, *, low_open=True, high_open=True):
    """A target as a float (the usual case, checked quickly) or an array; None if not set."""
    if value is None:
        return None
    if type(value) is float or type(value) is int:
        if ((value > low if low_open else value >= low)
                and (value < high if high_open else value <= high)):
            return float(value)
    arr = np.asarray(value, dtype=float)
    bad = np.isnan(arr) | (arr <= low if low_open else arr < low)
    bad |= arr >= high if high_open else arr > high
    if bad.any():
        lo_txt = f"> {low:g}" if low_open else f">= {low:g}"
        hi_txt = f"< {high:g}" if high_open else f"<= {high:g}"
        raise ConfigError(f"{name} must be {lo_txt} and {hi_txt}, got "
                          f"{arr.flat[int(np.flatnonzero(bad.ravel())[0])]:g}")
    return arr


def _search_flat(a, aht, pat, k, slow, sl, t, asa, occ, ab, definition) -> np.ndarray:
    plain = np.isinf(pat) & (k == 1)
    if plain.all():
        return _erlang_c_flat(a, aht, sl, t, asa, occ)
    if plain.any():
        out = np.empty(a.size, dtype=np.int64)
        out[plain] = _erlang_c_flat(a[plain], aht[plain], sl[plain], t[plain], asa[plain],
                                    occ[plain])
        rest = ~plain
        out[rest] = _search_flat(a[rest], aht[rest], pat[rest], k[rest], slow[rest], sl[rest],
                                 t[rest], asa[rest], occ[rest], ab[rest], definition)
        return out
    has_sl = ~np.isnan(sl)
    has_asa = ~np.isnan(asa)
    has_occ = ~np.isnan(occ)
    has_ab = ~np.isnan(ab)
    chat = k > 1
    patient = np.isinf(pat)
    want_asa = bool(has_asa.any())
    t_eval = np.where(has_sl, t, np.nan)

    def feasible(idx: np.ndarray, agents: np.ndarray) -> np.ndarray:
        ok = np.ones(idx.size, dtype=bool)
        plain = ~chat[idx]
        metrics = {}
        for mask, fn in ((plain, _voice_eval), (~plain, _chat_eval)):
            if not mask.any():
                continue
            sub = idx[mask]
            m = fn(a[sub], agents[mask], aht[sub], k[sub], slow[sub], t_eval[sub], pat[sub],
                   definition, want_asa)
            for key, value in m.items():
                metrics.setdefault(key, np.empty(idx.size))[mask] = value
        s, q, o, b = has_sl[idx], has_asa[idx], has_occ[idx], has_ab[idx]
        with np.errstate(invalid="ignore"):
            ok &= ~s | (metrics["service_level"] >= sl[idx] * (1 - _RTOL))
            ok &= ~q | (metrics["asa_seconds"] <= asa[idx] * (1 + _RTOL))
            ok &= ~o | (metrics["occupancy"] <= occ[idx] * (1 + _RTOL))
            ok &= ~b | (metrics["abandon_rate"] <= ab[idx] * (1 + _RTOL))
        # Without abandonment the queue must be stable (capacity above the traffic).
        stable = ~patient[idx] | (agents * capacity[idx] > a[idx])
        return ok & stable & (agents > 0)

    capacity = np.where(chat, k, 1.0)              # load one agent can carry at most
    # Below this number of agents no target can hold: Erlang C/chat need more capacity than
    # traffic, and an occupancy cap needs traffic / cap at least.
    lower = np.where(patient, np.floor(a / capacity), 0.0)
    # (For chat with a slowdown, sessions at low concurrency are quicker, so occupancy can
    # be below traffic / slots: no floor from the cap there.)
    occ_floor = np.where(has_occ & patient & (~chat | (slow == 0)),
                         np.ceil(a / (np.where(has_occ, occ, 1.0) * capacity) * (1 - _RTOL)) - 1,
                         0.0)
    lower = np.maximum(lower, occ_floor)
    guess = np.maximum(np.ceil((a + np.sqrt(a)) / capacity), lower + 1)
    return _smallest(feasible, lower, guess, step=np.ceil(np.sqrt(a) / capacity) + 1)


def _voice_eval(a, n, aht, k, slow, t, pat, definition, want_asa):
    return _metrics(a, n, aht, t, pat, definition=definition, want_asa=want_asa)


def _chat_eval(a, n, aht, k, slow, t, pat, definition, want_asa):
    return chat_metrics(a, n, aht, k, slow, t, pat, definition=definition, want_asa=want_asa)


def _smallest(feasible: Callable[[np.ndarray, np.ndarray], np.ndarray], lower: np.ndarray,
              guess: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Smallest integer ``n > lower`` with ``feasible(n)``, for a monotone predicate.

    ``lower`` must be infeasible (or below every feasible value); ``guess > lower``.
    """
    lo = lower.astype(np.int64)
    hi = np.full(lo.size, -1, dtype=np.int64)
    cand = guess.astype(np.int64)
    step = np.maximum(step.astype(np.int64), 1)
    active = np.arange(lo.size)
    while active.size:                         # gallop up until a feasible count is found
        ok = feasible(active, cand[active].astype(float))
        hi[active[ok]] = cand[active[ok]]
        lo[active[~ok]] = cand[active[~ok]]
        active = active[~ok]
        step[active] *= 2
        cand[active] = lo[active] + step[active]
        if active.size and cand[active].max() > _MAX_AGENTS:
            raise DataError("required agents exceed 10,000,000 in an interval; check the "
                            "traffic and targets")
    active = np.flatnonzero(hi - lo > 1)
    while active.size:                         # bisect the bracket (lo infeasible, hi feasible)
        mid = (lo[active] + hi[active]) // 2
        ok = feasible(active, mid.astype(float))
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok]
        active = active[hi[active] - lo[active] > 1]
    return hi
