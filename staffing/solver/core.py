"""Roster solve orchestration: build the CP-SAT model from the rule builders, solve, extract."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from staffing.config import ContractConfig, ShiftRules, SolverSettings
from staffing.domain import Agent
from staffing.timegrid import Horizon

__all__ = ["RosterResult", "SolveProgress", "solve_roster"]


@dataclass(frozen=True)
class SolveProgress:
    """One progress report of a running solve (a new incumbent or bound)."""

    wall_seconds: float
    objective: float
    bound: float
    gap: float


@dataclass(frozen=True)
class RosterResult:
    """A solved roster and what the solver knows about it.

    Attributes
    ----------
    status : ``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE`` or ``UNKNOWN`` (no roster in time).
    roster : roster format, one row per agent shift.
    activities : activities format, one row per contiguous block of an agent's time.
    coverage : coverage format (``required`` is ``agents_required_with_shrinkage``).
    agent_summary : per agent: paid hours, shifts, nights, weekend days, preference hits.
    objective : objective value of the roster returned, ``None`` without one.
    bound : proven lower bound on the objective.
    gap : ``(objective - bound) / max(objective, 1)``. [fraction]
    objective_breakdown : objective by rule (understaffing, overstaffing, cost, ...).
    violations : soft-rule violations, one row each: rule, agent_id, date, penalty.
    explanation : when hard rules cannot all hold, which agents and rules conflict.
    wall_seconds : solve time. [s]
    """

    status: str
    roster: pd.DataFrame
    activities: pd.DataFrame
    coverage: pd.DataFrame
    agent_summary: pd.DataFrame
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    objective_breakdown: Mapping[str, float] = field(default_factory=dict)
    violations: pd.DataFrame | None = None
    explanation: tuple[str, ...] = ()
    wall_seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        """Whether a roster keeping every hard rule was found."""
        return self.status in ("OPTIMAL", "FEASIBLE")


def solve_roster(
    requirements: pd.DataFrame,
    agents: Sequence[Agent],
    *,
    horizon: Horizon,
    contracts: Mapping[str, ContractConfig],
    rules: ShiftRules,
    settings: SolverSettings = SolverSettings(),
    warm_start: pd.DataFrame | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> RosterResult:
    """Assign named agents to shifts, breaks and queues over ``horizon``.

    Parameters
    ----------
    requirements : requirements format; ``agents_required_with_shrinkage`` is the target.
    agents : the agents (skills, contract, availability, preferences).
    horizon : the days planned, interval length and time zone.
    contracts : contract types by name.
    rules : shift rules (start/length grid, breaks, rest, nights, weekends).
    settings : time limit, workers, seed, objective weights.
    warm_start : a previous roster (roster format) to start from.
    on_progress : called with each new incumbent.
    """
    raise NotImplementedError("built by the roster issue")
