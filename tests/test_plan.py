"""End to end on the small fixture: library, ``staffing plan`` and the stage commands chained.

The fixture (tests/fixtures/small) is a 3-day, hourly, two-queue plan for eight agents solved
in a few seconds; the roster is checked against the scenario's own rules here, independently of
the solver's code.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import staffing
from staffing.cli import cli
from staffing.export import PLAN_FILES
from staffing.io import read_format
from tests.conftest import FIXTURES

SMALL = FIXTURES / "small" / "scenario.yaml"


@pytest.fixture(scope="module")
def scenario():
    return staffing.load_scenario(SMALL)


@pytest.fixture(scope="module")
def result(scenario):
    return staffing.plan(scenario)


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    run = CliRunner().invoke(cli, ["plan", str(SMALL), "--out", str(out)])
    assert run.exit_code == 0, run.output
    return out, run.output


def test_plan_covers_the_horizon_for_every_queue(result, scenario):
    horizon = scenario.config.horizon_
    intervals = horizon.intervals()
    for frame in (result.forecast.frame, result.requirements, result.coverage):
        assert set(frame["queue"]) == {"voice", "chat"}
        for _, part in frame.groupby("queue"):
            assert list(part["interval_start"]) == list(intervals)
    assert (result.requirements["agents_required_with_shrinkage"]
            >= result.requirements["agents_required"]).all()


def test_roster_keeps_the_scenario_rules(result, scenario):
    """Hard rules of the fixture, checked from the outputs alone."""
    assert result.roster.feasible
    roster = result.roster.roster
    agents = {a.agent_id: a for a in scenario.agents}
    contracts = scenario.config.contracts
    assert set(roster["agent_id"]) <= set(agents)
    assert not roster.duplicated(["agent_id", "date"]).any(), "two shifts on one day"
    for row in roster.itertuples():
        contract = contracts[agents[row.agent_id].contract]
        length = (row.shift_end - row.shift_start).total_seconds() / 60
        assert contract.min_shift_minutes <= length <= contract.max_shift_minutes
        local_start = row.shift_start.time()
        assert contract.earliest_start <= local_start <= contract.latest_start
    # Rest between consecutive shifts of one agent.
    rest_hours = scenario.config.shift_rules.min_rest_hours
    for _, shifts in roster.sort_values("shift_start").groupby("agent_id"):
        rests = (shifts["shift_start"].iloc[1:].to_numpy()
                 - shifts["shift_end"].iloc[:-1].to_numpy())
        assert (rests >= pd.Timedelta(hours=rest_hours)).all()


def test_activities_serve_only_an_agents_skills(result, scenario):
    agents = {a.agent_id: a for a in scenario.agents}
    activities = result.roster.activities
    for row in activities.itertuples():
        if row.activity not in ("break", "lunch"):
            assert row.activity in agents[row.agent_id].queues
    # Activities tile each shift exactly.
    for shift in result.roster.roster.itertuples():
        inside = activities[(activities["agent_id"] == shift.agent_id)
                            & (activities["start"] >= shift.shift_start)
                            & (activities["end"] <= shift.shift_end)].sort_values("start")
        assert inside["start"].iloc[0] == shift.shift_start
        assert inside["end"].iloc[-1] == shift.shift_end
        assert (inside["start"].iloc[1:].to_numpy() == inside["end"].iloc[:-1].to_numpy()).all()


def test_coverage_is_what_the_activities_put_on_each_queue(result, scenario):
    step = pd.Timedelta(minutes=scenario.config.interval_minutes)
    activities = result.roster.activities
    coverage = result.coverage
    for row in coverage.sample(n=min(40, len(coverage)), random_state=0).itertuples():
        on_queue = activities[(activities["activity"] == row.queue)
                              & (activities["start"] <= row.interval_start)
                              & (activities["end"] >= row.interval_start + step)]
        assert row.scheduled == len(on_queue)
        assert row.gap == row.scheduled - row.required


def test_summary_adds_up(result, scenario):
    hours = scenario.config.interval_minutes / 60
    summary = result.summary
    assert len(summary) == 2 * scenario.config.horizon.days
    assert summary["scheduled_agent_hours"].sum() == pytest.approx(
        result.coverage["scheduled"].sum() * hours)
    assert summary["volume"].sum() == pytest.approx(result.forecast.frame["volume"].sum())


def test_cli_plan_writes_every_output_in_its_format(plan_dir, scenario):
    out, printed = plan_dir
    tz = scenario.config.site.time_zone
    for name, fmt in PLAN_FILES:
        path = out / name
        assert path.is_file(), name
        if fmt is not None:
            frame = read_format(path, fmt, tz)
            assert len(frame) > 0, name
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert "voice" in text and "chat" in text
    assert text.strip() in printed or "voice" in printed
    assert not list(out.glob("*.tmp*")), "temporary files left behind"


def test_stage_commands_chain(tmp_path, scenario):
    """forecast -> requirements -> roster through the CLI, each reading the previous file."""
    runner = CliRunner()
    config = scenario.config
    forecast = tmp_path / "forecast.csv"
    run = runner.invoke(cli, ["forecast", str(SMALL.parent / "history.csv"), "--config",
                               str(SMALL), "--out", str(forecast)])
    assert run.exit_code == 0, run.output
    frame = read_format(forecast, "forecast", config.site.time_zone)
    # A planner raises the forecast by hand between stages...
    raised = frame.assign(volume=frame["volume"] * 1.2)
    staffing.io.write_table(raised, forecast, "forecast")
    requirements = tmp_path / "requirements.csv"
    run = runner.invoke(cli, ["requirements", str(forecast), "--config", str(SMALL),
                               "--out", str(requirements)])
    assert run.exit_code == 0, run.output
    req = read_format(requirements, "requirements", config.site.time_zone)
    assert req["volume"].sum() == pytest.approx(raised["volume"].sum(), rel=1e-6)
    out = tmp_path / "roster"
    run = runner.invoke(cli, ["roster", str(requirements), "--config", str(SMALL),
                               "--out", str(out)])
    assert run.exit_code == 0, run.output
    for name in ("roster.csv", "activities.csv", "coverage.csv", "agent_summary.csv"):
        assert (out / name).is_file(), name
    coverage = read_format(out / "coverage.csv", "coverage", config.site.time_zone)
    merged = coverage.merge(req, on=["queue", "interval_start"])
    assert (merged["required"] == merged["agents_required_with_shrinkage"]).all()


def test_service_level_weights_only_intervals_with_a_verdict():
    """An email due after the horizon has no on-time verdict: it must not count as late."""
    from staffing.summary import daily_summary, service_level_by_queue

    stamps = pd.date_range("2026-11-29 22:00", periods=4, freq="h", tz="Asia/Shanghai")
    requirements = pd.DataFrame({"queue": "email", "interval_start": stamps,
                                 "volume": [10.0, 30.0, 20.0, 20.0],
                                 "agents_required_with_shrinkage": [1, 1, 1, 1]})
    coverage = pd.DataFrame({"queue": "email", "interval_start": stamps, "required": 1,
                             "scheduled": 1, "gap": 0,
                             "service_level": [1.0, 0.5, float("nan"), float("nan")]})
    summary = daily_summary(requirements, coverage, 60)
    by_day = dict(zip(summary["date"].astype(str), summary["service_level"], strict=True))
    assert by_day["2026-11-29"] == pytest.approx((10 * 1.0 + 30 * 0.5) / 40)
    assert pd.isna(by_day["2026-11-30"])
    assert service_level_by_queue(requirements, coverage)["email"] == pytest.approx(25 / 40)


def test_the_plan_is_simulated_and_says_so(result, scenario, plan_dir):
    """Every plan is simulated: the summary carries the simulated service level beside the
    formula's, inside its 95 % interval, and summary.txt says what verification did."""
    settings = scenario.config.simulation
    assert result.simulation is not None
    assert result.simulation.replications == settings.replications == 20
    summary = result.summary
    for column in ("simulated_service_level", "simulated_service_level_low",
                   "simulated_service_level_high"):
        assert column in summary.columns
    known = summary["simulated_service_level"].notna()
    assert known.any()
    part = summary[known]
    assert (part["simulated_service_level_low"] <= part["simulated_service_level"]).all()
    assert (part["simulated_service_level"] <= part["simulated_service_level_high"]).all()
    out, text = plan_dir
    assert "Simulated: 20 replications, routing as-rostered" in text
    assert "Verification: " in text
    assert "Days short of their target in simulation: " in text
    written = read_format(out / "coverage.csv", "coverage", scenario.config.site.time_zone)
    assert len(written) == len(result.coverage)
    assert {"simulation.csv", "simulation_summary.csv"} <= {p.name for p in out.iterdir()}
    assert (out / "charts" / "service_level.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="service-level"' in report
    assert "simulated service level" in report


def test_verification_only_raises_requirements(result, scenario):
    requirements = result.requirements
    if "verification_added" not in requirements.columns:   # no round kept
        assert not any(r.kept for r in result.verification)
        return
    assert (requirements["verification_added"] >= 0).all()
    added_hours = requirements["verification_added"].sum() * scenario.config.interval_minutes / 60
    kept = [r for r in result.verification if r.kept]
    assert sum(r.added_agent_hours for r in kept) == pytest.approx(added_hours)
    # A round that did not lower the simulated shortfall is undone and ends verification.
    assert all(r.kept for r in result.verification[:-1])


def test_simulate_command_on_a_plan_folder(plan_dir, tmp_path):
    out, _ = plan_dir
    run = CliRunner().invoke(cli, ["simulate", str(out), "--config", str(SMALL),
                                   "--replications", "3", "--routing", "overflow",
                                   "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert "Simulated 3 replications, routing overflow, seed 0" in run.output
    summary = pd.read_csv(tmp_path / "simulation_summary.csv")
    assert list(summary.columns[:9]) == [
        "queue", "date", "contacts", "service_level", "service_level_low",
        "service_level_high", "asa_seconds", "abandoned_share", "occupancy"]
    assert set(summary["queue"]) == {"voice", "chat"}
    intervals = pd.read_csv(tmp_path / "simulation.csv")
    assert len(intervals) == 2 * len(staffing.load_scenario(SMALL).config.horizon_.intervals())
    # The same seed gives the same figures.
    again = CliRunner().invoke(cli, ["simulate", str(out), "--config", str(SMALL),
                                     "--replications", "3", "--routing", "overflow",
                                     "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert pd.read_csv(tmp_path / "again" / "simulation.csv").equals(intervals)


def test_simulate_command_names_a_folder_that_is_not_a_plan(tmp_path):
    run = CliRunner().invoke(cli, ["simulate", str(tmp_path), "--config", str(SMALL),
                                   "--out", str(tmp_path / "sim")])
    assert run.exit_code == 1
    assert run.output == (f"Error: {tmp_path}: not a plan folder (forecast.csv and "
                          "activities.csv missing); give a folder written by `staffing plan`\n")
