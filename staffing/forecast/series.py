"""History as a matrix of local days x wall-clock slots, and back to the horizon's intervals.

Every model works on a ``days x slots`` matrix: row ``d`` is a local date, column ``s`` the
wall-clock slot ``[s * interval, (s + 1) * interval)`` minutes after local midnight. A DST
spring-forward day has slots that do not exist (``exists`` is False there); on a fall-back day
the repeated slots hold the mean of their two intervals, so a value is always a rate per
interval. A forecast matrix maps back to the horizon's real intervals by wall-clock slot: a
23-hour day gets 23 hours of intervals and a 25-hour day 25, each with its slot's rate.

NaN in ``volume`` means *missing* (no row, or an empty volume cell); 0 means none (or closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import ForecastError
from staffing.timegrid import interval_grid

__all__ = ["QueueSeries", "history_minutes", "locate", "slot_multiplicity", "to_series"]

_DAY_SECONDS = 86_400


def _wall(stamps: pd.Series | pd.DatetimeIndex, time_zone: str) -> np.ndarray:
    """Local wall-clock times of aware stamps, as naive ``datetime64[s]``."""
    index = pd.DatetimeIndex(stamps)
    if index.tz is None:
        raise ForecastError("history: interval_start must be aware timestamps (with a time zone)")
    return index.tz_convert(time_zone).tz_localize(None).to_numpy().astype("datetime64[s]")


def locate(stamps: pd.Series | pd.DatetimeIndex, time_zone: str, first_date: dt.date,
           interval_minutes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day row, wall-clock slot and within-slot offset of each stamp.

    Returns ``(day, slot, offset_seconds)``: ``day`` counts local days from ``first_date``,
    ``slot`` is the wall-clock slot of length ``interval_minutes`` [min] and ``offset_seconds``
    how far past the slot's start the stamp lies. [s]
    """
    wall = _wall(stamps, time_zone)
    day_start = wall.astype("datetime64[D]")
    day = (day_start - np.datetime64(first_date, "D")).astype(np.int64)
    seconds = (wall - day_start.astype("datetime64[s]")).astype(np.int64)
    step = interval_minutes * 60
    return day, seconds // step, seconds % step


def slot_multiplicity(first_date: dt.date, days: int, interval_minutes: int,
                      time_zone: str) -> np.ndarray:
    """How many real intervals each wall-clock slot has: 1, 0 (skipped by a spring-forward
    change) or 2 (repeated by a fall-back change). Shape ``days x slots``."""
    grid = interval_grid(first_date, days, interval_minutes, time_zone)
    slots = 1440 // interval_minutes
    day, slot, _ = locate(grid, time_zone, first_date, interval_minutes)
    counts = np.zeros((days, slots), dtype=np.int64)
    np.add.at(counts, (day, slot), 1)
    return counts


