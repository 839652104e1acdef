"""Contact-by-contact simulation of a plan: the service its roster really gives.

The Erlang formulas of :mod:`staffing.erlang` judge each interval alone, in steady state, with
the roster's per-queue counts. This stage replays the roster itself: Poisson arrivals at the
forecast volume, exponential (or lognormal) handle times, chat concurrency, email FCFS,
patience, absences, agents who finish the contact in hand before a break, and routing between
skills. Replications run in parallel processes; the event loop is compiled by numba.

    from staffing.simulate import simulation_input, simulate

    inp = simulation_input(forecast, activities, scenario.agents, scenario.config)
    result = simulate(inp, replications=20, routing="overflow", seed=0)
    result.days          # queue, date, contacts, ..., service_level, service_level_low/high

Model and choices: ``docs/simulation.md``.
"""

from staffing.simulate.inputs import SimulationInput, simulation_input
from staffing.simulate.replication import (
    ROUTINGS,
    ReplicationOutcome,
    SimulationOptions,
    run_one,
)
from staffing.simulate.results import SimulationResult, interval_counts, simulate

__all__ = [
    "ROUTINGS",
    "ReplicationOutcome",
    "SimulationInput",
    "SimulationOptions",
    "SimulationResult",
    "interval_counts",
    "run_one",
    "simulate",
    "simulation_input",
]
