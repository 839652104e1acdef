"""The cost of truth: what verification by simulation adds to a plan, and what it buys.

    .venv/bin/python benchmarks/verification.py configs/express-week.yaml \\
        configs/express-double11.yaml configs/service-desk-week.yaml

For each scenario (its own solver and ``simulation:`` settings): forecast, requirements and a
roster as ``staffing plan`` makes them; the roster simulated (the scenario's replications and
routing); then verification (``staffing.plan.verify_stage``: requirements raised where the
simulation shows a voice or chat queue short, rostered again, simulated again). Prints per
queue the formula's and the simulation's service level before and after, the agent-hours
verification added to the requirements and the paid hours before and after, the days short of
target in simulation before and after, and the wall time of each part. Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from staffing.io import load_scenario  # noqa: E402
from staffing.plan import (  # noqa: E402
    forecast_stage,
    requirements_stage,
    roster_stage,
    simulation_stage,
    verify_stage,
)
from staffing.summary import (  # noqa: E402
    coverage_report,
    daily_summary,
    service_level_by_queue,
    simulated_service_level_by_queue,
    with_simulated,
)


def _short_days(summary: pd.DataFrame, config) -> list[str]:
    out = []
    for queue in config.queues:
        if queue.channel == "email" or not queue.service_level:
            continue
        part = summary[(summary["queue"] == queue.id)
                       & (summary["simulated_service_level"] < queue.service_level)]
        out += [f"{queue.id} {d}" for d in part["date"]]
    return out


def run(path: Path) -> str:
    scenario = load_scenario(path)
    config = scenario.config
    hours = config.interval_minutes / 60
    clock = time.perf_counter()
    forecast = forecast_stage(scenario)
    requirements = requirements_stage(scenario, forecast.frame)
    roster = roster_stage(scenario, requirements)
    roster_seconds = time.perf_counter() - clock
    coverage = coverage_report(requirements, roster.coverage, config)
    clock = time.perf_counter()
    before = simulation_stage(scenario, forecast.frame, roster.activities)
    simulate_seconds = time.perf_counter() - clock
    summary_before = with_simulated(daily_summary(requirements, coverage,
                                                  config.interval_minutes), before.days)
    clock = time.perf_counter()
    after, rounds, req_after, roster_after, cov_after = verify_stage(
        scenario, forecast.frame, requirements, roster, coverage)
    verify_seconds = time.perf_counter() - clock
    summary_after = with_simulated(daily_summary(req_after, cov_after, config.interval_minutes),
                                   after.days)
    paid = [float(r.roster["paid_minutes"].sum() / 60) for r in (roster, roster_after)]
    added = float((req_after["agents_required_with_shrinkage"]
                   - requirements["agents_required_with_shrinkage"]).sum() * hours)
    f_before = service_level_by_queue(requirements, coverage)
    f_after = service_level_by_queue(req_after, cov_after)
    s_before = simulated_service_level_by_queue(before)
    s_after = simulated_service_level_by_queue(after)
    lines = [
        f"### {path.name}",
        "",
        f"Roster {roster.status} ({config.solver.time_limit_seconds:g}-s limit) in "
        f"{roster_seconds:.0f} s with the forecast; one simulation ({before.replications} "
        f"replications, {before.options.routing}) {simulate_seconds:.1f} s; verification "
        f"({len(rounds)} rounds of at most {config.simulation.max_rounds}) {verify_seconds:.0f} s. "
        f"Verification added **{added:,.1f} agent-hours** to the requirements; paid hours "
        f"{paid[0]:,.1f} -> {paid[1]:,.1f}.",
        "",
        "| queue | formula before | simulated before | formula after | simulated after |",
        "|---|---|---|---|---|",
    ]
    for queue in config.queues:
        q = queue.id
        cells = [f_before.get(q), s_before.get(q), f_after.get(q), s_after.get(q)]
        lines.append(f"| {q} | " + " | ".join("n/a" if v is None or pd.isna(v) else f"{v:.1%}"
                                              for v in cells) + " |")
    short_before = _short_days(summary_before, config)
    short_after = _short_days(summary_after, config)
    lines += ["", f"Voice and chat days short of target in simulation: before "
              f"{len(short_before)} ({', '.join(short_before) or 'none'}); after "
              f"{len(short_after)} ({', '.join(short_after) or 'none'}).", ""]
    for r in rounds:
        lines.append(f"- round {r.round}: {len(r.short_blocks)} short blocks, "
                     f"+{r.added_agent_hours:,.1f} agent-hours, paid hours "
                     f"{r.paid_hours_before:,.1f} -> {r.paid_hours_after:,.1f} ({r.status}, "
                     f"{'kept' if r.kept else 'undone'})")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="+", type=Path)
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    for path in args.scenarios:
        print(run(path))


if __name__ == "__main__":
    main()
