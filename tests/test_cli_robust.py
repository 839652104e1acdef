"""Bad and awkward inputs through the command line (issue 24): each gives one ``Error:`` line
naming the file, the field and the fix, or a ``Warning:`` and the right behaviour; never a
traceback, never a half-written or silently wrong output."""

from __future__ import annotations

import json
import os
import shutil
import signal

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, MINIMAL_SCENARIO
from staffing import cli as cli_module
from staffing.cli import cli

HISTORY = ("queue,interval_start,volume,aht_seconds\nvoice,2026-10-12 00:00,1,300\n"
           "voice,2026-10-12 00:15,2,300\n"
           "chat,2026-10-12 00:00,1,300\nchat,2026-10-12 00:15,2,300\n")
VOLUME_ONLY = ("queue,interval_start,volume\nvoice,2026-10-12 00:00,1\nvoice,2026-10-12 00:15,2\n"
               "chat,2026-10-12 00:00,1\nchat,2026-10-12 00:15,2\n")
AGENTS = "agent_id,contract,skills\nA1,full_time,voice;chat:2\n"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def scenario_with(write, extra: str = "", history: str | None = None,
                  agents: str | None = None):
    text = MINIMAL_SCENARIO + extra
    if history is not None:
        write("history.csv", history)
        text += "history: history.csv\n"
    if agents is not None:
        write("agents.csv", agents)
        text += "agents: agents.csv\n"
    return write("s.yaml", text)


# ----------------------------------------------------------------------------------- dates
@pytest.mark.parametrize("date, why", [("2026-02-30", "day is out of range for month"),
                                       ("2026-13-01", "month must be in 1..12")])
def test_impossible_start_date_in_a_scenario(write, date, why):
    path = write("s.yaml", MINIMAL_SCENARIO.replace("2026-10-19", date))
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: line 2: not valid YAML: '{date}' is not a valid "
                             f"date ({why}); write it as YYYY-MM-DD, e.g. 2026-11-23\n")


def test_impossible_date_in_the_events_file_names_the_events_file(write):
    events = write("events.yaml", "- {name: Sale, start_date: 2026-02-30}\n")
    path = scenario_with(write, "events: events.yaml\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {events}: line 1: not valid YAML: '2026-02-30' is not a "
                             "valid date (day is out of range for month); write it as "
                             "YYYY-MM-DD, e.g. 2026-11-23\n")


def test_errors_in_the_events_file_name_the_events_file(write):
    events = write("events.yaml", "events:\n  - {name: Sale, start_date: 2026-11-11, "
                                  "end_date: 2026-11-10}\n  - {name: X, start_date: 2026-11-12, "
                                  "queues: [sms]}\n")
    path = scenario_with(write, "events: events.yaml\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {events}: events[0].end_date must not be before start_date "
                             "(2026-11-11), got 2026-11-10\n")
    write("events.yaml", "- {name: X, start_date: 2026-11-12, queues: [sms]}\n")
    result = invoke("validate", path)
    assert result.output == (f"Error: {events}: events[0].queues must name queues of this "
                             "scenario (voice, chat), got 'sms'\n")


