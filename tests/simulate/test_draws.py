"""The draws: arrival counts (Poisson or over-dispersed from the band) and handle times."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from staffing.simulate import SimulationOptions
from staffing.simulate.replication import _contacts

from .conftest import build_case

VOICE = {"id": "voice", "channel": "voice", "service_level": 0.8, "answer_within_seconds": 20}


def _counts(inp, options, seeds=200):
    per_interval = []
    for seed in range(seeds):
        arrival, _, _, _ = _contacts(inp, options, np.random.default_rng(seed))
        per_interval.append(np.bincount((arrival // inp.interval_seconds).astype(int),
                                        minlength=inp.interval_starts.size))
    return np.array(per_interval)


def test_poisson_counts_have_the_forecast_mean_and_variance():
    inp = build_case([VOICE], [], volume={"voice": 20.0}, aht_seconds={"voice": 60.0})
    counts = _counts(inp, SimulationOptions(arrivals="poisson"))
    assert counts.mean() == pytest.approx(20.0, rel=0.01)
    assert counts.var() == pytest.approx(20.0, rel=0.05)


def test_overdispersed_counts_spread_as_the_prediction_band():
    inp = build_case([VOICE], [], volume={"voice": 20.0}, aht_seconds={"voice": 60.0})
    # An 80 % band of 20 +- 10 contacts: sd = 10 / 1.2816 = 7.8, variance 60.9 (Poisson: 20).
    inp = dataclasses.replace(inp, volume_lower=inp.volume - 10, volume_upper=inp.volume + 10)
    counts = _counts(inp, SimulationOptions(arrivals="overdispersed"))
    assert counts.mean() == pytest.approx(20.0, rel=0.02)
    assert counts.var() == pytest.approx((10 / 1.2816) ** 2, rel=0.08)


@pytest.mark.parametrize("kind, cv", [("exponential", 1.0), ("lognormal", 0.5)])
def test_handle_time_has_the_interval_aht_and_cv(kind, cv):
    inp = build_case([VOICE], [], volume={"voice": 200.0}, aht_seconds={"voice": 300.0})
    _, _, work, _ = _contacts(inp, SimulationOptions(handle_time=kind, handle_time_cv=cv),
                              np.random.default_rng(0))
    assert work.mean() == pytest.approx(300.0, rel=0.01)
    assert work.std() / work.mean() == pytest.approx(cv, rel=0.03)
