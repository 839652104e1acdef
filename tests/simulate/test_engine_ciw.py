"""The engine against ciw on a small two-skill network with overflow.

Two voice queues: ``a`` (2 Erlangs) and ``b`` (2.6 Erlangs). Three agents are rostered on
``a`` with ``b`` as a second skill, three on ``b`` with no other skill; routing ``overflow``:
an ``a`` agent serves ``b`` only when nobody waits in ``a``, a free agent prefers its own
queue's contacts, an arriving contact prefers an agent rostered on its queue.

ciw (a general discrete-event library) has one pool of servers per node and no skills, so the
same network is one ciw node with two customer classes and six servers, and a ``ciw.Node``
subclass that lets a server take only the classes its group has (rank 0 its own queue, rank 1
the overflow), longest-waiting first within a rank. Arrivals, service, the event clock and the
records are ciw's. Service level (answered within 20 s) and mean wait per queue must agree
within the two estimates' combined 99 % interval.
"""

from __future__ import annotations

import numpy as np
import pytest

from staffing.simulate import simulate

from .conftest import build_case

ciw = pytest.importorskip("ciw")

HOURS = 40
RATE_PER_MINUTE = {"a": 2.0, "b": 2.6}
AHT = 60.0
THRESHOLD = 20.0
GROUP_A = (1, 2, 3)                          # ciw server ids rostered on a (b second)
RANK = {("a", "a"): 0, ("a", "b"): 1, ("b", "b"): 0}


def _group(server) -> str:
    return "a" if server.id_number in GROUP_A else "b"


class SkillNode(ciw.Node):
    """A node whose servers serve only their group's classes, own queue first."""

    def find_free_server(self, ind):
        free = [s for s in self.servers
                if not s.busy and (_group(s), ind.customer_class) in RANK]
        if not free:
            return None
        return min(free, key=lambda s: (RANK[(_group(s), ind.customer_class)], s.id_number))

    def begin_service_if_possible_accept(self, next_individual):
        next_individual.arrival_date = self.now
        self.decide_class_change(next_individual)
        server = self.find_free_server(next_individual)
        if server is not None:
            self._start(server, next_individual)

    def begin_service_if_possible_release(self, next_individual, newly_free_server):
        server = newly_free_server
        if server is None or server not in self.servers:
            return
        waiting = [ind for group in self.individuals for ind in group
                   if not ind.server and (_group(server), ind.customer_class) in RANK]
        if waiting:
            ind = min(waiting, key=lambda i: (RANK[(_group(server), i.customer_class)],
                                              i.arrival_date))
            self._start(server, ind)

    def _start(self, server, ind):
        self.attach_server(server, ind)
        ind.service_start_date = self.now
        ind.service_time = self.get_service_time(ind)
        ind.service_end_date = self.now + ind.service_time
        self.number_in_service += 1
        self.reset_class_change(ind)
        server.next_end_service_date = ind.service_end_date


def _ciw_estimates(batches=10):
    network = ciw.create_network(
        arrival_distributions={q: [ciw.dists.Exponential(rate=r / 60.0)]
                               for q, r in RATE_PER_MINUTE.items()},
        service_distributions={q: [ciw.dists.Exponential(rate=1.0 / AHT)]
                               for q in RATE_PER_MINUTE},
        number_of_servers=[6],
    )
    ciw.seed(5)
    sim = ciw.Simulation(network, node_class=SkillNode)
    horizon = HOURS * 3600.0
    sim.simulate_until_max_time(horizon)
    out = {}
    for q in RATE_PER_MINUTE:
        recs = [r for r in sim.get_all_records() if r.customer_class == q]
        arrival = np.array([r.arrival_date for r in recs])
        wait = np.array([r.waiting_time for r in recs])
        batch = np.minimum((arrival / horizon * batches).astype(int), batches - 1)
        sl = np.array([(wait[batch == b] <= THRESHOLD).mean() for b in range(batches)])
        mw = np.array([wait[batch == b].mean() for b in range(batches)])
        out[q] = [(v.mean(), v.std(ddof=1) / np.sqrt(batches)) for v in (sl, mw)]
    return out


def _own_estimates(replications=8):
    queues = [{"id": q, "channel": "voice", "service_level": 0.8,
               "answer_within_seconds": THRESHOLD} for q in RATE_PER_MINUTE]
    agents = ([(f"A{i}", "a:1;b:2", [(0, HOURS, "a")]) for i in range(3)]
              + [(f"B{i}", "b:1", [(0, HOURS, "b")]) for i in range(3)])
    inp = build_case(queues, agents, days=2,
                     volume={q: np.r_[np.full(HOURS * 4, r * 15), np.zeros(192 - HOURS * 4)]
                             for q, r in RATE_PER_MINUTE.items()},
                     aht_seconds={q: AHT for q in RATE_PER_MINUTE})
    result = simulate(inp, replications=replications, seed=4, processes=1, absence="none",
                      routing="overflow")
    out = {}
    for k, q in enumerate(inp.queue_ids):
        c = {n: v[:, k, :].sum(axis=1) for n, v in result.counts.items()}
        sl = c["within"] / c["verdicts"]
        mw = c["wait_seconds"] / c["answered"]
        out[q] = [(v.mean(), v.std(ddof=1) / np.sqrt(replications)) for v in (sl, mw)]
    return out


def test_overflow_network_agrees_with_ciw():
    theirs = _ciw_estimates()
    ours = _own_estimates()
    for q in RATE_PER_MINUTE:
        for (m1, s1), (m2, s2) in zip(ours[q], theirs[q], strict=True):
            assert abs(m1 - m2) <= 2.6 * np.hypot(s1, s2), (q, m1, s1, m2, s2)