# --------------------------------------------------------------------------- output places
def test_plan_into_a_path_under_a_file_fails_before_any_work(tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    out = taken / "sub"
    result = invoke("plan", FIXTURES / "small" / "scenario.yaml", "--out", out)
    assert result.exit_code == 1
    assert result.output == (f"Error: --out {out}: {taken} is a file, not a folder; choose "
                             "another --out\n")


def test_forecast_into_a_path_under_a_file(tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    out = taken / "f.csv"
    result = invoke("forecast", FIXTURES / "small" / "history.csv", "--config",
                    FIXTURES / "small" / "scenario.yaml", "--out", out)
    assert result.exit_code == 1
    assert result.output == (f"Error: --out {out}: {taken} is a file, not a folder; choose "
                             "another --out\n")
    assert taken.read_text() == "mine"


def test_output_folder_without_permission(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = invoke("plan", FIXTURES / "small" / "scenario.yaml", "--out", locked / "plan")
    assert result.exit_code == 1
    assert result.output == (f"Error: --out {locked / 'plan'}: no permission to write in "
                             f"{locked}; choose another --out\n")


# ------------------------------------------------------------------------ hours and agents
def test_contract_minimum_above_maximum(write):
    path = scenario_with(write, "contracts:\n  flex: {min_hours_per_week: 30, "
                                "max_hours_per_week: 20}\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: contracts.flex.max_hours_per_week must be >= "
                             "min_hours_per_week (30), got 20\n")


def test_agent_minimum_above_maximum(write):
    path = scenario_with(write, agents="agent_id,contract,skills,min_hours_per_week,"
                                       "max_hours_per_week\nA1,full_time,voice,40,20\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path.parent / 'agents.csv'}: row 2 (agent A1): "
                             "min_hours_per_week 40 is above max_hours_per_week 20; lower the "
                             "minimum or raise the maximum\n")


def test_agent_minimum_above_the_contract_maximum_is_caught_before_solving(write):
    path = scenario_with(write, agents="agent_id,contract,skills,min_hours_per_week\n"
                                       "A1,part_time,voice;chat,35\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path.parent / 'agents.csv'}: no roster can keep every hard rule; fix the agents "
        "or their contracts\n  - agent A1 (contract part_time, shifts of 240-480 min): "
        "min_hours_per_week (35 h) is above max_hours_per_week (30 h); they cannot both hold "
        "(lower the minimum or raise the maximum)\n")


def test_a_queue_no_agent_serves_is_a_warning(write):
    path = scenario_with(write, history=HISTORY, agents="agent_id,contract,skills\n"
                                                        "A1,full_time,voice\n")
    result = invoke("validate", path)
    assert result.exit_code == 0
    agents = path.parent / "agents.csv"
    assert result.output.startswith(
        f"Warning: {agents}: no agent has the skill 'chat'; the queue gets no agent and 0 % "
        f"service (add chat to some agents' skills)\n{path}: OK (1 warning)\n")


def test_agents_unavailable_all_week_is_a_warning(write):
    path = scenario_with(
        write, "contracts:\n  flex: {min_hours_per_week: 0, max_hours_per_week: 40}\n",
        history=HISTORY,
        agents="agent_id,contract,skills,unavailable\nA1,flex,voice;chat,2026-10-19/2026-10-25\n"
               "A2,flex,voice;chat,2026-10-18/2026-10-26\n")
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.output.startswith(
        f"Warning: {path.parent / 'agents.csv'}: no agent can work any shift in the horizon "
        "(2026-10-19 to 2026-10-25): every one is unavailable or off on every day, or their "
        "contract's start window has no shift; the roster will be empty\n")


def test_one_idle_agent_is_named(write):
    path = scenario_with(
        write, "contracts:\n  flex: {min_hours_per_week: 0, max_hours_per_week: 40}\n",
        history=HISTORY,
        agents="agent_id,contract,skills,unavailable\nA1,flex,voice;chat,2026-10-19/2026-10-25\n"
               "A2,flex,voice;chat,\n")
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert (f"Warning: {path.parent / 'agents.csv'}: 1 agent can work no shift in the horizon "
            "(unavailable or off every day): A1\n") in result.output


def test_history_after_the_horizon_and_stale_history(write):
    late = HISTORY.replace("2026-10-12", "2026-10-20")
    path = scenario_with(write, history=late)
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path.parent / 'history.csv'}: no history before the horizon's first day "
        "2026-10-19 (the history starts 2026-10-20); the forecast learns only from days before "
        "the horizon: move horizon.start_date or give older history\n")
    old = HISTORY.replace("2026-10-12", "2026-08-04")
    path = scenario_with(write, history=old)
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.output.startswith(
        f"Warning: {path.parent / 'history.csv'}: the history ends 2026-08-04, 75 days before "
        "the horizon starts (2026-10-19); the forecast bridges the gap with no data\n")


def test_unlearnable_promotions_and_unplanned_history_queues(write):
    history = HISTORY + "sms,2026-10-12 00:00,1,300\nsms,2026-10-12 00:15,1,300\n"
    path = scenario_with(write, "events:\n  - {name: Old sale, start_date: 2025-01-01}\n"
                                "  - {name: New sale, start_date: 2026-10-20}\n"
                                "  - {name: Known, start_date: 2026-10-21, "
                                "volume_multiplier: 1.2}\n", history=history)
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.output.startswith(
        f"Warning: {path.parent / 'history.csv'}: queue 'sms' is not a queue of {path} (voice, "
        "chat); its rows are not used\n"
        f"Warning: {path}: events[1] (New sale, 2026-10-20) falls in the horizon but has no past "
        "occurrence in the history and no volume_multiplier; the forecast cannot learn its "
        "uplift (set volume_multiplier, e.g. 1.5)\n"
        f"{path}: OK (2 warnings)\n")


# --------------------------------------------------------------------------------- history
@pytest.mark.parametrize("value, problem", [
    ("inf", "volume 'inf' is not a finite number"),
    ("1e300", "volume must be <= 1,000,000,000, got 1e300"),  # finite, but overflows later
])
def test_infinite_volume(write, tmp_path, value, problem):
    history = write("history.csv", HISTORY.replace("voice,2026-10-12 00:15,2",
                                                   f"voice,2026-10-12 00:15,{value}"))
    result = invoke("forecast", history, "--time-zone", "Europe/Berlin", "--start",
                    "2026-10-19", "--days", "1", "--out", tmp_path / "f.csv")
    assert result.exit_code == 1
    assert result.output == f"Error: {history}: row 3: {problem}\n"
    assert not (tmp_path / "f.csv").exists()


def test_a_row_off_the_grid_is_named(write, tmp_path):
    history = write("history.csv", HISTORY.replace("voice,2026-10-12 00:15",
                                                   "voice,2026-10-12 00:22"))
    result = invoke("forecast", history, "--time-zone", "Europe/Berlin", "--start",
                    "2026-10-19", "--days", "1", "--out", tmp_path / "f.csv")
    assert result.exit_code == 1
    assert result.output == (f"Error: {history}: row 3: interval_start 2026-10-12T00:22:00+02:00 "
                             "is not on the 15-min grid of the file; intervals start on whole "
                             "multiples of the interval length\n")


def _acd_export(days: int = 21, minutes: int = 60) -> str:
    """Volume-only history with the night hours left out, as ACD exports do."""
    rows = ["queue,interval_start,volume"]
    for d in range(days):
        for h in range(9, 18):
            for m in range(0, 60, minutes):
                rows.append(f"voice,2026-09-{d + 7:02d}T{h:02d}:{m:02d}:00+02:00,"
                            f"{10 + (h % 5) + d % 3}")
    return "\n".join(rows) + "\n"


def test_missing_intervals_read_as_zero_and_no_aht(write, tmp_path):
    history = write("history.csv", _acd_export())
    out = tmp_path / "f.csv"
    args = ["forecast", history, "--time-zone", "Europe/Berlin", "--start", "2026-09-28",
            "--days", "2", "--out", out]
    refused = invoke(*args)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {history}: queue 'voice' has 300 missing intervals, the first at "
        "2026-09-07T18:00:00+02:00 (after row 10); add a row per interval: volume 0 when the "
        "center was closed, an empty volume when the data is missing (or read absent intervals "
        "as no contacts: --missing-intervals zero, or history_missing: zero in the scenario)\n")
    result = invoke(*args, "--missing-intervals", "zero")
    assert result.exit_code == 0, result.output
    assert ("note: queue 'voice': no handle time in the history, so aht_seconds is left empty; "
            "set queues[].aht_seconds for 'voice' in the scenario (or add an aht_seconds column "
            "to the history) before computing requirements") in result.output
    import pandas as pd

    frame = pd.read_csv(out)
    assert len(frame) == 48  # hourly: the history's own interval, without --config
    assert frame["aht_seconds"].isna().all()
    night = frame[frame["interval_start"].str[11:13].isin(["02", "03"])]
    assert (night["volume"] < 1).all()


