"""The intraday re-forecast: a forecast moved by the contacts seen so far today."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.config import ForecastSettings
from staffing.errors import ConfigError, DataError
from staffing.forecast.intraday import (
    INTRADAY_BACKTEST_COLUMNS,
    INTRADAY_FACTOR_COLUMNS,
    IntradayMethod,
    backtest_intraday,
    intraday_wape,
    reforecast,
)
from tests.forecast.conftest import synthetic_history

ZONE = "Asia/Shanghai"
MONDAY = dt.date(2026, 11, 23)


def forecast_frame(start: dt.date = MONDAY, days: int = 2, *, time_zone: str = ZONE,
                   interval_minutes: int = 60, queues=("voice",), daily: float = 2400.0
                   ) -> pd.DataFrame:
    """A forecast in the forecast format: the planted shape, a +-20 % band, 240 s AHT."""
    parts = []
    for queue in queues:
        rows = synthetic_history(start, days, time_zone=time_zone, daily=daily,
                                 interval_minutes=interval_minutes, weekly=np.ones(7),
                                 queue=queue, noise=False)
        parts.append(pd.DataFrame({
            "queue": queue, "interval_start": rows["interval_start"],
            "volume": rows["expected"], "volume_lower": 0.8 * rows["expected"],
            "volume_upper": 1.2 * rows["expected"], "aht_seconds": 240.0}))
    return pd.concat(parts, ignore_index=True)


def actuals_from(forecast: pd.DataFrame, multiplier: float = 1.0, *,
                 aht_multiplier: float = 1.0) -> pd.DataFrame:
    """What happened if every interval ran ``multiplier`` times the forecast."""
    return pd.DataFrame({"queue": forecast["queue"], "interval_start": forecast["interval_start"],
                         "volume": forecast["volume"] * multiplier,
                         "aht_seconds": forecast["aht_seconds"] * aht_multiplier})


def split(actuals: pd.DataFrame, parts: int, interval_minutes: int) -> pd.DataFrame:
    """The same actuals in ``parts`` equal finer intervals each."""
    step = pd.Timedelta(minutes=interval_minutes // parts)
    out = pd.concat([actuals.assign(interval_start=actuals["interval_start"] + i * step,
                                    volume=actuals["volume"] / parts) for i in range(parts)])
    return out.sort_values(["queue", "interval_start"], kind="stable", ignore_index=True)


def at(hour: int, day: dt.date = MONDAY, zone: str = ZONE) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(hour))).tz_localize(zone)


def test_actuals_equal_to_the_forecast_leave_it_unchanged():
    fc = forecast_frame()
    result = reforecast(fc, actuals_from(fc), as_of=at(12))
    pd.testing.assert_frame_equal(result.frame.drop(columns=["volume_lower", "volume_upper"]),
                                  fc.drop(columns=["volume_lower", "volume_upper"]))
    assert list(result.factors.columns) == list(INTRADAY_FACTOR_COLUMNS)
    row = result.factors.iloc[0]
    assert (row["ratio"], row["factor"], row["aht_factor"]) == (1.0, 1.0, 1.0)
    assert result.notes == ()
    later = fc["interval_start"] >= at(12)
    pd.testing.assert_frame_equal(result.frame[later], fc[later])


def test_a_hot_day_raises_the_rest_by_less_early_and_closer_to_the_truth_late():
    fc = forecast_frame()
    hot = actuals_from(fc, 1.3)
    early = reforecast(fc, hot, as_of=at(8))
    late = reforecast(fc, hot, as_of=at(20))
    f_early = early.factors["factor"].iloc[0]
    f_late = late.factors["factor"].iloc[0]
    assert 1.0 < f_early < f_late < 1.3
    assert late.factors["ratio"].iloc[0] == pytest.approx(1.3)
    # The weight is F / (F + k): F the forecast contacts before the cut.
    k = IntradayMethod().credibility_contacts
    for result in (early, late):
        F = result.factors["forecast_so_far"].iloc[0]
        assert result.factors["weight"].iloc[0] == pytest.approx(F / (F + k))
        assert result.factors["factor"].iloc[0] == pytest.approx(1 + 0.3 * F / (F + k))
    # The rest of today moves by the factor; tomorrow is not moved by default (no carry).
    stamps = fc["interval_start"]
    rest = (stamps >= at(20)) & (stamps < at(0, MONDAY + dt.timedelta(days=1)))
    np.testing.assert_allclose(late.frame["volume"][rest], fc["volume"][rest] * f_late)
    tomorrow = stamps >= at(0, MONDAY + dt.timedelta(days=1))
    pd.testing.assert_series_equal(late.frame["volume"][tomorrow], fc["volume"][tomorrow])


def test_intervals_before_as_of_hold_the_actuals_and_bands_stay_ordered():
    fc = forecast_frame()
    hot = actuals_from(fc, 1.3)
    out = reforecast(fc, hot, as_of=at(12)).frame
    before = fc["interval_start"] < at(12)
    np.testing.assert_allclose(out["volume"][before], hot["volume"][before])
    np.testing.assert_allclose(out["volume_lower"][before], hot["volume"][before])
    np.testing.assert_allclose(out["volume_upper"][before], hot["volume"][before])
    assert (out["volume_lower"] <= out["volume"]).all()
    assert (out["volume"] <= out["volume_upper"]).all()
    # The band keeps its relative width where the factor applies.
    after = ~before
    np.testing.assert_allclose(out["volume_upper"][after] / out["volume"][after], 1.2)
    assert list(out.columns) == list(fc.columns) and (out.index == fc.index).all()


def test_the_factor_is_carried_to_later_days_with_its_decay():
    fc = forecast_frame(days=3)
    method = IntradayMethod(carry_per_day=0.5)
    result = reforecast(fc, actuals_from(fc, 1.3), as_of=at(18), method=method)
    f = result.factors["factor"].iloc[0]
    stamps = fc["interval_start"]
    for j in (1, 2):
        day = stamps.dt.date == MONDAY + dt.timedelta(days=j)
        np.testing.assert_allclose(result.frame["volume"][day],
                                   fc["volume"][day] * (1 + (f - 1) * 0.5 ** j))


def test_handle_time_moves_with_the_days_handle_times():
    fc = forecast_frame()
    result = reforecast(fc, actuals_from(fc, aht_multiplier=1.1), as_of=at(15))
    row = result.factors.iloc[0]
    assert row["factor"] == 1.0
    assert row["aht_ratio"] == pytest.approx(1.1)
    assert 1.0 < row["aht_factor"] < 1.1
    rest = fc["interval_start"] >= at(15)
    np.testing.assert_allclose(result.frame["aht_seconds"][rest][:9], 240 * row["aht_factor"])
    before = ~rest
    np.testing.assert_allclose(result.frame["aht_seconds"][before], 264.0)
    kept = reforecast(fc, actuals_from(fc, aht_multiplier=1.1), as_of=at(15),
                      method=IntradayMethod(adjust_aht=False))
    np.testing.assert_allclose(kept.frame["aht_seconds"][rest], 240.0)


def test_finer_actuals_are_summed_into_the_forecast_intervals():
    fc = forecast_frame(interval_minutes=30)
    hot = split(actuals_from(fc, 1.2), 2, 30)
    result = reforecast(fc, hot, as_of=at(12))
    before = fc["interval_start"] < at(12)
    np.testing.assert_allclose(result.frame["volume"][before], 1.2 * fc["volume"][before])
    assert result.factors["ratio"].iloc[0] == pytest.approx(1.2)
    # A missing quarter hour leaves its half hour out of the ratio, with a note.
    gap = hot.drop(index=hot.index[hot["interval_start"] == at(9)])
    result = reforecast(fc, gap, as_of=at(12))
    assert result.factors["ratio"].iloc[0] == pytest.approx(1.2)
    [note] = result.notes
    assert note == ("queue 'voice': 1 interval of 2026-11-23 before 2026-11-23T12:00+08:00 has "
                    "no complete actuals; it keeps the re-forecast")
    nine = fc.index[fc["interval_start"] == at(9)][0]
    f = result.factors["factor"].iloc[0]
    assert result.frame["volume"][nine] == pytest.approx(fc["volume"][nine] * f)


def test_empty_volume_is_missing_not_zero():
    fc = forecast_frame()
    hot = actuals_from(fc, 1.3)
    hot.loc[hot["interval_start"] == at(10), "volume"] = np.nan
    result = reforecast(fc, hot, as_of=at(12))
    assert result.factors["ratio"].iloc[0] == pytest.approx(1.3)
    assert "1 interval of 2026-11-23 before 2026-11-23T12:00+08:00 has no complete" in (
        result.notes[0])


def test_coarser_actuals_are_refused_with_the_fix():
    fc = forecast_frame(interval_minutes=30)
    hourly = actuals_from(forecast_frame(interval_minutes=60))
    with pytest.raises(DataError) as info:
        reforecast(fc, hourly, as_of=at(12))
    assert str(info.value) == (
        "actuals: queue 'voice' is in 60-min intervals, which do not add up to the forecast's "
        "30-min intervals; give actuals in 30-min intervals or a divisor of 30 min")


def test_queues_without_actuals_or_forecast_are_kept_and_noted():
    fc = forecast_frame(queues=("voice", "chat"))
    actual = actuals_from(fc[fc["queue"] == "voice"], 1.3)
    actual = pd.concat([actual, actual.assign(queue="email")], ignore_index=True)
    result = reforecast(fc, actual, as_of=at(12))
    assert result.notes == (
        "actuals: queue 'email' not in the forecast; ignored",
        "queue 'chat': no actuals before 2026-11-23T12:00+08:00; the forecast is kept",
    )
    chat = fc["queue"] == "chat"
    pd.testing.assert_frame_equal(result.frame[chat], fc[chat])
    factors = result.factors.set_index("queue")
    assert factors.loc["chat", "factor"] == 1.0 and factors.loc["voice", "factor"] > 1.0


def test_a_zero_forecast_so_far_keeps_factor_one():
    fc = forecast_frame()
    fc.loc[fc["interval_start"] < at(9), ["volume", "volume_lower", "volume_upper"]] = 0.0
    actual = actuals_from(fc)
    actual.loc[actual["interval_start"] == at(8), "volume"] = 3.0
    result = reforecast(fc, actual, as_of=at(9))
    assert result.factors["factor"].iloc[0] == 1.0
    [note] = result.notes
    assert note == ("queue 'voice': the forecast so far on 2026-11-23 is 0 contacts (3 came); "
                    "factor 1, the rest of the day keeps the forecast")
    at_midnight = reforecast(fc, actual, as_of=at(0))
    [note] = at_midnight.notes
    assert note == "queue 'voice': no actuals before 2026-11-23T00:00+08:00; the forecast is kept"


def test_a_fall_back_day_in_berlin():
    """2026-10-25 has 25 hours in Europe/Berlin; 15-min actuals fill 60-min intervals, the
    repeated 02:00 hour twice."""
    day = dt.date(2026, 10, 25)
    fc = forecast_frame(day, 2, time_zone="Europe/Berlin")
    assert (fc["interval_start"].dt.date == day).sum() == 25
    hot = split(actuals_from(fc, 1.25), 4, 60)
    as_of = at(12, day, "Europe/Berlin")
    result = reforecast(fc, hot, as_of=as_of)
    before = fc["interval_start"] < as_of
    assert before.sum() == 13  # 00:00 .. 11:00 with 02:00 twice
    np.testing.assert_allclose(result.frame["volume"][before], 1.25 * fc["volume"][before])
    assert result.factors["ratio"].iloc[0] == pytest.approx(1.25)
    f = result.factors["factor"].iloc[0]
    rest = ~before & (fc["interval_start"].dt.date == day)
    assert rest.sum() == 12
    np.testing.assert_allclose(result.frame["volume"][rest], f * fc["volume"][rest])


def test_naive_timestamps_and_missing_columns_name_the_field_and_the_fix():
    fc = forecast_frame()
    naive = actuals_from(fc)
    naive["interval_start"] = naive["interval_start"].dt.tz_localize(None)
    with pytest.raises(DataError) as info:
        reforecast(fc, naive, as_of=at(12))
    assert str(info.value) == (
        "actuals: interval_start must hold time-zone-aware timestamps (read the file with "
        "staffing.io.read_history or read_format, or tz_localize the column to the site's zone)")
    with pytest.raises(DataError) as info:
        reforecast(fc.drop(columns="volume"), actuals_from(fc), as_of=at(12))
    assert str(info.value) == (
        "forecast: missing column volume; the forecast needs queue, interval_start, volume "
        "(found queue, interval_start, volume_lower, volume_upper, aht_seconds)")
    with pytest.raises(DataError) as info:
        reforecast(fc, actuals_from(fc), as_of=pd.Timestamp("2026-11-23 12:00"))
    assert str(info.value) == (
        "as_of must be a time-zone-aware timestamp, got 2026-11-23 12:00:00 without a zone; "
        "give it with its zone, e.g. pd.Timestamp('2026-11-23 12:00:00', tz='Asia/Shanghai')")
    twice = pd.concat([actuals_from(fc).iloc[:2], actuals_from(fc).iloc[:1]])
    with pytest.raises(DataError, match="more than one row at 2026-11-23T00:00"):
        reforecast(fc, twice, as_of=at(12))


def test_method_settings_are_checked():
    with pytest.raises(ConfigError) as info:
        IntradayMethod(carry_per_day=1.5)
    assert str(info.value) == "intraday: carry_per_day must be within 0..1, got 1.5"
    with pytest.raises(ConfigError) as info:
        IntradayMethod(factor_min=1.2)
    assert str(info.value) == ("intraday: need 0 < factor_min <= 1 <= factor_max, got "
                               "factor_min=1.2, factor_max=2.0")
    with pytest.raises(ConfigError, match="credibility_contacts must be >= 0 contacts, got -1"):
        IntradayMethod(credibility_contacts=-1)


@settings(max_examples=60, deadline=None)
@given(ratio=st.floats(0.0, 10.0), other=st.floats(0.0, 10.0),
       forecast_so_far=st.floats(0.0, 1e6), k=st.floats(0.0, 1e4))
def test_the_factor_stays_in_its_clip_and_rises_with_the_ratio(ratio, other, forecast_so_far,
                                                               k):
    method = IntradayMethod(credibility_contacts=k)
    f = float(method.factor(ratio, forecast_so_far))
    assert method.factor_min <= f <= method.factor_max
    low, high = sorted((ratio, other))
    assert method.factor(low, forecast_so_far) <= method.factor(high, forecast_so_far)
    # Between 1 and the ratio: shrunk, never past what was seen.
    assert min(1.0, ratio) - 1e-12 <= f <= max(1.0, ratio) + 1e-12


@settings(max_examples=20, deadline=None)
@given(multiplier=st.floats(0.0, 5.0), hour=st.integers(1, 23))
def test_reforecast_factors_stay_in_the_clip(multiplier, hour):
    fc = forecast_frame(days=1)
    result = reforecast(fc, actuals_from(fc, multiplier), as_of=at(hour))
    f = result.factors["factor"].iloc[0]
    assert 0.5 <= f <= 2.0
    out = result.frame
    assert (out["volume_lower"] <= out["volume"]).all() and (
        out["volume"] <= out["volume_upper"]).all()


def test_backtest_shows_the_reforecast_beats_a_forecast_that_misses_the_days_level():
    """Four weeks of hourly history; in the last week every day runs at a known level the
    weekly forecast cannot see (0.75 .. 1.3): re-forecasting from the morning recovers it."""
    start = dt.date(2026, 10, 26)
    last_week = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)]
    levels = dict(zip(last_week, (1.3, 0.75, 1.2, 0.8, 1.25, 0.85, 1.15), strict=True))
    history = synthetic_history(start, 28, time_zone=ZONE, day_factor=levels, seed=3)
    scores = backtest_intraday(history.drop(columns="expected"), time_zone=ZONE,
                               interval_minutes=60, weeks=1,
                               settings=ForecastSettings(model="recent_weeks",
                                                         backtest_weeks=1))
    assert list(scores.columns) == list(INTRADAY_BACKTEST_COLUMNS)
    assert set(scores["cut"]) == {"10:00", "12:00", "15:00"}
    assert set(scores["week"]) == {dt.date(2026, 11, 16)}
    rest = intraday_wape(scores[scores["span"] == "rest_of_day"], by=["cut"])
    assert (rest["wape_reforecast"] < 0.6 * rest["wape_forecast"]).all()
    overall = intraday_wape(scores[scores["span"] == "rest_of_day"], by=[])
    assert overall["change"].iloc[0] < -0.05
