"""The ``staffing`` command line: a thin layer over the library.

Each command loads its inputs, makes one library call and renders the result. A
:class:`~staffing.errors.StaffingError` becomes ``Error: ...`` and exit status 1, here and only
here; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import signal
import sys
import threading
from pathlib import Path

import click

from staffing import __version__, export, interrupt, io
from staffing.checks import check_requirements, check_scenario
from staffing.config import ForecastSettings
from staffing.erlang.calculator import agent_table
from staffing.errors import (
    ConfigError,
    DataError,
    ForecastError,
    InfeasibleError,
    StaffingError,
)
from staffing.forecast.backtest import format_backtest
from staffing.io import Scenario, load_config, load_scenario
from staffing.plan import (
    forecast_history,
    requirements_stage,
    roster_stage,
    simulation_stage,
)
from staffing.plan import plan as run_plan
from staffing.reports import (
    comparison_report,
    forecast_chart,
    png_bytes,
    simulation_text,
    summary_text,
)
from staffing.replan import DEFAULT_REPLAN_SECONDS, parse_absences
from staffing.replan import replan as run_replan
from staffing.requirements import with_shrinkage
from staffing.scenarios.capacity import find_capacity
from staffing.scenarios.compare import compare as run_compare
from staffing.timegrid import Horizon, check_time_zone

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class FiniteFloatRange(click.FloatRange):
    """A float option in a range that refuses ``nan`` and ``inf`` naming the option."""

    name = "finite float range"

    def convert(self, value, param, ctx):
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


# ------------------------------------------------------------------------- shared options
def out_dir_option(help: str):
    """``--out DIR``: the folder a command writes into (created if needed)."""
    return click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                        required=True, help=help)


def out_file_option(help: str):
    """``--out FILE``: the one file a command writes."""
    return click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
                        required=True, help=help)


def time_limit_option(help: str = "Roster solver time limit; overrides "
                                  "solver.time_limit_seconds."):
    """``--time-limit-seconds``: overrides the scenario's ``solver.time_limit_seconds``."""
    return click.option("--time-limit-seconds", type=FiniteFloatRange(min=0, min_open=True),
                        help=help)


def config_option(help: str, required: bool = True):
    """``--config SCENARIO.yaml``."""
    return click.option("--config", "config_path", type=EXISTING_FILE, required=required,
                        help=help)


def previous_roster_option():
    """``--previous-roster FILE``: the roster of the days before the horizon."""
    return click.option(
        "--previous-roster", "previous_roster", type=EXISTING_FILE,
        help="roster.csv of the days before the horizon (overrides previous_roster:): rest, "
             "runs of working days and days off, and consecutive weekends continue from it.")


def _load(path: Path, time_limit_seconds: float | None = None,
          previous_roster: Path | None = None) -> Scenario:
    """The scenario at ``path``, with ``--time-limit-seconds`` and ``--previous-roster``
    applied when given."""
    scenario = load_scenario(path)
    if time_limit_seconds is not None:
        scenario = scenario.with_changes({"solver": {"time_limit_seconds": time_limit_seconds}})
    if previous_roster is not None:
        scenario = scenario.with_previous_roster(previous_roster)
    return scenario


def _warn(warnings) -> None:
    """Print what is legal but suspicious, one ``Warning: ...`` line each, on stderr."""
    for line in warnings:
        click.echo(f"Warning: {line}", err=True)


