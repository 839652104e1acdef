"""Metrics of a plan: per queue and interval, per queue and day, per day; and how planners
read them (:func:`format_metric`).

Pure functions over the frames the stages produce (requirements, coverage, roster); the
orchestrator (:mod:`staffing.plan`), the reports and the scenario comparison all read their
figures from here, so a figure means the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from staffing.config import ContractConfig, ScenarioConfig
from staffing.domain import Agent
from staffing.requirements import expected_performance

__all__ = [
    "DAY_METRICS", "QUEUE_METRICS", "SIMULATED_COLUMNS", "SUMMARY_COLUMNS", "coverage_report",
    "daily_summary", "format_metric", "roster_cost_by_day", "service_level_by_queue",
    "simulated_service_level_by_queue", "with_simulated",
]

#: Columns of ``summary.csv`` (per queue and day).
SUMMARY_COLUMNS = (
    "queue", "date", "volume", "required_agent_hours", "scheduled_agent_hours",
    "service_level", "asa_seconds", "abandon_rate", "understaffed_intervals",
)
#: Per queue and day, in the order shown.
QUEUE_METRICS = ("volume", "required_agent_hours", "scheduled_agent_hours", "service_level",
                 "simulated_service_level", "asa_seconds", "abandon_rate",
                 "understaffed_intervals")
#: Per day over all queues.
DAY_METRICS = ("paid_hours", "overtime_hours", "cost")


def coverage_report(requirements: pd.DataFrame, coverage: pd.DataFrame,
                    config: ScenarioConfig) -> pd.DataFrame:
    """The solver's coverage with the service to expect from the agents it scheduled."""
    if coverage.empty:
        return coverage
    performance = expected_performance(
        requirements, coverage[["queue", "interval_start", "scheduled"]], config.queues,
        interval_minutes=config.interval_minutes, shrinkage=config.shrinkage,
        max_occupancy=config.max_occupancy, shrinkage_windows=config.shrinkage_windows,
    )
    keep = [c for c in performance.columns if c not in ("scheduled",)]
    return coverage.merge(performance[keep], on=["queue", "interval_start"], how="left")


def daily_summary(requirements: pd.DataFrame, coverage: pd.DataFrame,
                  interval_minutes: int) -> pd.DataFrame:
    """Per queue and local day: volume, required and scheduled agent-hours, expected service
    level, ASA and abandonment (weighted by volume over the intervals where they are defined:
    an email whose response deadline falls after the horizon has no on-time verdict yet) and
    the number of understaffed intervals."""
    hours = interval_minutes / 60
    req = requirements[["queue", "interval_start", "volume", "agents_required_with_shrinkage"]]
    frame = req.merge(coverage, on=["queue", "interval_start"], how="left")
    frame["date"] = [t.date() for t in frame["interval_start"]]
    frame["scheduled"] = frame["scheduled"].fillna(0)
    frame["gap"] = frame["gap"].fillna(-frame["agents_required_with_shrinkage"])
    weighted = ("service_level", "asa_seconds", "abandon_rate")
    for column in weighted:  # weights count only the intervals the metric is defined for
        if column not in frame.columns:
            frame[column] = np.nan
        frame[f"_w_{column}"] = frame[column] * frame["volume"]
        frame[f"_v_{column}"] = frame["volume"].where(frame[column].notna(), 0.0)
    grouped = frame.groupby(["queue", "date"], sort=True)
    out = pd.DataFrame({
        "volume": grouped["volume"].sum(),
        "required_agent_hours": grouped["agents_required_with_shrinkage"].sum() * hours,
        "scheduled_agent_hours": grouped["scheduled"].sum() * hours,
        **{c: grouped[f"_w_{c}"].sum(min_count=1) / grouped[f"_v_{c}"].sum().replace(0, np.nan)
           for c in weighted},
        "understaffed_intervals": grouped["gap"].apply(lambda g: int((g < 0).sum())),
    }).reset_index()
    return out[list(SUMMARY_COLUMNS)]


#: The simulation's per queue and day figures added to the summary, by their summary name.
SIMULATED_COLUMNS = {
    "service_level": "simulated_service_level",
    "service_level_low": "simulated_service_level_low",
    "service_level_high": "simulated_service_level_high",
    "asa_seconds": "simulated_asa_seconds",
    "abandoned_share": "simulated_abandon_rate",
}


