"""The event loop of one replication, compiled by numba (``cache=True``, as ``erlang._compiled``).

Everything random is drawn before the loop (arrival times, work, patience, absences), so the
loop is a deterministic function of flat numpy arrays: the same arrays give the same outcome
whatever process runs it. Times are seconds from the horizon's start (absolute time, so a DST
day is simply shorter or longer), intervals are ``interval_s`` long in absolute time.

Agents
------
Each agent has a list of segments (``seg_ptr`` in CSR form): ``[start, end)`` with a kind,
``q >= 0`` = serving queue ``q``, ``BREAK`` (break or lunch: the break policy applies),
``AWAY`` (absent: ends on schedule). Time outside any segment is off shift. An agent is in one
of four phases: ``OFF`` (waiting for its next segment to start), ``SERVING`` (at its desk on a
queue), ``FINISHING`` (a break or absence is due but contacts are still in hand: no new work
until they are done, then the break starts), ``PAUSED`` (on break or absent until ``bound``).

An agent holds up to ``concurrency[q]`` contacts of one queue ``q`` at a time (1 for voice and
email). Each contact has a remaining amount of *work* in single-session seconds; with ``m``
sessions in hand each advances at speed ``1 / (1 + s (m - 1))`` (``s`` the queue's
concurrency slowdown), which is the chat model of :mod:`staffing.erlang.chat`: a session of
work ``W`` lasts ``W (1 + s (m - 1))`` at constant ``m``; with exponential work this is exactly
the birth-death chain with per-session rate ``1 / aht(m)``.

Routing (``routing``): 0 = as-rostered (only the current activity's queue), 1 = overflow (the
activity's queue first, then the agent's other skills by priority), 2 = skill-priority (every
skill by priority, the activity ignored). Among queues of equal rank the one whose head has
waited longest goes first. An arriving contact goes to the free agent that ranks its queue
best, then has the fewest sessions (balanced chat loading), then has been free longest. An
agent holding chats takes more chats only while no queue it ranks higher has contacts
waiting (it cannot take those until its sessions end, so it stops taking work to free up).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from staffing.simulate.inputs import AWAY, BREAK

__all__ = ["AWAY", "BREAK", "run_replication"]


# Agent phases.
OFF, SERVING, FINISHING, PAUSED = 0, 1, 2, 3
# Columns of the agents' integer state.
PHASE, SEG, SERVE_Q, N_SESS, HAND_Q = 0, 1, 2, 3, 4
# Columns of the agents' float state.
LAST, COMPLETE, BOUND, PRESENT_SINCE, FREE_SINCE = 0, 1, 2, 3, 4
# Contact status.
WAITING, ANSWERED, ABANDONED = 0, 1, 2

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _add_time(arr, q, t0, t1, weight, interval_s):
    """Add ``weight`` x the part of ``[t0, t1)`` in each interval to ``arr[q, :]``."""
    count = arr.shape[1]
    t0 = max(t0, 0.0)
    end = count * interval_s
    t1 = min(t1, end)
    while t0 < t1:
        i = int(t0 // interval_s)
        if i >= count:
            break
        e = (i + 1) * interval_s
        e = min(e, t1)
        arr[q, i] += (e - t0) * weight
        t0 = e


@_jit
def _update(a, t, af, ai, sess_w, slowdown, concurrency, busy, interval_s):
    """Advance agent ``a``'s sessions to ``t`` (work done, busy time)."""
    m = ai[a, N_SESS]
    if m > 0:
        elapsed = t - af[a, LAST]
        if elapsed > 0.0:
            q = ai[a, HAND_Q]
            speed = 1.0 / (1.0 + slowdown[q] * (m - 1))
            for j in range(m):
                sess_w[a, j] -= elapsed * speed
            _add_time(busy, q, af[a, LAST], t, m / concurrency[q], interval_s)
    af[a, LAST] = t


@_jit
def _set_completion(a, af, ai, sess_w, slowdown):
    m = ai[a, N_SESS]
    if m == 0:
        af[a, COMPLETE] = math.inf
        return
    least = sess_w[a, 0]
    for j in range(1, m):
        least = min(least, sess_w[a, j])
    least = max(least, 0.0)
    af[a, COMPLETE] = af[a, LAST] + least * (1.0 + slowdown[ai[a, HAND_Q]] * (m - 1))


