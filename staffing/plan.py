"""The orchestrator: forecast -> requirements -> roster -> coverage, for one scenario.

What-if adjustments are applied at the seams between stages, by the stage they act on
(:mod:`staffing.forecast.adjustments`, :mod:`staffing.solver.adjustments`); the metrics come from
:mod:`staffing.summary`.

:func:`plan` only wires the stages; each stage is a library function a user can call alone
(:func:`staffing.forecast.build_forecast`, :func:`staffing.requirements.build_requirements`,
:func:`staffing.solver.solve_roster`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from staffing.config import ForecastSettings, ScenarioConfig
from staffing.domain import Agent
from staffing.errors import ConfigError, DataError
from staffing.forecast import ForecastResult, build_forecast
from staffing.forecast.adjustments import adjust_forecast, effective_events
from staffing.interrupt import stop_requested
from staffing.io import Scenario
from staffing.requirements import build_requirements
from staffing.simulate import SimulationResult, simulate, simulation_input
from staffing.simulate.verify import raise_requirements, shortfall_score, shortfalls
from staffing.solver import RosterResult, SolveProgress, solve_roster
from staffing.solver.adjustments import adjust_agents, adjust_contracts
from staffing.summary import coverage_report, daily_summary, with_simulated
from staffing.timegrid import Horizon

__all__ = [
    "PlanResult", "VerificationRound", "forecast_history", "forecast_stage", "plan",
    "requirements_stage", "roster_agents", "roster_stage", "simulation_stage", "verify_stage",
]


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
    simulation: SimulationResult | None = None
    verification: tuple[VerificationRound, ...] = ()


@dataclass(frozen=True)
class VerificationRound:
    """One round of verification by simulation (:mod:`staffing.simulate.verify`).

    Attributes
    ----------
    round : 1, 2, ...
    short_blocks : blocks of a queue's intervals whose simulated service level missed the
        target before this round, as ``(queue, block_start, simulated, target)``.
    added_agent_hours : agent-hours this round added to the requirements. [h]
    paid_hours_before, paid_hours_after : the roster's paid hours before and after the
        round's re-roster. [h]
    status : the re-roster's status.
    kept : whether the round's roster was kept: it must be feasible and lower the simulated
        shortfall (:func:`staffing.simulate.verify.shortfall_score`); else the plan keeps the
        roster before it and verification stops.
    """

    round: int
    short_blocks: tuple[tuple[str, pd.Timestamp, float, float], ...]
    added_agent_hours: float
    paid_hours_before: float
    paid_hours_after: float
    status: str
    kept: bool = True


def plan(
    scenario: Scenario,
    *,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> PlanResult:
    """Run forecast, requirements and roster for ``scenario``.

    With ``simulation.replications`` > 0 the roster is then simulated contact by contact and,
    with ``simulation.verify``, re-rostered where the simulation shows a queue short of its
    target (:func:`verify_stage`).

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

    coverage = coverage_report(requirements, roster.coverage, config)
    simulation, rounds = None, ()
    if config.simulation.replications > 0 and roster.feasible:
        started = stage("simulate")
        simulation, rounds, requirements, roster, coverage = verify_stage(
            scenario, forecast.frame, requirements, roster, coverage, on_stage=on_stage,
            on_progress=on_progress)
        seconds["simulate"] = time.perf_counter() - started
    summary = daily_summary(requirements, coverage, config.interval_minutes)
    if simulation is not None:
        summary = with_simulated(summary, simulation.days)
    return PlanResult(scenario, forecast, requirements, roster, coverage, summary, seconds,
                      simulation, rounds)


def simulation_stage(scenario: Scenario, forecast: pd.DataFrame, activities: pd.DataFrame, *,
                     executor=None) -> SimulationResult:
    """Simulate a roster's ``activities`` contact by contact against ``forecast`` with the
    scenario's ``simulation:`` settings (agents with the scenario's leave and hires).
    ``executor`` (e.g. a Dask client's) runs the replications; default: local processes."""
    config = scenario.config
    settings = config.simulation
    inp = simulation_input(forecast, activities, roster_agents(scenario), config)
    return simulate(inp, replications=max(1, settings.replications), routing=settings.routing,
                    seed=settings.seed, arrivals=settings.arrivals,
                    handle_time=settings.handle_time, handle_time_cv=settings.handle_time_cv,
                    absence=settings.absence, break_policy=settings.break_policy,
                    executor=executor)


