"""Day features: public holidays and their eves and after-days, month turns, weekend workdays.

Public holidays come from the ``holidays`` package by country and subdivision. Each holiday day
gets a pooled ``holiday`` feature and a named one (``holiday:Labor Day``), so an effect is
learned per holiday name across years and falls back to the pooled effect of all holidays for a
name not seen before. The open day before a run of holidays is an ``eve``, the first two open days
after it ``after1`` and ``after2`` (the backlog of a long weekend), and the first and last open
working days of a month ``month_start`` and ``month_end``. China's substituted working days
(a Saturday or Sunday worked to bridge a holiday) are ``workday``: they behave like a weekday.

A day is *open* when its weekday is not regularly closed (see :func:`closed_weekdays`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from staffing.config import HolidaysConfig

__all__ = [
    "FEATURE_PENALTIES",
    "HolidayCalendar",
    "closed_weekdays",
    "feature_penalty",
    "holiday_calendar",
    "holiday_features",
]

#: Ridge penalty per feature kind, in pseudo-days at no effect: a named holiday seen once keeps
#: half of its own deviation from the pooled holiday effect; pooled effects and events keep
#: nearly all of what they show.
FEATURE_PENALTIES: Mapping[str, float] = {
    "holiday": 0.1,
    "holiday:": 1.0,
    "eve": 0.1,
    "eve:": 1.0,
    "after1": 0.2,
    "after2": 0.2,
    "month_start": 0.5,
    "month_end": 0.5,
    "workday": 0.1,
    "event:": 0.1,
}

_OBSERVED = re.compile(r"\s*\((observed|estimated)\)", re.IGNORECASE)
_SUBSTITUTED = re.compile(r"\s*\(substituted from [^)]*\)", re.IGNORECASE)


def feature_penalty(key: str) -> float:
    """Ridge penalty of a feature key (see :data:`FEATURE_PENALTIES`)."""
    if key in FEATURE_PENALTIES:
        return FEATURE_PENALTIES[key]
    if key.startswith("holiday_"):  # pooled effect of another category (holiday_optional)
        return FEATURE_PENALTIES["holiday"]
    return FEATURE_PENALTIES[key.split(":", 1)[0] + ":"]


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays of a date range.

    Attributes
    ----------
    names : local date -> holiday names of that day (normalised: ``(observed)`` and
        ``(substituted from ...)`` dropped, so a name is the same every year).
    workdays : weekend days worked instead of a bridged holiday (China's ``weekend_workdays``).
    extra : category (``optional``, ``school``, ...) -> date -> names: the holidays of the
        other categories asked (``holidays.categories``), e.g. Israel's intermediate days of
        Pesach and Sukkot (``optional``).
    """

    names: Mapping[dt.date, tuple[str, ...]]
    workdays: frozenset[dt.date]
    extra: Mapping[str, Mapping[dt.date, tuple[str, ...]]] = field(default_factory=dict)


def _normalise(name: str) -> str:
    return _SUBSTITUTED.sub("", _OBSERVED.sub("", name)).strip()


def holiday_calendar(config: HolidaysConfig | None, first: dt.date,
                     last: dt.date) -> HolidayCalendar:
    """The holidays of ``config``'s country and subdivision from ``first`` to ``last``."""
    if config is None:
        return HolidayCalendar({}, frozenset())
    import holidays

    years = list(range(first.year, last.year + 1))

    def named(category: str) -> tuple[dict[dt.date, tuple[str, ...]], object]:
        calendar = holidays.country_holidays(config.country, subdiv=config.subdivision,
                                             years=years, categories=(category,))
        out: dict[dt.date, tuple[str, ...]] = {}
        for day in sorted(calendar):
            if first <= day <= last:
                parts = [_normalise(p) for p in calendar.get_list(day)]
                out[day] = tuple(dict.fromkeys(p for p in parts if p))
        return out, calendar

    names, public = named("public") if "public" in config.categories else ({}, None)
    workdays = frozenset(d for d in getattr(public, "weekend_workdays", ()) or ()
                         if first <= d <= last)
    extra = {c: named(c)[0] for c in config.categories if c != "public"}
    return HolidayCalendar(names, workdays, extra)


def closed_weekdays(totals: np.ndarray, weekdays: np.ndarray, *, recent: int = 8) -> frozenset:
    """Weekdays (0 = Monday) on which the center is regularly closed.

    A weekday is closed when at least 3 of 4 of its last ``recent`` days with data had no
    contacts at all, including the latest one. ``totals`` are daily totals (NaN = no data).
    """
    closed = set()
    for weekday in range(7):
        values = totals[(weekdays == weekday) & np.isfinite(totals)][-recent:]
        if len(values) and values[-1] == 0 and (values == 0).mean() >= 0.75:
            closed.add(weekday)
    return frozenset(closed)


