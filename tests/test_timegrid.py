import datetime as dt

import pandas as pd
import pytest

from staffing.errors import ConfigError, DataError
from staffing.timegrid import Horizon, format_timestamps, interval_grid, parse_timestamps


@pytest.mark.parametrize(
    ("day", "zone", "minutes", "expected"),
    [
        (dt.date(2026, 11, 23), "Asia/Shanghai", 15, 96),
        (dt.date(2026, 3, 29), "Europe/Berlin", 15, 92),   # spring forward: 23 hours
        (dt.date(2026, 10, 25), "Europe/Berlin", 15, 100),  # fall back: 25 hours
        (dt.date(2026, 10, 25), "Europe/Berlin", 60, 25),
        (dt.date(2026, 3, 8), "America/New_York", 30, 46),
    ],
)
def test_grid_follows_dst(day, zone, minutes, expected):
    grid = interval_grid(day, 1, minutes, zone)
    assert len(grid) == expected
    assert grid[0] == pd.Timestamp(day).tz_localize(zone)
    assert (grid[1:] - grid[:-1] == pd.Timedelta(minutes=minutes)).all()


def test_fall_back_hour_appears_twice_with_distinct_offsets():
    grid = interval_grid(dt.date(2026, 10, 25), 1, 60, "Europe/Berlin")
    labels = format_timestamps(grid)
    assert labels[2:4] == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]


def test_horizon_views():
    h = Horizon(dt.date(2026, 11, 23), 7, 30, "Asia/Shanghai")
    assert len(h.intervals()) == 7 * 48
    assert h.end - h.start == pd.Timedelta(days=7)
    assert h.dates()[-1] == dt.date(2026, 11, 29)


def test_unknown_zone():
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        interval_grid(dt.date(2026, 1, 1), 1, 15, "Mars/Olympus")


def test_naive_fall_back_times_resolved_by_order_per_group():
    text = pd.Series(["2026-10-25 02:30", "2026-10-25 02:30", "2026-10-25 02:30",
                      "2026-10-25 02:30"])
    groups = pd.Series(["a", "a", "b", "b"])
    parsed = parse_timestamps(text, "Europe/Berlin", where="f.csv", column="t", groups=groups)
    offsets = [t.utcoffset().total_seconds() / 3600 for t in parsed]
    assert offsets == [2, 1, 2, 1]


def test_offsets_are_converted_to_the_site_zone():
    parsed = parse_timestamps(pd.Series(["2026-11-23T01:00:00Z"]), "Asia/Shanghai",
                              where="f.csv", column="t")
    assert parsed.iloc[0] == pd.Timestamp("2026-11-23 09:00", tz="Asia/Shanghai")


def test_nonexistent_local_time_is_an_error():
    with pytest.raises(DataError) as err:
        parse_timestamps(pd.Series(["2026-03-29 01:45", "2026-03-29 02:00"]), "Europe/Berlin",
                         where="h.csv", column="interval_start")
    assert str(err.value) == (
        "h.csv: row 3: interval_start 2026-03-29 02:00 does not exist in Europe/Berlin (clocks "
        "jump forward over it); remove the row or write the time with its UTC offset"
    )
