"""``roster.xlsx``: the roster as planners publish it.

One sheet per local day with agents down the side and the day's intervals across, each cell
holding what the agent does (a queue id, ``break`` or ``lunch``) coloured by activity; then the
per-agent summary and the coverage table. Excel has no time zones, so timestamps are written as
local wall-clock times with the UTC offset in a separate column where it matters (a DST day has
its repeated or skipped hour visible in the interval headers).
"""

from __future__ import annotations

import colorsys
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["activity_colours", "roster_workbook", "roster_workbook_bytes"]

BREAK_COLOUR = "BFBFBF"
LUNCH_COLOUR = "8C8C8C"
_HEADER = Font(bold=True)


def activity_colours(queues: Sequence[str]) -> dict[str, str]:
    """A distinct, light RGB hex colour per queue, plus greys for ``break`` and ``lunch``."""
    colours = {"break": BREAK_COLOUR, "lunch": LUNCH_COLOUR}
    n = max(len(queues), 1)
    for i, queue in enumerate(queues):
        r, g, b = colorsys.hls_to_rgb((0.58 + i / n) % 1.0, 0.72, 0.65)
        colours[queue] = f"{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
    return colours


def _local_text(stamps: pd.Series | pd.DatetimeIndex) -> list[str]:
    return [t.strftime("%Y-%m-%d %H:%M") for t in stamps]


def _table_sheet(book: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(title)
    columns = list(frame.columns)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = _HEADER
    values = {}
    for column in columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            values[column] = [t.isoformat() for t in series]
        else:
            values[column] = [None if pd.isna(v) else (v.item() if isinstance(v, np.generic)
                                                        else v) for v in series]
    for row in zip(*(values[c] for c in columns), strict=True):
        sheet.append([str(v) if not isinstance(v, (int, float, str, type(None))) else v
                      for v in row])
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, len(column) + 2)


def roster_workbook(
    activities: pd.DataFrame,
    intervals: pd.DatetimeIndex,
    *,
    agents: Sequence[str],
    queues: Sequence[str],
    agent_summary: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
) -> Workbook:
    """Build the roster workbook in memory.

    Parameters
    ----------
    activities : activities format (``agent_id, start, end, activity``), tz-aware.
    intervals : the horizon's interval starts (``Horizon.intervals()``), tz-aware.
    agents : agent ids, in the order of the rows of each day sheet.
    queues : queue ids, for the colour legend.
    agent_summary, coverage : tables added as sheets ``Agents`` and ``Coverage`` when given.
    """
    book = Workbook()
    book.remove(book.active)
    colours = activity_colours(list(queues))
    fills = {a: PatternFill("solid", start_color=c, end_color=c) for a, c in colours.items()}
    row_of = {agent: i for i, agent in enumerate(agents)}
    step = intervals[1] - intervals[0] if len(intervals) > 1 else pd.Timedelta(minutes=15)
    starts = intervals.as_unit("ns").asi8
    # grid[agent, interval] = activity code (index into codes), -1 = off.
    codes = ["break", "lunch", *queues]
    code_of = {c: i for i, c in enumerate(codes)}
    grid = np.full((len(agents), len(intervals)), -1, dtype=np.int16)
    for row in activities.itertuples(index=False):
        r = row_of.get(row.agent_id)
        code = code_of.get(row.activity)
        if r is None or code is None:
            continue
        lo = np.searchsorted(starts, pd.Timestamp(row.start).as_unit("ns").value, side="left")
        hi = np.searchsorted(starts, pd.Timestamp(row.end).as_unit("ns").value, side="left")
        grid[r, lo:hi] = code

    dates = np.array([t.date() for t in intervals])
    for date in sorted(set(dates)):
        columns = np.flatnonzero(dates == date)
        sheet = book.create_sheet(f"{date:%a %Y-%m-%d}")
        header = ["agent"] + [f"{t:%H:%M}" for t in intervals[columns]]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = _HEADER
            cell.alignment = Alignment(text_rotation=90, horizontal="center")
        for r, agent in enumerate(agents):
            cells = [codes[c] if c >= 0 else None for c in grid[r, columns]]
            sheet.append([agent, *cells])
            excel_row = r + 2
            for j, c in enumerate(grid[r, columns]):
                if c >= 0:
                    sheet.cell(row=excel_row, column=j + 2).fill = fills[codes[c]]
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 12
        width = 4 if step <= pd.Timedelta(minutes=15) else 6
        for j in range(len(columns)):
            sheet.column_dimensions[get_column_letter(j + 2)].width = width

    legend = book.create_sheet("Legend", 0)
    legend.append(["activity", "colour"])
    for activity, colour in colours.items():
        legend.append([activity, colour])
        legend.cell(row=legend.max_row, column=1).fill = fills[activity]
    if agent_summary is not None:
        _table_sheet(book, "Agents", agent_summary)
    if coverage is not None:
        _table_sheet(book, "Coverage", coverage)
    return book


def roster_workbook_bytes(activities: pd.DataFrame, intervals: pd.DatetimeIndex, **kw) -> bytes:
    """:func:`roster_workbook` as the bytes of an ``.xlsx`` file."""
    buffer = io.BytesIO()
    roster_workbook(activities, intervals, **kw).save(buffer)
    return buffer.getvalue()
