"""The seam with the previous roster: what the horizon's rules see of the weeks before it.

A roster is planned week after week; rules that look back (rest between shifts, runs of working
days and of days off, consecutive weekends worked) must see the end of the previous roster, or a
Sunday-night shift may be followed by a Monday-morning one and a sixth working day by six more.
:func:`agent_histories` reads the previous roster (roster format) into one
:class:`AgentHistory` per agent, the few numbers those rules need; the rule builders of
:mod:`staffing.solver.rules` add them at the horizon's start.

Conventions
-----------
- A shift belongs to the local date it starts on (the roster's ``date``); a day with no shift
  in the previous roster is a day off. The previous roster is known from its first date to the
  day before the horizon (days between its last date and the horizon are days off).
- A run of days off that reaches back to the previous roster's first date has an unknown length
  (``days_off = None``): like a run touching the horizon's start without a previous roster, it
  is exempt from ``min_consecutive_days_off``.
- Weekly limits count each 7-day block of the horizon on its own: the previous roster's shifts
  do not count in the horizon's first week (plan weeks that start where the previous one ended).
- A shift of the previous roster that runs into the horizon keeps the agent busy until its end,
  and rest counts from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from staffing.errors import DataError
from staffing.timegrid import Horizon

__all__ = ["NO_HISTORY", "ROSTER_KEYS", "AgentHistory", "agent_histories"]

#: The roster-format columns the seam reads.
ROSTER_KEYS = ("agent_id", "date", "shift_start", "shift_end")


@dataclass(frozen=True)
class AgentHistory:
    """What an agent's previous roster leaves the horizon's rules to look back on.

    Attributes
    ----------
    last_end_minute : end of the agent's latest previous shift, in real minutes from the
        horizon's start (negative before it, positive when it runs into the horizon); ``None``
        with no previous shift. [min]
    worked_days : consecutive days worked up to the day before the horizon. [days]
    days_off : consecutive days off up to the day before the horizon (0 when that day was
        worked); ``None`` when the run reaches back past the previous roster's first date and
        its length is unknown. [days]
    weekends_worked : consecutive weekends worked (any day of it), up to the last weekend
        wholly before the horizon. [weekends]
    """

    last_end_minute: int | None = None
    worked_days: int = 0
    days_off: int | None = None
    weekends_worked: int = 0

    @property
    def known(self) -> bool:
        """Whether there is anything to look back on."""
        return self != NO_HISTORY


#: An agent with no previous roster (every rule sees only the horizon).
NO_HISTORY = AgentHistory()


def _weekend_runs(first: dt.date, last: dt.date, weekend_days: frozenset[int]
                  ) -> list[tuple[dt.date, ...]]:
    """Weekends (runs of consecutive weekend days) lying wholly within ``first..last``."""
    out: list[tuple[dt.date, ...]] = []
    run: list[dt.date] = []
    day = first - dt.timedelta(days=1)
    while day <= last + dt.timedelta(days=1):
        if day.weekday() in weekend_days:
            run.append(day)
        else:
            if run and run[0] >= first and run[-1] <= last:
                out.append(tuple(run))
            run = []
        day += dt.timedelta(days=1)
    return out


def agent_histories(
    previous: pd.DataFrame,
    agent_ids: Iterable[str],
    *,
    horizon: Horizon,
    weekend_days: frozenset[int] = frozenset(),
    where: str = "previous roster",
) -> dict[str, AgentHistory]:
    """Each agent's :class:`AgentHistory` from ``previous`` (roster format: ``agent_id, date,
    shift_start, shift_end``, aware timestamps), the roster of the days before ``horizon``.

    Agents of ``agent_ids`` without a row get the previous roster's days as days off; rows of
    agents not in ``agent_ids`` are ignored (they left). ``weekend_days`` are weekday numbers
    (Monday 0).

    Raises
    ------
    DataError : a column is missing, a timestamp is naive, a shift ends before it starts, or a
        shift starts inside the horizon (give the roster of the days before it).
    """
    missing = [c for c in ROSTER_KEYS if c not in previous.columns]
    if missing:
        raise DataError(f"{where}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; give a roster.csv written by staffing "
                        f"(columns {', '.join(ROSTER_KEYS)})")
    ids = list(agent_ids)
    if previous.empty:
        return {a: NO_HISTORY for a in ids}
    starts = pd.DatetimeIndex(previous["shift_start"])
    ends = pd.DatetimeIndex(previous["shift_end"])
    if starts.tz is None or ends.tz is None:
        raise DataError(f"{where}: shift_start and shift_end must carry the site's UTC offset "
                        "(e.g. 2026-11-22T22:00:00+08:00), as roster.csv has them")
    starts = starts.tz_convert(horizon.time_zone)
    ends = ends.tz_convert(horizon.time_zone)
    late = starts >= horizon.start
    if late.any():
        row = int(late.argmax())
        raise DataError(
            f"{where}: row {row + 2}: agent {previous['agent_id'].iloc[row]}'s shift starts "
            f"{starts[row].isoformat()}, inside the horizon (from "
            f"{horizon.start_date.isoformat()}); give the roster of the days before it")
    backwards = ends <= starts
    if backwards.any():
        row = int(backwards.argmax())
        raise DataError(f"{where}: row {row + 2}: shift_end is not after shift_start")
    dates = pd.to_datetime(previous["date"]).dt.date.to_numpy()
    first_date = min(dates)
    day_before = horizon.start_date - dt.timedelta(days=1)
    weekends = _weekend_runs(first_date, day_before, weekend_days)

    worked: dict[str, set[dt.date]] = {}
    last_end: dict[str, pd.Timestamp] = {}
    for agent, date, end in zip(previous["agent_id"].astype(str), dates, ends, strict=True):
        worked.setdefault(agent, set()).add(date)
        if agent not in last_end or end > last_end[agent]:
            last_end[agent] = end

    out: dict[str, AgentHistory] = {}
    for agent in ids:
        days = worked.get(agent, set())
        run = 0
        day = day_before
        while day in days:
            run += 1
            day -= dt.timedelta(days=1)
        off: int | None = 0
        if run == 0:
            off = 0
            day = day_before
            while day >= first_date and day not in days:
                off += 1
                day -= dt.timedelta(days=1)
            if day < first_date:
                off = None  # the run reaches past what the previous roster shows
        weekends_run = 0
        for weekend in reversed(weekends):
            if not any(d in days for d in weekend):
                break
            weekends_run += 1
        end = last_end.get(agent)
        out[agent] = AgentHistory(
            last_end_minute=None if end is None
            else int((end - horizon.start).total_seconds() // 60),
            worked_days=run, days_off=off, weekends_worked=weekends_run)
    return out


def histories_for(agents: Sequence, histories: Mapping[str, AgentHistory] | None
                  ) -> tuple[AgentHistory, ...]:
    """``histories`` aligned with ``agents`` (an agent without one has :data:`NO_HISTORY`)."""
    if not histories:
        return tuple(NO_HISTORY for _ in agents)
    return tuple(histories.get(a.agent_id, NO_HISTORY) for a in agents)
