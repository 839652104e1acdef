"""``summary.txt``: a plan in plain text, as the CLI prints it after ``staffing plan``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.summary import service_level_by_queue

__all__ = ["summary_text"]


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
    line = (f"Roster: {roster.status}, {len(result.scenario.agents)} agents "
            f"({working} working), {len(roster.roster)} shifts, {paid_hours:,.1f} paid hours, "
            f"solved in {roster.wall_seconds:.1f} s")
    if roster.objective is not None:
        line += f"; objective {roster.objective:,.1f}"
        if roster.bound is not None and roster.gap is not None and roster.bound > 0:
            line += f", lower bound {roster.bound:,.1f}, gap {roster.gap:.1%}"
        elif roster.status != "OPTIMAL":
            line += " (no useful lower bound found within the time limit, so no gap)"
    lines.append(line)
    lines += [f"  {text}" for text in roster.explanation]
    table = result.summary.copy()
    if not table.empty:
        lines += ["", _format_table(table)]
        totals = table.groupby("queue").agg(
            volume=("volume", "sum"), required=("required_agent_hours", "sum"),
            scheduled=("scheduled_agent_hours", "sum"),
            understaffed=("understaffed_intervals", "sum"),
        )
        weighted = service_level_by_queue(result.requirements, result.coverage)
        lines += ["", "Per queue over the horizon:"]
        for queue, row in totals.iterrows():
            sl = weighted.get(queue, np.nan)
            sl_text = "n/a" if pd.isna(sl) else f"{sl:.1%}"
            lines.append(
                f"  {queue}: {row['volume']:,.0f} contacts, {row['required']:,.1f} agent-hours "
                f"required, {row['scheduled']:,.1f} scheduled, expected service level "
                f"{sl_text}, {int(row['understaffed'])} understaffed intervals"
            )
    return "\n".join(lines) + "\n"


def _format_table(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "queue": table["queue"],
        "date": [d.isoformat() for d in table["date"]],
        "volume": [f"{v:,.0f}" for v in table["volume"]],
        "required_h": [f"{v:,.1f}" for v in table["required_agent_hours"]],
        "scheduled_h": [f"{v:,.1f}" for v in table["scheduled_agent_hours"]],
        "service_level": ["n/a" if pd.isna(v) else f"{v:.1%}" for v in table["service_level"]],
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
