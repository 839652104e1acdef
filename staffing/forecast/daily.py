"""Daily-total models spread over the day by learned intraday profiles.

The daily totals of the open days (a center closed at weekends has a 5-day week), adjusted for
their calendar effects, are modelled in logs with statsmodels:

* ``daily_sarimax``: SARIMAX(1,0,1)(0,1,1)_P, P = open days per week — weekly seasonality by
  seasonal differencing, a slowly moving level, missing days handled by the Kalman filter;
* ``daily_ets``: additive ETS with a damped trend and weekly seasonality (missing days filled
  from the same day a week before).

The forecast totals get the calendar effects of their days back (holidays, events) and are
spread over the day by each day's profile (:meth:`Context.finish_totals`). Only the last
:data:`MAX_DAYS` days are fitted: older data adds little to a weekly level and costs time.
"""

from __future__ import annotations

import warnings

import numpy as np

from staffing.forecast.context import Context

__all__ = ["MAX_DAYS", "daily_ets", "daily_sarimax", "open_day_series"]

MAX_DAYS = 371  # [days] 53 weeks of daily totals are fitted at most


def open_day_series(ctx: Context) -> tuple[np.ndarray, np.ndarray, int]:
    """Log normal-day totals of the open training days, the window's open rows, period P.

    Returns ``(y, window_open, period)``: ``y`` holds the open days of the last
    :data:`MAX_DAYS` days before the origin (NaN = unknown), ``window_open`` flags the window's
    open days, ``period`` is the number of open weekdays (the seasonal period).
    """
    start = max(0, ctx.origin - MAX_DAYS)
    open_days = ctx.open_days
    totals = ctx.normal_totals()[start:]
    rows = np.flatnonzero(open_days[start: ctx.origin])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(totals[rows] > 0, np.log(totals[rows]), np.nan)
    first = np.flatnonzero(np.isfinite(y))
    y = y[first[0]:] if len(first) else y[:0]
    period = 7 - len(ctx.closed_weekdays)
    return y, open_days[ctx.window_rows()], max(period, 1)


def _spread(ctx: Context, forecast_log: np.ndarray, window_open: np.ndarray) -> np.ndarray:
    totals = np.zeros(ctx.window)
    totals[window_open] = np.exp(forecast_log)
    return ctx.finish_totals(totals)


def daily_sarimax(ctx: Context) -> np.ndarray | None:
    """SARIMAX on log daily totals; ``None`` when it cannot be fitted."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y, window_open, period = open_day_series(ctx)
    steps = int(window_open.sum())
    if np.isfinite(y).sum() < 4 * period or steps == 0:
        return None if steps else ctx.finish_totals(np.zeros(ctx.window))
    seasonal = (0, 1, 1, period) if period > 1 else (0, 0, 0, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = SARIMAX(y, order=(1, 0, 1), seasonal_order=seasonal,
                            concentrate_scale=True)
            fit = model.fit(disp=False, method="lbfgs", maxiter=60)
            forecast = np.asarray(fit.forecast(steps))
        except (np.linalg.LinAlgError, ValueError):
            return None
    if not np.isfinite(forecast).all():
        return None
    return _spread(ctx, forecast, window_open)


def daily_ets(ctx: Context) -> np.ndarray | None:
    """Damped-trend additive ETS on log daily totals; ``None`` when it cannot be fitted."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y, window_open, period = open_day_series(ctx)
    steps = int(window_open.sum())
    if steps == 0:
        return ctx.finish_totals(np.zeros(ctx.window))
    y = _fill_seasonal(y, period)
    if y is None or len(y) < 3 * period:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = ExponentialSmoothing(
                y, trend="add", damped_trend=True,
                seasonal="add" if period > 1 else None,
                seasonal_periods=period if period > 1 else None,
                initialization_method="estimated",
            )
            forecast = np.asarray(model.fit().forecast(steps))
        except (np.linalg.LinAlgError, ValueError):
            return None
    if not np.isfinite(forecast).all():
        return None
    return _spread(ctx, forecast, window_open)


def _fill_seasonal(y: np.ndarray, period: int) -> np.ndarray | None:
    """Fill gaps with the value one season earlier (or later at the start)."""
    y = y.copy()
    if not np.isfinite(y).any():
        return None
    for _ in range(8):
        gaps = np.flatnonzero(~np.isfinite(y))
        if not len(gaps):
            break
        for i in gaps:
            if i >= period and np.isfinite(y[i - period]):
                y[i] = y[i - period]
            elif i + period < len(y) and np.isfinite(y[i + period]):
                y[i] = y[i + period]
    if not np.isfinite(y).all():
        known = np.flatnonzero(np.isfinite(y))
        y = np.interp(np.arange(len(y)), known, y[known])
    return y
