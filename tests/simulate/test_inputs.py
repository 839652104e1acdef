"""simulation_input: frames to arrays, local days across DST, errors that say what to fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.config import parse_config
from staffing.domain import Agent, Skill
from staffing.errors import DataError
from staffing.simulate import simulate, simulation_input

from .conftest import build_case

VOICE = {"id": "voice", "channel": "voice", "service_level": 0.8, "answer_within_seconds": 20}


def test_a_fall_back_day_has_100_intervals_and_one_row_per_local_day():
    # Europe/Berlin falls back on 2026-10-25: 25 hours, 100 intervals of 15 min.
    inp = build_case([VOICE], [("A0", "voice", [(0, 49, "voice")])], days=2,
                     volume={"voice": 2.0}, aht_seconds={"voice": 60.0},
                     time_zone="Europe/Berlin", start_date="2026-10-25")
    assert inp.interval_starts.size == 100 + 96
    assert inp.horizon_seconds == 49 * 3600
    result = simulate(inp, replications=2, processes=1, absence="none")
    days = result.days
    assert list(days["date"]) == [dt.date(2026, 10, 25), dt.date(2026, 10, 26)]
    per_interval = result.intervals.groupby(
        result.intervals["interval_start"].dt.date)["contacts"].sum()
    assert np.allclose(per_interval.to_numpy(), days["contacts"].to_numpy())
    assert days["agents_present"].iloc[0] == pytest.approx(1.0)


def test_shift_absence_probability_is_the_shrinkage_over_the_shift():
    inp = build_case([VOICE], [("A0", "voice", [(8, 10, "voice"), (10, 10.5, "break"),
                                                (10.5, 12, "voice"), (20, 22, "voice")])],
                     volume={"voice": 1.0}, aht_seconds={"voice": 60.0}, shrinkage=0.25)
    assert list(inp.segment_shift) == [0, 0, 0, 1]
    assert list(inp.segment_activity) == [0, -1, 0, 0]
    assert inp.shift_absence_probability == pytest.approx([0.25, 0.25])


def _frames():
    config = parse_config({"site": {"name": "x", "time_zone": "UTC"},
                           "horizon": {"start_date": "2026-03-02", "days": 1},
                           "queues": [VOICE]}, source="<test>")
    starts = config.horizon_.intervals()
    forecast = pd.DataFrame({"queue": "voice", "interval_start": starts, "volume": 1.0,
                             "aht_seconds": 60.0})
    activities = pd.DataFrame({"agent_id": ["A0"], "start": [starts[4]], "end": [starts[8]],
                               "activity": ["voice"]})
    return config, forecast, activities


def test_unknown_activity_is_named():
    config, forecast, activities = _frames()
    activities["activity"] = "coffee"
    with pytest.raises(DataError, match="^activities: activity 'coffee' is neither a queue "
                                        r"\(voice\) nor one of break, lunch$"):
        simulation_input(forecast, activities, [Agent("A0", "a", "full_time",
                                                       (Skill("voice"),))], config)


def test_agent_missing_from_the_agents_is_named():
    config, forecast, activities = _frames()
    with pytest.raises(DataError, match="^activities: agent 'A0' is not among the agents "
                                        "given$"):
        simulation_input(forecast, activities, [], config)


def test_a_queue_with_an_asa_target_only_has_no_service_level():
    queue = {"id": "voice", "channel": "voice", "asa_seconds": 30}
    inp = build_case([queue], [("A0", "voice", [(0, 24, "voice")])],
                     volume={"voice": 5.0}, aht_seconds={"voice": 60.0})
    assert np.isnan(inp.threshold_seconds[0])
    week = simulate(inp, replications=2, processes=1, absence="none").weeks.iloc[0]
    assert np.isnan(week.service_level) and week.asa_seconds >= 0
