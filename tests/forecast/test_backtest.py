"""Backtest metrics and the model registry, on hand-checkable numbers."""

from __future__ import annotations

import numpy as np
import pytest

from staffing.config import FORECAST_MODELS, ForecastSettings, parse_config
from staffing.errors import ConfigError
from staffing.forecast.backtest import (
    AUTO_MODELS,
    MODELS,
    OriginRun,
    combine,
    components,
    metrics_table,
    with_combinations,
)


def test_metrics_are_wape_mase_and_bias_over_known_intervals():
    actual = np.array([[10.0, 20.0, np.nan, 0.0]])
    run = OriginRun(origin=14, actual=actual, naive_mae=4.0)
    run.forecasts = {"a": np.array([[12.0, 15.0, 99.0, 0.0]]),
                     "b": np.array([[10.0, 20.0, 0.0, 1.0]])}
    table = metrics_table("voice", [run], ["a", "b"], 0.8, "b").set_index("model")
    # a: |2| + |-5| + 0 = 7 over 30; signed -3 over 30; MAE 7/3 over 4.
    assert table.loc["a", "wape"] == pytest.approx(7 / 30)
    assert table.loc["a", "bias"] == pytest.approx(-3 / 30)
    assert table.loc["a", "mase"] == pytest.approx(7 / 3 / 4)
    assert table.loc["b", "wape"] == pytest.approx(1 / 30)
    assert table.loc["b", "bias"] == pytest.approx(1 / 30)
    assert list(table["chosen"]) == [False, True]
    assert (table["origins"] == 1).all()


def test_combinations_are_pairs_of_combinable_models_and_average_them():
    names = with_combinations(["seasonal_naive", "recent_weeks", "mstl"])
    assert names == ["seasonal_naive", "recent_weeks", "mstl", "recent_weeks+mstl"]
    assert components("recent_weeks+mstl") == ("recent_weeks", "mstl")
    np.testing.assert_array_equal(combine([np.array([1.0, 3.0]), np.array([3.0, 5.0])]),
                                  [2.0, 4.0])


def test_the_registry_matches_the_config_names():
    assert [m for m in FORECAST_MODELS if m != "auto"] == list(MODELS)
    assert set(AUTO_MODELS) <= set(MODELS)
    # simplest first: ties in a backtest go to the simpler model
    assert [MODELS[m].min_days for m in MODELS] == sorted(MODELS[m].min_days for m in MODELS)


def test_model_names_are_validated_with_a_hint():
    assert ForecastSettings(model="daily_sarimax+recent_weeks").model == (
        "daily_sarimax+recent_weeks")
    with pytest.raises(ConfigError) as info:
        parse_config({
            "site": {"name": "x", "time_zone": "Asia/Shanghai"},
            "horizon": {"start_date": "2026-11-09", "days": 7},
            "queues": [{"id": "voice", "channel": "voice", "aht_seconds": 200,
                        "service_level": 0.8, "answer_within_seconds": 20}],
            "forecast": {"model": "daily_sarima"},
        }, source="configs/x.yaml")
    assert ("configs/x.yaml: forecast.model must be auto, a model (recent_days, seasonal_naive, "
            "recent_weeks, daily_ets, mstl, daily_sarimax) or two models joined by '+' (e.g. "
            "daily_sarimax+recent_weeks), got 'daily_sarima'; did you mean 'daily_sarimax'?"
            ) in str(info.value)
