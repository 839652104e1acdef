"""Stage 1 — forecast contact volume and handle time per queue and interval.

Entry point: :func:`build_forecast` (history frame in, forecast frame out, in the forecast format
of ``docs/formats.md``). Mid-day, :func:`reforecast` moves a forecast by the contacts seen so far
today; :func:`backtest_intraday` scores that on past weeks (``forecast/intraday.py``).
"""

from staffing.forecast.core import ForecastResult, build_forecast
from staffing.forecast.intraday import (
    IntradayMethod,
    IntradayResult,
    backtest_intraday,
    reforecast,
)

__all__ = [
    "ForecastResult",
    "IntradayMethod",
    "IntradayResult",
    "backtest_intraday",
    "build_forecast",
    "reforecast",
]
