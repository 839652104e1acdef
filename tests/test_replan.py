"""Re-planning a published roster (staffing.replan, ``staffing replan``): the past stays, absent
agents go, changes cost what solver.weights says, and the files are written."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from tests.solver.checker import check_roster
from tests.solver.roster_helpers import (
    FIXTURE_SMALL,
    MONDAY,
    NO_BREAKS,
    agent,
    contract,
    demand,
    requirements_frame,
)

from staffing import io
from staffing.cli import cli
from staffing.config import SolverSettings, SolverWeights
from staffing.errors import ConfigError
from staffing.io import load_scenario
from staffing.plan import roster_agents, roster_stage
from staffing.replan import _absent_agents, parse_absences, replan, splice_activities
from staffing.solver import solve_roster
from staffing.timegrid import Horizon

ZONE = "Europe/Berlin"
CUT = pd.Timestamp("2026-11-24 12:00", tz=ZONE)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The small fixture's 3 days rostered (a plan folder with roster, activities and
    requirements)."""
    scenario = load_scenario(FIXTURE_SMALL / "scenario.yaml")
    req = requirements_frame(scenario.config.horizon_,
                             {"voice": lambda d, h: 3 if 9 <= h < 18 else 0,
                              "chat": lambda d, h: 3 if 9 <= h < 18 else 0}, volume=30.0)
    quick = scenario.with_changes({"solver": {"time_limit_seconds": 3}})
    result = roster_stage(quick, req)
    folder = tmp_path_factory.mktemp("plan")
    io.write_table(result.roster, folder / "roster.csv", "roster")
    io.write_table(result.activities, folder / "activities.csv", "activities")
    io.write_table(req, folder / "requirements.csv", "requirements")
    return quick, folder, result


def _absent_one(result) -> str:
    """An agent working on both 24 and 25 November."""
    days = result.roster.groupby("agent_id")["date"].apply(set)
    wanted = {dt.date(2026, 11, 24), dt.date(2026, 11, 25)}
    return next(a for a, d in days.items() if wanted <= d)


def test_replan_keeps_the_past_removes_the_absent_and_holds_every_rule(published):
    scenario, folder, before = published
    absent = _absent_one(before)
    absences = parse_absences([f"{absent}@2026-11-24..2026-11-25"],
                              default_first=CUT.date(), default_last=dt.date(2026, 11, 25))
    result = replan(scenario, folder, replan_from="2026-11-24T12:00", absences=absences,
                    time_limit_seconds=3)
    assert result.roster.feasible
    after = result.roster

    # Nothing before the cut changes: shifts started before it, and what everyone did.
    def past_shifts(frame):
        rows = frame[(frame["shift_start"] < CUT) & (frame["agent_id"] != absent)]
        return sorted(map(tuple, rows[["agent_id", "shift_start", "shift_end"]].astype(str)
                          .to_numpy()))

    assert past_shifts(after.roster) == past_shifts(before.roster)

    def past_acts(frame):
        rows = frame[(frame["start"] < CUT) & (frame["agent_id"] != absent)].copy()
        rows["end"] = rows["end"].where(rows["end"] <= CUT, CUT)
        return sorted(map(tuple, rows[["agent_id", "start", "end", "activity"]].astype(str)
                          .to_numpy()))

    assert past_acts(after.activities) == past_acts(before.activities)
    # No new shift starts before the cut; the absent agent works none of the absent days.
    new = after.roster.merge(before.roster, how="left", indicator=True)
    assert (new.loc[new["_merge"] == "left_only", "shift_start"] >= CUT).all()
    gone = after.roster[(after.roster["agent_id"] == absent)
                        & after.roster["date"].isin([dt.date(2026, 11, 24),
                                                     dt.date(2026, 11, 25)])]
    assert gone.empty
    assert set(result.changes.loc[result.changes["why"] == "absent", "agent_id"]) == {absent}
    assert result.changed_shifts == int((result.changes["why"] == "re-planned").sum())
    # Every hard rule holds (the absence as unavailability, its hour minimum waived).
    c = scenario.config
    agents = _absent_agents(roster_agents(scenario), absences, ZONE, CUT)
    assert check_roster(after, agents, c.contracts, c.shift_rules, c.horizon_) == []
    # The service of the days from the cut's, before (published less the absence) and after.
    assert set(result.service["date"]) == {dt.date(2026, 11, 24), dt.date(2026, 11, 25)}
    assert {"service_level_before", "service_level_after"} <= set(result.service.columns)


