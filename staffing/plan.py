"""The orchestrator: forecast -> requirements -> roster -> coverage, for one scenario.

:func:`plan` only wires the stages; each stage is a library function a user can call alone
(:func:`staffing.forecast.build_forecast`, :func:`staffing.requirements.build_requirements`,
:func:`staffing.solver.solve_roster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from staffing.config import Scenario
from staffing.domain import Agent
from staffing.errors import ConfigError, DataError
from staffing.forecast import ForecastResult, build_forecast
from staffing.requirements import build_requirements, expected_performance
from staffing.scenarios.adjustments import (
    adjust_agents,
    adjust_contracts,
    adjust_forecast,
    effective_events,
)
from staffing.solver import RosterResult, SolveProgress, solve_roster
from staffing.timegrid import Horizon

__all__ = [
    "PlanResult", "coverage_report", "daily_summary", "forecast_stage", "plan",
    "requirements_stage", "roster_agents", "roster_stage", "service_level_by_queue",
    "summary_text",
]

SUMMARY_COLUMNS = (
    "queue", "date", "volume", "required_agent_hours", "scheduled_agent_hours",
    "service_level", "asa_seconds", "abandon_rate", "understaffed_intervals",
)


@dataclass(frozen=True)
class PlanResult:
    """Everything one plan produced.

    Attributes
    ----------
    scenario : the scenario planned.
    forecast : the forecast and the models chosen.
    requirements : requirements format, one row per queue and interval.
    roster : the solver's result (roster, activities, status, objective, bound, gap).
    coverage : coverage format plus the expected ``service_level``, ``asa_seconds``,
        ``abandon_rate`` and ``occupancy`` of the agents scheduled.
    summary : per queue and day: volume, required and scheduled agent-hours, expected service
        level (volume-weighted), understaffed intervals.
    stage_seconds : wall time of each stage. [s]
    """

    scenario: Scenario
    forecast: ForecastResult
    requirements: pd.DataFrame
    roster: RosterResult
    coverage: pd.DataFrame
    summary: pd.DataFrame
    stage_seconds: dict[str, float]

    def summary_text(self) -> str:
        """The readable ``summary.txt``."""
        return summary_text(self)


def plan(
    scenario: Scenario,
    *,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> PlanResult:
    """Run forecast, requirements and roster for ``scenario``.

    ``on_stage`` is told the name of each stage as it starts; ``on_progress`` gets the roster
    solver's incumbents. The roster's status says whether every hard rule could hold; an
    infeasible roster is returned, not raised, with the solver's explanation.
    """
    config = scenario.config
    where = str(scenario.source or "scenario")
    if scenario.history is None:
        raise ConfigError(f"{where}: history is required to plan; set history: to the contact "
                          "history CSV")
    if not scenario.agents:
        raise ConfigError(f"{where}: agents is required to plan; set agents: to the agents CSV")
    missing = sorted({q.id for q in config.queues} - set(scenario.history["queue"]))
    if missing:
        raise DataError(f"{config.history}: no history for queue{'s' if len(missing) > 1 else ''}"
                        f" {', '.join(missing)} of the scenario; add its rows or remove the queue")
    seconds: dict[str, float] = {}

    def stage(name: str) -> float:
        if on_stage is not None:
            on_stage(name)
        return time.perf_counter()

    started = stage("forecast")
    forecast = forecast_stage(scenario)
    seconds["forecast"] = time.perf_counter() - started

    started = stage("requirements")
    requirements = requirements_stage(scenario, forecast.frame)
    seconds["requirements"] = time.perf_counter() - started

    started = stage("roster")
    roster = roster_stage(scenario, requirements, on_progress=on_progress)
    seconds["roster"] = time.perf_counter() - started

    coverage = coverage_report(requirements, roster.coverage, scenario)
    summary = daily_summary(requirements, coverage, config.interval_minutes)
    return PlanResult(scenario, forecast, requirements, roster, coverage, summary, seconds)


def forecast_stage(scenario: Scenario, *, history: pd.DataFrame | None = None,
                   horizon: Horizon | None = None) -> ForecastResult:
    """Forecast the scenario's queues over its horizon (or ``horizon``), what-ifs applied.

    Events are the scenario's with ``adjustments.move_events`` and ``add_events`` applied; the
    forecast frame then gets ``adjustments.volume`` and ``adjustments.aht``.
    """
    config = scenario.config
    history = scenario.history if history is None else history
    if history is None:
        raise ConfigError(f"{scenario.source or 'scenario'}: history is required to forecast; "
                          "set history: to the contact history CSV")
    queue_ids = [q.id for q in config.queues]
    result = build_forecast(
        history[history["queue"].isin(queue_ids)], horizon or config.horizon_,
        queues=config.queues, events=effective_events(config), holidays=config.holidays,
        settings=config.forecast,
    )
    adjusted = adjust_forecast(result.frame, config.adjustments)
    return result if adjusted is result.frame else replace(result, frame=adjusted)


def requirements_stage(scenario: Scenario, forecast: pd.DataFrame) -> pd.DataFrame:
    """Required agents per queue and interval for a forecast frame (requirements format)."""
    config = scenario.config
    return build_requirements(forecast, config.queues, interval_minutes=config.interval_minutes,
                              shrinkage=config.shrinkage, max_occupancy=config.max_occupancy,
                              shrinkage_windows=config.shrinkage_windows)


def roster_agents(scenario: Scenario) -> tuple[Agent, ...]:
    """The agents the roster works with: the agents file with the scenario's leave and hires."""
    config = scenario.config
    return adjust_agents(scenario.agents, config.adjustments, horizon=config.horizon_,
                         contracts=config.contracts, queue_ids=[q.id for q in config.queues],
                         source=str(scenario.source or "scenario"))


