"""Capacity: the smallest addition of agents (or overtime) that meets the service targets.

The forecast and requirements do not depend on headcount, so they are computed once; each
candidate addition is then rostered and judged as ``staffing plan`` would plan it: simulated
contact by contact and verified (the scenario's ``simulation:``; with ``replications: 0`` the
formulas judge instead). Service holds when, on
every day of the horizon, each queue's service level reaches its target and its ASA and
abandonment stay within theirs. Adding agents of one skill profile (or overtime hours) is
searched by galloping from an estimate made from the base roster's understaffed agent-hours,
then bisecting: ``O(log n)`` solves. Every candidate tried is a point of the trade-off curve.

A roster solved within a time limit, and its simulation, vary from run to run: an answer that
met its targets once can miss them by a fraction of a point when planned again (one day's
simulated service level has a 95 % interval several points wide). So the answer is confirmed
by ``confirmations`` further plans of it with other solver and simulation seeds, each judged
the same way; when one misses, the next addition up is tried and confirmed in turn.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from staffing.errors import ConfigError
from staffing.io import Scenario
from staffing.plan import (
    forecast_stage,
    requirements_stage,
    roster_agents,
    roster_stage,
    verify_stage,
)
from staffing.simulate.verify import EMAIL_ON_TIME
from staffing.summary import coverage_report, daily_summary, roster_cost_by_day, with_simulated

__all__ = ["EMAIL_ON_TIME", "CapacityPoint", "CapacityResult", "find_capacity", "misses"]

Kind = Literal["agents", "overtime"]


@dataclass(frozen=True)
class CapacityPoint:
    """One candidate addition and the service the re-solved roster gives.

    Attributes
    ----------
    added : agents added (``kind`` = ``agents``) or overtime allowed per agent and week. [h]
    meets : whether every queue meets its targets on every day.
    service_level : per queue, the worst day's expected service level (volume-weighted).
    understaffed_intervals : queue-intervals with fewer agents than required.
    paid_hours : paid hours of the roster. [h]
    cost : paid hours times hourly cost. [currency]
    status : the solver's status.
    misses : the targets missed, one sentence each (empty when ``meets``).
    seed : 0 for the search's plan; 1, 2, ... for the plans confirming an answer (solver and
        simulation seeds offset by it).
    """

    added: float
    meets: bool
    service_level: dict[str, float]
    understaffed_intervals: int
    paid_hours: float
    cost: float
    status: str
    misses: tuple[str, ...] = ()
    seed: int = 0


@dataclass(frozen=True)
class CapacityResult:
    """The answer and the trade-off curve."""

    kind: Kind
    skills: str | None
    contract: str | None
    answer: CapacityPoint | None
    points: tuple[CapacityPoint, ...]
    changes: dict[str, Any]

    def curve(self) -> pd.DataFrame:
        """The points tried, by ``added``: service level per queue, cost, ``meets``."""
        rows = []
        for p in sorted(self.points, key=lambda p: (p.added, p.seed)):
            rows.append({"added": p.added, **{f"service_level_{q}": v
                                             for q, v in p.service_level.items()},
                         "understaffed_intervals": p.understaffed_intervals,
                         "paid_hours": p.paid_hours, "cost": p.cost, "meets": p.meets,
                         "status": p.status, "seed": p.seed})
        return pd.DataFrame(rows)

    def scenario_yaml(self, base: Path, variant: Path) -> str:
        """The answer as a scenario file at ``variant`` that extends ``base`` (the path in
        ``extends:`` relative to the variant's folder), ready for ``staffing plan``."""
        return (f"# Written by `staffing capacity {base}`: the smallest addition found that\n"
                f"# meets every service target. Check it with `staffing plan {variant}`.\n"
                + yaml.safe_dump({"extends": os.path.relpath(base.resolve(),
                                                             variant.parent.resolve()),
                                  **self.changes}, sort_keys=False))




def misses(summary: pd.DataFrame, scenario: Scenario) -> tuple[str, ...]:
    """The service targets a plan's daily summary misses, one sentence each.

    Voice and chat: ``service_level``, ``asa_seconds`` and ``max_abandon_rate`` as set on the
    queue. Email: at least :data:`EMAIL_ON_TIME` of each day's messages answered within
    ``response_within_hours`` (days whose messages are all due after the horizon have no
    verdict). Where the summary has the simulation's figures (``simulated_service_level``,
    ... from :func:`staffing.summary.with_simulated`) they are judged, not the formula's.
    """
    simulated = "simulated_service_level" in summary.columns
    pick = {m: (f"simulated_{m}" if simulated else m)
            for m in ("service_level", "asa_seconds", "abandon_rate")}
    source = "simulated " if simulated else ""
    out = []
    for queue in scenario.config.queues:
        part = summary[summary["queue"] == queue.id]
        for row in part.to_dict("records"):
            if row["volume"] <= 0:
                continue
            level, asa, abandon = (row[pick[m]] for m in ("service_level", "asa_seconds",
                                                          "abandon_rate"))
            if queue.channel == "email":
                if not pd.isna(level) and level < EMAIL_ON_TIME:
                    out.append(f"{queue.id} on {row['date']}: {level:.1%} {source}answered "
                               f"within {queue.response_within_hours:g} h < "
                               f"{EMAIL_ON_TIME:.0%}")
                continue
            if queue.service_level and not (level >= queue.service_level - 1e-9):
                out.append(f"{queue.id} on {row['date']}: {source}service level {level:.1%} < "
                           f"{queue.service_level:.0%}")
            if queue.asa_seconds and not (asa <= queue.asa_seconds + 1e-9):
                out.append(f"{queue.id} on {row['date']}: {source}ASA {asa:.0f} s > "
                           f"{queue.asa_seconds:g} s")
            if queue.max_abandon_rate and not (abandon <= queue.max_abandon_rate + 1e-9):
                out.append(f"{queue.id} on {row['date']}: {source}abandonment {abandon:.1%} > "
                           f"{queue.max_abandon_rate:.0%}")
    return tuple(out)


def _changes(scenario: Scenario, kind: Kind, added: float, skills: str | None,
             contract: str | None) -> dict[str, Any]:
    adjustments = scenario.config.adjustments
    if kind == "overtime":
        return {"adjustments": {"overtime_hours_per_week":
                                adjustments.overtime_hours_per_week + added}}
    if added <= 0:
        return {}
    hires = [h.model_dump(mode="json", exclude_defaults=True) for h in adjustments.hires]
    hires.append({"count": int(added), "id_prefix": "CAP", "contract": contract,
                  "skills": skills})
    return {"adjustments": {"hires": hires}}


def _default_profile(requirements: pd.DataFrame, coverage: pd.DataFrame) -> str:
    """Skills of the hire most useful: every queue the base roster leaves short, the shortest
    first (priority 1), so the roster can put the added agents wherever the gaps are; with no
    gap at all, the queue with the most demand."""
    short = (-coverage["gap"].clip(upper=0)).groupby(coverage["queue"]).sum()
    short = short[short > 0].sort_values(ascending=False)
    if short.empty:
        demand = requirements.groupby("queue")["agents_required_with_shrinkage"].sum()
        short = demand.sort_values(ascending=False).head(1)
    return ";".join(f"{q}:{i + 1}" for i, q in enumerate(short.index))


def find_capacity(
    scenario: Scenario,
    *,
    kind: Kind = "agents",
    skills: str | None = None,
    contract: str = "full_time",
    max_added: float | None = None,
    confirmations: int = 1,
    on_point: Callable[[CapacityPoint], None] | None = None,
) -> CapacityResult:
    """The smallest addition meeting every queue's service targets on every day.

    ``kind`` = ``agents`` adds agents with ``skills`` (default: the skills the base roster is
    short of, shortest first, e.g. ``email:1;voice:2;chat:3``) and ``contract``; ``overtime``
    raises every agent's weekly maximum by whole hours. ``max_added`` caps the search
    (default: 2x the agents, or 20 h). ``answer`` is ``None`` when even ``max_added`` does not
    meet the targets.
    ``changes`` is what to merge into the scenario (``Scenario.with_changes``) to apply it.
    ``confirmations``: independent plans (other seeds) the answer must also meet its targets
    in; each is a point of the curve too (``CapacityPoint.seed``).
    """
    config = scenario.config
    if kind == "agents" and contract not in config.contracts:
        raise ConfigError(f"--contract must name a contract ({', '.join(config.contracts)}), "
                          f"got {contract!r}")
    forecast = forecast_stage(scenario)
    requirements = requirements_stage(scenario, forecast.frame)
    horizon = config.horizon_
    hours = config.interval_minutes / 60
    cache: dict[float, CapacityPoint] = {}
    state: dict[str, Any] = {"skills": skills}

    def evaluate(added: float, seed: int = 0) -> CapacityPoint:
        if (added, seed) in cache:
            return cache[(added, seed)]
        candidate = scenario.with_changes(_changes(scenario, kind, added, state["skills"],
                                                   contract)) if added else scenario
        if seed:
            candidate = candidate.with_changes({
                "solver": {"random_seed": config.solver.random_seed + seed},
                "simulation": {"seed": config.simulation.seed + 1000 * seed}})
        roster = roster_stage(candidate, requirements)
        coverage = coverage_report(requirements, roster.coverage, candidate.config)
        if not added:
            state["short_agent_hours"] = float(-coverage["gap"].clip(upper=0).sum() * hours) \
                if len(coverage) else float(requirements["agents_required_with_shrinkage"]
                                            .sum() * hours)
            if kind == "agents" and state["skills"] is None:
                state["skills"] = _default_profile(requirements, coverage)
        level, planned = "service_level", requirements
        if roster.feasible and config.simulation.replications > 0:
            # Judged as it would be planned: simulated, and verified where the scenario says.
            simulation, _, planned, roster, coverage = verify_stage(
                candidate, forecast.frame, requirements, roster, coverage)
            level = "simulated_service_level"
        summary = daily_summary(planned, coverage, config.interval_minutes)
        if level == "simulated_service_level":
            summary = with_simulated(summary, simulation.days)
        missed = misses(summary, candidate) if roster.feasible else ("no feasible roster",)
        worst = {q.id: float(summary.loc[summary["queue"] == q.id, level].min())
                 for q in config.queues}
        costs = roster_cost_by_day(roster.roster, roster_agents(candidate), config.contracts,
                                   horizon.days)
        point = CapacityPoint(
            added=added, meets=not missed, service_level=worst,
            understaffed_intervals=int((coverage["gap"] < 0).sum()) if len(coverage) else 0,
            paid_hours=float(costs["paid_hours"].sum()), cost=float(costs["cost"].sum()),
            status=str(roster.status), misses=missed, seed=seed)
        cache[(added, seed)] = point
        if on_point is not None:
            on_point(point)
        return point

    base = evaluate(0)
    if base.meets:
        return CapacityResult(kind, state["skills"], contract if kind == "agents" else None,
                              base, (base,), {})
    # First guess: the base roster's missing agent-hours over what one addition brings.
    short_hours = state["short_agent_hours"]
    if kind == "agents":
        c = config.contracts[contract]
        per_agent = c.max_hours_per_week * horizon.days / 7 * (1 - config.shrinkage)
        limit = max_added if max_added is not None else 2 * max(len(scenario.agents), 1)
        guess = max(1, math.ceil(short_hours / max(per_agent, 1.0)))
    else:
        per_hour = max(len(scenario.agents), 1) * horizon.days / 7
        limit = max_added if max_added is not None else 20
        guess = max(1, math.ceil(short_hours / per_hour))
    guess = min(guess, limit)
    # Gallop up from the guess until the targets are met (or the limit), then bisect.
    low, high = 0, None
    k = guess
    while True:
        if evaluate(k).meets:
            high = k
            break
        low = k
        if k >= limit:
            break
        k = min(limit, k * 2)
    if high is None:
        return CapacityResult(kind, state["skills"], contract if kind == "agents" else None,
                              None, tuple(cache.values()), {})
    while high - low > 1:
        mid = (low + high) // 2
        if evaluate(mid).meets:
            high = mid
        else:
            low = mid
    # Confirm the answer by independent plans; step up while one of them misses.
    while not (evaluate(high).meets
               and all(evaluate(high, seed).meets for seed in range(1, confirmations + 1))):
        if high >= limit:
            return CapacityResult(kind, state["skills"],
                                  contract if kind == "agents" else None, None,
                                  tuple(cache.values()), {})
        high += 1
    answer = evaluate(high)
    return CapacityResult(kind, state["skills"], contract if kind == "agents" else None,
                          answer, tuple(cache.values()),
                          _changes(scenario, kind, high, state["skills"], contract))

