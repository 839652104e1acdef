"""A picture of a forecast: recent history, the forecast and its prediction band per queue.

Needs matplotlib (``pip install 'staffing[plot]'``); the figure is returned, and the caller
(the CLI) saves it.
"""

from __future__ import annotations

import pandas as pd

from staffing.errors import StaffingError

__all__ = ["HISTORY_DAYS", "forecast_figure"]

HISTORY_DAYS = 14  # [days] of history drawn before the forecast


def forecast_figure(history: pd.DataFrame, forecast: pd.DataFrame, *, time_zone: str,
                    coverage: float, history_days: int = HISTORY_DAYS):
    """One panel per queue: the last ``history_days`` [days] of history, the forecast and its
    ``coverage`` band. Returns a ``matplotlib.figure.Figure``."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        raise StaffingError("--plot needs matplotlib; install it with pip install "
                            "'staffing[plot]' (or pip install matplotlib)") from None
    queues = list(dict.fromkeys(forecast["queue"]))
    figure = Figure(figsize=(12, 2.8 * len(queues)), layout="constrained")
    axes = figure.subplots(len(queues), 1, squeeze=False)[:, 0]
    start = forecast["interval_start"].min()
    since = start - pd.Timedelta(days=history_days)
    for ax, queue in zip(axes, queues, strict=True):
        past = history[(history["queue"] == queue) & (history["interval_start"] >= since)
                       & (history["interval_start"] < start)]
        ahead = forecast[forecast["queue"] == queue]
        wall = ahead["interval_start"].dt.tz_convert(time_zone).dt.tz_localize(None)
        ax.plot(past["interval_start"].dt.tz_convert(time_zone).dt.tz_localize(None),
                past["volume"], color="0.4", lw=0.8, label="history")
        ax.fill_between(wall, ahead["volume_lower"], ahead["volume_upper"], color="tab:blue",
                        alpha=0.25, lw=0, label=f"{coverage:.0%} prediction interval")
        ax.plot(wall, ahead["volume"], color="tab:blue", lw=1.0, label="forecast")
        ax.set_title(queue, loc="left")
        ax.set_ylabel("contacts per interval")
        ax.margins(x=0)
    axes[0].legend(loc="upper left", ncols=3, fontsize="small")
    return figure
