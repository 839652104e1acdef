"""The initial roster: agent by agent, the best week against the demand still uncovered.

Each agent's week is solved exactly for that agent alone — a small CP-SAT model with the same
rule builders as the full model (:func:`~staffing.solver.rules.add_agent_rules`), whose
objective is the agent's cost, preferences and fairness less the value of the intervals its
shifts would cover: the marginal understaffing penalty saved on the best of its queues (the
convex penalty makes a short interval worth more the shorter it is), or minus the overstaffing
weight where the queue is already covered. The agent's shifts then count as covering (less
their breaks' expected share of the break windows: breaks are placed later), and the next agent
is placed. Breaks are then placed where the profile's queues have most to spare (keeping the
break cap), and each interval's working agents are split over queues optimally (a min-cost flow
per interval, :func:`~staffing.solver.split.optimal_split`).

Passes then re-place each agent against the others (a local search) while they improve the
roster and time allows; each pass starts from the completed roster (the breaks where they were
placed, the agents' share of their profile's split), so the values it sees are the roster's.

The result keeps every hard rule of every agent by construction (each week is feasible for its
agent), so it is a roster to publish on its own and a complete hint for the full model. An agent
whose own rules cannot all hold makes the problem infeasible; its index is reported for the
explanation.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from staffing.config import SolverWeights
from staffing.solver.breaks import assign_breaks, break_share, place_breaks
from staffing.interrupt import stop_requested
from staffing.solver.coverage import understaffing_costs
from staffing.solver.model import SCALE, RosterModel
from staffing.solver.problem import RosterProblem
from staffing.solver.rules import add_agent_rules, add_agent_soft_rules
from staffing.solver.solution import Solution
from staffing.solver.split import optimal_split

__all__ = ["AgentPlacer", "GreedyResult", "initial_solution", "place_breaks_and_split",
           "roster_contributions"]


@dataclass
class GreedyResult:
    """The initial roster, or the agents whose own rules cannot all hold."""

    solution: Solution | None
    infeasible_agents: tuple[int, ...] = ()
    passes: int = 0


#: The heuristic models, per group of an agent's options alike for every rule but the start,
#: this many of highest coverage value (on the 12-queue service desk week, 200 agents of about
#: a thousand options each, the first roster in a fraction of the time, issue 22).
SHORTLIST = 3


class _AgentWeek:
    """A one-agent CP-SAT model: rules fixed, objective reset per solve; with ``keep`` (a mask
    over the agent's options, all days concatenated) only those options are modelled."""

    def __init__(self, problem: RosterProblem, a: int, weights: SolverWeights, seed: int,
                 keep: np.ndarray | None = None):
        D = problem.D
        counts = [len(problem.options[a][d]) for d in range(D)]
        offsets = np.cumsum([0, *counts])
        positions = [np.arange(n, dtype=np.int64) for n in counts]
        if keep is not None:
            positions = [np.flatnonzero(keep[offsets[d]:offsets[d + 1]]) for d in range(D)]
            options = list(problem.options)
            options[a] = [problem.options[a][d][positions[d]] for d in range(D)]
            problem = dataclasses.replace(problem, options=options)
        self.keep = keep
        self.D = D
        self.m = RosterModel(problem, [a])
        add_agent_rules(self.m, a)
        add_agent_soft_rules(self.m, a, weights)
        self.base_vars, self.base_coefs = self.m.objective()
        self.lits = [lit for d in range(D) for lit in self.m.x[a][d]]
        self.day_of = np.repeat(np.arange(D, dtype=np.int64), [len(x) for x in positions])
        self.pos = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
        self.solver = cp_model.CpSolver()
        params = self.solver.parameters
        params.num_workers = 1
        params.random_seed = seed
        params.max_time_in_seconds = 10.0
        params.log_search_progress = False
        params.catch_sigint_signal = False
        # A small model solved hundreds of times: a light presolve.
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0

    def solve(self, value: np.ndarray, hint: np.ndarray | None) -> np.ndarray | None:
        """Best week given each option's coverage value (objective units; every option of the
        agent, all days concatenated, as ``hint``); returns the position per day (``-1``
        off), or ``None`` when the agent's rules cannot hold among the options modelled."""
        if self.keep is not None:
            value = value[self.keep]
            hint = None if hint is None else hint[self.keep]
        proto = self.m.cp.proto
        self.m.cp.clear_objective()
        coef = {v.index: c for v, c in zip(self.base_vars, self.base_coefs, strict=True)}
        scaled = np.round(-value * SCALE).astype(np.int64)
        for lit, c in zip(self.lits, scaled, strict=True):
            if c:
                coef[lit.index] = coef.get(lit.index, 0) + int(c)
        keys = sorted(coef)
        proto.objective.vars.extend(keys)
        proto.objective.coeffs.extend([coef[k] for k in keys])
        proto.objective.scaling_factor = 1.0
        self.m.cp.clear_hints()
        if hint is not None:
            proto.solution_hint.vars.extend([lit.index for lit in self.lits])
            proto.solution_hint.values.extend([int(h) for h in hint])
        status = self.solver.solve(self.m.cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        chosen = np.fromiter((self.solver.boolean_value(lit) for lit in self.lits), dtype=bool,
                             count=len(self.lits))
        out = np.full(self.D, -1, dtype=np.int64)
        out[self.day_of[chosen]] = self.pos[chosen]
        return out


def _option_groups(problem: RosterProblem, a: int) -> np.ndarray:
    """Per option of agent ``a`` (all days concatenated), a group number: options alike for
    every rule but the start (same day, paid minutes, night and late flags, in or out of the
    preferred start window) share one."""
    window = problem.preferred_start[a]
    keys = []
    for d in range(problem.D):
        opts = problem.options[a][d]
        if not len(opts):
            continue
        table = problem.table(a, d)
        local = table.local_start[opts]
        pref = (np.zeros(len(opts), dtype=bool) if window is None
                else (window[0] <= local) & (local <= window[1]))
        keys.append(np.stack([np.full(len(opts), d), table.paid[opts], table.night[opts],
                              table.late[opts], pref], axis=1))
    if not keys:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys), axis=0, return_inverse=True)[1].ravel()


