"""``python -m benchmarks.curtois``: solve the instances and print the table (see the package
docstring for examples)."""

from __future__ import annotations

import argparse
from pathlib import Path

import benchmarks.curtois as package
from benchmarks.curtois.reader import DATA, instance_path, read_instance
from benchmarks.curtois.report import (
    HEADER,
    checked,
    format_roster,
    machine_line,
    read_best_known,
    read_published_runs,
    table_row,
)
from benchmarks.curtois.search import (
    COLUMN_GENERATION_LITERALS,
    FULL_MODEL_DAYS,
    FULL_MODEL_LITERALS,
    LARGE_MODEL_LITERALS,
    solve,
)


def instance_numbers(spec: str) -> list[int]:
    """``"1-9"``, ``"1,3,10-14"`` -> the instance numbers."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curtois",
                                     description=package.__doc__.splitlines()[0])
    parser.add_argument("--instances", type=instance_numbers, default=list(range(1, 25)),
                        help="e.g. 1-9 or 1,3,10-14 (default 1-24)")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="seconds per instance below --large-from [s] (default 60)")
    parser.add_argument("--time-limit-large", type=float, default=300.0,
                        help="seconds per instance from --large-from on [s] (default 300)")
    parser.add_argument("--large-from", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subsolver", default="max_lp",
                        help="CP-SAT full-problem worker ('' for CP-SAT's default portfolio)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help=f"folder with instances_txt/ and best_known_summary.csv "
                             f"(default {DATA})")
    parser.add_argument("--solutions", type=Path, default=None,
                        help="write each roster to DIR/InstanceN.roster.txt")
    parser.add_argument("--start", default="auto", choices=("auto", "full", "greedy", "dp"),
                        help="first roster: CP-SAT on the whole model, or one employee at a "
                             "time by CP-SAT (greedy) or by the dynamic program (dp) (default "
                             f"auto: full up to {FULL_MODEL_LITERALS} shift literals and "
                             f"{FULL_MODEL_DAYS} days, dp above {LARGE_MODEL_LITERALS})")
    parser.add_argument("--column-generation", default="auto", choices=("auto", "on", "off"),
                        help="column generation and a dive after the first roster (default "
                             f"auto: on up to {COLUMN_GENERATION_LITERALS} shift literals)")
    parser.add_argument("--verbose", action="store_true", help="print incumbents to stderr")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    best = read_best_known(args.data)
    published = read_published_runs(args.data)
    print(machine_line(args.workers, args.subsolver, args.seed) + "\n")
    print(HEADER)
    for k in args.instances:
        inst = read_instance(instance_path(k, args.data))
        limit = args.time_limit_large if k >= args.large_from else args.time_limit
        sol = solve(inst, time_limit_seconds=limit, workers=args.workers, seed=args.seed,
                    subsolver=args.subsolver or None, start=args.start,
                    column_generation={"auto": None, "on": True,
                                       "off": False}[args.column_generation],
                    verbose=args.verbose)
        if sol.roster is not None and args.solutions is not None:
            args.solutions.mkdir(parents=True, exist_ok=True)
            (args.solutions / f"{inst.name}.roster.txt").write_text(
                format_roster(inst, sol.roster), encoding="utf-8")
        print(table_row(inst, sol, limit, checked(inst, sol),
                        best.get(inst.name, (None, None)), published.get(inst.name)),
              flush=True)


if __name__ == "__main__":
    main()
