"""Forecast orchestration: choose a model per queue, forecast volume and AHT, add bands.

For each queue: the history strictly before the horizon start is put on the horizon's
wall-clock grid (summed up when finer), the candidate models are backtested on rolling origins
one week apart, the best by WAPE is refitted at the horizon start, its prediction interval is
calibrated on its backtest errors, and the AHT is forecast (or taken from the queue's config).
See the modules of this package for each step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.config import EventConfig, ForecastSettings, HolidaysConfig, QueueConfig
from staffing.errors import DataError, ForecastError
from staffing.forecast.aht import forecast_aht
from staffing.forecast.backtest import (
    AUTO_MODELS,
    MODELS,
    OriginRun,
    components,
    metrics_table,
    naive_scale,
    run_models,
    with_combinations,
)
from staffing.forecast.calendar import HolidayCalendar, holiday_calendar
from staffing.forecast.context import prepare
from staffing.forecast.events import EventDays, event_days
from staffing.forecast.intervals import bands, default_spread, fit_spread
from staffing.forecast.series import QueueSeries, history_minutes, locate, to_series
from staffing.timegrid import Horizon

__all__ = ["FORECAST_COLUMNS", "ForecastResult", "build_forecast"]

FORECAST_COLUMNS = ("queue", "interval_start", "volume", "volume_lower", "volume_upper",
                    "aht_seconds")
BACKTEST_DAYS = 7  # [days] each backtest origin forecasts at most a week


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

    Only history strictly before the horizon's first local midnight is used, so a past week
    can be forecast and compared with what happened.

    Parameters
    ----------
    history : history format (``queue, interval_start, volume, aht_seconds``), aware times;
        NaN volume = missing data, 0 = closed.
    horizon : the days and interval length to forecast (may be coarser than the history).
    queues : queue configs; a queue's ``aht_seconds``, when set, replaces the AHT forecast.
        Without queues, every queue of the history is forecast.
    events : named events (promotions, peaks, anomalies, closures) past and future.
    holidays : the public-holiday calendar to learn from and apply.
    settings : model choice, interval coverage, backtest length.

    Raises
    ------
    ForecastError : a queue has no usable history, a named model needs more history than
        there is, or a queue has neither AHT in its history nor ``aht_seconds`` configured.
    DataError : the history frame lacks a column or has naive timestamps.
    """
    frame = _checked(history)
    if 1440 % horizon.interval_minutes:
        raise ForecastError(f"interval_minutes must divide a day (e.g. 15, 30, 60), got "
                            f"{horizon.interval_minutes}")
    configs = {q.id: q for q in queues}
    queue_ids = list(configs) or list(dict.fromkeys(frame["queue"]))
    if not queue_ids:
        raise ForecastError("history: no rows; the history needs at least one queue")
    start = horizon.start
    notes: list[str] = []
    frame = frame[frame["interval_start"] < start]
    if settings.history_weeks is not None:
        frame = frame[frame["interval_start"] >= start - pd.Timedelta(weeks=settings.history_weeks)]
    groups = dict(tuple(frame.groupby("queue", sort=False)))
    first_dates = [pd.Timestamp(g["interval_start"].min()).tz_convert(horizon.time_zone).date()
                   for g in groups.values() if len(g)]
    first = min(first_dates, default=horizon.start_date)
    calendar = holiday_calendar(holidays, first - dt.timedelta(days=62),
                                horizon.end_date + dt.timedelta(days=62))

    from threadpoolctl import threadpool_limits

    _load_statsmodels()
    frames, models, tables = [], {}, []
    # Small state-space fits run several times slower when BLAS spreads them over threads.
    with threadpool_limits(1):
        for queue in queue_ids:
            rows = groups.get(queue)
            out = _forecast_queue(queue, rows, horizon, configs.get(queue), calendar, events,
                                  settings)
            frames.append(out.frame)
            models[queue] = out.model
            if out.backtest is not None and not out.backtest.empty:
                tables.append(out.backtest)
            notes += out.notes
    result = pd.concat(frames, ignore_index=True)[list(FORECAST_COLUMNS)]
    backtest = pd.concat(tables, ignore_index=True) if tables else None
    return ForecastResult(result, models, backtest, tuple(notes))


def _load_statsmodels() -> None:
    """Import the statsmodels pieces before BLAS threads are limited (a library loaded later
    would escape the limit)."""
    import statsmodels.tsa.holtwinters  # noqa: F401
    import statsmodels.tsa.seasonal  # noqa: F401
    import statsmodels.tsa.statespace.sarimax  # noqa: F401


