"""The wall-clock day x slot matrix: DST days, finer histories, missing parts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffing.forecast.series import history_minutes, locate, slot_multiplicity, to_series
from staffing.timegrid import interval_grid

ZONE = "Europe/Berlin"


def frame(stamps: pd.DatetimeIndex, volume) -> pd.DataFrame:
    return pd.DataFrame({"queue": "voice", "interval_start": stamps,
                         "volume": np.asarray(volume, dtype=float),
                         "aht_seconds": np.full(len(stamps), 200.0)})


def test_slot_multiplicity_marks_skipped_and_repeated_slots():
    spring = slot_multiplicity(dt.date(2026, 3, 29), 1, 15, ZONE)[0]
    assert spring.sum() == 92
    assert (spring[8:12] == 0).all()  # 02:00-03:00 does not exist
    fall = slot_multiplicity(dt.date(2026, 10, 25), 1, 15, ZONE)[0]
    assert fall.sum() == 100
    assert (fall[8:12] == 2).all()  # 02:00-03:00 happens twice
    assert (np.delete(fall, range(8, 12)) == 1).all()


def test_fall_back_repeated_slots_hold_the_mean_rate():
    stamps = interval_grid(dt.date(2026, 10, 25), 1, 60, ZONE)
    volume = np.arange(len(stamps), dtype=float)  # 25 hourly intervals: 0 ... 24
    series = to_series(frame(stamps, volume), "voice", time_zone=ZONE, interval_minutes=60,
                       first_date=dt.date(2026, 10, 25), end_date=dt.date(2026, 10, 26))
    row = series.volume[0]
    # 02:00+02:00 is interval 2, 02:00+01:00 interval 3; later slots shift by one.
    assert row[2] == 2.5
    assert row[3] == 4.0
    assert row[23] == 24.0
    assert series.exists.all()


def test_spring_forward_slots_do_not_exist():
    stamps = interval_grid(dt.date(2026, 3, 29), 1, 60, ZONE)
    series = to_series(frame(stamps, np.ones(len(stamps))), "voice", time_zone=ZONE,
                       interval_minutes=60, first_date=dt.date(2026, 3, 29),
                       end_date=dt.date(2026, 3, 30))
    assert not series.exists[0, 2]
    assert np.isnan(series.volume[0, 2])
    assert np.nansum(series.volume) == 23


def test_finer_history_is_summed_and_a_missing_part_makes_the_slot_missing():
    stamps = interval_grid(dt.date(2026, 6, 1), 1, 15, ZONE)
    volume = np.ones(len(stamps))
    volume[5] = np.nan  # 01:15 missing: the 01:00 hour is missing
    data = frame(stamps, volume)
    data.loc[40:43, "aht_seconds"] = [100.0, 200.0, 300.0, 400.0]  # the 10:00 hour
    data.loc[40:43, "volume"] = [1.0, 1.0, 1.0, 5.0]
    series = to_series(data.drop(index=[20]), "voice", time_zone=ZONE, interval_minutes=60,
                       first_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 2))
    row = series.volume[0]
    assert row[0] == 4.0
    assert np.isnan(row[1])
    assert np.isnan(row[5])  # a row absent from the history (05:00) is missing too
    assert row[10] == 8.0
    assert series.aht_seconds[0, 10] == (100 + 200 + 300 + 5 * 400) / 8
    assert series.aht_weight[0, 10] == 8.0


def test_history_minutes_and_locate():
    stamps = interval_grid(dt.date(2026, 10, 25), 1, 5, ZONE)
    assert history_minutes(pd.Series(stamps)) == 5
    assert history_minutes(pd.Series(stamps[:1])) == 0
    day, slot, offset = locate(stamps, ZONE, dt.date(2026, 10, 24), 15)
    assert (day == 1).all()
    assert slot[0] == 0 and offset[1] == 300
    # The repeated 02:00 hour maps twice onto the same wall-clock slots.
    assert (slot[24:36] == slot[36:48]).all()
