#!/usr/bin/env python
"""Forecast accuracy on real call-center data, against baselines, a peer and the noise floor.

One command, from the repository root after ``make install``::

    .venv/bin/python benchmarks/forecast_real.py

It prints Markdown tables (BENCHMARKS.md, section "Forecast accuracy on real call-center data",
keeps the WAPE table of the latest run; the whole output goes to docs/benchmarks-log.md as a
dated run). Options: ``--example-dir DIR`` (default ``examples/express``) for the
bundled example's Double 11 week, ``--skip-peer`` to leave the peer out, ``--data DIR`` for the
real data (default ``../shared/data`` beside the repository, or ``$STAFFING_DATA``),
``--series fpp2|bank`` for one series, ``--holiday-categories public,optional`` for more
holiday categories, ``--skip-example`` to leave out the timing and the Double 11 week.

What it measures
----------------
Rolling-origin one-week-ahead backtests, each origin forecast by :func:`staffing.forecast.
build_forecast` from the history strictly before it (``model: auto``, 4 inner backtest weeks to
choose the model and calibrate the 80 % interval):

* ``fpp2 calls`` (US bank, 5-min calls handled on weekdays 07:00-21:05, 2003; nights and
  weekends are closed = 0, the six missing weekdays are missing = empty): the last 10 weeks,
  origins Monday 2003-08-18 ... 2003-10-20; US holidays.
* ``Anonymous Bank`` (Israel, 30-min VRU arrivals, 24x7, 1999): the second half of the year,
  26 weeks, origins Sunday 1999-06-27 ... 1999-12-19 (Rosh Hashanah, Yom Kippur and Sukkot fall
  in it; each is seen for the first time); IL holidays. The data have 48 slots every day, so
  they are read in the fixed zone UTC+2 (``Etc/GMT-2``).

Rows: the project's chosen model; seasonal naive (each interval = the same interval a week
before, or the latest week with data); the mean of the last 4 weeks (same weekday and
interval); statsforecast ``MSTL`` with an ``AutoETS`` trend, fitted on the open intervals of the
days there are (periods 169 and 845 for fpp2, as in Hyndman's ``msts(calls, c(169, 845))``;
48 and 336 for the bank), the model a user would pick; the Poisson noise floor
``sum(sqrt(2 y / pi)) / sum(y)``, which no forecast beats on average; and, as a reference, the
project's forecast rescaled to each day's true total ("perfect daily totals"), which shows how
much error is left in the intraday shape alone.

The peer runs in ``benchmarks/.venv-peers`` (git-ignored), created on first run with
``python -m venv`` and ``pip install statsforecast``; it is not a project dependency.

Also: the time to fit and forecast a year of 15-min history for 3 queues (the bundled example's
history when present, else a synthetic year), and the bundled example's Double 11 week
(2026-11-09, history before it) with and without the event calendar.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from staffing.config import (  # noqa: E402
    EventConfig,
    ForecastSettings,
    HolidaysConfig,
    QueueConfig,
)
from staffing.forecast import build_forecast  # noqa: E402
from staffing.timegrid import Horizon  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".venv-peers"
QUEUE = QueueConfig(id="calls", channel="voice", service_level=0.8, answer_within_seconds=20,
                    aht_seconds=180)
COVERAGE = 0.8


@dataclass(frozen=True)
class Dataset:
    """A real series in the history format, and how to backtest it."""

    name: str
    history: pd.DataFrame
    time_zone: str
    interval_minutes: int
    holidays: HolidaysConfig
    origins: list[dt.date]
    peer_periods: tuple[int, int]
    open_slots: slice  # the slots of a day the peer is fitted on


# ----------------------------------------------------------------------------------- data
def load_fpp2(data: Path) -> Dataset:
    raw = pd.read_csv(data / "callcenter_fpp2_calls" / "fpp2_calls_5min.csv")
    wall = pd.to_datetime(raw["interval_start"])
    days = pd.date_range(wall.min().normalize(), wall.max().normalize(), freq="D")
    grid = pd.date_range(days[0], days[-1] + pd.Timedelta(days=1), freq="5min",
                         inclusive="left")
    volume = pd.Series(0.0, index=grid)  # closed: nights and weekends
    present = set(wall.dt.normalize())
    for day in days:
        if day.day_of_week < 5 and day not in present:  # a missing weekday: data missing
            volume[(grid >= day) & (grid < day + pd.Timedelta(days=1))] = np.nan
    volume[wall.to_numpy()] = raw["calls"].to_numpy(dtype=float)
    zone = "America/New_York"
    stamps = grid.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    keep = ~stamps.isna()  # the DST change falls on Sundays (closed)
    history = pd.DataFrame({"queue": "calls", "interval_start": stamps[keep],
                            "volume": volume.to_numpy()[keep]})
    origins = [dt.date(2003, 8, 18) + dt.timedelta(weeks=k) for k in range(10)]
    return Dataset("fpp2 calls (US bank, 5-min)", history, zone, 5, HolidaysConfig(country="US"),
                   origins, (169, 845), slice(84, 84 + 169))


def load_anonymous_bank(data: Path) -> Dataset:
    raw = pd.read_csv(data / "callcenter_anonymous_bank_1999" / "anonbank1999_30min.csv")
    zone = "Etc/GMT-2"
    stamps = pd.to_datetime(raw["interval_start"]).dt.tz_localize(zone)
    history = pd.DataFrame({"queue": "calls", "interval_start": stamps,
                            "volume": raw["calls"].astype(float)})
    origins = [dt.date(1999, 6, 27) + dt.timedelta(weeks=k) for k in range(26)]
    return Dataset("Anonymous Bank (Israel, 30-min)", history, zone, 30,
                   HolidaysConfig(country="IL"), origins, (48, 336), slice(0, 48))


# ------------------------------------------------------------------------------ baselines
def wall_series(ds: Dataset) -> pd.Series:
    """Volume by local wall-clock time (naive), for the week-back lookups of the baselines."""
    wall = ds.history["interval_start"].dt.tz_convert(ds.time_zone).dt.tz_localize(None)
    return pd.Series(ds.history["volume"].to_numpy(), index=wall)


def seasonal_naive(wall: pd.Series, targets: pd.DatetimeIndex, origin: pd.Timestamp):
    out = pd.Series(np.nan, index=targets)
    for k in range(1, 9):
        back = wall.reindex(targets - pd.Timedelta(weeks=k)).to_numpy()
        ok = (targets - pd.Timedelta(weeks=k) < origin)
        fill = out.isna().to_numpy() & ok & np.isfinite(back)
        out[fill] = back[fill]
    return out.to_numpy()


def mean_last_weeks(wall: pd.Series, targets: pd.DatetimeIndex, weeks: int = 4):
    stack = np.vstack([wall.reindex(targets - pd.Timedelta(weeks=k)).to_numpy()
                       for k in range(1, weeks + 1)])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(stack, axis=0)


# ----------------------------------------------------------------------------------- peer
PEER_SCRIPT = r"""
import json, sys, numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS
jobs = json.load(open(sys.argv[1]))
out = {}
for key, job in jobs.items():
    y = np.asarray(job["y"], dtype=float)
    df = pd.DataFrame({"unique_id": key, "ds": np.arange(len(y)), "y": y})
    model = MSTL(season_length=job["periods"], trend_forecaster=AutoETS(model="ZZN"))
    fc = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=df, h=job["h"])
    out[key] = fc["MSTL"].to_numpy().tolist()
