"""Roster solve orchestration: build the CP-SAT model from the rules, solve, extract.

:func:`solve_roster` runs these stages, one function each:

1. :func:`_build_problem` (:func:`~staffing.solver.problem.build_problem`): candidates per agent
   and day, profiles.
2. :func:`~staffing.solver.explain.precheck`: contradictions visible without solving (a minimum
   above a maximum, a quota larger than the horizon allows) — explained at once
   (:func:`_infeasible`).
3. :func:`_start_relaxation`: :func:`~staffing.solver.bound.relaxation_bound` in a thread
   started right after the precheck (HiGHS releases the GIL): a lower bound from the linear
   relaxation of an aggregated model, reported with CP-SAT's own when it is solved within the
   time limit. It runs only on a core CP-SAT's workers leave free, or on a small model (see
   :func:`_bound_affordable`); :meth:`_Relaxation.collect` waits for it.
4. :func:`_first_roster`: a warm start kept as it is when it still keeps every hard rule, else
   :func:`~staffing.solver.greedy.initial_solution`, a roster keeping every hard rule built
   agent by agent (reported through ``on_progress``). An agent whose own rules cannot hold is
   explained from a one-agent model with assumptions.
5. :func:`_build_model`: the full CP-SAT model (:mod:`~staffing.solver.rules`,
   :mod:`~staffing.solver.coverage`), its hint completed from that roster so the search starts
   from it.
6. The search, improving the first roster (:func:`_use_lns` chooses). ``settings.search``:
   ``"cp-sat"`` (:func:`_search_cpsat`) solves the full model from the hint until the time
   limit or optimality, and the better of its roster and the first one (by
   :func:`~staffing.solver.solution.evaluate`) is returned; ``"lns"`` (:func:`_search_lns`)
   does not build the full model: a large-neighbourhood search (:mod:`~staffing.solver.lns`)
   re-solves windows of days and agents' weeks. ``"auto"`` (the default) takes CP-SAT on models
   of at most :data:`LNS_MIN_OPTIONS` candidates (which it often solves to optimality) and the
   neighbourhood search above (better at the benchmark's S, M and L weeks: BENCHMARKS.md); the
   neighbourhood search is never used with ``deterministic`` or a break cap.
7. :func:`_result` (:mod:`~staffing.solver.extract`): roster, activities, coverage, per-agent
   summary, violations, objective by rule, bound, and the figures of the solve
   (:class:`SolveStats`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from staffing.config import ContractConfig, ShiftRules, SolverSettings, SolverWeights
from staffing.domain import Agent
from staffing.errors import SolverError
from staffing.interrupt import stop_requested, stoppable
from staffing.timegrid import Horizon

if TYPE_CHECKING:
    from staffing.solver.problem import RosterProblem

__all__ = ["RosterResult", "SolveProgress", "SolveStats", "solve_roster"]

#: Above this many agent-day-shift candidates the full model is solved with a light presolve
#: (a full presolve takes most of a short time limit at that size and finds little).
LARGE_MODEL_OPTIONS = 20_000

#: With ``search = "auto"``, models of more agent-day-shift candidates than this are improved
#: by the large-neighbourhood search instead of CP-SAT on the full model (the S benchmark week
#: has 10,617).
LNS_MIN_OPTIONS = 5_000
#: Before the neighbourhood search, the heuristic's passes stop at one gaining less than this
#: fraction of the objective. [fraction]
MIN_PASS_GAIN = 0.015


#: Seconds of one core the relaxation takes per LP column
#: (:func:`staffing.solver.bound.relaxation_columns`), measured: S 48,201 columns in 7 s, M
#: 227,491 in 43 s, the 12-queue desk 152,500 in 54 s, L 623,105 in 304 s (quiet, one core;
#: the desk's 30-min intervals and 12 queues make its columns the densest). [s]
RELAXATION_SECONDS_PER_COLUMN = 4e-4
#: The relaxation runs beside CP-SAT's workers (no spare core) when this many times its
#: estimated time fits in the time limit: it then shares two cores with them (about two
#: thirds of one) and finishes in time, taking at most a third of the search's cores for
#: two thirds of the limit.
RELAXATION_SHARE = 1.5


def _relaxation_seconds(problem: RosterProblem, weights: SolverWeights) -> float:
    """Estimated time of the relaxation on one core, from its LP's size. [s]"""
    from staffing.solver.bound import relaxation_columns

    return RELAXATION_SECONDS_PER_COLUMN * relaxation_columns(problem, weights)