def with_simulated(summary: pd.DataFrame, simulated_days: pd.DataFrame) -> pd.DataFrame:
    """The daily summary with the simulation's figures per queue and day beside the
    formula's (:data:`SIMULATED_COLUMNS`; the simulation's ``days`` frame)."""
    sim = simulated_days[["queue", "date", *SIMULATED_COLUMNS]].rename(columns=SIMULATED_COLUMNS)
    out = summary.merge(sim, on=["queue", "date"], how="left")
    # The simulated service level (and its interval) stands next to the formula's.
    added = list(SIMULATED_COLUMNS.values())
    rest = [c for c in summary.columns if c not in added]
    at = rest.index("service_level") + 1 if "service_level" in rest else len(rest)
    return out[rest[:at] + added[:3] + rest[at:] + added[3:]]


def simulated_service_level_by_queue(simulation) -> pd.Series:
    """Simulated service level per queue over the horizon, pooled over replications (answered
    within the threshold / contacts with a verdict), from a
    :class:`~staffing.simulate.SimulationResult`."""
    within = simulation.counts["within"].sum(axis=(0, 2))
    verdicts = simulation.counts["verdicts"].sum(axis=(0, 2))
    queues = list(dict.fromkeys(simulation.intervals["queue"]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(within / verdicts, index=queues, dtype=float)


def service_level_by_queue(requirements: pd.DataFrame, coverage: pd.DataFrame) -> pd.Series:
    """Expected service level per queue over the horizon, weighted by each interval's volume
    (intervals without a verdict, e.g. emails due after the horizon, are left out)."""
    if coverage.empty or "service_level" not in coverage.columns:
        return pd.Series(dtype=float)
    frame = requirements[["queue", "interval_start", "volume"]].merge(
        coverage[["queue", "interval_start", "service_level"]], on=["queue", "interval_start"])
    known = frame["service_level"].notna() & (frame["volume"] > 0)
    frame = frame[known]
    weighted = (frame["service_level"] * frame["volume"]).groupby(frame["queue"]).sum()
    return weighted / frame.groupby("queue")["volume"].sum()


def format_metric(metric: str, value: float) -> str:
    """A metric's value as shown to planners (percentages, thousands separators)."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "n/a"
    if value == float("inf"):
        return "∞"  # overloaded intervals: Erlang C's wait grows without bound
    if metric in ("service_level", "simulated_service_level", "abandon_rate"):
        return f"{value:.1%}"
    if metric == "understaffed_intervals":
        return f"{int(value):,}"
    if metric == "volume":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def roster_cost_by_day(roster: pd.DataFrame, agents: Sequence[Agent],
                       contracts: Mapping[str, ContractConfig], days: int) -> pd.DataFrame:
    """Per shift date: paid hours, overtime hours and cost of a roster.

    Overtime is an agent's paid time above their weekly maximum of the *base* contract (the
    agent's own override, else the contract's), prorated to the horizon's ``days``; it accrues
    on the agent's latest shifts. Cost is paid hours times the agent's hourly cost.
    """
    columns = ["date", *DAY_METRICS]
    if roster.empty:
        return pd.DataFrame(columns=columns)
    by_id = {a.agent_id: a for a in agents}
    frame = roster.sort_values(["agent_id", "shift_start"]).copy()
    frame["hours"] = frame["paid_minutes"] / 60
    cap = {aid: (a.max_hours_per_week if a.max_hours_per_week is not None
                 else contracts[a.contract].max_hours_per_week) * days / 7
           for aid, a in by_id.items()}
    rate = {aid: (a.hourly_cost if a.hourly_cost is not None
                  else contracts[a.contract].hourly_cost) for aid, a in by_id.items()}
    after = frame.groupby("agent_id")["hours"].cumsum()
    limit = frame["agent_id"].map(cap)
    frame["overtime"] = (after - limit).clip(lower=0) - (after - frame["hours"] - limit).clip(
        lower=0)
    frame["cost"] = frame["hours"] * frame["agent_id"].map(rate)
    out = frame.groupby("date", sort=True).agg(paid_hours=("hours", "sum"),
                                               overtime_hours=("overtime", "sum"),
                                               cost=("cost", "sum")).reset_index()
    return out[columns]
