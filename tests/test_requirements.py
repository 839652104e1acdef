"""build_requirements and expected_performance: the requirements format, per channel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import staffing.erlang as E
from staffing import io
from staffing.config import parse_config
from staffing.errors import DataError
from staffing.requirements import (
    REQUIREMENTS_COLUMNS,
    build_requirements,
    expected_performance,
    resolve_shrinkage,
)
from staffing.summary import coverage_report

ZONE = "Asia/Shanghai"
VOICE = {"id": "voice", "channel": "voice", "service_level": 0.8, "answer_within_seconds": 20}


def config(*queues, **top):
    return parse_config({"site": {"name": "T", "time_zone": ZONE},
                         "horizon": {"start_date": "2026-11-23", "days": 1},
                         "interval_minutes": 30, "shift_rules": {"breaks": []},
                         "queues": list(queues), **top})


def forecast(queue="voice", volumes=(100.0,), aht=180.0, start="2026-11-23 09:00",
             minutes=30):
    starts = pd.date_range(pd.Timestamp(start, tz=ZONE), periods=len(volumes),
                           freq=f"{minutes}min")
    vol = np.asarray(volumes, dtype=float)
    return pd.DataFrame({"queue": queue, "interval_start": starts, "volume": vol,
                         "volume_lower": vol * 0.9, "volume_upper": vol * 1.1,
                         "aht_seconds": aht})


def test_the_classic_worked_example():
    # 100 calls in 30 min, AHT 180 s, 80 % in 20 s: 14 agents, 20 with 30 % shrinkage.
    cfg = config(VOICE)
    req = build_requirements(forecast(), cfg.queues, interval_minutes=30, shrinkage=0.3)
    assert tuple(req.columns) == REQUIREMENTS_COLUMNS
    row = req.iloc[0]
    assert (row["agents_required"], row["agents_required_with_shrinkage"]) == (14, 20)
    assert row["traffic_erlangs"] == pytest.approx(10.0)
    assert row["service_level"] == pytest.approx(0.8883500191794669, rel=1e-12)
    assert row["asa_seconds"] == pytest.approx(7.83593701177724, rel=1e-12)
    assert row["occupancy"] == pytest.approx(10 / 14, rel=1e-12)
    assert np.isnan(row["abandon_rate"]) and np.isnan(row["backlog"])
    assert (row["shrinkage"], row["model"]) == (0.3, "erlang_c")


def test_no_contacts_need_no_agents():
    req = build_requirements(forecast(volumes=(0.0, 3.0)), config(VOICE).queues,
                             interval_minutes=30)
    assert req["agents_required"].tolist() == [0, 2]   # 0.3 Erlangs: 1 agent gives 72 %
    assert np.isnan(req.loc[0, ["service_level", "asa_seconds", "occupancy"]].astype(float)).all()


def test_queue_aht_overrides_the_forecast_and_patience_selects_erlang_a():
    queue = {**VOICE, "aht_seconds": 240, "patience_seconds": 120, "max_abandon_rate": 0.03}
    req = build_requirements(forecast(volumes=(60.0, 90.0)), config(queue).queues,
                             interval_minutes=30)
    assert req["aht_seconds"].tolist() == [240.0, 240.0]
    assert set(req["model"]) == {"erlang_a"}
    expected = E.required_agents([8.0, 12.0], 240, service_level=0.8, answer_within_seconds=20,
                                 patience_seconds=120, max_abandon_rate=0.03, max_occupancy=0.85)
    assert req["agents_required"].tolist() == expected.tolist()
    assert (req["abandon_rate"] <= 0.03).all()


def test_chat_uses_the_concurrency_model():
    chat = {"id": "chat", "channel": "chat", "service_level": 0.8, "answer_within_seconds": 30,
            "concurrency": 3, "concurrency_slowdown": 0.25}
    req = build_requirements(forecast("chat", (150.0,), aht=420.0), config(chat).queues,
                             interval_minutes=30)
    expected = E.required_agents(150 * 420 / 1800, 420, service_level=0.8,
                                 answer_within_seconds=30, max_occupancy=0.85, concurrency=3,
                                 concurrency_slowdown=0.25)
    assert req["agents_required"].iloc[0] == int(expected)
    assert req["model"].iloc[0] == "chat"


def test_email_is_answered_within_its_target_and_carries_a_backlog():
    email = {"id": "email", "channel": "email", "response_within_hours": 4}
    volumes = [40.0, 30.0] + [5.0] * 30
    req = build_requirements(forecast("email", volumes, aht=300.0), config(email).queues,
                             interval_minutes=30, max_occupancy=0.8)
    assert set(req["model"]) == {"email"}
    assert req["service_level"].isna().all()
    perf = expected_performance(req, req.assign(scheduled=req["agents_required"]),
                                config(email).queues, interval_minutes=30, shrinkage=0.0,
                                max_occupancy=0.8)
    assert perf["service_level"].dropna().eq(1.0).all()
    assert req["backlog"].iloc[0] == pytest.approx(40.0)     # nothing answered in interval 1
    assert (req["backlog"] >= -1e-9).all()


def test_email_forecast_must_be_consecutive():
    email = {"id": "email", "channel": "email", "response_within_hours": 4}
    fc = forecast("email", (5.0, 5.0, 5.0))
    fc = fc.drop(index=1)
    with pytest.raises(DataError) as err:
        build_requirements(fc, config(email).queues, interval_minutes=30)
    assert str(err.value) == (
        "forecast for email queue 'email' is not a run of consecutive 30-min intervals (gap "
        "or repeat before 2026-11-23T10:00:00+08:00); deferred work is carried from one "
        "interval to the next")


def test_unknown_queue_in_the_forecast():
    with pytest.raises(DataError) as err:
        build_requirements(forecast("sms"), config(VOICE).queues, interval_minutes=30)
    assert str(err.value) == ("forecast has queue 'sms' that the scenario does not define; "
                              "valid: voice")


# ------------------------------------------------------------------------------- shrinkage
def test_shrinkage_precedence():
    cfg = config(VOICE, {**VOICE, "id": "back", "shrinkage": 0.4},
                 shrinkage_windows=[
                     {"start": "22:00", "end": "02:00", "shrinkage": 0.1},
                     {"start": "09:30", "end": "10:30", "days": ["mon"], "shrinkage": 0.5,
                      "queues": ["voice"]}])
    voice, back = cfg.queues
    # 2026-11-23 is a Monday.
    starts = pd.Series(pd.date_range(pd.Timestamp("2026-11-23 09:00", tz=ZONE), periods=3,
                                     freq="30min"))
    assert resolve_shrinkage(voice, starts, 0.3, cfg.shrinkage_windows).tolist() == \
        [0.3, 0.5, 0.5]
    assert resolve_shrinkage(back, starts, 0.3, cfg.shrinkage_windows).tolist() == \
        [0.4, 0.4, 0.4]
    night = pd.Series(pd.DatetimeIndex(["2026-11-23 21:30", "2026-11-23 23:00",
                                        "2026-11-24 01:30", "2026-11-24 02:00"]).tz_localize(ZONE))
    assert resolve_shrinkage(back, night, 0.3, cfg.shrinkage_windows).tolist() == \
        [0.4, 0.1, 0.1, 0.4]
    series = pd.Series([0.2, 0.25, 0.35], index=pd.DatetimeIndex(starts))
    assert resolve_shrinkage(voice, starts, series).tolist() == [0.2, 0.25, 0.35]
    table = pd.DataFrame({"queue": "voice", "interval_start": starts[:1], "shrinkage": [0.05]})
    with pytest.raises(DataError, match="shrinkage table has no row for queue 'voice' at "
                                        "2026-11-23T09:30:00\\+08:00"):
        resolve_shrinkage(voice, starts, table)
    assert resolve_shrinkage(back, starts, table).tolist() == [0.4, 0.4, 0.4]


def test_with_shrinkage_rounds_up_exactly():
    req = build_requirements(forecast(volumes=(100.0,)), config(VOICE).queues,
                             interval_minutes=30, shrinkage=0.3)
    # 14 / 0.7 = 20 exactly: not 21 from rounding noise.
    assert req["agents_required_with_shrinkage"].iloc[0] == 20


# ------------------------------------------------------------------------------ round trip
def test_requirements_file_reads_back_in_its_format(tmp_path):
    cfg = config(VOICE, {"id": "email", "channel": "email", "response_within_hours": 2})
    fc = pd.concat([forecast(volumes=(100.0, 0.0, 40.0)),
                    forecast("email", (10.0, 12.0, 3.0), aht=240.0)], ignore_index=True)
    req = build_requirements(fc, cfg.queues, interval_minutes=30)
    path = tmp_path / "requirements.csv"
    io.write_table(req, path, "requirements")
    back = io.read_format(path, "requirements", ZONE)
    assert back["agents_required"].tolist() == req["agents_required"].tolist()
    assert back["interval_start"].tolist() == req["interval_start"].tolist()


# ------------------------------------------------------------------- expected performance
def test_scheduling_the_requirement_meets_the_target():
    cfg = config(VOICE)
    fc = forecast(volumes=(20.0, 100.0, 250.0, 7.0))
    req = build_requirements(fc, cfg.queues, interval_minutes=30, shrinkage=0.3)
    scheduled = req[["queue", "interval_start"]].assign(
        scheduled=req["agents_required_with_shrinkage"])
    perf = expected_performance(req, scheduled, cfg.queues, interval_minutes=30, shrinkage=0.3)
    assert (perf["agents_available"] >= req["agents_required"] - 1e-9).all()
    assert (perf["service_level"] >= 0.8).all()


def test_fractional_availability_interpolates_and_missing_rows_mean_nobody():
    cfg = config(VOICE)
    req = build_requirements(forecast(volumes=(100.0, 100.0)), cfg.queues, interval_minutes=30)
    scheduled = req[["queue", "interval_start"]].iloc[:1].assign(scheduled=[27])
    perf = expected_performance(req, scheduled, cfg.queues, interval_minutes=30, shrinkage=0.5)
    # 27 x 0.5 = 13.5 agents: halfway between 13 and 14.
    sl13, sl14 = E.service_level(10.0, [13, 14], 180, 20)
    assert perf["service_level"].iloc[0] == pytest.approx((sl13 + sl14) / 2, rel=1e-12)
    assert perf["agents_available"].tolist() == [13.5, 0.0]
    assert perf["service_level"].iloc[1] == 0.0
    assert np.isinf(perf["asa_seconds"].iloc[1])


def test_coverage_report_adds_the_expected_service():
    cfg = config(VOICE)
    req = build_requirements(forecast(volumes=(100.0, 50.0)), cfg.queues, interval_minutes=30,
                             shrinkage=0.3)
    coverage = req[["queue", "interval_start"]].assign(
        required=req["agents_required_with_shrinkage"], scheduled=[20, 9])
    coverage["gap"] = coverage["scheduled"] - coverage["required"]
    out = coverage_report(req, coverage, cfg)
    assert {"service_level", "asa_seconds", "abandon_rate", "occupancy"} <= set(out.columns)
    assert out["service_level"].iloc[0] == pytest.approx(0.8883500191794669, rel=1e-12)
    assert out["service_level"].iloc[1] < 0.8


def test_requirements_time_for_a_year_of_intervals():
    # Not a benchmark: a guard that nothing quadratic slipped in (35,040 intervals, 3 channels).
    starts = pd.date_range(pd.Timestamp("2026-01-01", tz=ZONE), periods=35_040, freq="15min")
    rng = np.random.default_rng(0)
    fc = pd.concat([pd.DataFrame({"queue": q, "interval_start": starts,
                                  "volume": rng.poisson(lam, starts.size).astype(float),
                                  "aht_seconds": aht})
                    for q, lam, aht in (("voice", 30, 240), ("chat", 60, 420),
                                        ("email", 5, 480))], ignore_index=True)
    cfg = parse_config({"site": {"name": "T", "time_zone": ZONE},
                        "horizon": {"start_date": "2026-01-01", "days": 365},
                        "queues": [VOICE, {"id": "chat", "channel": "chat",
                                           "service_level": 0.8, "answer_within_seconds": 30,
                                           "concurrency": 3},
                                   {"id": "email", "channel": "email",
                                    "response_within_hours": 24}]})
    started = dt.datetime.now()
    req = build_requirements(fc, cfg.queues, interval_minutes=15)
    assert (dt.datetime.now() - started).total_seconds() < 20
    assert len(req) == 3 * 35_040