def _bound_affordable(problem: RosterProblem, settings: SolverSettings) -> bool:
    """Whether to solve the relaxation beside the search: on a spare core, on a small model,
    or when :data:`RELAXATION_SHARE` times its estimated time fits in the time limit.

    The relaxation of a large model keeps a core busy for minutes; on a machine with no core
    beside CP-SAT's workers it would take that time from the search and still not finish, so
    on short limits there it is left to ``staffing.solver.bound`` run on its own.
    """
    spare_core = (os.cpu_count() or 1) > settings.workers
    return (spare_core or problem.n_options() <= LARGE_MODEL_OPTIONS
            or RELAXATION_SHARE * _relaxation_seconds(problem, settings.weights)
            <= settings.time_limit_seconds)


def _colgen_affordable(problem: RosterProblem, settings: SolverSettings) -> bool:
    """Whether ``solver.bound: auto`` adds column generation after the relaxation: on a core
    CP-SAT's workers leave free, or on a model CP-SAT searches whole (it converges there in
    seconds). Column generation keeps its core busy to the time limit and on the benchmark's
    S and M weeks passes the relaxation only after minutes, so with no spare core it would
    slow the search for nothing within a short limit."""
    spare_core = (os.cpu_count() or 1) > settings.workers
    return spare_core or problem.n_options() <= LNS_MIN_OPTIONS


@dataclass(frozen=True)
class SolveProgress:
    """One progress report of a running solve (a new incumbent or bound).

    Attributes
    ----------
    wall_seconds : time since the solve started. [s]
    objective : objective of the best roster so far (CP-SAT's incumbents are upper bounds of
        the exact objective the result reports). [objective units]
    bound : best proven lower bound, ``None`` before one is known. [objective units]
    gap : ``(objective - bound) / max(objective, 1)``, ``None`` without a bound. [fraction]
    source : what found it: ``initial`` (the heuristic), ``warm-start``, ``cp-sat`` or
        ``bound``.
    """

    wall_seconds: float
    objective: float
    bound: float | None
    gap: float | None
    source: str = "cp-sat"


@dataclass(frozen=True)
class SolveStats:
    """Figures about one solve (:attr:`RosterResult.stats`); ``None`` where the stage did not
    run (no relaxation, no CP-SAT search, ...). ``dataclasses.asdict`` gives the keys of the
    former ``stats`` dict.

    Attributes
    ----------
    agents, profiles : agents and skill profiles of the problem. [count]
    options : agent-day-shift candidates. [count]
    build_problem_seconds : time to build the problem. [s]
    search : ``cp-sat`` or ``lns`` (how the first roster was improved).
    warm_start : what became of a warm start: ``kept``, or used only as a hint.
    model_seconds : time to build the full CP-SAT model. [s]
    variables, constraints : size of the full CP-SAT model. [count]
    initial_seconds : time from the start to the heuristic's roster. [s]
    initial_passes : the heuristic's re-placement passes. [count]
    initial_objective : objective of the first roster. [objective units]
    relaxation_skipped : why the relaxation was not solved beside the search.
    relaxation_error : the relaxation's exception, when it failed.
    relaxation_bound : the relaxation's lower bound. [objective units]
    relaxation_seconds : its solve time. [s]
    relaxation_size : its ``(variables, constraints)``. [count]
    colgen_bound : the column generation's Lagrangian bound (``settings.bound``).
        [objective units]
    colgen_seconds, colgen_rounds, colgen_converged : its time [s], rounds [count] and
        whether no column priced out at the end.
    bound_source : where the result's bound comes from: ``cp-sat``, ``lp-relaxation`` or
        ``column-generation`` (``None`` without a bound).
    lns_seconds, lns_steps, lns_improvements : the neighbourhood search's time [s], steps and
        improving steps [count].
    cpsat_seconds : CP-SAT's solve time. [s]
    cpsat_status : CP-SAT's status name.
    cpsat_solutions : incumbents CP-SAT reported. [count]
    cpsat_bound : CP-SAT's lower bound. [objective units]
    progress : every progress report, in order.
    """

    agents: int = 0
    profiles: int = 0
    options: int = 0
    build_problem_seconds: float = 0.0
    search: str | None = None
    warm_start: str | None = None
    model_seconds: float | None = None
    variables: int | None = None
    constraints: int | None = None
    initial_seconds: float | None = None
    initial_passes: int | None = None
    initial_objective: float | None = None
    relaxation_skipped: str | None = None
    relaxation_error: str | None = None
    relaxation_bound: float | None = None
    relaxation_seconds: float | None = None
    relaxation_size: tuple[int, int] | None = None
    colgen_bound: float | None = None
    colgen_seconds: float | None = None
    colgen_rounds: int | None = None
    colgen_converged: bool | None = None
    bound_source: str | None = None
    lns_seconds: float | None = None
    lns_steps: int | None = None
    lns_improvements: int | None = None
    cpsat_seconds: float | None = None
    cpsat_status: str | None = None
    cpsat_solutions: int | None = None
    cpsat_bound: float | None = None
    progress: tuple[SolveProgress, ...] = ()