def verify_stage(
    scenario: Scenario, forecast: pd.DataFrame, requirements: pd.DataFrame,
    roster: RosterResult, coverage: pd.DataFrame, *,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> tuple[SimulationResult, tuple[VerificationRound, ...], pd.DataFrame, RosterResult,
           pd.DataFrame]:
    """Simulate the roster; with ``simulation.verify``, for up to ``simulation.max_rounds``
    rounds raise the requirements where a voice or chat queue's simulated service level falls
    short (:mod:`staffing.simulate.verify`) and roster again from the previous roster.

    A round's roster is kept only if it is feasible and lowers the simulated shortfall
    (:func:`~staffing.simulate.verify.shortfall_score`); otherwise verification stops with the
    roster before it. Returns the last simulation kept, the rounds, and the requirements,
    roster and coverage the plan ends with.
    """
    config = scenario.config
    settings = config.simulation
    simulation = simulation_stage(scenario, forecast, roster.activities)
    rounds: list[VerificationRound] = []
    if not settings.verify:
        return simulation, (), requirements, roster, coverage
    hours = config.interval_minutes / 60
    limit = settings.round_time_limit_seconds or config.solver.time_limit_seconds / 3
    rescheduled = scenario.with_changes({"solver": {"time_limit_seconds": limit}})
    score = shortfall_score(simulation.days, config)
    for number in range(1, settings.max_rounds + 1):
        if score == 0 or stop_requested():
            break  # every queue meets its target every day: no round could be kept
        found = shortfalls(simulation, coverage, config, block_minutes=settings.block_minutes)
        if not found:
            break
        raised = raise_requirements(requirements, coverage, found, config)
        added = float((raised["agents_required_with_shrinkage"]
                       - requirements["agents_required_with_shrinkage"]).sum() * hours)
        if on_stage is not None:
            on_stage(f"verification round {number}: {len(found)} short blocks, "
                     f"+{added:,.1f} agent-hours required")
        candidate = roster_stage(rescheduled, raised, warm_start=roster.roster,
                                 on_progress=on_progress)
        kept = candidate.feasible and not stop_requested()
        if kept:
            candidate_coverage = coverage_report(raised, candidate.coverage, config)
            candidate_simulation = simulation_stage(scenario, forecast, candidate.activities)
            candidate_score = shortfall_score(candidate_simulation.days, config)
            kept = candidate_score < score
        rounds.append(VerificationRound(
            number, tuple((f.queue, f.block_start, f.simulated, f.target) for f in found),
            added, _paid_hours(roster), _paid_hours(candidate), str(candidate.status), kept))
        if not kept:
            break  # the round moved agents without lowering the shortfall: undone, stop
        requirements, roster, coverage = raised, candidate, candidate_coverage
        simulation, score = candidate_simulation, candidate_score
    return simulation, tuple(rounds), requirements, roster, coverage


def _paid_hours(roster: RosterResult) -> float:
    return float(roster.roster["paid_minutes"].sum() / 60) if not roster.roster.empty else 0.0


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


def forecast_history(history: pd.DataFrame, horizon: Horizon, *,
                     config: ScenarioConfig | None = None,
                     settings: ForecastSettings | None = None) -> ForecastResult:
    """Forecast ``history`` over ``horizon`` (``staffing forecast``): with a scenario ``config``,
    its queues, events, holidays and what-if adjustments as :func:`forecast_stage` applies
    them; ``settings`` (default: the config's, else the defaults) choose the models."""
    if config is None:
        return build_forecast(history, horizon, settings=settings or ForecastSettings())
    config = config.model_copy(update={"forecast": settings or config.forecast,
                                       "interval_minutes": horizon.interval_minutes})
    return forecast_stage(Scenario(config, history=history), horizon=horizon)


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
        previous_roster=scenario.previous_roster, on_progress=on_progress,
    )
