"""Chat: agents who handle up to ``k`` sessions at once, sessions slower when they share.

Model (an M/M/n-type birth-death chain with state-dependent service, in the family studied by
Luo & Zhang 2013, "Staffing and control of instant messaging contact centers", Operations
Research 61(2), and Tezcan & Zhang 2014, "Routing and staffing in customer service chat systems
with impatient customers", Operations Research 62(4)):

- chats arrive as a Poisson stream; a new chat goes to the agent with the fewest sessions
  (balanced routing), so ``N`` sessions in service are spread ``floor(N/n)`` or ``ceil(N/n)``
  per agent;
- a session lasts, on average, ``aht(m) = aht_seconds * (1 + s (m - 1)) / (1 + s (k - 1))``
  while its agent handles ``m`` sessions: ``aht_seconds`` is the session length at full
  concurrency ``k`` (what a busy agent's chats last, and what chat reports show) and ``s``
  (``concurrency_slowdown``) says how much each extra session slows all of the agent's
  sessions, as a fraction of the single-session length. ``s = 0``: sessions last the same at
  any concurrency (an agent is ``k`` independent slots); ``s = 1``: an agent's throughput does
  not grow with concurrency at all (pure processor sharing);
- with all ``n k`` slots busy, chats wait in one FIFO queue (and abandon at rate
  ``1/patience_seconds`` if given); the first response is the moment a slot takes the chat.

Above ``n k`` the chain is exactly Erlang C (or A) with ``n k`` servers of rate ``1/aht``, so
the waiting-time law given a wait is Erlang's; below it, the rates come from balanced loading
and are summed numerically (``log R`` of :mod:`staffing.erlang.queueing`). With ``s = 0`` the
model *is* Erlang C with ``n k`` agents; with ``k = 1`` it is Erlang C with ``n``.

Traffic is counted in sessions: ``traffic_erlangs = chats x aht_seconds / interval``.
Occupancy is the share of chat slots in use.
"""

from __future__ import annotations

import numpy as np

from staffing.erlang.queueing import (
    QueueMetrics,
    _as_float,
    _check_definition,
    _flat,
    _metrics,
    _patience,
    _positive,
    _shape,
)
from staffing.errors import DataError

__all__ = ["chat_performance", "session_aht_seconds"]


def session_aht_seconds(aht_seconds, sessions, *, concurrency, concurrency_slowdown=0.0):
    """Mean session length while the agent handles ``sessions`` chats at once. [s]

    ``aht_seconds`` is the length at full ``concurrency``; see the module docstring.
    """
    k = np.asarray(concurrency, dtype=float)
    s = np.asarray(concurrency_slowdown, dtype=float)
    m = np.asarray(sessions, dtype=float)
    return np.asarray(aht_seconds, float) * (1 + s * (m - 1)) / (1 + s * (k - 1))


def chat_performance(traffic_erlangs, agents, aht_seconds, *, concurrency,
                     concurrency_slowdown=0.0, answer_within_seconds=None,
                     patience_seconds=None, definition="offered") -> QueueMetrics:
    """Expected first-response performance of a chat queue, per interval.

    Parameters
    ----------
    traffic_erlangs : offered load in sessions: chats x ``aht_seconds`` / interval. [Erlangs]
    agents : whole agents logged in to the queue (after shrinkage). [agents]
    aht_seconds : mean session length at full concurrency. [s]
    concurrency : most sessions one agent handles at once, ``k >= 1``. [sessions]
    concurrency_slowdown : extra length of every session per additional concurrent session,
        as a fraction of the single-session length (0 = none). [fraction]
    answer_within_seconds : first-response threshold of the service level. [s]
    patience_seconds : mean patience of a waiting chat; ``None`` = nobody leaves. [s]
    definition : how abandons count in the service level (see ``queueing``).

    Returns
    -------
    :class:`~staffing.erlang.queueing.QueueMetrics`; ``asa_seconds`` is the mean time to
    first response of answered chats and ``occupancy`` the share of chat slots in use.
    """
    _check_definition(definition)
    a = _as_float("traffic_erlangs", traffic_erlangs)
    n = _as_float("agents", agents)
    if np.any(n != np.round(n)):
        raise DataError("agents must be whole numbers for the chat model, got "
                        f"{n.flat[int(np.flatnonzero((n != np.round(n)).ravel())[0])]:g}")
    aht = _positive("aht_seconds", aht_seconds)
    k = _positive("concurrency", concurrency)
    if np.any(k != np.round(k)):
        raise DataError("concurrency must be a whole number of sessions >= 1")
    s = _as_float("concurrency_slowdown", concurrency_slowdown)
    t = (np.asarray(np.nan) if answer_within_seconds is None
         else _as_float("answer_within_seconds", answer_within_seconds))
    pat = _patience(patience_seconds)
    shape, (a, n, aht, k, s, t, pat) = _flat(a, n, aht, k, s, t, pat)
    out = chat_metrics(a, n, aht, k, s, t, pat, definition=definition)
    return QueueMetrics(**{key: _shape(v, shape) for key, v in out.items()})


