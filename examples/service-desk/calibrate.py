#!/usr/bin/env python
"""Check the service desk's workforce against its demand: the express example's Erlang C
estimate (``examples/express/calibrate.py``), plus the night and the scarce skills.

    PYTHONPATH=. .venv/bin/python examples/service-desk/calibrate.py

It prints Markdown tables: the need of each queue in the plan week and the whole week's
capacity (the express tables), then

- the night (22:00-06:00, ``shift_rules.night_*``): scheduled agent-hours the queues need in the
  night window against what the night-capable agents can give there;
- the scarce skills (VIP, international): the paid hours each queue needs against the paid hours
  of the agents holding the skill (all of their hours: an upper bound, since they serve other
  queues too), over the week and at night.

Queues are sized separately, as the product does (an agent serves one queue per interval): a
queue with any traffic needs at least one agent on it, ``ceil(1 / (1 - shrinkage))`` = 2 to
schedule. With 10 voice and chat queues open all night, these floors, not the night's few
contacts, set the night's need.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "express"))
import calibrate as express_calibrate  # noqa: E402  (the express example's estimate)

from staffing.config import ScenarioConfig  # noqa: E402
from staffing.io import read_agents  # noqa: E402

DEFAULT_CONFIG = ROOT / "configs" / "service-desk-week.yaml"
#: The contract whose shift converts on-queue hours into paid hours.
PAID_SHARE_CONTRACT = "day_full_time"
#: Contracts whose agents may work nights.
NIGHT_CONTRACTS = ("night_full_time",)
#: Scarce skills; ``a+b``: queues held by the same agents, needing their hours together.
SCARCE = ("voice_vip", "chat_vip", "voice_vip+chat_vip", "chat_international")


def load_desk_generator():
    """``examples/service-desk/generate.py`` as a module (its name clashes with the express
    generator's, so it is loaded by path)."""
    spec = importlib.util.spec_from_file_location("service_desk_generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _night_mask(config: ScenarioConfig, stamps: pd.Series) -> np.ndarray:
    """Whether each interval starts in the night window. [bool]"""
    rules = config.shift_rules
    start = _minutes(rules.night_start)
    end = _minutes(rules.night_end)
    local = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    minute = (local.dt.hour * 60 + local.dt.minute).to_numpy()
    return (minute >= start) | (minute < end) if end <= start else (minute >= start) & (
        minute < end)


def _minutes(value) -> int:
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    hours, minutes = str(value).split(":")
    return int(hours) * 60 + int(minutes)


def interval_need(config: ScenarioConfig, expected: pd.DataFrame) -> pd.DataFrame:
    """Agents to schedule per queue and interval (voice and chat: Erlang C as the express
    estimate; email: its day's workload spread evenly over 24 h). [agents]"""
    horizon = config.horizon_
    minutes = config.interval_minutes
    frame = expected[(expected["interval_start"] >= horizon.start)
                     & (expected["interval_start"] < horizon.end)]
    rows = []
    for queue in config.queues:
        q = frame[frame["queue"] == queue.id]
        volume = q["volume"].to_numpy()
        aht = q["aht_seconds"].to_numpy()
        shrinkage = queue.shrinkage if queue.shrinkage is not None else config.shrinkage
        occupancy = queue.max_occupancy if queue.max_occupancy is not None \
            else config.max_occupancy
        if queue.channel == "email":
            days = q["interval_start"].dt.tz_localize(None).dt.normalize().to_numpy()
            work = pd.Series(volume * aht / 3600.0).groupby(days).transform("sum").to_numpy()
            scheduled = work / occupancy / 24.0 / (1.0 - shrinkage)
        else:
            service = aht / queue.concurrency
            traffic = volume * service / (minutes * 60.0)
            agents = express_calibrate.erlang_c_agents(
                traffic, service, queue.answer_within_seconds, queue.service_level, occupancy)
            scheduled = np.ceil(agents / (1.0 - shrinkage))
        rows.append(pd.DataFrame({"queue": queue.id, "interval_start": q["interval_start"],
                                  "scheduled": scheduled}))
    return pd.concat(rows, ignore_index=True)


def pooled_need(config: ScenarioConfig, expected: pd.DataFrame) -> float:
    """Paid hours the week would need if each channel's voice or chat queues were one pool.
    [h]

    A lower bound for comparison (every agent would hold every skill of the channel): per
    interval the channel's traffic with its volume-weighted handle time (chat sessions divided
    by each queue's concurrency), the channel's loosest target; email as in
    :func:`interval_need`.
    """
    horizon = config.horizon_
    minutes = config.interval_minutes
    frame = expected[(expected["interval_start"] >= horizon.start)
                     & (expected["interval_start"] < horizon.end)].copy()
    queues = {q.id: q for q in config.queues}
    frame["channel"] = frame["queue"].map(lambda q: queues[q].channel)
    frame["service"] = frame["aht_seconds"] / frame["queue"].map(lambda q: queues[q].concurrency)
    frame["work"] = frame["volume"] * frame["service"]
    share = express_calibrate._on_queue_share_of_paid(config, PAID_SHARE_CONTRACT)
    scheduled_hours = 0.0
    for channel in ("voice", "chat"):
        members = [q for q in queues.values() if q.channel == channel]
        rows = frame[frame["channel"] == channel].groupby("interval_start")[
            ["volume", "work"]].sum()
        service = (rows["work"] / rows["volume"]).to_numpy()
        traffic = rows["work"].to_numpy() / (minutes * 60.0)
        agents = express_calibrate.erlang_c_agents(
            traffic, service, max(q.answer_within_seconds for q in members),
            min(q.service_level for q in members), config.max_occupancy)
        scheduled_hours += float(np.ceil(agents / (1.0 - config.shrinkage)).sum()
                                 * minutes / 60.0)
    email = interval_need(config, expected)
    email = email[email["queue"].map(lambda q: queues[q].channel) == "email"]
    scheduled_hours += float(email["scheduled"].sum() * minutes / 60.0)
    return scheduled_hours / share


def night_and_scarce(config_path: Path, model, result: dict) -> dict:
    """Night and scarce-skill need against the capacity of the agents who can cover it. [h]"""
    config = result["config"]
    horizon = config.horizon_
    last = horizon.start_date + dt.timedelta(days=horizon.days - 1)
    expected = express_calibrate.generate.expected_history(model, horizon.start_date, last)
    need = interval_need(config, expected)
    hours = config.interval_minutes / 60.0
    share = express_calibrate._on_queue_share_of_paid(config, PAID_SHARE_CONTRACT)
    need["night"] = _night_mask(config, need["interval_start"])
    need["paid_hours"] = need["scheduled"] * hours / share
    agents = read_agents(config.agents, time_zone=config.site.time_zone,
                         queue_ids=[q.id for q in config.queues],
                         contract_names=list(config.contracts))
    capacity = result["capacity"].set_index("agent_id")
    night_window = ((_minutes(config.shift_rules.night_end)
                     - _minutes(config.shift_rules.night_start)) % (24 * 60)) / 60.0
    night_ids = [a.agent_id for a in agents if a.contract in NIGHT_CONTRACTS]
    # A night shift of the longest length spends at most the night window in it.
    longest = {n: c.max_shift_minutes / 60.0 for n, c in config.contracts.items()}
    night_share = {a.agent_id: min(1.0, night_window / longest[a.contract])
                   for a in agents if a.contract in NIGHT_CONTRACTS}
    night_capacity = sum(capacity.loc[i, "net_paid_hours"] * night_share[i] for i in night_ids)
    rows = []
    for group in SCARCE:
        queues = group.split("+")
        holders = [a.agent_id for a in agents if any(q in a.queues for q in queues)]
        night_holders = [i for i in holders if i in night_share]
        q = need[need["queue"].isin(queues)]
        rows.append({
            "queue": group, "holders": len(holders), "night_holders": len(night_holders),
            "need_paid_hours": float(q["paid_hours"].sum()),
            "holders_paid_hours": float(capacity.loc[holders, "net_paid_hours"].sum()),
            "night_need_paid_hours": float(q.loc[q["night"], "paid_hours"].sum()),
            "night_holders_paid_hours": float(sum(
                capacity.loc[i, "net_paid_hours"] * night_share[i] for i in night_holders)),
        })
    night = need[need["night"]]
    return {
        "pooled_paid_hours": pooled_need(config, expected),
        "night_need_paid_hours": float(night["paid_hours"].sum()),
        "night_peak_scheduled": int(night.groupby("interval_start")["scheduled"].sum().max()),
        "night_floor_share": float((night["scheduled"] <= 2).mean()),
        "night_agents": len(night_ids), "night_capacity_hours": float(night_capacity),
        "scarce": pd.DataFrame(rows),
    }


def markdown(config_path: Path, result: dict, extra: dict) -> str:
    lines = [express_calibrate.markdown([(config_path, result)]), ""]
    separate = result["need"]["paid_hours"].sum()
    lines += ["| week | paid h needed, queues apart (as planned) | paid h needed, each channel "
              "one pool (lower bound) | capacity h (net of leave) |", "|---|---:|---:|---:|",
              f"| {result['config'].horizon.start_date} | {separate:,.0f} | "
              f"{extra['pooled_paid_hours']:,.0f} | "
              f"{result['capacity']['paid_hours'].sum():,.0f} "
              f"({result['capacity']['net_paid_hours'].sum():,.0f}) |", ""]
    lines += ["| night (22:00-06:00) | paid h needed | peak agents | intervals at the floor "
              "(<= 2 agents) | night-capable agents | their paid h in the window |",
              "|---|---:|---:|---:|---:|---:|",
              f"| {result['config'].horizon.start_date} | {extra['night_need_paid_hours']:,.0f} | "
              f"{extra['night_peak_scheduled']} | {extra['night_floor_share']:.0%} | "
              f"{extra['night_agents']} | {extra['night_capacity_hours']:,.0f} |", ""]
    lines += ["| scarce skill | holders (night-capable) | paid h needed | holders' paid h "
              "| night: paid h needed | night: holders' paid h in the window |",
              "|---|---:|---:|---:|---:|---:|"]
    for _, r in extra["scarce"].iterrows():
        lines.append(f"| {r['queue']} | {r['holders']} ({r['night_holders']}) | "
                     f"{r['need_paid_hours']:,.0f} | {r['holders_paid_hours']:,.0f} | "
                     f"{r['night_need_paid_hours']:,.0f} | "
                     f"{r['night_holders_paid_hours']:,.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="scenario file")
    args = parser.parse_args(argv)
    model = load_desk_generator().desk_model()
    result = express_calibrate.calibrate(args.config, model, actual=False,
                                         contract=PAID_SHARE_CONTRACT)
    print(markdown(args.config, result, night_and_scarce(args.config, model, result)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
