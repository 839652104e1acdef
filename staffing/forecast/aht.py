"""Average handle time per queue and interval.

The forecast AHT of a slot is the volume-weighted mean AHT of the same weekday and slot over
the last :data:`WEEKS` weeks, shrunk toward the slot's all-weekday mean and that toward the
queue's recent overall mean when few contacts stand behind it (:data:`PRIOR_CONTACTS`
contacts' worth of prior). A queue's configured ``aht_seconds`` replaces the forecast.
"""

from __future__ import annotations

import numpy as np

from staffing.forecast.calendar import weekdays_of
from staffing.forecast.series import QueueSeries

__all__ = ["PRIOR_CONTACTS", "WEEKS", "forecast_aht"]

WEEKS = 8
PRIOR_CONTACTS = 30.0


def forecast_aht(series: QueueSeries, origin: int, window: int) -> np.ndarray | None:
    """AHT of every slot of the window's days (``window x slots``) [s]; ``None`` when the
    history holds no handle times."""
    start = max(0, origin - 7 * WEEKS)
    aht = series.aht_seconds[start:origin]
    weight = np.where(np.isfinite(aht), series.aht_weight[start:origin], 0.0)
    if weight.sum() <= 0:
        return None
    seconds = np.where(weight > 0, np.nan_to_num(aht) * weight, 0.0)
    overall = seconds.sum() / weight.sum()
    slot_w = weight.sum(axis=0)
    slot_mean = (seconds.sum(axis=0) + PRIOR_CONTACTS * overall) / (slot_w + PRIOR_CONTACTS)
    weekdays = weekdays_of(series.dates()[start:origin])
    by_weekday = np.empty((7, series.slots))
    for w in range(7):
        rows = weekdays == w
        w_sum = weight[rows].sum(axis=0)
        by_weekday[w] = (seconds[rows].sum(axis=0) + PRIOR_CONTACTS * slot_mean) / (
            w_sum + PRIOR_CONTACTS)
    window_weekdays = weekdays_of(series.dates()[origin: origin + window])
    return by_weekday[window_weekdays]
