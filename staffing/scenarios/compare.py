"""Run scenarios side by side and compare what they cost and what service they give.

Each scenario is planned in its own process (or on a Dask cluster: pass its executor), then
reduced to a small :class:`Outcome`: per queue and day the forecast volume, required and
scheduled agent-hours, expected service level, ASA and abandonment, understaffed intervals; per
day the paid hours, overtime and cost. Only outcomes travel back between processes.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.export import write_plan
from staffing.io import Scenario
from staffing.plan import plan, roster_agents
from staffing.summary import (
    DAY_METRICS,
    QUEUE_METRICS,
    format_metric,
    roster_cost_by_day,
)

__all__ = ["Comparison", "Outcome", "compare", "outcome_of"]

@dataclass(frozen=True)
class Outcome:
    """What one scenario's plan came to.

    Attributes
    ----------
    name : the scenario's name (its file stem).
    status : the roster solver's status.
    per_queue_day : ``queue, date`` and :data:`QUEUE_METRICS`.
    per_day : ``date`` and :data:`DAY_METRICS`.
    wall_seconds : time to plan it. [s]
    plan_dir : folder its full outputs were written to, if any.
    """

    name: str
    status: str
    per_queue_day: pd.DataFrame
    per_day: pd.DataFrame
    wall_seconds: float
    plan_dir: Path | None = None


@dataclass(frozen=True)
class Comparison:
    """Outcomes of several scenarios, the first being the base."""

    outcomes: tuple[Outcome, ...]

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.outcomes]

    def table(self) -> pd.DataFrame:
        """Side by side per queue and day: ``queue, date, metric`` then one column per scenario.

        Day metrics (paid hours, overtime, cost) come with ``queue`` = ``all``.
        """
        frames = []
        for o in self.outcomes:
            per_queue = o.per_queue_day.reindex(columns=["queue", "date", *QUEUE_METRICS]).melt(
                ["queue", "date"], list(QUEUE_METRICS), var_name="metric")
            per_day = o.per_day.assign(queue="all").melt(["queue", "date"], list(DAY_METRICS),
                                                         var_name="metric")
            frames.append(pd.concat([per_queue, per_day]).assign(scenario=o.name))
        long = pd.concat(frames, ignore_index=True)
        wide = long.set_index(["queue", "date", "metric", "scenario"])["value"].unstack(
            "scenario").reindex(columns=self.names)
        order = {m: i for i, m in enumerate(QUEUE_METRICS + DAY_METRICS)}
        wide = wide.reset_index()
        wide["_order"] = wide["metric"].map(order)
        wide["_all"] = wide["queue"] == "all"
        wide = wide.sort_values(["_all", "queue", "date", "_order"]).drop(columns=["_order",
                                                                                   "_all"])
        wide.columns.name = None
        return _without_unsimulated(wide.reset_index(drop=True), self.names)

    def totals(self) -> pd.DataFrame:
        """Over the horizon: per queue volume, agent-hours, service level (volume-weighted),
        ASA, abandonment, understaffed intervals; then paid hours, overtime and cost."""
        rows = []
        for o in self.outcomes:
            q = o.per_queue_day.reindex(columns=["queue", "date", *QUEUE_METRICS])
            for queue, part in q.groupby("queue", sort=False):
                weight = part["volume"].to_numpy()
                rows += [(queue, "volume", o.name, weight.sum()),
                         (queue, "required_agent_hours", o.name,
                          part["required_agent_hours"].sum()),
                         (queue, "scheduled_agent_hours", o.name,
                          part["scheduled_agent_hours"].sum())]
                for metric in ("service_level", "simulated_service_level", "asa_seconds",
                               "abandon_rate"):
                    rows.append((queue, metric, o.name, _weighted(part[metric], weight)))
                rows.append((queue, "understaffed_intervals", o.name,
                             part["understaffed_intervals"].sum()))
            for metric in DAY_METRICS:
                rows.append(("all", metric, o.name, o.per_day[metric].sum()))
        long = pd.DataFrame(rows, columns=["queue", "metric", "scenario", "value"])
        order = {m: i for i, m in enumerate(QUEUE_METRICS + DAY_METRICS)}
        queues = {q: i for i, q in enumerate(dict.fromkeys(long["queue"]))}
        wide = long.set_index(["queue", "metric", "scenario"])["value"].unstack(
            "scenario").reindex(columns=self.names).reset_index()
        wide = wide.sort_values(["queue", "metric"], key=lambda c: c.map(
            queues if c.name == "queue" else order)).reset_index(drop=True)
        wide.columns.name = None
        return _without_unsimulated(wide, self.names)

    def totals_text(self) -> str:
        """The totals as an aligned plain-text table (what ``staffing compare`` prints)."""
        totals = self.totals()
        header = ["queue", "metric", *self.names]
        rows = [[r["queue"], r["metric"], *(format_metric(r["metric"], r[n]) for n in self.names)]
                for _, r in totals.iterrows()]
        rows.insert(0, ["", "status", *(o.status for o in self.outcomes)])
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
        lines = ["  ".join(str(v).ljust(w) if i < 2 else str(v).rjust(w)
                           for i, (v, w) in enumerate(zip(line, widths, strict=True)))
                 for line in [header, *rows]]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines) + "\n"


def _without_unsimulated(wide: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Drop the simulated rows when no scenario was simulated (``simulation.replications: 0``)."""
    empty = (wide["metric"] == "simulated_service_level") & wide[names].isna().all(axis=1)
    return wide[~empty].reset_index(drop=True)