def _checked(history: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("queue", "interval_start", "volume") if c not in history.columns]
    if missing:
        raise DataError(f"history: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; the history needs queue, interval_start, volume "
                        f"(found {', '.join(map(str, history.columns)) or 'no columns'})")
    stamps = history["interval_start"]
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise DataError("history: interval_start must hold time-zone-aware timestamps (read the "
                        "file with staffing.io.read_history, or tz_localize the column)")
    out = history[["queue", "interval_start", "volume"]].copy()
    out["queue"] = out["queue"].astype(str)
    out["volume"] = pd.to_numeric(out["volume"], errors="coerce").astype(float)
    if (out["volume"] < 0).any():
        raise DataError("history: volume must be >= 0, got "
                        f"{out['volume'][out['volume'] < 0].iloc[0]:g}")
    aht = history["aht_seconds"] if "aht_seconds" in history.columns else np.nan
    out["aht_seconds"] = pd.to_numeric(aht, errors="coerce") if not np.isscalar(aht) else aht
    return out.sort_values(["queue", "interval_start"], kind="stable")


@dataclass(frozen=True)
class _QueueForecast:
    frame: pd.DataFrame
    model: str
    backtest: pd.DataFrame | None
    notes: list[str]


def _forecast_queue(queue: str, rows: pd.DataFrame | None, horizon: Horizon,
                    config: QueueConfig | None, calendar: HolidayCalendar,
                    events: Sequence[EventConfig], settings: ForecastSettings) -> _QueueForecast:
    start_text = horizon.start_date.isoformat()
    if rows is None or not np.isfinite(rows["volume"]).any():
        raise ForecastError(f"queue {queue!r}: no history with volumes before {start_text}; "
                            "add the queue's past intervals to the history, or remove the queue")
    minutes = horizon.interval_minutes
    step = history_minutes(rows["interval_start"])
    if step and (step > minutes or minutes % step):
        raise ForecastError(
            f"queue {queue!r}: the history is in {step}-min intervals, which do not add up to "
            f"the {minutes}-min intervals asked; forecast at a multiple of {step} min "
            f"(interval_minutes) or give a finer history")
    notes: list[str] = []
    zone = horizon.time_zone
    first_date = pd.Timestamp(rows["interval_start"].iloc[0]).tz_convert(zone).date()
    series = to_series(rows, queue, time_zone=zone, interval_minutes=minutes,
                       first_date=first_date, end_date=horizon.end_date)
    start = (horizon.start_date - first_date).days
    known_days = np.flatnonzero(np.isfinite(series.volume[:start]).any(axis=1))
    if not len(known_days):
        raise ForecastError(f"queue {queue!r}: every interval of the history before "
                            f"{start_text} is missing (empty volume); nothing to forecast from")
    span = start - int(known_days[0])
    dates = series.dates()
    lay = event_days(events, queue, dates)

    names, origins, chosen = _plan_models(queue, span, start, int(known_days[0]), settings,
                                          notes)
    window = min(horizon.days, BACKTEST_DAYS)
    runs = _backtest(series, origins, window, names, calendar, lay)
    table = None
    if runs:
        table = metrics_table(queue, runs, names, settings.interval_coverage, None)
        if chosen is None:
            ranked = table.dropna(subset=["wape"]).sort_values("wape", kind="stable")
            chosen = str(ranked["model"].iloc[0]) if len(ranked) else None
    ctx = prepare(series, start, horizon.days, holidays=calendar, events=lay)
    notes += ctx.notes
    order = [chosen] if chosen else []
    if table is not None:
        order += [m for m in table.sort_values("wape", kind="stable")["model"] if m != chosen]
    order += [m for m in ("recent_weeks", "seasonal_naive", "recent_days")
              if MODELS[m].min_days <= span and m not in order]
    forecast, used = None, None
    for name in order:
        forecast = run_models(ctx, [name]).get(name)
        if forecast is not None:
            used = name
            break
        notes.append(f"queue {queue!r}: model {name} could not be fitted at {start_text}; "
                     "trying the next best")
    assert forecast is not None and used is not None  # recent_days always forecasts
    if table is not None:
        table["chosen"] = table["model"] == used
    spread = default_spread(settings.interval_coverage)
    own = [r for r in runs if used in r.forecasts]
    if own:
        spread = fit_spread([r.forecasts[used] for r in own], [r.actual for r in own],
                            settings.interval_coverage)
    else:
        notes.append(f"queue {queue!r}: no backtest of {used} (history too short); the "
                     "prediction interval assumes Poisson noise and a 10 % level error")
    lower, upper = bands(forecast, spread)

    if config is not None and config.aht_seconds is not None:
        aht = np.full_like(forecast, float(config.aht_seconds))
    else:
        aht = forecast_aht(series, start, horizon.days)
        if aht is None:  # a volume-only history: the volume forecast is still of use
            aht = np.full_like(forecast, np.nan)
            notes.append(
                f"queue {queue!r}: no handle time in the history, so aht_seconds is left "
                f"empty; set queues[].aht_seconds for {queue!r} in the scenario (or add an "
                "aht_seconds column to the history) before computing requirements")
    frame = _to_frame(queue, horizon, forecast, lower, upper, aht)
    return _QueueForecast(frame, used, table, notes)


