"""Validation of the shift-rule keys the solver added (messages asserted verbatim)."""

from __future__ import annotations

import pytest
import yaml

from staffing.config import parse_config
from staffing.errors import ConfigError
from tests.conftest import MINIMAL_SCENARIO


BASE = yaml.safe_load(MINIMAL_SCENARIO)


def lunch(earliest, latest, **kw):
    return {"activity": "lunch", "duration_minutes": 30, "earliest_after_start_minutes": earliest,
            "latest_after_start_minutes": latest, **kw}


def test_break_windows_must_not_overlap():
    breaks = [{"activity": "break", "duration_minutes": 15, "earliest_after_start_minutes": 60,
               "latest_after_start_minutes": 150}, lunch(120, 200)]
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, "shift_rules": {"breaks": breaks}}, source="configs/x.yaml")
    assert str(err.value) == (
        "configs/x.yaml: shift_rules.breaks[1] window (120-230 min after the shift start, "
        "duration included) overlaps the window of breaks[0] (60-165 min); shifts taking both "
        "need disjoint windows: move earliest/latest_after_start_minutes apart")


def test_break_must_fit_the_shortest_shift_taking_it():
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, "shift_rules": {"breaks": [lunch(180, 300)]}},
                     source="configs/x.yaml")
    assert str(err.value) == (
        "configs/x.yaml: shift_rules.breaks[0] latest_after_start_minutes + duration_minutes "
        "(330 min) must fit in the shortest shift taking this break (240 min, contract "
        "'part_time'); raise breaks[].min_shift_minutes or move the window earlier")


def test_new_solver_keys_parse():
    config = parse_config({**BASE, "shift_rules": {"late_end": "22:00"},
                           "solver": {"deterministic": True,
                                      "weights": {"understaffing_growth": 0,
                                                  "skill_priority": 2}}},
                          source="configs/x.yaml")
    assert config.solver.deterministic is True
    assert config.solver.weights.understaffing_growth == 0
    assert config.shift_rules.late_end.hour == 22
