"""Numerically stable building blocks: Poisson terms, incomplete-gamma ratios, Kummer series.

Everything here works on 1-d float arrays, elementwise, and never forms a factorial or a power
that could overflow: probabilities are carried as logarithms until the last step.

- :func:`log_poisson_pmf` is Loader's (2000) saddle-point form of ``log(e^-m m^k / k!)``, exact
  to a few ulps for real ``k`` up to any size (the naive ``k log m - m - lgamma(k+1)`` loses
  ``|k log m| * eps`` to cancellation).
- :func:`log_kummer` is ``log S(a, z)`` with ``S(a, z) = 1F1(1; a+1; z) = sum_j z^j / (a+1)_j
  = P(a, z) / poisson_pmf(a; z)``, the sum over the queue states of the Erlang A model
  (``P`` the regularised lower incomplete gamma function).
- :func:`log_erlang_r` is ``log R(n, A)`` with ``R = 1/B(n, A) - 1 = Q(n, A) / poisson_pmf(n; A)``
  (``B`` Erlang B, ``Q`` the regularised upper incomplete gamma function): the states with a
  free agent, relative to the state with all agents busy.

Where the incomplete gamma functions of :mod:`scipy.special` underflow (far tails), the same
quantities come from their positive-term series, summed until the tail is below 1e-17.

References
----------
C. Loader (2000), "Fast and accurate computation of binomial probabilities".
D. L. Jagerman (1974), "Some properties of the Erlang loss function", Bell Syst. Tech. J. 53.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["bd0", "log_erlang_r", "log_kummer", "log_poisson_pmf", "stirlerr"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
#: Below this an incomplete-gamma value from scipy is treated as underflowed.
_TINY = 1e-280
#: Relative size of the neglected tail of a series.
_EPS = 1e-17


def stirlerr(n: np.ndarray) -> np.ndarray:
    """``log(n!) - log(sqrt(2 pi n) (n/e)^n)`` for real ``n > 0`` (Stirling's error)."""
    n = np.asarray(n, dtype=float)
    out = np.empty_like(n)
    big = n > 15.0
    if big.any():
        nb = n[big]
        nn = nb * nb
        s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
        out[big] = (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / nb
    small = ~big
    if small.any():
        ns = n[small]
        out[small] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _LOG_SQRT_2PI
    return out


def bd0(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x log(x/m) + m - x`` without cancellation when ``x`` is close to ``m`` (Loader)."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    out = np.empty(np.broadcast(x, m).shape)
    x, m = np.broadcast_arrays(x, m)
    d = x - m
    close = np.abs(d) < 0.1 * (x + m)
    if close.any():
        xc, dc = x[close], d[close]
        v = dc / (xc + m[close])
        s = dc * v
        ej = 2.0 * xc * v
        v2 = v * v
        for j in range(1, 12):  # |v| < 0.1: each term is 100 times smaller than the last
            ej = ej * v2
            term = ej / (2 * j + 1)
            s = s + term
            if np.all(np.abs(term) <= 1e-17 * np.abs(s)):
                break
        out[close] = s
    far = ~close
    if far.any():
        xf, mf = x[far], m[far]
        out[far] = special.xlogy(xf, xf / mf) + mf - xf
    return out


def _log_pmf_positive(k: np.ndarray, m: np.ndarray) -> np.ndarray:
    """:func:`log_poisson_pmf` for flat arrays with ``k > 0`` and ``m > 0`` everywhere.

    The same formulas with fewer, whole-array operations (the hot path of the search).
    """
    inv2 = 1.0 / (k * k)
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - inv2 / 1188) * inv2) * inv2)
              * inv2) / k
    small = k <= 15.0
    if small.any():
        ks = k[small]
        series[small] = special.gammaln(ks + 1.0) - (ks + 0.5) * np.log(ks) + ks - _LOG_SQRT_2PI
    d = k - m
    v = d / (k + m)
    close = np.abs(v) < 0.1
    deviance = special.xlogy(k, k / m) + m - k
    if close.any():
        vc = v[close]
        s = d[close] * vc
        ej = 2.0 * k[close] * vc
        v2 = vc * vc
        # Terms needed: v2^j below 1e-17 relative.
        top = float(np.max(v2))
        terms = 11 if top <= 0 else min(11, int(np.ceil(-39.2 / np.log(max(top, 1e-300)))) + 1)
        for j in range(1, terms + 1):
            ej = ej * v2
            s = s + ej / (2 * j + 1)
        deviance[close] = s
    return -series - deviance - 0.5 * np.log(2 * np.pi * k)


#: Up to here the direct form ``k log m - m - lgamma(k+1)`` loses at most ~1e-12 to
#: cancellation (its terms are below ~1e4), and is several times faster than Loader's.
_DIRECT_PMF_MAX = 1000.0