def _shortlist(group: np.ndarray, value: np.ndarray, per_group: int = SHORTLIST) -> np.ndarray:
    """Mask of the options worth modelling: the ``per_group`` of highest coverage value in each
    group (alike but for the start, so they differ only in value and in the rest they leave
    before the next day's shift)."""
    order = np.lexsort((-value, group))
    g = group[order]
    first = np.concatenate([[True], g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=bool)
    starts = np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))
    keep = np.zeros(len(g), dtype=bool)
    keep[order] = (np.arange(len(g)) - starts) < per_group
    return keep


class _Residual:
    """Agents assigned per queue and interval, and the value of one more."""

    def __init__(self, problem: RosterProblem, weights: SolverWeights):
        self.p = problem
        self.w = weights
        # Agents serving, each shift counted less its breaks' expected share of their windows
        # (breaks are placed after the shifts), so a fraction of an agent.
        self.served = np.zeros((problem.Q, problem.T), dtype=float)
        top = int(problem.required.max(initial=0))
        self.costs = understaffing_costs(top + 1, weights) / SCALE
        self.penalty = np.array([[prof.step(q) * weights.skill_priority if q in prof.queues
                                  else np.inf for q in range(problem.Q)]
                                 for prof in problem.profiles]).reshape(len(problem.profiles),
                                                                         problem.Q)

    def _cost(self, short: np.ndarray) -> np.ndarray:
        """Understaffing (``short > 0``, interpolated between whole agents) or overstaffing
        (``short < 0``) cost of a queue-interval. [objective units]"""
        k = np.arange(len(self.costs), dtype=float)
        under = np.interp(np.clip(short, 0, None), k, self.costs)
        return under + self.w.overstaffing * np.clip(-short, 0, None)

    def gain(self) -> np.ndarray:
        """``(Q, T)``: objective saved by one more agent on queue q in interval t."""
        short = self.p.required - self.served
        return self._cost(short) - self._cost(short - 1.0)

    def profile_value(self, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per profile: best queue and its value per interval ``(P, T)``."""
        vals = gain[None, :, :] - self.penalty[:, :, None]
        best = np.argmax(vals, axis=1)
        return best, np.take_along_axis(vals, best[:, None, :], axis=1)[:, 0, :]


def _option_values(problem: RosterProblem, a: int, cum: np.ndarray) -> np.ndarray:
    """Coverage value of each option of agent ``a`` (all days concatenated): the value of the
    intervals the shift covers, less each break's expected share of its window (the break is
    placed later; ``duration / window`` of each interval of the window is spent on it)."""
    T = problem.T
    out = []
    for d in range(problem.D):
        opts = problem.options[a][d]
        if not len(opts):
            continue
        table = problem.table(a, d)
        s = np.minimum(table.start[opts], T)
        e = np.minimum(table.end[opts], T)
        value = cum[e] - cum[s]
        for r, spec in enumerate(problem.breaks):
            takes = table.takes[opts, r]
            if not takes.any():
                continue
            lo = np.minimum(table.start[opts] + spec.earliest, T)
            hi = np.minimum(table.start[opts] + spec.latest + spec.duration, T)
            share = break_share(spec)
            value = value - np.where(takes, share * (cum[hi] - cum[lo]), 0.0)
        out.append(value)
    return np.concatenate(out) if out else np.zeros(0)


def _agent_order(problem: RosterProblem) -> list[int]:
    """Least flexible first: agents who must work most hours, then fewer skills, then fewer
    options."""
    def key(a: int):
        rules = problem.rules[a]
        n_opts = sum(len(o) for o in problem.options[a])
        return (-rules.min_minutes_per_week, len(problem.agents[a].skills), n_opts,
                -rules.max_minutes_per_week, a)
    return sorted(range(problem.A), key=key)


class AgentPlacer:
    """Places agents' weeks one at a time against what the others serve (the heuristic's
    machinery), keeping each agent's one-agent model between calls."""

    def __init__(self, problem: RosterProblem, weights: SolverWeights, seed: int = 0):
        self.p = problem
        self.weights = weights
        self.seed = seed
        self.order = _agent_order(problem)
        self.residual = _Residual(problem, weights)
        self.choice = np.full((problem.A, problem.D), -1, dtype=np.int64)
        self.contrib: dict[int, tuple[np.ndarray, ...]] = {}
        self.weeks: dict[int, _AgentWeek] = {}
        self.groups: dict[int, np.ndarray] = {}

    def place(self, a: int, hint_row: np.ndarray | None) -> bool:
        """Give agent ``a`` (not counted in the residual) its best week against the residual
        and count it; ``False`` when the agent's rules cannot hold (or no week was found in
        time)."""
        p, residual = self.p, self.residual
        gain = residual.gain()
        best, val = residual.profile_value(gain)
        pi = int(p.profile_of[a])
        cum = np.concatenate([[0.0], np.cumsum(val[pi])])
        value = _option_values(p, a, cum)
        offsets = np.cumsum([0] + [len(p.options[a][d]) for d in range(p.D)])
        hint = None
        if hint_row is not None:
            hint = np.zeros(offsets[-1], dtype=np.int64)
            for d in range(p.D):
                if hint_row[d] >= 0:
                    hint[offsets[d] + hint_row[d]] = 1
        # The week among a shortlist of the options (and the hinted week), in a small model
        # built for this call; among all of them when that fails.
        if a not in self.groups:
            self.groups[a] = _option_groups(p, a)
        keep = _shortlist(self.groups[a], value)
        if hint is not None:
            keep |= hint.astype(bool)
        row = None
        if not keep.all():
            row = _AgentWeek(p, a, self.weights, self.seed, keep).solve(value, hint)
        if row is None:
            week = self.weeks.get(a)
            if week is None:
                week = self.weeks[a] = _AgentWeek(p, a, self.weights, self.seed)
            row = week.solve(value, hint)
        if row is None:
            return False
        self.choice[a] = row
        qs, ts, ws = [], [], []
        T = p.T
        for d in np.flatnonzero(row >= 0):
            table = p.table(a, d)
            k = p.options[a][d][row[d]]
            s, e = min(int(table.start[k]), T), min(int(table.end[k]), T)
            w = np.ones(e - s)
            for r in np.flatnonzero(table.takes[k]):
                spec = p.breaks[r]
                share = break_share(spec)
                w[spec.earliest:spec.latest + spec.duration] -= share
            t = np.arange(s, e)
            qs.append(best[pi, t])
            ts.append(t)
            ws.append(w)
        q = np.concatenate(qs) if qs else np.zeros(0, dtype=np.int64)
        t = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
        w = np.concatenate(ws) if ws else np.zeros(0)
        np.add.at(residual.served, (q, t), w)
        self.contrib[a] = (q, t, w)
        return True

    def passes(self, roster: Solution, *, deadline: float, max_passes: int,
               on_pass: Callable[[Solution], float] | None = None,
               value: float = float("inf"), min_gain: float = 0.0
               ) -> tuple[Solution, float, int]:
        """Re-placement passes from a completed ``roster`` (of objective ``value``): each
        agent's week is re-solved against the others', each pass starting from the completed
        roster of the last. With ``on_pass`` (objective of a roster) they stop at the first
        that does not improve, or improves by less than ``min_gain`` (a fraction of the
        objective; its roster is kept), and the best roster is returned with its objective and
        the number of passes run."""
        p = self.p
        best, best_value, current = roster, value, roster
        self.choice = roster.choice.copy()
        passes = 0
        while passes < max_passes and time.perf_counter() < deadline and not stop_requested():
            changed = 0
            self.residual.served, self.contrib = roster_contributions(p, current)
            for a in self.order:
                if time.perf_counter() >= deadline:
                    break
                before = self.choice[a].copy()
                q, t, w = self.contrib.pop(a)
                np.add.at(self.residual.served, (q, t), -w)
                if not self.place(a, before):  # no week in time: keep the agent's own
                    np.add.at(self.residual.served, (q, t), w)
                    self.contrib[a] = (q, t, w)
                    continue
                changed += int((self.choice[a] != before).any())
            passes += 1
            current = place_breaks_and_split(p, self.choice.copy(), self.weights)
            if on_pass is None:
                best = current
            else:
                now = on_pass(current)
                if now < best_value:
                    gain = (best_value - now) / max(abs(best_value), 1.0)
                    best, best_value = current, now
                    if gain < min_gain:
                        break  # nearly converged: the time is worth more elsewhere
                else:
                    break  # converged (or cycling): the best roster is kept
            if not changed:
                break
        return best, best_value, passes