def history_minutes(stamps: pd.Series) -> int:
    """The interval length of one queue's history: the smallest step between rows. [min]"""
    epoch = pd.DatetimeIndex(stamps).as_unit("s").asi8
    if len(epoch) < 2:
        return 0
    steps = np.diff(np.sort(epoch))
    steps = steps[steps > 0]
    return int(steps.min() // 60) if len(steps) else 0


@dataclass(frozen=True)
class QueueSeries:
    """One queue's history on a wall-clock grid.

    Attributes
    ----------
    queue : queue id.
    first_date : local date of row 0.
    interval_minutes : slot length. [min]
    time_zone : IANA zone of the site.
    volume : ``days x slots`` contacts per interval; NaN = missing or not a real interval.
        [contacts]
    exists : ``days x slots``, False where a DST change skips the wall-clock slot.
    aht_seconds : ``days x slots`` volume-weighted mean handle time, NaN when unknown. [s]
    aht_weight : ``days x slots`` contacts behind each ``aht_seconds`` value. [contacts]
    """

    queue: str
    first_date: dt.date
    interval_minutes: int
    time_zone: str
    volume: np.ndarray
    exists: np.ndarray
    aht_seconds: np.ndarray
    aht_weight: np.ndarray

    @property
    def days(self) -> int:
        """Number of local days (rows). [days]"""
        return int(self.volume.shape[0])

    @property
    def slots(self) -> int:
        """Wall-clock slots per day."""
        return int(self.volume.shape[1])

    def dates(self) -> np.ndarray:
        """Local date of every row, as ``datetime64[D]``."""
        return np.datetime64(self.first_date, "D") + np.arange(self.days)


def to_series(frame: pd.DataFrame, queue: str, *, time_zone: str, interval_minutes: int,
              first_date: dt.date, end_date: dt.date) -> QueueSeries:
    """Put one queue's history rows on the wall-clock grid of ``interval_minutes`` [min].

    Rows finer than ``interval_minutes`` are summed into it: a coarse interval with a missing
    (NaN or absent) part is missing. AHT is averaged weighted by volume. Only rows from local
    midnight of ``first_date`` to (excluding) ``end_date`` are used.
    """
    days = (end_date - first_date).days
    slots = 1440 // interval_minutes
    multiplicity = slot_multiplicity(first_date, days, interval_minutes, time_zone)
    exists = multiplicity > 0
    volume = np.full((days, slots), np.nan)
    aht = np.full((days, slots), np.nan)
    weight = np.zeros((days, slots))
    if frame.empty:
        return QueueSeries(queue, first_date, interval_minutes, time_zone, volume, exists, aht,
                           weight)
    fine = history_minutes(frame["interval_start"]) or interval_minutes
    per_slot = max(1, interval_minutes // fine)
    day, slot, offset = locate(frame["interval_start"], time_zone, first_date, interval_minutes)
    epoch = pd.DatetimeIndex(frame["interval_start"]).as_unit("s").asi8
    start_epoch = epoch - offset  # the coarse interval's start, distinct for a repeated hour
    vol = frame["volume"].to_numpy(dtype=float)
    a = frame["aht_seconds"].to_numpy(dtype=float) if "aht_seconds" in frame else np.full(
        len(frame), np.nan)
    keep = (day >= 0) & (day < days)
    day, slot, start_epoch, vol, a = day[keep], slot[keep], start_epoch[keep], vol[keep], a[keep]
    known_aht = np.isfinite(a) & np.isfinite(vol) & (vol > 0)
    grouped = pd.DataFrame({
        "key": start_epoch,
        "day": day,
        "slot": slot,
        "volume": np.nan_to_num(vol),
        "missing": ~np.isfinite(vol),
        "rows": 1,
        "aht_volume": np.where(known_aht, a * np.nan_to_num(vol), 0.0),
        "aht_weight": np.where(known_aht, vol, 0.0),
    }).groupby("key", sort=False).agg(
        day=("day", "first"), slot=("slot", "first"), volume=("volume", "sum"),
        missing=("missing", "any"), rows=("rows", "sum"), aht_volume=("aht_volume", "sum"),
        aht_weight=("aht_weight", "sum"),
    )
    complete = ~grouped["missing"].to_numpy() & (grouped["rows"].to_numpy() >= per_slot)
    d = grouped["day"].to_numpy()
    s = grouped["slot"].to_numpy()
    total = np.zeros((days, slots))
    count = np.zeros((days, slots))
    np.add.at(total, (d[complete], s[complete]), grouped["volume"].to_numpy()[complete])
    np.add.at(count, (d[complete], s[complete]), 1)
    aht_volume = np.zeros((days, slots))
    np.add.at(aht_volume, (d, s), grouped["aht_volume"].to_numpy())
    np.add.at(weight, (d, s), grouped["aht_weight"].to_numpy())
    # A repeated (fall-back) slot is complete only when both of its intervals are.
    full = exists & (count >= multiplicity) & (count > 0)
    volume[full] = total[full] / count[full]
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(weight > 0, aht_volume / weight, np.nan)
    return QueueSeries(queue, first_date, interval_minutes, time_zone, volume, exists, aht,
                       weight)
