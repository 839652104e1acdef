"""Baseline models at interval level: seasonal naive, mean of recent weeks, recent days.

Each takes a :class:`~staffing.forecast.context.Context` and returns the window's volume
matrix (``days x slots``) with the calendar layer applied, like every model. They look back over
*normal* days only (a holiday, an event day or an anomaly a week ago is skipped, the week before
used), so a promotion last week does not repeat this week and this week's promotion still gets
its uplift.
"""

from __future__ import annotations

import numpy as np

from staffing.forecast.context import Context

__all__ = ["recent_days", "recent_weeks", "seasonal_naive"]


def _usable(ctx: Context) -> np.ndarray:
    """Training rows a baseline may copy: known, positive total, not special, not excluded."""
    totals = ctx.totals
    return np.isfinite(totals) & (totals > 0) & ~ctx.special[: ctx.origin] & ~ctx.excluded


def _fill(day: np.ndarray, total: float, profile: np.ndarray) -> np.ndarray:
    """A copied day with its missing slots filled from the profile."""
    return np.where(np.isfinite(day), day, total * profile)


def seasonal_naive(ctx: Context) -> np.ndarray:
    """Each day copies the same weekday of the latest normal week before the origin."""
    usable = _usable(ctx)
    volume = ctx.series.volume
    out = np.zeros((ctx.window, ctx.series.slots))
    fallback = _mean_total(ctx)
    for k, i in enumerate(ctx.window_rows()):
        j = i - 7
        while j >= ctx.origin:
            j -= 7
        while j >= 0 and not usable[j]:
            j -= 7
        w = ctx.weekday[i]
        if j >= 0:
            out[k] = _fill(volume[j], ctx.totals[j], ctx.base_profiles[w])
        else:
            out[k] = fallback * ctx.base_profiles[w]
    return ctx.finish_matrix(out)


def recent_weeks(ctx: Context, weeks: int = 4) -> np.ndarray:
    """Each interval is the mean of the same weekday and slot over the last ``weeks`` normal
    weeks before the origin."""
    usable = _usable(ctx)
    volume = ctx.series.volume
    out = np.zeros((ctx.window, ctx.series.slots))
    fallback = _mean_total(ctx)
    for k, i in enumerate(ctx.window_rows()):
        w = ctx.weekday[i]
        rows = np.flatnonzero(usable & (ctx.weekday[: ctx.origin] == w))[-weeks:]
        if len(rows):
            days = [_fill(volume[j], ctx.totals[j], ctx.base_profiles[w]) for j in rows]
            out[k] = np.mean(days, axis=0)
        else:
            out[k] = fallback * ctx.base_profiles[w]
    return ctx.finish_matrix(out)


def recent_days(ctx: Context, days: int = 7) -> np.ndarray:
    """Short-history fallback: the mean total of the last ``days`` normal days, spread by the
    (pooled) intraday profile. Needs one day of history."""
    return ctx.finish_totals(np.full(ctx.window, _mean_total(ctx, days)))


def _mean_total(ctx: Context, days: int = 7) -> float:
    totals = ctx.normal_totals()
    known = totals[np.isfinite(totals) & (totals > 0) & ctx.open_days[: ctx.origin]]
    return float(known[-days:].mean()) if len(known) else 0.0
