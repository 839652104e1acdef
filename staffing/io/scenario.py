"""Scenario files: YAML in (``extends:`` and the events file applied), a validated
:class:`Scenario` with its history and agents out.

Validation itself is pure and lives in :mod:`staffing.config`; this module reads the files.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from staffing.config import ScenarioConfig, deep_merge, parse_config, show_value
from staffing.domain import Agent
from staffing.errors import ConfigError, DataError
from staffing.io.tables import read_agents, read_format, read_history

__all__ = [
    "PATH_KEYS",
    "Scenario",
    "load_config",
    "load_scenario",
    "parse_scenario",
    "read_previous_roster",
    "read_raw_scenario",
    "read_yaml",
    "scenario_from_config",
]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, got {show_value(key)}", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"key {key!r} is given twice (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> Any:
    """A YAML date or timestamp; an impossible one (2026-02-30) is an error naming its line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc}); write it as YYYY-MM-DD, "
            "e.g. 2026-11-23", node.start_mark) from None


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_yaml(path: Path | str) -> Any:
    """Read a YAML file, with errors that name the file and the line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f": line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None


def load_config(path: Path | str) -> ScenarioConfig:
    """Read and validate a scenario YAML file; relative paths resolve from its folder.

    A scenario may start with ``extends: base.yaml`` (relative to its own folder): the base is
    loaded first and this file's keys are merged over it (see :func:`deep_merge`).
    """
    path = Path(path)
    data = read_raw_scenario(path)
    return parse_scenario(data, source=path, base_dir=path.parent)


#: Keys whose values are file paths, resolved from the folder of the file that sets them.
PATH_KEYS = ("history", "agents", "events", "previous_roster")


def read_raw_scenario(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A scenario file as a mapping, with ``extends:`` applied and paths made absolute."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, Mapping):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"{path}: a scenario must be a mapping of keys (site:, horizon:, "
                          f"queues:, ...), got {found}")
    data = dict(data)
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str(path.absolute().parent / data[key])
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: extends must be the path of another scenario file, got "
                          f"{show_value(parent)}")
    parent_path = (path.parent / parent).resolve()
    if parent_path in _seen or parent_path == path.resolve():
        chain = " -> ".join(str(p) for p in (*_seen, path.resolve(), parent_path))
        raise ConfigError(f"{path}: extends makes a cycle: {chain}")
    if not parent_path.is_file():
        raise ConfigError(f"{path}: extends: file {parent!r} not found (looked for "
                          f"{parent_path}); paths are relative to the scenario file's folder")
    base = read_raw_scenario(parent_path, (*_seen, path.resolve()))
    return deep_merge(base, data)


def parse_scenario(data: Any, *, source: Path | str = "<scenario>",
                   base_dir: Path | str | None = None) -> ScenarioConfig:
    """:func:`staffing.config.parse_config` after reading ``events:`` when it names a file
    (relative to ``base_dir``, default the folder of ``source``)."""
    source = Path(source)
    base_dir = source.parent if base_dir is None else Path(base_dir)
    sources: dict[str, Path] = {}
    if isinstance(data, Mapping) and isinstance(data.get("events"), str | Path):
        events_path = base_dir / data["events"]
        data = {**data, "events": _read_events_file(events_path, source)}
        sources["events"] = events_path
    return parse_config(data, source=source, base_dir=base_dir, sources=sources)


def _read_events_file(path: Path, source: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"{source}: events file {str(path)!r} not found; paths are relative "
                          "to the scenario file's folder")
    events = read_yaml(path)
    if isinstance(events, Mapping) and set(events) == {"events"}:
        events = events["events"]
    return events



@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its data loaded: what :func:`staffing.plan` takes.

    Attributes
    ----------
    config : the validated scenario file.
    history : history frame (history format, aware times), or ``None`` if none was given.
    agents : the agents, or ``()`` if no agents file was given.
    source : the scenario file, if it came from one.
    previous_roster : the roster of the days before the horizon (roster format), or ``None``:
        rest, runs of days and consecutive weekends continue from it.
    """

    config: ScenarioConfig
    history: pd.DataFrame | None = None
    agents: tuple[Agent, ...] = ()
    source: Path | None = None
    previous_roster: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        """The scenario's name: its file stem, or the site name."""
        return self.source.stem if self.source is not None else self.config.site.name

    def with_changes(self, changes: Mapping[str, Any]) -> Scenario:
        """A copy with ``changes`` merged over the config (as ``extends:`` merges) and validated
        again; the history and agents files are read again only if their paths change.

        >>> quick = scenario.with_changes({"solver": {"time_limit_seconds": 10}})
        """
        data = deep_merge(self.config.model_dump(mode="python", exclude_unset=False), changes)
        config = parse_scenario(data, source=self.source or "<changes>",
                                base_dir=(self.source.parent if self.source else Path.cwd()))
        if (config.history == self.config.history and config.agents == self.config.agents
                and config.previous_roster == self.config.previous_roster):
            return Scenario(config, self.history, self.agents, self.source, self.previous_roster)
        return scenario_from_config(config, source=self.source)

    def with_previous_roster(self, roster: pd.DataFrame | Path | str | None) -> Scenario:
        """A copy whose previous roster is ``roster`` (a roster-format frame or a roster.csv
        path; ``None`` for none), as ``--previous-roster`` gives it."""
        if roster is None:
            return Scenario(self.config, self.history, self.agents, self.source, None)
        if not isinstance(roster, pd.DataFrame):
            roster = read_previous_roster(roster, self.config)
        return Scenario(self.config, self.history, self.agents, self.source, roster)


def load_scenario(path: Path | str) -> Scenario:
    """Read a scenario file and the history and agents files it names."""
    path = Path(path)
    config = load_config(path)
    return scenario_from_config(config, source=path)


def scenario_from_config(config: ScenarioConfig, *, source: Path | None = None) -> Scenario:
    """Load the data files a validated config names."""
    tz = config.site.time_zone
    history = (read_history(config.history, tz, missing=config.history_missing)
               if config.history is not None else None)
    agents: tuple[Agent, ...] = ()
    if config.agents is not None:
        agents = read_agents(
            config.agents, time_zone=tz, queue_ids=[q.id for q in config.queues],
            contract_names=list(config.contracts),
        )
    previous = (read_previous_roster(config.previous_roster, config)
                if config.previous_roster is not None else None)
    return Scenario(config=config, history=history, agents=agents, source=source,
                    previous_roster=previous)


def read_previous_roster(path: Path | str, config: ScenarioConfig) -> pd.DataFrame:
    """A roster.csv of the days before ``config``'s horizon (roster format), checked: no shift
    may start inside the horizon."""
    frame = read_format(path, "roster", config.site.time_zone)
    horizon = config.horizon_
    inside = frame["shift_start"] >= horizon.start
    if inside.any():
        row = int(inside.to_numpy().argmax())
        raise DataError(
            f"{path}: row {row + 2}: previous_roster has a shift starting "
            f"{frame['shift_start'].iloc[row].isoformat()}, inside the horizon (from "
            f"{horizon.start_date.isoformat()}); give the roster of the weeks before the "
            "horizon (e.g. last week's roster.csv)")
    return frame
