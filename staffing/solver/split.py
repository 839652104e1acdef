"""The queue split of a roster: which queue each working agent serves, interval by interval.

Two steps, both given the shifts and breaks (the agents at work per skill profile and interval):

1. :func:`optimal_split` — how many agents of each profile serve each queue ``(P, Q, T)``: for
   every interval, the split minimising the objective's coverage terms exactly (understaffing
   with its convex growth, overstaffing, skill priority), as a min-cost flow.
2. :func:`assign_queues` — which agents those are: each agent's queue per interval, given the
   split, so that agents stay on a queue as long as the split allows (few switches of queue
   within a shift; :func:`queue_switches` counts them, the soft rule ``queue_switch``).

The flow network of one interval ``t``
--------------------------------------
::

    profile p (supply: working[p, t]) --[cap working, cost prio(p, q)]--> queue q
    queue q --[segments of the understaffing curve, then overstaffing]--> sink (demand: all)

- One node per profile with agents at work, supplying them; every agent at work serves some
  queue (as in the CP-SAT model, where the split sums to the agents working).
- An arc from a profile to each queue of its skills, of capacity the agents at work, costing
  ``skill_priority x priority step`` per agent.
- From each queue to the sink, arcs whose costs increase (a convex cost, so the flow fills them
  in order): the k-th agent on a queue requiring ``r`` costs minus the understaffing it saves,
  ``-(U(r - k + 1) - U(r - k))`` for ``k <= r`` — ``U`` the understaffing penalty of
  :func:`~staffing.solver.coverage.understaffing_penalty`: exact up to
  :data:`~staffing.solver.coverage.UNDER_EXACT` missing agents, linear between its breakpoints
  beyond, so one arc per breakpoint segment of capacity its length — then ``overstaffing`` per
  agent above ``r``. A constant is added to every queue-to-sink arc (each agent crosses exactly
  one) so that no cost is negative.

A minimum-cost flow then minimises ``understaffing + overstaffing + skill_priority`` of the
interval exactly (the understaffing of ``r`` missing is the constant ``U(r)`` less what the
flow saves). Costs are integers in ``1 / (SCALE x 10^3)`` objective units (slopes between
breakpoints rounded to them), times :data:`TIE_BREAK` so that among the optimal splits the flow
takes the one closest to the previous interval's: each profile-to-queue arc is two, the first
``previous split`` agents at the cost above and the rest one unit dearer (so splits change only
where coverage gains, and agents can stay on their queue).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from staffing.config import SolverWeights
from staffing.errors import SolverError
from staffing.solver.builders import convex_breakpoints
from staffing.solver.coverage import (
    UNDER_EXACT,
    understaffing_costs,
    understaffing_penalty,
)
from staffing.solver.model import SCALE
from staffing.solver.problem import RosterProblem

__all__ = ["TIE_BREAK", "assign_queues", "optimal_split", "queue_switches", "split_cost"]

#: Integer flow costs are objective units x SCALE x this (slopes between breakpoints rounded).
_RESOLUTION = 1000
#: Real costs are multiplied by this; one more unit per agent moved from the previous
#: interval's split breaks ties (at most ``TIE_BREAK - 1`` agents at work in an interval).
TIE_BREAK = 10_000
#: An agent changing queue takes the one with room the profile keeps most over this many
#: intervals ahead (the split's counts). [intervals]
LOOKAHEAD = 4


def _queue_segments(required: int, weights: SolverWeights, top: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Capacities and unit costs (integer, increasing) of the arcs from a queue requiring
    ``required`` agents to the sink, for up to ``top`` agents serving."""
    caps, costs = [], []
    if required > 0:
        full = understaffing_costs(required, weights).astype(float) * _RESOLUTION
        points = convex_breakpoints(required, UNDER_EXACT)
        # Agents fill the largest shortage first: segment [j0, j1] of "missing" is crossed
        # from j1 down to j0, each agent saving (full[j1] - full[j0]) / (j1 - j0).
        for j0, j1 in reversed(list(itertools.pairwise(points))):
            caps.append(j1 - j0)
            costs.append(-round((full[j1] - full[j0]) / (j1 - j0)))
    over = max(top - required, 0)
    if over > 0:
        caps.append(over)
        costs.append(round(weights.overstaffing * SCALE * _RESOLUTION))
    return np.asarray(caps, dtype=np.int64), np.asarray(costs, dtype=np.int64)


