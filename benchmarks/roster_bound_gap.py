"""How far is the roster solver's lower bound from the best roster? Small weeks, three bounds.

One command (prints a Markdown table; about ``3 x limit`` per instance):

    .venv/bin/python benchmarks/roster_bound_gap.py                  # 6 and 10 agents, 1 queue
    .venv/bin/python benchmarks/roster_bound_gap.py --instances 6x1 10x1 30x2 --limit 120

Instances: the roster benchmark's generator (:mod:`benchmarks.roster_instances`, seed 0) with
fewer agents and queues (``6x1`` = 6 agents, 1 queue; ``30x2`` is the S week). For each:

- the aggregated linear relaxation (:func:`staffing.solver.bound.relaxation_bound`: the bound
  the solver reports) with its objective split into paid cost, understaffing and the rest;
- the same model with integer shift counts, breaks and queue split, solved by HiGHS' branch
  and cut for ``--limit`` seconds: its dual bound (valid when HiGHS stops early) and whether it
  found an integer point;
- the best roster of ``solve_roster`` (CP-SAT on the whole model, ``search: cp-sat``) in
  ``--limit`` seconds, with the same split, and CP-SAT's own proven bound.

The gap between the roster and the bounds is what the issue's targets measure; this shows how
much of it the integrality of whole shifts explains, where a solver can tell.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run(spec: str, limit: float) -> dict:
    from benchmarks.roster_instances import make_instance
    from staffing.solver import solve_roster
    from staffing.solver.bound import relaxation_bound
    from staffing.solver.problem import build_problem

    n_agents, n_queues = (int(v) for v in spec.lower().split("x"))
    inst = make_instance("S", 0, agents=n_agents, queues=n_queues)
    settings = inst.settings(limit, workers=2, seed=0).model_copy(update={"search": "cp-sat"})
    weights = settings.weights
    problem = build_problem(inst.requirements, inst.agents, horizon=inst.horizon,
                            contracts=inst.contracts, rules=inst.rules)
    started = time.perf_counter()
    lp = relaxation_bound(problem, weights, time_limit_seconds=max(600.0, limit))
    lp_seconds = time.perf_counter() - started
    started = time.perf_counter()
    mip = relaxation_bound(problem, weights, time_limit_seconds=limit, integer=True)
    mip_seconds = time.perf_counter() - started
    result = solve_roster(inst.requirements, inst.agents, horizon=inst.horizon,
                          contracts=inst.contracts, rules=inst.rules, settings=settings)
    lp_cost, lp_under = lp.breakdown["cost"], lp.understaffing
    br = result.objective_breakdown
    return {
        "instance": f"{n_agents} agents, {n_queues} queue{'s' if n_queues > 1 else ''}",
        "options": problem.n_options(),
        "lp": lp.bound, "lp_cost": lp_cost, "lp_under": lp_under, "lp_seconds": lp_seconds,
        "mip": None if mip is None else mip.bound, "mip_point": bool(mip and mip.shifts),
        "mip_seconds": mip_seconds,
        "roster": result.objective, "roster_cost": br.get("cost", 0.0),
        "roster_under": br.get("understaffing", 0.0),
        "cpsat_bound": result.stats.cpsat_bound,
    }


def _n(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", nargs="+", default=["6x1", "10x1"],
                        help="AGENTSxQUEUES, e.g. 6x1 10x1 30x2 (default 6x1 10x1)")
    parser.add_argument("--limit", type=float, default=120.0,
                        help="seconds for the MIP and for the roster [s] (default 120)")
    args = parser.parse_args(argv)
    for spec in args.instances:
        parts = spec.lower().split("x")
        if len(parts) != 2 or not all(v.isdigit() and int(v) > 0 for v in parts):
            parser.error(f"--instances: {spec!r} is not AGENTSxQUEUES; write e.g. 6x1 or 30x2")
    print("| instance | shift candidates | LP bound (cost + understaffing + rest) | LP s "
          "| integer model: dual bound (point found) | roster: objective (cost + "
          "understaffing + rest) | CP-SAT bound | roster above LP |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in args.instances:
        r = run(spec, args.limit)
        lp_rest = r["lp"] - r["lp_cost"] - r["lp_under"]
        ro_rest = r["roster"] - r["roster_cost"] - r["roster_under"]
        above = (r["roster"] - r["lp"]) / r["roster"]
        print(f"| {r['instance']} | {r['options']:,} | {_n(r['lp'])} ({_n(r['lp_cost'])} + "
              f"{_n(r['lp_under'])} + {_n(lp_rest)}) | {r['lp_seconds']:.1f} "
              f"| {_n(r['mip'])} ({'yes' if r['mip_point'] else 'no'}; "
              f"{r['mip_seconds']:.0f} s) | {_n(r['roster'])} ({_n(r['roster_cost'])} + "
              f"{_n(r['roster_under'])} + {_n(ro_rest)}) | {_n(r['cpsat_bound'])} "
              f"| {above:.1%} |", flush=True)


if __name__ == "__main__":
    main()
