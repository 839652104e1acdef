"""``summary.txt``: a plan in plain text, as the CLI prints it after ``staffing plan``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.summary import service_level_by_queue, simulated_service_level_by_queue

__all__ = ["simulation_text", "summary_text"]


def summary_text(result) -> str:
    """The readable ``summary.txt`` of a :class:`~staffing.plan.PlanResult`: the plan's key
    figures and the per queue and day table."""
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
    # The agents rostered: the agents file with the scenario's leave and hires applied.
    agents = len(roster.agent_summary) if not roster.agent_summary.empty else \
        len(result.scenario.agents)
    line = (f"Roster: {roster.status}, {agents} agents "
            f"({working} working), {len(roster.roster)} shifts, {paid_hours:,.1f} paid hours, "
            f"solved in {roster.wall_seconds:.1f} s")
    if roster.objective is not None:
        line += f"; objective {roster.objective:,.1f}"
        if roster.bound is not None and roster.gap is not None and roster.bound > 0:
            source = f" ({roster.bound_source})" if roster.bound_source else ""
            line += f", lower bound {roster.bound:,.1f}{source}, gap {roster.gap:.1%}"
        elif roster.status != "OPTIMAL":
            line += " (no useful lower bound found within the time limit, so no gap)"
    lines.append(line)
    previous = getattr(result.scenario, "previous_roster", None)
    if previous is not None and len(previous):
        last_day = max(previous["date"])
        lines.append(f"Previous roster: {len(previous)} shifts up to {last_day}; rest, runs of "
                     "working days and days off and consecutive weekends continue from it")
    lines += [f"  {text}" for text in roster.explanation]
    lines += _simulation_lines(result)
    table = result.summary.copy()
    if not table.empty:
        lines += ["", _format_table(table)]
        totals = table.groupby("queue").agg(
            volume=("volume", "sum"), required=("required_agent_hours", "sum"),
            scheduled=("scheduled_agent_hours", "sum"),
            understaffed=("understaffed_intervals", "sum"),
        )
        weighted = service_level_by_queue(result.requirements, result.coverage)
        simulated = (simulated_service_level_by_queue(result.simulation)
                     if result.simulation is not None else pd.Series(dtype=float))
        lines += ["", "Per queue over the horizon:"]
        for queue, row in totals.iterrows():
            sl = weighted.get(queue, np.nan)
            sl_text = "n/a" if pd.isna(sl) else f"{sl:.1%}"
            if queue in simulated.index and not pd.isna(simulated[queue]):
                sl_text += f" (formula), {simulated[queue]:.1%} simulated"
            lines.append(
                f"  {queue}: {row['volume']:,.0f} contacts, {row['required']:,.1f} agent-hours "
                f"required, {row['scheduled']:,.1f} scheduled, expected service level "
                f"{sl_text}, {int(row['understaffed'])} understaffed intervals"
            )
    return "\n".join(lines) + "\n"


def _simulation_lines(result) -> list[str]:
    """What the simulation said, and what verification changed."""
    simulation = result.simulation
    if simulation is None:
        return []
    options = simulation.options
    lines = [f"Simulated: {simulation.replications} replications, routing {options.routing}, "
             f"{options.absence} absence, seed {simulation.seed} (docs/simulation.md)"]
    rounds = result.verification
    if rounds:
        lines += _round_lines(rounds)
    elif result.scenario.config.simulation.verify:
        lines.append("Verification: nothing added (no queue short of its target on any day in "
                     "simulation)")
    short = []
    summary = result.summary
    for queue in result.scenario.config.queues:
        if queue.channel == "email" or not queue.service_level:
            continue
        part = summary[(summary["queue"] == queue.id)
                       & (summary["simulated_service_level"] < queue.service_level)]
        short += [f"{queue.id} {row.date.isoformat()} {row.simulated_service_level:.1%}"
                  for row in part.itertuples()]
    lines.append("Days short of their target in simulation: "
                 + (", ".join(short) if short else "none"))
    return lines


def _round_lines(rounds) -> list[str]:
    kept = [r for r in rounds if r.kept]
    added = sum(r.added_agent_hours for r in kept)
    paid = (kept[-1].paid_hours_after - kept[0].paid_hours_before) if kept else 0.0
    lines = [f"Verification: {len(kept)} round{'' if len(kept) == 1 else 's'} kept, adding "
             f"{added:,.1f} agent-hours to the requirements and {paid:+,.1f} paid hours to the "
             "roster"]
    for r in rounds:
        queues = sorted({q for q, *_ in r.short_blocks})
        verdict = "kept" if r.kept else (
            "undone: its roster did not lower the simulated shortfall" if r.status != "INFEASIBLE"
            else "undone: no feasible roster")
        lines.append(f"  round {r.round}: {len(r.short_blocks)} blocks short in simulation "
                     f"({', '.join(queues)}); +{r.added_agent_hours:,.1f} agent-hours required; "
                     f"paid hours {r.paid_hours_before:,.1f} -> {r.paid_hours_after:,.1f} "
                     f"({r.status}, {verdict})")
    return lines


def _format_table(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "queue": table["queue"],
        "date": [d.isoformat() for d in table["date"]],
        "volume": [f"{v:,.0f}" for v in table["volume"]],
        "required_h": [f"{v:,.1f}" for v in table["required_agent_hours"]],
        "scheduled_h": [f"{v:,.1f}" for v in table["scheduled_agent_hours"]],
        "service_level": ["n/a" if pd.isna(v) else f"{v:.1%}" for v in table["service_level"]],
        **({"simulated": ["n/a" if pd.isna(v) else f"{v:.1%}"
                          for v in table["simulated_service_level"]]}
           if "simulated_service_level" in table.columns else {}),
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


def simulation_text(simulation) -> str:
    """Per queue over the horizon, what ``staffing simulate`` prints: contacts, simulated
    service level with its 95 % interval over replications, ASA, abandonment, occupancy."""
    counts = simulation.counts
    reps = simulation.replications
    queues = list(dict.fromkeys(simulation.intervals["queue"]))
    level = simulated_service_level_by_queue(simulation)
    per_rep_within = counts["within"].sum(axis=2)          # (replications, Q)
    per_rep_verdicts = counts["verdicts"].sum(axis=2)
    lines = [f"Simulated {reps} replications, routing {simulation.options.routing}, seed "
             f"{simulation.seed}",
             f"{'queue':<16} {'contacts':>10} {'service level':>14} {'95 % interval':>17} "
             f"{'ASA s':>8} {'abandoned':>9} {'occupancy':>9}"]
    for k, queue in enumerate(queues):
        with np.errstate(invalid="ignore", divide="ignore"):
            each = per_rep_within[:, k] / per_rep_verdicts[:, k]
            contacts = counts["contacts"][:, k].sum() / reps
            asa = counts["wait_seconds"][:, k].sum() / counts["answered"][:, k].sum()
            abandoned = counts["abandoned"][:, k].sum() / counts["contacts"][:, k].sum()
            occupancy = counts["busy_seconds"][:, k].sum() / counts["present_seconds"][:, k].sum()
        if reps > 1 and np.isfinite(each).all():
            half = 1.96 * np.std(each, ddof=1) / np.sqrt(reps)
            band = f"{max(0, level[queue] - half):.1%}-{min(1, level[queue] + half):.1%}"
        else:
            band = "n/a"
        shown = "n/a" if pd.isna(level[queue]) else f"{level[queue]:.1%}"
        lines.append(f"{queue:<16} {contacts:>10,.0f} {shown:>14} {band:>17} {asa:>8,.1f} "
                     f"{abandoned:>9.1%} {occupancy:>9.1%}")
    return "\n".join(lines) + "\n"