@dataclass(frozen=True)
class RosterResult:
    """A solved roster and what the solver knows about it.

    Attributes
    ----------
    status : ``OPTIMAL`` (proven), ``FEASIBLE`` (every hard rule holds; not proven optimal) or
        ``INFEASIBLE`` (no roster keeps every hard rule: see ``explanation``). The first roster
        is built agent by agent and always completes, so there is no "no roster in time".
    roster : roster format, one row per agent shift.
    activities : activities format, one row per contiguous block of an agent's time.
    coverage : coverage format (``required`` is ``agents_required_with_shrinkage``).
    agent_summary : per agent: paid hours, shifts, nights, weekend days, preference hits.
    objective : objective value of the roster returned, ``None`` without one.
    bound : proven lower bound on the objective (the largest of CP-SAT's, the relaxation's
        and the column generation's).
    bound_source : which of them it is: ``cp-sat``, ``lp-relaxation`` or
        ``column-generation``; ``None`` without a bound.
    gap : ``(objective - bound) / max(objective, 1)``. [fraction]
    objective_breakdown : objective by rule (understaffing, overstaffing, cost, ...).
    violations : soft-rule violations, one row each: rule, agent_id, date, penalty, detail.
    explanation : when hard rules cannot all hold, which agents and rules conflict.
    wall_seconds : solve time. [s]
    first_feasible_seconds : time to the first roster keeping every hard rule. [s]
    stats : figures about the solve (model size, bounds by source, incumbents, ...).
    """

    status: str
    roster: pd.DataFrame
    activities: pd.DataFrame
    coverage: pd.DataFrame
    agent_summary: pd.DataFrame
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    bound_source: str | None = None
    objective_breakdown: Mapping[str, float] = field(default_factory=dict)
    violations: pd.DataFrame | None = None
    explanation: tuple[str, ...] = ()
    wall_seconds: float = 0.0
    first_feasible_seconds: float | None = None
    stats: SolveStats = field(default_factory=SolveStats)

    @property
    def feasible(self) -> bool:
        """Whether a roster keeping every hard rule was found."""
        return self.status in ("OPTIMAL", "FEASIBLE")


def _gap(objective: float, bound: float) -> float:
    return max(0.0, (objective - bound) / max(abs(objective), 1.0))


