"""Large-neighbourhood search: re-solve a few agents' weeks with CP-SAT, the rest fixed.

At a few hundred agents the full CP-SAT model improves a roster slowly (its presolve and
propagation run over every agent for every move). Here each step frees a small set of agents
(a *neighbourhood*) and solves their weeks exactly against what the others leave uncovered:

1. The fixed agents keep their shifts, their breaks (each shift's break from the
   first-in-first-out matching of the current roster) and a share of their profile's queue
   split (the freed agents' working time is taken off the queues with most to spare), so the
   fixed part is a roster of its own that keeps every hard rule.
2. A sub-model of the freed agents only — the same rule builders as the full model
   (:func:`~staffing.solver.model.add_agent_rules`, soft rules, interval coverage) — covers the
   *residual* requirement ``max(0, required - served by the fixed agents)``: an agent more where
   the fixed ones already cover the queue costs the overstaffing weight, one less where it is
   short costs the same marginal understaffing as in the full problem.
3. The freed agents' roster is added back (shifts, break counts and split add up: the union of
   two first-in-first-out break matchings is one), the whole is re-evaluated with
   :func:`~staffing.solver.solution.evaluate`, and kept only when its exact objective is lower.

Neighbourhoods alternate between agents who serve the queue and day with most understaffing
penalty (so a gap can be filled by moving several of them), agents sharing a skill profile, and
agents drawn at random; the size grows when steps stop improving. Every roster kept keeps every
hard rule (each agent's week comes from a model with all of them).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver.coverage import add_interval_coverage
from staffing.solver.extract import assign_breaks, solution_from_values
from staffing.solver.hints import complete_hint, hint_values
from staffing.solver.model import RosterModel, add_agent_rules, add_agent_soft_rules
from staffing.solver.problem import RosterProblem
from staffing.solver.solution import Evaluation, Solution, evaluate, profile_counts

__all__ = ["LnsResult", "large_neighbourhood_search"]


@dataclass
class LnsResult:
    """The best roster found, its evaluation and figures about the search."""

    solution: Solution
    evaluation: Evaluation
    steps: int = 0
    improvements: int = 0


def _split_fixed(problem: RosterProblem, solution: Solution, freed: np.ndarray):
    """The fixed agents' part of ``solution``: break counts, split ``(P, Q, T)``."""
    p = problem
    T, P = p.T, len(p.profiles)
    breaks = assign_breaks(p, solution)
    fixed_breaks: dict[tuple[int, int], np.ndarray] = {}
    freed_breaks: dict[tuple[int, int], np.ndarray] = {}
    for key, counts in solution.break_starts.items():
        fixed_breaks[key] = np.zeros_like(counts)
        freed_breaks[key] = np.zeros_like(counts)
    for (a, _d), per_rule in breaks.items():
        target = freed_breaks if freed[a] else fixed_breaks
        pi = int(p.profile_of[a])
        for r, b in per_rule.items():
            target[(pi, r)][b] += 1
    choice_fixed = solution.choice.copy()
    choice_fixed[freed] = -1
    fixed = Solution(choice_fixed, fixed_breaks, np.zeros_like(solution.split))
    on_shift, on_break, _ = profile_counts(p, fixed)
    working_fixed = on_shift - on_break
    total = solution.split.sum(axis=1)  # (P, T) working per profile
    remove = total - working_fixed      # the freed agents' working time
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
    freed_part = Solution(np.where(freed[:, None], solution.choice, -1), freed_breaks,
                          solution.split - split_fixed)
    fixed.split = split_fixed
    return fixed, freed_part


def _combine(fixed: Solution, part: Solution, freed: np.ndarray) -> Solution:
    choice = np.where(freed[:, None], part.choice, fixed.choice)
    breaks = {}
    for key in set(fixed.break_starts) | set(part.break_starts):
        a = fixed.break_starts.get(key)
        b = part.break_starts.get(key)
        n = max(len(a) if a is not None else 0, len(b) if b is not None else 0)
        out = np.zeros(n, dtype=np.int64)
        if a is not None:
            out[:len(a)] += a
        if b is not None:
            out[:len(b)] += b
        breaks[key] = out
    return Solution(choice, breaks, fixed.split + part.split)


