"""What-if scenarios: adjustments on top of a scenario's data."""

from staffing.scenarios.adjustments import (
    adjust_agents,
    adjust_contracts,
    adjust_forecast,
    effective_events,
)

__all__ = ["adjust_agents", "adjust_contracts", "adjust_forecast", "effective_events"]
