"""Synthetic histories with a known truth (weekly and intraday shape, holidays, events).

Nothing is fitted at import: the generator is a plain function, and the forecasts several tests
share are module-scoped fixtures in the test modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from staffing.timegrid import interval_grid

#: Planted weekly shape, Monday first: busy start of the week, quiet weekend.
WEEKLY = np.array([1.25, 1.10, 1.00, 1.00, 0.95, 0.70, 0.60])


def two_peaks(hours: np.ndarray) -> np.ndarray:
    """Planted intraday shape: a late-morning and an evening peak, a quiet night. [relative]"""
    return (np.exp(-0.5 * ((hours - 10.5) / 2.0) ** 2)
            + 0.7 * np.exp(-0.5 * ((hours - 19.5) / 2.0) ** 2) + 0.05)


def synthetic_history(
    start: dt.date,
    days: int,
    *,
    time_zone: str = "Europe/Berlin",
    interval_minutes: int = 60,
    daily: float = 2000.0,
    weekly: np.ndarray = WEEKLY,
    shape: Callable[[np.ndarray], np.ndarray] = two_peaks,
    day_factor: Mapping[dt.date, float] | None = None,
    day_shape: Mapping[dt.date, Callable[[np.ndarray], np.ndarray]] | None = None,
    open_hours: tuple[float, float] | None = None,
    level_sd: float = 0.0,
    queue: str = "voice",
    aht_seconds: float | None = 240.0,
    noise: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """A queue's history in the history format with a known expected volume.

    The expected volume of an interval is ``daily * weekly[weekday] * day_factor[date] *
    share(slot)`` where ``share`` is ``shape`` normalised over a 24-hour day's wall-clock
    slots; a 23-hour DST day simply lacks one slot. ``day_shape[date](hours)`` further
    multiplies the intervals of that date (a changed intraday shape). ``level_sd`` multiplies each day by a
    lognormal level error; volumes are Poisson draws (``noise``) or the expected values.
    The expected volume is returned in column ``expected``.
    """
    rng = np.random.default_rng(seed)
    stamps = interval_grid(start, days, interval_minutes, time_zone)
    hours = stamps.hour + stamps.minute / 60 + interval_minutes / 120  # slot midpoints
    grid_hours = (np.arange(1440 // interval_minutes) + 0.5) * interval_minutes / 60
    rate = shape(hours) / shape(grid_hours).sum()
    if open_hours is not None:
        inside = (hours >= open_hours[0]) & (hours < open_hours[1])
        open_grid = (grid_hours >= open_hours[0]) & (grid_hours < open_hours[1])
        rate = np.where(inside, shape(hours), 0.0) / shape(grid_hours)[open_grid].sum()
    dates = stamps.date
    factor = np.ones(len(stamps))
    if day_factor:
        factor = np.array([day_factor.get(d, 1.0) for d in dates])
    if day_shape:
        for day, reshape in day_shape.items():
            on_day = dates == day
            factor[on_day] = factor[on_day] * reshape(np.asarray(hours)[on_day])
    if level_sd:
        day_index = np.array([(d - start).days for d in dates])
        factor = factor * rng.lognormal(0.0, level_sd, days)[day_index]
    expected = daily * weekly[stamps.day_of_week] * factor * rate
    volume = rng.poisson(expected).astype(float) if noise else expected.copy()
    aht = np.full(len(stamps), np.nan) if aht_seconds is None else np.where(
        volume > 0, aht_seconds * (1 + 0.2 * (hours < 7)), np.nan)
    return pd.DataFrame({"queue": queue, "interval_start": stamps, "volume": volume,
                         "aht_seconds": aht, "expected": expected})


def daily_totals(frame: pd.DataFrame, column: str, time_zone: str) -> pd.Series:
    """Per local date, the sum of ``column``."""
    days = frame["interval_start"].dt.tz_convert(time_zone).dt.date
    return frame.groupby(days)[column].sum()
