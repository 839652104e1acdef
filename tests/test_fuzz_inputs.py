"""Malformed inputs, generated: a scenario, its history, agents and events files, each broken in
a few random places (a cell or value replaced by an awkward token, a line dropped, doubled or
cut short, a column lost). ``validate`` and ``forecast`` must answer with a valid result or a
:class:`~staffing.errors.StaffingError` (exit 1, an ``Error:`` line naming the file), never a
traceback. Bounded: no roster is solved and the example count is small."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.cli import cli

SCENARIO = """\
site: {name: Fuzz Desk, time_zone: Europe/Berlin}
horizon: {start_date: 2026-10-19, days: 3}
interval_minutes: 60
queues:
  - {id: voice, channel: voice, service_level: 0.8, answer_within_seconds: 20}
  - {id: chat, channel: chat, asa_seconds: 30, concurrency: 2}
shrinkage: 0.3
history: history.csv
agents: agents.csv
events: events.yaml
contracts:
  flex: {min_hours_per_week: 0, max_hours_per_week: 40, min_shift_minutes: 240,
         max_shift_minutes: 480, earliest_start: "08:00", latest_start: "12:00"}
shift_rules:
  start_step_minutes: 60
  length_step_minutes: 60
  breaks:
    - {activity: lunch, duration_minutes: 60, paid: false, min_shift_minutes: 360,
       earliest_after_start_minutes: 180, latest_after_start_minutes: 300}
"""

EVENTS = """\
events:
  - {name: Sale, kind: promotion, start_date: 2026-10-13, end_date: 2026-10-14}
  - {name: Outage, kind: anomaly, start_date: 2026-10-15, queues: [chat]}
"""

AGENTS = """\
agent_id,contract,skills,unavailable,fixed_days_off,preferred_start,min_hours_per_week,max_hours_per_week
A1,flex,voice;chat:2,,sun,08:00-10:00,,
A2,flex,chat,2026-10-20,,,10,30
A3,full_time,voice,,sat;sun,,,
"""


def _history() -> str:
    rows = ["queue,interval_start,volume,aht_seconds"]
    for queue in ("voice", "chat"):
        for day in range(12, 19):
            for hour in range(24):
                volume = 10 + hour % 7 if 8 <= hour < 20 else 0
                rows.append(f"{queue},2026-10-{day:02d} {hour:02d}:00,{volume},"
                            f"{240 if volume else ''}")
    return "\n".join(rows) + "\n"


HISTORY = _history()

TOKENS = ["", "0", "-1", "nan", "inf", "-inf", "1e309", "1e300", "-1e300", "2026-02-30", "2026-13-01", "25:00",
          "24:00", "[", "]", "{", "}", "{a: 1}", "[1, 2]", "null", "~", "yes", "'", '"', ":",
          "x" * 40, "ü", "voice", "chat", "sms", "full_time", "2026-10-19", "2026-10-19T25:00",
          "2026-10-19 09:07", "1.5", "99999999", "sun;funday", "voice:0", "A1", ",", ";", "#"]


@st.composite
def broken(draw, text: str, sep: str | None) -> str:
    """``text`` with one to three random breakages (``sep``: the CSV cell separator)."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        kind = draw(st.sampled_from(["value", "value", "value", "drop", "double", "cut",
                                     "insert"]))
        i = draw(st.integers(0, len(lines) - 1))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=8))
        if kind == "value":
            if sep is not None:
                cells = lines[i].split(sep)
                j = draw(st.integers(0, len(cells) - 1))
                cells[j] = token
                lines[i] = sep.join(cells)
            elif ": " in lines[i]:
                parts = lines[i].split(": ")
                j = draw(st.integers(1, len(parts) - 1))
                tail = parts[j]
                cut = min((tail.find(c) for c in ",}]" if c in tail), default=len(tail))
                parts[j] = token + tail[cut:]
                lines[i] = ": ".join(parts)
        elif kind == "drop":
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            lines.insert(i, token if sep is not None else f"{token}: {token}")
    return "\n".join(lines) + "\n"


FILES = {"scenario.yaml": (SCENARIO, None), "history.csv": (HISTORY, ","),
         "agents.csv": (AGENTS, ","), "events.yaml": (EVENTS, None)}


@st.composite
def inputs(draw) -> dict[str, str]:
    """The four files, one or two of them broken."""
    names = draw(st.lists(st.sampled_from(sorted(FILES)), min_size=1, max_size=2, unique=True))
    return {name: draw(broken(text, sep)) if name in names else text
            for name, (text, sep) in FILES.items()}


def _check(result, folder: Path) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}\n{result.output}")
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        assert len(errors) >= 1, result.output
        first = errors[0]
        assert str(folder) in first or "--" in first, f"no file named: {first}"
    assert "Traceback" not in result.output


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=inputs())
def test_validate_never_shows_a_traceback(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, files)
        result = CliRunner().invoke(cli, ["validate", str(folder / "scenario.yaml")])
        _check(result, folder)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=inputs())
def test_forecast_never_shows_a_traceback(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, files)
        result = CliRunner().invoke(cli, [
            "forecast", str(folder / "history.csv"), "--config", str(folder / "scenario.yaml"),
            "--days", "1", "--backtest", "1", "--out", str(folder / "out" / "forecast.csv")])
        _check(result, folder)