def optimal_split(problem: RosterProblem, working: np.ndarray, weights: SolverWeights
                  ) -> np.ndarray:
    """``(P, Q, T)`` agents of each profile serving each queue in each interval: the split of
    ``working`` (``(P, T)`` agents of each profile at work, breaks placed) minimising the
    understaffing, overstaffing and skill-priority terms of the objective exactly, interval by
    interval (see the module docstring for the flow network); among optimal splits, the one
    closest to the previous interval's."""
    p = problem
    P, Q, T = len(p.profiles), p.Q, p.T
    working = np.asarray(working, dtype=np.int64)[:, :T]
    split = np.zeros((P, Q, T), dtype=np.int64)
    prio = np.zeros((P, Q), dtype=np.int64)
    for pi, prof in enumerate(p.profiles):
        for q in prof.queues:
            prio[pi, q] = round(weights.skill_priority * prof.step(q) * SCALE * _RESOLUTION)
    arc_p = np.array([pi for pi, prof in enumerate(p.profiles) for _ in prof.queues],
                     dtype=np.int64)
    arc_q = np.array([q for prof in p.profiles for q in prof.queues], dtype=np.int64)
    segments: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    previous = np.zeros((P, Q), dtype=np.int64)
    for t in range(T):
        w = working[:, t]
        total = int(w.sum())
        if total == 0:
            previous = np.zeros((P, Q), dtype=np.int64)
            continue
        if total >= TIE_BREAK:
            raise SolverError(f"{total} agents at work in interval {t}: the queue split's "
                              f"tie-break takes at most {TIE_BREAK - 1}")
        live = w[arc_p] > 0
        ap, aq = arc_p[live], arc_q[live]
        cap = w[ap]
        keep = np.minimum(previous[ap, aq], cap)
        # Nodes: queues 0..Q-1, sink Q, profiles Q+1+pi.
        tails, heads, caps, costs = [], [], [], []
        base = prio[ap, aq] * TIE_BREAK
        for c, extra in ((keep, 0), (cap - keep, 1)):
            m = c > 0
            tails.append(Q + 1 + ap[m])
            heads.append(aq[m])
            caps.append(c[m])
            costs.append(base[m] + extra)
        q_tails, q_caps, q_costs = [], [], []
        for q in range(Q):
            key = (int(p.required[q, t]), total)
            if key not in segments:
                segments[key] = _queue_segments(key[0], weights, total)
            c, k = segments[key]
            q_tails.append(np.full(len(c), q, dtype=np.int64))
            q_caps.append(c)
            q_costs.append(k)
        q_costs_all = np.concatenate(q_costs)
        offset = max(0, -int(q_costs_all.min(initial=0)))
        tails.append(np.concatenate(q_tails))
        heads.append(np.full(len(q_costs_all), Q, dtype=np.int64))
        caps.append(np.concatenate(q_caps))
        costs.append((q_costs_all + offset) * TIE_BREAK)
        flow = min_cost_flow.SimpleMinCostFlow()
        n_profile_arcs = sum(len(x) for x in tails[:2])
        flow.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails), np.concatenate(heads), np.concatenate(caps),
            np.concatenate(costs))
        supplies = np.zeros(Q + 1 + P, dtype=np.int64)
        supplies[Q] = -total
        supplies[Q + 1:] = w
        flow.set_nodes_supplies(np.arange(Q + 1 + P), supplies)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise SolverError(f"the queue split of interval {t} found no flow (status "
                              f"{status}); every agent at work should have a queue")
        flows = flow.flows(np.arange(n_profile_arcs))
        np.add.at(split[:, :, t], (np.concatenate(tails[:2]) - Q - 1,
                                   np.concatenate(heads[:2])), flows)
        previous = split[:, :, t]
    return split


