"""Public holidays: the calendar, its day features, and holiday dips learned from history."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pytest

from staffing.config import ForecastSettings, HolidaysConfig, parse_config
from staffing.errors import ConfigError
from staffing.forecast import build_forecast
from staffing.forecast.calendar import (
    closed_weekdays,
    holiday_calendar,
    holiday_features,
    weekdays_of,
)
from staffing.timegrid import Horizon

from .conftest import daily_totals, synthetic_history

ZONE = "Europe/Berlin"


def marked(features: dict, dates: np.ndarray) -> dict[str, list[str]]:
    return {k: [str(d) for d in dates[v]] for k, v in features.items()}


def test_names_are_normalised_so_a_holiday_is_the_same_every_year():
    calendar = holiday_calendar(HolidaysConfig(country="US"), dt.date(2026, 7, 1),
                                dt.date(2026, 7, 31))
    assert calendar.names == {dt.date(2026, 7, 3): ("Independence Day",),
                              dt.date(2026, 7, 4): ("Independence Day",)}


def test_chinese_weekend_workdays_are_known():
    calendar = holiday_calendar(HolidaysConfig(country="CN"), dt.date(2026, 1, 1),
                                dt.date(2026, 12, 31))
    expected = {d for d in holidays.country_holidays("CN", years=2026).weekend_workdays
                if d.year == 2026}
    assert calendar.workdays == frozenset(expected)
    assert calendar.workdays and all(d.weekday() >= 5 for d in calendar.workdays)


@pytest.mark.parametrize(("closed", "after1", "after2", "month_start"), [
    (frozenset(), "2026-05-02", "2026-05-03", "2026-05-02"),        # open 7 days a week
    (frozenset({5, 6}), "2026-05-04", "2026-05-05", "2026-05-04"),  # closed at weekends
])
def test_eves_after_days_and_month_turns_follow_the_open_days(closed, after1, after2,
                                                             month_start):
    calendar = holiday_calendar(HolidaysConfig(country="DE"), dt.date(2026, 3, 1),
                                dt.date(2026, 6, 30))
    dates = np.datetime64("2026-04-27") + np.arange(14)
    features = marked(holiday_features(dates, calendar, closed), dates)
    assert features["holiday"] == ["2026-05-01"]
    assert features["holiday:Labor Day"] == ["2026-05-01"]
    assert features["eve"] == ["2026-04-30"]
    assert features["after1"] == [after1]
    assert features["after2"] == [after2]
    assert features["month_end"] == ["2026-04-30"]
    assert features["month_start"] == [month_start]


def test_a_weekday_is_closed_when_it_had_no_contacts_lately():
    dates = np.datetime64("2026-01-05") + np.arange(56)
    totals = np.where(weekdays_of(dates) >= 5, 0.0, 100.0)
    assert closed_weekdays(totals, weekdays_of(dates)) == frozenset({5, 6})
    totals[-1] = 40.0  # the center opened last Sunday
    assert closed_weekdays(totals, weekdays_of(dates)) == frozenset({5})


@pytest.fixture(scope="module")
def holiday_dip():
    """Fourteen months of hourly history where every German holiday has 30 % of the volume."""
    known = holidays.country_holidays("DE", years=[2025, 2026])
    factors = {d: 0.3 for d in known}
    start = dt.date(2025, 3, 3)
    history = synthetic_history(start, (dt.date(2026, 4, 27) - start).days, day_factor=factors,
                                seed=5).drop(columns="expected")
    horizon = Horizon(dt.date(2026, 4, 27), 7, 60, ZONE)
    truth = synthetic_history(horizon.start_date, 7, noise=False, day_factor=factors)
    settings = ForecastSettings(backtest_weeks=2)
    with_holidays = build_forecast(history, horizon, holidays=HolidaysConfig(country="DE"),
                                   settings=settings)
    without = build_forecast(history, horizon, settings=settings)
    return truth, with_holidays, without


def test_holiday_dip_is_learned_and_applied(holiday_dip):
    truth, with_holidays, _ = holiday_dip
    expected = daily_totals(truth, "expected", ZONE)
    forecast = daily_totals(with_holidays.frame, "volume", ZONE)
    labour_day = dt.date(2026, 5, 1)
    assert forecast[labour_day] / expected[labour_day] == pytest.approx(1.0, abs=0.1)
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy(), rtol=0.06)


def test_without_holidays_the_dip_is_missed(holiday_dip):
    truth, _, without = holiday_dip
    labour_day = dt.date(2026, 5, 1)
    ratio = daily_totals(without.frame, "volume", ZONE)[labour_day] / daily_totals(
        truth, "expected", ZONE)[labour_day]
    assert ratio > 2.5


def test_an_unknown_holiday_country_is_a_config_error_with_a_hint():
    with pytest.raises(ConfigError) as info:
        parse_config({
            "site": {"name": "x", "time_zone": "Asia/Shanghai"},
            "horizon": {"start_date": "2026-11-09", "days": 7},
            "queues": [{"id": "voice", "channel": "voice", "aht_seconds": 200,
                        "service_level": 0.8, "answer_within_seconds": 20}],
            "holidays": {"country": "cn "},
        }, source="configs/peak.yaml")
    assert ("configs/peak.yaml: holidays.country must be a country the holidays package knows, "
            "got 'cn '; did you mean 'CN'?") in str(info.value)


def test_another_category_gets_its_own_pooled_effect():
    # Israel: Chol HaMoed (intermediate days, category "optional") at 60 % of a normal day,
    # public holidays at 20 %. Sukkot's intermediate days are new in the history; their level
    # comes from Pesach's, not from the public holidays'.
    zone = "Asia/Jerusalem"
    public = holidays.country_holidays("IL", years=2025)
    optional = holidays.country_holidays("IL", years=2025, categories=("optional",))
    factors = {**{d: 0.6 for d in optional}, **{d: 0.2 for d in public}}
    start = dt.date(2025, 1, 5)
    history = synthetic_history(start, (dt.date(2025, 10, 5) - start).days, time_zone=zone,
                                day_factor=factors, seed=6).drop(columns="expected")
    horizon = Horizon(dt.date(2025, 10, 5), 7, 60, zone)
    truth = daily_totals(synthetic_history(horizon.start_date, 7, time_zone=zone, noise=False,
                                           day_factor=factors), "expected", zone)
    settings = ForecastSettings(model="recent_weeks", backtest_weeks=1)
    config = HolidaysConfig(country="IL", categories=("public", "optional"))
    forecast = daily_totals(build_forecast(history, horizon, holidays=config,
                                           settings=settings).frame, "volume", zone)
    sukkot = [dt.date(2025, 10, 8), dt.date(2025, 10, 9), dt.date(2025, 10, 10)]
    np.testing.assert_allclose(forecast[sukkot], truth[sukkot], rtol=0.1)
    public_only = daily_totals(build_forecast(history, horizon,
                                              holidays=HolidaysConfig(country="IL"),
                                              settings=settings).frame, "volume", zone)
    assert (public_only[sukkot] / truth[sukkot] > 1.4).all()


def test_holiday_categories_are_checked_against_the_country():
    with pytest.raises(ConfigError) as info:
        parse_config({
            "site": {"name": "x", "time_zone": "Asia/Shanghai"},
            "horizon": {"start_date": "2026-11-09", "days": 7},
            "queues": [{"id": "voice", "channel": "voice", "aht_seconds": 200,
                        "service_level": 0.8, "answer_within_seconds": 20}],
            "holidays": {"country": "CN", "categories": ["public", "school"]},
        }, source="configs/peak.yaml")
    assert ("configs/peak.yaml: holidays.categories[1] must be a holiday category of CN "
            "(half_day, public), got 'school'") in str(info.value)
