"""Stage 2 — from forecast to required agents per queue and interval, and back.

:func:`build_requirements` turns a forecast frame into the requirements format; and
:func:`expected_performance` gives, for agents actually scheduled, the service level, ASA,
abandonment and occupancy to expect (the coverage report uses it).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from staffing.config import QueueConfig

__all__ = ["build_requirements", "expected_performance"]


def build_requirements(
    forecast: pd.DataFrame,
    queues: Sequence[QueueConfig],
    *,
    interval_minutes: int,
    shrinkage: float = 0.30,
    max_occupancy: float = 0.85,
) -> pd.DataFrame:
    """Required agents per queue and interval (requirements format of ``docs/formats.md``).

    Parameters
    ----------
    forecast : forecast format. [contacts per interval, s]
    queues : queue configs (channel, service target, concurrency, per-queue overrides).
    interval_minutes : interval length of the forecast. [min]
    shrinkage : fraction of paid time not available for contacts (absence, meetings,
        training; breaks and lunches are placed by the roster). [fraction]
    max_occupancy : cap on the fraction of time an agent is busy. [fraction]
    """
    raise NotImplementedError("built by the staffing-maths issue")


def expected_performance(
    requirements: pd.DataFrame,
    scheduled: pd.DataFrame,
    queues: Sequence[QueueConfig],
    *,
    interval_minutes: int,
    shrinkage: float = 0.30,
) -> pd.DataFrame:
    """Service level, ASA, abandonment and occupancy expected from agents scheduled.

    ``scheduled`` has ``queue, interval_start, scheduled`` (agents at their desk on the queue,
    before shrinkage). Returns those keys with ``service_level, asa_seconds, abandon_rate,
    occupancy``.
    """
    raise NotImplementedError("built by the staffing-maths issue")
