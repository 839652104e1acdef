"""The one exception hierarchy of the library.

Every error a user can cause (a bad scenario file, a malformed CSV, a forecast that cannot be
made, a roster whose hard rules cannot all hold) is a :class:`StaffingError`. Messages say what
was expected, what was found and how to fix it, and name the file and the dotted path or row:
``configs/peak.yaml: queues[2].aht_seconds must be > 0, got -5``. The CLI prints them as
``Error: ...`` and exits with status 1; nothing else is caught there.
"""

from __future__ import annotations

__all__ = [
    "StaffingError",
    "ConfigError",
    "DataError",
    "ForecastError",
    "InfeasibleError",
    "SolverError",
    "OutputError",
]


class StaffingError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(StaffingError):
    """A scenario file is missing, is not valid YAML, or breaks the scenario schema."""


class DataError(StaffingError):
    """An input table (history, agents, forecast, requirements, roster) is missing or malformed."""


class ForecastError(StaffingError):
    """A forecast cannot be made from the history given (too short, no usable data)."""


class InfeasibleError(StaffingError):
    """The roster's hard rules cannot all hold; ``explanation`` names the agents and rules."""

    def __init__(self, message: str, explanation: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.explanation = tuple(explanation)

    def __str__(self) -> str:
        base = super().__str__()
        if not self.explanation:
            return base
        return base + "\n" + "\n".join(f"  - {line}" for line in self.explanation)


class SolverError(StaffingError):
    """The roster solver failed for a reason other than infeasibility: CP-SAT rejected the model
    as invalid (a bug in the model builders; please report it with the scenario)."""


class OutputError(StaffingError):
    """An output file or folder cannot be written where it was asked for (a file in the way,
    no permission)."""
