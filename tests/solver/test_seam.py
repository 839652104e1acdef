"""The seam with the previous roster (staffing.solver.seam): what the rules that look back see,
each such rule alone with a history, and whole solves checked over the two rosters joined by
the independent checker."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest
from tests.solver.checker import check_roster
from tests.solver.roster_helpers import MONDAY, NO_BREAKS, agent, contract, demand
from tests.solver.test_rule_alone import feasible, off, shift

from staffing.errors import DataError
from staffing.solver import rules, solve_roster
from staffing.solver.model import RosterModel
from staffing.solver.problem import build_problem
from staffing.solver.seam import NO_HISTORY, AgentHistory, agent_histories
from staffing.timegrid import Horizon

ZONE = "Asia/Shanghai"
SAT_SUN = frozenset({5, 6})


def roster(*rows) -> pd.DataFrame:
    """A roster frame from ``(agent, "YYYY-MM-DD HH:MM", hours)`` rows (local times)."""
    out = []
    for agent_id, start, hours in rows:
        s = pd.Timestamp(start, tz=ZONE)
        out.append((agent_id, s.date(), s, s + pd.Timedelta(hours=hours), hours * 60))
    return pd.DataFrame(out, columns=["agent_id", "date", "shift_start", "shift_end",
                                      "paid_minutes"])


def week(start: dt.date = MONDAY, days: int = 7) -> Horizon:
    return Horizon(start, days, 60, ZONE)


# ------------------------------------------------------------------------- agent_histories
def test_histories_count_back_from_the_day_before_the_horizon():
    prev = roster(("A", "2026-11-18 09:00", 8), ("A", "2026-11-20 09:00", 8),
                  ("A", "2026-11-21 09:00", 8), ("A", "2026-11-22 22:00", 8),
                  ("B", "2026-11-16 09:00", 8), ("B", "2026-11-19 09:00", 8))
    h = agent_histories(prev, ["A", "B", "C"], horizon=week(), weekend_days=SAT_SUN)
    # A: Fri-Sun worked, the Sunday shift ends Monday 06:00 (6 h into the horizon).
    assert h["A"] == AgentHistory(last_end_minute=360, worked_days=3, days_off=0,
                                  weekends_worked=1)
    # B: last worked Thursday; Fri, Sat, Sun off; the weekend of 21-22 off.
    assert h["B"] == AgentHistory(last_end_minute=(-4 * 24 + 17) * 60, worked_days=0,
                                  days_off=3, weekends_worked=0)
    # C has no row: off since the previous roster's first date, a run of unknown length.
    assert h["C"] == NO_HISTORY


def test_consecutive_weekends_worked_stop_at_the_first_weekend_off():
    prev = roster(("A", "2026-11-01 09:00", 8), ("A", "2026-11-08 09:00", 8),
                  ("A", "2026-11-14 09:00", 8), ("A", "2026-11-22 09:00", 8))
    h = agent_histories(prev, ["A"], horizon=week(), weekend_days=SAT_SUN)
    assert h["A"].weekends_worked == 3  # 8, 14-15 and 21-22 Nov; 1 Nov is cut by the start


def test_a_shift_inside_the_horizon_is_refused_naming_the_row():
    prev = roster(("A", "2026-11-22 09:00", 8), ("A", "2026-11-23 09:00", 8))
    with pytest.raises(DataError, match=r"row 3: .*inside the horizon"):
        agent_histories(prev, ["A"], horizon=week())


def test_naive_times_and_missing_columns_are_refused():
    prev = roster(("A", "2026-11-22 09:00", 8))
    with pytest.raises(DataError, match="missing column shift_end"):
        agent_histories(prev.drop(columns="shift_end"), ["A"], horizon=week())
    naive = prev.assign(shift_start=prev["shift_start"].dt.tz_localize(None),
                        shift_end=prev["shift_end"].dt.tz_localize(None))
    with pytest.raises(DataError, match="UTC offset"):
        agent_histories(naive, ["A"], horizon=week())


# ------------------------------------------------------------------------------ rules alone
def model(history: dict[str, AgentHistory], *, rest_hours=0.0, days=3, start=MONDAY,
          kept=True, **terms) -> RosterModel:
    """Agents A and B over ``days`` days, A with ``history`` (B with none), no rule added."""
    horizon = Horizon(start, days, 60, "UTC")
    shift_rules = NO_BREAKS.model_copy(update={"min_rest_hours": rest_hours})
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 0}), [agent("A"), agent("B")],
                            horizon=horizon, contracts={"c": contract(**terms)},
                            rules=shift_rules, whole_day=kept, keep_unavailable=kept,
                            history=history)
    return RosterModel(problem, name_vars=True)


A, B = 0, 1


def test_min_rest_counts_from_the_previous_shift():
    # A's last shift ended Monday 02:00 (UTC): with 11 h rest, nothing before 13:00.
    m = model({"A": AgentHistory(last_end_minute=120)}, rest_hours=11)
    assert feasible(m, shift(m, A, 0, 8, 4))
    rules.add_min_rest(m, A)
    assert not feasible(m, shift(m, A, 0, 8, 4))
    assert not feasible(m, shift(m, A, 0, 12, 4))
    assert feasible(m, shift(m, A, 0, 13, 4))
    assert feasible(m, shift(m, B, 0, 8, 4))


def test_rest_after_the_previous_roster_removes_candidates_outside_the_explanation():
    m = model({"A": AgentHistory(last_end_minute=120)}, rest_hours=11, kept=False)
    table = m.problem.table(A, 0)
    starts = table.start_minute[m.problem.options[A][0]]
    assert starts.min() == 13 * 60
    assert m.problem.table(B, 0).start_minute[m.problem.options[B][0]].min() == 0


def test_max_consecutive_days_counts_the_days_worked_before():
    m = model({"A": AgentHistory(worked_days=4, days_off=0)}, max_consecutive_days=5)
    works = [shift(m, A, d, 8, 4) for d in range(3)]
    assert feasible(m, *works)
    rules.add_max_consecutive_days(m, A)
    assert not feasible(m, works[0], works[1])  # 4 + 2 = 6 > 5
    assert feasible(m, works[0], off(m, A, 1), works[2])
    assert feasible(m, *[shift(m, B, d, 8, 4) for d in range(3)])


def test_a_run_over_the_maximum_before_forces_the_first_day_off():
    m = model({"A": AgentHistory(worked_days=6, days_off=0)}, max_consecutive_days=5)
    rules.add_max_consecutive_days(m, A)
    assert not feasible(m, shift(m, A, 0, 8, 4))
    assert feasible(m, off(m, A, 0), shift(m, A, 1, 8, 4), shift(m, A, 2, 8, 4))


def test_a_run_of_days_off_begun_before_lasts_its_minimum():
    m = model({"A": AgentHistory(days_off=1)}, min_consecutive_days_off=2)
    assert feasible(m, shift(m, A, 0, 8, 4))
    rules.add_min_consecutive_days_off(m, A)
    assert not feasible(m, shift(m, A, 0, 8, 4))  # a 1-day run from Sunday
    assert feasible(m, off(m, A, 0), shift(m, A, 1, 8, 4))


def test_after_a_worked_day_a_run_of_days_off_from_the_first_day_is_not_exempt():
    m = model({"A": AgentHistory(worked_days=1, days_off=0)}, min_consecutive_days_off=2,
              days=4)
    rules.add_min_consecutive_days_off(m, A)
    assert not feasible(m, off(m, A, 0), shift(m, A, 1, 8, 4))
    assert feasible(m, off(m, A, 0), off(m, A, 1), shift(m, A, 2, 8, 4))
    assert feasible(m, shift(m, A, 0, 8, 4))
    # Without a history the same run touches the horizon's start and is exempt.
    m = model({}, min_consecutive_days_off=2, days=4)
    rules.add_min_consecutive_days_off(m, A)
    assert feasible(m, off(m, A, 0), shift(m, A, 1, 8, 4))


def test_consecutive_weekends_rotate_across_the_seam():
    # Three weeks from Monday 23 Nov: weekends 28-29 Nov, 5-6 Dec, 12-13 Dec.
    m = model({"A": AgentHistory(weekends_worked=2)}, days=21,
              max_consecutive_weekends_worked=2)
    sat = [5, 12, 19]
    assert feasible(m, *[shift(m, A, d, 8, 4) for d in sat])
    rules.add_max_consecutive_weekends_worked(m, A)
    assert not feasible(m, shift(m, A, sat[0], 8, 4))  # a third weekend in a row
    assert feasible(m, off(m, A, 5), off(m, A, 6), shift(m, A, 12, 8, 4),
                    shift(m, A, 19, 8, 4))
    assert feasible(m, *[shift(m, B, d, 8, 4) for d in sat])
    # Inside the horizon alone: at most one weekend in a row.
    m = model({}, days=21, max_consecutive_weekends_worked=1)
    rules.add_max_consecutive_weekends_worked(m, A)
    assert not feasible(m, shift(m, A, 6, 8, 4), shift(m, A, 12, 8, 4))
    assert feasible(m, shift(m, A, 6, 8, 4), off(m, A, 12), off(m, A, 13),
                    shift(m, A, 19, 8, 4))


# ------------------------------------------------------------------- whole solves, joined
CONTRACT = dict(min_hours_per_week=32, max_hours_per_week=40, min_shift_minutes=480,
                max_shift_minutes=480, earliest_start=dt.time(0, 0),
                latest_start=dt.time(22, 0), max_shifts_per_week=5, min_days_off_per_week=2,
                max_consecutive_days=5, min_consecutive_days_off=1, hourly_cost=10.0)
RULES = NO_BREAKS.model_copy(update={"min_rest_hours": 11, "start_step_minutes": 60})


def _solve_week(start: dt.date, previous: pd.DataFrame | None, agents):
    horizon = week(start)
    # Demand front-loaded on Monday morning and on the last days: it pulls the week's shifts
    # against the seam, where only the previous roster says what is legal.
    need = demand(horizon, {"chat": lambda d, h: (3 if d in (0, 1) and h < 12 else
                                                  2 if d >= 4 else 1)})
    from staffing.config import SolverSettings
    result = solve_roster(need, agents, horizon=horizon, contracts={"c": contract(**CONTRACT)},
                          rules=RULES, settings=SolverSettings(time_limit_seconds=2,
                                                               random_seed=1),
                          previous_roster=previous)
    assert result.feasible
    return result, horizon


def _joined(first, second):
    return SimpleNamespace(
        roster=pd.concat([first.roster, second.roster], ignore_index=True),
        activities=pd.concat([first.activities, second.activities], ignore_index=True),
        coverage=pd.concat([first.coverage, second.coverage], ignore_index=True))


def _worst_seam(previous: pd.DataFrame, following: pd.DataFrame, agents) -> list[str]:
    two = Horizon(MONDAY - dt.timedelta(days=7), 14, 60, ZONE)
    joined = SimpleNamespace(
        roster=pd.concat([previous, following.roster], ignore_index=True),
        activities=pd.concat([_as_activities(previous), following.activities],
                             ignore_index=True),
        coverage=following.coverage.iloc[0:0])
    return check_roster(joined, agents, {"c": contract(**CONTRACT)}, RULES, two)


def _as_activities(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"agent_id": frame["agent_id"], "start": frame["shift_start"],
                         "end": frame["shift_end"], "activity": "chat"})


def test_the_next_week_keeps_rest_and_runs_across_the_seam_only_with_the_previous_roster():
    agents = [agent(f"A{i}") for i in range(4)]
    # Last week: everyone worked Wednesday-Sunday, Sunday until 23:00 or later.
    prev = roster(*[(f"A{i}", f"2026-11-{18 + d} {15 if d < 4 else 16 + i}:00", 8)
                    for i in range(4) for d in range(5)])
    blind, _ = _solve_week(MONDAY, None, agents)
    seen, _ = _solve_week(MONDAY, prev, agents)
    # Without the previous roster the Monday-morning demand is met by breaking rest or the
    # run of 5 days; with it, never.
    assert _worst_seam(prev, blind, agents), "the test no longer shows a seam violation"
    assert _worst_seam(prev, seen, agents) == []


def test_two_weeks_planned_one_after_the_other_hold_every_rule_joined():
    agents = [agent(f"A{i}") for i in range(4)]
    first, h1 = _solve_week(MONDAY - dt.timedelta(days=7), None, agents)
    second, _ = _solve_week(MONDAY, first.roster, agents)
    two = Horizon(MONDAY - dt.timedelta(days=7), 14, 60, ZONE)
    assert check_roster(_joined(first, second), agents, {"c": contract(**CONTRACT)}, RULES,
                        two) == []


def test_a_three_week_horizon_keeps_each_week_and_rotates_weekends():
    from tests.solver.roster_helpers import solve

    agents = [agent(f"A{i}") for i in range(4)]
    terms = dict(CONTRACT, max_consecutive_weekends_worked=1)
    # Two agents every day 08:00-16:00, weekends included: without the rotation the cheapest
    # roster may put the same agents on every weekend.
    result, horizon, _ = solve(agents, {"chat": lambda d, h: 2 if 8 <= h < 16 else 0},
                               contracts={"c": contract(**terms)}, rules=RULES, days=21,
                               zone=ZONE, seconds=4)
    assert result.feasible  # and the checker found nothing (weekly limits per week, rotation)
    roster = result.roster
    weekends = [{MONDAY + dt.timedelta(days=d) for d in (5 + 7 * w, 6 + 7 * w)} for w in range(3)]
    for agent_id, rows in roster.groupby("agent_id"):
        worked = [bool(set(rows["date"]) & w) for w in weekends]
        assert not any(a and b for a, b in zip(worked, worked[1:], strict=False)), agent_id
    for w in range(3):
        week = roster[(roster["date"] >= MONDAY + dt.timedelta(days=7 * w))
                      & (roster["date"] < MONDAY + dt.timedelta(days=7 * w + 7))]
        paid = week.groupby("agent_id")["paid_minutes"].sum()
        assert ((paid >= 32 * 60) & (paid <= 40 * 60)).all() and len(paid) == 4


def test_rest_after_a_previous_night_shift_across_the_fall_back_counts_real_hours():
    # Berlin falls back at 03:00 on Sunday 2026-10-25: Saturday 22:00 to Sunday 06:00 lasts 9 h
    # and ends at 06:00 local; 11 h of rest end at 17:00 local on Sunday, the horizon's day 0.
    zone = "Europe/Berlin"
    start = pd.Timestamp("2026-10-24 22:00", tz=zone)
    prev = pd.DataFrame({"agent_id": ["A"], "date": [start.date()], "shift_start": [start],
                         "shift_end": [pd.Timestamp("2026-10-25 06:00", tz=zone)],
                         "paid_minutes": [540]})
    horizon = Horizon(dt.date(2026, 10, 25), 2, 60, zone)
    history = agent_histories(prev, ["A"], horizon=horizon)
    assert history["A"].last_end_minute == 7 * 60  # 06:00 is 7 real hours after midnight
    shift_rules = NO_BREAKS.model_copy(update={"min_rest_hours": 11})
    problem = build_problem(demand(horizon, {"chat": lambda d, h: 0}), [agent("A")],
                            horizon=horizon, contracts={"c": contract()}, rules=shift_rules,
                            history=history)
    table = problem.table(0, 0)
    local = table.local_start[problem.options[0][0]]
    assert local.min() == 17 * 60
