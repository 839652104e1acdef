"""Re-planning a published roster mid-week: absences, a hotter day, the fewest changes.

:func:`replan` takes a published roster of the scenario's horizon and a cut (``replan_from``):

1. everything before the cut stays: each published shift that started before it is kept as it
   is, and no other shift may start before it (the past is not re-planned);
2. absent agents are removed for the dates given: their shifts on those dates go (a shift of
   an absent day never happened, even one starting before the cut), they get no new one, and
   their weekly hour minimum is waived for the horizon (absence is leave, not idle time);
3. with the contacts so far (``actuals``, history format) the forecast is re-forecast
   (:func:`staffing.forecast.reforecast`: the rest of the cut's day moves by the day's
   actual/forecast ratio so far, shrunk toward 1 by a credibility weight; with the backtested
   defaults the days after keep the plan's forecast) and the requirements computed again;
4. the roster is solved again from the published one (its warm start) with the usual objective
   plus ``solver.weights.shift_change`` per agent-day after the cut that differs from the
   published roster and ``solver.weights.agent_change`` per agent with any change, so the
   re-plan changes what it must.

The result lists the changes (agent, date, before, after, why) and the service of the days from
the cut's, before (the published roster less the absences, as it would run) and after, from the
same formula model as every plan's summary (Erlang C/A per interval on the re-plan's
requirements, ``staffing.summary``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from staffing.domain import Agent
from staffing.errors import ConfigError, DataError
from staffing.forecast import reforecast
from staffing.io import Scenario
from staffing.io.tables import read_format
from staffing.plan import forecast_stage, requirements_stage, roster_agents, simulation_stage
from staffing.simulate.inputs import PAUSES
from staffing.solver import RosterResult, SolveProgress, solve_roster
from staffing.solver.adjustments import adjust_contracts
from staffing.summary import coverage_report, daily_summary

__all__ = ["CHANGE_COLUMNS", "Absence", "ReplanResult", "parse_absences", "replan",
           "splice_activities"]

#: Columns of ``changes.csv``.
CHANGE_COLUMNS = ("agent_id", "date", "before", "after", "why")
#: The time limit of a re-plan when none is given: a re-plan is wanted now. [s]
DEFAULT_REPLAN_SECONDS = 15.0


@dataclass(frozen=True)
class Absence:
    """An agent absent from ``first_date`` to ``last_date`` (local dates, both included)."""

    agent_id: str
    first_date: dt.date
    last_date: dt.date

    def covers(self, date: dt.date) -> bool:
        return self.first_date <= date <= self.last_date


@dataclass(frozen=True)
class ReplanResult:
    """A re-planned roster and what changed.

    Attributes
    ----------
    roster : the solver's result for the re-plan (roster, activities, coverage, ...).
    changes : one row per agent and date whose shift changed: ``agent_id, date, before,
        after, why`` (``before``/``after`` as ``HH:MM-HH:MM`` local, or ``off``; ``why``:
        ``absent``, or ``re-planned``).
    service : per queue and day from the cut's date: ``service_level_before/after``,
        ``understaffed_intervals_before/after``, ``scheduled_agent_hours_before/after`` —
        before is the published roster less the absences; expected service level by the
        formula model of the plan's summary, on the re-plan's requirements — and, with
        ``simulation.replications`` > 0, ``simulated_service_level_before/after``
        (contact-by-contact simulation of both rosters against the (re-)forecast).
    requirements, forecast : what the re-plan rostered against (re-forecast with actuals).
    replan_from : the cut (aware, the site's time).
    absences : the absences applied.
    changed_shifts : agent-days changed by the re-plan (absences not counted). [count]
    agents_touched : agents with a changed day (absences not counted). [count]
    wall_seconds : the whole re-plan's time. [s]
    notes : what a planner should know (factors of the re-forecast, ...).
    """

    roster: RosterResult
    changes: pd.DataFrame
    service: pd.DataFrame
    requirements: pd.DataFrame
    forecast: pd.DataFrame
    replan_from: pd.Timestamp
    absences: tuple[Absence, ...]
    changed_shifts: int
    agents_touched: int
    wall_seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def parse_absences(texts: Iterable[str], *, default_first: dt.date,
                   default_last: dt.date) -> tuple[Absence, ...]:
    """``--absent`` values, each ``AGENT[,AGENT...][@DATE[..DATE]]`` (ISO dates): the agents
    listed are absent on those dates (both included), or from ``default_first`` to
    ``default_last`` without dates. Repeat the option for agents absent on other dates."""
    out = []
    for text in texts:
        names, _, span = text.partition("@")
        first, last = default_first, default_last
        if span:
            lo, _, hi = span.strip().partition("..")
            try:
                first = dt.date.fromisoformat(lo)
                last = dt.date.fromisoformat(hi) if hi else first
            except ValueError:
                raise ConfigError(
                    f"--absent {text!r}: dates must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD "
                    "after the agents, e.g. A017,A023@2026-11-25..2026-11-27") from None
            if last < first:
                raise ConfigError(f"--absent {text!r}: the last date is before the first")
        agent_ids = [n.strip() for n in names.split(",") if n.strip()]
        if not agent_ids:
            raise ConfigError(f"--absent {text!r}: name at least one agent, e.g. A017")
        out.extend(Absence(agent_id, first, last) for agent_id in agent_ids)
    return tuple(out)


def _published_from(published: pd.DataFrame | Path | str, zone: str
                    ) -> tuple[pd.DataFrame, pd.DataFrame | None, Path | None, Path | None]:
    """The published roster, its activities when a plan folder gives them, the folder to look
    for the plan's other files in, and the roster's file."""
    if isinstance(published, pd.DataFrame):
        return published, None, None, None
    path = Path(published)
    if path.is_dir():
        roster_path = path / "roster.csv"
        if not roster_path.is_file():
            raise DataError(f"{path}: no roster.csv; give the folder of a plan (staffing plan "
                            "--out) or its roster.csv")
        acts = path / "activities.csv"
        activities = read_format(acts, "activities", zone) if acts.is_file() else None
        return read_format(roster_path, "roster", zone), activities, path, roster_path
    return read_format(path, "roster", zone), None, path.parent, path


def _label(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    if start is None:
        return "off"
    return f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}"


def _changes(before: pd.DataFrame, after: pd.DataFrame, absences: Sequence[Absence]
             ) -> pd.DataFrame:
    """The agent-days whose shift differs between the published roster and the re-plan."""
    def by_day(frame: pd.DataFrame) -> dict[tuple[str, dt.date], tuple]:
        return {(str(a), pd.Timestamp(s).date()): (pd.Timestamp(s), pd.Timestamp(e))
                for a, s, e in zip(frame["agent_id"], frame["shift_start"], frame["shift_end"],
                                   strict=True)}

    old, new = by_day(before), by_day(after)
    rows = []
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        agent_id, date = key
        absent = any(x.agent_id == agent_id and x.covers(date) for x in absences)
        rows.append((agent_id, date, _label(*(o or (None, None))),
                     _label(*(n or (None, None))), "absent" if absent and n is None
                     else "re-planned"))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _without_absences(roster: pd.DataFrame, activities: pd.DataFrame | None,
                      absences: Sequence[Absence]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The roster without the shifts starting on a date their agent is absent, and the
    activities without those shifts' (a night shift's activities after midnight included)."""
    dates = pd.Series([pd.Timestamp(t).date() for t in roster["shift_start"]],
                      index=roster.index)
    agents = roster["agent_id"].astype(str)
    gone = pd.Series(False, index=roster.index)
    for x in absences:
        gone |= (agents == x.agent_id) & dates.map(x.covers)
    if activities is None:
        return roster[~gone], None
    drop = pd.Series(False, index=activities.index)
    who = activities["agent_id"].astype(str)
    for agent_id, start, end in zip(agents[gone], roster.loc[gone, "shift_start"],
                                    roster.loc[gone, "shift_end"], strict=True):
        drop |= (who == agent_id) & (activities["start"] >= start) & (activities["start"] < end)
    return roster[~gone], activities[~drop]


def _absent_agents(agents: Sequence[Agent], absences: Sequence[Absence], zone: str,
                   cut: pd.Timestamp | None = None) -> tuple[Agent, ...]:
    """The agents with their absences as unavailable time from the cut on (the past is kept
    as it happened: a night shift that ended on an absent morning before the cut stays) and
    no hour minimum."""
    by_agent: dict[str, list[Absence]] = {}
    for absence in absences:
        by_agent.setdefault(absence.agent_id, []).append(absence)
    out = []
    for agent in agents:
        spans = by_agent.get(agent.agent_id)
        if not spans:
            out.append(agent)
            continue
        windows = []
        for x in spans:
            start = pd.Timestamp(x.first_date).tz_localize(zone)
            end = pd.Timestamp(x.last_date + dt.timedelta(days=1)).tz_localize(zone)
            if cut is not None:
                start = max(start, cut)
            if end > start:
                windows.append((start, end))
        out.append(dataclasses.replace(agent, unavailable=agent.unavailable + tuple(windows),
                                       min_hours_per_week=0.0))
    return tuple(out)


def _service(requirements: pd.DataFrame, coverage: pd.DataFrame, scenario: Scenario,
             first: dt.date) -> pd.DataFrame:
    config = scenario.config
    report = coverage_report(requirements, coverage, config)
    days = daily_summary(requirements, report, config.interval_minutes)
    return days[days["date"] >= first]


def _simulated(scenario: Scenario, forecast: pd.DataFrame, before: pd.DataFrame,
               after: pd.DataFrame, first: dt.date) -> pd.DataFrame:
    """The simulated service level per queue and day from ``first``, before and after
    (``staffing.simulate``, the scenario's ``simulation:`` settings)."""
    out = []
    for label, activities in (("before", before), ("after", after)):
        days = simulation_stage(scenario, forecast, activities).days
        days = days[days["date"] >= first][["queue", "date", "service_level"]]
        out.append(days.rename(columns={"service_level": f"simulated_service_level_{label}"}))
    return out[0].merge(out[1], on=["queue", "date"])


def _coverage_of(activities: pd.DataFrame, requirements: pd.DataFrame,
                 interval_minutes: int) -> pd.DataFrame:
    """Coverage format from activities: agents per queue and interval."""
    step = pd.Timedelta(minutes=interval_minutes)
    counts: dict[tuple[str, pd.Timestamp], int] = {}
    for act, start, end in zip(activities["activity"], activities["start"], activities["end"],
                               strict=True):
        if act in PAUSES:
            continue
        t = pd.Timestamp(start)
        while t < pd.Timestamp(end):
            counts[(act, t)] = counts.get((act, t), 0) + 1
            t += step
    frame = requirements[["queue", "interval_start", "agents_required_with_shrinkage"]].copy()
    frame["scheduled"] = [counts.get((q, pd.Timestamp(t)), 0)
                          for q, t in zip(frame["queue"], frame["interval_start"], strict=True)]
    frame = frame.rename(columns={"agents_required_with_shrinkage": "required"})
    frame["required"] = frame["required"].astype(int)
    frame["gap"] = frame["scheduled"] - frame["required"]
    return frame[["queue", "interval_start", "required", "scheduled", "gap"]]


def splice_activities(past: pd.DataFrame, future: pd.DataFrame, cut: pd.Timestamp
                      ) -> pd.DataFrame:
    """Activities format: ``past``'s before ``cut`` and ``future``'s from it, segments cut
    there and joined again where the same activity goes on across it."""
    before = past[past["start"] < cut].copy()
    before["end"] = before["end"].where(before["end"] <= cut, cut)
    after = future[future["end"] > cut].copy()
    after["start"] = after["start"].where(after["start"] >= cut, cut)
    rows = pd.concat([before, after], ignore_index=True)
    rows = rows.sort_values(["agent_id", "start"], kind="stable").reset_index(drop=True)
    out: list[list] = []
    for agent_id, start, end, act in rows[["agent_id", "start", "end", "activity"]].itertuples(
            index=False):
        if out and out[-1][0] == agent_id and out[-1][3] == act and out[-1][2] == start:
            out[-1][2] = end
        else:
            out.append([agent_id, start, end, act])
    return pd.DataFrame(out, columns=["agent_id", "start", "end", "activity"])


def replan(
    scenario: Scenario,
    published: pd.DataFrame | Path | str,
    *,
    replan_from: pd.Timestamp | dt.datetime | str,
    absences: Sequence[Absence] = (),
    actuals: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    requirements: pd.DataFrame | None = None,
    published_activities: pd.DataFrame | None = None,
    time_limit_seconds: float | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> ReplanResult:
    """Re-plan ``published`` (a roster frame, a ``roster.csv`` or a plan folder) of
    ``scenario``'s horizon from ``replan_from`` (local time of the site when naive); see the
    module docstring.

    Parameters
    ----------
    absences : agents absent on some dates (:func:`parse_absences`).
    actuals : the contacts so far (history format); the rest of the cut's day is re-forecast
        from them (:func:`staffing.forecast.reforecast`).
    forecast, requirements : the plan's (default: read from the plan folder, else made again
        from the scenario's history).
    published_activities : the published activities (default: the plan folder's), for the
        service before the re-plan.
    time_limit_seconds : the solver's limit (default 15 s).
    """
    started = time.perf_counter()
    config = scenario.config
    zone = config.site.time_zone
    horizon = config.horizon_
    where = str(scenario.source or "scenario")
    if not scenario.agents:
        raise ConfigError(f"{where}: agents is required to re-plan; set agents: to the agents CSV")
    cut = pd.Timestamp(replan_from)
    cut = cut.tz_localize(zone) if cut.tz is None else cut.tz_convert(zone)
    if not horizon.start <= cut < horizon.end:
        raise ConfigError(f"--from {cut.isoformat()} is outside the horizon of {where} "
                          f"({horizon.start_date.isoformat()} to "
                          f"{horizon.dates()[-1].isoformat()}); re-plan with the scenario the "
                          "roster was planned with")
    roster, activities, folder, roster_path = _published_from(published, zone)
    if published_activities is not None:
        activities = published_activities
    notes: list[str] = []
    if forecast is None and folder is not None and (folder / "forecast.csv").is_file():
        forecast = read_format(folder / "forecast.csv", "forecast", zone)
    if requirements is None and actuals is None and folder is not None \
            and (folder / "requirements.csv").is_file():
        requirements = read_format(folder / "requirements.csv", "requirements", zone)
    if forecast is None and (requirements is None or actuals is not None):
        forecast = forecast_stage(scenario).frame
    if actuals is not None:
        adjusted = reforecast(forecast, actuals, as_of=cut)
        forecast = adjusted.frame
        notes.extend(adjusted.notes)
    if requirements is None:
        requirements = requirements_stage(scenario, forecast)

    known = {a.agent_id for a in scenario.agents}
    unknown = sorted({x.agent_id for x in absences} - known)
    if unknown:
        raise ConfigError(f"--absent: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'}"
                          f" not an agent of {config.agents}")
    kept, kept_activities = _without_absences(roster, activities, absences)

    step = pd.Timedelta(minutes=config.interval_minutes)
    cut = horizon.start + step * int(-(-(cut - horizon.start) // step))  # the next interval
    agents = _absent_agents(roster_agents(scenario), absences, zone, cut)
    settings = config.solver.model_copy(update={
        "time_limit_seconds": time_limit_seconds or DEFAULT_REPLAN_SECONDS})
    try:
        result = solve_roster(
            requirements, agents, horizon=horizon,
            contracts=adjust_contracts(config.contracts, config.adjustments),
            rules=config.shift_rules, settings=settings, warm_start=kept,
            previous_roster=scenario.previous_roster, published=kept, replan_from=cut,
            published_activities=kept_activities, on_progress=on_progress)
    except DataError as exc:  # the solver names the roster's row; name its file too
        if roster_path is None or not str(exc).startswith("published roster"):
            raise
        raise DataError(f"{roster_path}: {exc}") from None
    if result.feasible and kept_activities is not None:
        spliced = splice_activities(kept_activities, result.activities, cut)
        result = dataclasses.replace(
            result, activities=spliced,
            coverage=_coverage_of(spliced, requirements, config.interval_minutes))

    changes = _changes(roster, result.roster, absences) if result.feasible \
        else pd.DataFrame(columns=list(CHANGE_COLUMNS))
    replanned = changes[changes["why"] == "re-planned"]
    service = pd.DataFrame()
    if result.feasible:
        after = _service(requirements, result.coverage, scenario, cut.date())
        if kept_activities is not None:
            before_cov = _coverage_of(kept_activities, requirements, config.interval_minutes)
            before = _service(requirements, before_cov, scenario, cut.date())
            keys = ["queue", "date"]
            metrics = ["service_level", "understaffed_intervals", "scheduled_agent_hours"]
            service = before[keys + metrics].merge(after[keys + metrics], on=keys,
                                                   suffixes=("_before", "_after"))
            if config.simulation.replications > 0 and forecast is not None:
                service = service.merge(
                    _simulated(scenario, forecast, kept_activities, result.activities,
                               cut.date()), on=keys, how="left")
        else:
            notes.append("no published activities: the breaks and queues before the cut are "
                         "placed again and the service before the re-plan is not shown (give "
                         "the plan folder, or published_activities)")
            service = after
    return ReplanResult(
        roster=result, changes=changes, service=service, requirements=requirements,
        forecast=forecast if forecast is not None else pd.DataFrame(), replan_from=cut,
        absences=tuple(absences), changed_shifts=len(replanned),
        agents_touched=replanned["agent_id"].nunique(),
        wall_seconds=time.perf_counter() - started, notes=tuple(notes))
