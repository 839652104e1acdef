"""Writing a plan's folder: every output of :func:`staffing.plan.plan`, each file replaced
atomically (formats in ``docs/formats.md``).

A plan folder is marked by its manifest ``plan.json``: written first with ``"complete": false``,
then every file, then again, last, with ``"complete": true``, the run's status and the files
with their sizes and SHA-256. The files of an earlier plan in the folder (and temporary files a
killed run left) are removed before the new ones are written, so the folder never mixes two
runs: a reader trusts it only when ``plan.json`` says ``"complete": true``.

The reports (:mod:`staffing.reports`) render; this module writes what they return.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from staffing.forecast import ForecastResult
from staffing.io import atomic_write, write_table, write_text
from staffing.io.tables import TMP_SUFFIX
from staffing.plan import PlanResult
from staffing.replan import ReplanResult
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
    "MANIFEST", "PLAN_FILES", "SIMULATION_SUMMARY_COLUMNS", "read_manifest",
    "write_forecast_outputs", "write_plan", "write_replan_outputs", "write_roster_outputs",
    "write_simulation_outputs",
]

#: The manifest of a plan folder (``docs/formats.md#planjson``).
MANIFEST = "plan.json"
MANIFEST_FORMAT = "staffing-plan/1"


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


def write_plan(result: PlanResult, out_dir: Path | str, *, interrupted: bool = False
               ) -> list[Path]:
    """Write every output of a plan into ``out_dir``, and its manifest ``plan.json`` last.

    Returns the paths written: the tables of :data:`PLAN_FILES`, ``report.html``, the charts as
    ``charts/*.png`` and ``plan.json``. A failed or infeasible roster still gets its forecast,
    requirements, summary and report written (the roster files are then left out). The files
    of an earlier plan in ``out_dir`` are removed first. ``interrupted`` (the solve was stopped
    by the user, the best roster kept) is recorded in the manifest.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = {"format": MANIFEST_FORMAT, "complete": False, "run_id": uuid.uuid4().hex,
           "started": _now(), "staffing_version": _version(),
           "scenario": None if result.scenario.source is None else str(result.scenario.source),
           "scenario_sha256": hashlib.sha256(
               result.scenario.config.model_dump_json().encode()).hexdigest()}
    _remove_earlier_plan(out)
    write_text(json.dumps(run, indent=2) + "\n", out / MANIFEST)
    written = _write_plan_files(result, out)
    roster = result.roster
    files = [{"path": p.relative_to(out).as_posix(), "bytes": p.stat().st_size,
              "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in written]
    run.update({"complete": True, "finished": _now(),
                "status": "INTERRUPTED" if interrupted else roster.status,
                "roster_status": roster.status, "interrupted": interrupted,
                "objective": roster.objective, "gap": roster.gap, "files": files})
    write_text(json.dumps(run, indent=2) + "\n", out / MANIFEST)
    return [*written, out / MANIFEST]


def read_manifest(out_dir: Path | str) -> dict | None:
    """The manifest of a plan folder, or ``None`` when it has none (or an unreadable one)."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    try:
        return version("staffing")
    except PackageNotFoundError:
        return "0.0.0"


def _remove_earlier_plan(out: Path) -> None:
    """Remove what an earlier plan wrote into ``out`` (as its manifest lists, or by the names a
    plan writes), and temporary files a killed run left; nothing else in the folder."""
    earlier = read_manifest(out) or {}
    names = {entry.get("path") for entry in earlier.get("files", ())
             if isinstance(entry, dict) and isinstance(entry.get("path"), str)}
    names |= {name for name, _ in PLAN_FILES} | {"backtest.csv", "simulation.csv",
                                                 "simulation_summary.csv", MANIFEST}
    for name in names:
        path = out / name
        if ".." in Path(name).parts or path.is_dir():
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    charts = out / "charts"
    if charts.is_dir():
        for path in charts.glob("*.png"):
            path.unlink()
    for folder in (out, charts):
        if folder.is_dir():
            for path in folder.glob(f".*{TMP_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def _write_plan_files(result: PlanResult, out: Path) -> list[Path]:
    written = [write_forecast_outputs(result.forecast, out)]
    if result.forecast.backtest is not None:
        written.append(out / "backtest.csv")
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


def replan_text(result: ReplanResult) -> str:
    """The re-plan in a few lines: cut, absences, changes, service before and after."""
    lines = [f"Re-plan from {result.replan_from.isoformat()}: {result.roster.status}, "
             f"objective {result.roster.objective:,.1f}, {result.wall_seconds:.1f} s"]
    if result.absences:
        lines.append("Absent: " + ", ".join(
            f"{x.agent_id} {x.first_date.isoformat()}..{x.last_date.isoformat()}"
            for x in result.absences))
    removed = int((result.changes["why"] == "absent").sum()) if len(result.changes) else 0
    lines.append(f"Changed shifts: {result.changed_shifts} (agents touched: "
                 f"{result.agents_touched}); shifts of absent agents removed: {removed}")
    lines.extend(result.notes)
    service = result.service
    if len(service) and "service_level_before" in service.columns:
        lines.append("")
        lines.append("Service level before -> after: expected (Erlang formula model), "
                     "understaffed intervals, simulated (contact by contact)")
        for row in service.itertuples(index=False):
            before = "-" if pd.isna(row.service_level_before) \
                else f"{row.service_level_before:.1%}"
            after = "-" if pd.isna(row.service_level_after) else f"{row.service_level_after:.1%}"
            simulated = ""
            if hasattr(row, "simulated_service_level_before"):
                simulated = "   simulated " + " -> ".join(
                    "-" if pd.isna(v) else f"{v:.1%}"
                    for v in (row.simulated_service_level_before,
                              row.simulated_service_level_after))
            lines.append(f"  {row.queue:<12} {row.date}  {before:>6} -> {after:>6}   "
                         f"understaffed intervals {row.understaffed_intervals_before} -> "
                         f"{row.understaffed_intervals_after}{simulated}")
    return "\n".join(lines) + "\n"


def write_replan_outputs(result: ReplanResult, out_dir: Path | str) -> list[Path]:
    """Write a re-plan: the roster's files (:func:`write_roster_outputs`), ``changes.csv``,
    ``replan_service.csv`` (service before and after per queue and day), the requirements it
    rostered against and ``replan.txt``; each file atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = write_roster_outputs(result.roster, out)
    for name, frame, fmt in (("changes.csv", result.changes, None),
                             ("replan_service.csv", result.service, None),
                             ("requirements.csv", result.requirements, "requirements")):
        write_table(frame, out / name, fmt)
        written.append(out / name)
    write_text(replan_text(result), out / "replan.txt")
    written.append(out / "replan.txt")
    return written