def initial_solution(
    problem: RosterProblem,
    weights: SolverWeights,
    *,
    deadline: float,
    seed: int = 0,
    start: np.ndarray | None = None,
    max_passes: int = 3,
    on_pass: Callable[[Solution], float] | None = None,
    min_gain: float = 0.0,
) -> GreedyResult:
    """Build a roster keeping every agent's hard rules (see the module docstring).

    ``start`` is a previous choice matrix (warm start): each agent's week is kept when its
    rules allow and used as the hint otherwise. ``deadline`` (``time.perf_counter()`` value)
    stops the improving passes; the first pass always completes. ``on_pass`` is given the
    roster of each pass and returns its objective: the best pass is returned (a re-placement
    pass can make the whole worse, as breaks and the split are placed after the shifts); the
    passes stop at one that gains less than ``min_gain`` (a fraction of the objective).
    """
    p = problem
    placer = AgentPlacer(p, weights, seed)
    infeasible = [a for a in placer.order
                  if not placer.place(a, None if start is None else start[a])]
    if infeasible:
        return GreedyResult(None, tuple(sorted(infeasible)))
    first = place_breaks_and_split(p, placer.choice.copy(), weights)
    value = on_pass(first) if on_pass is not None else 0.0
    best, _, passes = placer.passes(first, deadline=deadline, max_passes=max_passes - 1,
                                    on_pass=on_pass, value=value, min_gain=min_gain)
    return GreedyResult(best, (), 1 + passes)