@_jit
def _rank(a, q, current, rank, routing):
    """How agent ``a`` on activity ``current`` ranks queue ``q`` (lower first; -1 = never)."""
    if routing == 0:
        return 0 if q == current else -1
    if routing == 1:
        if q == current:
            return 0
        return rank[a, q] if rank[a, q] > 0 else -1
    if rank[a, q] > 0:
        return rank[a, q]
    return 99 if q == current else -1


@_jit
def _better_waiting(a, q, r, current, rank, routing, waiting):
    """Whether a queue that agent ``a`` ranks above ``r`` has contacts waiting."""
    for other in range(waiting.size):
        if other != q and waiting[other] > 0:
            ro = _rank(a, other, current, rank, routing)
            if 0 <= ro < r:
                return True
    return False


@_jit
def _fill(a, t, st, ai, af, sess_c, sess_w, arrival_s, queue_of, work, q_order, head, waiting,
          concurrency, slowdown, rank, routing, busy, interval_s):
    """Agent ``a`` takes waiting contacts while it can (st = leave_s, end_s, status, agent_of)."""
    leave_s, end_s, status, agent_of = st
    current = ai[a, SERVE_Q]
    if current < 0:
        return
    queues = waiting.size
    while True:
        m = ai[a, N_SESS]
        best_q = -1
        best_r = 1 << 30
        best_t = math.inf
        any_r = 1 << 30
        for q in range(queues):
            if waiting[q] == 0:
                continue
            r = _rank(a, q, current, rank, routing)
            if r < 0:
                continue
            any_r = min(any_r, r)
            if m > 0 and (ai[a, HAND_Q] != q or m >= concurrency[q]):
                continue
            h = head[q]
            while status[q_order[h]] != WAITING:
                h += 1
            head[q] = h
            th = arrival_s[q_order[h]]
            if r < best_r or (r == best_r and th < best_t):
                best_q, best_r, best_t = q, r, th
        if best_q < 0 or any_r < best_r:
            # Nothing to take, or a better-ranked queue waits that the sessions in hand keep
            # the agent from: take no more, finish them first.
            return
        c = q_order[head[best_q]]
        head[best_q] += 1
        waiting[best_q] -= 1
        _update(a, t, af, ai, sess_w, slowdown, concurrency, busy, interval_s)
        j = ai[a, N_SESS]
        sess_c[a, j] = c
        sess_w[a, j] = work[c]
        ai[a, N_SESS] = j + 1
        ai[a, HAND_Q] = best_q
        status[c] = ANSWERED
        leave_s[c] = t
        agent_of[c] = a
        if slowdown[best_q] == 0.0:
            end_s[c] = t + work[c]
        _set_completion(a, af, ai, sess_w, slowdown)


@_jit
def _enter(a, j, t, ai, af, seg_ptr, seg_start, seg_end, seg_kind, break_full):
    """Agent ``a`` moves to segment ``j`` (or the first after it that is not over) at ``t``.

    Returns True when the agent is now serving (the caller then fills it).
    """
    last = seg_ptr[a + 1]
    while j < last:
        if seg_start[j] > t:
            ai[a, PHASE] = OFF
            ai[a, SEG] = j
            ai[a, SERVE_Q] = -1
            af[a, BOUND] = seg_start[j]
            return False
        kind = seg_kind[j]
        if kind >= 0:
            if seg_end[j] > t:
                ai[a, PHASE] = SERVING
                ai[a, SEG] = j
                ai[a, SERVE_Q] = kind
                af[a, PRESENT_SINCE] = t
                af[a, BOUND] = seg_end[j]
                return True
        else:
            if ai[a, N_SESS] > 0:
                ai[a, PHASE] = FINISHING
                ai[a, SEG] = j
                ai[a, SERVE_Q] = -1
                af[a, BOUND] = math.inf
                return False
            if kind == BREAK and break_full:
                e = t + (seg_end[j] - seg_start[j])
            else:
                e = seg_end[j]
            if e > t:
                ai[a, PHASE] = PAUSED
                ai[a, SEG] = j
                ai[a, SERVE_Q] = -1
                af[a, BOUND] = e
                return False
        j += 1
    ai[a, PHASE] = OFF
    ai[a, SEG] = j
    ai[a, SERVE_Q] = -1
    af[a, BOUND] = math.inf
    return False


