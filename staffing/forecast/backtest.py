"""The model registry, rolling-origin backtests and the choice of a model per queue.

A backtest origin is a day before the horizon start, a whole number of weeks back (so its
weekdays line up with the horizon's); each model is fitted on the history before the origin and
forecasts the next ``min(horizon days, 7)`` days, which are then scored against what happened.
Combinations (the mean of two models' forecasts) are scored from the same runs at no extra fit.
The model with the lowest WAPE over all origins is chosen; ties go to the simpler model.

Metrics (over every interval with data, closed intervals included):

* WAPE = sum |y - f| / sum y,
* MASE = mean |y - f| over the mean absolute error of the one-week seasonal naive forecast
  within the training history (< 1 beats it),
* bias = sum (f - y) / sum y (> 0: over-forecast),
* coverage: share of actuals inside the prediction interval, each origin's interval fitted on
  the other origins' errors (out of sample).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from staffing.config import FORECAST_MODELS
from staffing.forecast import baselines, daily, mstl
from staffing.forecast.context import Context
from staffing.forecast.intervals import holdout_coverage

__all__ = [
    "BACKTEST_COLUMNS",
    "MODELS",
    "Model",
    "OriginRun",
    "combine",
    "format_backtest",
    "metrics_table",
    "run_models",
]


@dataclass(frozen=True)
class Model:
    """A forecasting model: its function and the history it needs.

    ``forecast(ctx)`` returns the window's volume matrix (``days x slots``), or ``None`` when it
    cannot be fitted. ``min_days`` is the history it needs before an origin. [days]
    """

    name: str
    forecast: Callable[[Context], np.ndarray | None]
    min_days: int
    summary: str


#: Every model, simplest first (ties in a backtest go to the earlier one).
MODELS: Mapping[str, Model] = {
    m.name: m for m in (
        Model("recent_days", baselines.recent_days, 1,
              "mean of the last days' totals spread by the intraday profile"),
        Model("seasonal_naive", baselines.seasonal_naive, 7,
              "the same weekday a week before"),
        Model("recent_weeks", baselines.recent_weeks, 7,
              "mean of the same weekday and interval over the last 4 weeks"),
        Model("daily_ets", daily.daily_ets, 21,
              "ETS on daily totals, spread by intraday profiles"),
        Model("mstl", mstl.mstl, 21,
              "MSTL (daily and weekly seasonality) at interval level"),
        Model("daily_sarimax", daily.daily_sarimax, 35,
              "SARIMAX on daily totals, spread by intraday profiles"),
    )
}
assert tuple(MODELS) == tuple(m for m in FORECAST_MODELS if "+" not in m and m != "auto")

#: Models tried by ``model: auto`` (``recent_days`` is only the short-history fallback).
AUTO_MODELS = ("seasonal_naive", "recent_weeks", "daily_ets", "mstl", "daily_sarimax")
#: Models that may be combined in pairs.
COMBINABLE = ("recent_weeks", "daily_ets", "mstl", "daily_sarimax")

BACKTEST_COLUMNS = ("queue", "model", "origins", "wape", "mase", "bias", "coverage", "chosen")


def components(name: str) -> tuple[str, ...]:
    """The models a (possibly combined) model name is made of: ``a+b`` -> ``(a, b)``."""
    return tuple(name.split("+"))


def combine(forecasts: Sequence[np.ndarray]) -> np.ndarray:
    """A combination forecast: the mean of its members."""
    return np.mean(np.stack(forecasts), axis=0)


@dataclass
class OriginRun:
    """One backtest origin: the forecasts of each model and what happened."""

    origin: int
    actual: np.ndarray
    naive_mae: float
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)


def run_models(ctx: Context, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Forecast the context's window with each named model (combinations included); a model
    that cannot be fitted is left out."""
    single: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(p for n in names for p in components(n)):
        result = MODELS[name].forecast(ctx)
        if result is not None:
            single[name] = result
    out = {}
    for name in names:
        parts = components(name)
        if all(p in single for p in parts):
            out[name] = single[parts[0]] if len(parts) == 1 else combine(
                [single[p] for p in parts])
    return out


def with_combinations(names: Sequence[str]) -> list[str]:
    """``names`` plus every pair of combinable models among them."""
    pool = [n for n in names if n in COMBINABLE]
    return list(names) + [f"{a}+{b}" for a, b in combinations(pool, 2)]


def naive_scale(ctx: Context) -> float:
    """Mean absolute error of the one-week seasonal naive forecast over the last 8 weeks of
    training history (the MASE denominator). [contacts per interval]"""
    train = ctx.series.volume[max(0, ctx.origin - 63): ctx.origin]
    if len(train) <= 7:
        return float("nan")
    diff = np.abs(train[7:] - train[:-7])
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if len(diff) and diff.mean() > 0 else float("nan")


def metrics_table(queue: str, runs: Sequence[OriginRun], names: Sequence[str],
                  coverage: float, chosen: str | None) -> pd.DataFrame:
    """One row per model: origins, WAPE, MASE, bias and holdout coverage."""
    rows = []
    for name in names:
        used = [r for r in runs if name in r.forecasts]
        if not used:
            continue
        forecasts = [r.forecasts[name] for r in used]
        actuals = [r.actual for r in used]
        err = total = signed = 0.0
        mases = []
        for f, y, r in zip(forecasts, actuals, used, strict=True):
            known = np.isfinite(y)
            err += float(np.abs(f - y)[known].sum())
            signed += float((f - y)[known].sum())
            total += float(y[known].sum())
            if known.any() and np.isfinite(r.naive_mae):
                mases.append(float(np.abs(f - y)[known].mean()) / r.naive_mae)
        rows.append({
            "queue": queue,
            "model": name,
            "origins": len(used),
            "wape": err / total if total > 0 else float("nan"),
            "mase": float(np.mean(mases)) if mases else float("nan"),
            "bias": signed / total if total > 0 else float("nan"),
            "coverage": holdout_coverage(forecasts, actuals, coverage),
            "chosen": name == chosen,
        })
    return pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))


def format_backtest(table: pd.DataFrame) -> str:
    """The backtest table as aligned text: one line per queue and model, the chosen one
    starred, best WAPE first within each queue."""
    header = ("queue", "model", "origins", "WAPE", "MASE", "bias", "coverage", "")
    rows = [header]
    for queue, group in table.groupby("queue", sort=False):
        for _, r in group.sort_values("wape", kind="stable").iterrows():
            rows.append((str(queue), str(r["model"]), str(int(r["origins"])),
                         _percent(r["wape"]), _number(r["mase"]), _percent(r["bias"], sign=True),
                         _percent(r["coverage"]), "* chosen" if r["chosen"] else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {2, 3, 4, 5, 6}
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join(lines) + "\n"


def _percent(value: float, sign: bool = False) -> str:
    if not np.isfinite(value):
        return "-"
    return f"{value:+.1%}" if sign else f"{value:.1%}"


def _number(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "-"