def holiday_features(dates: np.ndarray, calendar: HolidayCalendar,
                     closed: frozenset) -> dict[str, np.ndarray]:
    """Boolean day masks of the holiday and calendar features over ``dates`` (datetime64[D]).

    Keys: ``holiday``, ``holiday:<name>``, ``eve``, ``eve:<name>``, ``after1``, ``after2``,
    ``month_start``, ``month_end``, ``workday``, ``holiday_<category>`` (other categories;
    their eves and after-days are not marked). Features sit on open days only. ``calendar``
    must cover the months of ``dates`` and a week either side (eves and month turns are
    found on that wider range, then cut to ``dates``).
    """
    dates = dates.astype("datetime64[D]")
    first = dates[0].astype("datetime64[M]").astype("datetime64[D]") - 7
    last = (dates[-1].astype("datetime64[M]") + 1).astype("datetime64[D]") + 7
    wide = np.arange(first, last)
    offset = int((dates[0] - first).astype(np.int64))
    cut = slice(offset, offset + len(dates))
    return {k: v[cut] for k, v in _features(wide, calendar, closed).items() if v[cut].any()}


def _features(dates: np.ndarray, calendar: HolidayCalendar,
              closed: frozenset) -> dict[str, np.ndarray]:
    n = len(dates)
    days = dates.astype(object)
    weekday = weekdays_of(dates)
    is_open = ~np.isin(weekday, list(closed))
    holiday = np.array([d in calendar.names for d in days], dtype=bool)
    workday = np.array([d in calendar.workdays for d in days], dtype=bool)
    is_open |= workday
    features: dict[str, np.ndarray] = {}

    def mark(key: str, i: int) -> None:
        features.setdefault(key, np.zeros(n, dtype=bool))[i] = True

    for i in np.flatnonzero(holiday & is_open):
        mark("holiday", int(i))
        for name in calendar.names[days[i]]:
            mark(f"holiday:{name}", int(i))
    for i in np.flatnonzero(workday & ~holiday):
        mark("workday", int(i))
    # Other categories: a pooled effect per category, named effects shared with public ones.
    for category, names in calendar.extra.items():
        for i in np.flatnonzero(np.array([d in names for d in days], dtype=bool)
                                & is_open & ~holiday):
            mark(f"holiday_{category}", int(i))
            for name in names[days[i]]:
                mark(f"holiday:{name}", int(i))
    working = is_open & ~holiday
    # Runs of holidays (closed days in between do not break a run).
    i = 0
    while i < n:
        if not holiday[i]:
            i += 1
            continue
        start = i
        j = i
        while j + 1 < n and (holiday[j + 1] or not is_open[j + 1]):
            j += 1
        end = j
        while end > start and not holiday[end]:
            end -= 1
        name = calendar.names[days[start]][0] if calendar.names[days[start]] else ""
        before = _step(working, start, -1, 3)
        if before is not None:
            mark("eve", before)
            if name:
                mark(f"eve:{name}", before)
        first = _step(working, end, +1, 4)
        if first is not None:
            mark("after1", first)
            second = _step(working, first, +1, 3)
            if second is not None:
                mark("after2", second)
        i = j + 1
    months = dates.astype("datetime64[M]")
    for month in np.unique(months):
        rows = np.flatnonzero((months == month) & working)
        if len(rows):
            mark("month_start", int(rows[0]))
            mark("month_end", int(rows[-1]))
    return features


def _step(working: np.ndarray, origin: int, direction: int, limit: int) -> int | None:
    """The nearest working day from ``origin`` in ``direction``, at most ``limit`` days away."""
    for k in range(1, limit + 1):
        i = origin + direction * k
        if i < 0 or i >= len(working):
            return None
        if working[i]:
            return i
    return None


def weekdays_of(dates: np.ndarray) -> np.ndarray:
    """Weekday of each ``datetime64[D]`` (0 = Monday; 1970-01-01 was a Thursday)."""
    return (dates.astype("datetime64[D]").view("int64") + 3) % 7


def names_of(keys: Sequence[str], prefix: str) -> list[str]:
    """The names after ``prefix:`` among feature ``keys``."""
    return [k.split(":", 1)[1] for k in keys if k.startswith(prefix + ":")]
