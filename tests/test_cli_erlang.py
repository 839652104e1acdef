"""`staffing erlang` and `staffing requirements` through click's CliRunner, output verbatim."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing import io
from staffing.cli import cli

WORKED = ["erlang", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180",
          "--answer-within-seconds", "20", "--service-level", "0.8"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_erlang_table_marks_the_required_agents():
    result = run(*WORKED, "--shrinkage", "0.3")
    assert result.exit_code == 0
    assert result.output == (
        "Erlang C: 100 contacts in 30 min, AHT 180 s = 10.000 Erlangs\n"
        "agents   P(wait)    SL 20s     ASA s  occupancy\n"
        "    11    0.6821    0.3896    122.78     0.9091\n"
        "    12    0.4494    0.6402     40.44     0.8333\n"
        "    13    0.2853    0.7956     17.12     0.7692\n"
        "    14    0.1741    0.8884      7.84     0.7143  <- required\n"
        "    15    0.1020    0.9415      3.67     0.6667\n"
        "    16    0.0573    0.9706      1.72     0.6250\n"
        "    17    0.0309    0.9858      0.79     0.5882\n"
        "    18    0.0159    0.9935      0.36     0.5556\n"
        "Required: 14 agents (service level 80% within 20 s); 20 to schedule with 30% "
        "shrinkage\n"
    )


def test_erlang_json_for_machines():
    result = run(*WORKED, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["model"] == "erlang_c"
    assert (data["traffic_erlangs"], data["agents_required"],
            data["agents_required_with_shrinkage"]) == (10.0, 14, 14)
    rows = {row["agents"]: row for row in data["rows"]}
    assert list(rows) == list(range(11, 19))
    assert rows[14] == {"agents": 14, "prob_wait": pytest.approx(0.1741319335950498),
                        "service_level": pytest.approx(0.8883500191794669),
                        "asa_seconds": pytest.approx(7.83593701177724),
                        "occupancy": pytest.approx(10 / 14), "required": True}
    assert [row["required"] for row in data["rows"]].count(True) == 1


def test_erlang_a_adds_abandonment():
    result = run(*WORKED, "--patience-seconds", "300", "--max-abandon-rate", "0.01")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ("Erlang A (mean patience 300 s): 100 contacts in 30 min, AHT 180 s = "
                        "10.000 Erlangs")
    assert lines[1] == "agents   P(wait)    SL 20s     ASA s   abandon  occupancy"
    assert lines[5] == "    14    0.1453    0.9168      3.88    0.0140     0.7043"
    assert lines[6] == "    15    0.0885    0.9539      2.09    0.0075     0.6617  <- required"
    assert lines[-1] == ("Required: 15 agents (service level 80% within 20 s, abandonment "
                         "<= 1.0%); 15 to schedule with 0% shrinkage")


def test_chat_calculator():
    result = run("erlang", "--calls", "200", "--aht-seconds", "400", "--service-level", "0.8",
                 "--answer-within-seconds", "30", "--concurrency", "3",
                 "--concurrency-slowdown", "0.25", "--max-occupancy", "0.85")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ("Chat (up to 3 sessions per agent, slowdown 0.25 per extra session): "
                        "200 chats in 30 min, AHT 400 s = 44.444 Erlangs")
    assert lines[4] == "    17    0.1537    0.9060      9.38     0.7944  <- required"


def test_erlang_without_a_target_is_a_usage_error():
    result = CliRunner().invoke(cli, ["erlang", "--calls", "10", "--aht-seconds", "180"])
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: give a target: --service-level (with --answer-within-seconds), --asa-seconds, "
        "--max-abandon-rate or --max-occupancy\n")


def test_abandon_cap_needs_patience():
    result = CliRunner().invoke(cli, [*WORKED, "--max-abandon-rate", "0.05"])
    assert result.exit_code == 2
    assert result.output.endswith("Error: --max-abandon-rate needs --patience-seconds\n")


SCENARIO = """
site: {name: Test Desk, time_zone: Asia/Shanghai}
horizon: {start_date: 2026-11-23, days: 1}
interval_minutes: 30
shift_rules: {breaks: []}
shrinkage: 0.3
queues:
  - {id: voice, channel: voice, service_level: 0.8, answer_within_seconds: 20}
  - {id: email, channel: email, response_within_hours: 2}
"""

FORECAST = """queue,interval_start,volume,volume_lower,volume_upper,aht_seconds
voice,2026-11-23T09:00:00+08:00,100,90,110,180
voice,2026-11-23T09:30:00+08:00,40,35,45,180
email,2026-11-23T09:00:00+08:00,12,10,14,300
email,2026-11-23T09:30:00+08:00,6,5,7,300
"""


def test_requirements_command_writes_the_format(write, tmp_path):
    scenario = write("s.yaml", SCENARIO)
    forecast = write("forecast.csv", FORECAST)
    out = tmp_path / "requirements.csv"
    result = run("requirements", forecast, "--config", scenario, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "queue        model       contacts peak agents agent-hours to schedule\n"
        "voice        erlang_c         140          14        10.5        15.0\n"
        "email        email             18           2         2.0         3.0\n"
        f"wrote {out} (4 rows)\n")
    frame = io.read_format(out, "requirements", "Asia/Shanghai")
    # 4 Erlangs need 7 agents (SL 90.3 %); 7 / 0.7 = 10 exactly. Email: the 1,800 agent-s of
    # the second interval are due by 11:00 and the same arrivals are assumed to recur.
    assert frame["agents_required"].tolist() == [14, 7, 2, 2]
    assert frame["agents_required_with_shrinkage"].tolist() == [20, 10, 3, 3]
    assert list(pd.read_csv(out).columns[:10]) == [
        "queue", "interval_start", "volume", "aht_seconds", "traffic_erlangs",
        "agents_required", "agents_required_with_shrinkage", "service_level", "asa_seconds",
        "occupancy"]


def test_requirements_names_the_unknown_queue(write, tmp_path):
    scenario = write("s.yaml", SCENARIO)
    forecast = write("forecast.csv", FORECAST.replace("email,", "sms,"))
    result = CliRunner().invoke(cli, ["requirements", str(forecast), "--config", str(scenario),
                                      "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {forecast}: forecast has queue 'sms' that the scenario "
                             "does not define; valid: voice, email\n")
