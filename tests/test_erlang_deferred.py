"""Deferred work (email): deadlines always met, smoothest schedule, backlog accounting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.erlang.deferred import (
    _corridor,
    deferred_performance,
    deferred_required_agents,
    taut_string,
)
from staffing.errors import ConfigError

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def message_completions(arrivals, works, agents, step, occupancy):
    """FIFO fluid, continuous time, message by message (an independent simulation).

    Each message starts when it arrives or when the one before it is finished, and its work
    is done at the team's rate ``agents_j x occupancy`` of the interval it runs in.
    """
    cum_cap = np.concatenate([[0.0], np.cumsum(agents * step * occupancy)])
    horizon = agents.size * step

    def capacity_at(t):  # cumulative capacity by time t (0 after the horizon)
        t = min(t, horizon)
        j = min(int(t // step), agents.size - 1)
        return cum_cap[j] + (t - j * step) * agents[j] * occupancy

    def time_for(level):  # first time the cumulative capacity reaches level
        if level > cum_cap[-1] + 1e-9:
            return np.inf
        j = int(np.searchsorted(cum_cap, level - 1e-12, side="left"))
        j = max(j - 1, 0)
        rate = agents[j] * step * occupancy
        while rate == 0 or cum_cap[j + 1] < level - 1e-9:
            j += 1
            rate = agents[j] * step * occupancy
        return j * step + (level - cum_cap[j]) / rate * step

    finish = np.empty(len(arrivals))
    free = 0.0
    for m, (arrive, work) in enumerate(zip(arrivals, works, strict=True)):
        start = max(arrive, free)
        free = time_for(capacity_at(start) + work)
        finish[m] = free
    return finish


@SETTINGS
@given(
    volumes=st.lists(st.integers(0, 12), min_size=4, max_size=48),
    aht=st.floats(60, 1200),
    target_intervals=st.integers(2, 12),
    occupancy=st.floats(0.5, 1.0),
    seed=st.integers(0, 10_000),
)
def test_every_message_answered_within_target(volumes, aht, target_intervals, occupancy, seed):
    volume = np.array(volumes, dtype=float)
    step = 900.0
    target_hours = target_intervals * step / 3600
    plan = deferred_required_agents(volume, aht, interval_minutes=15,
                                    response_within_hours=target_hours,
                                    max_occupancy=occupancy)
    assert np.all(plan.agents == np.round(plan.agents)) and np.all(plan.agents >= 0)
    rng = np.random.default_rng(seed)
    arrivals = np.sort(np.concatenate([
        i * step + np.sort(rng.uniform(0, step, int(v))) for i, v in enumerate(volume)]))
    cohort = (arrivals // step).astype(int)
    finish = message_completions(arrivals, np.full(arrivals.size, aht), plan.agents, step,
                                 occupancy)
    due_in_horizon = cohort + target_intervals <= volume.size
    late = finish[due_in_horizon] - (arrivals[due_in_horizon] + target_hours * 3600)
    assert np.all(late <= 1e-6), late.max()
    assert np.all(plan.on_time[~np.isnan(plan.on_time)] == 1.0)


@SETTINGS
@given(
    work=st.lists(st.floats(0, 50), min_size=2, max_size=30),
    d=st.integers(2, 8),
    backlog=st.floats(0, 30),
)
def test_taut_string_has_the_smallest_possible_peak(work, d, backlog):
    lower, upper, _ = _corridor(np.array(work), d, backlog)
    path = taut_string(lower, upper, lower[-1])
    assert np.all(path >= lower - 1e-9) and np.all(path <= upper + 1e-9)
    # Any feasible path has a rate of at least (lower[j] - upper[i]) / (j - i) somewhere.
    best = max(((lower[j] - upper[i]) / (j - i) for j in range(1, len(lower))
                for i in range(j)), default=0.0)
    assert np.diff(path).max() == pytest.approx(max(best, 0.0), abs=1e-9)


def test_steady_email_is_staffed_steadily():
    # 10 messages of 8 min per 15-min interval = 80/15 = 5.33 agents at full occupancy.
    plan = deferred_required_agents(np.full(96, 10.0), 480, interval_minutes=15,
                                    response_within_hours=4)
    assert set(plan.agents[1:]) <= {5.0, 6.0}
    assert plan.agents[1:].mean() == pytest.approx(16 / 3, rel=0.01)
    # Doing only what is due within the day leaves the last hours to the next day.
    lazy = deferred_required_agents(np.full(96, 10.0), 480, interval_minutes=15,
                                    response_within_hours=4, boundary="horizon")
    assert lazy.agents.sum() < plan.agents.sum()
    assert lazy.backlog[-1] > plan.backlog[-1]


def test_a_morning_peak_is_spread_over_the_target():
    volume = np.zeros(48)
    volume[0:4] = 60.0           # 240 messages of 6 min in the first hour: 1,440 agent-min
    plan = deferred_required_agents(volume, 360, interval_minutes=15, response_within_hours=8,
                                    boundary="horizon")
    # The last hour's 360 agent-min are due 8.5 h after the first interval's start:
    # 1,440 agent-min over 34 intervals of 15 min is 2.8 agents (answering at once: 24).
    assert plan.agents.max() == 3
    assert plan.agents.sum() * 15 >= 240 * 6
    assert np.nanmin(plan.on_time) == 1.0
    assert plan.backlog[-1] == pytest.approx(0.0, abs=1e-9)


def test_backlog_is_arrivals_minus_answers():
    volume = np.array([20, 0, 5, 30, 0, 0, 10, 0, 0, 0], dtype=float)
    plan = deferred_performance(volume, 300, np.array([1, 1, 2, 0, 3, 3, 1, 1, 1, 1.5]),
                                interval_minutes=30, response_within_hours=3)
    np.testing.assert_allclose(plan.backlog, np.cumsum(volume) - np.cumsum(plan.answered))
    assert plan.answered[0] == 0.0             # nothing is available before interval 1
    assert plan.backlog[-1] >= 0.0
    assert np.all(plan.occupancy[plan.agents > 0] <= 1.0 + 1e-12)


def test_understaffing_shows_as_late_messages():
    volume = np.full(24, 10.0)
    plan = deferred_performance(volume, 600, np.full(24, 3.0), interval_minutes=30,
                                response_within_hours=2)
    # 3 agents give 5,400 agent-seconds per interval against 6,000 arriving: falls behind.
    assert np.nanmin(plan.on_time) < 1.0
    assert plan.backlog[-1] > plan.backlog[5]


def test_target_shorter_than_two_intervals_is_refused():
    with pytest.raises(ConfigError) as err:
        deferred_required_agents([1, 2], 300, interval_minutes=60, response_within_hours=1)
    assert str(err.value) == (
        "response_within_hours must be at least two intervals (2 h at 60-min intervals) for "
        "deferred work, got 1; give the queue a service_level or asa_seconds target instead")
