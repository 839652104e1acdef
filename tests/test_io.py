"""File formats: readers reject bad input with exact messages; writers round-trip and are atomic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffing import io
from staffing.domain import Agent, Skill
from staffing.errors import DataError
from staffing.timegrid import interval_grid

ZONE = "Europe/Berlin"


def history_text(rows: list[str], header: str = "queue,interval_start,volume,aht_seconds") -> str:
    return "\n".join([header, *rows]) + "\n"


def read_history_error(write, rows, header="queue,interval_start,volume,aht_seconds") -> str:
    path = write("history.csv", history_text(rows, header))
    with pytest.raises(DataError) as err:
        io.read_history(path, ZONE)
    return str(err.value).replace(str(path), "history.csv")


GOOD = [
    "voice,2026-03-02 09:00,3,200",
    "voice,2026-03-02 09:15,4,210",
    "voice,2026-03-02 09:30,0,",
    "voice,2026-03-02 09:45,,",
]


def test_reads_good_history(write):
    path = write("history.csv", history_text(GOOD))
    frame = io.read_history(path, ZONE)
    assert list(frame.columns) == ["queue", "interval_start", "volume", "aht_seconds"]
    assert frame["volume"].tolist()[:3] == [3, 4, 0]
    assert np.isnan(frame["volume"].iloc[3])  # empty volume = missing data
    assert str(frame["interval_start"].dt.tz) == ZONE
    assert io.history_interval_minutes(frame) == 15


def test_aht_column_is_optional(write):
    path = write("history.csv", "queue,interval_start,volume\nvoice,2026-03-02 09:00,3\n"
                                "voice,2026-03-02 09:15,3\n")
    assert io.read_history(path, ZONE)["aht_seconds"].isna().all()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (GOOD[:2] + ["voice,2026-03-02 09:15,5,200"],
         "history.csv: row 4: duplicate interval 2026-03-02T09:15:00+01:00 for queue 'voice' "
         "(also on row 3); keep one row per queue and interval"),
        ([GOOD[0], "voice,2026-03-02 09:30,5,200", GOOD[1]],
         "history.csv: row 4: interval_start 2026-03-02T09:15:00+01:00 comes before the previous "
         "row's 2026-03-02T09:30:00+01:00 for queue 'voice'; sort the file by queue and "
         "interval_start"),
        (GOOD[:2] + ["voice,2026-03-02 10:15,5,200"],
         "history.csv: queue 'voice' has 3 missing intervals, the first at "
         "2026-03-02T09:30:00+01:00 (after row 3); add a row per interval: volume 0 when the "
         "center was closed, an empty volume when the data is missing (or read absent intervals "
         "as no contacts: --missing-intervals zero, or history_missing: zero in the scenario)"),
        (GOOD[:1] + ["voice,2026-03-02 9h15,5,200"],
         "history.csv: row 3: interval_start '2026-03-02 9h15' is not an ISO-8601 timestamp; "
         "write it like 2026-11-23T09:15:00+08:00 or 2026-11-23 09:15"),
        (GOOD[:1] + ["voice,,5,200"],
         "history.csv: row 3: interval_start is empty; every row needs a value"),
        (GOOD[:1] + ["voice,2026-03-02 09:15,-3,200"],
         "history.csv: row 3: volume must be >= 0, got -3"),
        (GOOD[:1] + ["voice,2026-03-02 09:15,many,200"],
         "history.csv: row 3: volume 'many' is not a number"),
        (GOOD[:1] + ["voice,2026-03-02 09:15,3,0"],
         "history.csv: row 3: aht_seconds must be > 0, got 0"),
        (["voice,2026-03-02 09:05,3,100", "voice,2026-03-02 09:20,3,100"],
         "history.csv: row 2: interval_start 2026-03-02T09:05:00+01:00 is not on the 15-min grid "
         "of the file; intervals start on whole multiples of the interval length"),
        (["voice,2026-03-02 09:00,3,100", "voice,2026-03-02 09:07,3,100"],
         "history.csv: row 3: interval_start 2026-03-02T09:07:00+01:00 is 7 min after the "
         "queue's previous row; use one interval length that divides an hour (1, 2, 3, 5, "
         "6, 10, 12, 15, 20, 30, 60 min)"),
        (["voice,2026-03-02 10:00,1,9", "voice,2026-03-02 11:00,1,9", "voice,2026-03-02 12:07,1,9",
          "voice,2026-03-02 13:00,1,9", "voice,2026-03-02 14:00,1,9"],
         "history.csv: row 4: interval_start 2026-03-02T12:07:00+01:00 is not on the 60-min grid "
         "of the file; intervals start on whole multiples of the interval length"),
        (GOOD[:1] + ["voice,2026-03-02 09:15,inf,200"],
         "history.csv: row 3: volume 'inf' is not a finite number"),
        (["voice,2026-03-29 01:45,3,100", "voice,2026-03-29 02:00,3,100"],
         "history.csv: row 3: interval_start 2026-03-29 02:00 does not exist in Europe/Berlin "
         "(clocks jump forward over it); remove the row or write the time with its UTC offset"),
        ([",2026-03-02 09:00,3,100"], "history.csv: row 2: queue is empty"),
    ],
)
def test_bad_history(write, rows, message):
    assert read_history_error(write, rows) == message


def test_missing_and_misspelt_columns(write):
    assert read_history_error(write, ["voice,2026-03-02 09:00"], "queue,interval_start") == (
        "history.csv: missing column volume; the header must include queue, interval_start, "
        "volume (found queue, interval_start)")
    assert read_history_error(write, ["voice,2026-03-02 09:00,3,100"],
                              "queue,interval_start,volume,aht_second") == (
        "history.csv: column 'aht_second' is not known; did you mean 'aht_seconds'?")


def test_missing_and_empty_files(tmp_path, write):
    with pytest.raises(DataError, match="history.csv: file not found"):
        io.read_history(tmp_path / "history.csv", ZONE)
    path = write("empty.csv", "")
    with pytest.raises(DataError, match="empty.csv: the file is empty; it needs a header row"):
        io.read_history(path, ZONE)


def dst_day_rows(day: dt.date, with_offset: bool) -> list[str]:
    grid = interval_grid(day, 1, 15, ZONE)
    fmt = (lambda t: t.isoformat()) if with_offset else (lambda t: t.strftime("%Y-%m-%d %H:%M"))
    return [f"voice,{fmt(t)},{i % 5},180" for i, t in enumerate(grid)]


@pytest.mark.parametrize("with_offset", [True, False])
@pytest.mark.parametrize(("day", "count"), [(dt.date(2026, 3, 29), 92),
                                            (dt.date(2026, 10, 25), 100)])
def test_dst_days_read_back_whole(write, day, count, with_offset):
    path = write("history.csv", history_text(dst_day_rows(day, with_offset)))
    frame = io.read_history(path, ZONE)
    assert len(frame) == count
    assert frame["interval_start"].tolist() == list(interval_grid(day, 1, 15, ZONE))


def test_fall_back_day_without_its_repeated_hour_is_missing_data(write):
    rows = dst_day_rows(dt.date(2026, 10, 25), with_offset=True)
    del rows[12:16]  # the second 02:00-02:45 (+01:00)
    message = read_history_error(write, rows)
    assert message.startswith("history.csv: queue 'voice' has 4 missing intervals, the first at "
                              "2026-10-25T02:00:00+01:00")


# ------------------------------------------------------------------------ round trips
def sample_frames() -> dict[str, pd.DataFrame]:
    grid = interval_grid(dt.date(2026, 10, 25), 1, 60, ZONE)
    n = len(grid)
    rng = np.random.default_rng(1)
    forecast = pd.DataFrame({
        "queue": "voice", "interval_start": grid, "volume": rng.uniform(0, 90, n).round(3),
        "volume_lower": 0.0, "volume_upper": 100.0, "aht_seconds": 240.5,
    })
    requirements = forecast.drop(columns=["volume_lower", "volume_upper"]).assign(
        traffic_erlangs=1.25, agents_required=3, agents_required_with_shrinkage=5,
        service_level=0.81234, asa_seconds=12.5, occupancy=0.6)
    roster = pd.DataFrame({
        "agent_id": ["A1", "A2"], "date": [dt.date(2026, 10, 25)] * 2,
        "shift_start": [grid[1], grid[20]], "shift_end": [grid[9], grid[24] + pd.Timedelta(hours=6)],
        "paid_minutes": [450, 600],
    })
    activities = pd.DataFrame({"agent_id": ["A1", "A1"], "start": [grid[1], grid[4]],
                               "end": [grid[4], grid[5]], "activity": ["voice", "break"]})
    coverage = pd.DataFrame({"queue": "voice", "interval_start": grid, "required": 3,
                             "scheduled": 2, "gap": -1})
    return {"forecast": forecast, "requirements": requirements, "roster": roster,
            "activities": activities, "coverage": coverage}


@pytest.mark.parametrize("name", ["forecast", "requirements", "roster", "activities", "coverage"])
def test_formats_round_trip(tmp_path, name):
    frame = sample_frames()[name]
    path = tmp_path / f"{name}.csv"
    io.write_table(frame, path, name)
    header = path.read_text().splitlines()[0].split(",")
    assert header == [c.name for c in io.FORMATS[name]]
    back = io.read_format(path, name, ZONE)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_timestamps_are_written_with_offsets(tmp_path):
    io.write_table(sample_frames()["coverage"], tmp_path / "c.csv", "coverage")
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[3] == "voice,2026-10-25T02:00:00+02:00,3,2,-1"
    assert lines[4] == "voice,2026-10-25T02:00:00+01:00,3,2,-1"


def test_duplicate_keys_in_pipeline_tables(tmp_path):
    frame = sample_frames()["coverage"]
    io.write_table(pd.concat([frame, frame.iloc[[2]]]), tmp_path / "c.csv", "coverage")
    with pytest.raises(DataError) as err:
        io.read_format(tmp_path / "c.csv", "coverage", ZONE)
    assert str(err.value) == (f"{tmp_path / 'c.csv'}: row 27: duplicate queue and interval_start;"
                              " keep one row each")


# ---------------------------------------------------------------------------- atomic writes
def test_failed_write_leaves_the_old_file_untouched(tmp_path):
    path = tmp_path / "out" / "roster.csv"
    io.write_text("old content\n", path)
    with pytest.raises(RuntimeError):
        with io.atomic_write(path) as fh:
            fh.write("half of the new")
            raise RuntimeError("disk on fire")
    assert path.read_text() == "old content\n"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_failed_table_write_leaves_no_file(tmp_path):
    class Boom:
        def __str__(self):
            raise RuntimeError("cannot render")

    frame = pd.DataFrame({"a": [1, Boom()]})
    with pytest.raises(RuntimeError):
        io.write_table(frame, tmp_path / "t.csv")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------------- agents
AGENTS_HEADER = ("agent_id,name,contract,skills,unavailable,fixed_days_off,preferred_days_off,"
                 "preferred_start,min_hours_per_week,max_hours_per_week,hourly_cost")


def read_agents(write, rows):
    path = write("agents.csv", "\n".join([AGENTS_HEADER, *rows]) + "\n")
    return io.read_agents(path, time_zone="Asia/Shanghai", queue_ids=["voice", "chat", "email"],
                          contract_names=["full_time", "part_time"]), path


def test_reads_agents(write):
    agents, _ = read_agents(write, [
        "A1,Li Wei,full_time,chat:1;voice:2,2026-11-25;2026-11-26T08:00/2026-11-26T12:00,sun,"
        "sat;Sunday,07:00-10:00,,,",
        "A2,,part_time,email,2026-11-24/2026-11-25,,,,24,28,30.5",
    ])
    a1, a2 = agents
    assert a1.skills == (Skill("chat", 1), Skill("voice", 2))
    assert a1.unavailable[0] == (pd.Timestamp("2026-11-25", tz="Asia/Shanghai"),
                                 pd.Timestamp("2026-11-26", tz="Asia/Shanghai"))
    assert a1.unavailable[1][1] == pd.Timestamp("2026-11-26 12:00", tz="Asia/Shanghai")
    assert a1.fixed_days_off == {6} and a1.preferred_days_off == {5, 6}
    assert a1.preferred_start == (dt.time(7), dt.time(10))
    assert a2.name == "A2"
    assert a2.unavailable == ((pd.Timestamp("2026-11-24", tz="Asia/Shanghai"),
                               pd.Timestamp("2026-11-26", tz="Asia/Shanghai")),)
    assert (a2.min_hours_per_week, a2.max_hours_per_week, a2.hourly_cost) == (24, 28, 30.5)


def test_agents_round_trip(write, tmp_path):
    agents, _ = read_agents(write, [
        "A1,Li Wei,full_time,chat:1;voice:2,2026-11-25,sun,sat,07:00-10:00,,,",
        "A2,Bo,part_time,email,,,,,24,28,30.5",
    ])
    io.write_agents(agents, tmp_path / "back.csv")
    back = io.read_agents(tmp_path / "back.csv", time_zone="Asia/Shanghai",
                          queue_ids=["voice", "chat", "email"],
                          contract_names=["full_time", "part_time"])
    assert back == agents


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("A1,Li,full_time,vioce:1,,,,,,,",
         "row 2 (agent A1): skill 'vioce' is not a queue of the scenario (queues: voice, chat, "
         "email); did you mean 'voice'?"),
        ("A1,Li,full_time,sms,,,,,,,",
         "row 2 (agent A1): skill 'sms' is not a queue of the scenario (queues: voice, chat, "
         "email)"),
        ("A1,Li,fulltime,voice,,,,,,,",
         "row 2 (agent A1): contract 'fulltime' is not defined in the scenario; valid: "
         "full_time, part_time; did you mean 'full_time'?"),
        ("A1,Li,full_time,,,,,,,,",
         "row 2 (agent A1): skills is empty; list queues like 'voice:1;chat:2'"),
        ("A1,Li,full_time,voice:0,,,,,,,",
         "row 2 (agent A1): skill 'voice:0': the priority after ':' must be a whole number from "
         "1 (primary) to 9"),
        ("A1,Li,full_time,voice;voice:2,,,,,,,", "row 2 (agent A1): skill 'voice' is listed twice"),
        ("A1,Li,full_time,voice,2026-11-31,,,,,,",
         "row 2 (agent A1): unavailable '2026-11-31' is not a date (2026-11-25), a date range "
         "(2026-11-25/2026-11-27) or a time range (2026-11-26T08:00/2026-11-26T12:00)"),
        ("A1,Li,full_time,voice,2026-11-26/2026-11-25,,,,,,",
         "row 2 (agent A1): unavailable '2026-11-26/2026-11-25' ends before it starts"),
        ("A1,Li,full_time,voice,,sunday2,,,,,",
         "row 2 (agent A1): fixed_days_off 'sunday2' is not a weekday; use mon, tue, wed, thu, "
         "fri, sat or sun separated by ';'"),
        ("A1,Li,full_time,voice,,,,7-10,,,",
         "row 2 (agent A1): preferred_start '7-10' is not a time window like 07:00-10:00"),
        ("A1,Li,full_time,voice,,,,,,-4,", "row 2: max_hours_per_week must be > 0, got -4"),
    ],
)
def test_bad_agents(write, row, message):
    with pytest.raises(DataError) as err:
        read_agents(write, [row])
    assert str(err.value).split(": ", 1)[1] == message


def test_duplicate_agent_ids(write):
    with pytest.raises(DataError) as err:
        read_agents(write, ["A1,Li,full_time,voice,,,,,,,", "A1,Wu,full_time,chat,,,,,,,"])
    assert str(err.value).endswith("row 3 (agent A1): agent_id is also on row 2; ids must be "
                                   "unique")


def test_agent_dataclass_helpers():
    agent = Agent("A", "A", "full_time", (Skill("chat", 2), Skill("voice", 1)))
    assert agent.queues == ("voice", "chat")
    assert agent.priority("chat") == 2 and agent.priority("email") is None
