"""The command line as a user meets it: help, version, errors, validate."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.conftest import MINIMAL_SCENARIO, ROOT
from staffing import __version__
from staffing.cli import cli

COMMANDS = sorted(cli.commands)


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"staffing, version {__version__}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run(command, "-h")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"staffing {command}" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command):
    docs = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in (ROOT / "docs").glob("*.md"))
    assert re.search(rf"staffing {command}\b", docs), f"`staffing {command}` is not documented"


def test_library_errors_become_one_error_line(write):
    path = write("s.yaml", MINIMAL_SCENARIO + "shrinkag: 0.3\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: shrinkag is not a known key; did you mean 'shrinkage'?\n"
    assert "Traceback" not in result.output


def test_missing_scenario_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"Error: Invalid value for 'SCENARIO': File '{tmp_path / 'nope.yaml'}' does not exist." \
        in result.output


def test_bad_history_named_in_the_error(write):
    write("history.csv", "queue,interval_start,volume\nvoice,2026-10-19 00:00,-1\n")
    path = write("s.yaml", MINIMAL_SCENARIO + "history: history.csv\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {path.parent / 'history.csv'}: row 2: volume must be >= 0, "
                             "got -1\n")


def test_validate_reports_what_the_scenario_holds(write):
    write("history.csv", "queue,interval_start,volume,aht_seconds\nvoice,2026-10-12 00:00,1,300\n"
                         "voice,2026-10-12 00:15,2,300\nchat,2026-10-12 00:00,1,300\n"
                         "chat,2026-10-12 00:15,2,300\n")
    write("agents.csv", "agent_id,contract,skills\nA1,full_time,voice;chat:2\n")
    path = write("s.yaml", MINIMAL_SCENARIO + "history: history.csv\nagents: agents.csv\n")
    result = run("validate", path)
    assert result.exit_code == 0
    assert result.output == (
        f"{path}: OK\n"
        "  site Test Desk (Europe/Berlin); 7 days from 2026-10-19 at 15 min\n"
        "  queues: voice (voice), chat (chat)\n"
        "  history: 4 rows, 2026-10-12 to 2026-10-12\n"
        "  agents: 1\n"
    )


def test_agent_with_unknown_skill(write):
    write("agents.csv", "agent_id,contract,skills\nA1,full_time,voice;emial\n")
    path = write("s.yaml", MINIMAL_SCENARIO + "agents: agents.csv\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path.parent / 'agents.csv'}: row 2 (agent A1): skill 'emial' is not a queue of "
        "the scenario (queues: voice, chat)\n")


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "staffing", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"staffing, version {__version__}"
