"""What-if adjustments of the roster stage (a scenario's ``adjustments:``): leave, hires and
overtime change the agents and contracts the solver works with. Pure functions returning
changed copies; errors name the scenario file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from staffing.config import Adjustments, ContractConfig
from staffing.domain import Agent, parse_skills
from staffing.errors import DataError
from staffing.timegrid import Horizon

__all__ = ["adjust_agents", "adjust_contracts"]


def adjust_contracts(contracts: Mapping[str, ContractConfig],
                     adjustments: Adjustments) -> dict[str, ContractConfig]:
    """Contracts with ``overtime_hours_per_week`` added to every maximum weekly paid hours."""
    extra = adjustments.overtime_hours_per_week
    if not extra:
        return dict(contracts)
    return {name: c.model_copy(update={"max_hours_per_week": c.max_hours_per_week + extra})
            for name, c in contracts.items()}


def _day_window(first: dt.date, last: dt.date, horizon: Horizon
                ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight of ``first`` to local midnight after ``last`` (end exclusive)."""
    start = pd.Timestamp(first).tz_localize(horizon.time_zone, nonexistent="shift_forward")
    end = pd.Timestamp(last + dt.timedelta(days=1)).tz_localize(
        horizon.time_zone, nonexistent="shift_forward")
    return start, end


def _horizon_days(first: dt.date, last: dt.date, horizon: Horizon) -> int:
    dates = horizon.dates()
    return sum(1 for d in dates if first <= d <= last)


def _prorated_min_hours(agent: Agent, contract: ContractConfig, lost_days: int) -> float | None:
    """Minimum weekly hours after losing ``lost_days`` working days of the horizon.

    Follows the bundled data's convention: a full-time agent (5 shifts a week, 40 h) on leave
    two days owes 40 x 3/5 = 24 h.
    """
    if lost_days <= 0:
        return agent.min_hours_per_week
    base = (agent.min_hours_per_week if agent.min_hours_per_week is not None
            else contract.min_hours_per_week)
    shifts = contract.max_shifts_per_week or 5
    return round(base * max(0, shifts - lost_days) / shifts, 2)


def adjust_agents(
    agents: Sequence[Agent],
    adjustments: Adjustments,
    *,
    horizon: Horizon,
    contracts: Mapping[str, ContractConfig],
    queue_ids: Sequence[str],
    source: str = "scenario",
) -> tuple[Agent, ...]:
    """Agents with ``adjustments.leave`` and ``adjustments.hires`` applied.

    Leave adds an unavailability window and lowers the agent's minimum weekly hours in
    proportion to the working days lost. ``count`` leave picks agents evenly spread over the
    ids (sorted) of those matching ``contract`` and ``queue``, so the choice is reproducible.
    Hires are new agents ``{id_prefix}001``, ... unavailable before ``start_date +
    training_days`` and after ``end_date``. Errors name ``source`` (the scenario file).
    """
    by_id = {a.agent_id: a for a in agents}
    order = [a.agent_id for a in agents]
    for i, leave in enumerate(adjustments.leave):
        where = f"{source}: adjustments.leave[{i}]"
        if leave.agents is not None:
            unknown = [a for a in leave.agents if a not in by_id]
            if unknown:
                raise DataError(f"{where}.agents: no agent {unknown[0]!r} in the agents file; "
                                "use ids from its agent_id column")
            chosen = list(leave.agents)
        else:
            pool = sorted(a.agent_id for a in by_id.values()
                          if (leave.contract is None or a.contract == leave.contract)
                          and (leave.queue is None or leave.queue in a.queues))
            if leave.count > len(pool):
                raise DataError(f"{where}.count: only {len(pool)} agents match (contract "
                                f"{leave.contract or 'any'}, queue {leave.queue or 'any'}), "
                                f"got count {leave.count}; lower the count")
            picks = np.round(np.linspace(0, len(pool) - 1, leave.count)).astype(int)
            chosen = [pool[k] for k in picks]
        window = _day_window(leave.start_date, leave.end_date, horizon)
        lost = _horizon_days(leave.start_date, leave.end_date, horizon)
        for agent_id in chosen:
            agent = by_id[agent_id]
            by_id[agent_id] = replace(
                agent, unavailable=(*agent.unavailable, window),
                min_hours_per_week=_prorated_min_hours(agent, contracts[agent.contract], lost))

    for i, hire in enumerate(adjustments.hires):
        where = f"{source}: adjustments.hires[{i}]"
        try:
            skills = parse_skills(hire.skills, list(queue_ids))
        except ValueError as exc:
            raise DataError(f"{where}.skills: {exc}") from None
        first_day = (hire.start_date or horizon.start_date) + dt.timedelta(
            days=hire.training_days)
        last_horizon_day = horizon.end_date - dt.timedelta(days=1)
        away = []  # (first, last) local dates the hire cannot work
        if first_day > horizon.start_date:
            away.append((horizon.start_date, first_day - dt.timedelta(days=1)))
        if hire.end_date is not None and hire.end_date < last_horizon_day:
            away.append((hire.end_date + dt.timedelta(days=1), last_horizon_day))
        windows = tuple(_day_window(first, last, horizon) for first, last in away)
        lost = sum(_horizon_days(first, last, horizon) for first, last in away)
        contract = contracts[hire.contract]
        for k in range(1, hire.count + 1):
            agent_id = f"{hire.id_prefix}{k:03d}"
            if agent_id in by_id:
                raise DataError(f"{where}.id_prefix: id {agent_id!r} is already taken; choose "
                                "another id_prefix")
            agent = Agent(agent_id=agent_id, name=f"{hire.id_prefix} hire {k}",
                          contract=hire.contract, skills=skills, unavailable=windows,
                          hourly_cost=hire.hourly_cost)
            by_id[agent_id] = replace(agent, min_hours_per_week=_prorated_min_hours(
                agent, contract, lost))
            order.append(agent_id)
    return tuple(by_id[a] for a in order)