def test_history_missing_zero_in_a_scenario_and_aht_from_the_queue(write, tmp_path):
    write("history.csv", _acd_export(minutes=15))
    path = write("s.yaml", MINIMAL_SCENARIO.replace("2026-10-19", "2026-09-28").replace(
        "  - {id: chat, channel: chat, service_level: 0.8, answer_within_seconds: 30, "
        "concurrency: 2}\n", "").replace("answer_within_seconds: 20}",
                                         "answer_within_seconds: 20, aht_seconds: 240}")
        + "history: history.csv\nhistory_missing: zero\n")
    out = tmp_path / "f.csv"
    result = invoke("forecast", path.parent / "history.csv", "--config", path, "--days", "1",
                    "--out", out)
    assert result.exit_code == 0, result.output
    import pandas as pd

    assert (pd.read_csv(out)["aht_seconds"] == 240).all()


# ---------------------------------------------------------------------------- requirements
REQ_HEADER = ("queue,interval_start,volume,aht_seconds,traffic_erlangs,agents_required,"
              "agents_required_with_shrinkage,service_level,asa_seconds,occupancy\n")


@pytest.mark.parametrize("row, message", [
    ("social,2026-10-19T09:00:00+02:00,10,300,1,2,3,,,",
     "row 2: queue 'social' is not a queue of {scenario} (voice, chat); compute the requirements "
     "with the same scenario, or add the queue to it"),
    ("voice,2027-01-04T09:00:00+01:00,10,300,1,2,3,,,",
     "no row falls in the horizon of {scenario} (2026-10-19 to 2026-10-25 every 15 min); the "
     "file covers 2027-01-04 to 2027-01-04: compute the requirements for the scenario's "
     "horizon"),
])
def test_roster_refuses_requirements_that_do_not_fit_the_scenario(write, tmp_path, row, message):
    scenario = scenario_with(write, agents=AGENTS)
    requirements = write("requirements.csv", REQ_HEADER + row + "\n")
    result = invoke("roster", requirements, "--config", scenario, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output == f"Error: {requirements}: {message.format(scenario=scenario)}\n"
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------- erlang
@pytest.mark.parametrize("option", ["--calls", "--aht-seconds", "--interval-minutes"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_erlang_refuses_nan_and_inf_naming_the_option(option, value):
    args = {"--calls": "100", "--aht-seconds": "180", "--interval-minutes": "30"}
    args[option] = value
    result = invoke("erlang", *[x for kv in args.items() for x in kv], "--service-level", "0.8")
    assert result.exit_code == 2
    assert f"Error: Invalid value for '{option}': '{value}' is not a finite number." \
        in result.output


def test_erlang_threshold_must_be_positive_as_in_a_scenario(write):
    result = invoke("erlang", "--calls", "100", "--aht-seconds", "180", "--service-level", "0.8",
                    "--answer-within-seconds", "0")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--answer-within-seconds': 0.0 is not in the range x>0." \
        in result.output
    path = write("s.yaml", MINIMAL_SCENARIO.replace("answer_within_seconds: 20",
                                                    "answer_within_seconds: 0"))
    result = invoke("validate", path)
    assert result.output == f"Error: {path}: queues[0].answer_within_seconds must be > 0, got 0\n"


# ------------------------------------------------------------------ plan folders, Ctrl-C
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    for name in ("scenario.yaml", "history.csv", "agents.csv", "events.yaml"):
        shutil.copy(FIXTURES / "small" / name, folder / name)
    return folder


def _plan_sending_sigint(times: int):
    """``staffing.plan.plan`` that sends itself ``times`` SIGINTs at the first incumbent."""
    real = cli_module.run_plan

    def plan(scenario, *, on_stage=None, on_progress=None):
        sent = []

        def progress(p):
            if not sent:
                sent.append(True)
                for _ in range(times):
                    os.kill(os.getpid(), signal.SIGINT)
            if on_progress is not None:
                on_progress(p)

        return real(scenario, on_stage=on_stage, on_progress=progress)

    return plan


def test_ctrl_c_keeps_the_best_roster_marks_it_and_exits_130(small, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_module, "run_plan", _plan_sending_sigint(1))
    out = tmp_path / "plan"
    # What the process had before (Python's default handler, or SIG_IGN when it was started
    # in the background by a non-interactive shell): the CLI must give it back.
    before = signal.getsignal(signal.SIGINT)
    result = invoke("plan", small / "scenario.yaml", "--out", out, "--time-limit-seconds", "60")
    assert result.exit_code == 130, result.output
    assert ("Interrupted: stopping the roster search; the best roster found so far will be "
            "written and marked INTERRUPTED (Ctrl-C again to abort)") in result.output
    assert "roster: INTERRUPTED in " in result.output
    assert result.output.endswith(
        f"Interrupted: {out} holds the best roster found before Ctrl-C (plan.json status "
        "INTERRUPTED); it may be far from the best possible\n")
    manifest = json.loads((out / "plan.json").read_text())
    assert manifest["complete"] is True and manifest["interrupted"] is True
    assert manifest["status"] == "INTERRUPTED"
    assert (out / "roster.csv").is_file()
    assert signal.getsignal(signal.SIGINT) is before  # handler given back


def test_a_second_ctrl_c_aborts(small, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_module, "run_plan", _plan_sending_sigint(2))
    out = tmp_path / "plan"
    result = invoke("plan", small / "scenario.yaml", "--out", out, "--time-limit-seconds", "60")
    assert result.exit_code == 130
    assert result.output.endswith(
        "Aborted: stopped at once; files being written were left out (a plan folder's "
        "plan.json says complete: false).\n")
    assert not (out / "plan.json").exists()


def test_validate_asks_for_a_handle_time_a_volume_only_history_lacks(write):
    path = scenario_with(write, history=VOLUME_ONLY)
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path.parent / 'history.csv'}: no handle time for queue 'voice' (no "
        f"aht_seconds in the history) and {path} sets no queues[0].aht_seconds; requirements "
        "need one: set queues[0].aht_seconds (e.g. 300) or add an aht_seconds column to the "
        "history\n")


def test_an_infeasible_plan_into_an_earlier_plan_leaves_it_unchanged(small, tmp_path):
    """Contradictions found before solving stop the plan before its folder is touched."""
    out = tmp_path / "plan"
    out.mkdir()
    (out / "plan.json").write_text('{"complete": true}')
    (out / "roster.csv").write_text("earlier")
    folder = tmp_path / "bad"
    shutil.copytree(small, folder)
    agents = (folder / "agents.csv").read_text().splitlines()
    header = agents[0].split(",")
    cells = agents[1].split(",")
    cells[header.index("min_hours_per_week")] = "45"
    agents[1] = ",".join(cells)
    (folder / "agents.csv").write_text("\n".join(agents) + "\n")
    result = invoke("plan", folder / "scenario.yaml", "--out", out)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {folder / 'agents.csv'}: no roster can keep every "
                                    "hard rule; fix the agents or their contracts\n  - agent A001")
    assert (out / "roster.csv").read_text() == "earlier"
    assert (out / "plan.json").read_text() == '{"complete": true}'


def test_a_mapping_as_a_key(write):
    """Found by tests/test_fuzz_inputs.py: a YAML key that is itself a mapping."""
    events = write("events.yaml", "{a: 1}: {a: 1}\nevents: []\n")
    path = scenario_with(write, "events: events.yaml\n")
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {events}: line 1: not valid YAML: a key must be a name, "
                             "got a mapping\n")


