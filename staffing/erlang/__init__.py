"""Queueing maths for staffing: Erlang B, Erlang C, Erlang A, chat and deferred work.

Pure, vectorised numpy functions: arrays of intervals in, arrays out. Times in seconds, traffic
in Erlangs (arrival rate x mean handle time), probabilities as fractions.
"""

from __future__ import annotations

from staffing.erlang.chat import chat_performance, session_aht_seconds
from staffing.erlang.deferred import (
    DeferredPlan,
    deferred_performance,
    deferred_required_agents,
)
from staffing.erlang.queueing import (
    SERVICE_LEVEL_DEFINITIONS,
    QueueMetrics,
    abandon_rate,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    performance,
    prob_wait,
    service_level,
)
from staffing.erlang.search import required_agents

__all__ = [
    "DeferredPlan",
    "QueueMetrics",
    "SERVICE_LEVEL_DEFINITIONS",
    "abandon_rate",
    "average_speed_of_answer",
    "chat_performance",
    "deferred_performance",
    "deferred_required_agents",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "performance",
    "prob_wait",
    "required_agents",
    "service_level",
    "session_aht_seconds",
]