class _Group(click.Group):
    """Translates library errors into ``Error: ...`` and exit status 1, and an aborted run
    (a second Ctrl-C) into exit status 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StaffingError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("\nAborted: stopped at once; files being written were left out (a "
                       "plan folder's plan.json says complete: false).", err=True)
            ctx.exit(EXIT_INTERRUPTED)


class _CtrlC:
    """Ctrl-C during a roster search: the first stops the search and keeps the best roster
    (:mod:`staffing.interrupt`), a second aborts (``KeyboardInterrupt``, exit status 130).

    CP-SAT runs in C++ without returning to Python, so a thread woken through the signal
    wakeup file descriptor makes the request at once; the Python handler (run when the main
    thread is back in Python) does the counting. Outside the main thread (no signal handling
    there) this does nothing. After the block, Ctrl-C is a ``KeyboardInterrupt`` again.
    """

    def __init__(self, *, armed: bool = True) -> None:
        self._lock = threading.Lock()
        self.armed = armed  # before the roster search starts, Ctrl-C aborts at once
        self.stopping = False
        self._seen = False
        self._active = False

    def __enter__(self) -> _CtrlC:
        interrupt.clear()
        if threading.current_thread() is not threading.main_thread():
            return self
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._old_handler = signal.signal(signal.SIGINT, self._handler)
        self._old_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._watcher = threading.Thread(target=self._watch, name="ctrl-c", daemon=True)
        self._watcher.start()
        self._active = True
        return self

    def __exit__(self, *exc) -> None:
        if not self._active:
            return
        signal.set_wakeup_fd(self._old_fd)
        signal.signal(signal.SIGINT, self._old_handler)
        os.close(self._write)  # the watcher reads end-of-file and stops
        self._watcher.join(timeout=5)
        os.close(self._read)
        self._active = False

    def _stop(self) -> None:
        with self._lock:
            first, self.stopping = not self.stopping, True
        if first:
            interrupt.request_stop()
            click.echo("\nInterrupted: stopping the roster search; the best roster found so far "
                       "will be written and marked INTERRUPTED (Ctrl-C again to abort)", err=True)

    def _handler(self, signum, frame) -> None:
        if not self.armed or self.stopping and self._seen:
            raise KeyboardInterrupt
        self._seen = True
        self._stop()

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._read, 64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data and self.armed:
                self._stop()


class _Reporter:
    """Progress on stderr: silenced by ``--quiet``, more detail with ``--verbose``.

    On a terminal the roster solver's progress is one line redrawn in place (a bar of the time
    limit used, objective, bound and gap); otherwise each new incumbent is its own line.
    """

    def __init__(self, quiet: bool, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose and not quiet
        self.time_limit_seconds: float | None = None
        self._live = False
        self.closed = False

    def close(self) -> None:
        """The command has ended: a solver thread still winding down (the bound's, after an
        abort) prints nothing more."""
        self.closed = True

    @property
    def _tty(self) -> bool:
        return sys.stderr.isatty()

    def say(self, message: str) -> None:
        if not self.quiet:
            self._end_live()
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.say(message)

    def stage(self, name: str) -> None:
        self.say(f"{name} ...")

    def progress(self, p) -> None:
        if self.quiet or self.closed:
            return
        bar = ""
        if self.time_limit_seconds:
            done = min(1.0, p.wall_seconds / self.time_limit_seconds)
            bar = f"[{'#' * round(20 * done):<20}] {p.wall_seconds:5.1f}/" \
                  f"{self.time_limit_seconds:g} s"
        else:
            bar = f"{p.wall_seconds:7.1f} s"
        bound = "-" if p.bound is None else f"{p.bound:,.1f}"
        gap = "-" if p.gap is None else f"{p.gap:.1%}"
        line = f"  roster {bar}  objective {p.objective:,.1f}  bound {bound}  gap {gap}"
        if self._tty:
            click.echo("\r" + line.ljust(100), err=True, nl=False)
            self._live = True
        else:
            click.echo(line, err=True)

    def _end_live(self) -> None:
        if self._live:
            click.echo("", err=True)
            self._live = False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="staffing")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but results and errors.")
@click.option("-v", "--verbose", is_flag=True,
              help="Print more: stage times, models chosen, the objective by rule.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """Plan a contact center's workforce: forecast, Erlang staffing, CP-SAT roster.

    \b
    Example:
      staffing plan configs/express-week.yaml --out out/express-week
    """
    ctx.obj = _Reporter(quiet, verbose)
    ctx.call_on_close(ctx.obj.close)


# ------------------------------------------------------------------------------------ plan
@cli.command()
@click.argument("scenario", type=EXISTING_FILE)
@out_dir_option("Folder for the outputs (created if needed).")
@time_limit_option()
@previous_roster_option()
@click.pass_obj
def plan(reporter: _Reporter, scenario: Path, out_dir: Path,
         time_limit_seconds: float | None, previous_roster: Path | None) -> None:
    """Run forecast -> requirements -> roster for SCENARIO and write every output.

    Writes forecast.csv, requirements.csv, roster.csv, activities.csv, coverage.csv,
    agent_summary.csv, violations.csv, summary.csv, summary.txt, roster.xlsx, report.html
    and charts/*.png into --out, and plan.json last (the earlier plan's files are removed
    first). Ctrl-C stops the roster search and writes the best roster found, marked
    INTERRUPTED (exit status 130); a second Ctrl-C aborts.

    \b
    Example:
      staffing plan configs/express-week.yaml --out out/express-week
    """

    io.check_output_dir(out_dir)
    loaded = _load(scenario, time_limit_seconds, previous_roster)
    _warn(check_scenario(loaded))
    reporter.time_limit_seconds = loaded.config.solver.time_limit_seconds
    with _CtrlC(armed=False) as ctrl_c:
        def stage(name: str) -> None:
            ctrl_c.armed = ctrl_c.armed or name == "roster"
            reporter.stage(name)

        result = run_plan(loaded, on_stage=stage, on_progress=reporter.progress)
    interrupted = ctrl_c.stopping
    status = "INTERRUPTED" if interrupted else result.roster.status
    reporter.say(f"roster: {status} in {result.roster.wall_seconds:.1f} s")
    for name, seconds in result.stage_seconds.items():
        reporter.detail(f"  {name}: {seconds:.1f} s")
    for rule, value in result.roster.objective_breakdown.items():
        reporter.detail(f"  objective {rule}: {value:,.1f}")
    written = export.write_plan(result, out_dir, interrupted=interrupted)
    if not result.roster.feasible:
        if interrupted:
            click.echo(f"Interrupted before a roster keeping every hard rule was found; "
                       f"forecast and requirements were written to {out_dir}", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED)
        raise InfeasibleError(
            f"{scenario}: no roster keeps every hard rule (status {result.roster.status}); "
            f"forecast and requirements were written to {out_dir}",
            result.roster.explanation,
        )
    if result.roster.roster.empty:
        _warn([f"{scenario}: the roster has no shift at all; check the agents' availability "
               "and contracts (staffing validate lists agents who can work no shift)"])
    click.echo(summary_text(result), nl=False)
    reporter.say(f"wrote {len(written)} files to {out_dir}")
    if interrupted:
        click.echo(f"Interrupted: {out_dir} holds the best roster found before Ctrl-C "
                   f"(plan.json status INTERRUPTED); it may be far from the best possible",
                   err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED)


# --------------------------------------------------------------------------------- compare
@cli.command()
@click.argument("scenarios", metavar="BASE VARIANT...", nargs=-1, required=True,
                type=EXISTING_FILE)
@out_dir_option("Folder for compare.csv, compare_totals.csv and each plan.")
@time_limit_option("Roster solver time limit for every scenario.")
@click.option("--parallel", "max_workers", type=click.IntRange(min=1),
              help="Scenarios planned at once (default: one per core).")
@click.option("--cluster", metavar="ADDRESS",
              help="Dask scheduler to run the scenarios on (needs staffing[dask]).")
@click.pass_obj
def compare(reporter: _Reporter, scenarios: tuple[Path, ...], out_dir: Path,
            time_limit_seconds: float | None, max_workers: int | None,
            cluster: str | None) -> None:
    """Plan BASE and each VARIANT, and compare them side by side.

    Prints totals per queue (volume, required and scheduled agent-hours, service level, ASA,
    abandonment, understaffed intervals) and paid hours, overtime and cost; writes the same per
    queue and day to compare.csv, the totals to compare_totals.csv, and every plan's outputs
    to a folder per scenario; report.html shows the comparison.

    \b
    Example:
      staffing compare configs/express-week.yaml configs/express-week-plus40.yaml \\
          --out out/compare
    """

    if len(scenarios) < 2:
        raise ConfigError("compare needs a base and at least one variant scenario, got one "
                          "file; add the variants after the base")
    io.check_output_dir(out_dir)
    loaded = [_load(path, time_limit_seconds) for path in scenarios]
    reporter.stage(f"planning {len(loaded)} scenarios")
    with _executor(cluster) as executor:
        result = run_compare(
            loaded, out_dir=out_dir, executor=executor, max_workers=max_workers,
            on_done=lambda o: reporter.say(f"  {o.name}: {o.status} in {o.wall_seconds:.1f} s"))
    io.write_table(result.table(), out_dir / "compare.csv")
    io.write_table(result.totals(), out_dir / "compare_totals.csv")
    io.write_text(comparison_report(result), out_dir / "report.html")
    click.echo(result.totals_text(), nl=False)
    reporter.say(f"wrote compare.csv, compare_totals.csv and {len(loaded)} plans to {out_dir}")


class _executor:
    """No executor (local processes), or a Dask cluster's, closed on exit."""

    def __init__(self, address: str | None) -> None:
        self.address, self.client = address, None

    def __enter__(self):
        if self.address is None:
            return None
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError("--cluster needs Dask: pip install 'staffing[dask]'") from None
        try:
            self.client = Client(self.address, timeout="10s")
        except OSError as exc:
            raise ConfigError(f"--cluster: cannot reach the Dask scheduler at {self.address} "
                              f"({exc}); check the address and that the scheduler runs") from None
        return self.client.get_executor()

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()


# -------------------------------------------------------------------------------- capacity
@cli.command()
@click.argument("scenario", type=EXISTING_FILE)
@out_dir_option("Folder for capacity.csv and the scenario that applies it.")
@click.option("--overtime", is_flag=True,
              help="Add overtime hours per agent instead of agents.")
@click.option("--skills", help="Skills of the agents to add, e.g. 'chat:1;voice:2' "
              "(default: every queue the roster is short of, shortest first).")
@click.option("--contract", default="full_time", show_default=True,
              help="Contract of the agents to add.")
@click.option("--max-added", type=click.IntRange(min=1),
              help="Largest addition to try (agents, or overtime hours).")
@click.option("--confirmations", type=click.IntRange(min=0, max=10), default=1,
              show_default=True,
              help="Further plans of the answer, with other solver and simulation seeds, that "
                   "must meet the targets too (else the next addition up is tried).")
@time_limit_option("Roster solver time limit per candidate.")
@click.pass_obj
def capacity(reporter: _Reporter, scenario: Path, out_dir: Path, overtime: bool,
             skills: str | None, contract: str, max_added: int | None, confirmations: int,
             time_limit_seconds: float | None) -> None:
    """Find the fewest extra agents (or overtime hours) that meet SCENARIO's service targets.

    Each candidate is rostered again; the points tried form the trade-off curve (extra
    agents vs expected service level and cost), written to capacity.csv. The answer is
    written as a scenario extending SCENARIO, ready for `staffing plan` or `staffing compare`.

    \b
    Example:
      staffing capacity configs/express-double11.yaml --out out/capacity \\
          --time-limit-seconds 60
    """

    io.check_output_dir(out_dir)
    loaded = _load(scenario, time_limit_seconds)
    kind = "overtime" if overtime else "agents"
    unit = "h overtime" if overtime else "agents"

    def heard(point) -> None:
        verdict = "meets the targets" if point.meets else f"misses {len(point.misses)} targets"
        levels = ", ".join(f"{q} {v:.1%}" for q, v in point.service_level.items()
                           if v == v)
        again = f" (confirmation {point.seed})" if point.seed else ""
        reporter.say(f"  +{point.added:g} {unit}{again}: {verdict}; worst day {levels}")

    reporter.stage(f"capacity search ({unit})")
    result = find_capacity(loaded, kind=kind, skills=skills, contract=contract,
                           max_added=max_added, confirmations=confirmations, on_point=heard)
    io.write_table(result.curve(), out_dir / "capacity.csv")
    click.echo(result.curve().to_string(index=False))
    if result.answer is None:
        click.echo(f"No addition up to the limit meets every target; raise --max-added or "
                   f"change the scenario. Still missed: {'; '.join(result.points[-1].misses[:3])}")
        return
    if not result.changes:
        click.echo(f"{scenario} already meets every service target.")
        return
    variant = out_dir / f"{scenario.stem}-capacity.yaml"
    io.write_text(result.scenario_yaml(scenario, variant), variant)
    what = (f"{result.answer.added:g} h of overtime per agent and week" if overtime else
            f"{result.answer.added:g} {result.contract} agents with skills {result.skills}")
    click.echo(f"Answer: {what}; paid hours {result.answer.paid_hours:,.0f}, cost "
               f"{result.answer.cost:,.0f}. Scenario: {variant}")


# -------------------------------------------------------------------------------- forecast
@cli.command()
@click.argument("history", type=EXISTING_FILE)
@click.option("--start", "start_date", type=click.DateTime(["%Y-%m-%d"]),
              help="First day to forecast (YYYY-MM-DD, local; default: the scenario's).")
@click.option("--days", type=click.IntRange(min=1),
              help="Days to forecast (default: the scenario's).")
@config_option("Scenario YAML for time zone, interval, queues, events and holidays.",
               required=False)
@click.option("--time-zone", help="IANA time zone of the site (when no --config).")
@click.option("--interval-minutes", type=click.Choice(["15", "30", "60"]),
              help="Forecast interval (default: the scenario's, else the history's own, "
                   "rounded up to 15, 30 or 60).")
@click.option("--missing-intervals", type=click.Choice(["error", "zero"]),
              help="An interval with no row in HISTORY: 'error' refuses the file, 'zero' reads "
                   "it as no contacts (default: the scenario's history_missing, else error).")
@out_file_option("Forecast CSV to write.")
@click.option("--backtest", "backtest_weeks", type=click.IntRange(1, 52),
              help="Backtest over this many weekly origins (overrides forecast.backtest_weeks) "
                   "and print WAPE, MASE, bias and interval coverage per queue and model.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw recent history, forecast and bands to this PNG (needs matplotlib).")
@click.pass_obj
def forecast(reporter: _Reporter, history: Path, start_date: dt.datetime | None,
             days: int | None,
             config_path: Path | None, time_zone: str | None, interval_minutes: str | None,
             missing_intervals: str | None, out_path: Path, backtest_weeks: int | None,
             plot_path: Path | None) -> None:
    """Forecast volume and handle time per queue and interval from HISTORY.

    Only history before --start is used, so a past week can be forecast and compared with what
    happened. Models are chosen per queue by rolling-origin backtest (forecast.model: auto).
    A history without handle times gives the scenario's queue aht_seconds, or an empty
    aht_seconds column with a note.

    \b
    Example:
      staffing forecast examples/express/history.csv --start 2026-11-23 --days 7 \\
          --config configs/express-week.yaml --out forecast.csv --backtest 4 --plot fc.png
    """

    io.check_output_file(out_path)
    if plot_path is not None:
        io.check_output_file(plot_path, option="--plot")
    config = load_config(config_path) if config_path is not None else None
    if config is None and time_zone is None:
        raise ConfigError("--time-zone is required without --config (e.g. --time-zone "
                          "Asia/Shanghai)")
    if config is None and (start_date is None or days is None):
        raise ConfigError("--start and --days are required without --config (e.g. --start "
                          "2026-11-23 --days 7)")
    zone = time_zone or config.site.time_zone
    check_time_zone(zone)
    missing = missing_intervals or (config.history_missing if config else "error")
    frame = io.read_history(history, zone, missing=missing)
    if interval_minutes is not None or config is not None:
        minutes = int(interval_minutes or config.interval_minutes)
    else:  # the history's own interval, or the shortest forecast interval it divides
        own = io.history_interval_minutes(frame)
        minutes = next((m for m in (15, 30, 60) if m % own == 0 and m >= own), 60)
    start = start_date.date() if start_date else config.horizon.start_date
    horizon = Horizon(start, days or config.horizon.days, minutes, zone)
    settings = config.forecast if config else ForecastSettings()
    if backtest_weeks is not None:
        settings = settings.model_copy(update={"backtest_weeks": backtest_weeks})
    reporter.stage("forecast")
    try:
        result = forecast_history(frame, horizon, config=config, settings=settings)
    except ForecastError as exc:  # every forecast error is about the history: name the file
        raise ForecastError(f"{history}: {exc}") from None
    io.write_table(result.frame, out_path, "forecast")
    for queue, model in result.models.items():
        reporter.say(f"  {queue}: {model}")
    for note in result.notes:
        reporter.say(f"  note: {note}")
    reporter.say(f"wrote {out_path} ({len(result.frame)} rows)")
    if backtest_weeks is not None:
        if result.backtest is None:
            click.echo("No backtest: the history is too short for one (see the notes).")
        else:
            click.echo(format_backtest(result.backtest), nl=False)
    if plot_path is not None:
        figure = forecast_chart(frame, result.frame, coverage=settings.interval_coverage)
        with io.atomic_write(plot_path, "wb") as fh:
            fh.write(png_bytes(figure, dpi=110))
        reporter.say(f"wrote {plot_path}")


# ---------------------------------------------------------------------------- requirements
@cli.command()
@click.argument("forecast_csv", metavar="FORECAST", type=EXISTING_FILE)
@config_option("Scenario YAML with the queues' service targets, shrinkage, occupancy.")
@out_file_option("Requirements CSV to write.")
@click.pass_obj
def requirements(reporter: _Reporter, forecast_csv: Path, config_path: Path,
                 out_path: Path) -> None:
    """Turn a FORECAST into required agents per queue and interval.

    Voice queues use Erlang C (Erlang A with patience_seconds), chat queues the concurrency
    model, email queues the backlog model. Prints a summary per queue.

    \b
    Example:
      staffing requirements forecast.csv --config configs/express-week.yaml \\
          --out requirements.csv
    """

    io.check_output_file(out_path)
    config = load_config(config_path)
    frame = io.read_format(forecast_csv, "forecast", config.site.time_zone)
    try:
        result = requirements_stage(Scenario(config, source=config_path), frame)
    except DataError as exc:  # the stage names no file: every such error is the forecast's
        raise DataError(f"{forecast_csv}: {exc}") from None
    io.write_table(result, out_path, "requirements")
    click.echo(_requirements_summary(result, config.interval_minutes), nl=False)
    reporter.say(f"wrote {out_path} ({len(result)} rows)")


def _requirements_summary(result, interval_minutes: int) -> str:
    hours = interval_minutes / 60
    lines = [f"{'queue':<12} {'model':<9} {'contacts':>10} {'peak agents':>11} "
             f"{'agent-hours':>11} {'to schedule':>11}"]
    for queue, rows in result.groupby("queue", sort=False):
        lines.append(
            f"{queue:<12} {rows['model'].iloc[0]:<9} {rows['volume'].sum():>10,.0f} "
            f"{int(rows['agents_required'].max()):>11} "
            f"{rows['agents_required'].sum() * hours:>11,.1f} "
            f"{rows['agents_required_with_shrinkage'].sum() * hours:>11,.1f}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- roster
@cli.command()
@click.argument("requirements_csv", metavar="REQUIREMENTS", type=EXISTING_FILE)
@config_option("Scenario YAML with agents, contracts, shift rules and solver settings.")
@out_dir_option("Folder for roster.csv, activities.csv, coverage.csv, ...")
@time_limit_option("Solver time limit; overrides solver.time_limit_seconds.")
@click.option("--warm-start", type=EXISTING_FILE,
              help="A roster.csv of the same horizon to start from.")
@previous_roster_option()
@click.pass_obj
def roster(reporter: _Reporter, requirements_csv: Path, config_path: Path, out_dir: Path,
           time_limit_seconds: float | None, warm_start: Path | None,
           previous_roster: Path | None) -> None:
    """Roster the scenario's agents against REQUIREMENTS with CP-SAT.

    \b
    Example:
      staffing roster requirements.csv --config configs/express-week.yaml --out out/
    """

    io.check_output_dir(out_dir)
    scenario = _load(config_path, time_limit_seconds, previous_roster)
    config = scenario.config
    zone = config.site.time_zone
    frame = io.read_format(requirements_csv, "requirements", zone)
    _warn(check_requirements(frame, scenario, where=str(requirements_csv)))
    start = io.read_format(warm_start, "roster", zone) if warm_start else None
    reporter.stage("roster")
    reporter.time_limit_seconds = config.solver.time_limit_seconds
    with _CtrlC() as ctrl_c:
        result = roster_stage(scenario, frame, warm_start=start, on_progress=reporter.progress)
    if not result.feasible:
        if ctrl_c.stopping:
            click.echo("Interrupted before a roster keeping every hard rule was found; nothing "
                       "was written", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED)
        raise InfeasibleError(f"{config_path}: no roster keeps every hard rule (status "
                              f"{result.status})", result.explanation)
    written = export.write_roster_outputs(result, out_dir)
    gap = "no lower bound" if result.gap is None else f"gap {result.gap:.1%}"
    status = "INTERRUPTED (best roster found before Ctrl-C)" if ctrl_c.stopping \
        else result.status
    reporter.say(f"{status}: objective {result.objective:,.1f}, {gap}; wrote "
                 f"{len(written)} files to {out_dir}")
    if ctrl_c.stopping:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------------------------- replan
@cli.command()
@click.argument("plan_dir", metavar="PLAN_DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@config_option("Scenario YAML the plan was made with (same horizon, agents and rules).")
@click.option("--from", "replan_from", required=True, metavar="TIME",
              type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]),
              help="The cut, local time (e.g. 2026-11-25T12:00): shifts started before it "
                   "stay, nothing new starts before it.")
@click.option("--absent", multiple=True, metavar="AGENTS[@DATES]",
              help="Absent agents: A017,A023 (from the cut's date to the horizon's end) or "
                   "A017,A023@2026-11-25..2026-11-27; repeat for other dates.")
@click.option("--actuals", type=EXISTING_FILE,
              help="The contacts so far (history format): the rest of the cut's day is "
                   "re-forecast from them.")
@out_dir_option("Folder for the new roster, changes.csv, replan_service.csv and replan.txt.")
@time_limit_option("Solver time limit (default 15 s).")
@click.pass_obj
def replan(reporter: _Reporter, plan_dir: Path, config_path: Path, replan_from: dt.datetime,
           absent: tuple[str, ...], actuals: Path | None, out_dir: Path,
           time_limit_seconds: float | None) -> None:
    """Re-plan the roster in PLAN_DIR from a cut, with the fewest changes.

    Shifts started before --from stay as published; absent agents lose their shifts on the
    dates given; with --actuals the rest of the horizon is re-forecast; each changed shift and
    agent costs solver.weights.shift_change and agent_change.

    \b
    Example:
      staffing replan out/express-week --config configs/express-week.yaml \\
        --from 2026-11-25T12:00 --absent A017,A023@2026-11-25..2026-11-27 --out out/replan
    """
    io.check_output_dir(out_dir)
    scenario = load_scenario(config_path)
    config = scenario.config
    zone = config.site.time_zone
    horizon = config.horizon_
    absences = parse_absences(absent, default_first=replan_from.date(),
                              default_last=horizon.dates()[-1])
    frame = io.read_history(actuals, zone, missing="zero") if actuals else None
    reporter.stage("roster")
    reporter.time_limit_seconds = time_limit_seconds or DEFAULT_REPLAN_SECONDS
    with _CtrlC():
        result = run_replan(scenario, plan_dir, replan_from=replan_from, absences=absences,
                            actuals=frame, time_limit_seconds=time_limit_seconds,
                            on_progress=reporter.progress)
    if not result.roster.feasible:
        raise InfeasibleError(f"{config_path}: no re-plan keeps every hard rule (status "
                              f"{result.roster.status})", result.roster.explanation)
    written = export.write_replan_outputs(result, out_dir)
    click.echo(export.replan_text(result), nl=False)
    reporter.say(f"wrote {len(written)} files to {out_dir}")


# -------------------------------------------------------------------------------- simulate
@cli.command()
@click.argument("plan_dir", metavar="PLAN_DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@config_option("Scenario YAML of the plan (queues, agents, shrinkage, simulation settings).")
@click.option("--replications", type=click.IntRange(min=1, max=1000),
              help="Independent replications (default: simulation.replications, 20).")
@click.option("--routing", type=click.Choice(["as-rostered", "overflow", "skill-priority"]),
              help="How contacts reach agents (default: simulation.routing, as-rostered).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: simulation.seed).")
@click.option("--cluster", metavar="ADDRESS",
              help="Dask scheduler to run the replications on (needs staffing[dask]).")
@out_dir_option("Folder for simulation.csv and simulation_summary.csv.")
@click.pass_obj
def simulate(reporter: _Reporter, plan_dir: Path, config_path: Path, replications: int | None,
             routing: str | None, seed: int | None, cluster: str | None, out_dir: Path) -> None:
    """Simulate a plan contact by contact: the service its roster really gives.

    Reads forecast.csv and activities.csv from PLAN_DIR (a `staffing plan` folder); writes
    simulation.csv (per queue and interval) and simulation_summary.csv (per queue and day,
    with the service level's 95 % interval over replications) and prints a per-queue table.
    The model is in docs/simulation.md.

    \b
    Example:
      staffing simulate out/express-week --config configs/express-week.yaml \\
          --replications 20 --routing overflow --out out/express-week-sim
    """
    io.check_output_dir(out_dir)
    scenario = load_scenario(config_path)
    changes = {k: v for k, v in (("replications", replications), ("routing", routing),
                                 ("seed", seed)) if v is not None}
    if changes:
        scenario = scenario.with_changes({"simulation": changes})
    missing = [n for n in ("forecast.csv", "activities.csv") if not (plan_dir / n).is_file()]
    if missing:
        raise DataError(f"{plan_dir}: not a plan folder ({' and '.join(missing)} missing); give "
                        "a folder written by `staffing plan`")
    zone = scenario.config.site.time_zone
    forecast = io.read_format(plan_dir / "forecast.csv", "forecast", zone)
    activities = io.read_format(plan_dir / "activities.csv", "activities", zone)
    reporter.stage("simulate")
    with _executor(cluster) as executor:
        result = simulation_stage(scenario, forecast, activities, executor=executor)
    written = export.write_simulation_outputs(result, out_dir)
    click.echo(simulation_text(result), nl=False)
    reporter.say(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


# ---------------------------------------------------------------------------------- erlang
@cli.command()
@click.option("--calls", type=FiniteFloatRange(min=0), required=True,
              help="Contacts offered in the interval (chats for --concurrency > 1).")
@click.option("--interval-minutes", type=FiniteFloatRange(min=0, min_open=True), default=30,
              show_default=True, help="Interval length.")
@click.option("--aht-seconds", type=FiniteFloatRange(min=0, min_open=True), required=True,
              help="Average handle time (chat: session length at full concurrency).")
@click.option("--answer-within-seconds", type=FiniteFloatRange(min=0, min_open=True), default=20,
              show_default=True, help="Service-level threshold (> 0, as in a scenario).")
@click.option("--service-level", "service_level_target",
              type=FiniteFloatRange(0, 1, min_open=True, max_open=True),
              help="Target fraction answered within the threshold (e.g. 0.8).")
@click.option("--asa-seconds", type=FiniteFloatRange(min=0, min_open=True),
              help="Target average speed of answer (mean wait of answered contacts).")
@click.option("--max-occupancy", type=FiniteFloatRange(0, 1, min_open=True),
              help="Cap on agent occupancy (e.g. 0.85).")
@click.option("--patience-seconds", type=FiniteFloatRange(min=0, min_open=True),
              help="Mean patience of waiting callers: use Erlang A (abandonment).")
@click.option("--max-abandon-rate", type=FiniteFloatRange(0, 1, min_open=True, max_open=True),
              help="Cap on the share abandoning (needs --patience-seconds).")
@click.option("--concurrency", type=click.IntRange(min=1, max=10), default=1, show_default=True,
              help="Chat: sessions an agent handles at once.")
@click.option("--concurrency-slowdown", type=FiniteFloatRange(min=0, max=5), default=0.0,
              show_default=True, help="Chat: extra session length per additional session.")
@click.option("--shrinkage", type=FiniteFloatRange(0, 1, max_open=True), default=0.0,
              show_default=True, help="Fraction of paid time off the phones.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def erlang(calls: float, interval_minutes: float, aht_seconds: float,
           answer_within_seconds: float, service_level_target: float | None,
           asa_seconds: float | None, max_occupancy: float | None,
           patience_seconds: float | None, max_abandon_rate: float | None, concurrency: int,
           concurrency_slowdown: float, shrinkage: float, as_json: bool) -> None:
    """Erlang calculator: service level, ASA and occupancy over agent counts.

    Erlang C by default; Erlang A with --patience-seconds; chat with --concurrency. The
    required number of agents (the smallest meeting every target) is marked.

    \b
    Example:
      staffing erlang --calls 100 --interval-minutes 30 --aht-seconds 180 \\
          --answer-within-seconds 20 --service-level 0.8
    """

    if service_level_target is None and asa_seconds is None and max_occupancy is None \
            and max_abandon_rate is None:
        raise click.UsageError("give a target: --service-level (with --answer-within-seconds), "
                               "--asa-seconds, --max-abandon-rate or --max-occupancy")
    if max_abandon_rate is not None and patience_seconds is None:
        raise click.UsageError("--max-abandon-rate needs --patience-seconds")
    traffic = calls * aht_seconds / (interval_minutes * 60)
    table = agent_table(
        traffic, aht_seconds, answer_within_seconds=answer_within_seconds,
        service_level=service_level_target, asa_seconds=asa_seconds,
        max_occupancy=max_occupancy, patience_seconds=patience_seconds,
        max_abandon_rate=max_abandon_rate, concurrency=concurrency,
        concurrency_slowdown=concurrency_slowdown)
    scheduled = int(with_shrinkage(table.agents_required, shrinkage))
    if as_json:
        rows = table.rows()
        if patience_seconds is None:
            for row in rows:
                del row["abandon_rate"]
        click.echo(json.dumps({
            "model": table.model, "traffic_erlangs": traffic,
            "agents_required": table.agents_required,
            "agents_required_with_shrinkage": scheduled, "rows": rows,
        }, indent=2))
        return
    click.echo(_erlang_text(table, calls, interval_minutes, aht_seconds, answer_within_seconds,
                            patience_seconds, concurrency, concurrency_slowdown, shrinkage,
                            scheduled, service_level_target, asa_seconds, max_occupancy,
                            max_abandon_rate), nl=False)


def _erlang_text(table, calls, interval_minutes, aht_seconds, within, patience, concurrency,
                 slowdown, shrinkage, scheduled, sl_target, asa_target, occ_target,
                 abandon_target) -> str:
    if table.model == "erlang_a":
        model = f"Erlang A (mean patience {patience:g} s)"
    elif table.model == "chat":
        model = (f"Chat (up to {concurrency} sessions per agent, slowdown {slowdown:g} per "
                 "extra session)")
    else:
        model = "Erlang C"
    unit = "chats" if concurrency > 1 else "contacts"
    lines = [f"{model}: {calls:g} {unit} in {interval_minutes:g} min, AHT {aht_seconds:g} s = "
             f"{table.traffic_erlangs:.3f} Erlangs"]
    sl_head = f"SL {within:g}s"
    header = f"{'agents':>6}  {'P(wait)':>8}  {sl_head:>8}  {'ASA s':>8}"
    if patience is not None:
        header += f"  {'abandon':>8}"
    header += f"  {'occupancy':>9}"
    lines.append(header)
    for row in table.rows():
        line = (f"{row['agents']:>6}  {row['prob_wait']:>8.4f}  {row['service_level']:>8.4f}  "
                f"{row['asa_seconds']:>8.2f}")
        if patience is not None:
            line += f"  {row['abandon_rate']:>8.4f}"
        line += f"  {row['occupancy']:>9.4f}"
        if row["required"]:
            line += "  <- required"
        lines.append(line)
    targets = []
    if sl_target is not None:
        targets.append(f"service level {sl_target:.0%} within {within:g} s")
    if asa_target is not None:
        targets.append(f"ASA <= {asa_target:g} s")
    if abandon_target is not None:
        targets.append(f"abandonment <= {abandon_target:.1%}")
    if occ_target is not None:
        targets.append(f"occupancy <= {occ_target:.0%}")
    lines.append(f"Required: {table.agents_required} agents ({', '.join(targets)}); "
                 f"{scheduled} to schedule with {shrinkage:.0%} shrinkage")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------- validate
@cli.command()
@click.argument("scenario", type=EXISTING_FILE)
def validate(scenario: Path) -> None:
    """Check SCENARIO and the files it names, and say what it holds.

    Checks everything that can be checked before solving: the schema, the history and agents
    files, contract and agent hour windows, history against the horizon; warns (exit status
    0) about what is legal but suspicious: queues no agent serves, agents who can work no
    shift, a stale history, events with no effect.

    \b
    Example:
      staffing validate configs/express-week.yaml
    """

    loaded = load_scenario(scenario)
    warnings = check_scenario(loaded)
    config = loaded.config
    horizon = config.horizon_
    _warn(warnings)
    click.echo(f"{scenario}: OK" + (f" ({len(warnings)} warning{'s' if len(warnings) > 1 else ''})"
                                    if warnings else ""))
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
