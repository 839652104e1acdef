"""Erlang C required agents, one interval at a time, compiled by numba on first use.

Required agents for a week of 15-min intervals is 672 small problems; as whole-array numpy
operations each step of the search costs about a microsecond of dispatch however few intervals
are left, so the search is written here as a plain loop over the intervals and compiled to
machine code by numba (``@njit(cache=True)``: compiled once per machine, the machine code is
cached in ``__pycache__`` beside this file, or numba's user-wide cache when that is read-only,
and loaded from there by later processes).

There is one implementation: :func:`erlang_c_required` is plain Python that numba can compile.
Small inputs (a scalar from the calculator, a handful of intervals) run it as Python, so a
command that asks for one interval never pays numba's import (about 0.7 s) or cache load;
larger inputs run the compiled version, loaded on first use (see :func:`kernel`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MAX_AGENTS", "RTOL", "erlang_c_required", "kernel"]

#: Targets are met to within this relative tolerance (a target hit exactly in theory is not
#: missed through rounding, e.g. an occupancy cap of 0.85 with 8.5 Erlangs on 10 agents).
RTOL = 1e-9
#: More agents than this in one interval means the inputs are unreasonable.
MAX_AGENTS = 10_000_000
#: Erlang's recurrence starts this many standard deviations below the traffic (see below).
_DEPTH = 10.0
#: Up to this many intervals the kernel runs as Python (no numba import, no compiled code).
PYTHON_MAX_INTERVALS = 8


def erlang_c_required(a, aht, goals, out):
    """Smallest agent count meeting every target, Erlang C, per interval; into ``out``.

    Parameters
    ----------
    a : offered load per interval, >= 0 (0 needs 0 agents). [Erlangs]
    aht : average handle time, > 0, per interval or one for all. [s]
    goals : 4 rows, each one column for all intervals or one per interval, NaN where not
        set: service-level target [fraction], its threshold [s], highest acceptable average
        speed of answer [s], occupancy cap [fraction].
    out : int64 array for the answers. [agents]

    Returns -1, or where it stopped (the answers from there on are not written): the index
    of an interval needing more than :data:`MAX_AGENTS`, or ``-2 - index`` for an interval
    whose traffic is not a finite number >= 0 or whose handle time is not finite and > 0
    (the caller validates the inputs again for the message).

    Per interval: the smallest count that could do is ``floor(A) + 1`` (a stable queue), or
    the occupancy floor ``ceil(A / cap)`` if higher. ``R = 1/B - 1`` (``B`` Erlang B) there
    comes from Erlang's recurrence ``R(k) = k/A (1 + R(k-1))``, exact and forward-stable (an
    error in ``R`` shrinks by ``B(k)`` per step). It starts at ``k0 = A - 10 sqrt(A)`` (0 for
    loads under 100 Erlangs) from the fluid value ``k0 / (A - k0)``, an upper bound of
    ``R(k0)`` (the carried load ``A (1 - B)`` is at most ``k0``): the start's error, at most
    ``sqrt(A) / 10``, reaches ``R(n)`` for any ``n > A`` relatively damped by
    ``prod_{k0<k<=A} k/A ~ exp(-(A - k0)^2 / 2A) = e^-50``, so ``R`` is exact to rounding
    with ``~10 sqrt(A)`` steps rather than ``A``. The count then walks up one agent at a time, ``R`` with it, until the
    targets hold, checked without division: ``C = n / (n + R (n - A))``, so the service level
    ``1 - C exp(-(n - A) t / AHT) >= sl`` and ``ASA = C AHT / (n - A) <= asa`` are compared
    multiplied out by ``n + R (n - A)`` (``R`` may overflow to ``inf`` far above the traffic:
    then ``C = 0``), and ``exp`` is called only when Taylor bounds on it cannot decide.
    """
    one_aht = aht.size == 1
    one_goal = goals.shape[1] == 1
    for i in range(a.size):
        traffic = a[i]
        handle = aht[0] if one_aht else aht[i]
        if not (traffic >= 0.0 and traffic < math.inf and handle > 0.0 and handle < math.inf):
            return -2 - i
        if traffic == 0.0:
            out[i] = 0
            continue
        j = 0 if one_goal else i
        s, q, cap = goals[0, j], goals[2, j], goals[3, j]
        lowest = math.floor(traffic) + 1.0
        if not math.isnan(cap):
            lowest = max(lowest, float(math.ceil(traffic * ((1.0 - RTOL) / cap))))
        if lowest > MAX_AGENTS:
            return i
        has_sl = not math.isnan(s)
        has_asa = not math.isnan(q)
        if not (has_sl or has_asa):
            out[i] = int(lowest)
            continue
        # Targets with the tolerance folded in; a missing target is always met.
        late_goal = 1.0 - s * (1.0 - RTOL) if has_sl else math.inf     # bound on P(W > t)
        rate = goals[1, j] / handle if has_sl else 0.0    # per spare agent
        asa_goal = q * (1.0 + RTOL) / handle if has_asa else math.inf
        # R = 1/B - 1 at the lowest count.
        inv_a = 1.0 / traffic
        start = traffic - _DEPTH * math.sqrt(traffic)
        r = 0.0                                                      # R(0): B(0) = 1
        k = 0.0
        if start >= 1.0:
            k = math.floor(start)
            r = k / (traffic - k)
        while k < lowest:
            k += 1.0
            r = k * inv_a * (1.0 + r)
        # Walk up until every target holds.
        n = lowest
        while True:
            spare = n - traffic
            denominator = n + r * spare              # n / C
            if n <= asa_goal * spare * denominator:
                # n exp(-x) <= late_goal n / C. For x <= 1 the partial sums of exp(-x)
                # alternate around it, S3 <= exp(-x) <= S4 = S3 + x^4/24: exp (the costly
                # part of the walk) only when n exp(-x) falls between the two.
                bound = late_goal * denominator
                x = spare * rate
                if x <= 1.0:
                    upper = 1.0 - x * (1.0 - 0.5 * x * (1.0 - x / 3.0 * (1.0 - 0.25 * x)))
                    if n * upper * (1.0 + 1e-14) <= bound:
                        break
                    if not n * (upper - x * x * x * x / 24.0) * (1.0 - 1e-14) > bound:
                        if n * math.exp(-x) <= bound:
                            break
                elif n * math.exp(-x) <= bound:
                    break
            n += 1.0
            if n > MAX_AGENTS:
                return i
            r = n * inv_a * (1.0 + r)
        out[i] = int(n)
    return -1


_compiled = {}


def kernel(function, size: int):
    """``function`` compiled by numba (loaded on first use), or as Python for small inputs.

    The compiled version has one signature: float64 arrays in (C order, read-only or not), an
    int64 array out.
    """
    compiled = _compiled.get(function)
    if compiled is not None:
        return compiled
    if size <= PYTHON_MAX_INTERVALS:
        return function
    import numba  # noqa: PLC0415 - about 0.7 s: only when a large input needs it

    vector = numba.types.Array(numba.float64, 1, "C", readonly=True)    # writable ones too
    matrix = numba.types.Array(numba.float64, 2, "C", readonly=True)
    compiled = numba.njit(numba.int64(vector, vector, matrix, numba.int64[::1]),
                          cache=True, nogil=True)(function)
    _compiled[function] = compiled
    return compiled


def run_erlang_c_required(a: np.ndarray, aht: np.ndarray, goals: np.ndarray
                          ) -> tuple[np.ndarray, int]:
    """:func:`erlang_c_required` on C-ordered float arrays; returns (answers, stop code)."""
    out = np.empty(a.size, dtype=np.int64)
    run = kernel(erlang_c_required, a.size)
    if run is erlang_c_required:
        with np.errstate(over="ignore"):         # R overflows far above the traffic: C = 0
            failed = run(a, aht, goals, out)
    else:
        failed = run(a, aht, goals, out)
    return out, int(failed)