class _Progress:
    """Best objective and bound from every source, reported when either improves."""

    def __init__(self, started: float, on_progress: Callable[[SolveProgress], None] | None):
        self.started = started
        self.on_progress = on_progress
        self.objective = float("inf")
        self.bound = float("-inf")
        self.first_feasible: float | None = None
        self.history: list[SolveProgress] = []
        self.lock = threading.Lock()

    def update(self, objective: float | None = None, bound: float | None = None,
               source: str = "cp-sat") -> None:
        with self.lock:
            better = False
            now = time.perf_counter() - self.started
            if objective is not None and objective < self.objective - 1e-9:
                self.objective = objective
                better = True
                if self.first_feasible is None:
                    self.first_feasible = now
            if bound is not None and bound > self.bound + 1e-9:
                self.bound = min(bound, self.objective)
                better = True
            if not better or self.objective == float("inf"):
                return
            known = self.bound > float("-inf")
            report = SolveProgress(now, self.objective, self.bound if known else None,
                                   _gap(self.objective, self.bound) if known else None, source)
            self.history.append(report)
        if self.on_progress is not None:
            self.on_progress(report)


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: _Progress, scale: int, offset: float):
        super().__init__()
        self.progress = progress
        self.scale = scale
        self.offset = offset
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        self.progress.update(self.objective_value / self.scale + self.offset,
                             self.best_objective_bound / self.scale + self.offset)


def solve_roster(
    requirements: pd.DataFrame,
    agents: Sequence[Agent],
    *,
    horizon: Horizon,
    contracts: Mapping[str, ContractConfig],
    rules: ShiftRules,
    settings: SolverSettings = SolverSettings(),
    warm_start: pd.DataFrame | None = None,
    previous_roster: pd.DataFrame | None = None,
    published: pd.DataFrame | None = None,
    replan_from: pd.Timestamp | None = None,
    published_activities: pd.DataFrame | None = None,
    on_progress: Callable[[SolveProgress], None] | None = None,
) -> RosterResult:
    """Assign named agents to shifts, breaks and queues over ``horizon``.

    Parameters
    ----------
    requirements : requirements format; ``agents_required_with_shrinkage`` is the target.
    agents : the agents (skills, contract, availability, preferences).
    horizon : the days planned, interval length and time zone.
    contracts : contract types by name.
    rules : shift rules (start/length grid, breaks, rest, nights, weekends).
    settings : time limit, workers, seed, objective weights.
    warm_start : a roster of the same horizon (roster format) to start from.
    previous_roster : the roster of the days before the horizon (roster format): rest, runs
        of days worked and off and consecutive weekends worked continue across the seam
        (:mod:`staffing.solver.seam`).
    published : a published roster of this horizon being re-planned (roster format): its
        shifts starting before ``replan_from`` stay, no other shift starts before it, and each
        changed day and agent after it costs ``weights.shift_change`` and
        ``weights.agent_change``. Give it as ``warm_start`` too to start from it.
    replan_from : the re-plan's cut (an aware time, taken to the next interval start);
        ``None``: the horizon's start.
    published_activities : the published roster's activities: the kept shifts' breaks
        started before the cut stay where they were.
    on_progress : called with each new incumbent or better bound.

    Returns
    -------
    A :class:`RosterResult`. When hard rules cannot all hold its status is ``INFEASIBLE`` and
    ``explanation`` names the agents and rules in conflict; nothing is raised for that.
    """
    from staffing.solver import explain

    started = time.perf_counter()
    stats: dict[str, object] = {}
    problem = _build_problem(requirements, agents, horizon=horizon, contracts=contracts,
                             rules=rules, stats=stats, started=started,
                             previous_roster=previous_roster, published=published,
                             replan_from=replan_from,
                             published_activities=published_activities)
    run = _Run(problem, settings, started, started + settings.time_limit_seconds,
               _Progress(started, on_progress), stats)

    conflicts = explain.precheck(problem)
    if conflicts:
        return _infeasible(run, conflicts)
    relaxation = _start_relaxation(run)
    use_lns = _use_lns(run)
    first = _first_roster(run, warm_start, use_lns=use_lns)
    if first.conflicts:
        return _infeasible(run, first.conflicts)
    if use_lns:
        return _search_lns(run, first, relaxation)
    return _search_cpsat(run, first, relaxation)


