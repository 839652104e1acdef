"""Shared test fixtures: paths and small scenario builders (nothing is solved at import)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import staffing
from staffing.forecast import ForecastResult
from staffing.plan import PlanResult
from staffing.solver import RosterResult
from staffing.summary import daily_summary

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path (dedented) and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


MINIMAL_SCENARIO = """
site: {name: Test Desk, time_zone: Europe/Berlin}
horizon: {start_date: 2026-10-19, days: 7}
interval_minutes: 15
queues:
  - {id: voice, channel: voice, service_level: 0.8, answer_within_seconds: 20}
  - {id: chat, channel: chat, service_level: 0.8, answer_within_seconds: 30, concurrency: 2}
"""


# A hand-made PlanResult on the small fixture's scenario: reports are tested without solving.
@pytest.fixture(scope="session")
def fake_plan() -> PlanResult:
    scenario = staffing.load_scenario(FIXTURES / "small" / "scenario.yaml")
    config = scenario.config
    intervals = config.horizon_.intervals()
    queues = [q.id for q in config.queues]
    hour = np.array([t.hour for t in intervals])
    open_ = (hour >= 9) & (hour < 18)
    rows = []
    for k, queue in enumerate(queues):
        volume = np.where(open_, 20 + 10 * np.sin((hour - 9) / 9 * np.pi) * (k + 1), 0.0)
        rows.append(pd.DataFrame({
            "queue": queue, "interval_start": intervals, "volume": volume,
            "volume_lower": volume * 0.8, "volume_upper": volume * 1.2, "aht_seconds": 300.0}))
    forecast = pd.concat(rows, ignore_index=True)
    required = np.ceil(forecast["volume"] / 6).astype(int)
    requirements = forecast.assign(
        traffic_erlangs=forecast["volume"] * 300 / 3600, agents_required=required,
        agents_required_with_shrinkage=required, service_level=0.8, asa_seconds=15.0,
        occupancy=0.8)
    agents = [a.agent_id for a in scenario.agents][:4]
    shifts, activities = [], []
    for i, agent in enumerate(agents):
        queue = queues[i % 2]
        for day in config.horizon_.dates():
            start = pd.Timestamp(day).tz_localize(config.site.time_zone) + pd.Timedelta(hours=9)
            end = start + pd.Timedelta(hours=9)
            lunch = start + pd.Timedelta(hours=4)
            shifts.append({"agent_id": agent, "date": day, "shift_start": start,
                           "shift_end": end, "paid_minutes": 480})
            activities += [
                {"agent_id": agent, "start": start, "end": lunch, "activity": queue},
                {"agent_id": agent, "start": lunch, "end": lunch + pd.Timedelta(hours=1),
                 "activity": "lunch"},
                {"agent_id": agent, "start": lunch + pd.Timedelta(hours=1), "end": end,
                 "activity": queue}]
    roster_frame = pd.DataFrame(shifts)
    activities = pd.DataFrame(activities)
    scheduled = []
    for row in forecast.itertuples():
        on = activities[(activities["activity"] == row.queue)
                        & (activities["start"] <= row.interval_start)
                        & (activities["end"] > row.interval_start)]
        scheduled.append(len(on))
    coverage = pd.DataFrame({"queue": forecast["queue"],
                             "interval_start": forecast["interval_start"],
                             "required": required, "scheduled": scheduled})
    coverage["gap"] = coverage["scheduled"] - coverage["required"]
    coverage["service_level"] = np.where(coverage["gap"] >= 0, 0.85, 0.4)
    coverage["asa_seconds"] = np.where(coverage["gap"] >= 0, 10.0, 90.0)
    coverage["abandon_rate"] = np.where(coverage["gap"] >= 0, 0.01, 0.1)
    agent_summary = pd.DataFrame({"agent_id": agents, "name": agents,
                                  "contract": ["full_time", "full_time", "part_time",
                                               "part_time"],
                                  "shifts": 3, "paid_hours": [24.0, 24.0, 24.0, 24.0]})
    violations = pd.DataFrame({"rule": ["preferred_day_off"], "agent_id": [agents[0]],
                               "date": [config.horizon_.dates()[1]], "penalty": [10.0]})
    roster = RosterResult("FEASIBLE", roster_frame, activities, coverage[
        ["queue", "interval_start", "required", "scheduled", "gap"]], agent_summary,
        objective=1234.0, bound=1200.0, gap=(1234 - 1200) / 1234, violations=violations,
        wall_seconds=1.0)
    summary = daily_summary(requirements, coverage, config.interval_minutes)
    return PlanResult(scenario, ForecastResult(forecast, {q: "test" for q in queues}),
                      requirements, roster, coverage, summary, {"roster": 1.0})