def chat_metrics(a, n, aht, k, s, t, pat, *, definition="offered", want_asa=True):
    """:func:`chat_performance` on flat, validated arrays (the search calls this)."""
    slots = n * k
    log_r, log_busy = _below_full(a, n, k, s)
    out = _metrics(a, slots, aht, t, pat, definition=definition, log_r=log_r,
                   want_asa=want_asa)
    # Slot occupancy: E[sessions in service] / slots, with sessions below n k summed exactly.
    live = (a > 0) & (slots > 0)
    if live.any():
        pw = out["prob_wait"][live]
        with np.errstate(divide="ignore", invalid="ignore"):
            below = np.exp(log_busy[live] - log_r[live]) * (1.0 - pw)
        busy = np.where(np.isfinite(below), below, 0.0) + slots[live] * pw
        stable_or_a = (slots[live] > a[live]) | np.isfinite(pat[live])
        out["occupancy"][live] = np.where(stable_or_a, busy / slots[live], 1.0)
    return out


def _below_full(a, n, k, s):
    """``log sum_{N < nk} pi_N / pi_nk`` and ``log sum_{N < nk} N pi_N / pi_nk``.

    Walks down from ``N = nk`` with ``pi_{N-1} / pi_N = r(N) / A``, ``r(N)`` the total service
    rate (in units of the full-concurrency rate) of ``N`` sessions balanced over ``n`` agents.
    Elements leave the loop once the remaining terms are below ``e^-40`` of the sum.
    """
    size = a.size
    log_r = np.full(size, -np.inf)
    log_busy = np.full(size, -np.inf)
    slots = (n * k).astype(np.int64)
    active = np.flatnonzero((slots > 0) & (a > 0))
    log_term = np.zeros(size)
    log_a = np.log(np.where(a > 0, a, 1.0))
    full = 1.0 + s * (k - 1.0)

    def rate(idx, sessions):
        """Total service rate of ``sessions`` (>= 1) balanced over n agents."""
        nn = n[idx]
        base = np.floor(sessions / nn)
        extra = sessions - base * nn
        kk, ss, ff = k[idx], s[idx], full[idx]

        def g(m):  # sessions x their speed relative to full concurrency
            safe = np.where(m > 0, m, 1.0)
            return np.where(m > 0, safe * ff / (1.0 + ss * (safe - 1.0)), 0.0)

        return extra * g(base + 1.0) + (nn - extra) * g(base)

    j = 0
    while active.size:
        j += 1
        sessions_above = (slots[active] - j + 1).astype(float)   # N + 1, N = slots - j
        r = rate(active, sessions_above)
        lt = log_term[active] + np.log(r) - log_a[active]
        log_term[active] = lt
        log_r[active] = np.logaddexp(log_r[active], lt)
        below = sessions_above - 1.0
        with np.errstate(divide="ignore"):
            log_busy[active] = np.logaddexp(log_busy[active], np.log(below) + lt)
        # Stop at N = 0, or once terms shrink geometrically and the rest is negligible.
        nxt = np.where(below > 0, rate(active, np.maximum(below, 1.0)), 0.0) / a[active]
        with np.errstate(divide="ignore"):
            tail = lt + np.log(nxt) - np.log1p(-np.minimum(nxt, 1 - 1e-16))
        done = (below <= 0) | ((nxt < 1.0) & (tail < log_r[active] - 40.0))
        active = active[~done]
    return log_r, log_busy
