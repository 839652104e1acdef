"""Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M): performance of a queue per interval.

Every function takes arrays (or scalars) that broadcast together, one element per interval, and
returns an array of the broadcast shape (a numpy scalar for scalar input). Traffic is the
offered load in Erlangs (contacts x AHT / interval length); agents may be any real number >= 0
(whole numbers are the usual case; between them the formulas follow the continuous extension
of Erlang's loss function, Jagerman 1974).

Erlang C is the limit of Erlang A as patience grows without bound: pass
``patience_seconds=None`` (or ``inf``) for Erlang C and a finite mean patience for Erlang A.

Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007): arrival
rate ``lam``, service rate ``mu = 1/AHT``, exponential patience with rate ``theta = 1/patience``,
``n`` agents. With ``x = n mu / theta``, ``y = lam / theta``, ``P`` and ``Q`` the regularised
incomplete gamma functions and ``B`` Erlang B:

- states below ``n`` relative to ``pi_n``: ``R = 1/B(n, A) - 1 = Q(n, A) / pois(n; A)``;
- states from ``n`` up: ``S = 1F1(1; x+1; y) = P(x, y) / pois(x; y)`` (``= 1/(1-rho)`` in
  Erlang C), so ``P(wait) = S / (R + S)``;
- ``P(abandon | wait) = m / y`` with ``m`` the mean queue length given a wait, i.e.
  ``1/(rho S) + 1 - 1/rho`` with ``rho = y/x``;
- a delayed contact's offered wait ``V`` has ``P(V > t | wait) = P(x, y u) / P(x, y)`` with
  ``u = exp(-theta t)``; it is served within ``t`` with probability
  ``(x/y) [P(x+1, y) - P(x+1, y u)] / P(x, y)``;
- the mean wait of answered contacts uses ``E[W e^{-theta W}] = (x/y) P(x+1,y)/P(x,y) *
  E[log(y/G) | G <= y] / theta``, ``G ~ Gamma(x + 1)``, computed by series or Gauss-Legendre
  quadrature (see :func:`_log_ratio_mean`).

(Derivations in ``docs/staffing-maths.md``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

from staffing.erlang._special import log_erlang_r, log_kummer, log_poisson_pmf
from staffing.errors import ConfigError, DataError

__all__ = [
    "QueueMetrics",
    "SERVICE_LEVEL_DEFINITIONS",
    "abandon_rate",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "performance",
    "prob_wait",
    "service_level",
]

Definition = Literal["offered", "answered", "exclude_short_abandons"]

#: How abandoned contacts count in the service level (they matter only with patience):
#: ``offered`` = answered within the threshold / all contacts offered (abandons fail);
#: ``answered`` = answered within the threshold / answered;
#: ``exclude_short_abandons`` = answered within / (offered - abandoned within the threshold).
SERVICE_LEVEL_DEFINITIONS: tuple[str, ...] = ("offered", "answered", "exclude_short_abandons")


@dataclass(frozen=True)
class QueueMetrics:
    """Expected performance of a queue, one element per interval.

    Attributes
    ----------
    prob_wait : share of contacts that wait at all (not answered on arrival). [fraction]
    service_level : share answered within the threshold, per ``definition``. [fraction]
    asa_seconds : average speed of answer: mean wait of the answered contacts. [s]
    abandon_rate : share of contacts that hang up before an answer (0 in Erlang C). [fraction]
    occupancy : share of agent (or chat-slot) time spent handling contacts. [fraction]
    mean_wait_seconds : mean wait over all contacts, answered or abandoned. [s]
    """

    prob_wait: np.ndarray
    service_level: np.ndarray
    asa_seconds: np.ndarray
    abandon_rate: np.ndarray
    occupancy: np.ndarray
    mean_wait_seconds: np.ndarray

    def __getitem__(self, index) -> QueueMetrics:
        """The metrics of the intervals selected by ``index`` (any numpy index)."""
        return QueueMetrics(**{k: np.asarray(v)[index] for k, v in self.__dict__.items()})


# ----------------------------------------------------------------------------- validation
def _as_float(name: str, value, *, allow_inf: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    bad = np.isnan(arr) | (arr < 0)
    if not allow_inf:
        bad |= np.isinf(arr)
    if bad.any():
        first = arr.flat[int(np.flatnonzero(bad.ravel())[0])]
        raise DataError(f"{name} must be finite numbers >= 0, got {first:g}")
    return arr


def _positive(name: str, value, *, allow_inf: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    bad = ~(arr > 0)                                   # NaN too
    if not allow_inf:
        bad |= np.isinf(arr)
    if bad.any():
        first = arr.flat[int(np.flatnonzero(bad.ravel())[0])]
        raise DataError(f"{name} must be {'' if allow_inf else 'finite numbers '}> 0, "
                        f"got {first:g}")
    return arr


def _patience(value) -> np.ndarray:
    if value is None:
        return np.asarray(np.inf)
    return _positive("patience_seconds", value, allow_inf=True)


def _check_definition(definition: str) -> None:
    if definition not in SERVICE_LEVEL_DEFINITIONS:
        raise ConfigError(f"service-level definition must be one of "
                          f"{', '.join(SERVICE_LEVEL_DEFINITIONS)}, got {definition!r}")


def _flat(*arrays: np.ndarray) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast to one shape and flatten (cheaply: scalars are filled, equal shapes kept)."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    size = int(np.prod(shape))
    out = []
    for a in arrays:
        a = np.asarray(a, dtype=float)
        if a.shape == shape:
            out.append(a.ravel())
        elif a.size == 1:
            out.append(np.full(size, a.item()))
        else:
            out.append(np.broadcast_to(a, shape).ravel())
    return shape, out


def _shape(values: np.ndarray, shape: tuple[int, ...]):
    out = values.reshape(shape)
    return out[()] if out.ndim == 0 else out


# ------------------------------------------------------------------------------ Erlang B/C
def erlang_b(traffic_erlangs, agents):
    """Blocking probability of the loss system M/M/n/n (Erlang's first formula). [fraction]

    Parameters
    ----------
    traffic_erlangs : offered load. [Erlangs]
    agents : servers (lines, agents); real values use the continuous extension. [agents]
    """
    a = _as_float("traffic_erlangs", traffic_erlangs)
    n = _as_float("agents", agents)
    shape, (a, n) = _flat(a, n)
    out = np.zeros(a.shape)
    out[n == 0] = 1.0
    live = (n > 0) & (a > 0)
    out[live] = special.expit(-log_erlang_r(n[live], a[live]))
    return _shape(out, shape)


def erlang_c(traffic_erlangs, agents):
    """Probability that a contact waits, M/M/n (Erlang's second formula). [fraction]

    1 when ``agents <= traffic_erlangs`` (the queue grows without bound).

    Parameters
    ----------
    traffic_erlangs : offered load. [Erlangs]
    agents : agents answering; real values use the continuous extension. [agents]
    """
    a = _as_float("traffic_erlangs", traffic_erlangs)
    n = _as_float("agents", agents)
    shape, (a, n) = _flat(a, n)
    return _shape(np.exp(_log_erlang_c(a, n)), shape)


def _log_erlang_c(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``log C(n, A)``: ``C = 1 / (1 + R (1 - A/n))``; 0 (log) when unstable."""
    out = np.zeros(a.shape)
    out[a == 0] = -np.inf
    live = (a > 0) & (n > a)
    if live.any():
        al, nl = a[live], n[live]
        log_r = log_erlang_r(nl, al)
        out[live] = -np.logaddexp(0.0, log_r + np.log1p(-al / nl))
    return out


# ----------------------------------------------------------------------------- the metrics
def performance(traffic_erlangs, agents, aht_seconds, *, answer_within_seconds=None,
                patience_seconds=None, definition: Definition = "offered") -> QueueMetrics:
    """Every metric of an Erlang C (or, with patience, Erlang A) queue in one pass.

    Parameters
    ----------
    traffic_erlangs : offered load. [Erlangs]
    agents : agents answering (after shrinkage). [agents]
    aht_seconds : average handle time. [s]
    answer_within_seconds : service-level threshold; ``None`` leaves ``service_level`` NaN. [s]
    patience_seconds : mean patience of a waiting contact; ``None``/``inf`` = Erlang C. [s]
    definition : how abandons count in the service level (:data:`SERVICE_LEVEL_DEFINITIONS`).
    """
    _check_definition(definition)
    a = _as_float("traffic_erlangs", traffic_erlangs)
    n = _as_float("agents", agents)
    aht = _positive("aht_seconds", aht_seconds)
    t = (np.asarray(np.nan) if answer_within_seconds is None
         else _as_float("answer_within_seconds", answer_within_seconds))
    pat = _patience(patience_seconds)
    shape, (a, n, aht, t, pat) = _flat(a, n, aht, t, pat)
    metrics = _metrics(a, n, aht, t, pat, definition=definition)
    return QueueMetrics(**{k: _shape(v, shape) for k, v in metrics.items()})


def service_level(traffic_erlangs, agents, aht_seconds, answer_within_seconds, *,
                  patience_seconds=None, definition: Definition = "offered"):
    """Share of contacts answered within ``answer_within_seconds``. [fraction]

    Erlang C: ``1 - C exp(-(n - A) t / AHT)`` (0 when ``n <= A``). With ``patience_seconds``,
    Erlang A, where ``definition`` says how abandoned contacts count.
    """
    return performance(traffic_erlangs, agents, aht_seconds,
                       answer_within_seconds=answer_within_seconds,
                       patience_seconds=patience_seconds, definition=definition).service_level


def average_speed_of_answer(traffic_erlangs, agents, aht_seconds, *, patience_seconds=None):
    """Mean wait of the answered contacts. [s]

    Erlang C: ``C AHT / (n - A)`` (infinite when ``n <= A``). Erlang A (with patience): the
    mean wait of the contacts that are answered, not counting those who abandon (their mean
    wait is in :attr:`QueueMetrics.mean_wait_seconds`).
    """
    return performance(traffic_erlangs, agents, aht_seconds,
                       patience_seconds=patience_seconds).asa_seconds


def occupancy(traffic_erlangs, agents, *, aht_seconds=None, patience_seconds=None):
    """Share of agent time spent handling contacts: ``A (1 - abandon_rate) / n``. [fraction]

    Erlang C: ``min(A / n, 1)``. With patience (Erlang A) ``aht_seconds`` is needed too.
    """
    if patience_seconds is None or np.all(np.isinf(np.asarray(patience_seconds, float))):
        a = _as_float("traffic_erlangs", traffic_erlangs)
        n = _as_float("agents", agents)
        shape, (a, n) = _flat(a, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(n > 0, np.minimum(a / n, 1.0), np.nan)
        out[(n == 0) & (a == 0)] = 0.0
        return _shape(out, shape)
    if aht_seconds is None:
        raise ConfigError("occupancy with patience_seconds (Erlang A) needs aht_seconds")
    return performance(traffic_erlangs, agents, aht_seconds,
                       patience_seconds=patience_seconds).occupancy


def abandon_rate(traffic_erlangs, agents, aht_seconds, patience_seconds):
    """Share of contacts that hang up before an answer, Erlang A (M/M/n+M). [fraction]"""
    return performance(traffic_erlangs, agents, aht_seconds,
                       patience_seconds=patience_seconds).abandon_rate


def prob_wait(traffic_erlangs, agents, *, aht_seconds=None, patience_seconds=None):
    """Share of contacts that wait at all: Erlang C, or Erlang A with patience. [fraction]"""
    if patience_seconds is None:
        return erlang_c(traffic_erlangs, agents)
    if aht_seconds is None:
        raise ConfigError("prob_wait with patience_seconds (Erlang A) needs aht_seconds")
    return performance(traffic_erlangs, agents, aht_seconds,
                       patience_seconds=patience_seconds).prob_wait


# --------------------------------------------------------------------------------- engine
def _metrics(a, n, aht, t, patience, *, definition: str = "offered", log_r=None,
             want_asa: bool = True) -> dict[str, np.ndarray]:
    """All metrics for flat arrays (validated). ``n`` servers of mean service time ``aht``.

    ``log_r`` (``log sum_{k<n} pi_k / pi_n``) may be given by a caller whose states below
    ``n`` differ from M/M/n (the chat model); by default it is Erlang's.
    """
    size = a.size
    out = {k: np.full(size, np.nan) for k in (
        "prob_wait", "service_level", "asa_seconds", "abandon_rate", "occupancy",
        "mean_wait_seconds")}
    has_t = ~np.isnan(t)
    # No traffic: nobody waits.
    idle = a == 0
    if idle.any():
        out["prob_wait"][idle] = 0.0
        out["service_level"][idle & has_t] = 1.0
        out["asa_seconds"][idle] = 0.0
        out["abandon_rate"][idle] = 0.0
        out["mean_wait_seconds"][idle] = 0.0
        out["occupancy"][idle] = np.where(n[idle] > 0, 0.0, np.nan)
    # No agents: everyone waits for ever (Erlang C) or abandons (Erlang A).
    none = (n == 0) & ~idle
    if none.any():
        c_like = np.isinf(patience[none])
        out["prob_wait"][none] = 1.0
        out["service_level"][none & has_t] = 0.0
        out["asa_seconds"][none] = np.where(c_like, np.inf, np.nan)
        out["abandon_rate"][none] = np.where(c_like, 0.0, 1.0)
        out["mean_wait_seconds"][none] = np.where(c_like, np.inf, patience[none])
    live = ~idle & ~none
    if log_r is None:
        log_r = np.full(size, np.nan)
        if live.any():
            log_r[live] = log_erlang_r(n[live], a[live])
    erlang_c_ = live & np.isinf(patience)
    if erlang_c_.any():
        _erlang_c_metrics(out, erlang_c_, a, n, aht, t, log_r)
    erlang_a_ = live & ~np.isinf(patience)
    if erlang_a_.any():
        _erlang_a_metrics(out, erlang_a_, a, n, aht, t, patience, log_r, definition, want_asa)
    return out


def _erlang_c_metrics(out, sel, a, n, aht, t, log_r) -> None:
    a, n, aht, t, log_r = a[sel], n[sel], aht[sel], t[sel], log_r[sel]
    stable = n > a
    pw = np.ones(a.size)
    sl = np.zeros(a.size)
    asa = np.full(a.size, np.inf)
    occ = np.ones(a.size)
    if stable.any():
        s_a, s_n, s_h = a[stable], n[stable], aht[stable]
        log_c = -np.logaddexp(0.0, log_r[stable] + np.log1p(-s_a / s_n))
        pw[stable] = np.exp(log_c)
        # P(W > t) = C exp(-(n - A) t / AHT), in logs so that a tiny C cannot underflow first.
        with np.errstate(invalid="ignore"):
            late = np.exp(log_c - (s_n - s_a) * t[stable] / s_h)
        sl[stable] = 1.0 - late
        asa[stable] = np.exp(log_c + np.log(s_h) - np.log(s_n - s_a))
        occ[stable] = s_a / s_n
    sl[np.isnan(t)] = np.nan
    out["prob_wait"][sel] = pw
    out["service_level"][sel] = sl
    out["asa_seconds"][sel] = asa
    out["mean_wait_seconds"][sel] = asa
    out["abandon_rate"][sel] = 0.0
    out["occupancy"][sel] = occ


def _erlang_a_metrics(out, sel, a, n, aht, t, patience, log_r, definition, want_asa) -> None:
    a, n, aht, t, pat, log_r = a[sel], n[sel], aht[sel], t[sel], patience[sel], log_r[sel]
    ratio = pat / aht                      # mu / theta
    x = n * ratio                          # n mu / theta
    y = a * ratio                          # lambda / theta
    log_s, mean_q = log_kummer(x, y, with_mean=True)
    log_pw = log_s - np.logaddexp(log_r, log_s)
    pw = np.exp(log_pw)
    # P(abandon | wait) = mean queue length given a wait / y; served share given a wait.
    ab_w = mean_q / y
    sr_w = np.where(y >= x, (x / y) * -np.expm1(-log_s), 1.0 - ab_w)
    ab = pw * ab_w
    out["prob_wait"][sel] = pw
    out["abandon_rate"][sel] = ab
    out["mean_wait_seconds"][sel] = ab * pat
    out["occupancy"][sel] = a * (1.0 - ab) / n
    has_t = ~np.isnan(t)
    sl = np.full(a.size, np.nan)
    if has_t.any():
        xs, ys, th = x[has_t], y[has_t], t[has_t] / pat[has_t]
        yu = ys * np.exp(-th)
        base = log_poisson_pmf(xs, ys) + log_s[has_t]           # log P(x, y)
        log_p1 = log_poisson_pmf(xs + 1, yu) + log_kummer(xs + 1, yu)   # log P(x+1, y u)
        log_p0 = log_poisson_pmf(xs, yu) + log_kummer(xs, yu)           # log P(x, y u)
        served_late = pw[has_t] * np.exp(np.log(xs / ys) + log_p1 - base)
        answered_within = 1.0 - ab[has_t] - served_late
        waited_longer = pw[has_t] * np.exp(-th + log_p0 - base)      # P(W > t)
        if definition == "offered":
            value = answered_within
        elif definition == "answered":
            value = answered_within / (1.0 - ab[has_t])
        else:
            abandoned_within = np.maximum((1.0 - waited_longer) - answered_within, 0.0)
            value = answered_within / (1.0 - abandoned_within)
        sl[has_t] = np.clip(value, 0.0, 1.0)
    out["service_level"][sel] = sl
    if want_asa:
        # E[W; served] = P(wait) P(served | wait) E[log(y/G) | G <= y] / theta, G~Gamma(x+1).
        answered = 1.0 - ab
        cond = _log_ratio_mean(x + 1.0, y)
        with np.errstate(invalid="ignore", divide="ignore"):
            asa = pw * sr_w * cond * pat / answered
        out["asa_seconds"][sel] = np.where(answered > 0, asa, np.nan)


# ------------------------------------------------------------ E[log(y/G) | G <= y], G~Gamma
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_GL_PANELS = 6


def _log_ratio_mean(shape: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``E[log(y/G) | G <= y]`` for ``G ~ Gamma(shape)``, ``shape >= 1``, ``y > 0``.

    Three regimes: far above the bulk (``Q(shape, y) < 1e-17``) it is ``log y - digamma``;
    for small shapes or ``y`` well below the bulk, the positive series
    ``sum_k c_k H_k / sum_k c_k`` with ``c_k = prod_{i<=k} y/(shape+i)`` and
    ``H_k = sum_{i<=k} 1/(shape+i)``; otherwise composite Gauss-Legendre quadrature of the
    log-gamma density over a window where it exceeds ``e^-50`` of its maximum.
    """
    out = np.empty(shape.size)
    q = special.gammaincc(shape, y)
    above = q < 1e-17
    if above.any():
        out[above] = np.log(y[above]) - special.digamma(shape[above])
    series = ~above & ((shape < 10.0) | (y <= 0.75 * shape))
    if series.any():
        out[series] = _ratio_mean_series(shape[series], y[series])
    quad = ~above & ~series
    if quad.any():
        out[quad] = _ratio_mean_quadrature(shape[quad], y[quad])
    return out


def _ratio_mean_series(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    size = a.size
    c = np.ones(size)
    h = 1.0 / a
    num = h.copy()
    den = np.ones(size)
    result = np.empty(size)
    active = np.arange(size)
    k = 0
    while active.size:
        k += 1
        r = y[active] / (a[active] + k)
        c[active] *= r
        h[active] += 1.0 / (a[active] + k)
        num[active] += c[active] * h[active]
        den[active] += c[active]
        r_next = y[active] / (a[active] + k + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = c[active] * r_next / (1.0 - r_next)
            # H grows at most by 1/(a+k) per step, so the tail of num is below
            # tail * (h + 1/((1-r) a)).
            done = (r_next < 1.0) & (tail * (h[active] + 1.0 / ((1.0 - r_next) * a[active]))
                                    <= 1e-17 * num[active])
        finished = active[done | (c[active] == 0)]
        result[finished] = num[finished] / den[finished]
        active = active[~(done | (c[active] == 0))]
    return result


def _ratio_mean_quadrature(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    ly = np.log(y)
    la = np.log(a)
    top = np.minimum(la, ly)                       # where the truncated density peaks
    phi_top = a * top - np.exp(top)
    drop = 50.0
    # Left end: phi(l) = phi_top - drop, by Newton from the left (phi concave, increasing).
    width = 2.0 * drop / a + 2.0 * np.sqrt(2.0 * drop / a)
    left = top - width
    for _ in range(40):
        g = a * left - np.exp(left) - phi_top + drop
        step = g / (a - np.exp(left))
        left = left - step
        if np.all(np.abs(step) <= 1e-12 * (1.0 + np.abs(left))):
            break
    span = ly - left
    edges = left[:, None] + span[:, None] * np.arange(_GL_PANELS + 1)[None, :] / _GL_PANELS
    mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
    half = 0.5 * (edges[:, 1:] - edges[:, :-1])
    nodes = (mid[:, :, None] + half[:, :, None] * _GL_NODES[None, None, :]).reshape(a.size, -1)
    weights = (half[:, :, None] * _GL_WEIGHTS[None, None, :]).reshape(a.size, -1)
    dens = np.exp(a[:, None] * nodes - np.exp(nodes) - phi_top[:, None]) * weights
    return (dens * (ly[:, None] - nodes)).sum(axis=1) / dens.sum(axis=1)
