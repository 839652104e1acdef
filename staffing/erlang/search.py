"""Required agents: the smallest whole number of agents meeting every target, per interval.

Every metric used (service level, ASA, abandonment, occupancy) is monotone in the number of
agents, so the answer is found for all intervals at once, as array operations over the
intervals still undecided (never a Python loop per interval):

- Erlang C: ``R = 1/B - 1`` is computed once, by the incomplete gamma function, at the
  smallest count that could do (just above the traffic, or at the occupancy cap), then the
  count walks up with Erlang's recurrence ``R(n+1) = (n+1)/A (1 + R(n))``, which is exact and
  forward-stable (an error in ``R`` shrinks by ``1 - B`` per step). An interval stops at its
  first count meeting every target, typically a few steps above the traffic.
- Erlang A and chat: a first guess near the square-root staffing rule ``A + sqrt(A)``, a
  gallop upwards (doubling steps) for the intervals that miss a target, then a bisection of
  the bracket; each step evaluates the queueing formulas once for the undecided intervals.

Targets are met to within one part in 10^9 (so a target hit exactly in theory is not missed
through rounding, e.g. an occupancy cap of 0.85 with 8.5 Erlangs on 10 agents).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from staffing.erlang._special import erlang_r
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

_RTOL = 1e-9
#: More agents than this per interval means the inputs are unreasonable.
_MAX_AGENTS = 10_000_000


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
    if (patience_seconds is None and np.ndim(concurrency) == 0 and concurrency == 1
            and all(v is None or v.ndim == 0 for v in targets.values())):
        return _erlang_c_fast(traffic_erlangs, aht_seconds, targets)
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


def _erlang_c_fast(traffic_erlangs, aht_seconds, targets):
    """Erlang C with scalar targets: the common case, with as little overhead as possible."""
    a = np.asarray(traffic_erlangs, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    # Reductions rather than boolean temporaries (NaN fails both comparisons).
    low = a.min() if a.size else 1.0
    if not (low >= 0 and a.max(initial=0.0) < np.inf):
        _as_float("traffic_erlangs", a)                    # raises with the message
    if aht.size and not (aht.min() > 0 and aht.max() < np.inf):
        _positive("aht_seconds", aht)
    shape = np.broadcast_shapes(a.shape, aht.shape)
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    if aht.shape != shape:
        aht = np.broadcast_to(aht, shape)
    a, aht = a.ravel(), aht.ravel()
    result = np.zeros(a.size, dtype=np.int64)
    if not a.size:
        return _shape(result, shape)
    busy = True if low > 0 else a > 0
    nan = np.nan

    def scalar(name):
        value = targets[name]
        return nan if value is None else float(value)

    if busy is True:
        result = _erlang_c_walk(a, aht, scalar("service_level"),
                                scalar("answer_within_seconds"), scalar("asa_seconds"),
                                scalar("max_occupancy"))
    elif busy.any():
        result[busy] = _erlang_c_walk(a[busy], aht[busy], scalar("service_level"),
                                      scalar("answer_within_seconds"), scalar("asa_seconds"),
                                      scalar("max_occupancy"))
    return _shape(result, shape)


def _check_targets(service_level, answer_within_seconds, asa_seconds, max_occupancy,
                   patience_seconds, max_abandon_rate) -> dict:
    def check(name, value, low, high, *, low_open=True, high_open=True):
        if value is None:
            return None
        arr = np.asarray(value, dtype=float)
        bad = np.isnan(arr) | (arr <= low if low_open else arr < low)
        bad |= arr >= high if high_open else arr > high
        if bad.any():
            lo_txt = f"> {low:g}" if low_open else f">= {low:g}"
            hi_txt = f"< {high:g}" if high_open else f"<= {high:g}"
            raise ConfigError(f"{name} must be {lo_txt} and {hi_txt}, got "
                              f"{arr.flat[int(np.flatnonzero(bad.ravel())[0])]:g}")
        return arr

    out = {
        "service_level": check("service_level", service_level, 0, 1),
        "answer_within_seconds": check("answer_within_seconds", answer_within_seconds, 0,
                                       np.inf, low_open=False),
        "asa_seconds": check("asa_seconds", asa_seconds, 0, np.inf),
        "max_occupancy": check("max_occupancy", max_occupancy, 0, 1, high_open=False),
        "max_abandon_rate": check("max_abandon_rate", max_abandon_rate, 0, 1),
    }
    if (out["service_level"] is None) != (out["answer_within_seconds"] is None):
        raise ConfigError("service_level and answer_within_seconds go together (e.g. "
                          "service_level=0.8, answer_within_seconds=20)")
    if out["max_abandon_rate"] is not None and patience_seconds is None:
        raise ConfigError("max_abandon_rate needs patience_seconds (abandonment is modelled "
                          "by Erlang A only)")
    if all(v is None for k, v in out.items() if k != "answer_within_seconds"):
        raise ConfigError("required_agents needs a target: service_level with "
                          "answer_within_seconds, asa_seconds, max_abandon_rate or "
                          "max_occupancy")
    return out


def _search_flat(a, aht, pat, k, slow, sl, t, asa, occ, ab, definition) -> np.ndarray:
    plain = np.isinf(pat) & (k == 1)
    if plain.all():
        return _erlang_c_walk(a, aht, sl, t, asa, occ)
    if plain.any():
        out = np.empty(a.size, dtype=np.int64)
        out[plain] = _erlang_c_walk(a[plain], aht[plain], sl[plain], t[plain], asa[plain],
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


def _erlang_c_walk(a, aht, sl, t, asa, occ) -> np.ndarray:
    """Erlang C: start near the answer, then walk with Erlang's recurrence until it is found.

    The start is the square-root staffing count ``A + beta sqrt(A)``, ``beta`` from the
    Halfin-Whitt approximation of the targets (three Newton steps), never below the smallest
    count that could do (just above the traffic, at the occupancy cap). ``R`` there comes
    from :func:`erlang_r` (Erlang's recurrence, or the incomplete gamma function for large
    counts); then intervals meeting the targets walk down (the
    answer is the last count meeting them) and the others walk up (the first count meeting
    them), all undecided intervals one step at a time, compacted as they finish. Targets are
    arrays, or scalars (NaN = no target).
    """
    def given(x):
        return not (np.ndim(x) == 0 and np.isnan(x))

    lowest = np.floor(a)
    lowest += 1.0
    if given(occ):
        cap = np.ceil(a * ((1 - _RTOL) / occ))
        if np.ndim(occ):
            cap[np.isnan(cap)] = 0.0
        np.maximum(lowest, cap, out=lowest)
    # Targets with the tolerance folded in; a missing target is always met.
    if given(sl):
        late_goal = np.where(np.isnan(sl), np.inf, 1.0 - sl * (1 - _RTOL))  # bound on P(W>t)
        rate = t / aht                                          # per agent above traffic
        if np.ndim(sl):
            rate[np.isnan(sl)] = 0.0
    else:
        late_goal, rate = np.inf, np.zeros(a.size)
    asa_goal = (np.where(np.isnan(asa), np.inf, asa * (1 + _RTOL)) / aht if given(asa)
                else np.inf)
    if not (given(sl) or given(asa)):
        return lowest.astype(np.int64)                 # only an occupancy cap: the floor
    # Small loads are a few steps above the floor anyway; the guess pays off for large ones.
    n = lowest.copy()
    big = a > _GUESS_ABOVE
    if big.any():
        ab = a[big]
        beta = _halfin_whitt_beta(ab, late_goal[big] if np.ndim(late_goal) else late_goal,
                                  rate[big], asa_goal[big] if np.ndim(asa_goal) else asa_goal)
        n[big] = np.maximum(lowest[big], np.round(ab + beta * np.sqrt(ab)))
    r = erlang_r(n, a)                  # R beyond 1e308 (far above the traffic): C = 0

    check_sl, check_asa = given(sl), given(asa)

    def meets(n, r, a, late_goal, rate, asa_goal):
        spare = n - a
        with np.errstate(invalid="ignore", over="ignore"):
            c = n / (n + r * spare)                    # Erlang C from R = 1/B - 1
            if not check_asa:
                return c * np.exp(-spare * rate) <= late_goal
            if not check_sl:
                return c <= asa_goal * spare
            return (c * np.exp(-spare * rate) <= late_goal) & (c <= asa_goal * spare)

    def pick(x, mask):
        return x[mask] if np.ndim(x) else x

    result = np.zeros(a.size, dtype=np.int64)
    ok = meets(n, r, a, late_goal, rate, asa_goal)
    # Down: from a count that meets the targets, step down while the one below does too.
    at_floor = ok & (n <= lowest)                      # nothing below can do
    result[at_floor] = n[at_floor]
    idx = np.flatnonzero(ok & ~at_floor)
    dn, dr, da, dlow = n[idx], r[idx], a[idx], lowest[idx]
    dl, drt, das = pick(late_goal, idx), pick(rate, idx), pick(asa_goal, idx)
    while idx.size:
        below = dn - 1.0
        with np.errstate(over="ignore", invalid="ignore"):
            br = dr * da / dn - 1.0                    # R(n-1) = R(n) A / n - 1
        good = (below >= dlow) & meets(below, br, da, dl, drt, das)
        done = ~good
        result[idx[done]] = dn[done]
        idx, dn, dr, da, dlow = idx[good], below[good], br[good], da[good], dlow[good]
        dl, drt, das = pick(dl, good), pick(drt, good), pick(das, good)
    # Up: from a count that misses, step up until one meets the targets.
    idx = np.flatnonzero(~ok)
    un, ur, ua = n[idx], r[idx], a[idx]
    ul, urt, uas = pick(late_goal, idx), pick(rate, idx), pick(asa_goal, idx)
    while idx.size:
        un = un + 1.0
        ur = un / ua * (1.0 + ur)                      # R(n+1) = (n+1)/A (1 + R(n))
        good = meets(un, ur, ua, ul, urt, uas)
        result[idx[good]] = un[good]
        rest = ~good
        idx, un, ur, ua = idx[rest], un[rest], ur[rest], ua[rest]
        ul, urt, uas = pick(ul, rest), pick(urt, rest), pick(uas, rest)
        if idx.size and un.max() > _MAX_AGENTS:
            raise DataError("required agents exceed 10,000,000 in an interval; check the "
                            "traffic and targets")
    return result


def _halfin_whitt_beta(a, late_goal, rate, asa_goal) -> np.ndarray:
    """Safety factor ``beta`` (agents = A + beta sqrt(A)) meeting the targets approximately.

    Halfin & Whitt (1981): ``P(wait) ~ 1 / (1 + beta M(beta))`` with ``M = Phi / phi``; then
    ``P(W > t) ~ P(wait) exp(-beta sqrt(A) t / AHT)`` and ``ASA ~ P(wait) AHT / (beta sqrt(A))``.
    Only a starting point (three Newton steps from beta = 1): the walk makes the answer exact.
    """
    root = np.sqrt(a)
    beta = np.ones(a.size)
    want_sl = np.ndim(late_goal) or np.isfinite(late_goal)
    want_asa = np.ndim(asa_goal) or np.isfinite(asa_goal)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_late = np.log(np.minimum(late_goal, 1.0)) if want_sl else 0.0
        log_asa = np.log(asa_goal * root) if want_asa else 0.0
        climb = root * rate
        for _ in range(3):
            m = _SQRT_HALF_PI * special.erfcx(-beta * _SQRT_HALF)     # Phi / phi
            grow = 1.0 + beta * m
            log_grow = np.log(grow)
            slope = (m + beta * grow) / grow                        # d/dbeta log(1 + beta M)
            best = np.zeros(a.size)
            if want_sl:   # log(1 + beta M) + beta sqrt(A) t/AHT + log(late goal) = 0
                step = beta - (log_grow + beta * climb + log_late) / (slope + climb)
                best = np.fmax(best, np.where(np.isfinite(step), step, 0.0))
            if want_asa:  # log(1 + beta M) + log(beta sqrt(A) asa/AHT) = 0
                step = beta - (log_grow + np.log(beta) + log_asa) / (slope + 1.0 / beta)
                best = np.fmax(best, np.where(np.isfinite(step), step, 0.0))
            beta = np.clip(best, 0.05, 8.0)
    return beta


#: Traffic above which the walk starts from the Halfin-Whitt guess. [Erlangs]
_GUESS_ABOVE = 25.0
_SQRT_HALF = np.sqrt(0.5)
_SQRT_HALF_PI = np.sqrt(np.pi / 2)


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