@dataclass
class _Run:
    """What the stages of one :func:`solve_roster` share."""

    problem: RosterProblem
    settings: SolverSettings
    started: float
    deadline: float
    progress: _Progress
    stats: dict[str, object]

    @property
    def weights(self):
        return self.settings.weights

    def remaining(self) -> float:
        """Seconds to the deadline (negative past it). [s]"""
        return self.deadline - time.perf_counter()


@dataclass
class _FirstRoster:
    """The first roster keeping every hard rule, its exact evaluation, and the full model when
    it was built (a warm start, or CP-SAT's search); ``conflicts`` instead when some agent's
    rules cannot hold."""

    solution: object = None
    evaluation: object = None
    model: object = None
    coverage: object = None
    conflicts: list[str] | None = None


def _build_problem(requirements, agents, *, horizon, contracts, rules, stats, started,
                   previous_roster=None, published=None, replan_from=None,
                   published_activities=None) -> RosterProblem:
    """Stage 1: candidates per agent and day, profiles, the seam with the previous roster."""
    from staffing.domain import WEEKDAYS
    from staffing.solver.problem import build_problem
    from staffing.solver.seam import agent_histories

    history = None
    if previous_roster is not None:
        history = agent_histories(
            previous_roster, [a.agent_id for a in agents], horizon=horizon,
            weekend_days=frozenset(WEEKDAYS.index(w) for w in rules.weekend_days))
    problem = build_problem(requirements, agents, horizon=horizon, contracts=contracts,
                            rules=rules, history=history, published=published, cut=replan_from,
                            published_activities=published_activities)
    stats["agents"] = problem.A
    stats["profiles"] = len(problem.profiles)
    stats["options"] = problem.n_options()
    stats["build_problem_seconds"] = time.perf_counter() - started
    return problem


class _Relaxation:
    """The lower bound, in a thread while the rosters are built (HiGHS releases the GIL); it
    stops at the time limit."""

    def __init__(self, run: _Run):
        self.run = run
        self.box: dict[str, object] = {}
        self.thread = threading.Thread(target=self._solve, name="roster-bound", daemon=True)

    def _solve(self) -> None:
        from staffing.solver import bound as bound_mod
        from staffing.solver import colgen

        run = self.run
        kind = run.settings.bound
        if kind in ("auto", "relaxation", "column-generation"):  # its duals start the CG
            try:
                out = bound_mod.relaxation_bound(
                    run.problem, run.weights, time_limit_seconds=max(0.5, run.remaining()))
            except Exception as exc:  # noqa: BLE001 - a failed bound must not lose the roster
                self.box["error"] = repr(exc)
                return
            self.box["result"] = out
            if out is not None:
                run.progress.update(bound=out.bound, source="bound")
        with_cg = kind == "column-generation" or (
            kind == "auto" and _colgen_affordable(run.problem, run.settings))
        if with_cg and run.remaining() > 1.0:
            # Column generation in the time left: its Lagrangian bound holds at every round.
            try:
                relaxation = self.box.get("result")
                cg = colgen.column_generation_bound(
                    run.problem, run.weights, time_limit_seconds=run.remaining(),
                    on_round=lambda lp, b: run.progress.update(bound=b, source="bound"),
                    start_duals=None if relaxation is None else relaxation.coverage_duals)
            except Exception as exc:  # noqa: BLE001
                self.box["error"] = repr(exc)
                return
            self.box["colgen"] = cg

    def collect(self) -> None:
        """Wait for the bound (until the deadline and 5 s) and record it."""
        if self.thread.ident is None:
            return  # never started
        run = self.run
        self.thread.join(timeout=0.0 if stop_requested() else max(0.0, run.remaining()) + 5.0)
        relaxation = self.box.get("result")
        if "error" in self.box:
            run.stats["relaxation_error"] = self.box["error"]
        if relaxation is not None:
            run.stats["relaxation_bound"] = relaxation.bound
            run.stats["relaxation_seconds"] = relaxation.seconds
            run.stats["relaxation_size"] = (relaxation.variables, relaxation.constraints)
            run.progress.update(bound=relaxation.bound, source="bound")
        cg = self.box.get("colgen")
        if cg is not None:
            run.stats["colgen_bound"] = cg.bound
            run.stats["colgen_seconds"] = cg.seconds
            run.stats["colgen_rounds"] = cg.rounds
            run.stats["colgen_converged"] = cg.converged
            run.progress.update(bound=cg.bound, source="bound")

    def bounds(self) -> dict[str, float]:
        """The bounds found, by source (``lp-relaxation``, ``column-generation``)."""
        stats = self.run.stats
        found = {"lp-relaxation": stats.get("relaxation_bound"),
                 "column-generation": stats.get("colgen_bound")}
        return {k: v for k, v in found.items() if v is not None}


