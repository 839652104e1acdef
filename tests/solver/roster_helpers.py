"""Tiny roster instances for the solver tests (built on demand; nothing is solved at import).

A plain module, not a ``conftest.py``: the top-level ``tests/conftest.py`` is imported as
``conftest`` by other tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from staffing.config import BreakRule, ContractConfig, ShiftRules, SolverSettings, SolverWeights
from staffing.domain import Agent, Skill
from staffing.solver import solve_roster
from staffing.timegrid import Horizon
from tests.solver.checker import check_roster

MONDAY = dt.date(2026, 11, 23)
FIXTURE_SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "small"

#: A day contract with no limit that binds on 3 days unless a test sets one.
OPEN = dict(min_hours_per_week=0, max_hours_per_week=60, min_shift_minutes=240,
            max_shift_minutes=480, earliest_start=dt.time(0, 0), latest_start=dt.time(23, 0),
            max_shifts_per_week=7, min_days_off_per_week=0, max_consecutive_days=7,
            hourly_cost=0.0)
NO_BREAKS = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=0,
                       breaks=())


def contract(**kw) -> ContractConfig:
    return ContractConfig(**{**OPEN, **kw})


def agent(agent_id: str, skills: str = "chat", contract: str = "c", **kw) -> Agent:
    parsed = []
    for part in skills.split(";"):
        queue, _, prio = part.partition(":")
        parsed.append(Skill(queue, int(prio or 1)))
    return Agent(agent_id=agent_id, name=agent_id, contract=contract, skills=tuple(parsed), **kw)


def demand(horizon: Horizon, spec: dict) -> pd.DataFrame:
    """Requirements from ``{queue: f(day, local hour) -> agents}``."""
    rows = []
    stamps = horizon.intervals()
    for queue, f in spec.items():
        for t in stamps:
            rows.append((queue, t, int(f((t.date() - horizon.start_date).days, t.hour))))
    return pd.DataFrame(rows,
                        columns=["queue", "interval_start", "agents_required_with_shrinkage"])


def requirements_frame(horizon: Horizon, spec: dict, *, volume: float = 10.0) -> pd.DataFrame:
    """A whole requirements-format frame (:func:`demand` with the columns the roster does not
    read filled with plausible constants), as ``staffing roster`` and re-plans read it."""
    req = demand(horizon, spec)
    for column, value in (("volume", volume), ("aht_seconds", 300.0), ("traffic_erlangs", 1.0),
                          ("service_level", 0.8), ("asa_seconds", 20.0), ("occupancy", 0.8)):
        req[column] = value
    req["agents_required"] = req["agents_required_with_shrinkage"]
    return req


def solve(agents, spec, *, contracts=None, rules=NO_BREAKS, days=3, start=MONDAY,
          interval=60, zone="UTC", weights=None, seconds=5.0, check=True, **settings):
    """Solve a tiny instance; checks every hard rule of the roster with the independent
    checker. Returns ``(result, horizon, requirements)``."""
    horizon = Horizon(start, days, interval, zone)
    contracts = contracts or {"c": contract()}
    requirements = demand(horizon, spec)
    solver_settings = SolverSettings(time_limit_seconds=seconds, workers=1, random_seed=0,
                                     weights=weights or SolverWeights(), **settings)
    result = solve_roster(requirements, agents, horizon=horizon, contracts=contracts,
                          rules=rules, settings=solver_settings)
    if result.stats.cpsat_status == "OPTIMAL":
        # The evaluator (numpy, from the roster alone) agrees with the model's optimum on the
        # terms the model has (queue switches are priced on the roster only: a roster with
        # some is FEASIBLE, its gap their cost).
        switches = result.objective_breakdown.get("queue_switch", 0.0)
        assert abs(result.objective - switches - result.stats.cpsat_bound) < 0.5, \
            (result.objective, switches, result.stats.cpsat_bound)
        assert result.status == ("OPTIMAL" if switches == 0 else "FEASIBLE")
    relax = result.stats.relaxation_bound
    if relax is not None and result.feasible:
        # The aggregated relaxation is a lower bound on every roster.
        assert relax <= result.objective + 1e-6 * max(1.0, abs(result.objective)), \
            (relax, result.objective)
    if check and result.feasible:
        problems = check_roster(result, agents, contracts, rules, horizon, requirements)
        assert problems == [], problems
    return result, horizon, requirements


LUNCH_RULES = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=0,
                         breaks=(BreakRule(activity="lunch", duration_minutes=60, paid=False,
                                           min_shift_minutes=360,
                                           earliest_after_start_minutes=180,
                                           latest_after_start_minutes=240),))
