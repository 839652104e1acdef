"""Independent high-precision references for the queueing formulas (mpmath).

Nothing here uses the closed forms of ``staffing.erlang``: Erlang B comes from its defining
recurrence, Erlang A from the stationary distribution of the birth-death chain summed state by
state, and waits from the hypoexponential law of a tagged contact (partial fractions, evaluated
with enough digits to absorb their cancellation).
"""

from __future__ import annotations

import mpmath as mp


def erlang_b(traffic, agents, dps: int = 50):
    """Erlang B by the recurrence 1/B(n) = 1 + (n/A) / B(n-1), B(0) = 1 (whole agents)."""
    with mp.workdps(dps):
        a = mp.mpf(traffic)
        inv = mp.mpf(1)
        for k in range(1, int(agents) + 1):
            inv = 1 + inv * k / a
        return 1 / inv


def erlang_c_metrics(traffic, agents, aht, t, dps: int = 50):
    """(B, C, service level within t, ASA, occupancy) of M/M/n from the definitions."""
    with mp.workdps(dps):
        a, n, h, t = mp.mpf(traffic), mp.mpf(agents), mp.mpf(aht), mp.mpf(t)
        b = erlang_b(traffic, agents, dps)
        c = n * b / (n - a * (1 - b))
        sl = 1 - c * mp.exp(-(n - a) * t / h)
        asa = c * h / (n - a)
        return b, c, sl, asa, a / n


def erlang_a_metrics(traffic, agents, aht, patience, t, dps: int = 60):
    """Erlang A by summing the chain state by state; ``t`` may be a list of thresholds.

    Returns a dict with prob_wait, abandon_rate, sl_offered (answered within t / offered),
    wait_within (P(W <= t)), asa_answered (mean wait of answered), mean_wait; with a list
    of thresholds, sl_offered and wait_within are lists.
    """
    many = isinstance(t, (list, tuple))
    ts = list(t) if many else [t]
    with mp.workdps(dps):
        a, h, p = mp.mpf(traffic), mp.mpf(aht), mp.mpf(patience)
        n = int(agents)
        mu, theta = 1 / h, 1 / p
        lam = a * mu
        below = [mp.mpf(1)]
        for k in range(1, n + 1):
            below.append(below[-1] * a / k)
        above = [below[-1]]
        j = 0
        while True:
            j += 1
            above.append(above[-1] * lam / (n * mu + j * theta))
            if j > 5 and above[-1] < mp.mpf(10) ** (-dps + 5) * above[0] and \
                    lam < n * mu + j * theta:
                break
        total = sum(below[:-1]) + sum(above)
        pw = sum(above) / total
        queue = sum(k * v for k, v in enumerate(above)) / total
        ab = theta * queue / lam
        jmax = len(above) - 1
    # A contact arriving to n+j waits for j+1 advances at rates r_i = n mu + i theta; its
    # offered wait has density sum_i c_i r_i exp(-r_i v), c_i = prod_{l != i} r_l/(r_l - r_i)
    # (updated state by state: c_i *= r_j / (r_j - r_i) when rate r_j joins).
    work = dps + 2 * jmax + 40
    with mp.workdps(work):
        a, h, p = mp.mpf(traffic), mp.mpf(aht), mp.mpf(patience)
        mu, theta = 1 / h, 1 / p
        weights = [v / total for v in above]
        rates: list = []
        coefs: list = []
        served_within = [mp.mpf(0)] * len(ts)
        waited_longer = [mp.mpf(0)] * len(ts)
        served_wait = mp.mpf(0)
        for jj, w in enumerate(weights):
            r_new = n * mu + jj * theta
            coefs = [c * r_new / (r_new - r) for c, r in zip(coefs, rates)]
            c_new = mp.mpf(1)
            for r in rates:
                c_new *= r / (r - r_new)
            rates.append(r_new)
            coefs.append(c_new)
            for c, r in zip(coefs, rates):
                served_wait += w * c * r / (r + theta) ** 2
                for k, tk in enumerate(ts):
                    e = mp.exp(-(r + theta) * mp.mpf(tk))
                    served_within[k] += w * c * r / (r + theta) * (1 - e)
                    waited_longer[k] += w * c * e
        answered = 1 - ab
        sl = [(1 - pw) + s for s in served_within]
        within = [1 - x for x in waited_longer]
        return {
            "prob_wait": +pw,
            "abandon_rate": +ab,
            "sl_offered": sl if many else sl[0],
            "wait_within": within if many else within[0],
            "asa_answered": served_wait / answered,
            "mean_wait": ab * p,
        }
