"""Large-neighbourhood search: re-solve part of the roster with CP-SAT, the rest fixed.

At a hundred agents and more the full CP-SAT model improves a roster slowly (its presolve and
propagation run over every agent for every move). Here each step frees a part of the roster
(a *neighbourhood*) and solves it exactly against what the rest leaves uncovered:

1. The fixed part keeps its shifts, their breaks (each shift's break from the
   first-in-first-out matching of the current roster) and a share of the profile's queue split
   (the freed shifts' working time is taken off the queues with most to spare), so it is a
   roster of its own that keeps every hard rule.
2. A sub-model of the freed agents only — the same rule builders as the full model
   (:func:`~staffing.solver.rules.add_agent_rules`, soft rules, interval coverage) — covers the
   *residual* requirement ``max(0, required - served by the fixed part)``: an agent more where
   the fixed ones already cover the queue costs the overstaffing weight, one less where it is
   short costs the same marginal understaffing as in the full problem.
3. The freed part is added back (shifts and break counts add up: the union of two
   first-in-first-out break matchings is one), the whole's queue split is made optimal for its
   shifts and breaks (:func:`~staffing.solver.solution.with_optimal_split`), and it is
   re-evaluated with
   :func:`~staffing.solver.solution.evaluate`, and kept only when its exact objective is lower.

Three steps in four free a *window*: two consecutive days around an interval drawn by its
understaffing, for the few dozen agents who could serve it. Their other days keep their shifts
(the weekly rules still see them) and only the window's intervals are modelled, so many agents
move together in a model the size of two days. The fourth frees a dozen agents' whole weeks
(sharing a queue, or at random), which moves days off. Windows grow while CP-SAT solves them to
optimality quickly and shrink while they stop improving. Every roster kept keeps every hard
rule (each agent's week comes from a model with all of them).

A step that CP-SAT cannot prove optimal within its time is improved by CP-SAT's own
neighbourhood searches, not by its full-model worker; once a kind of step runs to its limit,
its steps put both workers on those searches (:class:`_Portfolio`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver.breaks import merge_break_starts, split_break_starts
from staffing.interrupt import stop_requested
from staffing.solver.coverage import IntervalCoverage, add_interval_coverage
from staffing.solver.extract import solution_from_values
from staffing.solver.hints import complete_hint, hint_values
from staffing.solver.model import RosterModel
from staffing.solver.problem import RosterProblem
from staffing.solver.rules import add_agent_rules, add_agent_soft_rules
from staffing.solver.solution import (
    Evaluation,
    Solution,
    evaluate,
    profile_counts,
    with_optimal_split,
)

__all__ = ["LnsResult", "large_neighbourhood_search"]

log = logging.getLogger(__name__)


@dataclass
class LnsResult:
    """The best roster found, its evaluation and figures about the search."""

    solution: Solution
    evaluation: Evaluation
    steps: int = 0
    improvements: int = 0


def _split_fixed(problem: RosterProblem, solution: Solution, freed: np.ndarray):
    """The fixed part of ``solution`` (every shift whose ``(agent, day)`` is not ``freed``, an
    ``(A, D)`` mask) and the freed part: choices, break counts and split ``(P, Q, T)``."""
    p = problem
    T, P = p.T, len(p.profiles)
    fixed_breaks, freed_breaks = split_break_starts(p, solution, freed)
    choice_fixed = np.where(freed, -1, solution.choice)
    fixed = Solution(choice_fixed, fixed_breaks, np.zeros_like(solution.split))
    on_shift, on_break, _ = profile_counts(p, fixed)
    working_fixed = on_shift - on_break
    total = solution.split.sum(axis=1)  # (P, T) working per profile
    remove = total - working_fixed      # the freed shifts' working time
    served = solution.split.sum(axis=0)
    spare = served - p.required         # (Q, T)
    split_fixed = solution.split.copy()
    for pi in range(P):
        queues = p.profiles[pi].queues
        if len(queues) == 1:
            split_fixed[pi, queues[0]] = working_fixed[pi]
            continue
        left = remove[pi].copy()
        # Take the freed agents' time off the queues with most to spare first.
        order = np.argsort(-spare[list(queues)], axis=0, kind="stable")
        for j in range(len(queues)):
            q = np.asarray(queues)[order[j]]
            have = split_fixed[pi, q, np.arange(T)]
            take = np.minimum(left, have)
            split_fixed[pi, q, np.arange(T)] = have - take
            left -= take
    freed_part = Solution(np.where(freed, solution.choice, -1), freed_breaks,
                          solution.split - split_fixed)
    fixed.split = split_fixed
    return fixed, freed_part


def _combine(fixed: Solution, part: Solution, freed: np.ndarray) -> Solution:
    choice = np.where(freed, part.choice, fixed.choice)
    breaks = merge_break_starts(fixed.break_starts, part.break_starts)
    return Solution(choice, breaks, fixed.split + part.split)


def _hotspot(problem: RosterProblem, ev: Evaluation, rng: np.random.Generator
             ) -> tuple[int, int] | None:
    """A queue and interval drawn by understaffing (squared), else by overstaffing."""
    for cost in (ev.short.astype(float) ** 2, ev.over.astype(float)):
        if cost.any():
            flat = cost.ravel() / cost.sum()
            q, t = np.unravel_index(int(rng.choice(len(flat), p=flat)), cost.shape)
            return int(q), int(t)
    return None


def _neighbourhood(problem: RosterProblem, ev: Evaluation, size: int, window_size: int,
                   step: int, rng: np.random.Generator, cover_masks: np.ndarray,
                   window_days: int = 2) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Agents to free and the days they are free on (``None``: the whole horizon).

    Three steps in four free a *window*: ``window_days`` consecutive days (two by default)
    around an interval drawn by its understaffing, and ``window_size`` agents who could serve it (their other days fixed, and
    only the window's intervals modelled), so many agents move together in a small model. The
    fourth frees ``size`` agents' whole weeks (sharing a queue, or at random), which moves days
    off.
    """
    p = problem
    spot = _hotspot(p, ev, rng)
    if step % 4 != 3 and spot is not None and p.D > 1:
        q, t = spot
        day = int(np.clip(t * p.interval_minutes // 1440, 0, p.D - 1))
        width = min(window_days, p.D)
        first = day - int(rng.integers(width)) if width > 1 else day
        first = int(np.clip(first, 0, p.D - width))
        days = tuple(range(first, first + width))
        lo, hi = max(0, t - 48), min(p.T, t + 48)
        serves = np.array([q in p.profiles[int(p.profile_of[a])].queues for a in range(p.A)])
        avail = np.array([any(len(p.options[a][d]) for d in days) for a in range(p.A)])
        score = cover_masks[:, lo:hi].sum(axis=1) * serves + 10 * rng.random(p.A)
        score[~avail] = -1.0
        chosen = np.argsort(-score)[:min(window_size, int(avail.sum()))]
        return chosen, days
    if step % 2:
        pi = int(p.profile_of[int(rng.integers(p.A))])
        queues = set(p.profiles[pi].queues)
        near = np.array([bool(queues & set(p.profiles[int(p.profile_of[a])].queues))
                         for a in range(p.A)])
        pool = np.flatnonzero(near)
        if len(pool) >= size:
            return rng.choice(pool, size, replace=False), None
    return rng.choice(p.A, min(size, p.A), replace=False), None


class _Portfolio:
    """Which CP-SAT workers a step gets, per kind of neighbourhood (a window, whole weeks).

    A sub-model CP-SAT proves optimal within the step keeps the default portfolio (a worker
    on the full sub-model proves it; the other runs CP-SAT's own neighbourhood searches). Once
    a step of a kind runs to its limit without a proof, the steps of that kind put every
    worker on the neighbourhood searches (``use_lns_only``), which is where the improvements
    in such a step come from (better on the S, M and L benchmark weeks at 60 and 300 s: see
    docs/benchmarks-log.md, "Roster solver scale") — except every ``probe_every``-th, which
    tries the default portfolio again (windows shrink while they stop improving and may become
    provable). One worker per step does worse either way (same log).
    """

    def __init__(self, workers: int, probe_every: int = 4):
        self.workers, self.probe_every = workers, probe_every
        self.timed_out: dict[bool, bool] = {}
        self.count: dict[bool, int] = {}

    def lns_only(self, window: bool) -> bool:
        """Whether the next step of this kind (``window``: a window, else whole weeks) gets
        every worker on neighbourhood searches."""
        if self.workers < 2 or not self.timed_out.get(window, False):
            return False
        self.count[window] = self.count.get(window, 0) + 1
        return self.count[window] % self.probe_every != 0

    def record(self, window: bool, lns_only: bool, optimal: bool) -> None:
        """A step of this kind ended: proven ``optimal`` or not, ``lns_only`` or not."""
        if optimal or not lns_only:
            self.timed_out[window] = not optimal


@dataclass
class _Step:
    """One neighbourhood's sub-model, its coverage and the fixed part of the roster."""

    model: RosterModel
    coverage: IntervalCoverage
    fixed: Solution
    part: Solution


def _sub_model(problem: RosterProblem, best: Solution, freed: np.ndarray,
               days: tuple[int, ...] | None, weights: SolverWeights) -> _Step:
    """The model of the freed ``(agent, day)`` pairs (an ``(A, D)`` mask) against what the rest
    of ``best`` leaves uncovered, hinted with ``best``. With ``days`` (a window) the freed
    agents' other days keep their shifts (their weekly rules still see them) and only the
    window's shifts are counted in its coverage."""
    p = problem
    agents = [int(a) for a in np.flatnonzero(freed.any(axis=1))]
    fixed, part = _split_fixed(p, best, freed)
    served_fixed = fixed.split.sum(axis=0)
    # A re-plan's kept shifts are never freed, so the freed breaks start after the cut.
    sub = dataclasses.replace(p, required=np.clip(p.required - served_fixed, 0, None),
                              break_prefix=None)
    m = RosterModel(sub, agents)
    proto_vars = m.cp.proto.variables
    for a in m.agents:
        add_agent_rules(m, a)
        add_agent_soft_rules(m, a, weights)
        for d in range(p.D):  # the days not freed keep their shifts (fixed in the domains)
            if not freed[a, d]:
                keep = int(best.choice[a, d])
                for i, lit in enumerate(m.x[a][d]):
                    domain = proto_vars[lit.index].domain  # a literal's is [0, 1]
                    domain[0] = domain[1] = int(keep == i)
    cov = add_interval_coverage(m, weights, days=days)
    m.minimize()
    variables, values = hint_values(m, cov, part, best.choice)
    m.cp.proto.solution_hint.vars.extend(variables)
    m.cp.proto.solution_hint.values.extend(values)
    return _Step(m, cov, fixed, part)


def large_neighbourhood_search(
    problem: RosterProblem,
    solution: Solution,
    weights: SolverWeights,
    *,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    size: int = 12,
    window_size: int = 40,
    window_days: int = 2,
    step_seconds: float = 3.0,
    on_improve: Callable[[float], None] | None = None,
) -> LnsResult:
    """Improve ``solution`` until ``deadline`` (a ``time.perf_counter()`` value); see the
    module docstring. ``size`` agents' weeks, or ``window_size`` agents over ``window_days``
    days, are freed per step (growing when steps are solved to optimality quickly or stop improving);
    each sub-model gets at most ``step_seconds``."""
    from staffing.solver.coverage import agent_cover_masks

    p = problem
    rng = np.random.default_rng(seed)
    best, best_ev = solution, evaluate(p, solution, weights)
    masks = agent_cover_masks(p)
    size = max(1, min(size, p.A))
    window_size = max(1, min(window_size, p.A))
    steps = improvements = stale = 0
    portfolio = _Portfolio(workers)
    while time.perf_counter() < deadline - 0.5 and p.A > 0 and not stop_requested():
        freed_idx, days = _neighbourhood(p, best_ev, size, window_size, steps, rng, masks,
                                         window_days)
        steps += 1
        agents = sorted(int(a) for a in freed_idx)
        freed = np.zeros((p.A, p.D), dtype=bool)
        if days is None:
            freed[agents] = True
        else:
            freed[np.ix_(agents, list(days))] = True
        if p.kept is not None:  # a re-plan's past stays as it is
            freed &= ~p.kept
            if not freed.any():
                continue
        built_started = time.perf_counter()
        step = _sub_model(p, best, freed, days, weights)
        # The hint leaves a few auxiliaries (fairness, weekend literals) to propagation:
        # complete it with every hinted variable fixed, so the search starts from a full,
        # feasible point.
        if not complete_hint(step.model, seed=seed + steps, time_limit_seconds=5.0):
            log.debug("step %d: %d agents, days %s: the hint breaks a rule (skipped)",
                      steps, len(agents), days)
            continue
        m, cov, fixed = step.model, step.coverage, step.fixed
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = workers
        params.random_seed = int(seed + steps)
        params.max_time_in_seconds = max(0.2, min(step_seconds,
                                                  deadline - time.perf_counter()))
        params.log_search_progress = False
        params.catch_sigint_signal = False
        # A small model solved many times: a light presolve, and the search starts from the
        # hint (the current roster of the freed agents, a feasible point).
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
        lns_only = portfolio.lns_only(days is not None)
        params.use_lns_only = lns_only
        step_started = time.perf_counter()
        status = solver.solve(m.cp)
        step_wall = time.perf_counter() - step_started
        portfolio.record(days is not None, lns_only, status == cp_model.OPTIMAL)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            log.debug("step %d: %d agents, days %s: %s in %.2f s", steps, len(agents), days,
                      solver.status_name(status), step_wall)
            continue
        values_arr = np.asarray(solver.response_proto.solution, dtype=np.int64)
        new_part = solution_from_values(m, cov, values_arr, days=days)
        # The roster's own split, optimal for its shifts and breaks (the sub-model's split
        # was optimal for the freed agents against the fixed part's, not with it).
        candidate = with_optimal_split(p, _combine(fixed, new_part, freed), weights)
        cand_ev = evaluate(p, candidate, weights)
        log.debug("step %d: %d agents, days %s, %s%s in %.2f s (built in %.2f s): "
                  "%.0f -> %.0f", steps, len(agents), days, solver.status_name(status),
                  " (neighbourhood workers only)" if lns_only else "", step_wall,
                  step_started - built_started, best_ev.objective, cand_ev.objective)
        if days is not None:  # windows: larger while they are solved quickly
            if status == cp_model.OPTIMAL and step_wall < step_seconds / 3:
                window_size = min(p.A, window_size + max(2, window_size // 4))
            elif cand_ev.objective >= best_ev.objective - 1e-6:
                window_size = max(8, window_size - max(2, window_size // 8))
        if cand_ev.objective < best_ev.objective - 1e-6:
            best, best_ev = candidate, cand_ev
            improvements += 1
            stale = 0
            if on_improve is not None:
                on_improve(best_ev.objective)
        else:
            stale += 1
            if stale >= 6 and size < min(p.A, 60):
                size = min(p.A, size + max(1, size // 3))
                stale = 0
    return LnsResult(best, best_ev, steps, improvements)
