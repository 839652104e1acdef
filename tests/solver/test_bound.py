"""The aggregated linear relaxation (staffing.solver.bound): exact values on instances whose
optimum is known by hand, and below every roster the solver returns."""

from __future__ import annotations

import pytest
from tests.solver.roster_helpers import (
    LUNCH_RULES,
    MONDAY,
    NO_BREAKS,
    agent,
    contract,
    demand,
    solve,
)

from staffing.config import SolverWeights
from staffing.solver.bound import relaxation_bound
from staffing.solver.problem import build_problem
from staffing.timegrid import Horizon


def _problem(agents, spec, *, contracts=None, rules=NO_BREAKS, days=3):
    horizon = Horizon(MONDAY, days, 60, "UTC")
    return build_problem(demand(horizon, spec), agents, horizon=horizon,
                         contracts=contracts or {"c": contract()}, rules=rules)


def test_one_agent_short_of_two_pays_every_missing_interval():
    # Two agents wanted 09-17 on 3 days, one agent with 8-h shifts only: every roster (and the
    # LP, which has one agent a day) leaves one agent missing in 8 intervals a day.
    only_8h = {"c": contract(min_shift_minutes=480, max_shift_minutes=480)}
    p = _problem([agent("A1")], {"chat": lambda d, h: 2 if 9 <= h < 17 else 0},
                 contracts=only_8h)
    out = relaxation_bound(p, SolverWeights())
    assert out is not None
    assert out.bound == pytest.approx(3 * 8 * 100.0, rel=1e-5)
    assert out.understaffing == pytest.approx(2400.0, rel=1e-5)


def test_convex_understaffing_and_cost():
    # Three wanted, one agent: 2 missing per interval cost 100 + 150; the 8 paid hours a day
    # cost 10 each.
    only_8h = {"c": contract(min_shift_minutes=480, max_shift_minutes=480, hourly_cost=10.0)}
    p = _problem([agent("A1")], {"chat": lambda d, h: 3 if 9 <= h < 17 else 0},
                 contracts=only_8h)
    out = relaxation_bound(p, SolverWeights())
    assert out.bound == pytest.approx(3 * (8 * 250.0 + 80.0), rel=1e-5)
    # By rule, named as the roster's objective breakdown.
    assert out.breakdown["understaffing"] == pytest.approx(3 * 8 * 250.0, rel=1e-5)
    assert out.breakdown["cost"] == pytest.approx(3 * 80.0, rel=1e-5)
    assert out.breakdown["overstaffing"] == pytest.approx(0.0, abs=1e-4)


def test_weekly_minimum_is_paid_even_without_demand():
    # No demand at all; the contract's 16 h minimum over the 3 days costs 16 h * 20.
    c = {"c": contract(min_hours_per_week=16, min_shift_minutes=240, max_shift_minutes=480,
                       hourly_cost=20.0)}
    p = _problem([agent("A1")], {"chat": lambda d, h: 0}, contracts=c, days=7)
    out = relaxation_bound(p, SolverWeights(overstaffing=0))
    assert out.bound == pytest.approx(16 * 20.0, rel=1e-5)


@pytest.mark.parametrize("spec", [
    {"chat": lambda d, h: 2 if 9 <= h < 18 else 0, "voice": lambda d, h: 1 if 8 <= h < 20 else 0},
    {"chat": lambda d, h: 3 if 7 <= h < 22 else 1},
])
def test_bound_is_below_the_roster(spec):
    agents = [agent("A1", "chat;voice:2"), agent("A2", "voice;chat:2"), agent("A3", "chat"),
              agent("A4", "chat", preferred_days_off=frozenset({0}))]
    contracts = {"c": contract(hourly_cost=15.0, min_hours_per_week=8, max_hours_per_week=24)}
    result, horizon, requirements = solve(agents, spec, contracts=contracts, seconds=5.0)
    assert result.feasible
    relax = result.stats.relaxation_bound
    assert relax <= result.objective + 1e-6 * max(1.0, result.objective)
    assert relax > 0
    # The relaxation's objective by rule adds up to its value, under the roster's names.
    problem = build_problem(requirements, agents, horizon=horizon, contracts=contracts,
                            rules=NO_BREAKS)
    out = relaxation_bound(problem, SolverWeights())
    assert out.bound == pytest.approx(relax, rel=1e-6)
    assert sum(out.breakdown.values()) == pytest.approx(out.bound, rel=1e-5)
    assert {"cost", "understaffing", "overstaffing"} <= set(out.breakdown)
    assert set(out.breakdown) <= set(result.objective_breakdown)