def roster_contributions(problem: RosterProblem, roster: Solution
                         ) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, ...]]]:
    """Agents serving per queue and interval ``(Q, T)`` in a completed roster, and each agent's
    part of it ``{a: (queues, intervals, agents)}``: its shifts less its breaks where they were
    placed, shared over its profile's queues as the profile's split is. The parts add up to
    the whole."""
    p = problem
    T = p.T
    placed = assign_breaks(p, roster)
    total = roster.split.sum(axis=1)
    share = roster.split / np.maximum(total[:, None, :], 1)
    out: dict[int, tuple[np.ndarray, ...]] = {}
    for a in range(p.A):
        pi = int(p.profile_of[a])
        w_t = np.zeros(T + 1)
        for d in np.flatnonzero(roster.choice[a] >= 0):
            table = p.table(a, d)
            k = p.options[a][d][roster.choice[a, d]]
            w_t[min(int(table.start[k]), T):min(int(table.end[k]), T)] += 1
            for r, b in placed.get((a, int(d)), {}).items():
                w_t[min(b, T):min(b + p.breaks[r].duration, T)] -= 1
        ts = np.flatnonzero(w_t[:T] > 0)
        queues = np.asarray(p.profiles[pi].queues)
        q = np.repeat(queues, len(ts))
        t = np.tile(ts, len(queues))
        out[a] = (q, t, np.tile(w_t[ts], len(queues)) * share[pi, q, t])
    return roster.split.sum(axis=0).astype(float), out


