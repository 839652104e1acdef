"""Queueing maths for staffing: Erlang B, Erlang C, Erlang A, chat and deferred work.

Pure, vectorised numpy functions: arrays of intervals in, arrays out. Times in seconds, traffic
in Erlangs (arrival rate x mean handle time), probabilities as fractions.
"""

from __future__ import annotations

__all__ = [
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "service_level",
]


def erlang_b(traffic_erlangs, agents):
    """Blocking probability of M/M/n/n. [fraction]"""
    raise NotImplementedError("built by the staffing-maths issue")


def erlang_c(traffic_erlangs, agents):
    """Probability that a contact waits, M/M/n. [fraction]"""
    raise NotImplementedError("built by the staffing-maths issue")


def service_level(traffic_erlangs, agents, aht_seconds, answer_within_seconds):
    """Fraction answered within ``answer_within_seconds``, M/M/n. [fraction]"""
    raise NotImplementedError("built by the staffing-maths issue")


def average_speed_of_answer(traffic_erlangs, agents, aht_seconds):
    """Mean wait of all contacts, M/M/n. [s]"""
    raise NotImplementedError("built by the staffing-maths issue")


def occupancy(traffic_erlangs, agents):
    """Fraction of agent time busy. [fraction]"""
    raise NotImplementedError("built by the staffing-maths issue")


def required_agents(traffic_erlangs, aht_seconds, *, service_level=None,
                    answer_within_seconds=None, asa_seconds=None, max_occupancy=None):
    """Smallest whole number of agents meeting every target given. [agents]"""
    raise NotImplementedError("built by the staffing-maths issue")