@pytest.mark.parametrize("cores, workers, options, columns, seconds, expected", [
    (8, 2, 200_000, 600_000, 60, True),    # a spare core: the bound runs beside CP-SAT
    (2, 2, 200_000, 600_000, 60, False),   # no spare core, large model: it would not finish
    (2, 2, 5_000, 20_000, 60, True),       # no spare core, small model: cheap enough
    (1, 1, 20_000, 90_000, 60, True),
    # No spare core, the M benchmark week (227,491 LP columns, ~43-90 s of one core): not in
    # a minute, but within a five-minute limit.
    (2, 2, 53_276, 227_491, 60, False),
    (2, 2, 53_276, 227_491, 300, True),
    (2, 2, 213_000, 623_105, 300, False),  # L: ~300 s, the whole limit
    # The 12-queue desk: many candidates (elastic shifts every 30 min) but 16 profiles, so a
    # mid-sized LP (152,500 columns, 54 s): within its 120-s limit, with a gap to report.
    (2, 2, 209_053, 152_500, 120, True),
])
def test_bound_runs_beside_cpsat_only_when_affordable(monkeypatch, cores, workers, options,
                                                      columns, seconds, expected):
    from types import SimpleNamespace

    from staffing.solver import bound, core

    monkeypatch.setattr(core.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(bound, "relaxation_columns", lambda problem, weights: columns)
    problem = SimpleNamespace(n_options=lambda: options)
    settings = SimpleNamespace(workers=workers, time_limit_seconds=seconds, weights=None)
    assert core._bound_affordable(problem, settings) is expected


def test_relaxation_columns_counts_the_lp_it_would_build(monkeypatch):
    """The estimate the affordability check uses is the LP's size within 1 % (it leaves out
    only a few penalty columns), counted without building the LP."""
    from staffing.solver import bound

    agents = [agent(f"A{i}", "chat;voice:2" if i % 2 else "voice;chat:2") for i in range(6)]
    spec = {"chat": lambda d, h: 2 if 9 <= h < 18 else 0,
            "voice": lambda d, h: 1 if 8 <= h < 20 else 0}
    horizon = Horizon(MONDAY, 7, 30, "UTC")
    problem = build_problem(demand(horizon, spec), agents, horizon=horizon,
                            contracts={"c": contract()}, rules=LUNCH_RULES)
    built = {}

    def grab(self, *args, **kwargs):
        built["columns"] = self.n
        return False, None, None

    monkeypatch.setattr(bound._LP, "solve", grab)
    bound.relaxation_bound(problem, SolverWeights(), time_limit_seconds=10)
    estimate = bound.relaxation_columns(problem, SolverWeights())
    assert abs(estimate - built["columns"]) <= 0.01 * built["columns"]


def test_integer_relaxation_lies_between_the_lp_and_the_roster():
    # The MIP (integer shift counts, breaks and split) of a 4-agent, 3-day week with lunches:
    # its dual bound is at least the LP's and at most any roster's, and its point is integral.
    from tests.solver.roster_helpers import LUNCH_RULES

    agents = [agent("A1", "chat;voice:2"), agent("A2", "voice;chat:2"), agent("A3", "chat"),
              agent("A4", "chat")]
    spec = {"chat": lambda d, h: 2 if 9 <= h < 18 else 0,
            "voice": lambda d, h: 1 if 8 <= h < 20 else 0}
    contracts = {"c": contract(min_hours_per_week=16, max_hours_per_week=40)}
    p = _problem(agents, spec, contracts=contracts, rules=LUNCH_RULES)
    w = SolverWeights()
    lp = relaxation_bound(p, w)
    mip = relaxation_bound(p, w, time_limit_seconds=30.0, integer=True)
    assert lp is not None and mip is not None
    assert mip.bound >= lp.bound - 2e-5 * abs(lp.bound)  # each shaved for its tolerances
    counts = [x for per_day in mip.shifts for _, x in per_day if len(x)]
    assert counts, "the MIP returned no integer point"
    for x in counts:
        assert abs(x - x.round()).max() < 1e-6
    result, _, _ = solve(agents, spec, contracts=contracts, rules=LUNCH_RULES, seconds=5.0)
    assert result.feasible
    assert mip.bound <= result.objective + 1e-6 * max(1.0, result.objective)
