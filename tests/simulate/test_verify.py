"""Verification by simulation: short blocks found from the simulation's counts, and the
requirements raised by the fewest agents for which the formula covers the measured shortfall
(checked against Erlang C written out independently here)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from staffing.config import parse_config
from staffing.requirements import build_requirements
from staffing.simulate import simulate
from staffing.simulate.verify import (
    MAX_TARGET,
    raise_requirements,
    shortfall_score,
    shortfalls,
)
from staffing.summary import coverage_report
from tests.simulate.conftest import build_case

VOICE = {"id": "voice", "channel": "voice", "service_level": 0.8, "answer_within_seconds": 20}
VOLUME, AHT, AGENTS = 100.0, 60.0, 9       # 6.67 Erlangs on 9 agents, 15-min intervals


def erlang_c_service_level(traffic: float, agents: int, aht: float, within: float) -> float:
    """1 - C(n, A) exp(-(n - A) t / AHT), Erlang B by its recurrence: an independent check."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    c = agents * b / (agents - traffic * (1 - b))
    return 1 - c * math.exp(-(agents - traffic) * within / aht)


@pytest.fixture(scope="module")
def plan_frames():
    config = parse_config({"site": {"name": "T", "time_zone": "UTC"},
                           "horizon": {"start_date": "2026-03-02", "days": 1},
                           "interval_minutes": 15, "queues": [VOICE], "shrinkage": 0.0},
                          source="<test>")
    inp = build_case([VOICE], [(f"A{i}", "voice", [(0, 24, "voice")]) for i in range(AGENTS)],
                     volume={"voice": VOLUME}, aht_seconds={"voice": AHT})
    intervals = config.horizon_.intervals()
    forecast = pd.DataFrame({"queue": "voice", "interval_start": intervals, "volume": VOLUME,
                             "volume_lower": VOLUME, "volume_upper": VOLUME,
                             "aht_seconds": AHT})
    requirements = build_requirements(forecast, config.queues, interval_minutes=15,
                                      shrinkage=0.0, max_occupancy=1.0)
    solver_coverage = pd.DataFrame({"queue": "voice", "interval_start": intervals,
                                    "required": requirements["agents_required_with_shrinkage"],
                                    "scheduled": AGENTS})
    solver_coverage["gap"] = solver_coverage["scheduled"] - solver_coverage["required"]
    coverage = coverage_report(requirements, solver_coverage, config)
    coverage["volume"] = VOLUME
    simulation = simulate(inp, replications=4, seed=1, processes=1)
    return config, requirements, coverage, simulation


def test_the_formula_held_in_simulation_means_no_short_block(plan_frames):
    config, _, coverage, simulation = plan_frames
    formula = erlang_c_service_level(VOLUME * AHT / 900, AGENTS, AHT, 20)
    assert formula > 0.8
    assert coverage["service_level"].to_numpy() == pytest.approx(formula, abs=1e-9)
    assert shortfalls(simulation, coverage, config) == ()


def test_a_block_short_in_simulation_is_raised_by_the_fewest_agents_that_cover_it(plan_frames):
    config, requirements, coverage, simulation = plan_frames
    counts = dict(simulation.counts)
    within = counts["within"].astype(float).copy()
    within[:, :, :8] *= 0.6            # the first two hours answer far fewer within 20 s
    short = shortfalls(replace(simulation, counts={**counts, "within": within}), coverage,
                       config, block_minutes=120)
    assert [(s.queue, s.block_start.hour, len(s.intervals)) for s in short] == [("voice", 0, 8)]
    found = short[0]
    expected_sim = within[:, 0, :8].sum() / counts["verdicts"][:, 0, :8].sum()
    assert found.simulated == pytest.approx(expected_sim)
    assert found.simulated < 0.8 < found.formula

    raised = raise_requirements(requirements, coverage, short, config)
    traffic = VOLUME * AHT / 900
    goal = min(MAX_TARGET, found.formula + (0.8 - found.simulated))
    k = next(k for k in range(1, 20)
             if erlang_c_service_level(traffic, AGENTS + k, AHT, 20) >= goal)
    first_block = raised["interval_start"] < raised["interval_start"].iloc[8]
    assert (raised.loc[first_block, "agents_required_with_shrinkage"] == AGENTS + k).all()
    assert (raised.loc[first_block, "verification_added"]
            == AGENTS + k - requirements.loc[first_block, "agents_required_with_shrinkage"]).all()
    rest = ~first_block
    assert (raised.loc[rest, "agents_required_with_shrinkage"]
            == requirements.loc[rest, "agents_required_with_shrinkage"]).all()
    assert (raised.loc[rest, "verification_added"] == 0).all()


def test_raising_never_lowers_a_requirement(plan_frames):
    config, requirements, coverage, simulation = plan_frames
    counts = dict(simulation.counts)
    within = np.zeros_like(counts["within"], dtype=float)        # nothing answered in time
    short = shortfalls(replace(simulation, counts={**counts, "within": within}), coverage,
                       config, block_minutes=60)
    assert len(short) == 24
    raised = raise_requirements(requirements, coverage, short, config)
    assert (raised["agents_required_with_shrinkage"]
            >= requirements["agents_required_with_shrinkage"]).all()
    assert (raised["verification_added"] > 0).all()


def test_the_shortfall_score_counts_the_points_each_queue_misses_each_day():
    config = parse_config({"site": {"name": "T", "time_zone": "UTC"},
                           "horizon": {"start_date": "2026-03-02", "days": 2},
                           "queues": [VOICE, {"id": "mail", "channel": "email",
                                              "response_within_hours": 24}]},
                          source="<test>")
    days = pd.DataFrame({
        "queue": ["voice", "voice", "mail", "mail"],
        "date": ["2026-03-02", "2026-03-03"] * 2,
        "contacts": [1000.0, 800.0, 50.0, 40.0],
        "service_level": [0.75, 0.85, 0.90, np.nan],   # no verdict yet on the last day
    })
    # Every queue's target counts the same: 5 points of voice, 9 of email.
    assert shortfall_score(days, config) == pytest.approx(0.05 + (0.99 - 0.90))
    days["service_level"] = [0.80, 0.95, 0.99, np.nan]
    assert shortfall_score(days, config) == 0.0
