"""Named events on the day axis: promotions, peak seasons, incidents, anomalies, closures.

An occurrence covers its ramp-up days, its own days and its tail. Each of its days gets a
feature keyed by the event's name, the phase and the position in the phase, so occurrences of
the same name line up across years: ``event:Double 11:before:2`` is two days before the start,
``event:Double 11:during:0`` the first event day, ``event:Double 11:after:1`` the day after the
end. Positions from 7 on share the key ``7+`` (a long peak season is one level, not 30).

``anomaly`` days (and their ramps) are kept out of training; ``closure`` days get no volume.
Every other kind's effect is learned from past occurrences, or comes from the occurrence's
``volume_multiplier`` (ramps step linearly from 1 to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from staffing.config import EventConfig

__all__ = ["EventDays", "event_days", "nearest_key"]

_LONG = 7


@dataclass(frozen=True)
class EventDays:
    """One queue's events on a date axis.

    Attributes
    ----------
    features : feature key -> boolean day mask (learnable event days).
    anomaly : days kept out of training.
    closure : days the center is closed (no volume).
    given : day index -> (log multiplier, occurrence name) from ``volume_multiplier``.
    names : event name of each day that has one (for notes), else ``""``.
    """

    features: dict[str, np.ndarray]
    anomaly: np.ndarray
    closure: np.ndarray
    given: dict[int, float] = field(default_factory=dict)
    names: tuple[str, ...] = ()


def _position(p: int) -> str:
    return str(p) if p < _LONG else f"{_LONG}+"


def event_days(events: Sequence[EventConfig], queue: str, dates: np.ndarray) -> EventDays:
    """Lay the ``events`` that apply to ``queue`` on ``dates`` (``datetime64[D]``)."""
    n = len(dates)
    first = dates[0].astype(object) if n else None
    features: dict[str, np.ndarray] = {}
    anomaly = np.zeros(n, dtype=bool)
    closure = np.zeros(n, dtype=bool)
    given: dict[int, float] = {}
    names = [""] * n
    for event in events:
        if event.queues is not None and queue not in event.queues:
            continue
        start = (event.start_date - first).days
        end = (event.last_date - first).days
        lo = start - event.ramp_days_before
        hi = end + event.ramp_days_after
        if hi < 0 or lo >= n:
            continue
        for i in range(max(lo, 0), min(hi, n - 1) + 1):
            names[i] = names[i] or event.name
            if event.kind == "anomaly":
                anomaly[i] = True
                continue
            if event.kind == "closure":
                closure[i] = True
                continue
            if i < start:
                phase, pos, ramp = "before", start - i, event.ramp_days_before
            elif i > end:
                phase, pos, ramp = "after", i - end, event.ramp_days_after
            else:
                phase, pos, ramp = "during", i - start, 0
            key = f"event:{event.name}:{phase}:{_position(pos)}"
            features.setdefault(key, np.zeros(n, dtype=bool))[i] = True
            if event.volume_multiplier is not None:
                size = math.log(event.volume_multiplier)
                share = 1.0 if phase == "during" else (ramp + 1 - pos) / (ramp + 1)
                given[i] = given.get(i, 0.0) + size * share
    return EventDays(features, anomaly, closure, given, tuple(names))


def nearest_key(key: str, learned: Sequence[str]) -> str | None:
    """The learned key of the same event and phase nearest in position to ``key``."""
    stem, _, pos = key.rpartition(":")
    candidates = [k for k in learned if k.rpartition(":")[0] == stem]
    if not candidates:
        return None

    def number(p: str) -> int:
        return int(p.rstrip("+"))

    target = number(pos)
    return min(candidates, key=lambda k: (abs(number(k.rpartition(":")[2]) - target), k))
