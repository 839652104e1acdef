"""Events: uplift (level and intraday shape) learned from a past occurrence, given multipliers,
anomalies kept out of training, closures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.config import EventConfig, ForecastSettings, parse_config
from staffing.errors import ConfigError
from staffing.forecast import build_forecast
from staffing.forecast.events import event_days, nearest_key
from staffing.timegrid import Horizon

from .conftest import daily_totals, synthetic_history

ZONE = "Europe/Berlin"
FAST = ForecastSettings(model="recent_weeks", backtest_weeks=1)
#: Planted Double 11: two ramp-up days, the day at 1.6x, a two-day tail.
RAMP = {-2: 1.2, -1: 1.4, 0: 1.6, 1: 1.3, 2: 1.1}


def double11(year: int) -> EventConfig:
    return EventConfig(name="Double 11", start_date=dt.date(year, 11, 11), ramp_days_before=2,
                       ramp_days_after=2)


def uplift(year: int) -> dict[dt.date, float]:
    return {dt.date(year, 11, 11) + dt.timedelta(days=k): f for k, f in RAMP.items()}


def midnight_rush(hours: np.ndarray) -> np.ndarray:
    """On the promotion day, shoppers write at midnight: 4x the usual volume 00:00-02:00."""
    return np.where(hours < 2, 4.0, 1.0)


@pytest.fixture(scope="module")
def promotion():
    """A year of hourly history with last year's Double 11; forecast this year's week."""
    factors = {**uplift(2025), **uplift(2026)}
    shapes = {dt.date(2025, 11, 11): midnight_rush, dt.date(2026, 11, 11): midnight_rush}
    start = dt.date(2025, 9, 1)
    history = synthetic_history(start, (dt.date(2026, 11, 9) - start).days, day_factor=factors,
                                day_shape=shapes, seed=4).drop(columns="expected")
    horizon = Horizon(dt.date(2026, 11, 9), 7, 60, ZONE)
    truth = synthetic_history(horizon.start_date, 7, noise=False, day_factor=factors,
                              day_shape=shapes)
    events = [double11(2025), double11(2026)]
    with_events = build_forecast(history, horizon, events=events,
                                 settings=ForecastSettings(backtest_weeks=2))
    without = build_forecast(history, horizon, settings=ForecastSettings(backtest_weeks=2))
    return truth, with_events, without


def test_promotion_uplift_is_learned_from_last_year_and_applied(promotion):
    truth, with_events, without = promotion
    expected = daily_totals(truth, "expected", ZONE)
    forecast = daily_totals(with_events.frame, "volume", ZONE)
    # Every day of the ramp, the peak and the tail within 8 % of the truth.
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy(), rtol=0.08)
    peak = dt.date(2026, 11, 11)
    normal = expected[peak] / 1.6 * (1 + 3 * midnight_share(truth, peak))
    assert forecast[peak] / normal == pytest.approx(1.6, rel=0.08)


def midnight_share(truth, day) -> float:
    """Share of the day's normal volume in 00:00-02:00 (before the rush)."""
    rows = truth[truth["interval_start"].dt.date == day]
    hours = rows["interval_start"].dt.hour
    plain = rows["expected"] / np.where(hours < 2, 4.0, 1.0)
    return float(plain[hours < 2].sum() / plain.sum())


def test_without_the_event_calendar_the_promotion_is_missed(promotion):
    truth, _, without = promotion
    expected = daily_totals(truth, "expected", ZONE)
    forecast = daily_totals(without.frame, "volume", ZONE)
    assert forecast[dt.date(2026, 11, 11)] / expected[dt.date(2026, 11, 11)] < 0.75
    assert any("looked like outliers" in n for n in without.notes)


def test_promotion_intraday_shape_is_learned(promotion):
    truth, with_events, without = promotion
    peak = dt.date(2026, 11, 11)

    def share(frame, column):
        rows = frame[frame["interval_start"].dt.date == peak]
        return rows.loc[rows["interval_start"].dt.hour < 2, column].sum() / rows[column].sum()

    planted = share(truth, "expected")
    assert share(with_events.frame, "volume") == pytest.approx(planted, rel=0.15)
    assert share(without.frame, "volume") < 0.5 * planted


def test_a_given_multiplier_applies_when_there_is_no_past_occurrence():
    history = synthetic_history(dt.date(2026, 8, 3), 35, seed=8).drop(columns="expected")
    horizon = Horizon(dt.date(2026, 9, 7), 7, 60, ZONE)
    sale = EventConfig(name="Flash sale", start_date=dt.date(2026, 9, 9), volume_multiplier=1.5,
                       ramp_days_before=2)
    plain = daily_totals(build_forecast(history, horizon, settings=FAST).frame, "volume", ZONE)
    result = build_forecast(history, horizon, events=[sale], settings=FAST)
    boosted = daily_totals(result.frame, "volume", ZONE)
    ratio = (boosted / plain).to_numpy()
    # Ramp steps linearly from 1 to 1.5 in log terms: x1.5^(1/3), x1.5^(2/3), x1.5.
    np.testing.assert_allclose(ratio, [1.5 ** (1 / 3), 1.5 ** (2 / 3), 1.5, 1, 1, 1, 1],
                               rtol=1e-9)


