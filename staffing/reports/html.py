"""``report.html``: one self-contained page per plan or comparison.

Inline CSS and PNG images (base64 data URIs), no scripts and no network: the file can be mailed
or opened from a shared drive. Sections: key figures; history and forecast with bands; required
vs scheduled per queue (lines and a heatmap); the roster as a Gantt chart; paid hours per agent;
soft-rule violations.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from staffing.reports import charts
from staffing.summary import (
    format_metric,
    service_level_by_queue,
    simulated_service_level_by_queue,
)

__all__ = ["comparison_report", "plan_charts", "plan_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d1d1f;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}.sub{color:#666;margin-top:0}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:.8rem}
.kpi{background:#f5f7fa;border-radius:8px;padding:.7rem 1rem}
.kpi .v{font-size:1.4rem;font-weight:600}.kpi .k{color:#555;font-size:.85rem}
.bad{color:#b3261e}.good{color:#1b7f3b}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th.l,td.l{text-align:left}thead th{background:#fafafa}
img{max-width:100%;height:auto}.scroll{overflow-x:auto}
"""


def _img(fig, alt: str) -> str:
    data = base64.b64encode(charts.png_bytes(fig)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, formats: Mapping[str, str] | None = None,
           table_id: str | None = None, left: Iterable[str] = ()) -> str:
    formats = formats or {}
    left = set(left)
    head = "".join(f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>'
                   for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, values, strict=True):
            if isinstance(value, float) and np.isnan(value):
                text = "n/a"
            elif isinstance(value, float) and np.isinf(value):
                text = "∞"  # an overloaded queue: Erlang C's wait grows without bound
            elif column in formats:
                text = format(value, formats[column])
            else:
                text = str(value)
            cells.append(f'<td class="{"l" if column in left else ""}">{html.escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return (f'<div class="scroll"><table{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _switch_kpis(agent_summary: pd.DataFrame) -> list[str]:
    """Queue switches within shifts: in all, and per shift (none without multi-skill data)."""
    if agent_summary.empty or "queue_switches" not in agent_summary:
        return []
    switches = int(agent_summary["queue_switches"].sum())
    shifts = int(agent_summary["shifts"].sum())
    return [_kpi("queue switches within shifts", f"{switches:,}", "queue-switches"),
            _kpi("queue switches per shift", f"{switches / max(shifts, 1):.2f}",
                 "switches-per-shift")]


def _kpi(key: str, value: str, kpi_id: str, css: str = "") -> str:
    return (f'<div class="kpi" id="kpi-{kpi_id}"><div class="v {css}">{html.escape(value)}</div>'
            f'<div class="k">{html.escape(key)}</div></div>')


def _page(title: str, subtitle: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=\"sub\">{html.escape(subtitle)}</p>"
            f"{body}</body></html>\n")


def plan_charts(result) -> dict[str, object]:
    """The plan's charts as matplotlib figures, by file stem (``forecast``, ``coverage``,
    ``gaps``, ``roster``, ``agent_hours``); roster charts only when a roster exists."""
    figures: dict[str, object] = {
        "forecast": charts.forecast_chart(result.scenario.history, result.forecast.frame),
    }
    if result.roster.feasible and not result.coverage.empty:
        config = result.scenario.config
        queues = [q.id for q in config.queues]
        agents = sorted(set(result.roster.roster["agent_id"]))
        figures["coverage"] = charts.coverage_chart(result.coverage)
        figures["gaps"] = charts.gap_heatmap(result.coverage)
        simulation = getattr(result, "simulation", None)
        if simulation is not None and "service_level" in result.coverage.columns:
            figures["service_level"] = charts.service_level_chart(
                result.coverage, simulation.intervals,
                {q.id: q.service_level for q in config.queues})
        figures["roster"] = charts.roster_gantt(result.roster.activities, agents, queues)
        if not result.roster.agent_summary.empty:
            figures["agent_hours"] = charts.agent_hours_chart(result.roster.agent_summary)
    return figures


def plan_report(result, figures: Mapping[str, object] | None = None) -> str:
    """The HTML report of a :class:`~staffing.plan.PlanResult`."""
    config = result.scenario.config
    horizon = config.horizon_
    roster = result.roster
    figures = plan_charts(result) if figures is None else figures
    summary = result.summary
    volume = summary["volume"].sum() if not summary.empty else 0.0
    levels = service_level_by_queue(result.requirements, result.coverage)
    simulated = (simulated_service_level_by_queue(result.simulation)
                 if getattr(result, "simulation", None) is not None else pd.Series(dtype=float))
    paid = roster.roster["paid_minutes"].sum() / 60 if not roster.roster.empty else 0.0
    understaffed = int(summary["understaffed_intervals"].sum()) if not summary.empty else 0
    kpis = [
        _kpi("contacts forecast", f"{volume:,.0f}", "volume"),
        _kpi("required agent-hours", f"{summary['required_agent_hours'].sum():,.0f}"
             if not summary.empty else "0", "required"),
        _kpi("scheduled agent-hours", f"{summary['scheduled_agent_hours'].sum():,.0f}"
             if not summary.empty else "0", "scheduled"),
        _kpi("understaffed queue-intervals", f"{understaffed:,}", "understaffed",
             "bad" if understaffed else "good"),
        *(_kpi(f"{q.id}: expected service level", f"{levels[q.id]:.1%}", f"sl-{q.id}",
               "" if not q.service_level else
               ("good" if levels[q.id] >= q.service_level else "bad"))
          for q in config.queues if q.id in levels.index),
        *(_kpi(f"{q.id}: simulated service level", f"{simulated[q.id]:.1%}", f"sim-{q.id}",
               "" if not q.service_level else
               ("good" if simulated[q.id] >= q.service_level else "bad"))
          for q in config.queues if q.id in simulated.index and not pd.isna(simulated[q.id])),
        _kpi("paid hours", f"{paid:,.0f}", "paid-hours"),
        *_switch_kpis(roster.agent_summary),
        _kpi("roster", f"{roster.status}" + (
            f", gap {roster.gap:.1%}" + (f" to the {roster.bound_source} bound"
                                        if roster.bound_source else "")
            if roster.gap is not None and roster.bound else
            ("" if roster.status == "OPTIMAL" else ", no bound yet")), "status"),
    ]
    body = [f'<section id="kpis"><h2>Key figures</h2><div class="kpis">{"".join(kpis)}</div>']
    if roster.explanation:
        body.append("<ul>" + "".join(f"<li class=\"bad\">{html.escape(t)}</li>"
                                     for t in roster.explanation) + "</ul>")
    body.append("</section>")
    if not summary.empty:
        table = summary.assign(date=[d.isoformat() for d in summary["date"]])
        table = table.loc[:, table.notna().any()]   # e.g. abandonment without patience data
        body.append('<section id="summary"><h2>Per queue and day</h2>' + _table(
            table, {"volume": ",.0f", "required_agent_hours": ",.1f",
                    "scheduled_agent_hours": ",.1f", "service_level": ".1%",
                    "asa_seconds": ",.1f", "abandon_rate": ".1%",
                    "simulated_service_level": ".1%", "simulated_service_level_low": ".1%",
                    "simulated_service_level_high": ".1%", "simulated_asa_seconds": ",.1f",
                    "simulated_abandon_rate": ".1%"},
            table_id="summary-table", left=["queue", "date"]) + "</section>")
    sections = [("forecast", "History and forecast", "forecast"),
                ("coverage", "Required and scheduled agents", "coverage"),
                ("gaps", "Where the roster is short or long", "gaps"),
                ("service_level", "Service level per interval: formula and simulation",
                 "service-level"),
                ("roster", "Roster", "roster"), ("agent_hours", "Hours per agent", "agents")]
    for key, title, ident in sections:
        if key in figures:
            body.append(f'<section id="{ident}"><h2>{title}</h2>{_img(figures[key], title)}'
                        "</section>")
    violations = roster.violations
    body.append('<section id="violations"><h2>Soft-rule violations</h2>')
    if violations is None or violations.empty:
        body.append("<p>None: every preference and fairness rule holds.</p>")
    else:
        top = violations.sort_values("penalty", ascending=False).head(50)
        body.append(f"<p>{len(violations):,} violations, total penalty "
                    f"{violations['penalty'].sum():,.1f}; the 50 costliest:</p>")
        body.append(_table(top.assign(date=top["date"].astype(str)), {"penalty": ",.1f"},
                           table_id="violations-table", left=["rule", "agent_id", "date"]))
    body.append("</section>")
    subtitle = (f"{config.site.name} · {horizon.start_date:%a %d %b %Y} + {horizon.days} days · "
                f"{config.interval_minutes}-min intervals · {config.site.time_zone}")
    return _page(f"Staffing plan: {result.scenario.name}", subtitle, "".join(body))


def comparison_report(comparison) -> str:
    """The HTML report of a :class:`~staffing.scenarios.compare.Comparison`."""
    from matplotlib.figure import Figure

    totals = comparison.totals()
    names = comparison.names
    status = pd.DataFrame([["", "status", *(o.status for o in comparison.outcomes)]],
                          columns=totals.columns)
    shown = pd.concat([status, totals], ignore_index=True)
    for name in names:
        shown[name] = [format_metric(m, v)
                       for m, v in zip(shown["metric"], shown[name], strict=True)]
    body = ['<section id="totals"><h2>Totals over the horizon</h2>',
            _table(shown, table_id="totals-table", left=["queue", "metric"]), "</section>"]
    # Service level per queue and day, one line per scenario.
    table = comparison.table()
    sl = table[table["metric"] == "service_level"]
    queues = list(dict.fromkeys(sl["queue"]))
    if queues:
        fig = Figure(figsize=(11, 2.6 * len(queues)), layout="constrained")
        axes = fig.subplots(len(queues), 1, squeeze=False)[:, 0]
        for ax, queue in zip(axes, queues, strict=True):
            part = sl[sl["queue"] == queue]
            for name in names:
                ax.plot([str(d) for d in part["date"]], part[name], marker="o", label=name)
            ax.set_title(f"{queue}: expected service level per day", loc="left", fontsize=10)
            ax.set_ylim(0, 1.02)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
        body.append(f'<section id="service-level"><h2>Service level</h2>'
                    f'{_img(fig, "service level per day")}</section>')
    return _page("Scenario comparison", " vs ".join(names), "".join(body))

