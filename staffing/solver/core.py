"""Roster solve orchestration: build the CP-SAT model from the rule builders, solve, extract.

Steps of :func:`solve_roster`:

1. :func:`~staffing.solver.problem.build_problem`: candidates per agent and day, profiles.
2. :func:`~staffing.solver.explain.precheck`: contradictions visible without solving (a minimum
   above a maximum, a quota larger than the horizon allows) — explained at once.
3. The first roster: a warm start kept as it is when it still keeps every hard rule, else
   :func:`~staffing.solver.greedy.initial_solution`, a roster keeping every hard rule built
   agent by agent (reported through ``on_progress``). An agent whose own rules cannot hold is
   explained from a one-agent model with assumptions.
4. The full CP-SAT model (:mod:`~staffing.solver.model`, :mod:`~staffing.solver.coverage`), its
   hint completed from that roster so the search starts from it.
5. :func:`~staffing.solver.bound.relaxation_bound` in a thread started right after the
   precheck (HiGHS releases the GIL): a lower bound from the linear relaxation of an aggregated
   model, reported with CP-SAT's own when it is solved within the time limit. It runs only on
   a core CP-SAT's workers leave free, or on a small model (see :func:`_bound_affordable`).
6. Improving the first roster. ``settings.search``: ``"cp-sat"`` solves the full model from
   the hint until the time limit or optimality, and the better of its roster and the first
   one (by :func:`~staffing.solver.solution.evaluate`) is returned; ``"lns"`` does not build
   the full model: a large-neighbourhood search (:mod:`~staffing.solver.lns`) re-solves
   windows of days and agents' weeks. ``"auto"`` (the default) takes CP-SAT on models of at
   most :data:`LNS_MIN_OPTIONS` candidates (which it often solves to optimality) and the
   neighbourhood search above (better at the benchmark's S, M and L weeks: BENCHMARKS.md); the
   neighbourhood search is never used with ``deterministic`` or a break cap.
7. :mod:`~staffing.solver.extract`: roster, activities, coverage, per-agent summary,
   violations, objective by rule.
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

from staffing.config import ContractConfig, ShiftRules, SolverSettings
from staffing.domain import Agent
from staffing.errors import SolverError
from staffing.interrupt import stop_requested, stoppable
from staffing.timegrid import Horizon

if TYPE_CHECKING:
    from staffing.solver.problem import RosterProblem

__all__ = ["RosterResult", "SolveProgress", "solve_roster"]

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


#: Seconds of one core the relaxation takes per agent-day-shift candidate, measured on the
#: benchmark weeks (S 10,617 candidates in 9 s, M 53,276 in 71 s on a quiet machine). [s]
RELAXATION_SECONDS_PER_OPTION = 1.4e-3


def _relaxation_seconds(problem: RosterProblem) -> float:
    """Estimated time of the relaxation on one core. [s]"""
    return RELAXATION_SECONDS_PER_OPTION * problem.n_options()


def _bound_affordable(problem: RosterProblem, settings: SolverSettings) -> bool:
    """Whether to solve the relaxation beside the search: on a spare core, on a small model,
    or when it takes at most a third of the time limit.

    The relaxation of a large model keeps a core busy for minutes; on a machine with no core
    beside CP-SAT's workers it would take that time from the search and slow the first
    roster, so on short limits there it is left to ``staffing.solver.bound`` run on its own.
    """
    spare_core = (os.cpu_count() or 1) > settings.workers
    return (spare_core or problem.n_options() <= LARGE_MODEL_OPTIONS
            or 3 * _relaxation_seconds(problem) <= settings.time_limit_seconds)


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
class RosterResult:
    """A solved roster and what the solver knows about it.

    Attributes
    ----------
    status : ``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE`` or ``UNKNOWN`` (no roster in time).
    roster : roster format, one row per agent shift.
    activities : activities format, one row per contiguous block of an agent's time.
    coverage : coverage format (``required`` is ``agents_required_with_shrinkage``).
    agent_summary : per agent: paid hours, shifts, nights, weekend days, preference hits.
    objective : objective value of the roster returned, ``None`` without one.
    bound : proven lower bound on the objective (the larger of CP-SAT's and the relaxation's).
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
    objective_breakdown: Mapping[str, float] = field(default_factory=dict)
    violations: pd.DataFrame | None = None
    explanation: tuple[str, ...] = ()
    wall_seconds: float = 0.0
    first_feasible_seconds: float | None = None
    stats: Mapping[str, object] = field(default_factory=dict)

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
    warm_start : a previous roster (roster format) to start from.
    on_progress : called with each new incumbent or better bound.

    Returns
    -------
    A :class:`RosterResult`. When hard rules cannot all hold its status is ``INFEASIBLE`` and
    ``explanation`` names the agents and rules in conflict; nothing is raised for that.
    """
    from staffing.solver import bound as bound_mod
    from staffing.solver import explain, extract, greedy
    from staffing.solver.coverage import add_interval_coverage
    from staffing.solver.hints import complete_hint
    from staffing.solver.model import SCALE, RosterModel, add_agent_rules, add_agent_soft_rules
    from staffing.solver.problem import build_problem
    from staffing.solver.solution import evaluate

    started = time.perf_counter()
    limit = settings.time_limit_seconds
    deadline = started + limit
    weights = settings.weights
    progress = _Progress(started, on_progress)
    stats: dict[str, object] = {}

    problem = build_problem(requirements, agents, horizon=horizon, contracts=contracts,
                            rules=rules)
    stats["agents"] = problem.A
    stats["profiles"] = len(problem.profiles)
    stats["options"] = problem.n_options()
    stats["build_problem_seconds"] = time.perf_counter() - started

    conflicts = explain.precheck(problem)
    if conflicts:
        return _infeasible(problem, conflicts, started, stats)

    # The lower bound, in a thread while the rosters are built (HiGHS releases the GIL); it
    # stops at the time limit.
    relaxation_box: dict[str, object] = {}

    def run_relaxation() -> None:
        try:
            out = bound_mod.relaxation_bound(
                problem, weights,
                time_limit_seconds=max(0.5, deadline - time.perf_counter()))
        except Exception as exc:  # noqa: BLE001 - a failed bound must not lose the roster
            relaxation_box["error"] = repr(exc)
            return
        relaxation_box["result"] = out
        if out is not None:
            progress.update(bound=out.bound, source="bound")

    relaxation_thread = threading.Thread(target=run_relaxation, name="roster-bound",
                                         daemon=True)
    if _bound_affordable(problem, settings):
        relaxation_thread.start()
    else:
        stats["relaxation_skipped"] = (
            f"{problem.n_options()} shift candidates (about "
            f"{_relaxation_seconds(problem):.0f} s of one core, more "
            f"than a third of the time limit) and no core beside CP-SAT's "
            f"{settings.workers} workers")

    use_lns = (settings.search == "lns"
               or (settings.search == "auto" and problem.n_options() > LNS_MIN_OPTIONS))
    use_lns = use_lns and not settings.deterministic
    if problem.shift_rules.max_break_fraction is not None:
        use_lns = False  # the break cap couples every agent of a queue
    stats["search"] = "lns" if use_lns else "cp-sat"

    start_choice = None
    if warm_start is not None and len(warm_start):
        start_choice = explain.choice_from_roster(problem, warm_start)

    def report_initial(solution) -> float:
        value = evaluate(problem, solution, weights).objective
        progress.update(value, source="initial")
        return value

    def build_model():
        build_started = time.perf_counter()
        model = RosterModel(problem)
        for a in range(problem.A):
            add_agent_rules(model, a)
            add_agent_soft_rules(model, a, weights)
        coverage = add_interval_coverage(model, weights)
        model.minimize()
        stats["model_seconds"] = time.perf_counter() - build_started
        stats["variables"] = len(model.cp.proto.variables)
        stats["constraints"] = len(model.cp.proto.constraints)
        return model, coverage

    best_solution = None
    m = cov = None
    if start_choice is not None:
        m, cov = build_model()
        # The previous roster as it is when it still keeps every hard rule; otherwise only a
        # hint for the agent-by-agent heuristic.
        warm = greedy.place_breaks_and_split(problem, start_choice, weights)
        _add_hint(m, cov, warm)
        kept = complete_hint(m, seed=settings.random_seed,
                              time_limit_seconds=max(1.0, deadline - time.perf_counter()))
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
        greedy_deadline = started + (limit * 0.5 if not settings.deterministic else limit * 10)
        initial = greedy.initial_solution(
            problem, weights, deadline=greedy_deadline, seed=settings.random_seed,
            start=start_choice, max_passes=3 if settings.deterministic else 10,
            on_pass=report_initial, min_gain=MIN_PASS_GAIN if use_lns else 0.0,
        )
        stats["initial_seconds"] = time.perf_counter() - started
        stats["initial_passes"] = initial.passes
        if initial.solution is None:
            lines = explain.explain_agents(problem, initial.infeasible_agents,
                                           seed=settings.random_seed)
            return _infeasible(problem, lines, started, stats)
        best_solution = initial.solution
        if m is None and not use_lns:  # built after the heuristic, which reports first
            m, cov = build_model()
        if m is not None:
            _add_hint(m, cov, best_solution)
            complete_hint(m, seed=settings.random_seed,
                           time_limit_seconds=max(1.0, deadline - time.perf_counter()))
    best_eval = evaluate(problem, best_solution, weights)
    stats["initial_objective"] = best_eval.objective

    def collect_relaxation() -> None:
        if relaxation_thread.ident is None:
            return  # never started
        relaxation_thread.join(timeout=0.0 if stop_requested()
                               else max(0.0, deadline - time.perf_counter()) + 5.0)
        relaxation = relaxation_box.get("result")
        if "error" in relaxation_box:
            stats["relaxation_error"] = relaxation_box["error"]
        if relaxation is not None:
            stats["relaxation_bound"] = relaxation.bound
            stats["relaxation_seconds"] = relaxation.seconds
            stats["relaxation_size"] = (relaxation.variables, relaxation.constraints)
            progress.update(bound=relaxation.bound, source="bound")

    if use_lns:
        from staffing.solver.lns import large_neighbourhood_search

        lns_started = time.perf_counter()
        found = large_neighbourhood_search(
            problem, best_solution, weights, deadline=deadline, seed=settings.random_seed,
            workers=settings.workers,
            on_improve=lambda value: progress.update(value, source="lns"))
        stats["lns_seconds"] = time.perf_counter() - lns_started
        stats["lns_steps"] = found.steps
        stats["lns_improvements"] = found.improvements
        collect_relaxation()
        bound = stats.get("relaxation_bound")
        return _result(problem, found.solution, found.evaluation, "FEASIBLE", bound, progress,
                       started, stats)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = settings.workers
    params.random_seed = settings.random_seed
    params.log_search_progress = False
    params.catch_sigint_signal = False  # Ctrl-C is the caller's: staffing.interrupt stops us
    if problem.n_options() > LARGE_MODEL_OPTIONS:
        # Presolve and probing of a large model take most of a short time limit and find
        # little; one presolve pass leaves the time to the search from the hint.
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
    remaining = 0.0 if stop_requested() else deadline - time.perf_counter()
    if settings.deterministic:
        params.interleave_search = settings.workers > 1
        params.max_deterministic_time = limit
    else:
        params.max_time_in_seconds = max(0.5, remaining)
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
        candidate = extract.solution_from_values(m, cov, values)
        cand_eval = evaluate(problem, candidate, weights)
        if cand_eval.objective <= best_eval.objective + 1e-6:
            best_solution, best_eval = candidate, cand_eval
    elif status == cp_model.INFEASIBLE:
        lines = explain.explain_model(problem, seed=settings.random_seed)
        return _infeasible(problem, lines, started, stats)
    stats["cpsat_bound"] = cp_bound
    collect_relaxation()
    bounds = [b for b in (cp_bound, stats.get("relaxation_bound")) if b is not None]
    optimal = status == cp_model.OPTIMAL and abs(best_eval.objective - (cp_bound or 0)) < 0.5
    return _result(problem, best_solution, best_eval, "OPTIMAL" if optimal else "FEASIBLE",
                   max(bounds) if bounds else None, progress, started, stats)


def _result(problem, solution, ev, status: str, bound: float | None, progress: _Progress,
            started: float, stats: dict) -> RosterResult:
    from staffing.solver import extract

    lower = None if bound is None else min(bound, ev.objective)
    return RosterResult(
        status=status,
        roster=extract.roster_frame(problem, solution),
        activities=extract.activities_frame(problem, solution),
        coverage=extract.coverage_frame(problem, ev.served),
        agent_summary=ev.agent_stats,
        objective=ev.objective,
        bound=lower,
        gap=None if lower is None else _gap(ev.objective, lower),
        objective_breakdown=ev.breakdown,
        violations=ev.violations,
        explanation=(),
        wall_seconds=time.perf_counter() - started,
        first_feasible_seconds=progress.first_feasible,
        stats={**stats, "progress": tuple(progress.history)},
    )


def _add_hint(m, cov, solution) -> None:
    """Hint the shift literals and the coverage counts of ``solution``."""
    from staffing.solver.hints import hint_values

    variables, values = hint_values(m, cov, solution)
    m.cp.clear_hints()
    m.cp.proto.solution_hint.vars.extend(variables)
    m.cp.proto.solution_hint.values.extend(values)


def _infeasible(problem, lines: Sequence[str], started: float, stats) -> RosterResult:
    from staffing.solver import extract

    empty_solution = None
    del empty_solution
    roster = pd.DataFrame(columns=["agent_id", "date", "shift_start", "shift_end",
                                   "paid_minutes"])
    activities = pd.DataFrame(columns=["agent_id", "start", "end", "activity"])
    coverage = extract.coverage_frame(problem, np.zeros_like(problem.required))
    return RosterResult(
        status="INFEASIBLE", roster=roster, activities=activities, coverage=coverage,
        agent_summary=pd.DataFrame(), explanation=tuple(lines),
        wall_seconds=time.perf_counter() - started, stats=stats,
    )
