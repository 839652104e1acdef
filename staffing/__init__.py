"""staffing — contact-center workforce planning.

Forecast contact volume per interval, turn it into required agents with Erlang C/A, and roster
named agents onto elastic shifts with CP-SAT::

    import staffing

    scenario = staffing.load_scenario("configs/express-week.yaml")
    result = staffing.plan(scenario)
    result.coverage.head()      # required vs scheduled per queue and interval

    # mid-week: re-plan the published roster from a cut, with the fewest changes
    again = staffing.replan(scenario, "out/express-week", replan_from="2026-11-25T12:00",
                            absences=[staffing.Absence("A017", date(2026, 11, 25),
                                                       date(2026, 11, 27))])

Each stage is callable alone: :func:`staffing.forecast.build_forecast`,
:func:`staffing.requirements.build_requirements`, :func:`staffing.solver.solve_roster`.
"""

from importlib.metadata import PackageNotFoundError, version

from staffing.config import ScenarioConfig
from staffing.domain import Agent, Skill
from staffing.errors import (
    ConfigError,
    DataError,
    ForecastError,
    InfeasibleError,
    OutputError,
    SolverError,
    StaffingError,
)
from staffing.io import Scenario, load_config, load_scenario
from staffing.plan import PlanResult, plan
from staffing.replan import Absence, ReplanResult, replan
from staffing.timegrid import Horizon

try:
    __version__ = version("staffing")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Absence",
    "Agent",
    "ConfigError",
    "DataError",
    "ForecastError",
    "Horizon",
    "InfeasibleError",
    "OutputError",
    "PlanResult",
    "ReplanResult",
    "Scenario",
    "ScenarioConfig",
    "Skill",
    "SolverError",
    "StaffingError",
    "__version__",
    "load_config",
    "load_scenario",
    "plan",
    "replan",
]
