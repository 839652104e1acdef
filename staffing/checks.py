"""What can be checked before solving: contradictions that make a plan impossible (raised) and
what is legal but suspicious (returned as warnings).

``staffing validate`` runs :func:`check_scenario`; ``staffing plan`` runs it too and prints the
warnings before the pipeline starts; ``staffing roster`` checks its requirements file against the
scenario with :func:`check_requirements`. Messages name the file, the field and the fix.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from staffing.errors import DataError, InfeasibleError
from staffing.io import Scenario
from staffing.plan import roster_agents
from staffing.solver.adjustments import adjust_contracts
from staffing.solver.explain import precheck
from staffing.solver.problem import build_problem

__all__ = ["check_requirements", "check_scenario"]

#: A history ending this many days before the horizon starts is warned about. [days]
STALE_HISTORY_DAYS = 28


def check_scenario(scenario: Scenario) -> tuple[str, ...]:
    """Check a loaded scenario beyond its schema; return the warnings (one line each).

    Raises :class:`~staffing.errors.InfeasibleError` when an agent's own rules contradict each
    other (minimum hours above maximum, more hours than the available days allow) and
    :class:`~staffing.errors.DataError` when the history cannot give a forecast for the horizon.
    Warns about queues no agent can serve, agents who can work no shift, a history far from the
    horizon, history queues the scenario does not plan and promotions in the horizon the
    forecast has nothing to learn their uplift from.
    """
    config = scenario.config
    where = str(scenario.source or "scenario")
    horizon = config.horizon_
    first_day, last_day = horizon.start_date, horizon.dates()[-1]
    warnings: list[str] = []
    queue_ids = [q.id for q in config.queues]

    history = scenario.history
    history_span: tuple[dt.date, dt.date] | None = None
    if history is not None:
        stamps = history["interval_start"]
        start, end = stamps.min().date(), stamps.max().date()
        history_span = (start, end)
        if start >= first_day:
            raise DataError(
                f"{config.history}: no history before the horizon's first day "
                f"{first_day.isoformat()} (the history starts {start.isoformat()}); the "
                "forecast learns only from days before the horizon: move horizon.start_date "
                "or give older history")
        gap = (first_day - end).days - 1
        if gap > STALE_HISTORY_DAYS:
            warnings.append(
                f"{config.history}: the history ends {end.isoformat()}, {gap} days before the "
                f"horizon starts ({first_day.isoformat()}); the forecast bridges the gap with "
                "no data")
        for queue in sorted(set(history["queue"]) - set(queue_ids)):
            warnings.append(f"{config.history}: queue {queue!r} is not a queue of {where} "
                            f"({', '.join(queue_ids)}); its rows are not used")
        for queue in [q for q in queue_ids if q not in set(history["queue"])]:
            warnings.append(f"{config.history}: no rows for queue {queue!r}; plan needs its "
                            "history (add its rows or remove the queue)")
        timed = set(history.loc[history["aht_seconds"].notna(), "queue"])
        for i, queue in enumerate(config.queues):
            if queue.aht_seconds is None and queue.id not in timed \
                    and queue.id in set(history["queue"]):
                raise DataError(
                    f"{config.history}: no handle time for queue {queue.id!r} (no aht_seconds "
                    f"in the history) and {where} sets no queues[{i}].aht_seconds; requirements "
                    f"need one: set queues[{i}].aht_seconds (e.g. 300) or add an aht_seconds "
                    "column to the history")

    def overlaps(event, first: dt.date, last: dt.date) -> bool:
        return not (event.last_date < first or event.start_date > last)

    learnt = {e.name for e in config.events
              if history_span is not None and overlaps(e, *history_span)}
    for i, event in enumerate(config.events):
        if (event.kind in ("promotion", "peak_season") and event.volume_multiplier is None
                and overlaps(event, first_day, last_day) and event.name not in learnt):
            warnings.append(
                f"{where}: events[{i}] ({event.name}, {event.start_date.isoformat()}) falls in "
                "the horizon but has no past occurrence in the history and no "
                "volume_multiplier; the forecast cannot learn its uplift (set "
                "volume_multiplier, e.g. 1.5)")

    if scenario.agents:
        agents = roster_agents(scenario)
        served = {s.queue for a in agents for s in a.skills}
        for queue in [q for q in queue_ids if q not in served]:
            warnings.append(
                f"{config.agents}: no agent has the skill {queue!r}; the queue gets no agent "
                f"and 0 % service (add {queue} to some agents' skills)")
        problem = build_problem(_no_requirements(horizon), agents, horizon=horizon,
                                contracts=adjust_contracts(config.contracts, config.adjustments),
                                rules=config.shift_rules)
        conflicts = precheck(problem)
        if conflicts:
            raise InfeasibleError(f"{config.agents}: no roster can keep every hard rule; fix "
                                  "the agents or their contracts", tuple(conflicts))
        idle = [agent.agent_id for a, agent in enumerate(problem.agents)
                if not any(len(day) for day in problem.options[a])]
        if idle and len(idle) == len(problem.agents):
            warnings.append(
                f"{config.agents}: no agent can work any shift in the horizon "
                f"({first_day.isoformat()} to {last_day.isoformat()}): every one is unavailable "
                "or off on every day, or their contract's start window has no shift; the roster "
                "will be empty")
        elif idle:
            shown = ", ".join(idle[:5]) + (f" and {len(idle) - 5} more" if len(idle) > 5 else "")
            warnings.append(
                f"{config.agents}: {len(idle)} agent{'s' if len(idle) > 1 else ''} can work no "
                f"shift in the horizon (unavailable or off every day): {shown}")
    return tuple(warnings)


def _no_requirements(horizon) -> pd.DataFrame:
    stamp = f"datetime64[ns, {horizon.time_zone}]"
    return pd.DataFrame({"queue": pd.Series(dtype=str),
                         "interval_start": pd.Series(dtype=stamp),
                         "agents_required_with_shrinkage": pd.Series(dtype=float)})


def check_requirements(frame: pd.DataFrame, scenario: Scenario, *,
                       where: str = "requirements") -> tuple[str, ...]:
    """Check a requirements (or forecast) frame against the scenario it is rostered with.

    Raises :class:`~staffing.errors.DataError` for a queue the scenario does not have or when no
    row falls in the horizon; returns a warning when some rows lie outside it (they are
    ignored) or some of the horizon has no row (nothing is required there).
    """
    config = scenario.config
    source = scenario.source or "the scenario"
    queue_ids = [q.id for q in config.queues]
    unknown = ~frame["queue"].isin(queue_ids)
    if unknown.any():
        row = int(unknown.to_numpy().nonzero()[0][0])
        raise DataError(f"{where}: row {row + 2}: queue {frame['queue'].iloc[row]!r} is not a "
                        f"queue of {source} ({', '.join(queue_ids)}); compute the requirements "
                        "with the same scenario, or add the queue to it")
    horizon = config.horizon_
    intervals = pd.DatetimeIndex(horizon.intervals())
    inside = frame["interval_start"].isin(intervals)
    first, last = horizon.start_date.isoformat(), horizon.dates()[-1].isoformat()
    if len(frame) and not inside.any():
        stamps = frame["interval_start"]
        raise DataError(f"{where}: no row falls in the horizon of {source} ({first} to {last} "
                        f"every {config.interval_minutes} min); the file covers "
                        f"{stamps.min().date().isoformat()} to {stamps.max().date().isoformat()}: "
                        "compute the requirements for the scenario's horizon")
    warnings = []
    outside = int((~inside).sum())
    if outside:
        warnings.append(f"{where}: {outside} rows lie outside the horizon ({first} to {last}) "
                        "or off its interval grid; they are ignored")
    expected = len(intervals) * len(queue_ids)
    covered = frame.loc[inside, ["queue", "interval_start"]].drop_duplicates()
    if len(covered) < expected:
        warnings.append(f"{where}: {expected - len(covered)} of the horizon's {expected} queue "
                        "intervals have no row; nothing is required there")
    return tuple(warnings)
