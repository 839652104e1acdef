"""Writing a plan's folder: every output of :func:`staffing.plan.plan`, each file replaced
atomically (formats in ``docs/formats.md``).

The reports (:mod:`staffing.reports`) render; this module writes what they return.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffing.forecast import ForecastResult
from staffing.io import atomic_write, write_table, write_text
from staffing.plan import PlanResult
from staffing.reports import (
    plan_charts,
    plan_report,
    png_bytes,
    roster_workbook_bytes,
    summary_text,
)
from staffing.simulate import SimulationResult
from staffing.solver import RosterResult

__all__ = [
    "PLAN_FILES", "SIMULATION_SUMMARY_COLUMNS", "write_forecast_outputs", "write_plan",
    "write_roster_outputs", "write_simulation_outputs",
]


#: Files :func:`write_plan` writes, in order, with their format (``None`` = free-form).
PLAN_FILES = (
    ("forecast.csv", "forecast"),
    ("requirements.csv", "requirements"),
    ("roster.csv", "roster"),
    ("activities.csv", "activities"),
    ("coverage.csv", "coverage"),
    ("agent_summary.csv", None),
    ("violations.csv", None),
    ("summary.csv", None),
    ("summary.txt", None),
    ("roster.xlsx", None),
    ("report.html", None),
)


def write_plan(result: PlanResult, out_dir: Path | str) -> list[Path]:
    """Write every output of a plan into ``out_dir``; each file is replaced atomically.

    Returns the paths written: the tables of :data:`PLAN_FILES`, ``report.html`` and the
    charts as ``charts/*.png``. A failed or infeasible roster still gets its forecast,
    requirements, summary and report written (the roster files are then left out).
    """
    out = Path(out_dir)
    written = [write_forecast_outputs(result.forecast, out)]
    write_table(result.requirements, out / "requirements.csv", "requirements")
    written.append(out / "requirements.csv")
    roster = result.roster
    if roster.feasible:
        written += write_roster_outputs(roster, out, coverage=result.coverage)
        write_table(result.summary, out / "summary.csv")
        written.append(out / "summary.csv")
        if result.simulation is not None:
            written += write_simulation_outputs(result.simulation, out)
        config = result.scenario.config
        agents = list(dict.fromkeys([a.agent_id for a in result.scenario.agents]
                                    + sorted(set(roster.roster["agent_id"]))))
        workbook = roster_workbook_bytes(
            roster.activities, config.horizon_.intervals(), agents=agents,
            queues=[q.id for q in config.queues], agent_summary=roster.agent_summary,
            coverage=result.coverage)
        with atomic_write(out / "roster.xlsx", "wb") as fh:
            fh.write(workbook)
        written.append(out / "roster.xlsx")
    write_text(summary_text(result), out / "summary.txt")
    written.append(out / "summary.txt")
    figures = plan_charts(result)
    for name, figure in figures.items():
        path = out / "charts" / f"{name}.png"
        with atomic_write(path, "wb") as fh:
            fh.write(png_bytes(figure))
        written.append(path)
    write_text(plan_report(result, figures), out / "report.html")
    written.append(out / "report.html")
    return written


#: Columns of ``simulation_summary.csv`` (per queue and day), as ``staffing simulate`` writes it.
SIMULATION_SUMMARY_COLUMNS = (
    "queue", "date", "contacts", "service_level", "service_level_low", "service_level_high",
    "asa_seconds", "abandoned_share", "occupancy",
)


def write_simulation_outputs(simulation: SimulationResult, out_dir: Path | str) -> list[Path]:
    """Write ``simulation.csv`` (per queue and interval, every figure of the simulation) and
    ``simulation_summary.csv`` (per queue and day, :data:`SIMULATION_SUMMARY_COLUMNS` first)."""
    out = Path(out_dir)
    write_table(simulation.intervals, out / "simulation.csv")
    days = simulation.days
    lead = [c for c in SIMULATION_SUMMARY_COLUMNS if c in days.columns]
    write_table(days[lead + [c for c in days.columns if c not in lead]],
                out / "simulation_summary.csv")
    return [out / "simulation.csv", out / "simulation_summary.csv"]


def write_forecast_outputs(forecast: ForecastResult, out_dir: Path) -> Path:
    """Write ``forecast.csv`` (and ``backtest.csv`` when a backtest was run)."""
    write_table(forecast.frame, out_dir / "forecast.csv", "forecast")
    if forecast.backtest is not None:
        write_table(forecast.backtest, out_dir / "backtest.csv")
    return out_dir / "forecast.csv"


def write_roster_outputs(roster: RosterResult, out_dir: Path | str,
                         coverage: pd.DataFrame | None = None) -> list[Path]:
    """Write ``roster.csv``, ``activities.csv``, ``coverage.csv``, ``agent_summary.csv`` and
    ``violations.csv`` of a roster result."""
    out = Path(out_dir)
    tables = [
        ("roster.csv", roster.roster, "roster"),
        ("activities.csv", roster.activities, "activities"),
        ("coverage.csv", roster.coverage if coverage is None else coverage, "coverage"),
        ("agent_summary.csv", roster.agent_summary, None),
    ]
    if roster.violations is not None:
        tables.append(("violations.csv", roster.violations, None))
    for name, frame, fmt in tables:
        write_table(frame, out / name, fmt)
    return [out / name for name, _, _ in tables]