json.dump(out, open(sys.argv[2], "w"))
"""


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEER_VENV} with statsforecast (first run only) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "statsforecast>=2,<3"],
                       check=True)
    return python


def peer_jobs(ds: Dataset) -> tuple[dict, dict]:
    """One job per origin: the open intervals of the days with data before it, in order."""
    wall = wall_series(ds)
    per_day = 1440 // ds.interval_minutes
    frame = wall.to_frame("y")
    frame["day"] = frame.index.normalize()
    days = frame.groupby("day")["y"].apply(lambda s: s.to_numpy())
    days = days[days.apply(len) == per_day]
    jobs, meta = {}, {}
    for origin in ds.origins:
        before = [d for d in days.index if d < pd.Timestamp(origin)]
        rows = [days[d][ds.open_slots] for d in before if np.isfinite(days[d]).all()
                and (days[d][ds.open_slots].sum() > 0)]
        target_days = [pd.Timestamp(origin) + pd.Timedelta(days=k) for k in range(7)]
        open_target = [d for d in target_days if d.day_of_week < 5] if ds.peer_periods[1] == \
            5 * ds.peer_periods[0] else target_days
        h = len(open_target) * len(rows[0])
        jobs[str(origin)] = {"y": np.concatenate(rows).tolist(), "periods": list(ds.peer_periods),
                             "h": h}
        meta[str(origin)] = open_target
    return jobs, meta


def run_peer(datasets: list[Dataset]) -> dict[str, dict[str, np.ndarray]]:
    python = ensure_peer_venv()
    out: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "peer.py"
        script.write_text(PEER_SCRIPT)
        for ds in datasets:
            jobs, meta = peer_jobs(ds)
            src, dst = Path(tmp) / "jobs.json", Path(tmp) / "out.json"
            src.write_text(json.dumps(jobs))
            env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
            subprocess.run([str(python), str(script), str(src), str(dst)], check=True, env=env)
            result = json.loads(dst.read_text())
            per_slot = ds.open_slots.stop - ds.open_slots.start
            out[ds.name] = {}
            for key, values in result.items():
                values = np.asarray(values).reshape(-1, per_slot)
                out[ds.name][key] = {day: values[i] for i, day in enumerate(meta[key])}
    return out


def peer_on_targets(peer_days: dict, targets: pd.DatetimeIndex, ds: Dataset) -> np.ndarray:
    out = np.zeros(len(targets))
    minutes = ds.interval_minutes
    for i, t in enumerate(targets):
        day = t.normalize()
        slot = (t.hour * 60 + t.minute) // minutes - ds.open_slots.start
        if day in peer_days and 0 <= slot < len(peer_days[day]):
            out[i] = max(peer_days[day][slot], 0.0)
    return out


# ------------------------------------------------------------------------------- backtest
def backtest(ds: Dataset, peer: dict | None) -> dict:
    wall = wall_series(ds)
    sums = Counter()
    chosen = Counter()
    seconds = 0.0
    for origin in ds.origins:
        horizon = Horizon(origin, 7, ds.interval_minutes, ds.time_zone)
        started = time.perf_counter()
        result = build_forecast(ds.history, horizon, queues=[QUEUE], holidays=ds.holidays,
                                settings=ForecastSettings(interval_coverage=COVERAGE))
        seconds += time.perf_counter() - started
        chosen[result.models["calls"]] += 1
        frame = result.frame
        targets = pd.DatetimeIndex(frame["interval_start"]).tz_convert(
            ds.time_zone).tz_localize(None)
        y = wall.reindex(targets).to_numpy()
        known = np.isfinite(y)
        ours = frame["volume"].to_numpy()
        forecasts = {
            "ours": ours,
            "seasonal naive": seasonal_naive(wall, targets, pd.Timestamp(origin)),
            "mean of last 4 weeks": mean_last_weeks(wall, targets),
        }
        if peer is not None:
            forecasts["peer"] = peer_on_targets(peer[str(origin)], targets, ds)
        # Perfect daily totals: our intraday shape scaled to each day's true total.
        days = targets.normalize()
        scale = pd.Series(np.where(known, y, 0.0)).groupby(days).transform("sum") / pd.Series(
            np.where(known, ours, 0.0)).groupby(days).transform("sum").replace(0, np.nan)
        forecasts["oracle"] = ours * scale.fillna(0).to_numpy()
        yk = y[known]
        sums["y"] += yk.sum()
        sums["floor"] += np.sqrt(2 * yk / np.pi).sum()
        for name, f in forecasts.items():
            f = np.nan_to_num(np.asarray(f, dtype=float))
            sums[name] += np.abs(f[known] - yk).sum()
        lower = frame["volume_lower"].to_numpy()[known]
        upper = frame["volume_upper"].to_numpy()[known]
        live = (yk > 0) | (ours[known] > 0)
        sums["covered"] += ((yk >= lower - 1e-9) & (yk <= upper + 1e-9) & live).sum()
        sums["live"] += live.sum()
    out = {name: sums[name] / sums["y"] for name in
           ("ours", "seasonal naive", "mean of last 4 weeks", "peer", "oracle", "floor")
           if name in sums}
    out["coverage"] = sums["covered"] / sums["live"]
    out["chosen"] = chosen
    out["seconds"] = seconds / len(ds.origins)
    return out


# -------------------------------------------------------------------------------- timing
def synthetic_year(seed: int = 7) -> tuple[pd.DataFrame, list[QueueConfig]]:
    """A year of 15-min history for chat, voice and email at an express-delivery desk."""
    rng = np.random.default_rng(seed)
    zone = "Asia/Shanghai"
    stamps = pd.date_range("2025-11-10", "2026-11-09", freq="15min", inclusive="left", tz=zone)
    hours = stamps.hour + stamps.minute / 60
    intraday = np.exp(-0.5 * ((hours - 11) / 3.0) ** 2) + 0.8 * np.exp(
        -0.5 * ((hours - 20) / 2.5) ** 2) + 0.05
    weekly = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.8, 0.75])[stamps.day_of_week]
    trend = 1 + 0.1 * np.arange(len(stamps)) / len(stamps)
    frames = []
    queues = []
    for queue, daily, aht in (("chat", 3250, 420), ("voice", 1500, 240), ("email", 250, 600)):
        mean = daily * intraday / intraday[:96].sum() * weekly * trend
        level = np.repeat(rng.lognormal(0, 0.05, len(stamps) // 96), 96)
        volume = rng.poisson(mean * level).astype(float)
        frames.append(pd.DataFrame({"queue": queue, "interval_start": stamps, "volume": volume,
                                    "aht_seconds": np.where(volume > 0, rng.normal(
                                        aht, aht * 0.1, len(stamps)), np.nan)}))
        queues.append(QueueConfig(id=queue, channel="email" if queue == "email" else queue,
                                  **({"response_within_hours": 24} if queue == "email" else
                                     {"service_level": 0.8, "answer_within_seconds": 20})))
    return pd.concat(frames, ignore_index=True), queues


def timing(example_dir: Path) -> dict:
    from staffing import io

    history_path = example_dir / "history.csv"
    zone = "Asia/Shanghai"
    if history_path.is_file():
        history = io.read_history(history_path, zone)
        source = f"{history_path.relative_to(ROOT) if history_path.is_relative_to(ROOT) else history_path}"
        last = history["interval_start"].max().tz_convert(zone).normalize()
        start = (last - pd.Timedelta(days=6)).date()
        history = history[history["interval_start"] >= pd.Timestamp(start, tz=zone)
                          - pd.Timedelta(weeks=52)]
        queues = ()
    else:
        history, queues = synthetic_year()
        source = "synthetic year (chat, voice, email; 15-min)"
        start = dt.date(2026, 11, 9)
    n_queues = history["queue"].nunique()
    horizon = Horizon(start, 7, 15, zone)
    started = time.perf_counter()
    result = build_forecast(history, horizon, queues=queues,
                            holidays=HolidaysConfig(country="CN"))
    seconds = time.perf_counter() - started
    return {"source": source, "queues": n_queues, "rows": len(history), "seconds": seconds,
            "models": dict(result.models)}


# ------------------------------------------------------------------------------- Double 11
def double11(example_dir: Path) -> dict | None:
    """Promotion-week accuracy on the bundled example with and without the event calendar."""
    from staffing import io
    from staffing.io import load_config, read_yaml

    history_path = example_dir / "history.csv"
    events_path = example_dir / "events.yaml"
    if not (history_path.is_file() and events_path.is_file()):
        return None
    scenario = ROOT / "configs" / "express-double11.yaml"
    config = load_config(scenario) if scenario.is_file() else None
    zone = config.site.time_zone if config else "Asia/Shanghai"
    queues = config.queues if config else ()
    holidays = config.holidays if config else HolidaysConfig(country="CN")
    raw = read_yaml(events_path)
    if isinstance(raw, dict) and set(raw) == {"events"}:
        raw = raw["events"]
    events = tuple(EventConfig.model_validate(e) for e in raw)
    history = io.read_history(history_path, zone)
    start = dt.date(2026, 11, 9)
    horizon = Horizon(start, 7, config.interval_minutes if config else 15, zone)
    actual = history[(history["interval_start"] >= horizon.start)
                     & (history["interval_start"] < horizon.end)]
    if actual.empty:
        return {"error": f"{history_path} has no rows in the week of {start}"}
    out = {}
    promo_days = {e.start_date + dt.timedelta(days=k)
                  for e in events if e.kind == "promotion"
                  and start <= e.start_date < start + dt.timedelta(days=7)
                  for k in range((e.last_date - e.start_date).days + 1)}
    for label, evs in (("with event calendar", events), ("without event calendar", ())):
        result = build_forecast(history, horizon, queues=queues, events=evs, holidays=holidays)
        merged = result.frame.merge(actual[["queue", "interval_start", "volume"]],
                                    on=["queue", "interval_start"], suffixes=("", "_actual"))
        merged = merged[np.isfinite(merged["volume_actual"])]
        err = (merged["volume"] - merged["volume_actual"]).abs()
        day = merged["interval_start"].dt.tz_convert(zone).dt.date
        on_promo = day.isin(promo_days)
        inside = (merged["volume_actual"] >= merged["volume_lower"]) & (
            merged["volume_actual"] <= merged["volume_upper"])
        out[label] = {
            "wape_week": err.sum() / merged["volume_actual"].sum(),
            "wape_promo": (err[on_promo].sum() / merged["volume_actual"][on_promo].sum()
                           if on_promo.any() else float("nan")),
            "bias_promo": ((merged["volume"] - merged["volume_actual"])[on_promo].sum()
                           / merged["volume_actual"][on_promo].sum()
                           if on_promo.any() else float("nan")),
            "coverage": inside[(merged["volume_actual"] > 0) | (merged["volume"] > 0)].mean(),
            "models": dict(result.models),
        }
    out["promo_days"] = sorted(promo_days)
    return out


# --------------------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_data = Path(os.environ.get("STAFFING_DATA", ROOT.parent.parent / "shared" / "data"))
    if not default_data.is_dir():
        default_data = Path("/work/shared/data")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--example-dir", type=Path, default=ROOT / "examples" / "express")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--series", choices=("all", "fpp2", "bank"), default="all",
                        help="real series to backtest (default: both)")
    parser.add_argument("--holiday-categories", default="public",
                        help="holidays package categories for the real series, comma-separated "
                             "(e.g. public,optional: Israel's Chol HaMoed is 'optional')")
    parser.add_argument("--skip-example", action="store_true",
                        help="leave out the timing and the bundled example's Double 11 week")
    args = parser.parse_args()

    loaders = {"fpp2": load_fpp2, "bank": load_anonymous_bank}
    categories = tuple(args.holiday_categories.split(","))
    datasets = []
    for key, load in loaders.items():
        if args.series in ("all", key):
            ds = load(args.data)
            try:
                config = ds.holidays.model_copy(update={"categories": categories})
                HolidaysConfig.model_validate(config.model_dump())
            except ValueError as exc:
                parser.error(f"--holiday-categories: {exc}")
            datasets.append(replace(ds, holidays=config))
    peer = None if args.skip_peer else run_peer(datasets)
    print("### Rolling-origin one-week-ahead WAPE (lower is better)\n")
    print("| series | origins | ours (chosen model) | seasonal naive | mean of last 4 weeks | "
          "statsforecast MSTL+AutoETS | Poisson noise floor | perfect daily totals | "
          f"{COVERAGE:.0%} interval coverage | s per origin |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    details = []
    for ds in datasets:
        r = backtest(ds, None if peer is None else peer[ds.name])
        peer_text = f"{r['peer']:.1%}" if "peer" in r else "skipped"
        print(f"| {ds.name} | {len(ds.origins)} weeks from {ds.origins[0]} | **{r['ours']:.1%}** "
              f"| {r['seasonal naive']:.1%} | {r['mean of last 4 weeks']:.1%} | {peer_text} | "
              f"{r['floor']:.1%} | {r['oracle']:.1%} | {r['coverage']:.1%} | "
              f"{r['seconds']:.1f} |")
        details.append(f"- {ds.name}: models chosen per origin: "
                       + ", ".join(f"{m} x{c}" for m, c in r["chosen"].most_common()))
    print()
    print("\n".join(details))

    if args.skip_example:
        return
    t = timing(args.example_dir)
    print("\n### Fit and forecast time\n")
    print("| history | queues | rows | seconds (auto, 4 backtest weeks, 7-day horizon) | "
          "models |")
    print("|---|---|---|---|---|")
    print(f"| {t['source']} | {t['queues']} | {t['rows']:,} | {t['seconds']:.1f} | "
          + ", ".join(f"{q}: {m}" for q, m in t["models"].items()) + " |")

    d = double11(args.example_dir)
    print("\n### Double 11 week on the bundled example (2026-11-09, history before it)\n")
    if d is None:
        print(f"_Not measured: {args.example_dir}/history.csv and events.yaml are not there "
              "yet; rerun this script once the bundled example exists._")
    elif "error" in d:
        print(f"_Not measured: {d['error']}._")
    else:
        print(f"Promotion days: {', '.join(str(x) for x in d['promo_days'])}\n")
        print("| forecast | WAPE week | WAPE promotion days | bias promotion days | "
              "interval coverage | models |")
        print("|---|---|---|---|---|---|")
        for label in ("with event calendar", "without event calendar"):
            r = d[label]
            print(f"| {label} | {r['wape_week']:.1%} | {r['wape_promo']:.1%} | "
                  f"{r['bias_promo']:+.1%} | {r['coverage']:.1%} | "
                  + ", ".join(f"{q}: {m}" for q, m in r["models"].items()) + " |")


if __name__ == "__main__":
    main()