def log_poisson_pmf(k: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``log(exp(-m) m^k / Gamma(k+1))`` for real ``k >= 0`` and ``m >= 0``."""
    k = np.asarray(k, dtype=float)
    m = np.asarray(m, dtype=float)
    if k.shape == m.shape and k.ndim == 1 and k.size and (k > 0).all() and (m > 0).all():
        if k.max() <= _DIRECT_PMF_MAX and m.max() <= _DIRECT_PMF_MAX:
            return k * np.log(m) - m - special.gammaln(k + 1.0)
        return _log_pmf_positive(k, m)
    k, m = np.broadcast_arrays(k, m)
    out = np.empty(k.shape)
    zero_k = k == 0
    out[zero_k] = -m[zero_k]
    zero_m = (m == 0) & ~zero_k
    out[zero_m] = -np.inf
    rest = ~zero_k & ~zero_m
    if rest.any():
        kr, mr = k[rest], m[rest]
        out[rest] = -stirlerr(kr) - bd0(kr, mr) - 0.5 * np.log(2 * np.pi * kr)
    return out


def _series(ratio_fn, size: int, *, moments: bool, max_terms: int = 200_000):
    """Sum ``t_0 = 1, t_j = t_{j-1} * ratio_fn(idx, j)`` over active elements until converged.

    ``ratio_fn(idx, j)`` gives the term ratio for the elements ``idx`` at step ``j``; it must
    eventually fall below 1 and stay there. Returns ``sum_j t_j`` and, with ``moments``,
    ``sum_j j t_j``. Elements are dropped from the loop as soon as their tail is negligible,
    so the Python loop runs as long as the slowest element needs.
    """
    total = np.ones(size)
    first = np.zeros(size)
    term = np.ones(size)
    active = np.arange(size)
    j = 0
    while active.size:
        j += 1
        if j > max_terms:  # pragma: no cover - guarded by the callers' regime checks
            raise ArithmeticError("series did not converge")
        r = ratio_fn(active, j)
        t = term[active] * r
        term[active] = t
        total[active] += t
        if moments:
            first[active] += j * t
        # Once the ratio is below 1 and decreasing, the tail after t is below t r / (1 - r).
        r_next = ratio_fn(active, j + 1)
        shrinking = (r_next < 1.0) & (r_next <= r + 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = t * r_next / (1.0 - r_next)
            done = shrinking & (np.abs(tail) <= _EPS * total[active])
            if moments:
                tail_m = tail * (j + 1 + r_next / (1.0 - r_next))
                done &= np.abs(tail_m) <= _EPS * np.maximum(first[active], 1e-300)
        done |= t == 0.0
        active = active[~done]
    return total, first


def log_kummer(a: np.ndarray, z: np.ndarray, *, with_mean: bool = False):
    """``log S(a, z)``, ``S = 1F1(1; a+1; z) = sum_j z^j / ((a+1)...(a+j))``, for ``a > 0``.

    With ``with_mean`` also returns ``mean = sum_j j t_j / S`` (the mean of the distribution
    proportional to the terms ``t_j``), computed without cancellation.
    """
    a = np.asarray(a, dtype=float)
    z = np.asarray(z, dtype=float)
    a, z = np.broadcast_arrays(a, z)
    log_s = np.zeros(a.shape)
    mean = np.zeros(a.shape)
    p = special.gammainc(a, z)
    use_series = (z > 0) & ((z < 0.75 * a) | (p < _TINY))
    use_gamma = (z > 0) & ~use_series
    if use_gamma.any():
        ag, zg = a[use_gamma], z[use_gamma]
        log_s[use_gamma] = np.log(p[use_gamma]) - log_poisson_pmf(ag, zg)
        if with_mean:
            # sum_j j t_j = a + (z - a) S  (from (a+j+1) t_{j+1} = z t_j); here z >= 0.75 a,
            # so the cancellation costs at most a few digits.
            with np.errstate(over="ignore"):
                s = np.exp(log_s[use_gamma])      # may overflow: then a / s is 0
            mean[use_gamma] = (zg - ag) + ag / s
    if use_series.any():
        as_, zs = a[use_series], z[use_series]

        def ratio(idx, j):
            return zs[idx] / (as_[idx] + j)

        total, first = _series(ratio, as_.size, moments=with_mean)
        log_s[use_series] = np.log(total)
        if with_mean:
            mean[use_series] = first / total
    if with_mean:
        return log_s, mean
    return log_s


def log_erlang_r(n: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """``log R``, ``R = 1/B(n, A) - 1 = sum_{k<n} pi_k / pi_n``, for real ``n > 0``, ``A > 0``.

    ``R = Q(n, A) / poisson_pmf(n; A)``; where ``Q`` underflows (``A`` far above ``n``) the
    terminating series ``R = n/A + n(n-1)/A^2 + ...`` is used instead.
    """
    n = np.asarray(n, dtype=float)
    traffic = np.asarray(traffic, dtype=float)
    if n.shape != traffic.shape:
        n, traffic = np.broadcast_arrays(n, traffic)
    q = special.gammaincc(n, traffic)
    gamma_ok = q >= _TINY
    if gamma_ok.all():
        return np.log(q) - log_poisson_pmf(n, traffic)
    out = np.empty(n.shape)
    if gamma_ok.any():
        out[gamma_ok] = np.log(q[gamma_ok]) - log_poisson_pmf(n[gamma_ok], traffic[gamma_ok])
    series = ~gamma_ok
    if series.any():
        ns, As = n[series], traffic[series]

        # R = (n/A) (1 + (n-1)/A + (n-1)(n-2)/A^2 + ...); for whole n the sum ends at j = n.
        # For real n it is asymptotic, but here A exceeds n by many standard deviations, so
        # the terms fall far below 1e-17 long before they could grow again.
        def ratio(idx, j):
            return (ns[idx] - j) / As[idx]

        total, _ = _series(ratio, ns.size, moments=False)
        out[series] = np.log(ns / As) + np.log(total)
    return out
