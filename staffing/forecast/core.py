"""Forecast orchestration: choose a model per queue, forecast volume and AHT, add bands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from staffing.config import EventConfig, ForecastSettings, HolidaysConfig, QueueConfig
from staffing.timegrid import Horizon

__all__ = ["ForecastResult", "build_forecast"]


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and how it was made.

    Attributes
    ----------
    frame : forecast format: ``queue, interval_start, volume, volume_lower, volume_upper,
        aht_seconds`` — one row per queue and horizon interval. [contacts per interval, s]
    models : the model chosen for each queue.
    backtest : per queue and model, the rolling-origin accuracy (WAPE, MASE, bias, coverage),
        or ``None`` when no backtest was run.
    notes : fallbacks taken and other things a planner should know, one sentence each.
    """

    frame: pd.DataFrame
    models: Mapping[str, str]
    backtest: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def build_forecast(
    history: pd.DataFrame,
    horizon: Horizon,
    *,
    queues: Sequence[QueueConfig] = (),
    events: Sequence[EventConfig] = (),
    holidays: HolidaysConfig | None = None,
    settings: ForecastSettings = ForecastSettings(),
) -> ForecastResult:
    """Forecast every queue of ``history`` over ``horizon``.

    Parameters
    ----------
    history : history format (``queue, interval_start, volume, aht_seconds``), aware times;
        NaN volume = missing data, 0 = closed.
    horizon : the days and interval length to forecast (may be coarser than the history).
    queues : queue configs; a queue's ``aht_seconds``, when set, replaces the AHT forecast.
    events : named events (promotions, peaks, anomalies, closures) past and future.
    holidays : the public-holiday calendar to learn from and apply.
    settings : model choice, interval coverage, backtest length.
    """
    raise NotImplementedError("built by the forecasting issue")
