"""Each rule alone on a tiny instance (2 agents, 3 days, hourly intervals, one queue).

Demand is set so that breaking the rule would pay; the test asserts the forbidden pattern never
appears (hard rules) or the exact penalty (soft rules). ``solve`` also runs the independent
checker of every hard rule on each roster.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from tests.solver.roster_helpers import LUNCH_RULES, MONDAY, NO_BREAKS, agent, contract, solve

from staffing.config import ShiftRules, SolverWeights

ALWAYS = {"chat": lambda d, h: 1}
TWO_ALWAYS = {"chat": lambda d, h: 2}


def days_worked(result, agent_id):
    r = result.roster
    return sorted((pd.to_datetime(r.loc[r.agent_id == agent_id, "date"]).dt.date
                   - MONDAY).map(lambda x: x.days))


# ----------------------------------------------------------------------------- hard rules
def test_max_hours_per_week_caps_paid_hours():
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS,
                       contracts={"c": contract(max_hours_per_week=10)})
    assert result.feasible
    paid = result.roster.groupby("agent_id")["paid_minutes"].sum()
    assert (paid == 600).all()  # the whole 10 h (e.g. 6 h + 4 h), never more


def test_max_shifts_per_week_on_a_short_horizon():
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS,
                       contracts={"c": contract(max_shifts_per_week=2)})
    assert result.roster.groupby("agent_id").size().tolist() == [2, 2]


def test_min_days_off_counts_days_outside_a_short_horizon_as_off():
    # 5 days off a week: 4 lie outside the 3-day horizon, so one must fall inside.
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS,
                       contracts={"c": contract(min_days_off_per_week=5)})
    assert result.roster.groupby("agent_id").size().tolist() == [2, 2]


def test_weekly_hours_are_not_prorated_over_a_short_horizon():
    # A 40-h contract may work all three days of a 3-day horizon (the rest of its week is
    # outside); prorating 40 h to 17 h would forbid the third shift.
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS,
                       contracts={"c": contract(min_hours_per_week=40, max_hours_per_week=40)})
    assert result.roster.groupby("agent_id").size().tolist() == [3, 3]


def test_min_hours_per_week_forces_work_without_demand():
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 0}, days=7,
                       contracts={"c": contract(min_hours_per_week=12, hourly_cost=10.0)})
    paid = result.roster.groupby("agent_id")["paid_minutes"].sum()
    assert paid.tolist() == [720, 720]  # exactly the minimum: more would cost
    assert result.objective_breakdown["cost"] == pytest.approx(2 * 12 * 10.0)


def test_max_consecutive_days():
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS,
                       contracts={"c": contract(max_consecutive_days=2)})
    for a in ("A", "B"):
        assert days_worked(result, a) in ([0, 1], [1, 2], [0, 2])


def test_min_consecutive_days_off_forbids_a_lone_day_off_inside_the_horizon():
    # Demand on days 0 and 2 only: working both with day 1 off would be best without the rule.
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 0 if d == 1 else 2},
                       contracts={"c": contract(min_consecutive_days_off=2)})
    for a in ("A", "B"):
        assert days_worked(result, a) != [0, 2]


def test_min_rest_between_shifts():
    rules = NO_BREAKS.model_copy(update={"min_rest_hours": 11})
    # Late demand on day 0 and early demand on day 1: a late-then-early pair would break rest.
    spec = {"chat": lambda d, h: 1 if (d == 0 and h >= 18) or (d == 1 and h < 8) else 0}
    result, *_ = solve([agent("A"), agent("B")], spec, rules=rules)
    r = result.roster.sort_values(["agent_id", "shift_start"])
    for _, shifts in r.groupby("agent_id"):
        rests = (shifts.shift_start.iloc[1:].to_numpy() - shifts.shift_end.iloc[:-1].to_numpy())
        assert all(x >= pd.Timedelta(hours=11) for x in rests)
    # Both demand blocks are staffed, by different agents.
    assert len(r) == 2 and r.agent_id.nunique() == 2


def test_max_night_shifts_per_week():
    spec = {"chat": lambda d, h: 1 if h >= 22 or h < 4 else 0}
    result, *_ = solve([agent("A"), agent("B")], spec,
                       contracts={"c": contract(max_night_shifts_per_week=1)})
    r = result.roster

    def night_hours(row):
        hours = pd.date_range(row.shift_start, row.shift_end, freq="h", inclusive="left").hour
        return int(((hours >= 22) | (hours < 6)).sum())

    r = r.assign(night=r.apply(night_hours, axis=1) >= 2)
    assert r.groupby("agent_id")["night"].sum().tolist() == [1, 1]


def test_min_weekends_off():
    # Friday to Sunday: the weekend lies wholly inside the horizon.
    result, *_ = solve([agent("A"), agent("B")], TWO_ALWAYS, start=dt.date(2026, 11, 27),
                       contracts={"c": contract(min_weekends_off=1)})
    assert set(pd.to_datetime(result.roster["date"]).dt.date) == {dt.date(2026, 11, 27)}


def test_fixed_days_off():
    result, *_ = solve([agent("A", fixed_days_off=frozenset({1})), agent("B")], TWO_ALWAYS)
    assert 1 not in days_worked(result, "A")
    assert days_worked(result, "B") == [0, 1, 2]


def test_unavailable_window():
    start = pd.Timestamp("2026-11-24 06:00", tz="UTC")
    a = agent("A", unavailable=((start, start + pd.Timedelta(hours=12)),))
    result, *_ = solve([a, agent("B")], TWO_ALWAYS)
    r = result.roster[result.roster.agent_id == "A"]
    assert not ((r.shift_start < start + pd.Timedelta(hours=12))
                & (r.shift_end > start)).any()


def test_start_window():
    spec = {"chat": lambda d, h: 1 if h < 9 else 0}
    result, *_ = solve([agent("A"), agent("B")], spec,
                       contracts={"c": contract(earliest_start=dt.time(9),
                                                latest_start=dt.time(10))})
    hours = pd.to_datetime(result.roster.shift_start).dt.hour
    assert hours.between(9, 10).all()


def test_lunch_inside_its_window_and_unpaid():
    lunch_rules = LUNCH_RULES
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 1 if 8 <= h < 16 else 0},
                       rules=lunch_rules, contracts={"c": contract(min_shift_minutes=480)})
    acts = result.activities
    lunches = acts[acts.activity == "lunch"]
    assert len(lunches) == len(result.roster) > 0
    assert (result.roster.paid_minutes == 420).all()


def test_break_cap_staggers_lunches():
    rules = LUNCH_RULES.model_copy(update={"max_break_fraction": 0.5})
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 2 if 8 <= h < 16 else 0},
                       rules=rules, contracts={"c": contract(min_shift_minutes=480)})
    lunches = result.activities[result.activities.activity == "lunch"]
    # Both agents on the same 8-h shifts: at most max(1, 0.5 * 2) = 1 at lunch at once.
    assert not lunches.duplicated("start").any()


# ----------------------------------------------------------------------------- soft rules
ZERO = dict(overstaffing=0, cost=0, preference=0, fairness=0, skill_priority=0)


def test_understaffing_is_convex():
    # One agent for a demand of 3 in each of 4 hours: 2 missing per interval; the k-th
    # missing agent costs 100 * (1 + 0.5 (k - 1)): 100 + 150 = 250 per interval.
    result, *_ = solve([agent("A", contract="c")], {"chat": lambda d, h: 3 if d == 0 and
                                                    8 <= h < 12 else 0},
                       weights=SolverWeights(**ZERO), days=1)
    assert result.objective_breakdown["understaffing"] == pytest.approx(4 * 250)


def test_gaps_spread_instead_of_piling_up():
    # 2 agents of 4-h shifts for 3 agents of demand over 4 hours: convex penalty -> each hour
    # one short (4 x 100) rather than two hours fully covered and two hours two short.
    result, *_ = solve([agent("A"), agent("B")],
                       {"chat": lambda d, h: 3 if d == 0 and 8 <= h < 12 else 0},
                       weights=SolverWeights(**ZERO), days=1,
                       contracts={"c": contract(max_shift_minutes=240)})
    cov = result.coverage
    day = cov[cov.required > 0]
    assert (day.gap == -1).all()
    assert result.objective_breakdown["understaffing"] == pytest.approx(400)


def test_overstaffing_exact_penalty():
    # Demand of 1 for 2 h, but shifts last at least 4 h: 2 agent-intervals over at 5 each.
    weights = SolverWeights(**{**ZERO, "overstaffing": 5})
    result, *_ = solve([agent("A")], {"chat": lambda d, h: 1 if d == 0 and 8 <= h < 10 else 0},
                       weights=weights, days=1)
    assert result.objective_breakdown["overstaffing"] == pytest.approx(10)
    assert result.objective_breakdown["understaffing"] == 0


def test_preferred_day_off_exact_penalty():
    weights = SolverWeights(**{**ZERO, "preference": 10})
    a = agent("A", preferred_days_off=frozenset({0}))  # Monday
    result, *_ = solve([a], {"chat": lambda d, h: 1 if d == 0 and 8 <= h < 12 else 0},
                       weights=weights, days=3)
    assert result.objective_breakdown["preferred_day_off"] == pytest.approx(10)
    v = result.violations
    assert v[v.rule == "preferred_day_off"][["agent_id", "penalty"]].values.tolist() == \
        [["A", 10.0]]


def test_preferred_start_exact_penalty():
    weights = SolverWeights(**{**ZERO, "preference": 10})
    a = agent("A", preferred_start=(dt.time(12), dt.time(13)))
    result, *_ = solve([a], {"chat": lambda d, h: 1 if d < 2 and 8 <= h < 12 else 0},
                       weights=weights, contracts={"c": contract(max_shift_minutes=240)})
    assert result.objective_breakdown["preferred_start"] == pytest.approx(20)
    assert (result.violations.rule == "preferred_start").sum() == 2


def test_cost_exact():
    weights = SolverWeights(**{**ZERO, "cost": 1})
    result, *_ = solve([agent("A")], {"chat": lambda d, h: 1 if d == 0 and 8 <= h < 12 else 0},
                       weights=weights, contracts={"c": contract(hourly_cost=20.0)})
    assert result.objective_breakdown["cost"] == pytest.approx(4 * 20.0)


def test_weekend_fairness_spreads_weekend_days():
    # Saturday and Sunday each need one agent; one agent working both costs 5 (the second
    # weekend day costs fairness * 1), two agents one each cost nothing.
    weights = SolverWeights(**{**ZERO, "fairness": 5})
    result, *_ = solve([agent("A"), agent("B")], {"chat": lambda d, h: 1 if d >= 1 and
                                                  8 <= h < 12 else 0},
                       weights=weights, start=dt.date(2026, 11, 27),
                       contracts={"c": contract(max_shift_minutes=240)})
    assert result.objective_breakdown["fairness_weekends"] == 0
    assert result.roster.agent_id.nunique() == 2


def test_skill_priority_exact_penalty():
    # A's primary is chat, voice is its second skill: serving voice costs 1 per interval.
    weights = SolverWeights(**{**ZERO, "skill_priority": 1})
    result, *_ = solve([agent("A", skills="chat:1;voice:2")],
                       {"chat": lambda d, h: 0,
                        "voice": lambda d, h: 1 if d == 0 and 8 <= h < 12 else 0},
                       weights=weights, contracts={"c": contract(max_shift_minutes=240)})
    assert result.objective_breakdown["skill_priority"] == pytest.approx(4)
    assert set(result.activities.activity) == {"voice"}
