"""Re-planning mid-week after five absences: wall time, changed shifts, service recovered.

    .venv/bin/python benchmarks/replan.py configs/express-week.yaml --publish-limit 60

1. The bundled week is planned (forecast, requirements, roster with ``--publish-limit``
   seconds; no simulation) and taken as the published roster.
2. Five agents working on Wednesday, Thursday and Friday (the first five by id) fall ill from
   Wednesday 12:00 to Friday.
3. ``staffing.replan`` re-plans from Wednesday 12:00 with the default change costs
   (``solver.weights.shift_change``, ``agent_change``) and the default 15-s limit.
4. The same re-plan "from scratch": the past kept, no change cost (both weights 0).

Printed: wall time of each re-plan, changed shifts and agents touched, and per channel the
service of Wednesday to Sunday, before (published less the absences), after the re-plan and
after the re-plan from scratch, by the Erlang formula model and by simulation (contact by
contact, 20 replications). One JSON line, then a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _pooled(service: pd.DataFrame, requirements: pd.DataFrame, column: str) -> dict:
    """Per queue, the days' service level weighted by each day's volume."""
    volume = requirements.assign(date=[t.date() for t in requirements["interval_start"]]) \
        .groupby(["queue", "date"])["volume"].sum().rename("volume").reset_index()
    frame = service.merge(volume, on=["queue", "date"])
    frame = frame[frame[column].notna()]
    out = {}
    for queue, rows in frame.groupby("queue"):
        out[queue] = round(float((rows[column] * rows["volume"]).sum() / rows["volume"].sum()),
                           4)
    return out


def _checks(scenario, published, result, absences, cut) -> dict:
    """The acceptance checks on the re-plan: the past unchanged (shifts started before the cut
    and every activity before it, the absent agents' aside), no shift of an absent agent on
    an absent day, and every hard rule by the independent checker of the tests."""
    from tests.solver.checker import check_roster

    from staffing.plan import roster_agents
    from staffing.replan import _absent_agents

    zone = scenario.config.site.time_zone
    cut = cut.tz_localize(zone) if cut.tz is None else cut
    absent = {x.agent_id for x in absences}

    def past_shifts(frame):
        rows = frame[(frame["shift_start"] < cut) & ~frame["agent_id"].isin(absent)]
        return sorted(map(tuple, rows[["agent_id", "shift_start", "shift_end"]].astype(str)
                          .to_numpy()))

    def past_acts(frame):
        rows = frame[(frame["start"] < cut) & ~frame["agent_id"].isin(absent)].copy()
        rows["end"] = rows["end"].where(rows["end"] <= cut, cut)
        return sorted(map(tuple, rows[["agent_id", "start", "end", "activity"]].astype(str)
                          .to_numpy()))

    after = result.roster
    left = [(r.agent_id, r.date) for r in after.roster.itertuples()
            if any(x.agent_id == r.agent_id and x.covers(r.date) for x in absences)]
    c = scenario.config
    agents = _absent_agents(roster_agents(scenario), absences, zone, cut)
    violations = check_roster(after, agents, c.contracts, c.shift_rules, c.horizon_)
    return {"past_shifts_unchanged": past_shifts(after.roster) == past_shifts(published.roster),
            "past_activities_unchanged": past_acts(after.activities)
            == past_acts(published.activities),
            "absent_shifts_left": len(left), "hard_rule_violations": violations[:5]}


def run(path: str, publish_limit: float, cut: str, absent_days: int) -> dict:
    from staffing import io
    from staffing.io import load_scenario
    from staffing.plan import forecast_stage, requirements_stage, roster_stage
    from staffing.replan import parse_absences, replan

    scenario = load_scenario(path)
    forecast = forecast_stage(scenario).frame
    requirements = requirements_stage(scenario, forecast)
    published = roster_stage(
        scenario.with_changes({"solver": {"time_limit_seconds": publish_limit}}), requirements)
    cut_time = pd.Timestamp(cut)
    first = cut_time.date()
    last = first + dt.timedelta(days=absent_days - 1)
    days = published.roster.groupby("agent_id")["date"].apply(set)
    wanted = {first + dt.timedelta(days=i) for i in range(absent_days)}
    absent = sorted(a for a, d in days.items() if wanted <= d)[:5]
    absences = parse_absences([",".join(absent)], default_first=first, default_last=last)

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        io.write_table(published.roster, folder / "roster.csv", "roster")
        io.write_table(published.activities, folder / "activities.csv", "activities")
        io.write_table(forecast, folder / "forecast.csv", "forecast")
        io.write_table(requirements, folder / "requirements.csv", "requirements")
        runs = {}
        for name, weights in (("replan", {}),
                              ("from_scratch", {"shift_change": 0, "agent_change": 0})):
            chosen = scenario.with_changes({"solver": {"weights": weights}}) if weights \
                else scenario
            result = replan(chosen, folder, replan_from=cut, absences=absences)
            runs[name] = result
    checks = _checks(scenario, published, runs["replan"], absences, cut_time)
    out = {"scenario": path, "cut": cut, "absent": absent,
           "absent_dates": f"{first}..{last}", "publish_limit_seconds": publish_limit,
           **checks}
    service = runs["replan"].service
    for column, label in (("service_level_before", "formula_before"),
                          ("simulated_service_level_before", "simulated_before")):
        out[label] = _pooled(service, requirements, column)
    for name, result in runs.items():
        out[name] = {
            "wall_seconds": round(result.wall_seconds, 1),
            "changed_shifts": result.changed_shifts,
            "agents_touched": result.agents_touched,
            "removed_absent_shifts": int((result.changes["why"] == "absent").sum()),
            "objective": round(result.roster.objective, 1),
            "formula_after": _pooled(result.service, requirements, "service_level_after"),
            "simulated_after": _pooled(result.service, requirements,
                                       "simulated_service_level_after"),
            "understaffed_intervals_after": int(
                result.service["understaffed_intervals_after"].sum()),
        }
    out["understaffed_intervals_before"] = int(service["understaffed_intervals_before"].sum())
    return out


def markdown(result: dict) -> str:
    lines = ["| | wall s | changed shifts | agents touched | understaffed intervals | "
             + " | ".join(f"{q} formula / simulated" for q in result["formula_before"]) + " |",
             "|---|---|---|---|---|" + "---|" * len(result["formula_before"])]

    def cells(formula, simulated):
        return " | ".join(f"{formula.get(q, float('nan')):.1%} / "
                          f"{simulated.get(q, float('nan')):.1%}" for q in result["formula_before"])

    lines.append(f"| published less the absences | - | - | - | "
                 f"{result['understaffed_intervals_before']} | "
                 f"{cells(result['formula_before'], result['simulated_before'])} |")
    for name in ("replan", "from_scratch"):
        r = result[name]
        lines.append(f"| {name.replace('_', ' ')} | {r['wall_seconds']} | {r['changed_shifts']} | "
                     f"{r['agents_touched']} | {r['understaffed_intervals_after']} | "
                     f"{cells(r['formula_after'], r['simulated_after'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="configs/express-week.yaml")
    parser.add_argument("--publish-limit", type=float, default=60.0)
    parser.add_argument("--cut", default="2026-11-25T12:00")
    parser.add_argument("--absent-days", type=int, default=3)
    args = parser.parse_args()
    result = run(args.scenario, args.publish_limit, args.cut, args.absent_days)
    print(json.dumps(result), flush=True)
    print(markdown(result))


if __name__ == "__main__":
    main()
