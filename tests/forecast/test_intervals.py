"""Prediction intervals: the error model is recovered and the bands cover what they promise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from staffing.forecast.intervals import (
    Spread,
    bands,
    default_spread,
    fit_spread,
    holdout_coverage,
)


def overdispersed(rng, f: np.ndarray, phi: float) -> np.ndarray:
    """Counts with mean ``f`` and variance ``f + phi * f**2`` (Poisson with a gamma level)."""
    level = rng.gamma(1 / phi, phi, size=f.shape)
    return rng.poisson(f * level).astype(float)


def test_fit_spread_recovers_the_planted_variance_model():
    rng = np.random.default_rng(1)
    f = rng.uniform(2, 300, size=(40, 96))
    y = overdispersed(rng, f, phi=0.01)
    spread = fit_spread([f], [y], 0.8)
    assert spread.a == pytest.approx(1.0, abs=0.15)
    assert spread.phi == pytest.approx(0.01, rel=0.15)
    assert spread.z_lower < 0 < spread.z_upper


@pytest.mark.parametrize("coverage", [0.8, 0.9])
def test_bands_cover_fresh_data_at_the_nominal_rate(coverage):
    rng = np.random.default_rng(2)
    f = rng.uniform(1, 200, size=(30, 96))
    spread = fit_spread([f], [overdispersed(rng, f, 0.02)], coverage)
    fresh = overdispersed(rng, f, 0.02)
    lower, upper = bands(f, spread)
    inside = ((fresh >= lower) & (fresh <= upper)).mean()
    assert inside == pytest.approx(coverage, abs=0.02)


def test_holdout_coverage_is_out_of_sample_and_near_nominal():
    rng = np.random.default_rng(3)
    forecasts = [rng.uniform(5, 100, size=(7, 24)) for _ in range(4)]
    actuals = [overdispersed(rng, f, 0.01) for f in forecasts]
    assert holdout_coverage(forecasts, actuals, 0.8) == pytest.approx(0.8, abs=0.05)
    # Closed intervals (forecast and actual 0) do not count: they would inflate coverage.
    closed = [np.hstack([f, np.zeros((7, 24))]) for f in forecasts]
    actual_closed = [np.hstack([y, np.zeros((7, 24))]) for y in actuals]
    assert holdout_coverage(closed, actual_closed, 0.8) == pytest.approx(
        holdout_coverage(forecasts, actuals, 0.8), abs=0.02)


def test_too_few_points_use_the_default_spread():
    assert fit_spread([np.ones(5)], [np.ones(5)], 0.8) == default_spread(0.8)
    spread = default_spread(0.8)
    assert spread.z_upper == pytest.approx(1.2815515655, rel=1e-9)
    assert spread.z_lower == -spread.z_upper


@settings(max_examples=60, deadline=None)
@given(
    forecast=arrays(np.float64, 20, elements=st.floats(0, 1e4)),
    a=st.floats(0, 10), phi=st.floats(0, 1),
    z_lower=st.floats(-5, 0), z_upper=st.floats(0, 5),
)
def test_bands_are_ordered_and_never_negative(forecast, a, phi, z_lower, z_upper):
    lower, upper = bands(forecast, Spread(a, phi, z_lower, z_upper))
    assert (lower >= 0).all()
    assert (lower <= forecast + 1e-9).all()
    assert (forecast <= upper + 1e-9).all()
