"""Files in and out: the project's tables (history, agents, forecast, roster, ...) and scenario
files (YAML, ``extends:``, the data files they name). Formats in ``docs/formats.md``.

Only this package, :mod:`staffing.export` and the CLI touch files; every other module takes
frames and objects.
"""

from staffing.io.scenario import (
    PATH_KEYS,
    Scenario,
    load_config,
    load_scenario,
    parse_scenario,
    read_raw_scenario,
    read_yaml,
    scenario_from_config,
)
from staffing.io.tables import (
    ALLOWED_HISTORY_MINUTES,
    FORMATS,
    Column,
    agents_from_frame,
    agents_to_frame,
    atomic_path,
    atomic_write,
    check_history,
    check_output_dir,
    check_output_file,
    history_interval_minutes,
    read_agents,
    read_format,
    read_history,
    read_table,
    write_agents,
    write_table,
    write_text,
)

__all__ = [
    "ALLOWED_HISTORY_MINUTES", "Column", "FORMATS", "PATH_KEYS", "Scenario", "agents_from_frame",
    "agents_to_frame", "atomic_path", "atomic_write", "check_history",
    "check_output_dir", "check_output_file", "history_interval_minutes",
    "load_config", "load_scenario", "parse_scenario", "read_agents", "read_format",
    "read_history", "read_raw_scenario", "read_table", "read_yaml", "scenario_from_config",
    "write_agents", "write_table", "write_text",
]
