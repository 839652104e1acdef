"""MSTL at interval level: daily and weekly seasonal components plus a smoothed level.

The last :data:`WEEKS` weeks of the open days and open slots (closed nights and weekends
dropped, so the periods are the open slots per day and per week) are decomposed by statsmodels'
``MSTL``; the deseasonalised series is forecast by simple exponential smoothing and the last
daily and weekly seasonal cycles are added back. Special days are divided by their calendar
effect before the fit and missing intervals filled from a week before, so a holiday or a data
gap does not leak into the seasonal components.
"""

from __future__ import annotations

import warnings

import numpy as np

from staffing.forecast.context import Context

__all__ = ["WEEKS", "mstl"]

WEEKS = 8  # weeks of interval history decomposed


def mstl(ctx: Context) -> np.ndarray | None:
    """MSTL forecast of the window; ``None`` with under 3 weeks of history."""
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing
    from statsmodels.tsa.seasonal import MSTL

    open_days = ctx.open_days
    slots = np.flatnonzero(ctx.open_slots)
    if not len(slots):
        return ctx.finish_matrix(np.zeros((ctx.window, ctx.series.slots)))
    start = max(0, ctx.origin - 7 * WEEKS)
    rows = start + np.flatnonzero(open_days[start: ctx.origin])
    period = 7 - len(ctx.closed_weekdays)
    if len(rows) < 3 * period or not np.isfinite(ctx.totals[rows]).any():
        return None
    values = ctx.series.volume[rows][:, slots] * np.exp(-ctx.log_effect[rows])[:, None]
    values[ctx.excluded[rows]] = np.nan
    first = np.flatnonzero(np.isfinite(values).any(axis=1))[0]
    values, rows = values[first:], rows[first:]
    if len(rows) < 3 * period:
        return None
    values = _fill(values, period, ctx, rows, slots)
    x = values.ravel()
    day_period = len(slots)
    periods = (day_period, day_period * period) if period > 1 else (day_period,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # Loess evaluated every ``jump`` points and interpolated (as R's stl does): the
            # weekly trend window spans thousands of points at 5-15 min.
            jump = max(1, day_period // 4)
            fit = MSTL(x, periods=periods, stl_kwargs={
                "robust": False, "trend_jump": jump, "low_pass_jump": jump}).fit()
            seasonal = np.asarray(fit.seasonal).reshape(len(x), -1)
            deseasonal = x - seasonal.sum(axis=1)
            level = float(SimpleExpSmoothing(deseasonal, initialization_method="estimated")
                          .fit().forecast(1)[0])
        except (np.linalg.LinAlgError, ValueError):
            return None
    window_open = open_days[ctx.window_rows()]
    steps = int(window_open.sum()) * day_period
    future = np.full(steps, level)
    for j, p in enumerate(periods):
        cycle = seasonal[-p:, j]
        future += np.resize(cycle, steps) if steps else 0.0
    out = np.zeros((ctx.window, ctx.series.slots))
    out[np.ix_(np.flatnonzero(window_open), slots)] = np.maximum(
        future.reshape(-1, day_period), 0.0)
    return ctx.finish_matrix(out)


def _fill(values: np.ndarray, period: int, ctx: Context, rows: np.ndarray,
          slots: np.ndarray) -> np.ndarray:
    """Fill missing intervals from a week before (or after), then from the weekday profile."""
    values = values.copy()
    for _ in range(4):
        gaps = ~np.isfinite(values)
        if not gaps.any():
            return values
        earlier = np.vstack([np.full((period, values.shape[1]), np.nan), values[:-period]])
        later = np.vstack([values[period:], np.full((period, values.shape[1]), np.nan)])
        values = np.where(gaps, np.where(np.isfinite(earlier), earlier, later), values)
    gaps = ~np.isfinite(values)
    if gaps.any():
        totals = ctx.normal_totals()
        level = np.nanmedian(totals[np.isfinite(totals) & (totals > 0)]) if np.isfinite(
            totals).any() else 0.0
        guess = level * ctx.base_profiles[ctx.weekday[rows]][:, slots]
        values = np.where(gaps, guess, values)
    return values
