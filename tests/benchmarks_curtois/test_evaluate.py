"""The independent evaluator on a roster worked out by hand (every hard rule broken once, the
objective's parts counted by hand), on all days off, and on a roster of the wrong shape."""

from __future__ import annotations

import pytest
from tests.benchmarks_curtois.curtois_helpers import HAND_ROSTER

from benchmarks.curtois.evaluate import evaluate


def test_evaluator_on_a_hand_checked_roster(tiny):
    ev = evaluate(tiny, HAND_ROSTER)
    assert sorted(ev.violations) == sorted([
        "A day 3: works E on a fixed day off",
        "A days 0-1: E cannot follow L",
        "A: 7 shifts E, max 3",                                  # days 1 3 5 6 7 8 12
        "A: 4320 min worked, max 3000",                          # 9 shifts x 480
        "A days 2-2: 1 consecutive days off, min 2",
        "A days 3-3: 1 consecutive shifts, min 2",
        "A days 4-4: 1 consecutive days off, min 2",
        "A days 5-8: 4 consecutive shifts, max 3",
        "A: 2 weekends worked, max 1",                           # days 5-6 and 12-13
        "B: 0 min worked, min 960",
    ])  # runs touching day 0 (0-1) or day 13 (12-13) are exempt from the minimums
    assert ev.breakdown == {
        "shift_on_requests": 3 + 4,       # A works L on day 0 (wanted E); B off on day 5
        "shift_off_requests": 5,          # A works L on day 13
        "cover_under": 10 + 10,           # day 0 E: 0 of 1; day 5 E: 1 of 2
        "cover_over": 7,                  # day 1 E: 1 of 0
    }
    assert ev.objective == 39
    assert not ev.feasible


def test_evaluator_all_days_off_on_instance1(instance1):
    ev = evaluate(instance1, [(None,) * 14] * 8)
    # Every on-request missed (A 2+2, B 5x3, C 5x1, D 2+2, F 2+2, H 5x1 = 37), every cover row
    # short (71 employees x 100), no off-request met by working.
    assert ev.breakdown == {"shift_on_requests": 37, "shift_off_requests": 0,
                            "cover_under": 7100, "cover_over": 0}
    assert ev.violations == tuple(f"{s}: 0 min worked, min 3360" for s in "ABCDEFGH")


def test_evaluator_rejects_a_roster_of_the_wrong_shape(instance1):
    with pytest.raises(ValueError, match="roster has 7 rows, the instance 8 staff"):
        evaluate(instance1, [(None,) * 14] * 7)
