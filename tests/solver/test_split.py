"""The queue split: optimal per interval (against brute force), and agents kept on their queue."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from staffing.config import SolverWeights
from staffing.solver.problem import build_problem
from staffing.solver.split import (
    assign_queues,
    optimal_split,
    queue_switches,
    split_cost,
)
from staffing.timegrid import Horizon
from tests.solver.roster_helpers import MONDAY, NO_BREAKS, agent, contract, demand

QUEUES = ("voice", "chat", "email")
WEIGHTS = SolverWeights(understaffing=100, understaffing_growth=0.5, overstaffing=5,
                        skill_priority=1)


def _problem(rng: np.random.Generator, n_agents: int = 6):
    """A random multi-skill desk: one day of one-hour intervals, requirements 0-5."""
    horizon = Horizon(MONDAY, 1, 60, "UTC")
    agents = []
    for i in range(n_agents):
        k = int(rng.integers(1, 4))
        queues = rng.permutation(QUEUES)[:k]
        skills = ";".join(f"{q}:{int(rng.integers(1, 4))}" for q in queues)
        agents.append(agent(f"A{i}", skills))
    req = {q: rng.integers(0, 6, size=24) for q in QUEUES}
    spec = {q: (lambda d, h, r=req[q]: int(r[h])) for q in QUEUES}
    problem = build_problem(demand(horizon, spec), agents, horizon=horizon,
                            contracts={"c": contract()}, rules=NO_BREAKS)
    return problem


def _interval_cost(problem, t: int, served: np.ndarray, prio: float) -> float:
    """Coverage terms of one interval, written out: the k-th missing agent costs
    ``100 x (1 + 0.5 (k - 1))``, each agent over 5, each priority step 1."""
    cost = prio
    for q in range(problem.Q):
        short = int(problem.required[q, t]) - int(served[q])
        if short > 0:
            cost += sum(100 * (1 + 0.5 * (k - 1)) for k in range(1, short + 1))
        else:
            cost += 5 * -short
    return cost


def _brute_force(problem, working: np.ndarray, t: int) -> float:
    """The least coverage cost of interval ``t`` over every split of the agents at work."""
    choices = []
    for pi, prof in enumerate(problem.profiles):
        n, queues = int(working[pi, t]), prof.queues
        options = []
        for combo in itertools.combinations_with_replacement(queues, n):
            served = np.zeros(problem.Q, dtype=np.int64)
            prio = 0.0
            for q in combo:
                served[q] += 1
                prio += prof.step(q)
            options.append((served, prio))
        choices.append(options)
    best = np.inf
    for pick in itertools.product(*choices):
        served = sum((s for s, _ in pick), np.zeros(problem.Q, dtype=np.int64))
        best = min(best, _interval_cost(problem, t, served, sum(c for _, c in pick)))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_the_split_costs_the_brute_force_optimum_of_each_interval(seed):
    rng = np.random.default_rng(seed)
    problem = _problem(rng)
    working = rng.integers(0, 4, size=(len(problem.profiles), problem.T))
    split = optimal_split(problem, working, WEIGHTS)
    assert (split.sum(axis=1) == working).all()  # every agent at work serves a queue
    for pi, prof in enumerate(problem.profiles):  # only queues of the profile's skills
        others = [q for q in range(problem.Q) if q not in prof.queues]
        assert not split[pi, others].any()
    cost = split_cost(problem, split, WEIGHTS)
    for t in range(6):
        assert cost[t] == pytest.approx(_brute_force(problem, working, t), abs=1e-6)


@pytest.mark.parametrize("seed", range(20))
def test_no_short_queue_beside_an_agent_with_its_skill_on_a_queue_over(seed):
    rng = np.random.default_rng(100 + seed)
    problem = _problem(rng, n_agents=12)
    working = rng.integers(0, 6, size=(len(problem.profiles), problem.T))
    split = optimal_split(problem, working, WEIGHTS)
    served = split.sum(axis=0)
    short = problem.required > served
    over = served > problem.required
    for pi, prof in enumerate(problem.profiles):
        for q_from in prof.queues:
            for q_to in prof.queues:
                assert not (short[q_to] & over[q_from] & (split[pi, q_from] > 0)).any()


def test_the_split_is_exact_beyond_the_exact_part_of_the_understaffing_curve():
    # Requirements above UNDER_EXACT: the penalty is linear between breakpoints there.
    rng = np.random.default_rng(7)
    problem = _problem(rng, n_agents=4)
    problem.required = rng.integers(0, 40, size=problem.required.shape)
    working = rng.integers(0, 15, size=(len(problem.profiles), problem.T))
    split = optimal_split(problem, working, WEIGHTS)
    cost = split_cost(problem, split, WEIGHTS)
    # Moving one agent of any profile between two of its queues never lowers the cost.
    for t in range(problem.T):
        for pi, prof in enumerate(problem.profiles):
            for a, b in itertools.permutations(prof.queues, 2):
                if split[pi, a, t] == 0:
                    continue
                moved = split.copy()
                moved[pi, a, t] -= 1
                moved[pi, b, t] += 1
                assert split_cost(problem, moved, WEIGHTS)[t] >= cost[t] - 1e-6


def _old_assignment(problem, shifts, split):
    """The assignment before the switch-aware one: keep the queue when the split allows, else
    the first queue (in priority order) with room."""
    T = problem.T
    labels, current = {}, {}
    for a, d, s, e in shifts:
        labels[(a, d)] = [None] * (e - s)
    for pi, prof in enumerate(problem.profiles):
        for t in range(T):
            agents = [(a, d, s) for a, d, s, e in shifts
                      if problem.profile_of[a] == pi and s <= t < e]
            remaining = {q: int(split[pi, q, t]) for q in prof.queues}
            pending = []
            for a, d, s in agents:
                q = current.get((a, d))
                if q is not None and remaining[q] > 0:
                    remaining[q] -= 1
                    labels[(a, d)][t - s] = q
                else:
                    pending.append((a, d, s))
            for a, d, s in pending:
                q = next((q for q in prof.queues if remaining[q] > 0), prof.queues[0])
                remaining[q] -= 1
                current[(a, d)] = q
                labels[(a, d)][t - s] = q
    return labels


@pytest.mark.parametrize("seed", range(10))
def test_agents_follow_the_split_with_no_more_switches_than_before(seed):
    rng = np.random.default_rng(200 + seed)
    problem = _problem(rng, n_agents=10)
    shifts = []
    for a in range(problem.A):
        s = int(rng.integers(0, 16))
        shifts.append((a, 0, s, s + int(rng.integers(4, 9))))
    working = np.zeros((len(problem.profiles), problem.T), dtype=np.int64)
    for a, _d, s, e in shifts:
        working[problem.profile_of[a], s:e] += 1
    split = optimal_split(problem, working, WEIGHTS)
    labels = assign_queues(problem, shifts, {}, split)
    counted = np.zeros_like(split)
    for (a, _d), acts in labels.items():
        s = next(x[2] for x in shifts if x[0] == a)
        for i, q in enumerate(acts):
            counted[problem.profile_of[a], q, s + i] += 1
    assert (counted == split).all()  # the agents serve exactly the split
    new = sum(queue_switches(labels).values())
    old = sum(queue_switches(_old_assignment(problem, shifts, split)).values())
    assert new <= old


def test_switches_skip_breaks():
    assert queue_switches({(0, 0): [1, 1, "break", 1, 2, "lunch", 2, 0]}) == {(0, 0): 2}


def test_the_agent_summary_counts_the_switches_the_activities_show():
    import time

    from staffing.solver import greedy
    from staffing.solver.extract import activities_frame
    from staffing.solver.solution import evaluate

    horizon = Horizon(MONDAY, 2, 60, "UTC")
    agents = [agent(f"A{i}", skills) for i, skills in enumerate(
        ["chat;voice", "chat;voice:2", "voice;email", "email;chat", "chat", "voice;chat;email"])]
    problem = build_problem(
        demand(horizon, {"chat": lambda d, h: 2 if 8 <= h < 20 else 0,
                         "voice": lambda d, h: 1 + (h % 3 == 0) if 7 <= h < 19 else 0,
                         "email": lambda d, h: 1 if 10 <= h < 16 else 0}),
        agents, horizon=horizon, contracts={"c": contract()}, rules=NO_BREAKS)
    weights = SolverWeights(queue_switch=2.0)
    solution = greedy.initial_solution(problem, weights,
                                       deadline=time.perf_counter() + 10).solution
    ev = evaluate(problem, solution, weights)
    acts = activities_frame(problem, solution)
    counted = {}
    for agent_id, rows in acts.groupby("agent_id"):
        switches, last, end = 0, None, None
        for row in rows.itertuples(index=False):
            if end is not None and row.start != end:
                last = None  # a new shift
            if row.activity not in ("break", "lunch"):
                switches += last is not None and row.activity != last
                last = row.activity
            end = row.end
        counted[agent_id] = switches
    summary = ev.agent_stats.set_index("agent_id")["queue_switches"]
    assert {a: int(n) for a, n in summary.items()} == {a: counted.get(a, 0) for a in summary.index}
    assert summary.sum() > 0
    assert ev.breakdown["queue_switch"] == 2.0 * summary.sum()