def _start_relaxation(run: _Run) -> _Relaxation:
    """Stage "bound", started: the relaxation in a thread when it is affordable."""
    relaxation = _Relaxation(run)
    problem, settings = run.problem, run.settings
    if settings.bound == "none":
        run.stats["relaxation_skipped"] = "solver.bound is none"
    elif _bound_affordable(problem, settings):
        relaxation.thread.start()
    else:
        run.stats["relaxation_skipped"] = (
            f"{problem.n_options()} shift candidates (about "
            f"{_relaxation_seconds(problem, settings.weights):.0f} s of one core, more "
            f"than it can take of the time limit) and no core beside CP-SAT's "
            f"{settings.workers} workers")
    return relaxation


def _use_lns(run: _Run) -> bool:
    """Whether the neighbourhood search improves the first roster (else CP-SAT)."""
    settings, problem = run.settings, run.problem
    use_lns = (settings.search == "lns"
               or (settings.search == "auto" and problem.n_options() > LNS_MIN_OPTIONS))
    use_lns = use_lns and not settings.deterministic
    if problem.shift_rules.max_break_fraction is not None:
        use_lns = False  # the break cap couples every agent of a queue
    run.stats["search"] = "lns" if use_lns else "cp-sat"
    return use_lns


def _build_model(run: _Run):
    """Stage "model": the full CP-SAT model, every rule of every agent and the coverage."""
    from staffing.solver.coverage import add_interval_coverage
    from staffing.solver.model import RosterModel
    from staffing.solver.rules import add_agent_rules, add_agent_soft_rules

    problem, weights = run.problem, run.weights
    build_started = time.perf_counter()
    model = RosterModel(problem)
    for a in range(problem.A):
        add_agent_rules(model, a)
        add_agent_soft_rules(model, a, weights)
    coverage = add_interval_coverage(model, weights)
    model.minimize()
    run.stats["model_seconds"] = time.perf_counter() - build_started
    run.stats["variables"] = len(model.cp.proto.variables)
    run.stats["constraints"] = len(model.cp.proto.constraints)
    return model, coverage


