"""Rosters of several weeks: one multi-week solve against the same weeks planned one by one.

    .venv/bin/python benchmarks/roster_weeks.py configs/express-week.yaml --weeks 4 --limit 600

The scenario's horizon is stretched to ``--weeks`` weeks from its start date; forecast and
requirements are made once for all of them (no simulation). Then:

- **multi-week**: one solve of the whole horizon with ``--limit`` seconds;
- **week by week**: each week solved alone with ``--week-limit`` seconds (default
  ``--limit / weeks``: the same compute in all), each with the one before as its previous
  roster (``previous_roster``), so rest and runs of days continue across the seams.

Both are scored with the multi-week problem's objective (``staffing.solver.solution.evaluate``
of the joined weekly rosters, their breaks and queue split re-placed by the solver's own
heuristic for the joined shifts), so fairness over the whole horizon prices both the same way,
and both are checked by the independent rule checker of ``tests/solver/checker.py`` over the
whole horizon. Prints one JSON line: first-roster time, objectives (whole horizon and per week),
the ratio, and the rule violations found (none expected).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _coverage_of(activities: pd.DataFrame, requirements: pd.DataFrame, minutes: int):
    from staffing.replan import _coverage_of as coverage

    return coverage(activities, requirements, minutes)


def _score(problem, roster: pd.DataFrame, weights) -> float:
    """The objective of ``roster``'s shifts on ``problem`` (breaks and split re-placed)."""
    from staffing.solver import explain, greedy
    from staffing.solver.solution import evaluate

    choice = explain.choice_from_roster(problem, roster)
    solution = greedy.place_breaks_and_split(problem, choice, weights)
    return evaluate(problem, solution, weights).objective


def run(path: str, weeks: int, limit: float, week_limit: float | None) -> dict:
    from tests.solver.checker import check_roster

    from staffing.io import load_scenario
    from staffing.plan import forecast_stage, requirements_stage, roster_agents, roster_stage
    from staffing.solver.adjustments import adjust_contracts
    from staffing.solver.problem import build_problem

    base = load_scenario(path)
    days = 7 * weeks
    scenario = base.with_changes({"horizon": {"days": days},
                                  "simulation": {"replications": 0}})
    config = scenario.config
    started = time.perf_counter()
    forecast = forecast_stage(scenario)
    requirements = requirements_stage(scenario, forecast.frame)
    prep_seconds = time.perf_counter() - started

    whole = roster_stage(scenario.with_changes({"solver": {"time_limit_seconds": limit}}),
                         requirements)
    agents = roster_agents(scenario)
    contracts = adjust_contracts(config.contracts, config.adjustments)
    violations_whole = check_roster(whole, agents, contracts, config.shift_rules,
                                    config.horizon_, requirements)

    per_week = week_limit if week_limit is not None else limit / weeks
    parts, previous, week_objectives, week_first = [], None, [], []
    for w in range(weeks):
        start = config.horizon.start_date + pd.Timedelta(days=7 * w)
        one = scenario.with_changes({"horizon": {"start_date": start.isoformat(), "days": 7},
                                     "solver": {"time_limit_seconds": per_week}})
        one = one.with_previous_roster(previous)
        result = roster_stage(one, requirements)
        parts.append(result)
        week_objectives.append(result.objective)
        week_first.append(result.first_feasible_seconds)
        previous = result.roster if previous is None else pd.concat(
            [previous, result.roster], ignore_index=True)
    activities = pd.concat([r.activities for r in parts], ignore_index=True)
    # Each week's coverage counts the agents of the week before still at work after midnight
    # on their primary queue; the joined activities say which queue they served: the check
    # counts those.
    joined = SimpleNamespace(
        roster=pd.concat([r.roster for r in parts], ignore_index=True),
        activities=activities,
        coverage=_coverage_of(activities, requirements, config.interval_minutes))
    violations_weekly = check_roster(joined, agents, contracts, config.shift_rules,
                                     config.horizon_, requirements)
    problem = build_problem(requirements, agents, horizon=config.horizon_, contracts=contracts,
                            rules=config.shift_rules)
    weights = config.solver.weights
    weekly_on_whole = _score(problem, joined.roster, weights)
    return {
        "scenario": path, "weeks": weeks, "agents": len(agents),
        "intervals_per_queue": len(config.horizon_.intervals()),
        "forecast_and_requirements_seconds": round(prep_seconds, 1),
        "limit_seconds": limit, "week_limit_seconds": per_week,
        "first_roster_seconds": round(whole.first_feasible_seconds or float("nan"), 1),
        "objective_multi_week": round(whole.objective, 1),
        "objective_multi_week_per_week": round(whole.objective / weeks, 1),
        "objective_week_by_week_on_whole": round(weekly_on_whole, 1),
        "objective_week_by_week_per_week": round(weekly_on_whole / weeks, 1),
        "week_by_week_own_objectives": [round(v, 1) for v in week_objectives],
        "week_by_week_first_roster_seconds": [round(v or float("nan"), 1) for v in week_first],
        "multi_week_over_week_by_week": round(whole.objective / weekly_on_whole - 1, 4),
        "status": whole.status, "wall_seconds": round(whole.wall_seconds, 1),
        "violations_multi_week": violations_whole[:5],
        "violations_week_by_week": violations_weekly[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="configs/express-week.yaml")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--limit", type=float, default=600.0,
                        help="time limit of the multi-week solve [s]")
    parser.add_argument("--week-limit", type=float, default=None,
                        help="time limit of each one-week solve [s] (default limit / weeks)")
    args = parser.parse_args()
    print(json.dumps(run(args.scenario, args.weeks, args.limit, args.week_limit)), flush=True)


if __name__ == "__main__":
    main()
