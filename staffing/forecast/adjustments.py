"""What-if adjustments of the forecast stage (a scenario's ``adjustments:``): events moved or
added before forecasting, volume and AHT changed after. Pure functions returning changed copies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.config import Adjustments, EventConfig, ScenarioConfig

__all__ = ["adjust_forecast", "effective_events"]


def effective_events(config: ScenarioConfig) -> tuple[EventConfig, ...]:
    """The scenario's events with ``move_events`` applied and ``add_events`` appended.

    A moved occurrence keeps its length and ramps; only its dates shift.
    """
    events = list(config.events)
    for move in config.adjustments.move_events:
        for i, event in enumerate(events):
            if event.name == move.name and event.start_date.year == move.year:
                shift = move.start_date - event.start_date
                events[i] = event.model_copy(update={
                    "start_date": move.start_date,
                    "end_date": None if event.end_date is None else event.end_date + shift,
                })
    return (*events, *config.adjustments.add_events)


def _selected(frame: pd.DataFrame, change, dates: np.ndarray) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    if change.queues is not None:
        mask &= frame["queue"].isin(change.queues).to_numpy()
    if change.start_date is not None:
        mask &= dates >= change.start_date
    if change.end_date is not None:
        mask &= dates <= change.end_date
    return mask


def adjust_forecast(frame: pd.DataFrame, adjustments: Adjustments) -> pd.DataFrame:
    """The forecast with ``adjustments.volume`` and ``adjustments.aht`` applied.

    Volume changes multiply ``volume`` and its interval bounds; AHT changes give
    ``aht_seconds * multiplier + add_seconds`` (never below 1 s). Changes stack in order.
    Dates are the local dates of ``interval_start``.
    """
    if not adjustments.volume and not adjustments.aht:
        return frame
    out = frame.copy()
    dates = np.array([t.date() for t in out["interval_start"]])
    for change in adjustments.volume:
        mask = _selected(out, change, dates)
        for column in ("volume", "volume_lower", "volume_upper"):
            if column in out.columns:
                out.loc[mask, column] = out.loc[mask, column] * change.multiplier
    for change in adjustments.aht:
        mask = _selected(out, change, dates)
        aht = out.loc[mask, "aht_seconds"] * change.multiplier + change.add_seconds
        out.loc[mask, "aht_seconds"] = aht.clip(lower=1.0)
    return out
