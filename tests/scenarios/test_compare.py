"""Compare: cost and overtime of a roster, and the side-by-side tables, on hand-made outcomes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing.config import DEFAULT_CONTRACTS
from staffing.domain import Agent, Skill
from staffing.scenarios.compare import Comparison, Outcome
from staffing.summary import DAY_METRICS, QUEUE_METRICS, roster_cost_by_day

TZ = "Asia/Shanghai"
D1, D2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)


def shift(agent: str, day: dt.date, start_hour: int, paid_minutes: int) -> dict:
    start = pd.Timestamp(day).tz_localize(TZ) + pd.Timedelta(hours=start_hour)
    return {"agent_id": agent, "date": day, "shift_start": start,
            "shift_end": start + pd.Timedelta(minutes=paid_minutes), "paid_minutes": paid_minutes}


def test_cost_and_overtime_by_day():
    agents = [Agent("A", "A", "full_time", (Skill("voice"),)),
              Agent("B", "B", "part_time", (Skill("chat"),), max_hours_per_week=14,
                    hourly_cost=30.0)]
    roster = pd.DataFrame([shift("A", D1, 8, 480), shift("A", D2, 8, 480),
                           shift("B", D1, 9, 240), shift("B", D2, 9, 300)])
    # Horizon of 7 days: A's cap is 40 h (no overtime); B's own cap 14 h is not reached either.
    out = roster_cost_by_day(roster, agents, DEFAULT_CONTRACTS, days=7)
    assert list(out.columns) == ["date", *DAY_METRICS]
    assert out["paid_hours"].tolist() == [12.0, 13.0]
    rate_a = DEFAULT_CONTRACTS["full_time"].hourly_cost
    assert out["cost"].tolist() == pytest.approx([8 * rate_a + 4 * 30, 8 * rate_a + 5 * 30])
    assert out["overtime_hours"].tolist() == [0.0, 0.0]
    # Over a 2-day horizon B's cap is 14 x 2/7 = 4 h: 5 h of overtime, all on the later day.
    out = roster_cost_by_day(roster, agents, DEFAULT_CONTRACTS, days=2)
    cap_a = DEFAULT_CONTRACTS["full_time"].max_hours_per_week * 2 / 7
    over_a = max(0.0, 16 - cap_a)
    assert out["overtime_hours"].tolist() == pytest.approx(
        [max(0.0, 8 - cap_a), over_a - max(0.0, 8 - cap_a) + 5.0])


def outcome(name: str, volume: float, sl: float, cost: float,
            simulated: float | None = None) -> Outcome:
    rows = []
    for queue in ("voice", "chat"):
        for day in (D1, D2):
            rows.append({"queue": queue, "date": day, "volume": volume,
                         "required_agent_hours": 10.0, "scheduled_agent_hours": 9.0,
                         "service_level": sl, "asa_seconds": 12.0, "abandon_rate": 0.02,
                         "understaffed_intervals": 3,
                         **({} if simulated is None else {"simulated_service_level": simulated})})
    per_day = pd.DataFrame({"date": [D1, D2], "paid_hours": [100.0, 110.0],
                            "overtime_hours": [0.0, 2.0], "cost": [cost, cost]})
    return Outcome(name, "OPTIMAL", pd.DataFrame(rows), per_day, 1.0)


def test_side_by_side_table():
    comparison = Comparison((outcome("base", 100, 0.8, 2500), outcome("plus40", 140, 0.6, 2600)))
    table = comparison.table()
    assert list(table.columns) == ["queue", "date", "metric", "base", "plus40"]
    # Neither was simulated: no simulated rows.
    assert len(table) == 2 * 2 * (len(QUEUE_METRICS) - 1) + 2 * len(DAY_METRICS)
    assert "simulated_service_level" not in set(table["metric"])
    volume = table[(table["queue"] == "voice") & (table["date"] == D1)
                   & (table["metric"] == "volume")]
    assert volume[["base", "plus40"]].to_numpy().tolist() == [[100, 140]]
    assert table["queue"].iloc[-1] == "all"          # day metrics come last
    totals = comparison.totals()
    cost = totals[(totals["queue"] == "all") & (totals["metric"] == "cost")]
    assert cost[["base", "plus40"]].to_numpy().tolist() == [[5000, 5200]]
    text = comparison.totals_text()
    assert "plus40" in text and "60.0%" in text and "5,200.0" in text


def test_service_level_totals_are_volume_weighted():
    a = outcome("a", 100, 0.8, 1)
    frame = a.per_queue_day.copy()
    frame.loc[0, ["volume", "service_level"]] = [300, 0.4]    # voice day 1: heavy and bad
    frame.loc[1, "service_level"] = np.nan                      # voice day 2: no estimate
    totals = Comparison((Outcome("a", "OPTIMAL", frame, a.per_day, 1.0),)).totals()
    sl = totals[(totals["queue"] == "voice") & (totals["metric"] == "service_level")]["a"]
    assert sl.item() == pytest.approx(0.4)


def test_metric_formatting():
    from staffing.summary import format_metric

    assert format_metric("asa_seconds", float("inf")) == "∞"
    assert format_metric("abandon_rate", float("nan")) == "n/a"
    assert format_metric("service_level", 0.8123) == "81.2%"
    assert format_metric("cost", 130782.0) == "130,782.0"


def test_the_simulated_service_level_stands_beside_the_formulas():
    comparison = Comparison((outcome("base", 100, 0.9, 2500, simulated=0.85),
                             outcome("plus40", 140, 0.7, 2600)))
    table = comparison.table()
    assert len(table) == 2 * 2 * len(QUEUE_METRICS) + 2 * len(DAY_METRICS)
    rows = table[(table["queue"] == "voice") & (table["date"] == D1)]
    assert rows["metric"].tolist()[3:5] == ["service_level", "simulated_service_level"]
    simulated = rows[rows["metric"] == "simulated_service_level"]
    assert simulated["base"].tolist() == [0.85]
    assert simulated["plus40"].isna().all()
    totals = comparison.totals()
    voice = totals[(totals["queue"] == "voice") & (totals["metric"] == "simulated_service_level")]
    assert voice["base"].tolist() == pytest.approx([0.85])
    assert "simulated_service_level  85.0%" in " ".join(comparison.totals_text().split("  "))
