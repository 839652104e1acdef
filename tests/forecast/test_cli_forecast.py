"""``staffing forecast`` through CliRunner on the small fixture (Berlin, hourly, 10 weeks)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing import io
from staffing.cli import cli

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "small"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast")
    result = run("forecast", SMALL / "history.csv", "--start", "2026-11-23", "--days", "3",
                 "--config", SMALL / "scenario.yaml", "--out", out / "forecast.csv",
                 "--backtest", "2", "--plot", out / "forecast.png")
    return out, result


def test_forecast_writes_the_forecast_format(small_run):
    out, result = small_run
    assert result.exit_code == 0, result.output
    frame = io.read_format(out / "forecast.csv", "forecast", "Europe/Berlin")
    assert list(frame.columns[:6]) == ["queue", "interval_start", "volume", "volume_lower",
                                       "volume_upper", "aht_seconds"]
    assert frame.groupby("queue").size().to_dict() == {"chat": 72, "voice": 72}
    assert frame["interval_start"].min() == pd.Timestamp("2026-11-23", tz="Europe/Berlin")
    hours = frame["interval_start"].dt.hour
    closed = (hours < 9) | (hours >= 18)  # the fixture's desk is open 09:00-18:00
    assert (frame.loc[closed, "volume"] == 0).all()
    assert (frame.loc[~closed, "volume"] > 0).all()
    text = (out / "forecast.csv").read_text().splitlines()
    assert text[0] == "queue,interval_start,volume,volume_lower,volume_upper,aht_seconds"
    assert ",2026-11-23T00:00:00+01:00," in text[1]


def test_backtest_prints_metrics_per_queue_and_model(small_run):
    _, result = small_run
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["queue", "model", "origins", "WAPE", "MASE", "bias",
                                "coverage"]
    chosen = [line for line in lines if line.endswith("* chosen")]
    assert [line.split()[0] for line in chosen] == ["voice", "chat"]
    assert all(line.split()[2] == "2" for line in lines[1:])
    assert sum(line.startswith("voice ") for line in lines) >= 5


def test_plot_is_a_png(small_run):
    out, _ = small_run
    assert (out / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_too_short_history_for_a_named_model_is_an_error(tmp_path, write):
    history = io.read_history(SMALL / "history.csv", "Europe/Berlin")
    short = history[history["interval_start"] >= pd.Timestamp("2026-11-09", tz="Europe/Berlin")]
    io.write_table(short, tmp_path / "short.csv", "history")
    scenario = (SMALL / "scenario.yaml").read_text().replace("model: auto",
                                                              "model: daily_sarimax")
    config = write("scenario.yaml", scenario)
    for name in ("agents.csv", "events.yaml"):
        (tmp_path / name).write_bytes((SMALL / name).read_bytes())
    (tmp_path / "history.csv").write_bytes((tmp_path / "short.csv").read_bytes())
    result = CliRunner().invoke(cli, ["forecast", str(tmp_path / "short.csv"), "--start",
                                      "2026-11-23", "--days", "3", "--config", str(config),
                                      "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {tmp_path / 'short.csv'}: queue 'voice': forecast.model daily_sarimax needs "
        "at least 35 days of history before the horizon, got 14; set forecast.model: auto to "
        "fall back to a simpler model, or give a longer history")
    assert not (tmp_path / "f.csv").exists()


def test_without_config_the_time_zone_is_required(tmp_path):
    result = CliRunner().invoke(cli, ["forecast", str(SMALL / "history.csv"), "--start",
                                      "2026-11-23", "--days", "1", "--out",
                                      str(tmp_path / "f.csv")])
    assert result.exit_code == 1
    assert "Error: --time-zone is required without --config" in result.output
