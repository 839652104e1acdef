"""The bundled express week (150 agents, 15-min intervals, 7 days) within its 90-s limit.

Slow: run with ``make test-slow``. Requirements are the synthetic express-desk shapes of
``benchmarks/roster_instances.py`` scaled to 85 % of the agents' paid hours (the requirements
stage is another issue's).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from staffing.io import load_scenario
from staffing.solver import solve_roster
from tests.solver.checker import check_roster
from tests.solver.roster_helpers import FIXTURE_SMALL

ROOT = FIXTURE_SMALL.parents[2]


@pytest.mark.slow
def test_express_week_within_its_time_limit():
    sys.path.insert(0, str(ROOT))
    from benchmarks.roster_instances import synthetic_requirements

    scenario = load_scenario(ROOT / "configs" / "express-week.yaml")
    c = scenario.config
    paid = sum(c.contracts[a.contract].max_hours_per_week if a.max_hours_per_week is None
               else a.max_hours_per_week for a in scenario.agents)
    requirements = synthetic_requirements(c.horizon_, ("chat", "voice", "email"), 0.85 * paid,
                                          np.random.default_rng(0))
    result = solve_roster(requirements, scenario.agents, horizon=c.horizon_,
                          contracts=c.contracts, rules=c.shift_rules, settings=c.solver)
    assert result.feasible
    assert result.wall_seconds <= c.solver.time_limit_seconds + 15
    assert result.first_feasible_seconds <= 30
    assert check_roster(result, scenario.agents, c.contracts, c.shift_rules, c.horizon_,
                        requirements) == []
    cov = result.coverage
    short = (-cov.gap).clip(lower=0).sum()
    assert short <= 0.05 * cov.required.sum()
    # Every full-timer works the contract's 40 h; part-timers 20-30 h (or their own range).
    hours = result.agent_summary.set_index("agent_id").paid_hours
    for agent in scenario.agents:
        contract = c.contracts[agent.contract]
        lo = agent.min_hours_per_week or contract.min_hours_per_week
        hi = agent.max_hours_per_week or contract.max_hours_per_week
        assert lo - 1e-9 <= hours[agent.agent_id] <= hi + 1e-9


@pytest.mark.slow
def test_the_next_express_week_continues_the_first_across_the_seam():
    """The bundled week rostered, then the next one with it as the previous roster: over the
    two weeks joined, the independent checker finds no rest, run or weekly violation."""
    import datetime as dt
    from types import SimpleNamespace

    import pandas as pd

    from staffing.replan import _coverage_of

    sys.path.insert(0, str(ROOT))
    from benchmarks.roster_instances import synthetic_requirements
    from staffing.timegrid import Horizon

    scenario = load_scenario(ROOT / "configs" / "express-week.yaml")
    c = scenario.config
    paid = sum(c.contracts[a.contract].max_hours_per_week for a in scenario.agents)
    two = Horizon(c.horizon.start_date, 14, c.interval_minutes, c.site.time_zone)
    requirements = synthetic_requirements(two, ("chat", "voice", "email"), 2 * 0.85 * paid,
                                          np.random.default_rng(1))
    settings = c.solver.model_copy(update={"time_limit_seconds": 20})
    weeks, previous = [], None
    for w in range(2):
        horizon = Horizon(c.horizon.start_date + dt.timedelta(days=7 * w), 7,
                          c.interval_minutes, c.site.time_zone)
        result = solve_roster(requirements, scenario.agents, horizon=horizon,
                              contracts=c.contracts, rules=c.shift_rules, settings=settings,
                              previous_roster=previous)
        assert result.feasible
        weeks.append(result)
        previous = result.roster
    activities = pd.concat([r.activities for r in weeks], ignore_index=True)
    joined = SimpleNamespace(roster=pd.concat([r.roster for r in weeks], ignore_index=True),
                             activities=activities,
                             coverage=_coverage_of(activities, requirements, c.interval_minutes))
    assert check_roster(joined, scenario.agents, c.contracts, c.shift_rules, two,
                        requirements) == []