def test_an_event_with_neither_history_nor_multiplier_gets_no_uplift_and_a_note():
    history = synthetic_history(dt.date(2026, 8, 3), 35, seed=8).drop(columns="expected")
    horizon = Horizon(dt.date(2026, 9, 7), 7, 60, ZONE)
    launch = EventConfig(name="App launch", start_date=dt.date(2026, 9, 9))
    plain = build_forecast(history, horizon, settings=FAST).frame
    result = build_forecast(history, horizon, events=[launch], settings=FAST)
    np.testing.assert_allclose(daily_totals(result.frame, "volume", ZONE),
                               daily_totals(plain, "volume", ZONE), rtol=1e-9)
    assert ("queue 'voice': event 'App launch' has no past occurrence in the history and no "
            "volume_multiplier; forecast without an uplift (give volume_multiplier to set one)"
            ) in result.notes


def test_an_anomaly_is_kept_out_of_training():
    # An incident tripled a recent Monday's volume; flagged, it does not leak into next Monday.
    outage = dt.date(2026, 8, 24)
    history = synthetic_history(dt.date(2026, 8, 3), 35, day_factor={outage: 3.0}, seed=9)
    history = history.drop(columns="expected")
    horizon = Horizon(dt.date(2026, 9, 7), 7, 60, ZONE)
    truth = daily_totals(synthetic_history(horizon.start_date, 7, noise=False), "expected", ZONE)
    incident = EventConfig(name="Carrier outage", kind="anomaly", start_date=outage)
    flagged = daily_totals(build_forecast(history, horizon, events=[incident], settings=FAST)
                           .frame, "volume", ZONE)
    unflagged = daily_totals(build_forecast(history, horizon, settings=FAST).frame, "volume",
                             ZONE)
    monday = dt.date(2026, 9, 7)
    assert flagged[monday] / truth[monday] == pytest.approx(1.0, abs=0.04)
    assert unflagged[monday] / truth[monday] > 1.3


def test_a_closure_has_no_volume():
    history = synthetic_history(dt.date(2026, 8, 3), 35, seed=8).drop(columns="expected")
    horizon = Horizon(dt.date(2026, 9, 7), 7, 60, ZONE)
    closed = EventConfig(name="Move", kind="closure", start_date=dt.date(2026, 9, 10))
    frame = build_forecast(history, horizon, events=[closed], settings=FAST).frame
    totals = daily_totals(frame, "volume", ZONE)
    assert totals[dt.date(2026, 9, 10)] == 0
    assert (totals.drop(dt.date(2026, 9, 10)) > 500).all()


def test_events_apply_to_their_queues_only():
    history = synthetic_history(dt.date(2026, 8, 3), 35, seed=8).drop(columns="expected")
    chat = history.assign(queue="chat")
    both = pd.concat([history, chat], ignore_index=True)
    horizon = Horizon(dt.date(2026, 9, 7), 7, 60, ZONE)
    sale = EventConfig(name="Chat sale", start_date=dt.date(2026, 9, 9), volume_multiplier=2.0,
                       queues=("chat",))
    frame = build_forecast(both, horizon, events=[sale], settings=FAST).frame
    day = frame["interval_start"].dt.date == dt.date(2026, 9, 9)
    by_queue = frame[day].groupby("queue")["volume"].sum()
    assert by_queue["chat"] / by_queue["voice"] == pytest.approx(2.0, rel=1e-9)


# ------------------------------------------------------------------------------ event_days
def test_event_days_key_each_day_by_phase_and_position():
    dates = np.datetime64("2026-11-01") + np.arange(30)
    lay = event_days([double11(2026)], "voice", dates)
    day = {k: [str(dates[i]) for i in np.flatnonzero(v)] for k, v in lay.features.items()}
    assert day == {
        "event:Double 11:before:2": ["2026-11-09"],
        "event:Double 11:before:1": ["2026-11-10"],
        "event:Double 11:during:0": ["2026-11-11"],
        "event:Double 11:after:1": ["2026-11-12"],
        "event:Double 11:after:2": ["2026-11-13"],
    }
    assert not lay.anomaly.any() and not lay.closure.any()


def test_long_events_share_one_key_from_day_seven():
    dates = np.datetime64("2026-12-01") + np.arange(31)
    season = EventConfig(name="Peak", kind="peak_season", start_date=dt.date(2026, 12, 1),
                         end_date=dt.date(2026, 12, 20))
    lay = event_days([season], "voice", dates)
    assert int(lay.features["event:Peak:during:7+"].sum()) == 13
    assert nearest_key("event:Peak:during:3", ["event:Peak:during:1", "event:Peak:during:4"]
                       ) == "event:Peak:during:4"
    assert nearest_key("event:Other:during:0", ["event:Peak:during:0"]) is None


def test_an_event_ending_before_it_starts_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        parse_config({
            "site": {"name": "x", "time_zone": "Asia/Shanghai"},
            "horizon": {"start_date": "2026-11-09", "days": 7},
            "queues": [{"id": "voice", "channel": "voice", "aht_seconds": 200,
                        "service_level": 0.8, "answer_within_seconds": 20}],
            "events": [{"name": "Double 11", "start_date": "2026-11-11",
                        "end_date": "2026-11-10"}],
        }, source="configs/peak.yaml")
    assert ("configs/peak.yaml: events[0].end_date must not be before start_date (2026-11-11), "
            "got 2026-11-10") in str(info.value)
