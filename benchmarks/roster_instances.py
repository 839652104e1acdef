"""Seeded express-center weeks for the roster benchmark (and the solver's slow tests).

One week of 15-min intervals, 24x7, from Monday 2026-11-23 in Asia/Shanghai. Requirements per
queue have the shape of an e-commerce service desk: a morning peak near 10:00, an afternoon peak
near 15:00, a quiet night (never below one agent on the live channels), Monday busiest and the
weekend lighter for voice, heavier for chat. Agents come on mixed contracts (day full-timers,
rotating full-timers who cover nights, part-timers on elastic 4-8 h shifts, night workers), with
one primary skill and often a second or third, some fixed days off, leave days, preferred days
off and start windows. Headcount is chosen so that paid hours roughly match the required
agent-hours (``load`` sets the ratio).

Sizes: ``S`` 30 agents / 2 queues, ``M`` 150 / 4, ``L`` 600 / 6.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.config import DEFAULT_CONTRACTS, ContractConfig, ShiftRules, SolverSettings
from staffing.domain import Agent, Skill
from staffing.timegrid import Horizon

__all__ = ["Instance", "SIZES", "make_instance"]

SIZES = {"S": (30, 2), "M": (150, 4), "L": (600, 6)}
QUEUES = ("chat", "voice", "email", "complaints", "merchant", "vip")
#: Share of the demand of each queue (of the first n), live channels first.
QUEUE_SHARE = {"chat": 0.45, "voice": 0.30, "email": 0.08, "complaints": 0.08, "merchant": 0.06,
               "vip": 0.03}

CONTRACTS = {
    **DEFAULT_CONTRACTS,
    # Day full-timers: 8.5 h shifts (8 h paid), starting 06:00-14:00.
    "full_time": ContractConfig(
        min_hours_per_week=40, max_hours_per_week=40, min_shift_minutes=510,
        max_shift_minutes=510, earliest_start=dt.time(6, 0), latest_start=dt.time(14, 0),
        max_shifts_per_week=5, min_days_off_per_week=2, max_consecutive_days=5,
        min_consecutive_days_off=2, hourly_cost=25.0),
    # Rotating full-timers: any start, at most 2 nights a week, one weekend off.
    "rotating": ContractConfig(
        min_hours_per_week=40, max_hours_per_week=40, min_shift_minutes=510,
        max_shift_minutes=510, earliest_start=dt.time(0, 0), latest_start=dt.time(23, 30),
        max_shifts_per_week=5, min_days_off_per_week=2, max_consecutive_days=6,
        max_night_shifts_per_week=2, min_weekends_off=0, hourly_cost=27.0),
    # Part-timers: 4-8 h elastic shifts between 07:00 and 19:00 starts.
    "part_time": ContractConfig(
        min_hours_per_week=20, max_hours_per_week=30, min_shift_minutes=240,
        max_shift_minutes=480, earliest_start=dt.time(7, 0), latest_start=dt.time(18, 0),
        max_shifts_per_week=5, min_days_off_per_week=2, max_consecutive_days=6,
        hourly_cost=22.0),
    # Night workers: 4 x 10 h.
    "night": ContractConfig(
        min_hours_per_week=36, max_hours_per_week=40, min_shift_minutes=540,
        max_shift_minutes=600, earliest_start=dt.time(20, 0), latest_start=dt.time(23, 0),
        max_shifts_per_week=4, min_days_off_per_week=3, max_consecutive_days=4,
        max_night_shifts_per_week=4, hourly_cost=30.0),
}
#: Contract mix (share of headcount).
MIX = {"full_time": 0.42, "rotating": 0.18, "part_time": 0.30, "night": 0.10}
RULES = ShiftRules(start_step_minutes=30, length_step_minutes=60)


@dataclass(frozen=True)
class Instance:
    """One generated week: what :func:`staffing.solver.solve_roster` takes."""

    name: str
    horizon: Horizon
    requirements: pd.DataFrame
    agents: tuple[Agent, ...]
    contracts: dict[str, ContractConfig]
    rules: ShiftRules

    def settings(self, time_limit_seconds: float, workers: int = 2, seed: int = 0,
                 **kw) -> SolverSettings:
        return SolverSettings(time_limit_seconds=time_limit_seconds, workers=workers,
                              random_seed=seed, **kw)


def _intraday(hours: np.ndarray, queue: str) -> np.ndarray:
    """Relative demand by local hour: two peaks, a quiet night."""
    morning = np.exp(-((hours - 10.25) / 1.9) ** 2)
    afternoon = 0.85 * np.exp(-((hours - 15.0) / 2.3) ** 2)
    evening = 0.35 * np.exp(-((hours - 20.5) / 1.8) ** 2)
    base = 0.06 + 0.35 * ((hours >= 8) & (hours < 22))
    shape = base + morning + afternoon + evening
    if queue in ("email", "complaints", "merchant"):
        shape = shape * ((hours >= 8) & (hours < 22))  # back-office hours only
    return shape


DAY_FACTOR = {"chat": (1.15, 1.05, 1.0, 1.0, 1.05, 1.15, 1.1),
              "voice": (1.2, 1.05, 1.0, 1.0, 1.0, 0.8, 0.7)}


def synthetic_requirements(horizon: Horizon, queues, target_agent_hours: float,
                           rng: np.random.Generator) -> pd.DataFrame:
    """Requirements (``agents_required_with_shrinkage`` per queue and interval) of an express
    desk over ``horizon``: the intraday and weekly shapes above with 7 % noise, scaled so the
    queues share ``target_agent_hours`` agent-hours as :data:`QUEUE_SHARE` says. [agent-h]"""
    stamps = horizon.intervals()
    hours = np.asarray(stamps.hour + stamps.minute / 60.0, dtype=float)
    weekday = np.asarray(stamps.day_of_week, dtype=int)
    share = np.array([QUEUE_SHARE.get(q, 0.05) for q in queues])
    share = share / share.sum()
    step_hours = horizon.interval_minutes / 60.0
    rows = []
    for i, q in enumerate(queues):
        factor = np.array(DAY_FACTOR.get(q, (1.1, 1.05, 1.0, 1.0, 1.0, 0.75, 0.6)))[weekday]
        shape = _intraday(hours, q) * factor * rng.normal(1.0, 0.07, len(stamps))
        scale = share[i] * target_agent_hours / (shape.sum() * step_hours)
        req = np.round(shape * scale).astype(int)
        if q in ("chat", "voice", "vip"):
            req = np.maximum(req, 1)
        rows.append(pd.DataFrame({"queue": q, "interval_start": stamps,
                                  "agents_required_with_shrinkage": req}))
    requirements = pd.concat(rows, ignore_index=True)
    requirements["agents_required"] = requirements["agents_required_with_shrinkage"]
    return requirements


def make_instance(size: str = "M", seed: int = 0, *, load: float = 1.0,
                  agents: int | None = None, queues: int | None = None) -> Instance:
    """A seeded express-center week (see the module docstring).

    ``load`` scales demand against headcount: 1.0 makes the required agent-hours about 85 %
    of the paid hours the agents can work (breaks are unpaid or off the phones), so a good
    roster is tight but not short everywhere.
    """
    n_agents, n_queues = SIZES[size]
    n_agents = agents or n_agents
    n_queues = queues or n_queues
    rng = np.random.default_rng(seed)
    horizon = Horizon(dt.date(2026, 11, 23), 7, 15, "Asia/Shanghai")
    names = QUEUES[:n_queues]
    share = np.array([QUEUE_SHARE[q] for q in names])
    share = share / share.sum()

    # Headcount by contract, then the agent-hours they can work in a week.
    counts = {c: int(round(m * n_agents)) for c, m in MIX.items()}
    counts["full_time"] += n_agents - sum(counts.values())
    paid_hours = (counts["full_time"] * 40 + counts["rotating"] * 40 + counts["part_time"] * 25
                  + counts["night"] * 38)
    target_agent_hours = 0.85 * load * paid_hours

    requirements = synthetic_requirements(horizon, names, target_agent_hours, rng)

    agents_out = []
    contracts = [c for c, n in counts.items() for _ in range(n)]
    rng.shuffle(contracts)
    for k, contract in enumerate(contracts):
        primary = names[rng.choice(len(names), p=share)]
        skills = [Skill(primary, 1)]
        others = [q for q in names if q != primary]
        if others and rng.random() < 0.45:
            second = others[rng.integers(len(others))]
            skills.append(Skill(second, 2))
            rest = [q for q in others if q != second]
            if rest and rng.random() < 0.2:
                skills.append(Skill(rest[rng.integers(len(rest))], 3))
        fixed = frozenset({6}) if rng.random() < 0.12 and contract != "night" else frozenset()
        preferred = frozenset()
        if rng.random() < 0.3:
            preferred = frozenset(int(d) for d in rng.choice(7, 2, replace=False)) - fixed
        start_window = None
        if contract in ("full_time", "part_time") and rng.random() < 0.2:
            lo = int(rng.integers(7, 11))
            start_window = (dt.time(lo, 0), dt.time(lo + 2, 0))
        unavailable = ()
        if rng.random() < 0.05:
            day = horizon.start_date + dt.timedelta(days=int(rng.integers(7)))
            start = pd.Timestamp(day).tz_localize(horizon.time_zone)
            unavailable = ((start, start + pd.Timedelta(days=1)),)
        agents_out.append(Agent(
            agent_id=f"A{k + 1:04d}", name=f"Agent {k + 1}", contract=contract,
            skills=tuple(sorted(skills, key=lambda s: (s.priority, s.queue))),
            unavailable=unavailable, fixed_days_off=fixed, preferred_days_off=preferred,
            preferred_start=start_window,
        ))
    return Instance(f"{size}-seed{seed}", horizon, requirements, tuple(agents_out),
                    dict(CONTRACTS), RULES)
