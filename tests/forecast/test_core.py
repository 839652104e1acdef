"""build_forecast end to end on synthetic histories with a known truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.config import ForecastSettings, QueueConfig
from staffing.errors import DataError, ForecastError
from staffing.forecast import build_forecast
from staffing.forecast.backtest import AUTO_MODELS
from staffing.forecast.core import FORECAST_COLUMNS
from staffing.timegrid import Horizon

from .conftest import WEEKLY, daily_totals, synthetic_history

ZONE = "Europe/Berlin"
VOICE = QueueConfig(id="voice", channel="voice", service_level=0.8, answer_within_seconds=20)


def history_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="expected")


# ----------------------------------------------------------------- seasonality, auto model
@pytest.fixture(scope="module")
def seasonal():
    """Ten weeks of hourly Poisson history with the planted shapes, forecast with auto."""
    history = synthetic_history(dt.date(2026, 8, 3), 70)
    horizon = Horizon(dt.date(2026, 10, 12), 7, 60, ZONE)
    truth = synthetic_history(horizon.start_date, 7, noise=False)
    result = build_forecast(history_only(history), horizon)
    return horizon, truth, result


def test_frame_is_the_forecast_format_on_the_horizon_grid(seasonal):
    horizon, _, result = seasonal
    frame = result.frame
    assert tuple(frame.columns) == FORECAST_COLUMNS
    assert (frame["queue"] == "voice").all()
    pd.testing.assert_index_equal(pd.DatetimeIndex(frame["interval_start"]), horizon.intervals(),
                                  check_names=False, check_freq=False)
    assert (frame["volume_lower"] >= 0).all()
    assert (frame["volume_lower"] <= frame["volume"]).all()
    assert (frame["volume"] <= frame["volume_upper"]).all()
    assert (frame["volume_upper"] > frame["volume_lower"]).mean() > 0.99


def test_planted_weekly_shape_is_recovered(seasonal):
    _, truth, result = seasonal
    forecast = daily_totals(result.frame, "volume", ZONE)
    expected = daily_totals(truth, "expected", ZONE)
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy(), rtol=0.04)
    # The weekly ratios themselves (Monday 1.25 vs Sunday 0.60).
    ratio = forecast.to_numpy() / forecast.to_numpy().mean()
    np.testing.assert_allclose(ratio, WEEKLY / WEEKLY.mean(), rtol=0.04)


def test_planted_intraday_shape_is_recovered(seasonal):
    _, truth, result = seasonal
    f = result.frame["volume"].to_numpy()
    e = truth["expected"].to_numpy()
    assert np.abs(f - e).sum() / e.sum() < 0.05
    # Peaks where they were planted: 10-11 h and 19-20 h; the night trough at 3-4 h.
    hours = result.frame["interval_start"].dt.hour.to_numpy()
    monday = slice(0, 24)
    assert hours[monday][np.argmax(f[monday])] == 10
    evening = f[monday][17:23]
    assert 17 + int(np.argmax(evening)) in (19, 20)
    assert f[monday][3] < 0.1 * f[monday].max()


def test_auto_backtests_every_model_and_picks_the_lowest_wape(seasonal):
    _, _, result = seasonal
    table = result.backtest
    assert set(AUTO_MODELS) <= set(table["model"])
    assert (table["origins"] == 4).all()
    assert table["chosen"].sum() == 1
    chosen = table.loc[table["chosen"], "model"].item()
    assert chosen == result.models["voice"]
    assert table.loc[table["chosen"], "wape"].item() == pytest.approx(table["wape"].min())
    # Poisson noise at ~80 contacts an hour: every weekly model is within a few percent.
    assert table["wape"].max() < 0.15


def test_backtest_interval_coverage_is_near_nominal(seasonal):
    _, _, result = seasonal
    table = result.backtest
    chosen = table.loc[table["chosen"]].iloc[0]
    assert abs(chosen["coverage"] - 0.8) <= 0.05
    assert (table["coverage"].sub(0.8).abs() <= 0.08).all()


def test_aht_is_forecast_per_interval_from_history(seasonal):
    _, _, result = seasonal
    frame = result.frame
    night = frame["interval_start"].dt.hour < 7
    np.testing.assert_allclose(frame.loc[~night, "aht_seconds"], 240.0, rtol=5e-3)
    np.testing.assert_allclose(frame.loc[night, "aht_seconds"], 288.0, rtol=5e-3)


# ------------------------------------------------------------------------------------ DST
@pytest.mark.parametrize(("start", "dst_day", "intervals"), [
    (dt.date(2026, 3, 23), dt.date(2026, 3, 29), 92),   # spring forward: 23 hours
    (dt.date(2026, 10, 19), dt.date(2026, 10, 25), 100),  # fall back: 25 hours
])
def test_dst_days_have_92_or_100_intervals(start, dst_day, intervals):
    history = synthetic_history(start - dt.timedelta(weeks=5), 35, interval_minutes=15,
                                daily=10_000)
    horizon = Horizon(start, 7, 15, ZONE)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    frame = build_forecast(history_only(history), horizon, settings=settings).frame
    per_day = frame.groupby(frame["interval_start"].dt.date).size()
    assert per_day[dst_day] == intervals
    assert (per_day.drop(dst_day) == 96).all()
    assert frame["interval_start"].is_unique
    # Each interval gets its wall-clock slot's rate, the repeated/skipped hour included.
    truth = synthetic_history(start, 7, interval_minutes=15, daily=10_000, noise=False)
    f, e = frame["volume"].to_numpy(), truth["expected"].to_numpy()
    on_day = (frame["interval_start"].dt.date == dst_day).to_numpy()
    assert np.abs(f[on_day] - e[on_day]).sum() / e[on_day].sum() < 0.08


# ------------------------------------------------------------- closed hours, missing data
def test_closed_hours_forecast_zero_and_missing_data_is_not_zero():
    history = synthetic_history(dt.date(2026, 8, 3), 42, open_hours=(7, 21), seed=3)
    history = history_only(history)
    # A whole missing Monday and a few missing hours on a Tuesday: NaN, not zero.
    days = history["interval_start"].dt.date
    history.loc[days == dt.date(2026, 9, 7), "volume"] = np.nan
    history.loc[(days == dt.date(2026, 9, 8)) & history["interval_start"].dt.hour.between(
        9, 12), "volume"] = np.nan
    horizon = Horizon(dt.date(2026, 9, 14), 7, 60, ZONE)
    result = build_forecast(history, horizon, settings=ForecastSettings(backtest_weeks=2))
    frame = result.frame
    hours = frame["interval_start"].dt.hour
    closed = (hours < 7) | (hours >= 21)
    assert (frame.loc[closed, ["volume", "volume_lower", "volume_upper"]] == 0).all().all()
    assert (frame.loc[~closed, "volume"] > 5).all()
    truth = synthetic_history(horizon.start_date, 7, open_hours=(7, 21), noise=False)
    forecast = daily_totals(frame, "volume", ZONE)
    expected = daily_totals(truth, "expected", ZONE)
    # Monday and Tuesday are not dragged down by the missing data.
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy(), rtol=0.06)


def test_future_rows_of_the_history_are_not_used():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 35, seed=5))
    horizon = Horizon(dt.date(2026, 8, 31), 7, 60, ZONE)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    cut = history[history["interval_start"] < horizon.start]
    with_future = build_forecast(history, horizon, settings=settings).frame
    without = build_forecast(cut, horizon, settings=settings).frame
    pd.testing.assert_frame_equal(with_future, without)


def test_finer_history_is_summed_to_the_forecast_interval():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 28, interval_minutes=15))
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    fine = build_forecast(history, Horizon(dt.date(2026, 8, 31), 7, 15, ZONE),
                          settings=settings).frame
    coarse = build_forecast(history, Horizon(dt.date(2026, 8, 31), 7, 60, ZONE),
                            settings=settings).frame
    assert len(coarse) * 4 == len(fine)
    np.testing.assert_allclose(daily_totals(coarse, "volume", ZONE),
                               daily_totals(fine, "volume", ZONE), rtol=1e-9)
    # Hour by hour on normal days (the first two are month end and month start, whose
    # profile is the smoothed weekday profile, so 15-min and hourly shapes differ a little).
    summed = fine.groupby(fine["interval_start"].dt.floor("60min"))["volume"].sum()
    normal = slice(48, None)
    np.testing.assert_allclose(coarse["volume"].to_numpy()[normal],
                               summed.to_numpy()[normal], rtol=1e-9)


def test_configured_aht_replaces_the_history_aht():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 21, aht_seconds=None))
    horizon = Horizon(dt.date(2026, 8, 24), 2, 60, ZONE)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    queue = VOICE.model_copy(update={"aht_seconds": 310.0})
    frame = build_forecast(history, horizon, queues=[queue], settings=settings).frame
    assert (frame["aht_seconds"] == 310.0).all()


# ---------------------------------------------------------------- short history, errors
def test_short_history_falls_back_to_recent_days_and_says_so():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 3))
    result = build_forecast(history, Horizon(dt.date(2026, 8, 6), 2, 60, ZONE))
    assert result.models == {"voice": "recent_days"}
    assert result.backtest is None
    assert any("only 3 days of history, too short for a weekly pattern" in n
               for n in result.notes)
    assert result.frame["volume"].sum() > 0


def test_two_weeks_of_history_fall_back_to_recent_weeks_and_say_so():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 10))
    result = build_forecast(history, Horizon(dt.date(2026, 8, 13), 7, 60, ZONE))
    assert result.models == {"voice": "recent_weeks"}
    assert any("too short to backtest" in n for n in result.notes)


def test_a_model_asked_by_name_needs_its_history():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 20))
    settings = ForecastSettings(model="daily_sarimax")
    with pytest.raises(ForecastError) as info:
        build_forecast(history, Horizon(dt.date(2026, 8, 23), 7, 60, ZONE), settings=settings)
    assert str(info.value) == (
        "queue 'voice': forecast.model daily_sarimax needs at least 35 days of history "
        "before the horizon, got 20; set forecast.model: auto to fall back to a simpler model, "
        "or give a longer history")


def test_no_aht_anywhere_leaves_it_empty_with_a_note_that_says_how_to_fix_it():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 14, aht_seconds=None))
    result = build_forecast(history, Horizon(dt.date(2026, 8, 17), 1, 60, ZONE), queues=[VOICE])
    assert result.frame["aht_seconds"].isna().all()
    assert result.frame["volume"].notna().all()
    assert ("queue 'voice': no handle time in the history, so aht_seconds is left empty; set "
            "queues[].aht_seconds for 'voice' in the scenario (or add an aht_seconds column to "
            "the history) before computing requirements") in result.notes


def test_a_configured_queue_missing_from_the_history_is_an_error():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 14))
    chat = QueueConfig(id="chat", channel="chat", service_level=0.8, answer_within_seconds=30)
    with pytest.raises(ForecastError) as info:
        build_forecast(history, Horizon(dt.date(2026, 8, 17), 1, 60, ZONE), queues=[chat])
    assert str(info.value) == ("queue 'chat': no history with volumes before 2026-08-17; add "
                               "the queue's past intervals to the history, or remove the queue")


def test_history_coarser_than_the_forecast_interval_is_an_error():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 14))
    with pytest.raises(ForecastError, match=r"history is in 60-min intervals, which do not add "
                                            r"up to the 15-min intervals asked"):
        build_forecast(history, Horizon(dt.date(2026, 8, 17), 1, 15, ZONE))


def test_bad_history_frames_are_data_errors():
    history = history_only(synthetic_history(dt.date(2026, 8, 3), 7))
    horizon = Horizon(dt.date(2026, 8, 10), 1, 60, ZONE)
    with pytest.raises(DataError, match="history: missing column volume; the history needs "
                                        "queue, interval_start, volume"):
        build_forecast(history.drop(columns="volume"), horizon)
    naive = history.assign(interval_start=history["interval_start"].dt.tz_localize(None))
    with pytest.raises(DataError, match="interval_start must hold time-zone-aware"):
        build_forecast(naive, horizon)
    negative = history.copy()
    negative.loc[5, "volume"] = -3
    with pytest.raises(DataError, match="history: volume must be >= 0, got -3"):
        build_forecast(negative, horizon)


def test_an_unflagged_outlier_day_is_kept_out_of_training_and_listed():
    spike = dt.date(2026, 9, 9)  # a Wednesday at 3x, with normal Wednesdays after it
    history = synthetic_history(dt.date(2026, 8, 3), 56, day_factor={spike: 3.0}, seed=11)
    horizon = Horizon(dt.date(2026, 9, 28), 7, 60, ZONE)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    result = build_forecast(history_only(history), horizon, settings=settings)
    assert ("queue 'voice': 1 day (2026-09-09) looked like an outlier against its weekday "
            "neighbours and was kept out of training") in result.notes
    truth = daily_totals(synthetic_history(horizon.start_date, 7, noise=False), "expected", ZONE)
    wednesday = dt.date(2026, 9, 30)
    forecast = daily_totals(result.frame, "volume", ZONE)
    assert forecast[wednesday] / truth[wednesday] == pytest.approx(1.0, abs=0.04)


def test_a_zero_day_on_an_open_day_is_an_outage_not_a_closure():
    outage = dt.date(2026, 9, 22)  # a Tuesday recorded as all zeros
    history = synthetic_history(dt.date(2026, 8, 3), 56, day_factor={outage: 0.0}, seed=12)
    horizon = Horizon(dt.date(2026, 9, 28), 7, 60, ZONE)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    result = build_forecast(history_only(history), horizon, settings=settings)
    assert ("queue 'voice': 1 day (2026-09-22) had no contacts on an open day and was kept "
            "out of training") in result.notes
    truth = daily_totals(synthetic_history(horizon.start_date, 7, noise=False), "expected", ZONE)
    tuesday = dt.date(2026, 9, 29)
    forecast = daily_totals(result.frame, "volume", ZONE)
    assert forecast[tuesday] / truth[tuesday] == pytest.approx(1.0, abs=0.04)