def test_a_change_is_made_only_when_it_wins_back_more_than_it_costs():
    horizon = Horizon(MONDAY, 2, 60, "UTC")
    need = demand(horizon, {"chat": lambda d, h: 1 if d == 1 and 9 <= h < 17 else 0})
    agents = [agent("A")]
    # Published: A works Tuesday 13:00-21:00, half of the demand; 09:00-17:00 covers all of it
    # and wins back 4 agent-intervals of understaffing (4 x 100, plus 8 x 5 of overstaffing).
    start = pd.Timestamp("2026-11-24 13:00", tz="UTC")
    roster = pd.DataFrame({"agent_id": ["A"], "date": [start.date()], "shift_start": [start],
                           "shift_end": [start + pd.Timedelta(hours=8)], "paid_minutes": [480]})

    def solve(change: float):
        weights = SolverWeights(understaffing_growth=0, cost=0, fairness=0,
                                shift_change=change, agent_change=change)
        result = solve_roster(need, agents, horizon=horizon, contracts={"c": contract()},
                              rules=NO_BREAKS, settings=SolverSettings(
                                  time_limit_seconds=5, weights=weights),
                              warm_start=roster, published=roster)
        assert result.feasible
        return result.roster["shift_start"].dt.hour.tolist()

    assert solve(1000.0) == [13]   # 2 x 1000 > 440: kept as published
    assert solve(100.0) == [9]     # 2 x 100 < 440: moved


def test_splice_joins_the_past_and_the_future_at_the_cut():
    t = pd.Timestamp("2026-11-24 10:00", tz=ZONE)
    past = pd.DataFrame({"agent_id": ["A", "A"], "start": [t, t + pd.Timedelta(hours=1)],
                         "end": [t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=4)],
                         "activity": ["voice", "chat"]})
    future = pd.DataFrame({"agent_id": ["A", "A"], "start": [t, t + pd.Timedelta(hours=3)],
                           "end": [t + pd.Timedelta(hours=3), t + pd.Timedelta(hours=5)],
                           "activity": ["chat", "voice"]})
    out = splice_activities(past, future, t + pd.Timedelta(hours=2))
    assert out["activity"].tolist() == ["voice", "chat", "voice"]
    assert out["start"].tolist() == [t, t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=3)]
    assert out["end"].tolist() == [t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=3),
                                   t + pd.Timedelta(hours=5)]


def test_parse_absences():
    first, last = dt.date(2026, 11, 25), dt.date(2026, 11, 29)
    got = parse_absences(["A1,A2", "A3@2026-11-26..2026-11-27", "A4@2026-11-28"],
                         default_first=first, default_last=last)
    assert [(x.agent_id, x.first_date, x.last_date) for x in got] == [
        ("A1", first, last), ("A2", first, last),
        ("A3", dt.date(2026, 11, 26), dt.date(2026, 11, 27)),
        ("A4", dt.date(2026, 11, 28), dt.date(2026, 11, 28))]
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        parse_absences(["A1@tomorrow"], default_first=first, default_last=last)
    with pytest.raises(ConfigError, match="before the first"):
        parse_absences(["A1@2026-11-27..2026-11-26"], default_first=first, default_last=last)