def place_breaks_and_split(problem: RosterProblem, choice: np.ndarray,
                           weights: SolverWeights) -> Solution:
    """Complete a choice of shifts into a :class:`Solution`: breaks where the profile's queues
    have most to spare (within the break cap when there is one), then each interval's working
    agents split over queues optimally (:func:`~staffing.solver.split.optimal_split`)."""
    p = problem
    T, P, Q = p.T, len(p.profiles), p.Q
    solution = Solution(choice, {}, np.zeros((P, Q, T), dtype=np.int64))
    on_shift = np.zeros((P, T + 1), dtype=np.int64)
    shifts_by: dict[tuple[int, int], list[int]] = {}
    for a, _d, table, k in solution.shifts(p):
        pi = int(p.profile_of[a])
        s, e = int(table.start[k]), int(table.end[k])
        on_shift[pi, min(s, T)] += 1
        on_shift[pi, min(e, T)] -= 1
        for r in np.flatnonzero(table.takes[k]):
            shifts_by.setdefault((pi, int(r)), []).append(s)
    on_shift = np.cumsum(on_shift[:, :T], axis=1)
    # Spare agents per profile if no one were on break: served by the profile's queues less
    # the requirement, shared by the profiles of each queue in proportion to their agents.
    per_queue = np.zeros((Q, T))
    for pi, prof in enumerate(p.profiles):
        for q in prof.queues:
            per_queue[q] += on_shift[pi] / len(prof.queues)
    slack = per_queue - p.required
    solution.break_starts, on_break = place_breaks(p, on_shift, shifts_by, slack)
    solution.split = optimal_split(p, on_shift - on_break[:, :T], weights)
    return solution
