"""The Erlang calculator: performance over a range of agent counts around the required one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffing.erlang.chat import chat_performance
from staffing.erlang.queueing import QueueMetrics, performance
from staffing.erlang.search import required_agents

__all__ = ["AgentTable", "agent_table"]


@dataclass(frozen=True)
class AgentTable:
    """Performance of one interval's queue for a range of agent counts.

    Attributes
    ----------
    traffic_erlangs : offered load (chat: in sessions). [Erlangs]
    model : ``erlang_c``, ``erlang_a`` or ``chat``.
    agents_required : smallest agent count meeting every target. [agents]
    agents : the agent counts tabulated, ascending. [agents]
    metrics : the performance at each of ``agents``.
    """

    traffic_erlangs: float
    model: str
    agents_required: int
    agents: np.ndarray
    metrics: QueueMetrics

    def rows(self) -> list[dict]:
        """One mapping per agent count, with ``required`` marking the required one."""
        m = self.metrics
        return [
            {
                "agents": int(n),
                "prob_wait": float(m.prob_wait[i]),
                "service_level": float(m.service_level[i]),
                "asa_seconds": float(m.asa_seconds[i]),
                "abandon_rate": float(m.abandon_rate[i]),
                "occupancy": float(m.occupancy[i]),
                "required": int(n) == self.agents_required,
            }
            for i, n in enumerate(self.agents)
        ]


def agent_table(traffic_erlangs: float, aht_seconds: float, *, answer_within_seconds=None,
                service_level=None, asa_seconds=None, max_occupancy=None,
                patience_seconds=None, max_abandon_rate=None, concurrency: int = 1,
                concurrency_slowdown: float = 0.0, around: int = 4) -> AgentTable:
    """Required agents and the performance from ``around`` below it to ``around`` above.

    Counts that cannot serve the traffic at all (queue unstable without abandonment) are
    left out. Targets as in :func:`staffing.erlang.required_agents`; the service level is
    tabulated at ``answer_within_seconds`` even without a service-level target.
    """
    required = int(required_agents(
        traffic_erlangs, aht_seconds, service_level=service_level,
        answer_within_seconds=answer_within_seconds if service_level is not None else None,
        asa_seconds=asa_seconds, max_occupancy=max_occupancy, patience_seconds=patience_seconds,
        max_abandon_rate=max_abandon_rate, concurrency=concurrency,
        concurrency_slowdown=concurrency_slowdown))
    patient = patience_seconds is None
    lowest = int(np.floor(traffic_erlangs / concurrency)) + 1 if patient else 1
    first = max(lowest, required - around, 1)
    agents = np.arange(first, max(required, first) + around + 1)
    if concurrency > 1:
        metrics = chat_performance(traffic_erlangs, agents, aht_seconds,
                                   concurrency=concurrency,
                                   concurrency_slowdown=concurrency_slowdown,
                                   answer_within_seconds=answer_within_seconds,
                                   patience_seconds=patience_seconds)
        model = "chat"
    else:
        metrics = performance(traffic_erlangs, agents, aht_seconds,
                              answer_within_seconds=answer_within_seconds,
                              patience_seconds=patience_seconds)
        model = "erlang_c" if patient else "erlang_a"
    return AgentTable(float(traffic_erlangs), model, required, agents, metrics)
