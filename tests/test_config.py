"""Scenario validation: every message asserted verbatim."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from staffing.config import DEFAULT_CONTRACTS, ScenarioConfig, _unwrap, parse_config
from staffing.errors import ConfigError
from staffing.io import load_config, load_scenario
from tests.conftest import MINIMAL_SCENARIO, ROOT


def base() -> dict:
    return yaml.safe_load(MINIMAL_SCENARIO)


def error_of(data, source="configs/x.yaml") -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(data, source=source)
    return str(err.value)


def test_minimal_scenario_gets_documented_defaults():
    config = parse_config(base(), source="configs/x.yaml")
    assert config.interval_minutes == 15
    assert config.shrinkage == 0.30
    assert config.max_occupancy == 0.85
    assert set(config.contracts) == {"full_time", "part_time"}
    assert config.contracts["full_time"] == DEFAULT_CONTRACTS["full_time"]
    assert config.solver.time_limit_seconds == 60
    assert config.horizon_.intervals().size == 7 * 96 + 4  # the week holds a fall-back day
    assert config.queue("chat").concurrency == 2


def test_config_is_frozen():
    config = parse_config(base())
    with pytest.raises(Exception):
        config.shrinkage = 0.1  # type: ignore[misc]


def edit(path: str, value):
    """A scenario with one key (dotted path, list indexes allowed) set or deleted."""
    data = base()
    parts = re.findall(r"[^.\[\]]+", path)
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    key = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if value is _DELETE:
        del node[key]
    else:
        node[key] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("queues[1].aht_seconds", -5, "queues[1].aht_seconds must be > 0, got -5"),
        ("queues[0].aht_seconds", 0, "queues[0].aht_seconds must be > 0, got 0"),
        ("shrinkage", 1.0, "shrinkage must be < 1, got 1.0"),
        ("shrinkage", 1.5, "shrinkage must be < 1, got 1.5"),
        ("shrinkage", -0.1, "shrinkage must be >= 0, got -0.1"),
        ("shrinkag", 0.3, "shrinkag is not a known key; did you mean 'shrinkage'?"),
        ("queues[0].aht_secnds", 300,
         "queues[0].aht_secnds is not a known key; did you mean 'aht_seconds'?"),
        ("solver.time_limit", 10,
         "solver.time_limit is not a known key; did you mean 'time_limit_seconds'?"),
        ("site.colour", "blue",
         "site.colour is not a known key; valid keys here: name, time_zone"),
        ("site.time_zone", _DELETE, "site.time_zone is required (e.g. time_zone: Asia/Shanghai)"),
        ("site.time_zone", "Europe/Berln",
         "site.time_zone must be an IANA time zone such as 'Asia/Shanghai' or 'Europe/Berlin', "
         "got 'Europe/Berln'"),
        ("interval_minutes", 20, "interval_minutes must be one of 15, 30 or 60, got 20"),
        ("queues[0].channel", "fax",
         "queues[0].channel must be one of 'voice', 'chat' or 'email', got 'fax'"),
        ("queues[0].service_level", _DELETE,
         "queues[0].service_level is required with answer_within_seconds (e.g. service_level: "
         "0.8 with answer_within_seconds: 20)"),
        ("queues[0].concurrency", 2, "queues[0].concurrency must be 1 for a voice queue, got 2"),
        ("queues[1].id", "voice", "queues[1].id must be unique, got 'voice' twice"),
        ("queues[1].id", "break", "queues[1].id must not be one of break, lunch, off, got 'break'"),
        ("horizon.start_date", "2026-13-01",
         "horizon.start_date must be a date like 2026-11-23, got '2026-13-01'"),
        ("horizon.days", 0, "horizon.days must be >= 1, got 0"),
        ("queues", [], "queues must have at least 1 item(s), got a list"),
        ("holidays", {"country": "XX"},
         "holidays.country must be a country the holidays package knows, got 'XX' (an ISO 3166 "
         "code like 'CN')"),
        ("holidays", {"country": "CN", "subdivision": "ZZ"},
         "holidays.subdivision must be a subdivision of CN (none for this country), got 'ZZ'"),
        ("events", [{"name": "Double 11", "start_date": "2026-11-11", "end_date": "2026-11-10"}],
         "events[0].end_date must not be before start_date (2026-11-11), got 2026-11-10"),
        ("events", [{"name": "Sale", "start_date": "2026-11-11", "queues": ["fax"]}],
         "events[0].queues must name queues of this scenario (voice, chat), got 'fax'"),
        ("contracts", {"ft": {"max_hours_per_week": "forty"}},
         "contracts.ft.max_hours_per_week must be a number, got 'forty'"),
        ("contracts", {"ft": {"max_hourz_per_week": 40}},
         "contracts.ft.max_hourz_per_week is not a known key; did you mean "
         "'max_hours_per_week'?"),
        ("contracts", {"ft": {"min_shift_minutes": 480, "max_shift_minutes": 240}},
         "contracts.ft.max_shift_minutes must be >= min_shift_minutes (480), got 240"),
        ("contracts", {"ft": {"min_shift_minutes": 250}},
         "contracts.ft.min_shift_minutes must be a multiple of interval_minutes (15), got 250"),
        ("shift_rules", {"breaks": [{"activity": "nap", "duration_minutes": 15,
                                     "earliest_after_start_minutes": 60,
                                     "latest_after_start_minutes": 120}]},
         "shift_rules.breaks[0].activity must be one of 'break' or 'lunch', got 'nap'"),
        ("shift_rules", {"breaks": [{"activity": "break", "duration_minutes": 10,
                                     "earliest_after_start_minutes": 60,
                                     "latest_after_start_minutes": 120}]},
         "shift_rules.breaks[0].duration_minutes must be a multiple of interval_minutes (15), "
         "got 10"),
        ("shift_rules", {"start_step_minutes": 20},
         "shift_rules.start_step_minutes must be a multiple of interval_minutes (15), got 20"),
        ("history", "missing.csv",
         "history file 'missing.csv' not found (looked for configs/missing.csv); paths are "
         "relative to the scenario file's folder"),
    ],
)
def test_validation_messages(path, value, message):
    assert error_of(edit(path, value)) == f"configs/x.yaml: {message}"


def test_several_errors_are_listed_together():
    data = edit("shrinkage", 2)
    data["max_occupancy"] = 0
    assert error_of(data) == (
        "configs/x.yaml: shrinkage must be < 1, got 2\n"
        "configs/x.yaml: max_occupancy must be > 0, got 0"
    )


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.yaml")
    assert str(err.value) == f"{tmp_path / 'nope.yaml'}: file not found"


def test_yaml_syntax_error_names_line(write):
    path = write("bad.yaml", "site: {name: X\nhorizon: 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: line 2: not valid YAML:")


def test_duplicate_key_is_an_error(write):
    path = write("dup.yaml", MINIMAL_SCENARIO + "shrinkage: 0.2\nshrinkage: 0.3\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: line ")
    assert "key 'shrinkage' is given twice" in str(err.value)


def test_empty_file_is_not_a_scenario(write):
    path = write("empty.yaml", "")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}: a scenario must be a mapping of keys (site:, horizon:, "
                              "queues:, ...), got an empty file")


def test_relative_paths_resolve_from_the_scenario_folder(write, tmp_path, monkeypatch):
    write("data/history.csv", "queue,interval_start,volume\n")
    path = write("configs/s.yaml", MINIMAL_SCENARIO + "history: ../data/history.csv\n")
    monkeypatch.chdir(tmp_path / "data")  # the working directory must not matter
    config = load_config(path)
    assert config.history == (tmp_path / "configs" / "../data/history.csv")
    assert config.history.is_file()


def test_events_from_a_file(write):
    write("events.yaml", """
        - {name: Double 11, start_date: 2025-11-11, ramp_days_before: 3}
        - {name: Double 11, start_date: 2026-11-11, volume_multiplier: 1.6}
    """)
    path = write("s.yaml", MINIMAL_SCENARIO + "events: events.yaml\n")
    config = load_config(path)
    assert [e.start_date.year for e in config.events] == [2025, 2026]
    assert config.events[0].ramp_days_before == 3
    assert config.events[0].last_date == config.events[0].start_date


def test_events_file_of_a_scenario_named_by_a_relative_path(write, tmp_path, monkeypatch):
    # `staffing plan configs/s.yaml` from the project folder: the events path must not get
    # the scenario's folder twice (configs/configs/../events.yaml).
    write("data/events.yaml", "- {name: Double 11, start_date: 2026-11-11}\n")
    write("configs/s.yaml", MINIMAL_SCENARIO + "events: ../data/events.yaml\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("configs/s.yaml"))
    assert [e.name for e in config.events] == ["Double 11"]


def test_contracts_merge_over_the_built_in_ones():
    data = base()
    data["contracts"] = {"part_time": {"min_hours_per_week": 24, "max_hours_per_week": 24},
                         "night": {"earliest_start": "21:00", "latest_start": "23:00"}}
    config = parse_config(data)
    assert set(config.contracts) == {"full_time", "part_time", "night"}
    assert config.contracts["part_time"].max_hours_per_week == 24
    assert config.contracts["night"].earliest_start.hour == 21


def test_load_scenario_reads_history_and_agents(write):
    write("history.csv", """
        queue,interval_start,volume,aht_seconds
        voice,2026-10-19T00:00:00+02:00,3,200
        voice,2026-10-19T00:15:00+02:00,4,210
        chat,2026-10-19T00:00:00+02:00,5,300
        chat,2026-10-19T00:15:00+02:00,6,
    """)
    write("agents.csv", """
        agent_id,name,contract,skills
        A1,Ann,full_time,voice:1;chat:2
        A2,Bo,part_time,chat
    """)
    path = write("s.yaml", MINIMAL_SCENARIO + "history: history.csv\nagents: agents.csv\n")
    scenario = load_scenario(path)
    assert scenario.name == "s"
    assert len(scenario.history) == 4
    assert [a.agent_id for a in scenario.agents] == ["A1", "A2"]
    assert scenario.agents[0].queues == ("voice", "chat")


# -------------------------------------------------------------- every key is documented
def _dotted_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.append(path)
        for inner in _unwrap(field.annotation):
            origin = typing.get_origin(inner)
            if origin in (tuple, list):
                inner, suffix = typing.get_args(inner)[0], "[]."
            elif origin is dict:
                inner, suffix = typing.get_args(inner)[1], ".<name>."
            else:
                suffix = "."
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                keys += _dotted_keys(inner, path + suffix)
    return keys


def test_every_scenario_key_is_documented():
    doc = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", doc, flags=re.M))
    missing = [k for k in _dotted_keys(ScenarioConfig) if k not in documented]
    assert missing == []


def test_example_configs_validate():
    configs = sorted((ROOT / "configs").glob("*.yaml"))
    for path in configs:
        load_config(path)


# ------------------------------------------------------------------- extends and changes
def test_extends_merges_over_the_base(write, tmp_path):
    write("data/history.csv", "queue,interval_start,volume\n")
    write("base/week.yaml", MINIMAL_SCENARIO + "history: ../data/history.csv\nshrinkage: 0.3\n")
    path = write("variants/peak.yaml", """
        extends: ../base/week.yaml
        shrinkage: 0.35
        queues:
          - {id: voice, service_level: 0.9}
          - {id: email, channel: email, response_within_hours: 24}
        solver: {time_limit_seconds: 5}
    """)
    config = load_config(path)
    assert config.shrinkage == 0.35
    assert [q.id for q in config.queues] == ["voice", "chat", "email"]
    voice = config.queue("voice")
    assert (voice.service_level, voice.answer_within_seconds) == (0.9, 20)
    assert config.solver.time_limit_seconds == 5 and config.solver.workers == 2
    # the base's relative path resolves from the base's folder, not the variant's
    assert config.history.resolve() == (tmp_path / "data" / "history.csv").resolve()


def test_extends_errors(write, tmp_path):
    a = write("a.yaml", "extends: b.yaml\n")
    write("b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="extends makes a cycle"):
        load_config(a)
    c = write("c.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ConfigError) as err:
        load_config(c)
    assert str(err.value) == (f"{c}: extends: file 'nowhere.yaml' not found (looked for "
                              f"{(tmp_path / 'nowhere.yaml').resolve()}); paths are relative to "
                              "the scenario file's folder")


def test_unknown_key_in_an_overlay_is_an_error(write):
    write("base.yaml", MINIMAL_SCENARIO)
    path = write("v.yaml", "extends: base.yaml\nsolver: {time_limit_secs: 5}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}: solver.time_limit_secs is not a known key; did you mean "
                              "'time_limit_seconds'?")


def test_with_changes_revalidates(write):
    write("history.csv", "queue,interval_start,volume\nvoice,2026-10-19 00:00,1\n"
                         "voice,2026-10-19 00:15,1\n")
    scenario = load_scenario(write("s.yaml", MINIMAL_SCENARIO + "history: history.csv\n"))
    quick = scenario.with_changes({"solver": {"time_limit_seconds": 7}})
    assert quick.config.solver.time_limit_seconds == 7
    assert quick.history is scenario.history  # not read again
    assert quick.config.queues == scenario.config.queues
    with pytest.raises(ConfigError) as err:
        scenario.with_changes({"shrinkage": 1})
    assert str(err.value).endswith("s.yaml: shrinkage must be < 1, got 1")


def test_relative_scenario_path_resolves_its_files_from_its_folder(monkeypatch):
    # `staffing forecast ... --config configs/express-week.yaml` from the repository root:
    # the events file is configs/../examples/express/events.yaml, not configs/configs/...
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    config = load_config("configs/express-week.yaml")
    assert {e.name for e in config.events} == {"618", "Double 11"}
    assert Path(config.history).is_file()
