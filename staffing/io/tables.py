"""Reading and writing the project's files (formats in ``docs/formats.md``).

Every table is a CSV with a header; timestamps are ISO-8601 local to the site with their UTC
offset. Readers check the columns, types and values and raise :class:`DataError` naming the file,
the row and the column; writers replace their target atomically (temporary file, then rename), so
a failure never leaves a half-written file.

Only :mod:`staffing.io`, :mod:`staffing.export` and the CLI touch files; every other module takes
frames and objects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from staffing.domain import WEEKDAYS, Agent, did_you_mean, parse_skills
from staffing.errors import DataError, OutputError
from staffing.timegrid import format_timestamps, parse_timestamps

__all__ = [
    "FORMATS",
    "Column",
    "atomic_path",
    "atomic_write",
    "check_output_dir",
    "check_output_file",
    "history_interval_minutes",
    "read_agents",
    "read_format",
    "read_history",
    "read_table",
    "write_agents",
    "write_table",
    "write_text",
]

Kind = Literal["text", "timestamp", "date", "number", "integer"]


@dataclass(frozen=True)
class Column:
    """One column of a file format.

    ``required`` columns must be present; ``nullable`` ones may have empty cells; ``min_value``
    (with ``strict`` for >) and ``max_value`` bound numbers.
    """

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    min_value: float | None = None
    strict: bool = False
    max_value: float | None = None


def _c(name: str, kind: Kind, **kw) -> Column:
    return Column(name, kind, **kw)


#: Upper bounds that keep the arithmetic finite: no interval has a billion contacts, no contact
#: takes a week. [contacts], [s]
MAX_VOLUME = 1e9
MAX_AHT_SECONDS = 7 * 86400.0
_VOLUME = dict(min_value=0.0, max_value=MAX_VOLUME)
#: The project's file formats, documented in ``docs/formats.md``. Extra columns are kept.
FORMATS: Mapping[str, tuple[Column, ...]] = {
    "history": (
        _c("queue", "text"),
        _c("interval_start", "timestamp"),
        _c("volume", "number", nullable=True, **_VOLUME),
        _c("aht_seconds", "number", required=False, nullable=True, min_value=0.0, strict=True,
           max_value=MAX_AHT_SECONDS),
    ),
    "forecast": (
        _c("queue", "text"),
        _c("interval_start", "timestamp"),
        _c("volume", "number", **_VOLUME),
        _c("volume_lower", "number", **_VOLUME),
        _c("volume_upper", "number", **_VOLUME),
        _c("aht_seconds", "number", nullable=True, min_value=0.0, strict=True),
    ),
    "requirements": (
        _c("queue", "text"),
        _c("interval_start", "timestamp"),
        _c("volume", "number", **_VOLUME),
        _c("aht_seconds", "number", min_value=0.0, strict=True),
        _c("traffic_erlangs", "number", **_VOLUME),
        _c("agents_required", "integer", **_VOLUME),
        _c("agents_required_with_shrinkage", "integer", **_VOLUME),
        _c("service_level", "number", nullable=True),
        _c("asa_seconds", "number", nullable=True),
        _c("occupancy", "number", nullable=True),
    ),
    "roster": (
        _c("agent_id", "text"),
        _c("date", "date"),
        _c("shift_start", "timestamp"),
        _c("shift_end", "timestamp"),
        _c("paid_minutes", "integer", **_VOLUME),
    ),
    "activities": (
        _c("agent_id", "text"),
        _c("start", "timestamp"),
        _c("end", "timestamp"),
        _c("activity", "text"),
    ),
    "coverage": (
        _c("queue", "text"),
        _c("interval_start", "timestamp"),
        _c("required", "integer", **_VOLUME),
        _c("scheduled", "integer", **_VOLUME),
        _c("gap", "integer"),
    ),
}


# ----------------------------------------------------------------------------- atomic output
def check_output_dir(path: Path | str, option: str = "--out") -> Path:
    """Check that ``path`` is, or can be created as, a folder this user can write into.

    Called before any work is done, so a run is not lost to an output location that cannot
    be written. Raises :class:`OutputError` naming the option and what is in the way.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path}: is a file, not a folder; choose another {option}")
    _check_folder(path, path, option)
    return path


