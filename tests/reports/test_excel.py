"""roster.xlsx read back with openpyxl: a sheet per local day, cells coloured by activity."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from staffing.reports.excel import activity_colours, roster_workbook_bytes
from staffing.timegrid import Horizon

TZ = "Europe/Berlin"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert(TZ)


@pytest.fixture
def horizon():
    # 2026-10-25 is the fall-back day in Berlin: 25 hours, 100 quarter-hours.
    return Horizon(start_date=pd.Timestamp("2026-10-24").date(), days=2, interval_minutes=15,
                   time_zone=TZ)


@pytest.fixture
def activities():
    rows = [
        ("a1", "2026-10-24T22:00:00+02:00", "2026-10-25T02:30:00+02:00", "voice"),
        # The repeated hour: 02:30 CEST .. 02:15 CET is 45 minutes of chat.
        ("a1", "2026-10-25T02:30:00+02:00", "2026-10-25T02:15:00+01:00", "chat"),
        ("a1", "2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00", "break"),
        ("a1", "2026-10-25T02:30:00+01:00", "2026-10-25T06:00:00+01:00", "voice"),
        ("a2", "2026-10-25T09:00:00+01:00", "2026-10-25T12:00:00+01:00", "chat"),
        ("a2", "2026-10-25T12:00:00+01:00", "2026-10-25T12:30:00+01:00", "lunch"),
        ("a2", "2026-10-25T12:30:00+01:00", "2026-10-25T17:00:00+01:00", "chat"),
    ]
    return pd.DataFrame({"agent_id": [r[0] for r in rows],
                         "start": [ts(r[1]) for r in rows],
                         "end": [ts(r[2]) for r in rows],
                         "activity": [r[3] for r in rows]})


def test_workbook_layout_and_colours(horizon, activities):
    coverage = pd.DataFrame({"queue": ["voice"], "interval_start": [horizon.intervals()[0]],
                             "required": [2], "scheduled": [1], "gap": [-1]})
    summary = pd.DataFrame({"agent_id": ["a1", "a2"], "paid_hours": [7.5, 7.5]})
    data = roster_workbook_bytes(activities, horizon.intervals(), agents=["a1", "a2"],
                                 queues=["voice", "chat"], agent_summary=summary,
                                 coverage=coverage)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Legend", "Sat 2026-10-24", "Sun 2026-10-25", "Agents",
                               "Coverage"]
    saturday, sunday = book["Sat 2026-10-24"], book["Sun 2026-10-25"]
    assert saturday.max_column == 1 + 96
    assert sunday.max_column == 1 + 100            # the 25-hour day
    header = [c.value for c in sunday[1]]
    assert header[1:4] == ["00:00", "00:15", "00:30"]
    assert header.count("02:15") == 2              # the repeated hour shows twice
    colours = activity_colours(["voice", "chat"])

    def cell(sheet, agent_row, hhmm, occurrence=0):
        columns = [i for i, v in enumerate([c.value for c in sheet[1]]) if v == hhmm]
        return sheet.cell(row=agent_row, column=columns[occurrence] + 1)

    # a1: voice from 22:00 Saturday across midnight.
    assert cell(saturday, 2, "21:45").value is None
    assert cell(saturday, 2, "22:00").value == "voice"
    assert cell(sunday, 2, "02:15", 0).value == "voice"
    assert cell(sunday, 2, "02:30", 0).value == "chat"
    assert cell(sunday, 2, "02:15", 1).value == "break"   # the second 02:15 (CET)
    assert cell(sunday, 2, "02:30", 1).value == "voice"
    assert cell(sunday, 2, "06:00").value is None
    assert cell(sunday, 3, "12:15").value == "lunch"
    fill = cell(sunday, 3, "12:15").fill.start_color.rgb
    assert fill.endswith(colours["lunch"])
    assert cell(sunday, 3, "09:00").fill.start_color.rgb.endswith(colours["chat"])
    # Every coloured cell of a1 on Sunday: 02:30 CEST..06:00 CET is 4.5 h = 18 quarter-hours
    # plus 00:00..02:30 CEST (10) = 28 working quarter-hours.
    worked = [c for c in list(sunday.iter_rows(min_row=2, max_row=2))[0][1:] if c.value]
    assert len(worked) == 10 + 3 + 1 + 14
    assert [c.value for c in book["Agents"][1]] == ["agent_id", "paid_hours"]
    assert book["Coverage"]["B2"].value == "2026-10-24T00:00:00+02:00"
    assert book["Coverage"]["E2"].value == -1


def test_distinct_colours_per_queue():
    colours = activity_colours(["voice", "chat", "email", "vip"])
    assert len(set(colours.values())) == len(colours)
