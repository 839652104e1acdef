"""The benchmark's table: one Markdown row per instance, beside the published results.

Reported per instance: objective at the time limit, whether :func:`evaluate` agrees ("checked"),
our lower bound ("our bound": CP-SAT's, or column generation's when higher), the best cited
lower and upper bounds (``best_known_summary.csv``), the gap to the best upper bound,
``(objective - UB) / UB``, and the best of the published 60-minute runs of other methods
(``bounds_cited.csv``, instances 1-19). Timings depend on the machine (``--workers``, default
2).
"""

from __future__ import annotations

import csv
import math
import os
import platform
from pathlib import Path

from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.reader import DATA, FormatError, Instance
from benchmarks.curtois.search import Solution

__all__ = [
    "HEADER",
    "checked",
    "format_roster",
    "machine_line",
    "read_best_known",
    "read_published_runs",
    "table_row",
]

#: The table's header and separator lines.
HEADER = ("| instance | days x staff x shift types | limit [s] | objective | checked "
          "| our bound | status | best LB | best UB | gap to UB | best published 60-min run "
          "| first / best / wall [s] |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def read_best_known(data: Path = DATA) -> dict[str, tuple[int | None, int | None]]:
    """``{instance: (best cited LB, best cited UB)}`` from ``best_known_summary.csv``."""
    out = {}
    with open(Path(data) / "best_known_summary.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lb, ub = row["best_cited_LB"], row["best_cited_UB"]
            out[row["instance"]] = (int(lb) if lb else None, int(ub) if ub else None)
    return out


def read_published_runs(data: Path = DATA) -> dict[str, tuple[int, str]]:
    """``{instance: (objective, method)}``: the best result of the published 60-minute runs
    cited in ``bounds_cited.csv`` (rows whose bound is ``UB(60min run)``: the IP & VNS hybrid,
    the ejection chain, Gurobi, branch and price and the ORProjects study, 1-19) — what the
    heuristics of the literature reach in twelve times our 300 s. Empty when the file is
    missing."""
    out: dict[str, tuple[int, str]] = {}
    path = Path(data) / "bounds_cited.csv"
    if not path.exists():
        return out
    with open(path, newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.DictReader(f), 2):
            if row.get("bound") != "UB(60min run)" or not row.get("value"):
                continue
            try:
                value = int(row["value"])
            except ValueError:
                raise FormatError(f"{path}:{number}: field 'value' is {row['value']!r}; "
                                  f"expected a whole objective value, e.g. 1905") from None
            name = row["instance"]
            if name not in out or value < out[name][0]:
                out[name] = (value, row["method_or_author"])
    return out


def format_roster(inst: Instance, roster) -> str:
    """One line per employee, tab-separated shift ids (empty = day off), as PetterS/monolith
    saves them."""
    return "".join("\t".join(r or "" for r in row) + "\n" for row in roster)


def machine_line(workers: int, subsolver: str | None, seed: int) -> str:
    """The line above the table: machine, versions, workers and seed."""
    return (f"Machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()}, "
            f"Python {platform.python_version()}, OR-Tools {_ortools_version()}, "
            f"{workers} workers ({subsolver or 'default portfolio'} + LNS), "
            f"seed {seed}")


def checked(inst: Instance, sol: Solution) -> str:
    """The "checked" column: ``ok`` when :func:`evaluate` finds no violation in the roster and
    the solve's objective; else the first violation or the two objectives; ``-`` without a
    roster."""
    if sol.roster is None:
        return "-"
    ev = evaluate(inst, sol.roster)
    if not ev.feasible:
        return f"{len(ev.violations)} violations: {ev.violations[0]}"
    if ev.objective != sol.objective:
        return f"objective {ev.objective} != {sol.objective}"
    return "ok"


def table_row(inst: Instance, sol: Solution, limit_seconds: float, verdict: str,
              best_known: tuple[int | None, int | None],
              published: tuple[int, str] | None) -> str:
    """One instance's row: ``verdict`` from :func:`checked`, ``best_known`` (LB, UB) from
    :func:`read_best_known` and ``published`` from :func:`read_published_runs`."""
    lb, ub = best_known
    bound = "-" if not math.isfinite(sol.bound) else f"{sol.bound:.0f}"
    times = " / ".join("-" if t is None else f"{t:.1f}"
                       for t in (sol.first_seconds, sol.best_seconds, sol.wall_seconds))
    return (f"| {inst.name} | {inst.days} x {len(inst.staff)} x {len(inst.shifts)} "
            f"| {limit_seconds:.0f} | {sol.objective if sol.objective is not None else '-'} "
            f"| {verdict} | {bound} | {sol.status} | {lb if lb is not None else '-'} "
            f"| {ub if ub is not None else '-'} | {_fmt_gap(sol.objective, ub)} "
            f"| {_fmt_published(published)} | {times} |")


def _fmt_gap(objective, reference) -> str:
    if objective is None or not reference:
        return "-"
    return f"{100.0 * (objective - reference) / reference:.1f} %"


def _fmt_published(run: tuple[int, str] | None) -> str:
    return "-" if run is None else f"{run[0]} ({run[1]})"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ortools_version() -> str:
    import ortools
    return ortools.__version__
