#!/usr/bin/env python
"""Check the bundled workforce against the bundled demand: a quick Erlang C estimate.

    .venv/bin/python examples/express/calibrate.py                 # the two express weeks
    .venv/bin/python examples/express/calibrate.py --config tests/fixtures/small/scenario.yaml \\
        --preset small

For each scenario week it takes the generator's *expected* (noise-free) volumes and AHT, computes
the agents each queue needs per interval, and compares the paid hours that need with the paid
hours the agents can give in that week. It prints Markdown tables.

The estimate, deliberately simple and independent of ``staffing.erlang`` (built elsewhere):

- voice: Erlang C, the fewest agents ``N`` with service level >= target (``answer_within_seconds``)
  and occupancy ``A / N`` <= ``max_occupancy``;
- chat with concurrency ``c``: the same with the session time divided by ``c`` (an agent is
  ``c`` servers' worth of throughput), a common approximation;
- email with a response time of a day: the day's workload at ``max_occupancy``, spread over the
  day, since mail can wait for the next free agent;
- agents to schedule per interval: ``ceil(N / (1 - shrinkage))`` (the requirements format);
- paid hours: scheduled hours divided by the share of a paid shift spent off paid breaks
  (full time: 450 of 480 paid minutes);
- capacity: each agent's most paid hours in the week (contract or own maximum), limited by
  five shifts on the days left after fixed days off and whole-day leave.

Queues are sized separately (no pooling of multi-skilled agents), which slightly overstates the
need; the roster solver also loses some capacity to the shape of shifts, which this ignores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (the generator beside this script)

from staffing.config import ScenarioConfig
from staffing.domain import Agent  # noqa: E402
from staffing.io import (  # noqa: E402
    load_config,  # noqa: E402
    read_agents,
    read_history,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIGS = (ROOT / "configs" / "express-week.yaml",
                   ROOT / "configs" / "express-double11.yaml")


# ===================================================================================== Erlang C
def erlang_c_agents(traffic_erlangs: np.ndarray, service_seconds: np.ndarray,
                    answer_within_seconds: float, service_level: float,
                    max_occupancy: float, max_agents: int = 2000) -> np.ndarray:
    """Fewest agents per interval meeting a service level and an occupancy cap (Erlang C).

    Parameters
    ----------
    traffic_erlangs : offered load per interval. [Erlangs]
    service_seconds : mean service time per interval. [s]
    answer_within_seconds : service-level threshold. [s]
    service_level : share to answer within the threshold. [fraction]
    max_occupancy : cap on ``traffic / agents``. [fraction]

    Returns
    -------
    Agents per interval (0 where the traffic is 0). [agents]

    Erlang B is stepped up ``B(n) = A B(n-1) / (n + A B(n-1))`` for all intervals at once;
    ``C(n) = n B / (n - A (1 - B))`` and ``SL(n) = 1 - C exp(-(n - A) t / s)``.
    """
    a = np.asarray(traffic_erlangs, dtype=float)
    s = np.broadcast_to(np.asarray(service_seconds, dtype=float), a.shape)
    out = np.where(a > 0, -1, 0)
    b = np.ones_like(a)
    for n in range(1, max_agents + 1):
        b = a * b / (n + a * b)
        todo = out < 0
        if not todo.any():
            break
        stable = todo & (n > a)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = n * b / (n - a * (1.0 - b))
            sl = 1.0 - c * np.exp(-(n - a) * answer_within_seconds / s)
        ok = stable & (sl >= service_level) & (a / n <= max_occupancy)
        out[ok] = n
    if (out < 0).any():
        raise ValueError(f"traffic too high for {max_agents} agents")
    return out


# =================================================================================== need
def weekly_need(config: ScenarioConfig, expected: pd.DataFrame, *,
                contract: str = "full_time") -> pd.DataFrame:
    """On-queue and paid agent-hours each queue needs in the horizon. [h]

    ``expected``: history format (float volumes and AHT) covering the horizon. ``contract``:
    the contract whose longest shift gives the share of paid time off paid breaks.
    """
    horizon = config.horizon_
    minutes = config.interval_minutes
    interval_seconds = minutes * 60.0
    stamps = expected["interval_start"]
    frame = expected[(stamps >= horizon.start) & (stamps < horizon.end)]
    on_shift_share = _on_queue_share_of_paid(config, contract)
    rows = []
    for queue in config.queues:
        q = frame[frame["queue"] == queue.id]
        volume = q["volume"].to_numpy()
        aht = q["aht_seconds"].to_numpy()
        shrinkage = queue.shrinkage if queue.shrinkage is not None else config.shrinkage
        occupancy = queue.max_occupancy if queue.max_occupancy is not None \
            else config.max_occupancy
        if queue.channel == "email":
            days = q["interval_start"].dt.tz_localize(None).dt.normalize()
            work_hours = pd.Series(volume * aht / 3600.0).groupby(days.to_numpy()).sum()
            on_queue = float((work_hours / occupancy).sum())
            scheduled = on_queue / (1.0 - shrinkage)
            peak = math.ceil((work_hours / occupancy / 24.0).max() / (1.0 - shrinkage))
        else:
            service = aht / queue.concurrency
            traffic = volume * service / interval_seconds
            agents = erlang_c_agents(traffic, service, queue.answer_within_seconds,
                                     queue.service_level, occupancy)
            with_shrinkage = np.ceil(agents / (1.0 - shrinkage))
            on_queue = float(agents.sum() * minutes / 60.0)
            scheduled = float(with_shrinkage.sum() * minutes / 60.0)
            peak = int(with_shrinkage.max())
        rows.append({
            "queue": queue.id,
            "contacts": float(volume.sum()),
            "workload_hours": float((volume * aht).sum() / 3600.0 / queue.concurrency),
            "on_queue_hours": on_queue,
            "scheduled_hours": scheduled,
            "paid_hours": scheduled / on_shift_share,
            "peak_scheduled_agents": peak,
        })
    return pd.DataFrame(rows)


def _on_queue_share_of_paid(config: ScenarioConfig, name: str = "full_time") -> float:
    """Share of the longest shift's paid time of contract ``name`` not on paid breaks.
    [fraction]"""
    contract = config.contracts[name]
    shift = contract.max_shift_minutes
    unpaid = sum(b.duration_minutes for b in config.shift_rules.breaks
                 if not b.paid and shift >= b.min_shift_minutes)
    paid_breaks = sum(b.duration_minutes for b in config.shift_rules.breaks
                      if b.paid and shift >= b.min_shift_minutes)
    paid = shift - unpaid
    return (paid - paid_breaks) / paid


# =============================================================================== capacity
def weekly_capacity(config: ScenarioConfig, agents: Sequence[Agent]) -> pd.DataFrame:
    """Paid hours each agent can give in the horizon's first 7 days. [h]

    ``paid_hours``: the most the roster may use (contract or own maximum, at most
    ``max_shifts_per_week`` longest shifts on the days free of fixed days off and whole-day
    leave). ``net_paid_hours``: the same less one longest shift per leave day on a working day
    (leave is paid leave, so it comes off the week's hours): what a planner would roster.
    """
    horizon = config.horizon_
    days = [horizon.start_date + dt.timedelta(days=k) for k in range(min(7, horizon.days))]
    unpaid = {name: sum(b.duration_minutes for b in config.shift_rules.breaks
                        if not b.paid and c.max_shift_minutes >= b.min_shift_minutes)
              for name, c in config.contracts.items()}
    rows = []
    for agent in agents:
        contract = config.contracts[agent.contract]
        max_hours = agent.max_hours_per_week or contract.max_hours_per_week
        leave = [d for d in days if _on_leave(agent, d, config)]
        workable = [d for d in days if d.weekday() not in agent.fixed_days_off
                    and d not in leave]
        shifts = min(contract.max_shifts_per_week, len(workable))
        shift_paid_hours = (contract.max_shift_minutes - unpaid[agent.contract]) / 60.0
        hours = min(max_hours * len(days) / 7.0, shifts * shift_paid_hours)
        leave_workdays = sum(1 for d in leave if d.weekday() not in agent.fixed_days_off)
        net = max(0.0, min(hours, max_hours * len(days) / 7.0 - leave_workdays
                           * shift_paid_hours))
        rows.append({"agent_id": agent.agent_id, "contract": agent.contract,
                     "paid_hours": hours, "net_paid_hours": net, "leave_days": len(leave)})
    return pd.DataFrame(rows)


def _on_leave(agent: Agent, day: dt.date, config: ScenarioConfig) -> bool:
    """Whether an unavailability window covers the whole local day."""
    zone = config.site.time_zone
    start = pd.Timestamp(day).tz_localize(zone)
    end = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(zone)
    return any(s <= start and e >= end for s, e in agent.unavailable)


# ================================================================================= report
def calibrate(config_path: Path, model: generate.SiteModel, *, actual: bool = True,
              contract: str = "full_time") -> dict:
    """Need and capacity of one scenario week.

    The need is computed from the model's expected volumes and, with ``actual`` and when the
    scenario's history covers the week, from the history's actual volumes too. ``contract``
    is the contract whose shift converts on-queue hours into paid hours.
    """
    config = load_config(config_path)
    horizon = config.horizon_
    last = horizon.start_date + dt.timedelta(days=horizon.days - 1)
    expected = generate.expected_history(model, horizon.start_date, last)
    if config.interval_minutes != model.interval_minutes:
        raise SystemExit(f"{config_path}: interval_minutes {config.interval_minutes} differs "
                         f"from the model's {model.interval_minutes}")
    agents = read_agents(config.agents, time_zone=config.site.time_zone,
                         queue_ids=[q.id for q in config.queues],
                         contract_names=list(config.contracts))
    result = {"config": config, "need": weekly_need(config, expected, contract=contract),
              "capacity": weekly_capacity(config, agents), "actual_need": None}
    if actual and config.history is not None:
        frame = read_history(config.history, config.site.time_zone)
        inside = frame[(frame["interval_start"] >= horizon.start)
                       & (frame["interval_start"] < horizon.end)]
        if len(inside) == len(expected):
            # An interval without contacts has no AHT; it adds no workload either.
            observed = inside.assign(aht_seconds=inside["aht_seconds"].fillna(0.0))
            result["actual_need"] = weekly_need(config, observed, contract=contract)
    return result


def markdown(results: Sequence[tuple[Path, dict]]) -> str:
    """The calibration figures as Markdown tables."""
    lines = ["| week | queue | contacts | workload h | on-queue h | scheduled h | paid h | "
             "peak agents |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for _, r in results:
        start = r["config"].horizon.start_date
        for _, row in r["need"].iterrows():
            lines.append(f"| {start} | {row['queue']} | {row['contacts']:,.0f} | "
                         f"{row['workload_hours']:,.0f} | {row['on_queue_hours']:,.0f} | "
                         f"{row['scheduled_hours']:,.0f} | {row['paid_hours']:,.0f} | "
                         f"{row['peak_scheduled_agents']} |")
    lines += ["", "| week | contacts | paid h needed | capacity h (net of leave) | "
              "capacity / need (net) | agents (FT/PT) | on leave | actual contacts | "
              "paid h needed (actual) |",
              "|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for _, r in results:
        need, cap = r["need"], r["capacity"]
        paid = need["paid_hours"].sum()
        capacity = cap["paid_hours"].sum()
        net = cap["net_paid_hours"].sum()
        ft = int(cap["contract"].str.endswith("full_time").sum())
        actual = r["actual_need"]
        actual_cells = ("-", "-") if actual is None else (
            f"{actual['contacts'].sum():,.0f}", f"{actual['paid_hours'].sum():,.0f}")
        lines.append(f"| {r['config'].horizon.start_date} | {need['contacts'].sum():,.0f} | "
                     f"{paid:,.0f} | {capacity:,.0f} ({net:,.0f}) | "
                     f"{capacity / paid:.2f} ({net / paid:.2f}) | "
                     f"{len(cap)} ({ft}/{len(cap) - ft}) | "
                     f"{int((cap['leave_days'] > 0).sum())} | {actual_cells[0]} | "
                     f"{actual_cells[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, action="append",
                        help="scenario file(s) (default: the two express weeks)")
    parser.add_argument("--preset", choices=sorted(generate.PRESETS), default="express")
    args = parser.parse_args(argv)
    model = generate.PRESETS[args.preset]["model"]()
    paths = args.config or list(DEFAULT_CONFIGS)
    print(markdown([(p, calibrate(p, model)) for p in paths]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
