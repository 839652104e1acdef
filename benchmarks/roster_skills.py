"""Rosters of a many-skill desk: first-roster time, objective, shortfall and misassigned skills.

One command per scenario (prints one JSON line per scenario; takes about the time limit plus
the forecast):

    .venv/bin/python benchmarks/roster_skills.py configs/service-desk-week.yaml --limit 120
    .venv/bin/python benchmarks/roster_skills.py configs/express-week.yaml --limit 90

Each scenario runs the product (forecast, requirements, roster; no simulation) with
``solver.time_limit_seconds`` set to ``--limit``. Reported:

- ``first_roster_seconds``: time from the roster solve's start to its first roster keeping
  every hard rule (``RosterResult.first_feasible_seconds``). [s]
- ``objective``: the roster's objective; ``queue_switch_cost`` its part priced by
  ``solver.weights.queue_switch``. [objective units]
- ``shortfall``: understaffed agent-intervals, the sum of ``max(0, -gap)`` in coverage.csv.
- ``misassigned``: understaffed queue-intervals where an agent with that skill works a queue
  that is overstaffed in the same interval (the split is then not locally optimal)
  (:func:`misassigned_intervals`).
- ``queue_switches``: switches of queue within shifts, summed over agents.
- ``bound``, ``bound_source``, ``gap``: the lower bound the solve reports, the model that
  produced it (``lp-relaxation``, ``column-generation`` or ``cp-sat``) and the roster's gap.
- with ``--colgen-seconds S``: the column generation over agent weeks run alone for ``S``
  seconds after the solve (from the relaxation's duals): ``colgen_bound`` (Lagrangian),
  ``colgen_lp``, ``colgen_converged``, ``colgen_rounds``, and ``gap_to_stronger_bound``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def misassigned_intervals(activities: pd.DataFrame, coverage: pd.DataFrame,
                          skills: dict[str, set[str]]) -> int:
    """Understaffed ``(queue, interval)`` pairs beside an agent with that skill working an
    overstaffed queue in the same interval.

    ``activities``: activities format; ``coverage``: coverage format (with ``gap``); ``skills``:
    each agent's queues.
    """
    step = coverage["interval_start"].sort_values().drop_duplicates().diff().dropna()
    step = step.min() if len(step) else pd.Timedelta(minutes=30)
    gap = {(q, t): g for q, t, g in zip(coverage["queue"], coverage["interval_start"],
                                        coverage["gap"], strict=True)}
    short_at: dict[pd.Timestamp, set[str]] = {}
    for (q, t), g in gap.items():
        if g < 0:
            short_at.setdefault(t, set()).add(q)
    found: set[tuple[str, pd.Timestamp]] = set()
    for agent, start, end, act in activities[["agent_id", "start", "end", "activity"]].itertuples(
            index=False):
        t = start
        while t < end:
            if gap.get((act, t), 0) > 0:
                for q in short_at.get(t, ()):
                    if q in skills.get(agent, ()):
                        found.add((q, t))
            t += step
    return len(found)


def run(path: str, limit: float, colgen_seconds: float = 0.0) -> dict:
    from staffing.io import load_scenario
    from staffing.plan import (
        forecast_stage,
        requirements_stage,
        roster_agents,
        roster_stage,
    )

    scenario = load_scenario(path)
    config = scenario.config.model_copy(update={
        "solver": scenario.config.solver.model_copy(update={"time_limit_seconds": limit})})
    scenario = dataclasses.replace(scenario, config=config)
    forecast = forecast_stage(scenario)
    requirements = requirements_stage(scenario, forecast.frame)
    started = time.perf_counter()
    roster = roster_stage(scenario, requirements)
    wall = time.perf_counter() - started
    skills = {a.agent_id: {s.queue for s in a.skills} for a in roster_agents(scenario)}
    cov = roster.coverage
    summary = roster.agent_summary
    out = {
        "scenario": path,
        "limit_seconds": limit,
        "first_roster_seconds": round(roster.first_feasible_seconds or float("nan"), 1),
        "initial_objective": roster.stats.initial_objective,
        "objective": round(roster.objective, 1),
        # The part of it priced by queue_switch (a rule added with issue 22: subtract it to
        # compare with rosters from before).
        "queue_switch_cost": round(roster.objective_breakdown.get("queue_switch", 0.0), 1),
        "shortfall": int((-cov["gap"]).clip(lower=0).sum()),
        "misassigned": misassigned_intervals(roster.activities, cov, skills),
        "queue_switches": (int(summary["queue_switches"].sum())
                           if "queue_switches" in summary else None),
        "search": roster.stats.search,
        "wall_seconds": round(wall, 1),
        # The bound the solve reported and the model that produced it, and its gap.
        "bound": None if roster.bound is None else round(roster.bound, 1),
        "bound_source": roster.bound_source,
        "gap": None if roster.gap is None else round(roster.gap, 4),
    }
    if colgen_seconds > 0:
        out.update(colgen_alone(scenario, requirements, config, colgen_seconds, roster.objective))
    return out


def colgen_alone(scenario, requirements, config, seconds: float, objective: float) -> dict:
    """The column generation over agent weeks alone (one thread, after the solve), from the
    relaxation's duals as a solve runs it: its Lagrangian bound, master LP, and the roster's
    gap to the stronger of it and the relaxation."""
    from staffing.plan import roster_agents
    from staffing.solver.adjustments import adjust_contracts
    from staffing.solver.bound import relaxation_bound
    from staffing.solver.colgen import column_generation_bound
    from staffing.solver.problem import build_problem

    problem = build_problem(requirements, roster_agents(scenario), horizon=config.horizon_,
                            contracts=adjust_contracts(config.contracts, config.adjustments),
                            rules=config.shift_rules)
    weights = config.solver.weights
    relaxation = relaxation_bound(problem, weights, time_limit_seconds=600)
    cg = column_generation_bound(
        problem, weights, time_limit_seconds=seconds,
        start_duals=None if relaxation is None else relaxation.coverage_duals)
    stronger = max((b for b in (None if relaxation is None else relaxation.bound,
                                None if cg is None else cg.bound) if b is not None),
                   default=None)
    return {
        "relaxation_bound": None if relaxation is None else round(relaxation.bound, 1),
        "colgen_bound": None if cg is None else round(cg.bound, 1),
        "colgen_lp": None if cg is None else round(cg.lp, 1),
        "colgen_converged": None if cg is None else cg.converged,
        "colgen_rounds": None if cg is None else cg.rounds,
        "colgen_seconds": None if cg is None else round(cg.seconds, 1),
        "gap_to_stronger_bound": None if stronger is None
        else round((objective - stronger) / abs(objective), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="+")
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--colgen-seconds", type=float, default=0.0,
                        help="after the solve, run the column-generation bound alone this long "
                             "(0: no)")
    args = parser.parse_args()
    for path in args.scenarios:
        print(json.dumps(run(path, args.limit, args.colgen_seconds)), flush=True)


if __name__ == "__main__":
    main()
