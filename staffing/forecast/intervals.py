"""Prediction intervals calibrated on rolling-origin backtest errors.

Contact counts scatter around their expected value by more than Poisson noise: the day's level
is itself uncertain. The variance of an interval's volume is modelled as

    var(y) = a * f + phi * f**2

(``f`` the forecast, ``a`` the Poisson-like part, ``phi`` the squared relative error of the
level), fitted by weighted non-negative least squares to the squared backtest errors. The band
is ``f + z * sqrt(var)`` with ``z`` the empirical quantiles of the standardised backtest errors
(so skew and heavy tails are kept), cut at 0. Without a backtest a default spread is used:
Poisson noise with a 10 % level error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.stats import norm

__all__ = ["Spread", "bands", "default_spread", "fit_spread", "holdout_coverage"]


@dataclass(frozen=True)
class Spread:
    """Error model of a forecast: ``var = a * f + phi * f**2``, band ``f + z * sd``.

    Attributes
    ----------
    a : Poisson-like variance per contact. [contacts]
    phi : squared relative level error. [1]
    z_lower, z_upper : standardised error quantiles at the band's ends.
    """

    a: float
    phi: float
    z_lower: float
    z_upper: float


def default_spread(coverage: float) -> Spread:
    """Poisson noise plus a 10 % level error, normal quantiles."""
    z = float(norm.ppf(0.5 + coverage / 2))
    return Spread(1.0, 0.01, -z, z)


def _pairs(forecasts: Sequence[np.ndarray], actuals: Sequence[np.ndarray]):
    f = np.concatenate([np.ravel(x) for x in forecasts])
    y = np.concatenate([np.ravel(x) for x in actuals])
    keep = np.isfinite(y) & np.isfinite(f) & (f > 0)
    return f[keep], y[keep]


def fit_spread(forecasts: Sequence[np.ndarray], actuals: Sequence[np.ndarray],
               coverage: float) -> Spread:
    """Fit the error model to backtest forecasts and what happened (matrices, NaN skipped)."""
    f, y = _pairs(forecasts, actuals)
    if len(f) < 20:
        return default_spread(coverage)
    e2 = (y - f) ** 2
    design = np.column_stack([f, f * f])
    a, phi = 1.0, 0.01
    for _ in range(3):  # iteratively reweighted: each squared error scaled by its variance
        weight = 1.0 / np.maximum(a * f + phi * f * f, 1e-9)
        coef, _ = nnls(design * weight[:, None], e2 * weight)
        a, phi = float(coef[0]), float(coef[1])
        if a + phi <= 0:
            a, phi = 1.0, 0.01
    sd = np.sqrt(a * f + phi * f * f)
    z = (y - f) / sd
    tail = (1 - coverage) / 2
    return Spread(a, phi, float(np.quantile(z, tail)), float(np.quantile(z, 1 - tail)))


def bands(forecast: np.ndarray, spread: Spread) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of the prediction interval of a forecast. [contacts]"""
    f = np.maximum(np.nan_to_num(forecast), 0.0)
    sd = np.sqrt(spread.a * f + spread.phi * f * f)
    lower = np.maximum(f + spread.z_lower * sd, 0.0)
    upper = np.maximum(f + spread.z_upper * sd, f)
    lower = np.minimum(lower, f)
    return lower, upper


def holdout_coverage(forecasts: Sequence[np.ndarray], actuals: Sequence[np.ndarray],
                     coverage: float) -> float:
    """Empirical coverage out of sample: each origin's band is fitted on the other origins.

    With a single origin the band is fitted on that origin itself. Intervals with no actual
    are skipped, and so are closed ones (forecast and actual both 0), which any band covers.
    """
    hits = total = 0
    for k in range(len(forecasts)):
        others = [i for i in range(len(forecasts)) if i != k] or [k]
        spread = fit_spread([forecasts[i] for i in others], [actuals[i] for i in others],
                            coverage)
        lower, upper = bands(forecasts[k], spread)
        y = actuals[k]
        known = np.isfinite(y) & ((y > 0) | (np.nan_to_num(forecasts[k]) > 0))
        hits += int(((y >= lower - 1e-9) & (y <= upper + 1e-9))[known].sum())
        total += int(known.sum())
    return hits / total if total else float("nan")
