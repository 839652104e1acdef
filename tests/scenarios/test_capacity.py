"""Which daily targets a plan misses (the capacity search's verdict), on hand-made summaries."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import yaml

from staffing.config import parse_config
from staffing.io import Scenario
from staffing.scenarios.capacity import misses
from tests.conftest import MINIMAL_SCENARIO

D = dt.date(2026, 10, 19)


def scenario() -> Scenario:
    data = yaml.safe_load(MINIMAL_SCENARIO)
    data["queues"][0]["asa_seconds"] = 30
    data["queues"].append({"id": "email", "channel": "email", "response_within_hours": 24})
    return Scenario(parse_config(data, source="s.yaml", base_dir="."))


def row(queue, sl, asa=10.0, volume=100.0, day=D):
    return {"queue": queue, "date": day, "volume": volume, "service_level": sl,
            "asa_seconds": asa, "abandon_rate": float("nan")}


def test_each_target_missed_is_named():
    summary = pd.DataFrame([
        row("voice", 0.79),                       # below 80 %
        row("voice", 0.85, asa=31.0, day=D + dt.timedelta(days=1)),   # ASA above 30 s
        row("chat", 0.80),                        # exactly on target: met
        row("chat", 0.10, volume=0.0, day=D + dt.timedelta(days=1)),  # no contacts: no verdict
        row("email", 0.985),                      # below 99 % on time
        row("email", float("nan"), day=D + dt.timedelta(days=1)),     # due after the horizon
    ])
    assert misses(summary, scenario()) == (
        "voice on 2026-10-19: service level 79.0% < 80%",
        "voice on 2026-10-20: ASA 31 s > 30 s",
        "email on 2026-10-19: 98.5% answered within 24 h < 99%",
    )


def test_nothing_missed():
    summary = pd.DataFrame([row("voice", 0.9), row("chat", 0.81), row("email", 1.0)])
    assert misses(summary, scenario()) == ()