@_jit
def _tree_update(tree_t, tree_a, size, a, af):
    """Set agent ``a``'s next event in the tournament tree of the agents' next events."""
    i = size + a
    tree_t[i] = min(af[a, COMPLETE], af[a, BOUND])
    tree_a[i] = a
    i >>= 1
    while i >= 1:
        left = 2 * i
        k = left if tree_t[left] <= tree_t[left + 1] else left + 1
        tree_t[i] = tree_t[k]
        tree_a[i] = tree_a[k]
        i >>= 1


@_jit
def _heap_push(ht, hc, size, t, c):
    i = size
    ht[i] = t
    hc[i] = c
    while i > 0:
        p = (i - 1) >> 1
        if ht[p] <= ht[i]:
            break
        ht[p], ht[i] = ht[i], ht[p]
        hc[p], hc[i] = hc[i], hc[p]
        i = p
    return size + 1


@_jit
def _heap_pop(ht, hc, size):
    """Remove the root; returns the new size (the caller read ``ht[0], hc[0]`` first)."""
    size -= 1
    ht[0] = ht[size]
    hc[0] = hc[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        k = left
        if left + 1 < size and ht[left + 1] < ht[left]:
            k = left + 1
        if ht[i] <= ht[k]:
            break
        ht[k], ht[i] = ht[i], ht[k]
        hc[k], hc[i] = hc[i], hc[k]
        i = k
    return size


@_jit
def run_replication(arrival_s, queue_of, work, patience_s, q_ptr, q_order, concurrency,
                    slowdown, seg_ptr, seg_start, seg_end, seg_kind, rank, routing, break_full,
                    horizon_s, interval_s, leave_s, end_s, status, agent_of, busy, present):
    """Run one replication to ``horizon_s``; fills the outputs in place.

    Parameters
    ----------
    arrival_s, queue_of, work, patience_s : per contact, sorted by arrival: arrival time [s],
        queue index, work in single-session seconds [s], patience (``inf`` = never leaves) [s].
    q_ptr, q_order : each queue's contacts in arrival order, CSR (``q_order[q_ptr[q]:...]``).
    concurrency, slowdown : per queue: sessions an agent holds [sessions], slowdown [fraction].
    seg_ptr, seg_start, seg_end, seg_kind : each agent's segments in time order, CSR. [s]
    rank : agents x queues, the skill's priority (1 = primary), 0 without the skill.
    routing : 0 as-rostered, 1 overflow, 2 skill-priority.
    break_full : a break started late lasts its full length (else it ends on schedule).
    horizon_s, interval_s : horizon and interval length. [s]

    Outputs: per contact ``leave_s`` (answer or abandon time [s]), ``end_s`` (end of handling,
    NaN if unknown at the horizon's end [s]), ``status`` (0 still waiting, 1 answered,
    2 abandoned), ``agent_of``; per queue and interval ``busy`` (agent-seconds handling the
    queue's contacts, a chat session counting ``1/concurrency``) and ``present``
    (agent-seconds at a desk rostered on the queue, not absent or on a break). [s]
    """
    st = (leave_s, end_s, status, agent_of)
    agents = seg_ptr.size - 1
    queues = concurrency.size
    contacts = arrival_s.size
    width = 1
    for q in range(queues):
        width = max(width, concurrency[q])
    ai = np.zeros((agents, 5), dtype=np.int64)
    af = np.zeros((agents, 5))
    sess_c = np.full((agents, width), -1, dtype=np.int64)
    sess_w = np.zeros((agents, width))
    for a in range(agents):
        ai[a, SEG] = seg_ptr[a]
        ai[a, SERVE_Q] = -1
        ai[a, HAND_Q] = -1
        af[a, COMPLETE] = math.inf
        af[a, BOUND] = seg_start[seg_ptr[a]] if seg_ptr[a] < seg_ptr[a + 1] else math.inf
        af[a, FREE_SINCE] = -math.inf
    head = q_ptr[:-1].copy()
    waiting = np.zeros(queues, dtype=np.int64)
    heap_t = np.empty(contacts + 1)
    heap_c = np.empty(contacts + 1, dtype=np.int64)
    hsize = 0
    nxt = 0
    # The agents' next events (completion or segment boundary) in a tournament tree: the
    # earliest is at the root, an agent's change costs log2(agents).
    size = 1
    while size < max(agents, 1):
        size *= 2
    tree_t = np.full(2 * size, math.inf)
    tree_a = np.full(2 * size, -1, dtype=np.int64)
    for a in range(agents):
        _tree_update(tree_t, tree_a, size, a, af)
    while True:
        ta = tree_t[1]
        ia = tree_a[1]
        tarr = arrival_s[nxt] if nxt < contacts else math.inf
        tab = heap_t[0] if hsize > 0 else math.inf
        t = min(ta, tarr, tab)
        if t > horizon_s or t == math.inf:
            break
        if ta <= tarr and ta <= tab:
            a = ia
            if af[a, COMPLETE] <= af[a, BOUND]:
                # A session ends.
                _update(a, t, af, ai, sess_w, slowdown, concurrency, busy, interval_s)
                m = ai[a, N_SESS]
                k = 0
                for j in range(1, m):
                    if sess_w[a, j] < sess_w[a, k]:
                        k = j
                c = sess_c[a, k]
                end_s[c] = t
                sess_c[a, k] = sess_c[a, m - 1]
                sess_w[a, k] = sess_w[a, m - 1]
                ai[a, N_SESS] = m - 1
                if m == 1:
                    ai[a, HAND_Q] = -1
                    af[a, FREE_SINCE] = t
                _set_completion(a, af, ai, sess_w, slowdown)
                phase = ai[a, PHASE]
                serving = False
                if phase == FINISHING and m == 1:
                    serving = _enter(a, ai[a, SEG], t, ai, af, seg_ptr, seg_start, seg_end,
                                     seg_kind, break_full)
                elif phase == SERVING:
                    serving = True
                if serving:
                    _fill(a, t, st, ai, af, sess_c, sess_w, arrival_s, queue_of, work, q_order,
                          head, waiting, concurrency, slowdown, rank, routing, busy, interval_s)
            else:
                # A segment boundary.
                phase = ai[a, PHASE]
                j = ai[a, SEG]
                if phase == SERVING:
                    _add_time(present, ai[a, SERVE_Q], af[a, PRESENT_SINCE], t, 1.0, interval_s)
                    j += 1
                elif phase == PAUSED:
                    j += 1
                if _enter(a, j, t, ai, af, seg_ptr, seg_start, seg_end, seg_kind, break_full):
                    _fill(a, t, st, ai, af, sess_c, sess_w, arrival_s, queue_of, work, q_order,
                          head, waiting, concurrency, slowdown, rank, routing, busy, interval_s)
            _tree_update(tree_t, tree_a, size, a, af)
        elif tab <= tarr:
            c = heap_c[0]
            hsize = _heap_pop(heap_t, heap_c, hsize)
            if status[c] == WAITING:
                status[c] = ABANDONED
                leave_s[c] = t
                waiting[queue_of[c]] -= 1
        else:
            c = nxt
            nxt += 1
            q = queue_of[c]
            waiting[q] += 1
            if patience_s[c] < math.inf:
                hsize = _heap_push(heap_t, heap_c, hsize, t + patience_s[c], c)
            best = -1
            best_r = 1 << 30
            best_m = 1 << 30
            best_f = math.inf
            for a in range(agents):
                current = ai[a, SERVE_Q]
                if current < 0:
                    continue
                m = ai[a, N_SESS]
                if m > 0 and (ai[a, HAND_Q] != q or m >= concurrency[q]):
                    continue
                r = _rank(a, q, current, rank, routing)
                if r < 0 or (m > 0 and _better_waiting(a, q, r, current, rank, routing,
                                                       waiting)):
                    continue
                f = af[a, FREE_SINCE]
                if r < best_r or (r == best_r and (m < best_m or (m == best_m and f < best_f))):
                    best, best_r, best_m, best_f = a, r, m, f
            if best >= 0:
                _fill(best, t, st, ai, af, sess_c, sess_w, arrival_s, queue_of, work, q_order,
                      head, waiting, concurrency, slowdown, rank, routing, busy, interval_s)
                _tree_update(tree_t, tree_a, size, best, af)
    for a in range(agents):
        if ai[a, PHASE] == SERVING:
            _add_time(present, ai[a, SERVE_Q], af[a, PRESENT_SINCE], horizon_s, 1.0, interval_s)
        _update(a, horizon_s, af, ai, sess_w, slowdown, concurrency, busy, interval_s)
    return nxt
