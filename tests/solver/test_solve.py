"""solve_roster end to end: the small fixture, output formats, warm start, determinism,
infeasibility explanations, and random instances checked by the independent checker."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.config import ShiftRules
from staffing.io import load_scenario
from staffing.solver import solve_roster
from staffing.timegrid import Horizon
from tests.solver.checker import check_roster
from tests.solver.roster_helpers import FIXTURE_SMALL, agent, contract, demand, solve


def small_requirements(horizon):
    return demand(horizon, {"voice": lambda d, h: 2 if 9 <= h < 18 else 0,
                            "chat": lambda d, h: 3 if 9 <= h < 18 else 0})


@pytest.fixture(scope="module")
def small():
    scenario = load_scenario(FIXTURE_SMALL / "scenario.yaml")
    c = scenario.config
    requirements = small_requirements(c.horizon_)
    progress = []
    result = solve_roster(requirements, scenario.agents, horizon=c.horizon_,
                          contracts=c.contracts, rules=c.shift_rules, settings=c.solver,
                          on_progress=progress.append)
    return scenario, requirements, result, progress


def test_small_fixture_keeps_every_hard_rule(small):
    scenario, requirements, result, _ = small
    c = scenario.config
    assert result.feasible
    assert check_roster(result, scenario.agents, c.contracts, c.shift_rules, c.horizon_,
                        requirements) == []


def test_small_fixture_is_a_good_roster(small):
    # A 40-h week is not prorated over the 3-day horizon: full-timers may work all 3 days.
    _, _, result, _ = small
    per_agent = result.roster.groupby("agent_id").size()
    assert (per_agent == 3).sum() >= 3
    assert per_agent.get("A006", 0) <= 1  # unavailable 24-26 Nov
    cov = result.coverage
    short = (-cov.gap).clip(lower=0).sum()
    assert short <= 0.05 * cov.required.sum()
    assert result.gap is not None and result.gap < 0.10
    assert result.bound <= result.objective + 1e-6


def test_small_fixture_formats(small):
    _, _, result, _ = small
    assert list(result.roster.columns) == ["agent_id", "date", "shift_start", "shift_end",
                                           "paid_minutes"]
    assert list(result.activities.columns) == ["agent_id", "start", "end", "activity"]
    assert list(result.coverage.columns) == ["queue", "interval_start", "required",
                                             "scheduled", "gap"]
    assert str(result.roster.shift_start.dt.tz) == "Europe/Berlin"
    summary = result.agent_summary
    assert {"agent_id", "name", "contract", "shifts", "paid_hours", "night_shifts",
            "weekend_days", "preferred_days_off_worked", "preferred_start_met"} <= set(summary)
    assert summary.paid_hours.sum() == pytest.approx(result.roster.paid_minutes.sum() / 60)
    assert sum(result.objective_breakdown.values()) == pytest.approx(result.objective)
    assert list(result.violations.columns) == ["rule", "agent_id", "date", "penalty", "detail"]


def test_small_fixture_progress(small):
    _, _, result, progress = small
    assert progress and progress[0].source == "initial"
    objectives = [p.objective for p in progress]
    assert objectives == sorted(objectives, reverse=True)
    assert result.first_feasible_seconds is not None
    assert result.first_feasible_seconds <= result.wall_seconds


def test_warm_start_from_a_previous_roster(small):
    scenario, requirements, previous, _ = small
    c = scenario.config
    settings = c.solver.model_copy(update={"time_limit_seconds": 2.0})
    progress = []
    result = solve_roster(requirements, scenario.agents, horizon=c.horizon_,
                          contracts=c.contracts, rules=c.shift_rules, settings=settings,
                          warm_start=previous.roster, on_progress=progress.append)
    assert result.feasible
    # The previous shifts are the first incumbent (breaks and the queue split re-placed from
    # the shifts alone: the same shifts, so the same paid hours), and the search from them
    # never ends worse than they are.
    assert progress[0].source == "warm-start"
    assert result.stats.warm_start == "kept"
    assert result.objective <= progress[0].objective
    assert progress[0].objective - previous.objective <= 0.15 * previous.objective


def test_deterministic_for_a_fixed_seed():
    agents = [agent("A"), agent("B"), agent("C", skills="chat;voice")]
    spec = {"chat": lambda d, h: 1 + (8 <= h < 20), "voice": lambda d, h: int(9 <= h < 17)}
    kw = dict(seconds=3.0, deterministic=True)
    first, *_ = solve(agents, spec, **kw)
    second, *_ = solve(agents, spec, **kw)
    pd.testing.assert_frame_equal(first.roster, second.roster)
    pd.testing.assert_frame_equal(first.activities, second.activities)


# ------------------------------------------------------------------------ infeasibility
def test_min_above_max_is_explained():
    agents = [agent("A"), agent("B", min_hours_per_week=50, max_hours_per_week=40)]
    result, *_ = solve(agents, {"chat": lambda d, h: 1}, days=7)
    assert result.status == "INFEASIBLE"
    assert result.roster.empty
    assert result.explanation == (
        "agent B (contract c, shifts of 240-480 min): min_hours_per_week (50 h) is above "
        "max_hours_per_week (40 h); they cannot both hold (lower the minimum or raise the "
        "maximum)",)


def test_rest_no_start_can_meet_is_explained():
    # Shifts of 8-10 h starting 08:00-09:00 and 18 h of rest: no two consecutive days can
    # both be worked, so at most 4 shifts of 10 h fit a week, short of the 44-h minimum.
    rules = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=18,
                       breaks=())
    c = contract(min_hours_per_week=44, max_hours_per_week=48, min_shift_minutes=480,
                 max_shift_minutes=600, earliest_start=dt.time(8), latest_start=dt.time(9),
                 max_shifts_per_week=7)
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 1}, days=7,
                       contracts={"c": c}, rules=rules)
    assert result.status == "INFEASIBLE"
    text = "\n".join(result.explanation)
    assert "agent A" in text and "agent B" in text
    assert "min_rest_hours (18 h)" in text and "min_hours_per_week (44 h)" in text


def test_unreachable_minimum_names_the_rules():
    c = contract(min_hours_per_week=30, max_hours_per_week=40, max_shift_minutes=480,
                 max_shifts_per_week=3)
    result, *_ = solve([agent("A")], {"chat": lambda d, h: 1}, days=7, contracts={"c": c})
    assert result.status == "INFEASIBLE"
    assert result.explanation == (
        "agent A (contract c, shifts of 240-480 min): week 1 allows at most 24 h paid (at "
        "most 3 shifts of up to 480 min on 7 available days), so min_hours_per_week (30 h) and "
        "max_shifts_per_week (3) cannot all hold",)


def test_fixed_days_off_against_minimum_is_explained():
    a = agent("A", fixed_days_off=frozenset({0, 1, 2, 3}))
    c = contract(min_hours_per_week=32, max_hours_per_week=40, max_shift_minutes=480)
    result, *_ = solve([a], {"chat": lambda d, h: 1}, days=7, contracts={"c": c})
    assert result.status == "INFEASIBLE"
    assert "agent A" in result.explanation[0]
    assert "fixed_days_off (mon;tue;wed;thu)" in result.explanation[0]


# ------------------------------------------------------------------------ random instances
@st.composite
def instances(draw):
    n = draw(st.integers(1, 3))
    days = draw(st.integers(1, 3))
    agents, contracts = [], {}
    for i in range(n):
        lo = draw(st.sampled_from([180, 240, 300]))
        hi = lo + draw(st.sampled_from([0, 60, 180]))
        earliest = draw(st.integers(0, 20))
        contracts[f"k{i}"] = contract(
            min_shift_minutes=lo, max_shift_minutes=hi,
            earliest_start=dt.time(earliest), latest_start=dt.time(min(23, earliest +
                                                                       draw(st.integers(0, 6)))),
            max_hours_per_week=draw(st.sampled_from([8, 12, 20, 40])),
            max_shifts_per_week=draw(st.integers(1, 7)),
            min_days_off_per_week=draw(st.integers(0, 6)),
            max_consecutive_days=draw(st.integers(1, 3)),
            min_consecutive_days_off=draw(st.integers(1, 2)),
            max_night_shifts_per_week=draw(st.sampled_from([None, 0, 1])),
        )
        skills = draw(st.sampled_from(["chat", "voice", "chat:1;voice:2", "voice:1;chat:3"]))
        fixed = frozenset(draw(st.sets(st.integers(0, 6), max_size=2)))
        agents.append(agent(f"A{i}", skills=skills, contract=f"k{i}", fixed_days_off=fixed))
    rest = draw(st.sampled_from([0, 8, 11]))
    breaks = draw(st.booleans())
    rules = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=rest,
                       breaks=ShiftRules().breaks if False else (
                           () if not breaks else
                           (dict(activity="lunch", duration_minutes=60, paid=False,
                                 min_shift_minutes=300, earliest_after_start_minutes=120,
                                 latest_after_start_minutes=180),)))
    seed = draw(st.integers(0, 2**16))
    return agents, contracts, rules, days, seed


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_random_instances_keep_every_hard_rule(case):
    agents, contracts, rules, days, seed = case
    rng = np.random.default_rng(seed)
    horizon = Horizon(dt.date(2026, 11, 23), days, 60, "Europe/Berlin")
    req = demand(horizon, {"chat": lambda d, h: int(rng.integers(0, 3)),
                           "voice": lambda d, h: int(rng.integers(0, 2))})
    from staffing.config import SolverSettings
    result = solve_roster(req, agents, horizon=horizon, contracts=contracts, rules=rules,
                          settings=SolverSettings(time_limit_seconds=1.0, workers=1))
    # Every instance has a roster: working nothing keeps every rule (no hour minimum).
    assert result.feasible
    assert check_roster(result, agents, contracts, rules, horizon, req) == []


def test_break_cap_no_roster_can_keep_is_explained():
    # Both agents must work 5 of 7 days on the only shift (09:00-17:00) with the lunch fixed at
    # 12:00, so on the days both work, both lunch at once; the cap allows one.
    from staffing.config import BreakRule

    rules = ShiftRules(start_step_minutes=60, length_step_minutes=60, min_rest_hours=0,
                       max_break_fraction=0.5,
                       breaks=(BreakRule(activity="lunch", duration_minutes=60, paid=True,
                                         min_shift_minutes=480,
                                         earliest_after_start_minutes=180,
                                         latest_after_start_minutes=180),))
    c = contract(min_hours_per_week=40, max_hours_per_week=40, min_shift_minutes=480,
                 max_shift_minutes=480, earliest_start=dt.time(9), latest_start=dt.time(9))
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 1}, days=7,
                       contracts={"c": c}, rules=rules)
    assert result.status == "INFEASIBLE"
    assert result.explanation == (
        "shift_rules.max_break_fraction (0.5) on queue chat cannot hold with the shifts the "
        "agents' hard rules allow (agents A, B: their breaks cannot all be staggered); raise "
        "the fraction or widen the break windows",)


def test_large_neighbourhood_search_keeps_every_hard_rule():
    # The checker (inside solve) verifies the roster; the search never returns a roster worse
    # than the first one.
    agents = [agent("A1", "chat;voice:2"), agent("A2", "voice;chat:2"), agent("A3", "chat"),
              agent("A4", "voice"), agent("A5", "chat", preferred_days_off=frozenset({1}))]
    contracts = {"c": contract(hourly_cost=15.0, min_hours_per_week=8, max_hours_per_week=24,
                               max_consecutive_days=2)}
    result, _, _ = solve(agents, {"chat": lambda d, h: 2 if 8 <= h < 20 else 1,
                                  "voice": lambda d, h: 1 if 9 <= h < 18 else 0},
                         contracts=contracts, seconds=4.0, search="lns")
    assert result.feasible
    assert result.stats.search == "lns"
    assert result.stats.lns_steps > 0
    assert result.objective <= result.stats.initial_objective + 1e-6
