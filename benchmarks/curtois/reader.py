"""Reading the Curtois & Qu instance files (the ``.txt`` format of schedulingbenchmarks.org,
described in the data folder's README.txt) into an :class:`Instance`.

The files are read from :data:`DATA`, ``../shared/data/curtois_shift_scheduling/`` next to the
repository (or next to one of its parent folders, for a worktree); they are not copied into the
repository (1.1 MB of third-party data with no stated licence, which the benchmark only reads;
the tests carry a copy of the 1.2 kB Instance1, ``tests/data/curtois/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from staffing.errors import DataError

__all__ = [
    "DATA",
    "Cover",
    "FormatError",
    "Instance",
    "Request",
    "ShiftType",
    "Staff",
    "instance_path",
    "parse_instance",
    "read_instance",
]

#: The repository (``benchmarks/curtois/reader.py`` is two folders below it).
ROOT = Path(__file__).resolve().parents[2]


def _default_data() -> Path:
    """``shared/data/curtois_shift_scheduling`` next to the repository (or next to one of its
    parent folders, for a git worktree such as ``wt/curtois``)."""
    candidates = [parent / "shared" / "data" / "curtois_shift_scheduling"
                  for parent in ROOT.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


DATA = _default_data()

SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
            "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER")


@dataclass(frozen=True)
class ShiftType:
    """A shift type. ``length_minutes`` [min]; ``cannot_follow``: shift ids that may not be
    worked the day after this one."""

    id: str
    length_minutes: int
    cannot_follow: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    """One employee's contract. Limits over the whole horizon; minutes [min]."""

    id: str
    max_shifts: dict[str, int]  # per shift type; a type not listed is unlimited
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A soft request to work (on) or not to work (off) ``shift`` on ``day``."""

    staff: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """Wanted number of ``shift`` on ``day``; cost per employee missing / in excess."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """One benchmark instance (day 0 is a Monday)."""

    name: str
    days: int
    shifts: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, tuple[int, ...]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    @property
    def shift_ids(self) -> list[str]:
        return [s.id for s in self.shifts]

    @property
    def weekends(self) -> list[tuple[int, ...]]:
        """Day indexes of each weekend (Saturday, Sunday) inside the horizon."""
        return [tuple(d for d in (sat, sat + 1) if d < self.days)
                for sat in range(5, self.days, 7)]


class FormatError(DataError):
    """An instance file does not follow the benchmark's text format."""


def _lines(text: str):
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the text of an instance file (sections ``SECTION_HORIZON`` ... ``SECTION_COVER``,
    comma separated, ``#`` comments). Raises :class:`FormatError` naming the line."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, line in _lines(text):
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise FormatError(f"{name}:{number}: unknown section {line!r}; expected one of "
                                  f"{', '.join(SECTIONS)}")
            current = sections.setdefault(line, [])
            continue
        if current is None:
            raise FormatError(f"{name}:{number}: data before the first SECTION_ line")
        current.append((number, [part.strip() for part in line.split(",")]))
    missing = [s for s in SECTIONS if s not in sections]
    if missing:
        raise FormatError(f"{name}: missing section(s) {', '.join(missing)}")

    def fields(section, count):
        for number, parts in sections[section]:
            if len(parts) != count:
                raise FormatError(f"{name}:{number}: {section} rows have {count} fields, "
                                  f"found {len(parts)}: {','.join(parts)}")
            yield number, parts

    def integer(value, number):
        try:
            return int(value)
        except ValueError:
            raise FormatError(f"{name}:{number}: expected an integer, found {value!r}") from None

    horizon = list(fields("SECTION_HORIZON", 1))
    if len(horizon) != 1:
        raise FormatError(f"{name}: SECTION_HORIZON holds one number of days, "
                          f"found {len(horizon)} rows")
    number, (days_text,) = horizon[0]
    days = integer(days_text, number)
    shifts = tuple(ShiftType(p[0], integer(p[1], n), tuple(x for x in p[2].split("|") if x))
                   for n, p in fields("SECTION_SHIFTS", 3))
    ids = {s.id for s in shifts}

    def shift_id(value, number):
        if value not in ids:
            raise FormatError(f"{name}:{number}: unknown shift {value!r}; "
                              f"shifts are {', '.join(sorted(ids))}")
        return value

    for n, p in fields("SECTION_SHIFTS", 3):
        for other in p[2].split("|"):
            if other:
                shift_id(other, n)
    staff = []
    for n, p in fields("SECTION_STAFF", 8):
        max_shifts = {}
        for item in p[1].split("|"):
            if item:
                sid, _, count = item.partition("=")
                max_shifts[shift_id(sid, n)] = integer(count, n)
        staff.append(Staff(p[0], max_shifts, *(integer(v, n) for v in p[2:])))
    staff_ids = {s.id for s in staff}

    def staff_id(value, number):
        if value not in staff_ids:
            raise FormatError(f"{name}:{number}: unknown employee {value!r}")
        return value

    def day(value, number):
        d = integer(value, number)
        if not 0 <= d < days:
            raise FormatError(f"{name}:{number}: day {d} outside the horizon 0..{days - 1}")
        return d

    days_off = {}
    for n, p in sections["SECTION_DAYS_OFF"]:
        days_off[staff_id(p[0], n)] = tuple(day(v, n) for v in p[1:] if v)
    on = tuple(Request(staff_id(p[0], n), day(p[1], n), shift_id(p[2], n), integer(p[3], n))
               for n, p in fields("SECTION_SHIFT_ON_REQUESTS", 4))
    off = tuple(Request(staff_id(p[0], n), day(p[1], n), shift_id(p[2], n), integer(p[3], n))
                for n, p in fields("SECTION_SHIFT_OFF_REQUESTS", 4))
    cover = tuple(Cover(day(p[0], n), shift_id(p[1], n), *(integer(v, n) for v in p[2:]))
                  for n, p in fields("SECTION_COVER", 5))
    return Instance(name, days, shifts, tuple(staff), days_off, on, off, cover)


def read_instance(path: str | Path) -> Instance:
    """Read one instance file (e.g. ``Instance1.txt``)."""
    path = Path(path)
    return parse_instance(path.read_text(encoding="utf-8"), path.stem)


def instance_path(number: int, data: Path = DATA) -> Path:
    return Path(data) / "instances_txt" / f"Instance{number}.txt"