def test_ctrl_c_before_the_roster_stage_aborts_at_once(small, tmp_path, monkeypatch):
    real = cli_module.run_plan

    def plan(scenario, *, on_stage=None, on_progress=None):
        def stage(name):
            on_stage(name)
            if name == "forecast":
                os.kill(os.getpid(), signal.SIGINT)

        return real(scenario, on_stage=stage, on_progress=on_progress)

    monkeypatch.setattr(cli_module, "run_plan", plan)
    out = tmp_path / "plan"
    result = invoke("plan", small / "scenario.yaml", "--out", out)
    assert result.exit_code == 130
    assert "Aborted: stopped at once" in result.output
    assert not out.exists()


def test_no_progress_is_printed_once_the_command_has_ended():
    """A thread still winding down after an abort (the bound's) printed its progress into the
    next command's output (seen in CI)."""
    from staffing.solver import SolveProgress

    reporter = cli_module._Reporter(quiet=False)
    with CliRunner().isolation() as streams:
        reporter.progress(SolveProgress(1.0, 10.0, None, None))
        reporter.close()
        reporter.progress(SolveProgress(2.0, 9.0, 8.0, 0.1))
    printed = b"".join(s.getvalue() for s in streams if s is not None).decode()
    assert "objective 10.0" in printed and "objective 9.0" not in printed, printed
