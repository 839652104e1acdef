"""What-if scenarios on the bundled week: `staffing compare` of three variants, and capacity.

Command (from the repository root, after `make install`):

    .venv/bin/python benchmarks/whatif_week.py [--time-limit-seconds S]
        [--capacity-time-limit-seconds 90] [--skip-capacity]

Measures, on the bundled express example:
1. the wall time of `staffing compare` on the normal week and two variants (+40 % volume;
   leave, longer calls and temporary agents) — issue 6's target: under 10 minutes on 2 cores;
2. the Double 11 week against the normal week (the peak's impact), and `staffing capacity` on
   the Double 11 week, then the plan of the answer run again to check it meets every target.

Prints Markdown tables (BENCHMARKS.md, section "What-if scenarios, compare and capacity", keeps
a summary of the latest run; the tables go to docs/benchmarks-log.md as a dated run). Outputs go
to benchmarks/out/whatif/.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "whatif"
STAFFING = [sys.executable, "-m", "staffing"]


def run(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*STAFFING, *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"staffing {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def markdown(frame: pd.DataFrame) -> str:
    """A frame as a Markdown table (service levels as percentages)."""
    def cell(column: str, value) -> str:
        if isinstance(value, float):
            return f"{value:.1%}" if column.startswith("service_level") else f"{value:,.1f}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    return "\n".join(lines)


def totals_markdown(path: Path) -> str:
    frame = pd.read_csv(path)
    names = [c for c in frame.columns if c not in ("queue", "metric")]
    lines = ["| queue | metric | " + " | ".join(names) + " |",
             "|---|---|" + "---:|" * len(names)]
    for _, row in frame.iterrows():
        cells = []
        for name in names:
            value = row[name]
            if pd.isna(value):
                cells.append("n/a")
            elif value == float("inf"):
                cells.append("∞")
            elif row["metric"] in ("service_level", "abandon_rate"):
                cells.append(f"{value:.1%}")
            else:
                cells.append(f"{value:,.1f}")
        lines.append(f"| {row['queue']} | {row['metric']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit-seconds", type=float, default=None)
    parser.add_argument("--capacity-time-limit-seconds", type=float, default=90,
                        help="solver limit per capacity candidate and for the check")
    parser.add_argument("--skip-capacity", action="store_true")
    args = parser.parse_args()
    limit = [] if args.time_limit_seconds is None else [
        "--time-limit-seconds", str(args.time_limit_seconds)]
    print(f"Machine: {platform.machine()}, {platform.system()}, Python "
          f"{platform.python_version()}\n")

    seconds, _ = run(["-q", "compare", "configs/express-week.yaml",
                      "configs/express-week-plus40.yaml", "configs/express-week-leave.yaml",
                      "--out", str(OUT / "compare-week"), *limit])
    print(f"### `staffing compare` on three variants of the week: {seconds:.0f} s "
          "(target < 600 s)\n")
    print(totals_markdown(OUT / "compare-week" / "compare_totals.csv"), "\n")

    seconds, _ = run(["-q", "compare", "configs/express-week.yaml",
                      "configs/express-double11.yaml", "--out", str(OUT / "compare-double11"),
                      *limit])
    print(f"### Normal week vs the Double 11 week: {seconds:.0f} s\n")
    print(totals_markdown(OUT / "compare-double11" / "compare_totals.csv"), "\n")

    if args.skip_capacity:
        return
    limit = ["--time-limit-seconds", str(args.capacity_time_limit_seconds)]
    seconds, printed = run(["-q", "capacity", "configs/express-double11.yaml",
                            "--out", str(OUT / "capacity"), *limit])
    curve = pd.read_csv(OUT / "capacity" / "capacity.csv")
    print(f"### `staffing capacity` on the Double 11 week: {seconds:.0f} s, "
          f"{len(curve)} candidates rostered\n")
    print(markdown(curve))
    print()
    print(printed.strip().splitlines()[-1], "\n")
    variant = OUT / "capacity" / "express-double11-capacity.yaml"
    if variant.is_file():
        seconds, _ = run(["-q", "plan", str(variant), "--out", str(OUT / "capacity-check"),
                          *limit])
        summary = pd.read_csv(OUT / "capacity-check" / "summary.csv")
        worst = summary.groupby("queue")["service_level"].min()
        print(f"### The answer planned again ({seconds:.0f} s): worst day's service level "
              "per queue\n")
        print("| queue | worst day |\n|---|---:|")
        for queue, value in worst.items():
            print(f"| {queue} | {value:.1%} |")


if __name__ == "__main__":
    main()
