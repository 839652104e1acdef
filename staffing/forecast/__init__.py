"""Stage 1 — forecast contact volume and handle time per queue and interval.

Entry point: :func:`build_forecast` (history frame in, forecast frame out, in the forecast format
of ``docs/formats.md``).
"""

from staffing.forecast.core import ForecastResult, build_forecast

__all__ = ["ForecastResult", "build_forecast"]