def roster_stage(scenario: Scenario, requirements: pd.DataFrame, *,
                 warm_start: pd.DataFrame | None = None,
                 on_progress: Callable[[SolveProgress], None] | None = None) -> RosterResult:
    """Roster the scenario's agents (leave, hires and overtime applied) on ``requirements``."""
    config = scenario.config
    if not scenario.agents:
        raise ConfigError(f"{scenario.source or 'scenario'}: agents is required to roster; "
                          "set agents: to the agents CSV")
    return solve_roster(
        requirements, roster_agents(scenario), horizon=config.horizon_,
        contracts=adjust_contracts(config.contracts, config.adjustments),
        rules=config.shift_rules, settings=config.solver, warm_start=warm_start,
        on_progress=on_progress,
    )


def coverage_report(requirements: pd.DataFrame, coverage: pd.DataFrame,
                    scenario: Scenario) -> pd.DataFrame:
    """The solver's coverage with the service to expect from the agents it scheduled."""
    config = scenario.config
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


def summary_text(result: PlanResult) -> str:
    """A plain-text report: the plan's key figures and the per queue and day table."""
    config = result.scenario.config
    horizon = config.horizon_
    roster = result.roster
    last = horizon.dates()[-1]
    lines = [
        f"Staffing plan: {config.site.name} ({config.site.time_zone})",
        f"Horizon: {horizon.start_date.isoformat()} to {last.isoformat()} ({horizon.days} days, "
        f"{config.interval_minutes}-min intervals)",
        "Forecast models: " + ", ".join(f"{q} = {m}" for q, m in result.forecast.models.items()),
    ]
    lines += [f"Note: {note}" for note in result.forecast.notes]
    paid_hours = roster.roster["paid_minutes"].sum() / 60 if not roster.roster.empty else 0.0
    working = roster.roster["agent_id"].nunique() if not roster.roster.empty else 0
    line = (f"Roster: {roster.status}, {len(result.scenario.agents)} agents "
            f"({working} working), {len(roster.roster)} shifts, {paid_hours:,.1f} paid hours, "
            f"solved in {roster.wall_seconds:.1f} s")
    if roster.objective is not None:
        line += f"; objective {roster.objective:,.1f}"
        if roster.bound is not None and roster.gap is not None and roster.bound > 0:
            line += f", lower bound {roster.bound:,.1f}, gap {roster.gap:.1%}"
        elif roster.status != "OPTIMAL":
            line += " (no useful lower bound found within the time limit, so no gap)"
    lines.append(line)
    lines += [f"  {text}" for text in roster.explanation]
    table = result.summary.copy()
    if not table.empty:
        lines += ["", _format_table(table)]
        totals = table.groupby("queue").agg(
            volume=("volume", "sum"), required=("required_agent_hours", "sum"),
            scheduled=("scheduled_agent_hours", "sum"),
            understaffed=("understaffed_intervals", "sum"),
        )
        weighted = service_level_by_queue(result.requirements, result.coverage)
        lines += ["", "Per queue over the horizon:"]
        for queue, row in totals.iterrows():
            sl = weighted.get(queue, np.nan)
            sl_text = "n/a" if pd.isna(sl) else f"{sl:.1%}"
            lines.append(
                f"  {queue}: {row['volume']:,.0f} contacts, {row['required']:,.1f} agent-hours "
                f"required, {row['scheduled']:,.1f} scheduled, expected service level "
                f"{sl_text}, {int(row['understaffed'])} understaffed intervals"
            )
    return "\n".join(lines) + "\n"


def _format_table(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "queue": table["queue"],
        "date": [d.isoformat() for d in table["date"]],
        "volume": [f"{v:,.0f}" for v in table["volume"]],
        "required_h": [f"{v:,.1f}" for v in table["required_agent_hours"]],
        "scheduled_h": [f"{v:,.1f}" for v in table["scheduled_agent_hours"]],
        "service_level": ["n/a" if pd.isna(v) else f"{v:.1%}" for v in table["service_level"]],
        "understaffed": table["understaffed_intervals"].astype(int).astype(str),
    })
    widths = {c: max(len(c), *(len(v) for v in shown[c])) for c in shown.columns}
    left = {"queue", "date"}
    header = "  ".join(c.ljust(widths[c]) if c in left else c.rjust(widths[c])
                       for c in shown.columns)
    rows = ["  ".join(str(v).ljust(widths[c]) if c in left else str(v).rjust(widths[c])
                      for c, v in zip(shown.columns, values, strict=True))
            for values in shown.itertuples(index=False)]
    return "\n".join([header, "-" * len(header), *rows])