def check_output_file(path: Path | str, option: str = "--out") -> Path:
    """Check that the file ``path`` can be written: not a folder, and its folder exists or can
    be created and written into. Raises :class:`OutputError` naming the option."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder; give a file name")
    _check_folder(path.parent, path, option)
    return path


def _check_folder(folder: Path, shown: Path, option: str) -> None:
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{option} {shown}: {existing} is a file, not a folder; choose "
                          f"another {option}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {shown}: no permission to write in {existing}; choose "
                          f"another {option}")


_UMASK_LOCK = threading.Lock()


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (``0666 & ~umask``)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


#: Suffix of the temporary files :func:`atomic_path` writes (``.NAME.XXXX.tmp``).
TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    On an exception the temporary file is removed and ``path`` is left as it was. Parent
    folders are created. The file gets the mode a new file gets under the user's umask.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "w", **open_kw) -> Iterator[IO]:
    """Open a temporary file for writing that atomically replaces ``path`` on success."""
    if "b" not in mode:
        open_kw.setdefault("encoding", "utf-8")
        open_kw.setdefault("newline", "")
    with atomic_path(path) as tmp, open(tmp, mode, **open_kw) as fh:
        yield fh


def write_text(text: str, path: Path | str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_write(path, newline=None) as fh:
        fh.write(text)


# ------------------------------------------------------------------------------ generic tables
def write_table(frame: pd.DataFrame, path: Path | str, format_name: str | None = None) -> None:
    """Write ``frame`` as CSV atomically; with ``format_name``, its columns lead, in order.

    Timestamps are written ISO-8601 with their UTC offset, dates as ``YYYY-MM-DD``.
    """
    out = frame.copy()
    if format_name is not None:
        spec = FORMATS[format_name]
        missing = [c.name for c in spec if c.required and c.name not in out.columns]
        if missing:
            raise DataError(f"{path}: cannot write {format_name}: columns {missing} are missing")
        lead = [c.name for c in spec if c.name in out.columns]
        out = out[lead + [c for c in out.columns if c not in lead]]
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = format_timestamps(col)
        elif pd.api.types.is_float_dtype(col.dtype):
            out[name] = col.round(6)
        elif col.dtype == object and len(col) and isinstance(col.iloc[0], dt.date):
            out[name] = [v.isoformat() if isinstance(v, dt.date) else v for v in col]
    with atomic_write(path) as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def _read_csv(path: Path | str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; it needs a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_columns(frame: pd.DataFrame, spec: Sequence[Column], where: str) -> None:
    known = [c.name for c in spec]
    present = set(frame.columns)
    for extra in [c for c in frame.columns if c not in known]:
        close = difflib.get_close_matches(extra, [k for k in known if k not in present], n=1)
        if close:
            raise DataError(f"{where}: column {extra!r} is not known; did you mean {close[0]!r}?")
    missing = [c.name for c in spec if c.required and c.name not in present]
    if missing:
        raise DataError(
            f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the header must include {', '.join(c.name for c in spec if c.required)} "
            f"(found {', '.join(frame.columns) or 'no columns'})"
        )


def _parse_column(raw: pd.Series, column: Column, where: str, time_zone: str | None,
                  groups: pd.Series | None = None) -> pd.Series:
    text = raw.astype(str).str.strip()
    empty = text == ""
    if empty.any() and not column.nullable and column.kind != "text":
        row = int(np.flatnonzero(empty.to_numpy())[0]) + 2
        raise DataError(f"{where}: row {row}: {column.name} is empty; every row needs a value")
    if column.kind == "text":
        if empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0]) + 2
            raise DataError(f"{where}: row {row}: {column.name} is empty")
        return text
    if column.kind == "timestamp":
        assert time_zone is not None
        return parse_timestamps(text, time_zone, where=where, column=column.name, groups=groups)
    if column.kind == "date":
        parsed = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
        bad = parsed.isna()
        if bad.any():
            label = bad[bad].index[0]
            raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} "
                            f"{text[label]!r} is not a date like 2026-11-23")
        return pd.Series([d.date() for d in parsed], index=raw.index, dtype=object)
    values = pd.to_numeric(text.where(~empty, None), errors="coerce")
    bad = values.isna() & ~empty
    if bad.any():
        label = bad[bad].index[0]
        raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} "
                        f"{text[label]!r} is not a number")
    infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        label = raw.index[int(np.flatnonzero(infinite)[0])]
        raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} "
                        f"{text[label]!r} is not a finite number")
    if column.kind == "integer":
        fractional = values.notna() & (values != np.round(values))
        if fractional.any():
            label = fractional[fractional].index[0]
            raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} must "
                            f"be a whole number, got {text[label]}")
    if column.min_value is not None:
        low = values <= column.min_value if column.strict else values < column.min_value
        low &= values.notna()
        if low.any():
            label = low[low].index[0]
            op = ">" if column.strict else ">="
            raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} must "
                            f"be {op} {column.min_value:g}, got {text[label]}")
    if column.max_value is not None:
        high = (values > column.max_value) & values.notna()
        if high.any():
            label = high[high].index[0]
            raise DataError(f"{where}: row {raw.index.get_loc(label) + 2}: {column.name} must "
                            f"be <= {column.max_value:,.0f}, got {text[label]}")
    if column.kind == "integer" and not column.nullable:
        return values.astype("int64")
    return values.astype("float64")


def read_table(path: Path | str, format_name: str, *, time_zone: str | None = None) -> pd.DataFrame:
    """Read one of the :data:`FORMATS` and check every column; extra columns are kept as text.

    Timestamps need ``time_zone`` (the site's): they come back aware in that zone.
    """
    spec = FORMATS[format_name]
    where = str(path)
    raw = _read_csv(path)
    _check_columns(raw, spec, where)
    out = pd.DataFrame(index=raw.index)
    groups = raw["queue"].astype(str).str.strip() if "queue" in raw.columns else None
    if groups is None and "agent_id" in raw.columns:
        groups = raw["agent_id"].astype(str).str.strip()
    for column in spec:
        if column.name in raw.columns:
            out[column.name] = _parse_column(raw[column.name], column, where, time_zone, groups)
    for name in raw.columns:
        if name not in out.columns:
            out[name] = raw[name]
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------------- history
ALLOWED_HISTORY_MINUTES = (1, 2, 3, 5, 6, 10, 12, 15, 20, 30, 60)

#: What an interval absent from the history means: ``error`` (refuse the file) or ``zero`` (no
#: contacts: the center was closed or nobody called, as ACD exports often leave such rows out).
HISTORY_MISSING = ("error", "zero")


def read_history(path: Path | str, time_zone: str, *, missing: str = "error") -> pd.DataFrame:
    """Read a contact history and check it can be forecast from.

    Returns columns ``queue, interval_start, volume`` and ``aht_seconds`` (NaN when absent),
    sorted by queue and time. Empty ``volume`` cells mean *missing data* (NaN); a closed interval
    is a row with volume 0. Raises :class:`DataError` on duplicate, unsorted, misaligned or
    missing intervals, unparsable timestamps and negative volumes, naming the file and row.
    With ``missing="zero"`` an interval without a row is added with volume 0 (and no AHT).
    """
    frame = read_table(path, "history", time_zone=time_zone)
    if "aht_seconds" not in frame.columns:
        frame["aht_seconds"] = np.nan
    frame = frame[["queue", "interval_start", "volume", "aht_seconds"]]
    minutes = check_history(frame, where=str(path), missing=missing)
    if missing == "zero":
        frame = _fill_missing_intervals(frame, minutes, time_zone)
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _fill_missing_intervals(frame: pd.DataFrame, minutes: int, time_zone: str) -> pd.DataFrame:
    """Each queue's intervals from its first to its last row, absent ones with volume 0."""
    parts = []
    for queue, rows in frame.groupby("queue", sort=False):
        utc = rows["interval_start"].dt.tz_convert("UTC")
        grid = pd.date_range(utc.min(), utc.max(), freq=f"{minutes}min")
        full = pd.DataFrame({"interval_start": grid.tz_convert(time_zone)})
        full = full.merge(rows.drop(columns="queue"), on="interval_start", how="left")
        known = full["interval_start"].isin(rows["interval_start"])
        full.loc[~known, "volume"] = 0.0
        full.insert(0, "queue", queue)
        parts.append(full)
    return pd.concat(parts, ignore_index=True)


def check_history(frame: pd.DataFrame, *, where: str = "history", missing: str = "error") -> int:
    """Check a history frame's intervals; return their length in minutes.

    Within each queue, rows must be in time order without duplicates and on one grid; gaps are
    refused unless ``missing="zero"``.
    """
    if missing not in HISTORY_MISSING:
        raise ValueError(f"missing must be one of {HISTORY_MISSING}, got {missing!r}")
    if frame.empty:
        raise DataError(f"{where}: no rows; the history needs at least one interval per queue")
    stamps = frame["interval_start"]
    off_grid = (stamps.dt.second != 0) | (stamps.dt.microsecond != 0)
    if off_grid.any():
        row = int(np.flatnonzero(off_grid.to_numpy())[0]) + 2
        raise DataError(f"{where}: row {row}: interval_start {stamps.iloc[row - 2].isoformat()} "
                        "is not on a whole minute")
    epoch = _epoch_seconds(stamps)
    for queue, rows in frame.groupby("queue", sort=False).groups.items():
        positions = frame.index.get_indexer(rows)
        steps = np.diff(epoch[positions])
        if (steps == 0).any():
            i = int(np.flatnonzero(steps == 0)[0]) + 1
            raise DataError(
                f"{where}: row {positions[i] + 2}: duplicate interval "
                f"{stamps.iloc[positions[i]].isoformat()} for queue {queue!r} (also on row "
                f"{positions[i - 1] + 2}); keep one row per queue and interval"
            )
        if (steps < 0).any():
            i = int(np.flatnonzero(steps < 0)[0]) + 1
            raise DataError(
                f"{where}: row {positions[i] + 2}: interval_start "
                f"{stamps.iloc[positions[i]].isoformat()} comes before the previous row's "
                f"{stamps.iloc[positions[i - 1]].isoformat()} for queue {queue!r}; sort the "
                "file by queue and interval_start"
            )
    wall_minutes = stamps.dt.hour * 60 + stamps.dt.minute

    def off_grid_row(minutes: int) -> None:
        misaligned = (wall_minutes % minutes) != 0
        if misaligned.any():
            row = int(np.flatnonzero(misaligned.to_numpy())[0]) + 2
            raise DataError(f"{where}: row {row}: interval_start "
                            f"{stamps.iloc[row - 2].isoformat()} is not on the {minutes}-min "
                            "grid of the file; intervals start on whole multiples of the "
                            "interval length")

    minutes = history_interval_minutes(frame)
    if minutes not in ALLOWED_HISTORY_MINUTES:
        usual = _usual_step_minutes(frame, epoch)
        if usual in ALLOWED_HISTORY_MINUTES:
            off_grid_row(usual)  # a row at 12:07 in an hourly file: name that row
        row = _first_row_with_step(frame, epoch, minutes)
        raise DataError(f"{where}: row {row}: interval_start "
                        f"{stamps.iloc[row - 2].isoformat()} is {minutes} min after the "
                        "queue's previous row; use one interval length that divides an hour "
                        f"({', '.join(map(str, ALLOWED_HISTORY_MINUTES))} min)")
    off_grid_row(minutes)
    if missing == "zero":
        return minutes
    step = np.int64(minutes * 60)
    for queue, rows in frame.groupby("queue", sort=False).groups.items():
        positions = frame.index.get_indexer(rows)
        gaps = np.diff(epoch[positions]) // step - 1
        if (gaps > 0).any():
            missing = int(gaps.sum())
            i = int(np.flatnonzero(gaps > 0)[0])
            first = (stamps.iloc[positions[i]] + pd.Timedelta(minutes=minutes)).isoformat()
            raise DataError(
                f"{where}: queue {queue!r} has {missing} missing interval"
                f"{'s' if missing > 1 else ''}, the first at {first} (after row "
                f"{positions[i] + 2}); add a row per interval: volume 0 when the center was "
                "closed, an empty volume when the data is missing (or read absent intervals "
                "as no contacts: --missing-intervals zero, or history_missing: zero in the "
                "scenario)"
            )
    return minutes


def _first_row_with_step(frame: pd.DataFrame, epoch: np.ndarray, minutes: int) -> int:
    """The file row (header = 1) of the first interval ``minutes`` after its queue's previous."""
    hits = []
    for rows in frame.groupby("queue", sort=False).indices.values():
        steps = np.diff(epoch[rows]) // 60
        hits += [int(rows[i + 1]) for i in np.flatnonzero(steps == minutes)[:1]]
    return min(hits) + 2


def _usual_step_minutes(frame: pd.DataFrame, epoch: np.ndarray) -> int | None:
    """The most common step between consecutive rows of a queue. [min]"""
    steps = [np.diff(epoch[rows]) for rows in frame.groupby("queue", sort=False).indices.values()
             if len(rows) > 1]
    if not steps:
        return None
    values, counts = np.unique(np.concatenate(steps) // 60, return_counts=True)
    return int(values[np.argmax(counts)])


def _epoch_seconds(stamps: pd.Series) -> np.ndarray:
    """Seconds since 1970-01-01 UTC of aware timestamps, as int64."""
    naive_utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive_utc.to_numpy().astype("datetime64[s]").astype(np.int64)


def history_interval_minutes(frame: pd.DataFrame) -> int:
    """The interval length of a history frame: the smallest step within any queue. [min]"""
    best: float | None = None
    epoch = _epoch_seconds(frame["interval_start"])
    for rows in frame.groupby("queue", sort=False).indices.values():
        if len(rows) > 1:
            step = np.diff(np.sort(epoch[rows])).min() / 60
            best = step if best is None else min(best, step)
    if best is None:
        raise DataError("history has one row per queue; at least two intervals are needed")
    return int(best)


# ------------------------------------------------------------------------------------ agents
AGENT_COLUMNS: tuple[Column, ...] = (
    _c("agent_id", "text"),
    _c("name", "text", required=False),
    _c("contract", "text"),
    _c("skills", "text"),
    _c("unavailable", "text", required=False, nullable=True),
    _c("fixed_days_off", "text", required=False, nullable=True),
    _c("preferred_days_off", "text", required=False, nullable=True),
    _c("preferred_start", "text", required=False, nullable=True),
    _c("min_hours_per_week", "number", required=False, nullable=True, min_value=0.0),
    _c("max_hours_per_week", "number", required=False, nullable=True, min_value=0.0,
       strict=True),
    _c("hourly_cost", "number", required=False, nullable=True, min_value=0.0),
)

_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RANGE = re.compile(r"^(\d{1,2}:\d\d)\s*-\s*(\d{1,2}:\d\d)$")


def read_agents(path: Path | str, *, time_zone: str, queue_ids: Iterable[str],
                contract_names: Iterable[str]) -> tuple[Agent, ...]:
    """Read the agents file (format in ``docs/formats.md``) into :class:`Agent` objects.

    Skills must name queues of the scenario and contracts must be defined; errors name the
    file, the row and the agent.
    """
    where = str(path)
    raw = _read_csv(path)
    _check_columns(raw, AGENT_COLUMNS, where)
    return agents_from_frame(raw, time_zone=time_zone, queue_ids=queue_ids,
                             contract_names=contract_names, where=where)


def agents_from_frame(raw: pd.DataFrame, *, time_zone: str, queue_ids: Iterable[str],
                      contract_names: Iterable[str], where: str = "agents") -> tuple[Agent, ...]:
    """Build agents from a frame of the agents format (all cells as text)."""
    queue_ids = list(queue_ids)
    contract_names = list(contract_names)
    raw = raw.astype(str).apply(lambda c: c.str.strip()).replace({"nan": "", "None": ""})
    numbers = {}
    for column in AGENT_COLUMNS:
        if column.kind == "number" and column.name in raw.columns:
            numbers[column.name] = _parse_column(raw[column.name], column, where, None)
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for i, row in raw.iterrows():
        line = int(i) + 2
        agent_id = row["agent_id"]
        if not agent_id:
            raise DataError(f"{where}: row {line}: agent_id is empty")
        here = f"{where}: row {line} (agent {agent_id})"
        if agent_id in seen:
            raise DataError(f"{here}: agent_id is also on row {seen[agent_id]}; ids must be "
                            "unique")
        seen[agent_id] = line
        contract = row["contract"]
        if contract not in contract_names:
            raise DataError(f"{here}: contract {contract!r} is not defined in the scenario; "
                            f"valid: {', '.join(contract_names)}"
                            f"{did_you_mean(contract, contract_names)}")
        try:
            skills = parse_skills(row["skills"], queue_ids)
        except ValueError as exc:
            raise DataError(f"{here}: {exc}") from None
        extra = {}
        for name, values in numbers.items():
            value = values.iloc[int(i)]
            extra[name] = None if pd.isna(value) else float(value)
        low, high = extra.get("min_hours_per_week"), extra.get("max_hours_per_week")
        if low is not None and high is not None and low > high:
            raise DataError(f"{here}: min_hours_per_week {low:g} is above max_hours_per_week "
                            f"{high:g}; lower the minimum or raise the maximum")
        agents.append(
            Agent(
                agent_id=agent_id,
                name=row.get("name", "") or agent_id,
                contract=contract,
                skills=skills,
                unavailable=_parse_unavailable(row.get("unavailable", ""), time_zone, here),
                fixed_days_off=_parse_weekdays(row.get("fixed_days_off", ""), here,
                                               "fixed_days_off"),
                preferred_days_off=_parse_weekdays(row.get("preferred_days_off", ""), here,
                                                   "preferred_days_off"),
                preferred_start=_parse_time_range(row.get("preferred_start", ""), here),
                **extra,
            )
        )
    if not agents:
        raise DataError(f"{where}: no agents; add one row per agent")
    return tuple(agents)


def _parse_weekdays(text: str, here: str, column: str) -> frozenset[int]:
    days = set()
    for item in filter(None, (p.strip().lower() for p in text.split(";"))):
        key = item[:3]
        if key not in WEEKDAYS or item not in (key, _FULL_WEEKDAYS[WEEKDAYS.index(key)]):
            raise DataError(f"{here}: {column} {item!r} is not a weekday; use mon, tue, wed, "
                            "thu, fri, sat or sun separated by ';'")
        days.add(WEEKDAYS.index(key))
    return frozenset(days)


def _parse_time_range(text: str, here: str) -> tuple[dt.time, dt.time] | None:
    if not text:
        return None
    match = _TIME_RANGE.match(text)
    try:
        if not match:
            raise ValueError
        start, end = (dt.time.fromisoformat(t.zfill(5)) for t in match.groups())
    except ValueError:
        raise DataError(f"{here}: preferred_start {text!r} is not a time window like "
                        "07:00-10:00") from None
    if end < start:
        raise DataError(f"{here}: preferred_start {text!r} ends before it starts")
    return start, end


def _parse_unavailable(text: str, time_zone: str, here: str
                       ) -> tuple[tuple[pd.Timestamp, pd.Timestamp], ...]:
    windows = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        start_text, sep, end_text = item.partition("/")
        try:
            if "T" in start_text or " " in start_text.strip():
                if not sep:
                    raise ValueError
                start, end = (_local(t, time_zone) for t in (start_text, end_text))
            else:
                first = dt.date.fromisoformat(start_text.strip())
                last = dt.date.fromisoformat(end_text.strip()) if sep else first
                start = _local(first.isoformat(), time_zone)
                end = _local((last + dt.timedelta(days=1)).isoformat(), time_zone)
        except (ValueError, DataError):
            raise DataError(
                f"{here}: unavailable {item!r} is not a date (2026-11-25), a date range "
                "(2026-11-25/2026-11-27) or a time range (2026-11-26T08:00/2026-11-26T12:00)"
            ) from None
        if end <= start:
            raise DataError(f"{here}: unavailable {item!r} ends before it starts")
        windows.append((start, end))
    return tuple(sorted(windows))


def _local(text: str, time_zone: str) -> pd.Timestamp:
    ts = parse_timestamps(pd.Series([text]), time_zone, where="", column="")
    value = ts.iloc[0]
    if pd.isna(value):
        raise ValueError(text)
    return value


def write_agents(agents: Sequence[Agent], path: Path | str) -> None:
    """Write agents in the agents format (inverse of :func:`read_agents`)."""
    write_table(agents_to_frame(agents), path)


def agents_to_frame(agents: Sequence[Agent]) -> pd.DataFrame:
    """Agents as a frame of the agents format (text cells, ready to write)."""
    def days(values: frozenset[int]) -> str:
        return ";".join(WEEKDAYS[d] for d in sorted(values))

    def window(pair) -> str:
        if pair is None:
            return ""
        return f"{pair[0].strftime('%H:%M')}-{pair[1].strftime('%H:%M')}"

    def unavailable(windows) -> str:
        return ";".join(f"{s.isoformat(timespec='minutes')}/{e.isoformat(timespec='minutes')}"
                        for s, e in windows)

    def number(value) -> str:
        return "" if value is None else f"{value:g}"

    rows = [
        {
            "agent_id": a.agent_id,
            "name": a.name,
            "contract": a.contract,
            "skills": ";".join(f"{s.queue}:{s.priority}" for s in a.skills),
            "unavailable": unavailable(a.unavailable),
            "fixed_days_off": days(a.fixed_days_off),
            "preferred_days_off": days(a.preferred_days_off),
            "preferred_start": window(a.preferred_start),
            "min_hours_per_week": number(a.min_hours_per_week),
            "max_hours_per_week": number(a.max_hours_per_week),
            "hourly_cost": number(a.hourly_cost),
        }
        for a in agents
    ]
    return pd.DataFrame(rows, columns=[c.name for c in AGENT_COLUMNS])


def read_format(path: Path | str, format_name: str, time_zone: str,
                check: Callable[[pd.DataFrame, str], None] | None = None) -> pd.DataFrame:
    """Read a pipeline table (forecast, requirements, roster, ...) and check its keys."""
    frame = read_table(path, format_name, time_zone=time_zone)
    keys = {"forecast": ["queue", "interval_start"], "requirements": ["queue", "interval_start"],
            "coverage": ["queue", "interval_start"], "roster": ["agent_id", "shift_start"],
            "activities": ["agent_id", "start"]}.get(format_name)
    if keys:
        dup = frame.duplicated(keys)
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0]) + 2
            raise DataError(f"{path}: row {row}: duplicate {' and '.join(keys)}; keep one row "
                            "each")
    if check is not None:
        check(frame, str(path))
    return frame