def _first_roster(run: _Run, warm_start: pd.DataFrame | None, *, use_lns: bool
                  ) -> _FirstRoster:
    """Stage "first roster": the warm start as it is when it still keeps every hard rule, else
    the agent-by-agent heuristic's roster; the full model (built first with a warm start, else
    after the heuristic, which reports first; not at all for the neighbourhood search) hinted
    with it."""
    from staffing.solver import explain, greedy
    from staffing.solver.hints import complete_hint
    from staffing.solver.solution import evaluate

    problem, settings, weights = run.problem, run.settings, run.weights
    stats, progress = run.stats, run.progress
    start_choice = None
    if warm_start is not None and len(warm_start):
        start_choice = explain.choice_from_roster(problem, warm_start)

    def report_initial(solution) -> float:
        value = evaluate(problem, solution, weights).objective
        progress.update(value, source="initial")
        return value

    best_solution = None
    m = cov = None
    if start_choice is not None:
        m, cov = _build_model(run)
        # The previous roster as it is when it still keeps every hard rule; otherwise only a
        # hint for the agent-by-agent heuristic.
        warm = greedy.place_breaks_and_split(problem, start_choice, weights)
        _add_hint(m, cov, warm)
        kept = complete_hint(m, seed=settings.random_seed,
                             time_limit_seconds=max(1.0, run.remaining()))
        if kept:
            best_solution = warm
            stats["warm_start"] = "kept"
            progress.update(evaluate(problem, warm, weights).objective, source="warm-start")
        else:
            stats["warm_start"] = "breaks a hard rule; used as a hint"
    if best_solution is None:
        # The heuristic's re-placement passes improve fastest (each agent's week against the
        # others'); they stop when a pass no longer helps, or at half the limit (a fixed number
        # of passes when the solve must be deterministic). Before the neighbourhood search a
        # pass gaining under 1.5 % ends them: a pass costs about as much as two neighbourhood
        # steps, which gain about 0.6 % each at that point (M benchmark week).
        limit = settings.time_limit_seconds
        # A deterministic solve stops its passes by count only: a wall-clock deadline would
        # make the first roster, and so the result, depend on the machine's load.
        greedy_deadline = (run.started + limit * 0.5 if not settings.deterministic
                           else float("inf"))
        initial = greedy.initial_solution(
            problem, weights, deadline=greedy_deadline, seed=settings.random_seed,
            start=start_choice, max_passes=3 if settings.deterministic else 10,
            on_pass=report_initial, min_gain=MIN_PASS_GAIN if use_lns else 0.0,
        )
        stats["initial_seconds"] = time.perf_counter() - run.started
        stats["initial_passes"] = initial.passes
        if initial.solution is None:
            lines = explain.explain_agents(problem, initial.infeasible_agents,
                                           seed=settings.random_seed)
            return _FirstRoster(conflicts=lines)
        best_solution = initial.solution
        if m is None and not use_lns:  # built after the heuristic, which reports first
            m, cov = _build_model(run)
        if m is not None:
            _add_hint(m, cov, best_solution)
            complete_hint(m, seed=settings.random_seed,
                          time_limit_seconds=max(1.0, run.remaining()))
    best_eval = evaluate(problem, best_solution, weights)
    stats["initial_objective"] = best_eval.objective
    return _FirstRoster(best_solution, best_eval, m, cov)


def _search_lns(run: _Run, first: _FirstRoster, relaxation: _Relaxation) -> RosterResult:
    """Stage "search" by the large-neighbourhood search, then the bound and the result."""
    from staffing.solver.lns import large_neighbourhood_search

    settings, stats = run.settings, run.stats
    lns_started = time.perf_counter()
    found = large_neighbourhood_search(
        run.problem, first.solution, run.weights, deadline=run.deadline,
        seed=settings.random_seed, workers=settings.workers,
        on_improve=lambda value: run.progress.update(value, source="lns"))
    stats["lns_seconds"] = time.perf_counter() - lns_started
    stats["lns_steps"] = found.steps
    stats["lns_improvements"] = found.improvements
    relaxation.collect()
    return _result(run, found.solution, found.evaluation, "FEASIBLE", relaxation.bounds())


def _cpsat_solver(run: _Run) -> cp_model.CpSolver:
    """CP-SAT with the settings' workers, seed and limit (deterministic or wall time)."""
    settings = run.settings
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = settings.workers
    params.random_seed = settings.random_seed
    params.log_search_progress = False
    params.catch_sigint_signal = False  # Ctrl-C is the caller's: staffing.interrupt stops us
    if run.problem.n_options() > LARGE_MODEL_OPTIONS:
        # Presolve and probing of a large model take most of a short time limit and find
        # little; one presolve pass leaves the time to the search from the hint.
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
    remaining = 0.0 if stop_requested() else run.remaining()
    if settings.deterministic:
        params.interleave_search = settings.workers > 1
        params.max_deterministic_time = settings.time_limit_seconds
    else:
        params.max_time_in_seconds = max(0.5, remaining)
    return solver


