#!/usr/bin/env python
"""The intraday re-forecast on the bundled examples: how much of the rest of the day it fixes.

One command, from the repository root after ``make install``::

    .venv/bin/python benchmarks/intraday.py

(by default ``configs/express-week.yaml`` and ``configs/service-desk-week.yaml``; name other
scenarios as arguments, ``--weeks N`` for another number of weeks). Markdown on stdout.

What it measures
----------------
For each scenario, :func:`staffing.forecast.intraday.weekly_forecasts` makes one 7-day
forecast for each of the last 8 weeks of the scenario's history, from the history before that
week only, with the scenario's queues, events, holidays and ``forecast:`` settings (as
``staffing plan`` forecasts). Then, for every day of those weeks and each cut time (10:00,
12:00, 15:00 local), :func:`staffing.forecast.intraday.score_reforecast` re-forecasts from
the contacts before the cut and scores, per queue, the WAPE ``sum |y - f| / sum y`` over the
intervals from the cut to midnight ("rest of day") and over the whole next day, of the
unadjusted forecast and of the re-forecast. Pooled WAPEs sum the absolute errors first. The
Poisson floor ``sum sqrt(2 y / pi) / sum y`` is the WAPE a perfect expected value would still
have on Poisson counts: no forecast beats it on average.

Choosing the defaults
---------------------
The method has two constants: the credibility ``k`` (contacts so far at which the day's own
ratio counts half) and the carry-over to later days. A small grid is tried (``k`` in 100,
300, 1000 contacts; carry 0 or 0.5 per day), no finer, to keep from fitting the noise of two
synthetic histories; each is scored by its pooled WAPE over both spans relative to the
unadjusted forecast's, averaged over the scenarios run. The best and the runner-up are printed;
the library's default (:class:`staffing.forecast.intraday.IntradayMethod`) is the best of the
run recorded in ``docs/scenario.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from staffing.forecast.adjustments import effective_events
from staffing.forecast.intraday import (
    IntradayMethod,
    intraday_wape,
    score_reforecast,
    weekly_forecasts,
)
from staffing.io import load_scenario

SCENARIOS = (ROOT / "configs" / "express-week.yaml", ROOT / "configs" / "service-desk-week.yaml")
GRID = tuple(IntradayMethod(credibility_contacts=k, carry_per_day=carry)
             for k in (100.0, 300.0, 1000.0) for carry in (0.0, 0.5))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
            f"pandas {pd.__version__}")


def label(method: IntradayMethod) -> str:
    return f"k={method.credibility_contacts:g}, carry={method.carry_per_day:g}"


def percent(value: float) -> str:
    return f"{value:.2%}" if pd.notna(value) else "-"


def points(value: float) -> str:
    return f"{value * 100:+.2f} pt" if pd.notna(value) else "-"


def table_by_cut(scores: pd.DataFrame, channels: dict[str, str]) -> str:
    """cut | group | WAPE unadjusted | WAPE re-forecast | change, rest of the day."""
    rest = scores[scores["span"] == "rest_of_day"].assign(
        channel=lambda f: f["queue"].map(channels))
    parts = []
    for key, name in (("channel", "channel"), ("queue", "queue")):
        if key == "queue" and rest["queue"].nunique() == rest["channel"].nunique():
            continue  # one queue per channel: the channel rows say it all
        part = intraday_wape(rest, by=["cut", key]).rename(columns={key: "group"})
        part["group"] = f"{name} " + part["group"]
        parts.append(part)
    overall = intraday_wape(rest, by=["cut"]).assign(group="**all queues**")
    every = intraday_wape(rest, by=[]).assign(cut="all cuts", group="**all queues**")
    frame = pd.concat([*parts, overall, every], ignore_index=True)
    header = ("| cut | queues | actual contacts | WAPE unadjusted | WAPE re-forecast | change | "
              "Poisson floor |")
    lines = [header, "|---|---|---:|---:|---:|---:|---:|"]
    order = {c: i for i, c in enumerate(sorted(set(frame["cut"]) - {"all cuts"}))}
    order["all cuts"] = len(order)
    frame["_o"] = frame["cut"].map(order)
    frame["_g"] = frame["group"].str.startswith("**")
    for r in frame.sort_values(["_o", "_g", "group"], kind="stable").itertuples():
        lines.append(f"| {r.cut} | {r.group} | {r.actual_volume:,.0f} | "
                     f"{percent(r.wape_forecast)} | {percent(r.wape_reforecast)} | "
                     f"{points(r.change)} | {percent(r.wape_noise_floor)} |")
    return "\n".join(lines)


def best_days(scores: pd.DataFrame, n: int = 3) -> str:
    """The days the re-forecast helped most and hurt most (rest of the day, all cuts)."""
    days = intraday_wape(scores[scores["span"] == "rest_of_day"], by=["date"])
    days = days.sort_values("change", kind="stable")
    shown = [*days.head(n).itertuples(), *days.tail(n).itertuples()]
    return "; ".join(f"{r.date:%a %Y-%m-%d} {percent(r.wape_forecast)} -> "
                     f"{percent(r.wape_reforecast)}" for r in shown)


def grid_row(scores: pd.DataFrame) -> dict[str, float]:
    rest = intraday_wape(scores[scores["span"] == "rest_of_day"], by=[]).iloc[0]
    nxt = intraday_wape(scores[scores["span"] == "next_day"], by=[]).iloc[0]
    both = intraday_wape(scores, by=[]).iloc[0]
    return {"rest": rest["change"], "next": nxt["change"],
            "aht": rest["aht_error_reforecast"] - rest["aht_error_forecast"],
            "relative": both["change"] / both["wape_forecast"]}


def run(path: Path, weeks: int) -> tuple[str, dict[str, float]]:
    started = time.perf_counter()
    scenario = load_scenario(path)
    config = scenario.config
    history = scenario.history
    history = history[history["queue"].isin([q.id for q in config.queues])]
    loaded = time.perf_counter()
    forecasts = weekly_forecasts(history, time_zone=config.site.time_zone,
                                 interval_minutes=config.interval_minutes, weeks=weeks,
                                 queues=config.queues, events=effective_events(config),
                                 holidays=config.holidays, settings=config.forecast)
    forecast_done = time.perf_counter()
    channels = {q.id: q.channel for q in config.queues}
    rows, relative, default_scores, score_seconds = [], {}, None, []
    for method in GRID:
        t = time.perf_counter()
        scores = score_reforecast(history, forecasts, method=method)
        score_seconds.append(time.perf_counter() - t)
        g = grid_row(scores)
        relative[label(method)] = g["relative"]
        rows.append(f"| {label(method)} | {points(g['rest'])} | {points(g['next'])} | "
                    f"{points(g['aht'])} | {g['relative']:+.2%} |")
        if method == IntradayMethod():
            default_scores = scores
    if default_scores is None:
        default_scores = score_reforecast(history, forecasts, method=IntradayMethod())
    first, last = min(forecasts), max(forecasts) + dt.timedelta(days=6)
    weeks_text = f"{len(forecasts)} week{'s' if len(forecasts) != 1 else ''}"
    about = (f"{weeks_text}, {first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}, "
             f"{len(config.queues)} queues, {config.interval_minutes}-min intervals, "
             f"{config.site.time_zone}; weekly forecast `model: {config.forecast.model}`, "
             f"{config.forecast.backtest_weeks} backtest weeks; re-forecast with the default "
             f"{label(IntradayMethod())}.")
    timing = (f"Wall time: reading {loaded - started:.1f} s, {len(forecasts)} weekly forecasts "
              f"{forecast_done - loaded:.1f} s, scoring one method ({len(forecasts)} weeks x 7 "
              f"days x 3 cuts of re-forecasts) {sum(score_seconds) / len(score_seconds):.1f} s, "
              f"all {time.perf_counter() - started:.1f} s.")
    days = best_days(default_scores)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    text = [
        f"### {shown}", "", about, "",
        f"Rest of the day (from the cut to midnight), {config.interval_minutes}-min intervals:",
        "",
        table_by_cut(default_scores, channels), "",
        f"Days helped most, then hurt most (rest of the day, all cuts): {days}.", "",
        "The grid (change of the pooled WAPE, re-forecast minus unadjusted; < 0 is better):", "",
        "| method | rest of day | next day | AHT error, rest of day | both spans, relative |",
        "|---|---:|---:|---:|---:|",
        *rows, "",
        timing, "",
    ]
    return "\n".join(text), relative


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", type=Path, default=list(SCENARIOS))
    parser.add_argument("--weeks", type=int, default=8, help="weeks to backtest (default 8)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M')}")
    given = sys.argv[1:] if argv is None else argv
    print("Command: `.venv/bin/python benchmarks/intraday.py"
          + "".join(f" {a}" for a in given) + "`\n")
    relative: dict[str, list[float]] = {}
    for path in args.scenarios:
        text, rel = run(path.resolve(), args.weeks)
        print(text, flush=True)
        for name, value in rel.items():
            relative.setdefault(name, []).append(value)
    ranked = sorted(relative.items(), key=lambda item: sum(item[1]) / len(item[1]))
    print("### The grid over all scenarios run\n")
    print("| method | mean relative change of the pooled WAPE (both spans) |")
    print("|---|---:|")
    for name, values in ranked:
        print(f"| {name} | {sum(values) / len(values):+.2%} |")
    if len(ranked) > 1:
        print(f"\nBest: {ranked[0][0]}; runner-up: {ranked[1][0]}. "
              f"Library default: {label(IntradayMethod())}.")
    print(f"\nTotal wall time {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
