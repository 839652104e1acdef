"""`staffing roster` through CliRunner on the small fixture."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from staffing import io
from staffing.cli import cli
from staffing.io import load_scenario
from tests.solver.checker import check_roster
from tests.solver.roster_helpers import FIXTURE_SMALL, requirements_frame


def test_roster_command_writes_every_output(tmp_path):
    scenario = load_scenario(FIXTURE_SMALL / "scenario.yaml")
    c = scenario.config
    req = requirements_frame(c.horizon_, {"voice": lambda d, h: 2 if 9 <= h < 18 else 0,
                                          "chat": lambda d, h: 3 if 9 <= h < 18 else 0})
    req_path = tmp_path / "requirements.csv"
    io.write_table(req, req_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["roster", str(req_path), "--config",
                                      str(FIXTURE_SMALL / "scenario.yaml"), "--out", str(out),
                                      "--time-limit-seconds", "2"])
    assert result.exit_code == 0, result.output
    assert "wrote 5 files" in result.output
    assert "  roster " in result.output  # progress: incumbent, bound, gap
    zone = c.site.time_zone
    roster = io.read_format(out / "roster.csv", "roster", zone)
    assert len(roster) > 0
    summary = pd.read_csv(out / "agent_summary.csv")
    assert set(summary.agent_id) == {a.agent_id for a in scenario.agents}
    # The roster read back keeps every hard rule.
    activities = pd.read_csv(out / "activities.csv")
    activities["start"] = pd.to_datetime(activities["start"], utc=True).dt.tz_convert(zone)
    activities["end"] = pd.to_datetime(activities["end"], utc=True).dt.tz_convert(zone)
    coverage = pd.read_csv(out / "coverage.csv")
    coverage["interval_start"] = pd.to_datetime(coverage["interval_start"],
                                                utc=True).dt.tz_convert(zone)

    class Read:
        pass

    back = Read()
    back.roster, back.activities, back.coverage = roster, activities, coverage
    assert check_roster(back, scenario.agents, c.contracts, c.shift_rules, c.horizon_) == []


def _requirements_file(tmp_path, scenario):
    req = requirements_frame(scenario.config.horizon_,
                             {"voice": lambda d, h: 4 if 8 <= h < 19 else 0,
                              "chat": lambda d, h: 4 if 8 <= h < 19 else 0})
    path = tmp_path / "requirements.csv"
    io.write_table(req, path)
    return path


def _previous(path, *rows):
    frame = pd.DataFrame(
        [(a, pd.Timestamp(s, tz="Europe/Berlin").date(), pd.Timestamp(s, tz="Europe/Berlin"),
          pd.Timestamp(e, tz="Europe/Berlin"), 480) for a, s, e in rows],
        columns=["agent_id", "date", "shift_start", "shift_end", "paid_minutes"])
    io.write_table(frame, path, "roster")
    return path


def test_roster_with_a_previous_roster_keeps_rest_across_the_seam(tmp_path):
    scenario = load_scenario(FIXTURE_SMALL / "scenario.yaml")
    req_path = _requirements_file(tmp_path, scenario)
    # A001 and A002 (full time, starts 08:00-10:00, 11 h rest) worked until Monday 00:00: no
    # Monday start is 11 h later, so neither may work Monday; demand asks for everyone.
    prev = _previous(tmp_path / "last-week.csv",
                     ("A001", "2026-11-22 15:00", "2026-11-23 00:00"),
                     ("A002", "2026-11-22 15:00", "2026-11-23 00:00"))
    runs = {}
    for name, extra in (("blind", []), ("seam", ["--previous-roster", str(prev)])):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["roster", str(req_path), "--config",
                                          str(FIXTURE_SMALL / "scenario.yaml"), "--out",
                                          str(out), "--time-limit-seconds", "2", *extra])
        assert result.exit_code == 0, result.output
        roster = io.read_format(out / "roster.csv", "roster", scenario.config.site.time_zone)
        runs[name] = set(roster.loc[roster["date"] == pd.Timestamp("2026-11-23").date(),
                                    "agent_id"])
    assert {"A001", "A002"} & runs["blind"], "the test no longer shows a seam violation"
    assert not {"A001", "A002"} & runs["seam"]


def test_a_previous_roster_reaching_into_the_horizon_is_refused(tmp_path):
    scenario = load_scenario(FIXTURE_SMALL / "scenario.yaml")
    req_path = _requirements_file(tmp_path, scenario)
    prev = _previous(tmp_path / "wrong.csv",
                     ("A001", "2026-11-22 09:00", "2026-11-22 18:00"),
                     ("A001", "2026-11-23 09:00", "2026-11-23 18:00"))
    result = CliRunner().invoke(cli, ["roster", str(req_path), "--config",
                                      str(FIXTURE_SMALL / "scenario.yaml"), "--out",
                                      str(tmp_path / "out"), "--previous-roster", str(prev)])
    assert result.exit_code != 0
    assert "wrong.csv: row 3" in result.output and "inside the horizon" in result.output
    assert "Traceback" not in result.output
