"""Small scenarios for the simulation tests, built in memory (nothing simulated at import)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.config import parse_config
from staffing.domain import Agent, Skill
from staffing.simulate import simulation_input


def build_case(queues, agents, *, volume, aht_seconds, days=1, interval_minutes=15,
               shrinkage=0.0, time_zone="UTC", start_date="2026-03-02"):
    """A SimulationInput for a synthetic case.

    queues : queue configs (dicts as in a scenario file).
    agents : ``[(agent_id, "chat:1;voice:2", [(start_hour, end_hour, activity), ...])]``,
        hours from the horizon's start (may exceed 24).
    volume, aht_seconds : per queue id, a number (every interval) or an array per interval.
    """
    config = parse_config({
        "site": {"name": "Sim", "time_zone": time_zone},
        "horizon": {"start_date": start_date, "days": days},
        "interval_minutes": interval_minutes,
        "queues": list(queues),
        "shrinkage": shrinkage,
    }, source="<test>")
    intervals = config.horizon_.intervals()
    rows = []
    for q in config.queues:
        vol = np.broadcast_to(np.asarray(volume[q.id], float), intervals.shape)
        aht = np.broadcast_to(np.asarray(aht_seconds[q.id], float), intervals.shape)
        rows.append(pd.DataFrame({"queue": q.id, "interval_start": intervals, "volume": vol,
                                  "volume_lower": vol, "volume_upper": vol,
                                  "aht_seconds": aht}))
    forecast = pd.concat(rows, ignore_index=True)
    origin = intervals[0]
    people, blocks = [], []
    for agent_id, skills, segments in agents:
        parsed = []
        for item in skills.split(";"):
            queue, _, priority = item.partition(":")
            parsed.append(Skill(queue, int(priority or 1)))
        people.append(Agent(agent_id, agent_id, "full_time", tuple(parsed)))
        for start_h, end_h, activity in segments:
            blocks.append({"agent_id": agent_id,
                           "start": origin + pd.Timedelta(hours=start_h),
                           "end": origin + pd.Timedelta(hours=end_h),
                           "activity": activity})
    activities = pd.DataFrame(blocks, columns=["agent_id", "start", "end", "activity"])
    return simulation_input(forecast, activities, people, config)


def steady_voice(agents=8, *, volume=100.0, aht=60.0, hours=24, patience=None):
    """One voice queue, constant arrivals, ``agents`` agents all the time."""
    queue = {"id": "voice", "channel": "voice", "service_level": 0.8,
             "answer_within_seconds": 20}
    if patience is not None:
        queue["patience_seconds"] = patience
    return build_case([queue], [(f"A{i}", "voice", [(0, hours, "voice")])
                                for i in range(agents)],
                      volume={"voice": volume}, aht_seconds={"voice": aht},
                      days=max(1, int(np.ceil(hours / 24))))


@pytest.fixture
def case():
    return build_case