def split_cost(problem: RosterProblem, split: np.ndarray, weights: SolverWeights
               ) -> np.ndarray:
    """``(T,)`` understaffing + overstaffing + skill priority of ``split`` per interval, as
    :func:`~staffing.solver.solution.evaluate` prices them. [objective units]"""
    served = split.sum(axis=0)
    required = problem.required
    short = np.clip(required - served, 0, None)
    over = np.clip(served - required, 0, None)
    cost = understaffing_penalty(short, required, weights).sum(axis=0)
    cost = cost + weights.overstaffing * over.sum(axis=0)
    for pi, prof in enumerate(problem.profiles):
        for q in prof.queues:
            cost = cost + weights.skill_priority * prof.step(q) * split[pi, q]
    return cost


def assign_queues(problem: RosterProblem, shifts, breaks: dict, split: np.ndarray
                  ) -> dict[tuple[int, int], list]:
    """Per shift, the activity of each of its intervals: a queue index, a break rule's
    activity (``break``, ``lunch``), or the agent's primary queue past the horizon.

    ``shifts``: ``(agent, day, start, end)`` intervals of every shift worked; ``breaks``:
    ``{(agent, day): {rule: start interval}}``; ``split``: ``(P, Q, T)`` agents of each profile
    per queue. Interval by interval within each profile, an agent keeps the queue it last served
    in the shift while the split has room for it; the others take the queues with room, those
    the profile keeps longest first (the split's counts over the next intervals), so a shift
    reads as a few blocks.
    """
    p = problem
    T = p.T
    labels: dict[tuple[int, int], list] = {}
    starts: dict[tuple[int, int], int] = {}
    working = defaultdict(list)  # (profile, t) -> [(agent, day)]
    for a, d, s, e in shifts:
        acts: list = [None] * (e - s)
        for r, b in breaks.get((a, d), {}).items():
            spec = p.breaks[r]
            for i in range(b, b + spec.duration):
                if 0 <= i - s < len(acts):
                    acts[i - s] = spec.activity
        labels[(a, d)] = acts
        starts[(a, d)] = s
        pi = int(p.profile_of[a])
        for i in range(s, min(e, T)):
            if acts[i - s] is None:
                working[(pi, i)].append((a, d))
    current: dict[tuple[int, int], int] = {}
    for pi, prof in enumerate(p.profiles):
        order = prof.queues
        ahead = np.zeros((len(order), T), dtype=np.int64)  # split over the next intervals
        sp = split[pi, list(order)]
        for k in range(1, LOOKAHEAD + 1):
            ahead[:, :T - k] += sp[:, k:]
        for t in range(T):
            agents = working.get((pi, t))
            if not agents:
                continue
            remaining = {q: int(split[pi, q, t]) for q in order}
            pending = []
            for key in agents:
                q = current.get(key)
                if q is not None and remaining.get(q, 0) > 0:
                    remaining[q] -= 1
                    labels[key][t - starts[key]] = q
                else:
                    pending.append(key)
            for key in pending:
                room = [j for j, q in enumerate(order) if remaining[q] > 0]
                if room:
                    q = order[max(room, key=lambda j: (ahead[j, t], -j))]
                else:  # a split short of the agents at work (not from optimal_split)
                    q = current.get(key, order[0])
                remaining[q] = remaining.get(q, 0) - 1
                current[key] = q
                labels[key][t - starts[key]] = q
    for (a, _d), acts in labels.items():
        primary = p.profiles[p.profile_of[a]].primary
        for i, act in enumerate(acts):
            if act is None:  # past the horizon: no demand known, the primary skill
                acts[i] = primary
    return labels


def queue_switches(labels: dict[tuple[int, int], list]) -> dict[tuple[int, int], int]:
    """Per shift, how many times the agent changes queue (breaks in between not counted: a
    return from a break to the same queue is no switch)."""
    out = {}
    for key, acts in labels.items():
        last, n = None, 0
        for act in acts:
            if isinstance(act, int | np.integer):
                if last is not None and act != last:
                    n += 1
                last = act
        out[key] = n
    return out
