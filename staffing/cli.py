"""The ``staffing`` command line: a thin layer over the library.

Each command loads its inputs, makes one library call and renders the result. A
:class:`~staffing.errors.StaffingError` becomes ``Error: ...`` and exit status 1, here and only
here; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path

import click

from staffing import __version__, io
from staffing.errors import StaffingError

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class _Group(click.Group):
    """Translates library errors into ``Error: ...`` and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StaffingError as exc:
            raise click.ClickException(str(exc)) from None


class _Reporter:
    """Progress lines on stderr, silenced by ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def stage(self, name: str) -> None:
        self.say(f"{name} ...")

    def progress(self, p) -> None:
        bound = "-" if p.bound is None else f"{p.bound:,.1f}"
        gap = "-" if p.gap is None else f"{p.gap:.1%}"
        self.say(f"  roster {p.wall_seconds:7.1f} s  objective {p.objective:14,.1f}  "
                 f"bound {bound:>14}  gap {gap:>6}")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="staffing")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but results and errors.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool) -> None:
    """Plan a contact center's workforce: forecast, Erlang staffing, CP-SAT roster.

    \b
    Example:
      staffing plan configs/express-week.yaml --out out/express-week
    """
    ctx.obj = _Reporter(quiet)


# ------------------------------------------------------------------------------------ plan
@cli.command()
@click.argument("scenario", type=EXISTING_FILE)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder for the outputs (created if needed).")
@click.option("--time-limit-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Roster solver time limit; overrides solver.time_limit_seconds.")
@click.pass_obj
def plan(reporter: _Reporter, scenario: Path, out_dir: Path,
         time_limit_seconds: float | None) -> None:
    """Run forecast -> requirements -> roster for SCENARIO and write every output.

    Writes forecast.csv, requirements.csv, roster.csv, activities.csv, coverage.csv,
    agent_summary.csv, violations.csv, summary.csv and summary.txt into --out.

    \b
    Example:
      staffing plan configs/express-week.yaml --out out/express-week
    """
    from staffing.config import load_scenario
    from staffing.errors import InfeasibleError
    from staffing.plan import plan as run_plan

    loaded = load_scenario(scenario)
    if time_limit_seconds is not None:
        loaded = _with_time_limit(loaded, time_limit_seconds)
    result = run_plan(loaded, on_stage=reporter.stage, on_progress=reporter.progress)
    written = io.write_plan(result, out_dir)
    if not result.roster.feasible:
        raise InfeasibleError(
            f"{scenario}: no roster keeps every hard rule (status {result.roster.status}); "
            f"forecast and requirements were written to {out_dir}",
            result.roster.explanation,
        )
    click.echo(result.summary_text(), nl=False)
    reporter.say(f"wrote {len(written)} files to {out_dir}")


def _with_time_limit(scenario, seconds: float):
    return scenario.with_changes({"solver": {"time_limit_seconds": seconds}})


# -------------------------------------------------------------------------------- forecast
@cli.command()
@click.argument("history", type=EXISTING_FILE)
@click.option("--start", "start_date", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="First day to forecast (YYYY-MM-DD, local).")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Days to forecast.")
@click.option("--config", "config_path", type=EXISTING_FILE,
              help="Scenario YAML for time zone, interval, queues, events and holidays.")
@click.option("--time-zone", help="IANA time zone of the site (when no --config).")
@click.option("--interval-minutes", type=click.Choice(["15", "30", "60"]),
              help="Forecast interval (default: the scenario's, else 15).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Forecast CSV to write.")
@click.pass_obj
def forecast(reporter: _Reporter, history: Path, start_date: dt.datetime, days: int,
             config_path: Path | None, time_zone: str | None, interval_minutes: str | None,
             out_path: Path) -> None:
    """Forecast volume and handle time per queue and interval from HISTORY.

    \b
    Example:
      staffing forecast examples/express/history.csv --start 2026-11-23 --days 7 \\
          --config configs/express-week.yaml --out forecast.csv
    """
    from staffing.config import ForecastSettings, load_config
    from staffing.errors import ConfigError
    from staffing.forecast import build_forecast
    from staffing.timegrid import Horizon, check_time_zone

    if config_path is not None:
        config = load_config(config_path)
        zone = time_zone or config.site.time_zone
        minutes = int(interval_minutes or config.interval_minutes)
        kwargs = dict(queues=config.queues, events=config.events, holidays=config.holidays,
                      settings=config.forecast)
    else:
        if time_zone is None:
            raise ConfigError("--time-zone is required without --config (e.g. --time-zone "
                              "Asia/Shanghai)")
        zone, minutes, kwargs = time_zone, int(interval_minutes or 15), {
            "settings": ForecastSettings()}
    check_time_zone(zone)
    frame = io.read_history(history, zone)
    horizon = Horizon(start_date.date(), days, minutes, zone)
    reporter.stage("forecast")
    result = build_forecast(frame, horizon, **kwargs)
    io.write_table(result.frame, out_path, "forecast")
    for queue, model in result.models.items():
        reporter.say(f"  {queue}: {model}")
    for note in result.notes:
        reporter.say(f"  note: {note}")
    reporter.say(f"wrote {out_path} ({len(result.frame)} rows)")


# ---------------------------------------------------------------------------- requirements
@cli.command()
@click.argument("forecast_csv", metavar="FORECAST", type=EXISTING_FILE)
@click.option("--config", "config_path", type=EXISTING_FILE, required=True,
              help="Scenario YAML with the queues' service targets, shrinkage, occupancy.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Requirements CSV to write.")
@click.pass_obj
def requirements(reporter: _Reporter, forecast_csv: Path, config_path: Path,
                 out_path: Path) -> None:
    """Turn a FORECAST into required agents per queue and interval (Erlang C/A).

    \b
    Example:
      staffing requirements forecast.csv --config configs/express-week.yaml \\
          --out requirements.csv
    """
    from staffing.config import load_config
    from staffing.requirements import build_requirements

    config = load_config(config_path)
    frame = io.read_format(forecast_csv, "forecast", config.site.time_zone)
    result = build_requirements(frame, config.queues, interval_minutes=config.interval_minutes,
                                shrinkage=config.shrinkage, max_occupancy=config.max_occupancy)
    io.write_table(result, out_path, "requirements")
    reporter.say(f"wrote {out_path} ({len(result)} rows)")


# ---------------------------------------------------------------------------------- roster
@cli.command()
@click.argument("requirements_csv", metavar="REQUIREMENTS", type=EXISTING_FILE)
@click.option("--config", "config_path", type=EXISTING_FILE, required=True,
              help="Scenario YAML with agents, contracts, shift rules and solver settings.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder for roster.csv, activities.csv, coverage.csv, ...")
@click.option("--time-limit-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Solver time limit; overrides solver.time_limit_seconds.")
@click.option("--warm-start", type=EXISTING_FILE, help="A previous roster.csv to start from.")
@click.pass_obj
def roster(reporter: _Reporter, requirements_csv: Path, config_path: Path, out_dir: Path,
           time_limit_seconds: float | None, warm_start: Path | None) -> None:
    """Roster the scenario's agents against REQUIREMENTS with CP-SAT.

    \b
    Example:
      staffing roster requirements.csv --config configs/express-week.yaml --out out/
    """
    from staffing.config import load_scenario
    from staffing.errors import InfeasibleError
    from staffing.solver import solve_roster

    scenario = load_scenario(config_path)
    if time_limit_seconds is not None:
        scenario = _with_time_limit(scenario, time_limit_seconds)
    config = scenario.config
    zone = config.site.time_zone
    frame = io.read_format(requirements_csv, "requirements", zone)
    start = io.read_format(warm_start, "roster", zone) if warm_start else None
    reporter.stage("roster")
    result = solve_roster(frame, scenario.agents, horizon=config.horizon_,
                          contracts=config.contracts, rules=config.shift_rules,
                          settings=config.solver, warm_start=start,
                          on_progress=reporter.progress)
    if not result.feasible:
        raise InfeasibleError(f"{config_path}: no roster keeps every hard rule (status "
                              f"{result.status})", result.explanation)
    written = io.write_roster_outputs(result, out_dir)
    gap = "no lower bound" if result.gap is None else f"gap {result.gap:.1%}"
    reporter.say(f"{result.status}: objective {result.objective:,.1f}, {gap}; wrote "
                 f"{len(written)} files to {out_dir}")


# ---------------------------------------------------------------------------------- erlang
@cli.command()
@click.option("--calls", type=click.FloatRange(min=0), required=True,
              help="Contacts offered in the interval.")
@click.option("--interval-minutes", type=click.FloatRange(min=0, min_open=True), default=30,
              show_default=True, help="Interval length.")
@click.option("--aht-seconds", type=click.FloatRange(min=0, min_open=True), required=True,
              help="Average handle time.")
@click.option("--answer-within-seconds", type=click.FloatRange(min=0), default=20,
              show_default=True, help="Service-level threshold.")
@click.option("--service-level", "service_level_target", type=click.FloatRange(0, 1),
              help="Target fraction answered within the threshold (e.g. 0.8).")
@click.option("--asa-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Target average speed of answer.")
@click.option("--max-occupancy", type=click.FloatRange(0, 1, min_open=True),
              help="Cap on agent occupancy (e.g. 0.85).")
@click.option("--shrinkage", type=click.FloatRange(0, 1, max_open=True), default=0.0,
              show_default=True, help="Fraction of paid time off the phones.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def erlang(calls: float, interval_minutes: float, aht_seconds: float,
           answer_within_seconds: float, service_level_target: float | None,
           asa_seconds: float | None, max_occupancy: float | None, shrinkage: float,
           as_json: bool) -> None:
    """Erlang C calculator: service level, ASA and occupancy over agent counts.

    The required number of agents (the smallest meeting every target) is marked.

    \b
    Example:
      staffing erlang --calls 100 --interval-minutes 30 --aht-seconds 180 \\
          --answer-within-seconds 20 --service-level 0.8
    """
    from staffing import erlang as E

    traffic = calls * aht_seconds / (interval_minutes * 60)
    required = int(E.required_agents(
        traffic, aht_seconds, service_level=service_level_target,
        answer_within_seconds=answer_within_seconds if service_level_target else None,
        asa_seconds=asa_seconds, max_occupancy=max_occupancy,
    ))
    first = max(1, math.floor(traffic) + 1, required - 4)
    rows = []
    for n in range(first, max(required, first) + 5):
        rows.append({
            "agents": n,
            "prob_wait": float(E.erlang_c(traffic, n)),
            "service_level": float(E.service_level(traffic, n, aht_seconds,
                                                   answer_within_seconds)),
            "asa_seconds": float(E.average_speed_of_answer(traffic, n, aht_seconds)),
            "occupancy": float(E.occupancy(traffic, n)),
            "required": n == required,
        })
    with_shrinkage = math.ceil(required / (1 - shrinkage) - 1e-9)
    if as_json:
        click.echo(json.dumps({
            "traffic_erlangs": traffic, "agents_required": required,
            "agents_required_with_shrinkage": with_shrinkage, "rows": rows,
        }, indent=2))
        return
    click.echo(f"Traffic {traffic:.3f} Erlangs ({calls:g} contacts in {interval_minutes:g} min, "
               f"AHT {aht_seconds:g} s)")
    click.echo(f"{'agents':>6}  {'P(wait)':>8}  {'SL@' + format(answer_within_seconds, 'g') + 's':>8}"
               f"  {'ASA s':>8}  {'occupancy':>9}")
    for r in rows:
        mark = "  <- required" if r["required"] else ""
        click.echo(f"{r['agents']:>6}  {r['prob_wait']:8.4f}  {r['service_level']:8.4f}  "
                   f"{r['asa_seconds']:8.2f}  {r['occupancy']:9.4f}{mark}")
    click.echo(f"Required: {required} agents; {with_shrinkage} scheduled with "
               f"{shrinkage:.0%} shrinkage")


# -------------------------------------------------------------------------------- validate
@cli.command()
@click.argument("scenario", type=EXISTING_FILE)
def validate(scenario: Path) -> None:
    """Check SCENARIO and the files it names, and say what it holds.

    \b
    Example:
      staffing validate configs/express-week.yaml
    """
    from staffing.config import load_scenario

    loaded = load_scenario(scenario)
    config = loaded.config
    horizon = config.horizon_
    click.echo(f"{scenario}: OK")
    click.echo(f"  site {config.site.name} ({config.site.time_zone}); {horizon.days} days from "
               f"{horizon.start_date.isoformat()} at {config.interval_minutes} min")
    click.echo(f"  queues: {', '.join(f'{q.id} ({q.channel})' for q in config.queues)}")
    if loaded.history is not None:
        h = loaded.history
        click.echo(f"  history: {len(h):,} rows, {h['interval_start'].min().date()} to "
                   f"{h['interval_start'].max().date()}")
    if loaded.agents:
        click.echo(f"  agents: {len(loaded.agents)}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="staffing")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
