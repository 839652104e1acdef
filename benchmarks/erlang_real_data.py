"""Erlang C and Erlang A against what happened: a month of per-call records of a real call center.

    .venv/bin/python benchmarks/erlang_real_data.py [CALLS.tsv]

Data: ``/work/shared/data/callcenter_anonymous_bank_1999/anonbank_1999_02_calls.tsv`` (default;
Technion "Anonymous Bank", February 1999, 33,344 calls; see that folder's README). Prints
Markdown.

Per 30-min interval of the month (by the time a call left the voice menu and asked for an
agent), from the records alone:

- offered: calls that asked for an agent (queued, or answered at once); PHANTOM calls and
  hang-ups inside the voice menu are not offered;
- actual service level: calls answered within 20 s / offered; actual abandonment: calls
  hanging up in the queue / offered; actual ASA: mean queue time of the answered calls;
- AHT: mean service time of that interval's answered calls (service times of 0 s left out);
- agents: the data has no rosters, so two counts are compared: the agents (named servers)
  with a service overlapping the interval (counts an agent who took one call as there all
  half-hour), and the agents present, time-weighted and rounded, an agent being present from
  the start to the end of each service and between services less than 10 min apart (misses
  agents idle longer). How far either is from the staffing actually present is part of the
  error reported.
- mean patience for Erlang A: the month's maximum-likelihood estimate for exponential patience
  with censoring, total queue time of every queued call / calls abandoning (one number).

Predicted: ``staffing.erlang.performance(traffic, agents, AHT, answer_within_seconds=20)`` with
``traffic = offered x AHT / 1800 s`` (Erlang C) and the same with ``patience_seconds`` (Erlang
A; the service level counts abandoned calls as not answered in time). Intervals with at least
20 offered calls are compared. Errors are predicted minus actual, in percentage points.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from staffing.erlang import performance  # noqa: E402

DEFAULT = Path("/work/shared/data/callcenter_anonymous_bank_1999/anonbank_1999_02_calls.tsv")
INTERVAL = pd.Timedelta(minutes=30)
WITHIN_SECONDS = 20.0
MIN_OFFERED = 20
#: Two services of an agent less than this apart: the agent was present in between.
PRESENCE_GAP = pd.Timedelta(minutes=10)


def _clock(day: pd.Series, hms: pd.Series) -> pd.Series:
    return day + pd.to_timedelta(hms)


def read_calls(path: Path) -> pd.DataFrame:
    """One row per call offered to an agent: interval, outcome, queue and service times."""
    raw = pd.read_csv(path, sep="\t", dtype={"date": str})
    raw = raw[raw["outcome"] != "PHANTOM"]
    day = pd.to_datetime("19" + raw["date"], format="%Y%m%d")
    entry = _clock(day, raw["vru_entry"])
    asked = _clock(day, raw["vru_exit"])
    asked = asked.where(asked >= entry, asked + pd.Timedelta(days=1))   # past midnight
    queued = raw["q_time"] > 0
    offered = queued | (raw["outcome"] == "AGENT")
    start = _clock(day, raw["ser_start"])
    start = start.where(start >= entry, start + pd.Timedelta(days=1))
    calls = pd.DataFrame({
        "interval": asked.dt.floor(INTERVAL),
        "answered": raw["outcome"] == "AGENT",
        "abandoned": (raw["outcome"] == "HANG") & queued,
        "queued": queued,
        "wait_seconds": raw["q_time"].astype(float),
        "service_seconds": raw["ser_time"].astype(float),
        "server": raw["server"],
        "service_start": start,
        "service_end": start + pd.to_timedelta(raw["ser_time"], unit="s"),
    })
    return calls[offered.to_numpy()]


def agents_per_interval(calls: pd.DataFrame) -> pd.Series:
    """Distinct named agents with a service overlapping each 30-min interval."""
    served = calls[calls["answered"] & (calls["server"] != "NO_SERVER")]
    first = served["service_start"].dt.floor(INTERVAL)
    last = (served["service_end"] - pd.Timedelta(seconds=1)).dt.floor(INTERVAL)
    spans = ((last - first) // INTERVAL).clip(lower=0).astype(int)
    rows = np.repeat(np.arange(len(served)), spans.to_numpy() + 1)
    offset = np.concatenate([np.arange(s + 1) for s in spans.to_numpy()])
    pairs = pd.DataFrame({"interval": first.to_numpy()[rows] + offset * INTERVAL,
                          "server": served["server"].to_numpy()[rows]})
    return pairs.drop_duplicates().groupby("interval").size()


def agents_present(calls: pd.DataFrame, gap: pd.Timedelta) -> pd.Series:
    """Mean agents present per 30-min interval: an agent is present from the start of a
    service to its end, and between two services less than ``gap`` apart (time-weighted)."""
    served = calls[calls["answered"] & (calls["server"] != "NO_SERVER")]
    pieces = []
    for _, own in served.sort_values("service_start").groupby("server"):
        start = own["service_start"].to_numpy()
        end = np.maximum.accumulate(own["service_end"].to_numpy())
        new = np.r_[True, start[1:] > end[:-1] + gap]      # a session starts here
        ids = np.cumsum(new) - 1
        spans = pd.DataFrame({"start": start, "end": end, "id": ids}).groupby("id")
        pieces.append(pd.DataFrame({"start": spans["start"].min(), "end": spans["end"].max()}))
    sessions = pd.concat(pieces, ignore_index=True)
    first = sessions["start"].dt.floor(INTERVAL)
    count = ((sessions["end"] - first) // INTERVAL).astype(int) + 1
    rows = np.repeat(np.arange(len(sessions)), count.to_numpy())
    bins = first.to_numpy()[rows] + np.concatenate([np.arange(c) for c in count]) * INTERVAL
    lo = np.maximum(sessions["start"].to_numpy()[rows], bins)
    hi = np.minimum(sessions["end"].to_numpy()[rows], bins + INTERVAL)
    share = np.clip((hi - lo) / INTERVAL, 0, None)
    return pd.Series(share, index=bins).groupby(level=0).sum()


def intervals(calls: pd.DataFrame) -> pd.DataFrame:
    g = calls.groupby("interval")
    answered = calls[calls["answered"]]
    in_time = calls["answered"] & (calls["wait_seconds"] <= WITHIN_SECONDS)
    frame = pd.DataFrame({
        "offered": g.size(),
        "in_time": in_time.groupby(calls["interval"]).sum(),
        "abandoned": g["abandoned"].sum(),
        "asa_seconds": answered.groupby("interval")["wait_seconds"].mean(),
        "aht_seconds": answered[answered["service_seconds"] > 0]
        .groupby("interval")["service_seconds"].mean(),
    })
    frame["agents"] = agents_per_interval(calls).reindex(frame.index).fillna(0)
    frame["present"] = (agents_present(calls, PRESENCE_GAP).reindex(frame.index).fillna(0)
                        .round())
    frame["sl"] = frame["in_time"] / frame["offered"]
    frame["abandon"] = frame["abandoned"] / frame["offered"]
    return frame


def patience_seconds(calls: pd.DataFrame) -> float:
    """Exponential patience, censored by service: total queue time / abandonments. [s]"""
    queued = calls[calls["queued"]]
    return float(queued["wait_seconds"].sum() / queued["abandoned"].sum())


def _errors(pred: np.ndarray, actual: np.ndarray) -> dict:
    e = 100 * (pred - actual)
    return {"mae": np.mean(np.abs(e)), "bias": np.mean(e), "rmse": np.sqrt(np.mean(e ** 2)),
            "within10": np.mean(np.abs(e) <= 10)}


MEASURES = {"agents": "serving in the half-hour",
            "present": "present (time-weighted, gaps < 10 min bridged)"}


def predict(frame: pd.DataFrame, column: str, theta: float) -> pd.DataFrame:
    """Erlang C and Erlang A service level, abandonment and ASA with agents from ``column``."""
    n = frame[column].to_numpy()
    aht = frame["aht_seconds"].to_numpy()
    traffic = (frame["offered"] * frame["aht_seconds"] / INTERVAL.total_seconds()).to_numpy()
    c = performance(traffic, n, aht, answer_within_seconds=WITHIN_SECONDS)
    a = performance(traffic, n, aht, answer_within_seconds=WITHIN_SECONDS,
                    patience_seconds=theta)
    return pd.DataFrame({"load": traffic / n, "sl_c": c.service_level, "sl_a": a.service_level,
                         "ab_c": 0.0, "ab_a": a.abandon_rate, "asa_c": c.asa_seconds,
                         "asa_a": a.asa_seconds}, index=frame.index)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    calls = read_calls(path)
    theta = patience_seconds(calls)
    frame = intervals(calls)
    frame = frame[(frame["offered"] >= MIN_OFFERED) & (frame["present"] > 0)
                  & frame["aht_seconds"].notna()].copy()
    offered = frame["offered"].sum()
    w = frame["offered"].to_numpy()
    print("## Erlang C and Erlang A vs the Anonymous Bank, February 1999\n")
    print(f"Command: `.venv/bin/python benchmarks/erlang_real_data.py` ({path.name}).\n")
    print(f"{len(calls):,} calls offered to agents; {len(frame):,} half-hours with at least "
          f"{MIN_OFFERED} of them ({offered:,} calls); mean patience estimated from the month: "
          f"{theta:.0f} s; actual service level (answered within {WITHIN_SECONDS:.0f} s / "
          f"offered) {frame['in_time'].sum() / offered:.1%}, abandonment "
          f"{frame['abandoned'].sum() / offered:.1%}, ASA of answered calls "
          f"{np.average(frame['asa_seconds'], weights=w):.0f} s. Agents per half-hour: "
          f"{frame['agents'].mean():.1f} serving, {frame['present'].mean():.1f} present "
          "(means).\n")
    print("Per half-hour, predicted minus actual, in percentage points (MAE, bias, RMSE), the "
          "share of half-hours predicted within 10 points, and the month (calls-weighted):\n")
    print("| agents counted as | quantity | model | MAE | bias | RMSE | within 10 pp | month "
          "predicted / actual |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    preds = {}
    for column, label in MEASURES.items():
        p = preds[column] = predict(frame, column, theta)
        for quantity, key, actual in (("service level 20 s", "sl", frame["sl"]),
                                      ("abandonment", "ab", frame["abandon"])):
            for model in ("C", "A"):
                pred = p[f"{key}_{model.lower()}"].to_numpy()
                e = _errors(pred, actual.to_numpy())
                print(f"| {label} | {quantity} | Erlang {model} | {e['mae']:.1f} | "
                      f"{e['bias']:+.1f} | {e['rmse']:.1f} | {e['within10']:.0%} | "
                      f"{np.average(pred, weights=w):.1%} / "
                      f"{np.average(actual, weights=w):.1%} |")
    print("\nASA of answered calls, mean absolute error per half-hour [s]:", end=" ")
    parts = []
    for column, label in MEASURES.items():
        p = preds[column]
        finite = np.isfinite(p["asa_c"])
        err_a = np.abs(p["asa_a"] - frame["asa_seconds"]).mean()
        err_c = np.abs(p["asa_c"] - frame["asa_seconds"])[finite].mean()
        parts.append(f"agents {label}: Erlang A {err_a:.0f} s, Erlang C {err_c:.0f} s "
                     f"(infinite in {(~finite).sum()} half-hours with traffic >= agents)")
    print("; ".join(parts) + ".\n")
    print("By load (traffic / agents present): service-level MAE (bias) in points, and "
          "abandonment:\n")
    print("| traffic / agents | half-hours | actual SL | Erlang C | Erlang A | actual "
          "abandonment | Erlang A abandonment |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    p = preds["present"]
    bins = [0, 0.7, 0.85, 0.95, 1.0, 1.1, np.inf]
    for band, part in p.groupby(pd.cut(p["load"], bins, right=False), observed=True):
        actual = frame.loc[part.index]
        ec = _errors(part["sl_c"].to_numpy(), actual["sl"].to_numpy())
        ea = _errors(part["sl_a"].to_numpy(), actual["sl"].to_numpy())
        print(f"| {band.left:.2f} to {band.right:.2f} | {len(part)} | {actual['sl'].mean():.1%} "
              f"| {ec['mae']:.1f} ({ec['bias']:+.1f}) | {ea['mae']:.1f} ({ea['bias']:+.1f}) | "
              f"{actual['abandon'].mean():.1%} | {part['ab_a'].mean():.1%} |")


if __name__ == "__main__":
    main()
