#!/usr/bin/env python
"""How low can a one-week-ahead 30-min forecast of the Anonymous Bank series go?

One command, from the repository root after ``make install``::

    .venv/bin/python benchmarks/forecast_bank_limits.py

It prints a Markdown table (docs/benchmarks-log.md, "Forecast accuracy on real call-center
data": the oracles below the rolling-origin table). Options: ``--data DIR`` (default ``../shared/data`` beside
the repository, or ``$STAFFING_DATA``).

Same series and the same 26 evaluation weeks as ``benchmarks/forecast_real.py`` (origins Sunday
1999-06-27 ... 1999-12-19, 30-min VRU arrivals). Every row is an *oracle*: each day's forecast
is the day's **true** total spread by an intraday profile, and the profiles are allowed to use
information no forecast made a week ahead can have (the true total of the day, the weeks after
it, the whole evaluation half-year). Whatever such an oracle scores is a floor for a forecast of
the form "daily total x intraday profile" that has to predict both; the table shows which
information is needed to get under the issue's 17 %.

The profile of a day ``d`` is ``sum(y of the days used) / sum(their totals)`` per 30-min slot;
WAPE is ``sum |forecast - y| / sum y`` over all 182 days x 48 slots.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FIRST_ORIGIN = pd.Timestamp("1999-06-27")
WEEKS = 26


def day_matrix(data: Path) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The year as a (days x 48 slots) matrix of arrivals, by the data's own wall clock."""
    path = data / "callcenter_anonymous_bank_1999" / "anonbank1999_30min.csv"
    if not path.is_file():
        raise SystemExit(f"{path}: not found; pass --data DIR (the shared data folder) or set "
                         "STAFFING_DATA")
    raw = pd.read_csv(path)
    stamps = pd.to_datetime(raw["interval_start"])
    table = pd.DataFrame({"day": stamps.dt.normalize(),
                          "slot": stamps.dt.hour * 2 + stamps.dt.minute // 30,
                          "calls": raw["calls"].astype(float)})
    matrix = table.pivot(index="day", columns="slot", values="calls")
    if matrix.isna().any().any() or matrix.shape[1] != 48:
        raise SystemExit("anonbank1999_30min.csv: expected 48 half-hours on every day")
    return pd.DatetimeIndex(matrix.index), matrix.to_numpy()


def wape(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(np.abs(forecast - actual).sum() / actual.sum())


def oracles(days: pd.DatetimeIndex, y: np.ndarray) -> list[tuple[str, str, float]]:
    totals = y.sum(axis=1)
    evaluated = np.flatnonzero((days >= FIRST_ORIGIN)
                               & (days < FIRST_ORIGIN + pd.Timedelta(weeks=WEEKS)))
    actual = y[evaluated]
    weekday = days.day_of_week.to_numpy()
    # Sun-Thu are ordinary working days at this bank; Friday and Saturday each their own type.
    day_type = np.where(weekday == 4, 1, np.where(weekday == 5, 2, 0))

    def spread(profile_days) -> np.ndarray:
        rows = []
        for d in evaluated:
            used = [j for j in profile_days(d) if 0 <= j < len(days)]
            rows.append(totals[d] * y[used].sum(axis=0) / y[used].sum())
        return np.array(rows)

    def past(d: int, count: int, same) -> list[int]:
        return [j for j in range(d - 1, -1, -1) if same(j, d)][:count]

    rows: list[tuple[str, str, float]] = []
    floor = float(np.sqrt(2 * actual / np.pi).sum() / actual.sum())
    rows.append(("Poisson noise floor, sum sqrt(2y/pi) / sum y", "-", floor))
    for count in (4, 16):
        f = spread(lambda d, c=count: past(d, c, lambda j, k: weekday[j] == weekday[k]))
        rows.append((f"profile of the last {count} same weekdays",
                     "the day's true total", wape(f, actual)))
    f = spread(lambda d: past(d, 30, lambda j, k: day_type[j] == day_type[k]))
    rows.append(("profile of the last 30 days of the same type (Sun-Thu / Fri / Sat)",
                 "the day's true total", wape(f, actual)))
    for weeks in (2, 4, 8):
        f = spread(lambda d, w=weeks: [d + 7 * k for k in range(-w, w + 1) if k != 0])
        rows.append((f"profile of the same weekday {weeks} weeks before AND after",
                     "true total + the weeks after", wape(f, actual)))
    hindsight = np.zeros_like(actual)
    for w in range(7):
        mask = weekday[evaluated] == w
        hindsight[mask] = totals[evaluated][mask][:, None] * (
            actual[mask].sum(axis=0) / actual[mask].sum())
    rows.append(("one profile per weekday fitted on the 26 evaluated weeks themselves",
                 "true total + the whole half-year, the day included", wape(hindsight, actual)))
    for weeks in (2, 4):
        f = spread(lambda d, w=weeks: [d + 7 * k for k in range(-w, w + 1)])
        rows.append((f"same weekday {weeks} weeks before and after, the day itself included",
                     "true total + the day's own intraday counts", wape(f, actual)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    beside = [parent / "shared" / "data" for parent in ROOT.parents]  # also from a worktree
    default = Path(os.environ.get("STAFFING_DATA")
                   or next((c for c in beside if c.is_dir()), beside[0]))
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args(argv)
    days, y = day_matrix(args.data)
    print("| oracle (each day's true total x an intraday profile) "
          "| information a week-ahead forecast does not have | 30-min WAPE |")
    print("|---|---|---|")
    for name, uses, value in oracles(days, y):
        print(f"| {name} | {uses} | {value:.1%} |")


if __name__ == "__main__":
    sys.exit(main())