def _weighted(values: pd.Series, weight: np.ndarray) -> float:
    v = values.to_numpy(dtype=float)
    ok = ~np.isnan(v) & (weight > 0)
    return float(np.average(v[ok], weights=weight[ok])) if ok.any() else float("nan")


# ------------------------------------------------------------------------------- outcomes
def outcome_of(result, name: str | None = None, wall_seconds: float = 0.0,
               plan_dir: Path | None = None) -> Outcome:
    """Reduce a :class:`~staffing.plan.PlanResult` to its :class:`Outcome`."""
    scenario = result.scenario
    config = scenario.config
    horizon = config.horizon_
    summary = result.summary.copy()
    for metric in QUEUE_METRICS:
        if metric not in summary.columns:
            summary[metric] = np.nan
    per_day = roster_cost_by_day(result.roster.roster, roster_agents(scenario), config.contracts,
                                 horizon.days)
    per_day = (pd.DataFrame({"date": horizon.dates()}).merge(per_day, on="date", how="left")
               .fillna({m: 0.0 for m in DAY_METRICS}))
    return Outcome(name or scenario.name, str(result.roster.status),
                   summary[["queue", "date", *QUEUE_METRICS]], per_day, wall_seconds, plan_dir)


def _plan_one(scenario: Scenario, name: str, out_dir: str | None) -> Outcome:
    """Plan one scenario (in a worker process) and reduce it; write its outputs if asked."""
    started = time.perf_counter()
    result = plan(scenario)
    plan_dir = None
    if out_dir is not None:
        plan_dir = Path(out_dir) / name
        write_plan(result, plan_dir)
    return outcome_of(result, name, time.perf_counter() - started, plan_dir)


def _unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    names: list[str] = []
    for s in scenarios:
        name, k = s.name, 2
        while name in names:
            name, k = f"{s.name}-{k}", k + 1
        names.append(name)
    return names


def compare(
    scenarios: Sequence[Scenario],
    *,
    out_dir: Path | str | None = None,
    executor: cf.Executor | None = None,
    max_workers: int | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> Comparison:
    """Plan every scenario and put the outcomes side by side (the first is the base).

    Scenarios run in parallel processes (``max_workers``, default: one per core, at most one
    per scenario), or on ``executor`` if given (e.g. a Dask ``Client.get_executor()``). With
    ``out_dir``, each plan's full outputs go to ``out_dir/<name>/``. ``on_done`` hears of each
    outcome as it arrives. Results do not depend on where a scenario ran.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    names = _unique_names(scenarios)
    target = None if out_dir is None else str(out_dir)
    own = executor is None
    if own:
        workers = max_workers or min(len(scenarios), os.cpu_count() or 1)
        executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {executor.submit(_plan_one, s, n, target): n
                   for s, n in zip(scenarios, names, strict=True)}
        done: dict[str, Outcome] = {}
        for future in cf.as_completed(futures):
            outcome = future.result()
            done[futures[future]] = outcome
            if on_done is not None:
                on_done(outcome)
    finally:
        if own:
            executor.shutdown(cancel_futures=True)
    return Comparison(tuple(done[n] for n in names))