def _neighbourhood(problem: RosterProblem, ev: Evaluation, size: int, step: int,
                   rng: np.random.Generator, cover_masks: np.ndarray
                   ) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Agents to free and the days they are free on (``None``: the whole horizon)."""
    p = problem
    kind = step % 4
    if kind in (0, 2) and ev.short.any():
        # Agents who could serve where the understaffing penalty is largest, free on that
        # day and the one before (night shifts), the other days fixed: more agents, fewer
        # days.
        cost = ev.short.astype(float) ** 2
        flat = cost.ravel() / cost.sum()
        q, t = np.unravel_index(int(rng.choice(len(flat), p=flat)), cost.shape)
        day = int(np.clip(t * p.interval_minutes // 1440, 0, p.D - 1))
        days = tuple(d for d in (day - 1, day, day + 1) if 0 <= d < p.D) if kind == 0 \
            else tuple(range(p.D))
        size = size * 3 if kind == 0 else size
        lo, hi = max(0, t - 48), min(p.T, t + 48)
        serves = np.array([q in p.profiles[int(p.profile_of[a])].queues for a in range(p.A)])
        score = cover_masks[:, lo:hi].sum(axis=1) * serves + rng.random(p.A)
        score[~serves] = rng.random(int((~serves).sum())) - 1.0
        return np.argsort(-score)[:min(size, p.A)], days
    if kind == 1:
        pi = int(p.profile_of[int(rng.integers(p.A))])
        queues = set(p.profiles[pi].queues)
        near = np.array([bool(queues & set(p.profiles[int(p.profile_of[a])].queues))
                         for a in range(p.A)])
        pool = np.flatnonzero(near)
        if len(pool) >= size:
            return rng.choice(pool, size, replace=False), None
    return rng.choice(p.A, min(size, p.A), replace=False), None


def large_neighbourhood_search(
    problem: RosterProblem,
    solution: Solution,
    weights: SolverWeights,
    *,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    size: int = 12,
    step_seconds: float = 3.0,
    on_improve: Callable[[float], None] | None = None,
) -> LnsResult:
    """Improve ``solution`` until ``deadline`` (a ``time.perf_counter()`` value); see the
    module docstring. ``size`` agents are freed per step (growing when steps stop improving),
    each sub-model gets at most ``step_seconds``."""
    from staffing.solver.coverage import agent_cover_masks

    p = problem
    rng = np.random.default_rng(seed)
    best, best_ev = solution, evaluate(p, solution, weights)
    masks = agent_cover_masks(p)
    size = max(1, min(size, p.A))
    steps = improvements = stale = 0
    while time.perf_counter() < deadline - 0.5 and p.A > 0:
        freed_idx, days = _neighbourhood(p, best_ev, size, steps, rng, masks)
        steps += 1
        freed = np.zeros(p.A, dtype=bool)
        freed[freed_idx] = True
        fixed, part = _split_fixed(p, best, freed)
        served_fixed = fixed.split.sum(axis=0)
        sub = dataclasses.replace(p, required=np.clip(p.required - served_fixed, 0, None))
        m = RosterModel(sub, sorted(int(a) for a in freed_idx))
        for a in m.agents:
            add_agent_rules(m, a)
            add_agent_soft_rules(m, a, weights)
        if days is not None:  # the other days keep their shifts
            for a in m.agents:
                for d in range(p.D):
                    if d not in days:
                        for i, lit in enumerate(m.x[a][d]):
                            m.cp.add(lit == int(best.choice[a, d] == i))
        cov = add_interval_coverage(m, weights)
        m.minimize()
        variables, values = hint_values(m, cov, part)
        m.cp.proto.solution_hint.vars.extend(variables)
        m.cp.proto.solution_hint.values.extend(values)
        # The hint leaves a few auxiliaries (fairness, weekend literals) to propagation:
        # complete it with every hinted variable fixed, so the search starts from a full,
        # feasible point.
        if not complete_hint(m, seed=seed + steps, time_limit_seconds=5.0):
            continue
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = workers
        params.random_seed = int(seed + steps)
        params.max_time_in_seconds = max(0.2, min(step_seconds,
                                                  deadline - time.perf_counter()))
        params.log_search_progress = False
        # A small model solved many times: a light presolve, and the search starts from the
        # hint (the current roster of the freed agents, a feasible point).
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
        status = solver.solve(m.cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        values_arr = np.asarray(solver.response_proto.solution, dtype=np.int64)
        new_part = solution_from_values(m, cov, values_arr)
        candidate = _combine(fixed, new_part, freed)
        cand_ev = evaluate(p, candidate, weights)
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
