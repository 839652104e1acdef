"""The intraday re-forecast: move the rest of a forecast by the contacts seen so far today.

A planner re-plans mid-day. What the day has brought so far says something about the rest of
it: a Monday running 20 % hot at noon will most likely stay hot until midnight. This module
scales the forecast from ``as_of`` on by a per-queue factor learned from the day so far, shrunk
toward 1 while little of the day has been seen, and says how it was done.

The method, per queue, on the local day of ``as_of`` (see :func:`reforecast`)::

    A  = actual contacts in the day's intervals that ended by as_of          [contacts]
    F  = forecast contacts in the same intervals                             [contacts]
    r  = A / F                                                               [-]
    w  = F / (F + k)         (credibility weight, k = credibility_contacts)  [-]
    f  = clip(1 + w (r - 1), factor_min, factor_max)                         [-]

The rest of the day (every interval that ends after ``as_of``) is multiplied by ``f``; day
``j`` after it by ``1 + (f - 1) * carry_per_day ** j``. ``volume_lower`` and
``volume_upper`` are multiplied by the same factor, so the band keeps its relative width.
Intervals that ended by ``as_of`` and have actuals take the actuals (their band collapses to
the actual), so the frame says what happened. With ``adjust_aht``, handle time is moved the
same way by the ratio of the actual workload to the forecast AHT's workload at the actual
volumes (weight ``n / (n + k)``, ``n`` the contacts with a handle time).

The credibility weight is Bühlmann's: if a day's level deviates from the forecast with
variance ``s2`` and the contacts are Poisson, the best linear estimate of the level from ``F``
expected contacts is ``1 + w (r - 1)`` with ``w = F / (F + 1 / s2)``; ``k`` stands for
``1 / s2``. Its default, 300 contacts, and no carry-over were picked from a small grid on the
bundled examples by ``benchmarks/intraday.py`` (the figures are in ``docs/scenario.md``).

:func:`backtest_intraday` scores the method: for each of the last weeks of a history it makes
the weekly forecast from the history before that week (:func:`staffing.forecast.build_forecast`),
then for every day and cut time re-forecasts from the contacts before the cut and compares the
WAPE of the rest of the day (and of the next day) with and without the re-forecast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.config import EventConfig, ForecastSettings, HolidaysConfig, QueueConfig
from staffing.errors import ConfigError, DataError
from staffing.forecast.core import build_forecast
from staffing.forecast.series import history_minutes
from staffing.timegrid import Horizon

__all__ = [
    "DEFAULT_CUTS",
    "INTRADAY_BACKTEST_COLUMNS",
    "INTRADAY_FACTOR_COLUMNS",
    "IntradayMethod",
    "IntradayResult",
    "backtest_intraday",
    "intraday_wape",
    "reforecast",
    "score_reforecast",
    "weekly_forecasts",
]

#: Local times of day at which :func:`backtest_intraday` re-forecasts.
DEFAULT_CUTS = (dt.time(10, 0), dt.time(12, 0), dt.time(15, 0))

#: Columns of :attr:`IntradayResult.factors`.
INTRADAY_FACTOR_COLUMNS = ("queue", "actual_so_far", "forecast_so_far", "share_passed",
                           "ratio", "weight", "factor", "aht_ratio", "aht_factor")

#: Columns of the frame :func:`score_reforecast` and :func:`backtest_intraday` return.
INTRADAY_BACKTEST_COLUMNS = ("week", "date", "cut", "span", "queue", "wape_forecast",
                             "wape_reforecast", "wape_noise_floor", "actual_volume",
                             "aht_error_forecast", "aht_error_reforecast", "factor")

_NS_PER_MINUTE = 60_000_000_000


@dataclass(frozen=True)
class IntradayMethod:
    """How the contacts so far move the rest of the forecast (see the module docstring).

    Attributes
    ----------
    credibility_contacts : ``k`` of the weight ``w = F / (F + k)``: the forecast contacts so
        far at which the day's own ratio counts half. Larger = more cautious. [contacts]
    carry_per_day : share of the factor's distance from 1 kept on each following day
        (0 = only the rest of today moves, 1 = every later day moves as much). [-]
    factor_min, factor_max : the factor's clip. [-]
    adjust_aht : also move ``aht_seconds`` by the day's handle times so far.
    """

    credibility_contacts: float = 300.0
    carry_per_day: float = 0.0
    factor_min: float = 0.5
    factor_max: float = 2.0
    adjust_aht: bool = True

    def __post_init__(self) -> None:
        if not self.credibility_contacts >= 0:
            raise ConfigError(f"intraday: credibility_contacts must be >= 0 contacts, got "
                              f"{self.credibility_contacts}")
        if not 0 <= self.carry_per_day <= 1:
            raise ConfigError(f"intraday: carry_per_day must be within 0..1, got "
                              f"{self.carry_per_day}")
        if not 0 < self.factor_min <= 1 <= self.factor_max:
            raise ConfigError(f"intraday: need 0 < factor_min <= 1 <= factor_max, got "
                              f"factor_min={self.factor_min}, factor_max={self.factor_max}")

    def weight(self, forecast_so_far: np.ndarray | float) -> np.ndarray:
        """Credibility of the day's own ratio, ``F / (F + k)``; 0 when ``F`` is 0. [-]"""
        f = np.asarray(forecast_so_far, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(f > 0, f / (f + self.credibility_contacts), 0.0)
        return np.where(np.isfinite(w), w, 1.0)

    def factor(self, ratio: np.ndarray | float, forecast_so_far: np.ndarray | float
               ) -> np.ndarray:
        """``clip(1 + w (ratio - 1), factor_min, factor_max)``. [-]"""
        w = self.weight(forecast_so_far)
        return np.clip(1.0 + w * (np.asarray(ratio, dtype=float) - 1.0), self.factor_min,
                       self.factor_max)


@dataclass(frozen=True)
class IntradayResult:
    """A re-forecast and how it was made.

    Attributes
    ----------
    frame : the forecast format (the input's columns and row order): intervals that ended by
        ``as_of`` with actuals hold the actuals, later ones the re-forecast. [contacts, s]
    factors : one row per queue of the forecast (:data:`INTRADAY_FACTOR_COLUMNS`):
        ``actual_so_far`` and ``forecast_so_far`` [contacts] over the day's intervals with
        actuals that ended by ``as_of``, ``share_passed`` (of the day's forecast volume) [-],
        ``ratio``, ``weight``, ``factor`` (applied to the rest of the day) [-], ``aht_ratio``
        and ``aht_factor`` [-].
    as_of : the moment the actuals run to (aware, in the forecast's zone).
    notes : queues kept as forecast and why, actuals ignored, one sentence each.
    """

    frame: pd.DataFrame
    factors: pd.DataFrame
    as_of: pd.Timestamp
    notes: tuple[str, ...] = field(default_factory=tuple)


def reforecast(forecast: pd.DataFrame, actuals: pd.DataFrame, *, as_of: pd.Timestamp,
               method: IntradayMethod = IntradayMethod()) -> IntradayResult:
    """Re-forecast from ``as_of`` on with the contacts seen so far on ``as_of``'s local day.

    Per queue, ``A`` and ``F`` are the actual and forecast contacts of the local day's
    intervals that ended by ``as_of`` and have complete actuals; the rest of the day is
    multiplied by ``f = clip(1 + w (A / F - 1), factor_min, factor_max)``, ``w = F / (F + k)``,
    and day ``j`` after it by ``1 + (f - 1) carry_per_day ** j`` (days before it are not
    moved). Bands move with the volume. Intervals that ended by ``as_of`` take their actuals
    (on any day of the forecast); an interval with incomplete actuals (a NaN volume, a
    missing row) keeps the forecast moved by the factor. See the module docstring.

    Parameters
    ----------
    forecast : forecast format (``queue, interval_start, volume`` and, when present,
        ``volume_lower, volume_upper, aht_seconds``), aware times; the local day is read in
        the zone of ``interval_start``. [contacts per interval, s]
    actuals : history format (``queue, interval_start, volume`` and optionally
        ``aht_seconds``), aware times, in the forecast's intervals or finer ones that add up
        to them (15-min actuals for a 30-min forecast); rows from ``as_of`` on are ignored.
        NaN volume = missing. [contacts per interval, s]
    as_of : aware timestamp: the actuals are complete up to here.
    method : the weight, carry-over and clip (:class:`IntradayMethod`).

    Raises
    ------
    DataError : a frame lacks a column, has naive timestamps, duplicate rows, or actuals in
        coarser intervals than the forecast; ``as_of`` is naive.
    """
    fc = _checked(forecast, "forecast")
    act = _checked(actuals, "actuals")
    zone = str(fc["interval_start"].dt.tz)
    as_of = _checked_as_of(as_of, zone)
    day = as_of.date()
    day_start, day_end = _midnight(day, zone), _midnight(day + dt.timedelta(days=1), zone)

    notes: list[str] = []
    out = forecast.copy()
    volume = fc["volume"].to_numpy(dtype=float).copy()
    bands = {c: fc[c].to_numpy(dtype=float).copy() for c in ("volume_lower", "volume_upper")
             if c in fc.columns}
    has_aht = "aht_seconds" in fc.columns
    aht = fc["aht_seconds"].to_numpy(dtype=float).copy() if has_aht else None
    act = act[act["interval_start"] < as_of]
    known = set(fc["queue"])
    extra = [q for q in dict.fromkeys(act["queue"]) if q not in known]
    if extra:
        notes.append(f"actuals: queue{'s' if len(extra) > 1 else ''} "
                     f"{', '.join(map(repr, extra))} not in the forecast; ignored")
    act_groups = dict(tuple(act.groupby("queue", sort=False)))
    starts = fc["interval_start"]
    local_days = _local_dates(starts, zone)
    days_after = (local_days - np.datetime64(day, "D")).astype(np.int64)
    rows_factors = []
    for queue, idx in fc.groupby("queue", sort=False).indices.items():
        rows = fc.iloc[idx]
        grid = _on_grid(rows, act_groups.get(queue), queue)
        ends = grid.end_ns
        past = ends <= as_of.value
        today = (grid.start_ns >= day_start.value) & (grid.start_ns < day_end.value)
        seen = past & grid.complete
        f_vol = volume[idx]
        forecast_day = float(np.nansum(f_vol[today]))
        so_far = seen & today & np.isfinite(f_vol)
        F = float(f_vol[so_far].sum())
        A = float(grid.volume[so_far].sum())
        ratio, factor = np.nan, 1.0
        if grid.rows == 0:
            notes.append(f"queue {queue!r}: no actuals before {_text(as_of)}; the forecast is "
                         "kept")
        elif not so_far.any():
            notes.append(f"queue {queue!r}: no interval of {day.isoformat()} with actuals "
                         f"ended by {_text(as_of)}; the rest of the day keeps the forecast")
        elif F <= 0:
            notes.append(f"queue {queue!r}: the forecast so far on {day.isoformat()} is 0 "
                         f"contacts ({A:g} came); factor 1, the rest of the day keeps the "
                         "forecast")
        else:
            ratio = A / F
            factor = float(method.factor(ratio, F))
        gaps = int((past & today & ~grid.complete).sum())
        if gaps and grid.rows:
            notes.append(f"queue {queue!r}: {gaps} interval{'s' if gaps > 1 else ''} of "
                         f"{day.isoformat()} before {_text(as_of)} "
                         f"{'have' if gaps > 1 else 'has'} no complete actuals; "
                         f"{'they keep' if gaps > 1 else 'it keeps'} the re-forecast")
        aht_ratio, aht_factor = np.nan, 1.0
        if method.adjust_aht and aht is not None:
            aht_ratio, with_aht = _aht_ratio(grid, aht[idx], so_far)
            if np.isfinite(aht_ratio):
                aht_factor = float(method.factor(aht_ratio, with_aht))

        # Later intervals: the factor, carried to later days with its decay.
        # (Today's intervals without complete actuals, past ones too, are moved like the rest.)
        later = days_after[idx]
        moved = ~seen & (later >= 0) & ((ends > as_of.value) | today)
        carry = np.where(moved, method.carry_per_day ** np.maximum(later, 0), 0.0)
        volume[idx] = f_vol * (1.0 + (factor - 1.0) * carry)
        for values in bands.values():
            values[idx] = values[idx] * (1.0 + (factor - 1.0) * carry)
        if aht is not None:
            aht[idx] = aht[idx] * (1.0 + (aht_factor - 1.0) * carry)
        # Intervals that ended with actuals: what happened.
        volume[idx[seen]] = grid.volume[seen]
        for values in bands.values():
            values[idx[seen]] = grid.volume[seen]
        if aht is not None:
            took = seen & np.isfinite(grid.aht_seconds) & (grid.aht_volume > 0)
            aht[idx[took]] = grid.aht_seconds[took]

        rows_factors.append({
            "queue": queue, "actual_so_far": A, "forecast_so_far": F,
            "share_passed": F / forecast_day if forecast_day > 0 else np.nan,
            "ratio": ratio, "weight": float(method.weight(F)), "factor": factor,
            "aht_ratio": aht_ratio, "aht_factor": aht_factor,
        })
    out["volume"] = volume
    for column, values in bands.items():
        out[column] = values
    if aht is not None:
        out["aht_seconds"] = aht
    factors = pd.DataFrame(rows_factors, columns=list(INTRADAY_FACTOR_COLUMNS))
    return IntradayResult(out, factors, as_of, tuple(notes))


# ----------------------------------------------------------------------------- input checks
def _checked(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in ("queue", "interval_start", "volume") if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; the {name} needs queue, interval_start, volume "
                        f"(found {', '.join(map(str, frame.columns)) or 'no columns'})")
    if not isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype):
        raise DataError(f"{name}: interval_start must hold time-zone-aware timestamps (read "
                        "the file with staffing.io.read_history or read_format, or "
                        "tz_localize the column to the site's zone)")
    out = frame.copy()
    out["queue"] = out["queue"].astype(str)
    out["volume"] = pd.to_numeric(out["volume"], errors="coerce").astype(float)
    if (out["volume"] < 0).any():
        raise DataError(f"{name}: volume must be >= 0, got "
                        f"{out['volume'][out['volume'] < 0].iloc[0]:g}")
    for column in ("volume_lower", "volume_upper", "aht_seconds"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    duplicated = out.duplicated(["queue", "interval_start"])
    if duplicated.any():
        row = out[duplicated].iloc[0]
        raise DataError(f"{name}: queue {row['queue']!r} has more than one row at "
                        f"{_text(row['interval_start'])}; give one row per queue and interval")
    return out


def _checked_as_of(as_of: pd.Timestamp | dt.datetime, zone: str) -> pd.Timestamp:
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is None:
        raise DataError(f"as_of must be a time-zone-aware timestamp, got {stamp} without a "
                        f"zone; give it with its zone, e.g. pd.Timestamp('{stamp}', "
                        f"tz='{zone}')")
    return stamp.tz_convert(zone)


def _text(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).isoformat(timespec="minutes")


def _midnight(day: dt.date, zone: str) -> pd.Timestamp:
    """Local midnight that opens ``day`` (as :class:`staffing.timegrid.Horizon` places it)."""
    return Horizon(day, 1, 60, zone).start


def _local_dates(stamps: pd.Series, zone: str) -> np.ndarray:
    wall = pd.DatetimeIndex(stamps).tz_convert(zone).tz_localize(None)
    return wall.to_numpy().astype("datetime64[D]")


# --------------------------------------------------------------------- actuals on the grid
@dataclass(frozen=True)
class _Grid:
    """One queue's actuals summed into its forecast intervals (the forecast rows' order)."""

    start_ns: np.ndarray
    end_ns: np.ndarray
    volume: np.ndarray       # [contacts], NaN where incomplete
    complete: np.ndarray     # every part of the interval has a row with a volume
    aht_seconds: np.ndarray  # volume-weighted, NaN when no contact with a handle time [s]
    aht_volume: np.ndarray   # contacts behind aht_seconds [contacts]
    rows: int                # actual rows of the queue


def _on_grid(rows: pd.DataFrame, actual: pd.DataFrame | None, queue: str) -> _Grid:
    """Sum ``actual`` (history rows of one queue) into the forecast intervals of ``rows``."""
    start = pd.DatetimeIndex(rows["interval_start"]).as_unit("ns").asi8
    step = history_minutes(rows["interval_start"])
    n = len(rows)
    empty = _Grid(start, start + max(step, 1) * _NS_PER_MINUTE, np.full(n, np.nan),
                  np.zeros(n, dtype=bool), np.full(n, np.nan), np.zeros(n), 0)
    if actual is None or actual.empty:
        return empty
    a_start = pd.DatetimeIndex(actual["interval_start"]).as_unit("ns").asi8
    a_step = history_minutes(actual["interval_start"]) or step
    if not step:
        step = a_step
    if not step:
        raise DataError(f"forecast: queue {queue!r} has a single interval and its actuals a "
                        "single row, so the interval length is unknown; give at least two "
                        "intervals")
    if a_step > step or step % a_step:
        raise DataError(f"actuals: queue {queue!r} is in {a_step}-min intervals, which do not "
                        f"add up to the forecast's {step}-min intervals; give actuals in "
                        f"{step}-min intervals or a divisor of {step} min")
    end = start + step * _NS_PER_MINUTE
    order = np.argsort(start, kind="stable")
    sorted_start = start[order]
    pos = np.searchsorted(sorted_start, a_start, side="right") - 1
    inside = pos >= 0
    pos = np.where(inside, pos, 0)
    inside &= a_start + a_step * _NS_PER_MINUTE <= sorted_start[pos] + step * _NS_PER_MINUTE
    target = order[pos[inside]]
    vol = actual["volume"].to_numpy(dtype=float)[inside]
    a_aht = (actual["aht_seconds"].to_numpy(dtype=float)[inside]
             if "aht_seconds" in actual.columns else np.full(len(vol), np.nan))
    finite = np.isfinite(vol)
    total = np.bincount(target, weights=np.where(finite, vol, 0.0), minlength=n)
    gaps = np.bincount(target, weights=(~finite).astype(float), minlength=n)
    parts = np.bincount(target, minlength=n)
    complete = (gaps == 0) & (parts * a_step >= step)
    with_aht = finite & np.isfinite(a_aht) & (vol > 0)
    aht_volume = np.bincount(target, weights=np.where(with_aht, vol, 0.0), minlength=n)
    work = np.bincount(target, weights=np.where(with_aht, vol * a_aht, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(aht_volume > 0, work / aht_volume, np.nan)
    return _Grid(start, end, np.where(complete, total, np.nan), complete, aht, aht_volume,
                 len(actual))


def _aht_ratio(grid: _Grid, forecast_aht: np.ndarray, so_far: np.ndarray
               ) -> tuple[float, float]:
    """Actual workload over the forecast AHT's workload at the actual volumes, and the
    contacts behind it: ``sum(v a_y) / sum(v a_f)`` over the intervals so far with both
    handle times. ``(nan, 0)`` when there are none. [-, contacts]"""
    ok = so_far & np.isfinite(grid.aht_seconds) & np.isfinite(forecast_aht) & (
        grid.aht_volume > 0)
    contacts = float(grid.aht_volume[ok].sum())
    work_forecast = float((grid.aht_volume * forecast_aht)[ok].sum())
    if contacts <= 0 or work_forecast <= 0:
        return float("nan"), 0.0
    return float((grid.aht_volume * grid.aht_seconds)[ok].sum()) / work_forecast, contacts


# -------------------------------------------------------------------------------- backtest
def weekly_forecasts(
    history: pd.DataFrame,
    *,
    time_zone: str,
    interval_minutes: int,
    weeks: int = 8,
    queues: Sequence[QueueConfig] = (),
    events: Sequence[EventConfig] = (),
    holidays: HolidaysConfig | None = None,
    settings: ForecastSettings | None = None,
) -> dict[dt.date, pd.DataFrame]:
    """One 7-day forecast for each of the last ``weeks`` whole weeks of ``history``.

    The weeks end on the history's last local day; each is forecast by
    :func:`staffing.forecast.build_forecast` from the history strictly before its first day.
    Returns ``{first day of the week: forecast frame}``, oldest first. ``settings`` default
    to :class:`staffing.config.ForecastSettings`'s.
    """
    settings = ForecastSettings() if settings is None else settings
    last = pd.Timestamp(history["interval_start"].max()).tz_convert(time_zone).date()
    out = {}
    for back in range(weeks, 0, -1):
        start = last - dt.timedelta(days=7 * back - 1)
        horizon = Horizon(start, 7, interval_minutes, time_zone)
        out[start] = build_forecast(history, horizon, queues=queues, events=events,
                                    holidays=holidays, settings=settings).frame
    return out


def score_reforecast(
    history: pd.DataFrame,
    forecasts: Mapping[dt.date, pd.DataFrame],
    *,
    cuts: Sequence[dt.time] = DEFAULT_CUTS,
    method: IntradayMethod = IntradayMethod(),
) -> pd.DataFrame:
    """Score the re-forecast against the forecast it starts from, on what happened.

    For each forecast week, day and cut time: :func:`reforecast` from the history before the
    cut (local time), then per queue the WAPE ``sum |y - f| / sum y`` of the rest of the day
    (from the cut to midnight, span ``rest_of_day``) and of the whole next day of the same
    forecast (span ``next_day``, for the carry-over), for the forecast and the re-forecast,
    and the volume-weighted AHT error ``sum y |a_f - a_y| / sum y a_y``. Intervals without
    complete actuals are left out. ``wape_noise_floor`` is ``sum sqrt(2 y / pi) / sum y``,
    the WAPE a perfect expected value would still have on Poisson counts ``y``.

    Returns
    -------
    One row per week, date, cut, span and queue: :data:`INTRADAY_BACKTEST_COLUMNS`
    (``cut`` as ``HH:MM``; ``factor`` is the queue's factor on the cut's day).
    """
    frame = _checked(history, "history")
    groups = dict(tuple(frame.groupby("queue", sort=False)))
    records = []
    for week, fc in forecasts.items():
        fc = _checked(fc, "forecast")
        zone = str(fc["interval_start"].dt.tz)
        in_week = frame[(frame["interval_start"] >= _midnight(week, zone))
                        & (frame["interval_start"] < _midnight(week + dt.timedelta(days=7),
                                                               zone))]
        week_groups = dict(tuple(in_week.groupby("queue", sort=False)))
        # What happened, on the forecast's intervals, once per week.
        actual = np.full(len(fc), np.nan)
        actual_aht = np.full(len(fc), np.nan)
        for queue, idx in fc.groupby("queue", sort=False).indices.items():
            if queue not in groups:
                continue
            grid = _on_grid(fc.iloc[idx], week_groups.get(queue), queue)
            actual[idx] = grid.volume
            actual_aht[idx] = grid.aht_seconds
        dates = _local_dates(fc["interval_start"], zone)
        stamps = fc["interval_start"]
        queues = fc["queue"].to_numpy()
        for offset in range(7):
            day = week + dt.timedelta(days=offset)
            on_day = dates == np.datetime64(day, "D")
            next_day = dates == np.datetime64(day + dt.timedelta(days=1), "D")
            for cut in cuts:
                as_of = pd.Timestamp(dt.datetime.combine(day, cut)).tz_localize(
                    zone, nonexistent="shift_forward", ambiguous=True)
                result = reforecast(fc, in_week[in_week["interval_start"] < as_of],
                                    as_of=as_of, method=method)
                new = result.frame["volume"].to_numpy(dtype=float)
                new_aht = (result.frame["aht_seconds"].to_numpy(dtype=float)
                           if "aht_seconds" in result.frame.columns else None)
                factors = dict(zip(result.factors["queue"], result.factors["factor"],
                                   strict=True))
                rest = on_day & (stamps >= as_of).to_numpy()
                for span, mask in (("rest_of_day", rest), ("next_day", next_day)):
                    if not mask.any():
                        continue
                    for queue in dict.fromkeys(queues[mask]):
                        m = mask & (queues == queue) & np.isfinite(actual)
                        records.append(_score_row(
                            week, day, cut, span, queue, actual[m], fc["volume"].to_numpy(
                                dtype=float)[m], new[m], actual_aht[m],
                            _column(fc, "aht_seconds")[m],
                            None if new_aht is None else new_aht[m],
                            factors.get(queue, 1.0)))
    return pd.DataFrame(records, columns=list(INTRADAY_BACKTEST_COLUMNS))


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy(dtype=float)
    return np.full(len(frame), np.nan)


def _score_row(week, day, cut, span, queue, y, f, g, aht_y, aht_f, aht_g, factor) -> dict:
    total = float(y.sum())

    def wape(pred):
        return float(np.abs(pred - y).sum()) / total if total > 0 else np.nan

    def aht_error(pred):
        if pred is None:
            return np.nan
        ok = np.isfinite(aht_y) & np.isfinite(pred) & (y > 0)
        work = float((y * aht_y)[ok].sum())
        return float((y * np.abs(pred - aht_y))[ok].sum()) / work if work > 0 else np.nan

    floor = float(np.sqrt(2 * y / np.pi).sum()) / total if total > 0 else np.nan
    return {"week": week, "date": day, "cut": cut.strftime("%H:%M"), "span": span,
            "queue": queue, "wape_forecast": wape(f), "wape_reforecast": wape(g),
            "wape_noise_floor": floor, "actual_volume": total,
            "aht_error_forecast": aht_error(aht_f), "aht_error_reforecast": aht_error(aht_g),
            "factor": factor}


def backtest_intraday(
    history: pd.DataFrame,
    *,
    time_zone: str,
    interval_minutes: int,
    weeks: int = 8,
    cuts: Sequence[dt.time] = DEFAULT_CUTS,
    method: IntradayMethod = IntradayMethod(),
    queues: Sequence[QueueConfig] = (),
    events: Sequence[EventConfig] = (),
    holidays: HolidaysConfig | None = None,
    settings: ForecastSettings | None = None,
) -> pd.DataFrame:
    """The re-forecast against the weekly forecast over the last ``weeks`` of ``history``:
    :func:`weekly_forecasts` (one forecast per week, history before it only), then
    :func:`score_reforecast` at each day's ``cuts``. Summarise with :func:`intraday_wape`."""
    forecasts = weekly_forecasts(history, time_zone=time_zone, interval_minutes=interval_minutes,
                                 weeks=weeks, queues=queues, events=events, holidays=holidays,
                                 settings=settings)
    return score_reforecast(history, forecasts, cuts=cuts, method=method)


def intraday_wape(scores: pd.DataFrame, by: Sequence[str] = ("cut",)) -> pd.DataFrame:
    """WAPE of the forecast and the re-forecast pooled over the rows of each ``by`` group:
    ``sum(wape * actual_volume) / sum(actual_volume)``, i.e. the absolute errors summed before
    dividing; ``change`` = re-forecast minus forecast (< 0: better). AHT errors likewise,
    weighted by the volume."""
    frame = scores.copy()
    weight = frame["actual_volume"]
    cols = {}
    for column in ("wape_forecast", "wape_reforecast", "wape_noise_floor",
                   "aht_error_forecast", "aht_error_reforecast"):
        ok = frame[column].notna()
        frame[f"_{column}"] = (frame[column] * weight).where(ok, 0.0)
        frame[f"_w_{column}"] = weight.where(ok, 0.0)
        cols[column] = (f"_{column}", f"_w_{column}")
    keys = list(by)
    grouped = frame.groupby(keys, sort=True) if keys else frame.groupby(lambda _: 0)
    sums = grouped[[c for pair in cols.values() for c in pair] + ["actual_volume"]].sum()
    out = pd.DataFrame(index=sums.index)
    for column, (num, den) in cols.items():
        out[column] = sums[num] / sums[den].where(sums[den] > 0)
    out["change"] = out["wape_reforecast"] - out["wape_forecast"]
    out["actual_volume"] = sums["actual_volume"]
    return out.reset_index(drop=not keys)