def test_cli_replan_writes_the_changes_and_refuses_a_cut_outside_the_horizon(published,
                                                                            tmp_path):
    scenario, folder, before = published
    absent = _absent_one(before)
    out = tmp_path / "replan"
    config = str(FIXTURE_SMALL / "scenario.yaml")
    result = CliRunner().invoke(cli, ["replan", str(folder), "--config", config, "--from",
                                      "2026-11-24T12:00", "--absent", absent, "--out", str(out),
                                      "--time-limit-seconds", "2"])
    assert result.exit_code == 0, result.output
    assert "Changed shifts:" in result.output
    for name in ("roster.csv", "activities.csv", "changes.csv", "replan_service.csv",
                 "replan.txt"):
        assert (out / name).is_file(), name
    changes = pd.read_csv(out / "changes.csv")
    assert list(changes.columns) == ["agent_id", "date", "before", "after", "why"]
    assert absent in set(changes["agent_id"])
    bad = CliRunner().invoke(cli, ["replan", str(folder), "--config", config, "--from",
                                   "2026-12-24T12:00", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "outside the horizon" in bad.output
    assert "Traceback" not in bad.output
    unknown = CliRunner().invoke(cli, ["replan", str(folder), "--config", config, "--from",
                                       "2026-11-24T12:00", "--absent", "NOBODY",
                                       "--out", str(tmp_path / "y")])
    assert unknown.exit_code != 0 and "NOBODY" in unknown.output


def test_a_scenario_names_its_previous_roster(tmp_path, published):
    scenario, folder, before = published
    text = (FIXTURE_SMALL / "scenario.yaml").read_text(encoding="utf-8")
    for name in ("history.csv", "agents.csv", "events.yaml"):
        (tmp_path / name).write_bytes((FIXTURE_SMALL / name).read_bytes())
    prev = before.roster.copy()
    for column in ("shift_start", "shift_end"):
        prev[column] = prev[column] - pd.Timedelta(days=7)
    prev["date"] = [t.date() for t in prev["shift_start"]]
    io.write_table(prev, tmp_path / "last-week.csv", "roster")
    (tmp_path / "scenario.yaml").write_text(text + "\nprevious_roster: last-week.csv\n",
                                            encoding="utf-8")
    loaded = load_scenario(tmp_path / "scenario.yaml")
    assert len(loaded.previous_roster) == len(prev)
    io.write_table(before.roster, tmp_path / "last-week.csv", "roster")  # this week: wrong
    with pytest.raises(Exception, match=r"last-week.csv: row 2: .*inside the horizon"):
        load_scenario(tmp_path / "scenario.yaml")
    assert dataclasses.replace(loaded, previous_roster=None).previous_roster is None


def test_actuals_running_hot_raise_the_rest_of_the_day(published):
    scenario, folder, before = published
    from staffing.plan import forecast_stage

    forecast = forecast_stage(scenario).frame
    day = forecast[(forecast["interval_start"] >= CUT.normalize())
                   & (forecast["interval_start"] < CUT)]
    actuals = day[["queue", "interval_start"]].assign(volume=(day["volume"] * 1.5).round(),
                                                      aht_seconds=day["aht_seconds"])
    plain = replan(scenario, before.roster, replan_from=CUT, forecast=forecast,
                   time_limit_seconds=1)
    hot = replan(scenario, before.roster, replan_from=CUT, forecast=forecast, actuals=actuals,
                 time_limit_seconds=1)
    rest = (hot.forecast["interval_start"] >= CUT) \
        & (hot.forecast["interval_start"] < CUT.normalize() + pd.Timedelta(days=1))
    assert (hot.forecast.loc[rest, "volume"].sum()
            > 1.05 * plain.forecast.loc[rest, "volume"].sum())
    assert hot.requirements["agents_required_with_shrinkage"].sum() \
        > plain.requirements["agents_required_with_shrinkage"].sum()


def test_a_plan_with_a_previous_roster_says_so_and_keeps_rest(published):
    import staffing
    from staffing.reports.text import summary_text

    scenario, folder, before = published
    # Last week: A001 worked until Monday 02:00; 11 h rest allow no start before 13:00, and
    # the full-time start window closes at 10:00: no Monday shift for A001.
    start = pd.Timestamp("2026-11-22 17:00", tz=ZONE)
    prev = pd.DataFrame({"agent_id": ["A001"], "date": [start.date()], "shift_start": [start],
                         "shift_end": [start + pd.Timedelta(hours=9)], "paid_minutes": [480]})
    quick = scenario.with_changes({"solver": {"time_limit_seconds": 2},
                                   "simulation": {"replications": 0}})
    result = staffing.plan(quick.with_previous_roster(prev))
    assert "Previous roster: 1 shifts up to 2026-11-22" in summary_text(result)
    monday = result.roster.roster[(result.roster.roster["agent_id"] == "A001")
                                  & (result.roster.roster["date"] == MONDAY)]
    assert monday.empty


def test_a_published_shift_the_rules_do_not_allow_is_refused_naming_the_file(published,
                                                                            tmp_path):
    scenario, folder, before = published
    roster = before.roster.copy()
    roster.loc[roster.index[0], "shift_end"] += pd.Timedelta(minutes=7)  # off every grid
    path = tmp_path / "roster.csv"
    io.write_table(roster, path, "roster")
    with pytest.raises(Exception, match=rf"{path}: published roster: row 2: .*re-plan with the "
                                        "scenario the roster was planned with"):
        replan(scenario, path, replan_from=CUT, time_limit_seconds=1,
               requirements=io.read_format(folder / "requirements.csv", "requirements", ZONE))