def _plan_models(queue: str, span: int, start: int, first_known: int,
                 settings: ForecastSettings, notes: list[str]
                 ) -> tuple[list[str], list[int], str | None]:
    """Candidate models, backtest origins and (when fixed in advance) the model to use."""
    weeks = settings.backtest_weeks
    if settings.model != "auto":
        name = settings.model
        needed = max(MODELS[p].min_days for p in components(name))
        if span < needed:
            raise ForecastError(
                f"queue {queue!r}: forecast.model {name} needs at least {needed} days of "
                f"history before the horizon, got {span}; set forecast.model: auto to fall "
                "back to a simpler model, or give a longer history")
        origins = [start - 7 * b for b in range(weeks, 0, -1) if start - 7 * b - first_known
                   >= needed]
        return [name], origins, name
    if span < MODELS["seasonal_naive"].min_days:
        notes.append(f"queue {queue!r}: only {span} day{'s' if span != 1 else ''} of history, "
                     "too short for a weekly pattern; forecast each day as the mean of the "
                     "last days, spread by the pooled intraday profile (recent_days)")
        return [], [], "recent_days"
    origins = [start - 7 * b for b in range(weeks, 0, -1)
               if start - 7 * b - first_known >= MODELS["seasonal_naive"].min_days]
    if not origins:
        notes.append(f"queue {queue!r}: only {span} days of history, too short to backtest "
                     f"or fit weekly models; used recent_weeks (the mean of the same weekday "
                     f"over the weeks there are)")
        return [], [], "recent_weeks"
    if len(origins) < weeks:
        notes.append(f"queue {queue!r}: the history holds {len(origins)} of the "
                     f"{weeks} backtest weeks asked (forecast.backtest_weeks)")
    earliest = origins[0] - first_known
    names = [m for m in AUTO_MODELS if MODELS[m].min_days <= earliest]
    left_out = [m for m in AUTO_MODELS if m not in names]
    if left_out:
        needed = max(MODELS[m].min_days for m in left_out)
        notes.append(f"queue {queue!r}: {', '.join(left_out)} need{'s' if len(left_out) == 1 else ''}"
                     f" up to {needed} days of history at every backtest origin; with {span} "
                     f"days only {', '.join(names)} were tried")
    return with_combinations(names), origins, None


def _backtest(series: QueueSeries, origins: Sequence[int], window: int, names: Sequence[str],
              calendar: HolidayCalendar, lay: EventDays) -> list[OriginRun]:
    runs = []
    for origin in origins:
        ctx = prepare(series, origin, window, holidays=calendar, events=lay)
        actual = series.volume[origin: origin + window].copy()
        actual[~series.exists[origin: origin + window]] = np.nan
        run = OriginRun(origin, actual, naive_scale(ctx))
        run.forecasts = run_models(ctx, names)
        runs.append(run)
    return runs


def _to_frame(queue: str, horizon: Horizon, forecast: np.ndarray, lower: np.ndarray,
              upper: np.ndarray, aht: np.ndarray) -> pd.DataFrame:
    """Read the horizon's real intervals off the wall-clock matrices."""
    intervals = horizon.intervals()
    day, slot, _ = locate(intervals, horizon.time_zone, horizon.start_date,
                          horizon.interval_minutes)
    return pd.DataFrame({
        "queue": queue,
        "interval_start": intervals,
        "volume": forecast[day, slot],
        "volume_lower": lower[day, slot],
        "volume_upper": upper[day, slot],
        "aht_seconds": aht[day, slot],
    })
