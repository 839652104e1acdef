"""Local, DST-aware interval grids and timestamp parsing.

All times in the library are ``pandas.Timestamp`` objects aware of the site's IANA time zone.
An interval grid is built in absolute time, so a spring-forward day has fewer intervals (92 of
15 min in Europe/Berlin) and a fall-back day more (100); the repeated local hour is told apart by
its UTC offset. Files carry ISO-8601 timestamps with the offset (``2026-10-25T02:15:00+02:00``);
naive local timestamps are accepted on input and placed in the site's zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from staffing.errors import ConfigError, DataError

__all__ = [
    "VALID_INTERVAL_MINUTES",
    "Horizon",
    "check_time_zone",
    "format_timestamps",
    "interval_grid",
    "parse_timestamps",
]

VALID_INTERVAL_MINUTES = (15, 30, 60)


def check_time_zone(name: str) -> ZoneInfo:
    """Return the ``ZoneInfo`` for an IANA name, or raise ``ConfigError`` saying what is valid."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai' or "
            "'Europe/Berlin'"
        ) from None


def interval_grid(
    start_date: dt.date, days: int, interval_minutes: int, time_zone: str
) -> pd.DatetimeIndex:
    """Interval starts from local midnight of ``start_date`` for ``days`` local days.

    Parameters
    ----------
    start_date : first local day of the grid.
    days : number of local days. [days]
    interval_minutes : interval length. [min]
    time_zone : IANA name of the site's zone.

    Returns
    -------
    Aware ``DatetimeIndex`` in ``time_zone``; its length follows DST (a 23-hour day has fewer
    intervals).
    """
    check_time_zone(time_zone)
    start = pd.Timestamp(start_date).tz_localize(time_zone, nonexistent="shift_forward")
    end_day = start_date + dt.timedelta(days=days)
    end = pd.Timestamp(end_day).tz_localize(time_zone, nonexistent="shift_forward")
    utc = pd.date_range(
        start.tz_convert("UTC"),
        end.tz_convert("UTC"),
        freq=pd.Timedelta(minutes=interval_minutes),
        inclusive="left",
    )
    return utc.tz_convert(time_zone)


@dataclass(frozen=True)
class Horizon:
    """The planning window: local days at a fixed interval length in the site's zone.

    Attributes
    ----------
    start_date : first local day planned.
    days : number of local days planned. [days]
    interval_minutes : interval length, one of 15, 30, 60. [min]
    time_zone : IANA name of the site's zone.
    """

    start_date: dt.date
    days: int
    interval_minutes: int
    time_zone: str

    def intervals(self) -> pd.DatetimeIndex:
        """Every interval start of the horizon (aware, DST-correct)."""
        return interval_grid(self.start_date, self.days, self.interval_minutes, self.time_zone)

    @property
    def start(self) -> pd.Timestamp:
        """Local midnight that opens the horizon."""
        return pd.Timestamp(self.start_date).tz_localize(self.time_zone, nonexistent="shift_forward")

    @property
    def end(self) -> pd.Timestamp:
        """Local midnight that closes the horizon (exclusive)."""
        return pd.Timestamp(self.end_date).tz_localize(self.time_zone, nonexistent="shift_forward")

    @property
    def end_date(self) -> dt.date:
        """First local day after the horizon."""
        return self.start_date + dt.timedelta(days=self.days)

    def dates(self) -> list[dt.date]:
        """The local days of the horizon, in order."""
        return [self.start_date + dt.timedelta(days=i) for i in range(self.days)]


def parse_timestamps(
    values: pd.Series,
    time_zone: str,
    *,
    where: str,
    column: str,
    first_row: int = 2,
    groups: pd.Series | None = None,
) -> pd.Series:
    """Parse ISO-8601 strings into aware timestamps in ``time_zone``.

    Strings with a UTC offset are converted to the zone. Naive strings are local times: a time
    that does not exist (skipped by a spring-forward change) is an error; a time that occurs
    twice (fall-back) is resolved by the order of the rows within each of ``groups`` (e.g. the
    queue column), so the first 01:30 is the one before the change. Raises ``DataError`` naming ``where`` (the file), the ``column`` and the row
    (``first_row`` is the file row of ``values.iloc[0]``; 2 for a CSV with a header).
    """
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0]) + first_row
        raise DataError(f"{where}: row {row}: {column} is empty; give an ISO-8601 timestamp")
    has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {time_zone}]")
    if has_offset.any():
        parsed = pd.to_datetime(text[has_offset], errors="coerce", utc=True, format="ISO8601")
        _raise_unparsable(text[has_offset], parsed, where, column, values.index, first_row)
        out[has_offset] = parsed.dt.tz_convert(time_zone)
    naive = ~has_offset
    if naive.any():
        parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        _raise_unparsable(text[naive], parsed, where, column, values.index, first_row)
        try:
            local = _localize_in_order(
                parsed, time_zone, None if groups is None else groups[naive]
            )
        except _NonExistent as exc:
            row = values.index.get_loc(exc.label) + first_row
            raise DataError(
                f"{where}: row {row}: {column} {text[exc.label]} does not exist in {time_zone} "
                "(clocks jump forward over it); remove the row or write the time with its UTC "
                "offset"
            ) from None
        out[naive] = local
    return out


class _NonExistent(Exception):
    def __init__(self, label) -> None:
        self.label = label


def _raise_unparsable(text, parsed, where, column, index, first_row) -> None:
    bad = parsed.isna()
    if bad.any():
        label = bad[bad].index[0]
        row = index.get_loc(label) + first_row
        raise DataError(
            f"{where}: row {row}: {column} {text[label]!r} is not an ISO-8601 timestamp; "
            "write it like 2026-11-23T09:15:00+08:00 or 2026-11-23 09:15"
        )


def _localize_in_order(
    parsed: pd.Series, time_zone: str, groups: pd.Series | None
) -> pd.Series:
    """Localize naive local times; a repeated (fall-back) time takes the offset of its order."""
    nonexistent = parsed.dt.tz_localize(time_zone, ambiguous="NaT", nonexistent="NaT").isna()
    nonexistent &= parsed.dt.tz_localize(time_zone, ambiguous=True, nonexistent="NaT").isna()
    if nonexistent.any():
        raise _NonExistent(nonexistent[nonexistent].index[0])
    # Within a group, the first occurrence of a wall time is daylight time, a repeat standard.
    keys = [parsed] if groups is None else [groups, parsed]
    first_occurrence = (parsed.groupby(keys).cumcount() == 0).to_numpy()
    return parsed.dt.tz_localize(time_zone, ambiguous=first_occurrence, nonexistent="raise")


def format_timestamps(values: pd.Series | pd.DatetimeIndex) -> list[str]:
    """ISO-8601 with the UTC offset, second precision: ``2026-11-23T09:15:00+08:00``."""
    ts = pd.Series(values)
    return [t.isoformat(timespec="seconds") for t in ts]