def _search_cpsat(run: _Run, first: _FirstRoster, relaxation: _Relaxation) -> RosterResult:
    """Stage "search" by CP-SAT on the full model from the first roster's hint; the better of
    its roster and the first (extracted, then evaluated exactly) is returned with the bound."""
    from staffing.solver import explain, extract
    from staffing.solver.model import SCALE
    from staffing.solver.solution import evaluate, with_optimal_split

    problem, stats, progress = run.problem, run.stats, run.progress
    m, cov = first.model, first.coverage
    best_solution, best_eval = first.solution, first.evaluation
    solver = _cpsat_solver(run)
    callback = _Callback(progress, SCALE, 0.0)
    solver.best_bound_callback = lambda b: progress.update(bound=b / SCALE, source="bound")
    cp_started = time.perf_counter()
    with stoppable(solver):
        status = solver.solve(m.cp, callback)
    stats["cpsat_seconds"] = time.perf_counter() - cp_started
    stats["cpsat_status"] = solver.status_name(status)
    stats["cpsat_solutions"] = callback.solutions
    if status == cp_model.MODEL_INVALID:
        raise SolverError(f"the roster model is invalid: {m.cp.validate()}")
    cp_bound = solver.best_objective_bound / SCALE if status in (
        cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.asarray(solver.response_proto.solution, dtype=np.int64)
        candidate = with_optimal_split(problem, extract.solution_from_values(m, cov, values),
                                       run.weights)
        cand_eval = evaluate(problem, candidate, run.weights)
        if cand_eval.objective <= best_eval.objective + 1e-6:
            best_solution, best_eval = candidate, cand_eval
    elif status == cp_model.INFEASIBLE:
        lines = explain.explain_model(problem, seed=run.settings.random_seed)
        return _infeasible(run, lines)
    stats["cpsat_bound"] = cp_bound
    relaxation.collect()
    bounds = relaxation.bounds()
    if cp_bound is not None:
        bounds["cp-sat"] = cp_bound
    optimal = status == cp_model.OPTIMAL and abs(best_eval.objective - (cp_bound or 0)) < 0.5
    return _result(run, best_solution, best_eval, "OPTIMAL" if optimal else "FEASIBLE", bounds)


def _result(run: _Run, solution, ev, status: str, bounds: Mapping[str, float]
            ) -> RosterResult:
    """Stage "extract": the output frames of a roster, with its best bound (and which it is)
    and the solve's figures."""
    from staffing.solver import extract

    problem, progress = run.problem, run.progress
    source = max(bounds, key=bounds.get) if bounds else None
    bound = bounds[source] if bounds else None
    lower = None if bound is None else min(bound, ev.objective)
    run.stats["bound_source"] = source
    return RosterResult(
        status=status,
        roster=extract.roster_frame(problem, solution),
        activities=extract.activities_frame(problem, solution),
        coverage=extract.coverage_frame(problem, ev.served),
        agent_summary=ev.agent_stats,
        objective=ev.objective,
        bound=lower,
        gap=None if lower is None else _gap(ev.objective, lower),
        bound_source=source,
        objective_breakdown=ev.breakdown,
        violations=ev.violations,
        explanation=(),
        wall_seconds=time.perf_counter() - run.started,
        first_feasible_seconds=progress.first_feasible,
        stats=SolveStats(**run.stats, progress=tuple(progress.history)),
    )


def _add_hint(m, cov, solution) -> None:
    """Hint the shift literals and the coverage counts of ``solution``."""
    from staffing.solver.hints import hint_values

    variables, values = hint_values(m, cov, solution)
    m.cp.clear_hints()
    m.cp.proto.solution_hint.vars.extend(variables)
    m.cp.proto.solution_hint.values.extend(values)


def _infeasible(run: _Run, lines: Sequence[str]) -> RosterResult:
    """Stage "explain": no roster, and the lines naming the agents and rules in conflict."""
    from staffing.solver import extract

    problem = run.problem
    roster = pd.DataFrame(columns=["agent_id", "date", "shift_start", "shift_end",
                                   "paid_minutes"])
    activities = pd.DataFrame(columns=["agent_id", "start", "end", "activity"])
    coverage = extract.coverage_frame(problem, np.zeros_like(problem.required))
    return RosterResult(
        status="INFEASIBLE", roster=roster, activities=activities, coverage=coverage,
        agent_summary=pd.DataFrame(), explanation=tuple(lines),
        wall_seconds=time.perf_counter() - run.started, stats=SolveStats(**run.stats),
    )
