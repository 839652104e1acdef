"""The bundled express example and its generator (examples/express/generate.py).

The generator must be deterministic, and the bundled files must show what
examples/express/README.md says they show: daily totals, channel mix, weekly shape, peak hours,
promotion uplift, holiday dips, AHT by time of day, the agents' skills and contracts, and a
headcount that covers a normal week but not the Double 11 week.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from staffing.io import load_config, load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "express"
FIXTURE = ROOT / "tests" / "fixtures" / "small"
WEEK = ROOT / "configs" / "express-week.yaml"
DOUBLE11 = ROOT / "configs" / "express-double11.yaml"


def _example_module(name: str):
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def generate():
    return _example_module("generate")


@pytest.fixture(scope="module")
def calibrate():
    return _example_module("calibrate")


@pytest.fixture(scope="module")
def week():
    """The normal-week scenario with its history and agents loaded (and validated)."""
    return load_scenario(WEEK)


@pytest.fixture(scope="module")
def history(week):
    """The bundled history with local day, time of day and weekday columns."""
    frame = week.history.copy()
    local = frame["interval_start"].dt.tz_localize(None)
    frame["date"] = local.dt.normalize()
    frame["tod"] = local.dt.hour + local.dt.minute / 60.0
    return frame


@pytest.fixture(scope="module")
def daily(history):
    """Contacts per local day and queue, with a ``total`` column."""
    table = history.pivot_table(index="date", columns="queue", values="volume", aggfunc="sum")
    table["total"] = table.sum(axis=1)
    return table


def _days(*dates: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in dates]


# Ordinary weeks (no holiday, promotion, ramp or rebound) used as baselines.
NORMAL_WEEKS = ("2025-03-03", "2025-03-10", "2025-09-01", "2025-09-08", "2026-03-09",
                "2026-03-16", "2026-08-31", "2026-09-07")


def _normal_days(daily: pd.DataFrame) -> pd.DataFrame:
    starts = [pd.Timestamp(w) for w in NORMAL_WEEKS]
    days = [s + pd.Timedelta(days=k) for s in starts for k in range(7)]
    return daily.loc[days]


# --------------------------------------------------------------------------- determinism
def _run(generate, out: Path, *extra: str) -> dict[str, bytes]:
    args = generate.parse_args(["--preset", "small", "--start", "2026-10-19", "--end",
                                "2026-11-01", "--out-dir", str(out), *extra])
    return {p.name: p.read_bytes() for p in generate.generate(args)}


def test_same_seed_same_bytes(generate, tmp_path):
    first = _run(generate, tmp_path / "a")
    second = _run(generate, tmp_path / "b")
    assert first == second
    assert set(first) == {"history.csv", "agents.csv", "events.yaml"}


def test_another_seed_another_history_same_calendar(generate, tmp_path):
    first = _run(generate, tmp_path / "a")
    other = _run(generate, tmp_path / "b", "--seed", "8")
    assert first["history.csv"] != other["history.csv"]
    assert first["events.yaml"] == other["events.yaml"]


def test_agent_count_does_not_change_the_history(generate, tmp_path):
    first = _run(generate, tmp_path / "a")
    more = _run(generate, tmp_path / "b", "--agents", "12")
    assert first["history.csv"] == more["history.csv"]
    assert first["agents.csv"] != more["agents.csv"]


def test_fixture_is_what_the_generator_writes(generate, tmp_path):
    args = generate.parse_args(["--preset", "small", "--out-dir", str(tmp_path)])
    for path in generate.generate(args):
        assert path.read_bytes() == (FIXTURE / path.name).read_bytes(), path.name


@pytest.mark.slow
def test_bundled_example_is_what_the_generator_writes(generate, tmp_path):
    args = generate.parse_args(["--out-dir", str(tmp_path)])
    for path in generate.generate(args):
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), path.name


# ------------------------------------------------------------------- the files validate
def test_scenarios_and_fixture_load(week):
    assert week.config.horizon.start_date == dt.date(2026, 11, 23)
    assert len(week.history) == 3 * 96 * 691
    assert len(week.agents) == 150
    double11 = load_config(DOUBLE11)
    assert double11.horizon.start_date == dt.date(2026, 11, 9)
    # Same data as the normal week (already loaded and validated above).
    assert (double11.history, double11.agents) == (week.config.history, week.config.agents)
    assert double11.events == week.config.events
    small = load_scenario(FIXTURE / "scenario.yaml")
    assert {q.id for q in small.config.queues} == {"voice", "chat"}
    assert len(small.agents) == 8
    assert small.history["interval_start"].max() < small.config.horizon_.start


def test_history_file_is_small_enough_and_ends_before_the_plan_week(week):
    assert (EXAMPLE / "history.csv").stat().st_size < 12_000_000
    last = week.history["interval_start"].max()
    assert last == pd.Timestamp("2026-11-22T23:45", tz="Asia/Shanghai")
    assert week.history["interval_start"].min() == pd.Timestamp("2025-01-01", tz="Asia/Shanghai")


def test_fixture_crosses_dst_fall_back_and_is_closed_at_night():
    frame = pd.read_csv(FIXTURE / "history.csv")
    fall_back = frame[frame["interval_start"].str.startswith("2026-10-25T02:00")]
    assert sorted(fall_back["interval_start"].unique()) == [
        "2026-10-25T02:00:00+01:00", "2026-10-25T02:00:00+02:00"]
    hour = frame["interval_start"].str[11:13].astype(int)
    closed = (hour < 9) | (hour >= 18)
    assert (frame.loc[closed, "volume"] == 0).all()
    assert frame.loc[closed, "aht_seconds"].isna().all()
    assert (FIXTURE / "history.csv").stat().st_size < 1_000_000


# --------------------------------------------------------------------- volume and mix
def test_normal_days_have_about_5000_contacts_and_the_documented_mix(daily):
    normal = _normal_days(daily)
    assert 4700 < normal["total"].mean() < 5300
    mix = normal[["chat", "voice", "email"]].sum() / normal["total"].sum()
    assert mix["chat"] == pytest.approx(0.65, abs=0.01)
    assert mix["voice"] == pytest.approx(0.30, abs=0.01)
    assert mix["email"] == pytest.approx(0.05, abs=0.005)


def test_mild_upward_trend(daily):
    normal = _normal_days(daily)
    first = normal.loc[normal.index.year == 2025, "total"].mean()
    second = normal.loc[normal.index.year == 2026, "total"].mean()
    assert 1.03 < second / first < 1.10  # 6 % a year


def test_monday_heaviest_sunday_lightest(daily):
    normal = _normal_days(daily)
    by_weekday = normal.groupby(normal.index.day_of_week)["total"].mean()
    assert by_weekday.idxmax() == 0 and by_weekday.idxmin() == 6
    assert by_weekday[0] / by_weekday[6] == pytest.approx(1.18 / 0.84, rel=0.06)


def test_intraday_peaks_around_10_and_15_with_a_quiet_night(history):
    dates = [pd.Timestamp(w) + pd.Timedelta(days=k) for w in NORMAL_WEEKS for k in range(5)]
    workdays = history[history["date"].isin(dates) & history["queue"].isin(["chat", "voice"])]
    profile = workdays.groupby("tod")["volume"].sum() / len(dates)
    morning, afternoon = profile.loc[6:12].idxmax(), profile.loc[12:18].idxmax()
    assert 9.5 <= morning <= 10.5
    assert 14.5 <= afternoon <= 15.5
    night = profile.loc[2:4.75].mean()
    assert 0 < night < 0.06 * profile.max()
    email = history[history["date"].isin(dates) & (history["queue"] == "email")]
    daytime = email["tod"].between(8, 19, inclusive="left")
    assert email.loc[daytime, "volume"].sum() > 0.9 * email["volume"].sum()


def test_aht_by_queue_longer_at_night_and_empty_without_contacts(history):
    means = {"chat": 420, "voice": 240, "email": 600}
    for queue, mean in means.items():
        rows = history[history["queue"] == queue]
        busy = rows["volume"] > 0
        assert rows.loc[busy, "aht_seconds"].notna().all()
        assert rows.loc[~busy, "aht_seconds"].isna().all()
        weighted = (rows["volume"] * rows["aht_seconds"].fillna(0)).sum() / rows["volume"].sum()
        assert weighted == pytest.approx(mean, rel=0.03)
    for queue in ("chat", "voice"):
        rows = history[(history["queue"] == queue) & (history["volume"] > 0)]
        night = rows[rows["tod"].between(1, 5)]
        peak = rows[rows["tod"].between(9.75, 10.5)]

        def aht(r):
            return (r["volume"] * r["aht_seconds"]).sum() / r["volume"].sum()

        assert aht(night) / aht(peak) > 1.12


# ---------------------------------------------------------------- promotions and holidays
PROMOTIONS = {
    # day: ordinary days of the same weekday a few weeks before; shifted by a few days they
    # are ordinary days too, so they are the baseline of the build-up and the tail as well.
    "2025-06-18": ("2025-05-14", "2025-05-21", "2025-06-11"),
    "2025-11-11": ("2025-10-14", "2025-10-21", "2025-10-28"),
    "2026-06-18": ("2026-05-21", "2026-05-28", "2026-06-04"),
    "2026-11-11": ("2026-10-14", "2026-10-21", "2026-10-28"),
}


def _uplift(daily: pd.DataFrame, day: str, offset: int) -> float:
    """Contacts ``offset`` days from the promotion ``day`` over the same shift of its baseline."""
    shift = pd.Timedelta(days=offset)
    base = daily.loc[[d + shift for d in _days(*PROMOTIONS[day])], "total"].mean()
    return daily.loc[pd.Timestamp(day) + shift, "total"] / base


@pytest.mark.parametrize("day", sorted(PROMOTIONS))
def test_promotion_peak_build_up_and_tail(daily, day):
    double11 = day.endswith("11-11")
    assert _uplift(daily, day, 0) == pytest.approx(1.65 if double11 else 1.55, rel=0.1)
    assert _uplift(daily, day, -4 if double11 else -3) > 1.0  # first day of the build-up
    assert _uplift(daily, day, -1) > 1.18                      # half the peak's uplift
    if day != "2026-06-18":  # its tail runs into the Dragon Boat holiday (19-21 June)
        assert _uplift(daily, day, 1) > 1.2                    # delivery-status contacts
        assert 1.0 < _uplift(daily, day, 5) < _uplift(daily, day, 1)


def test_double11_opens_with_a_midnight_spike(history):
    night = history[history["tod"] < 1]
    per_day = night.groupby("date")["volume"].sum()
    ordinary = per_day.loc[_days(*PROMOTIONS["2025-11-11"])].mean()
    assert per_day.loc[pd.Timestamp("2025-11-11")] > 8 * ordinary
    assert per_day.loc[pd.Timestamp("2026-11-11")] > 8 * ordinary


def test_spring_festival_deep_dip_then_rebound(daily):
    base = daily.loc["2025-01-06":"2025-01-19", "total"].mean()
    block = daily.loc["2025-01-28":"2025-02-04", "total"]  # CN block incl. its weekend
    assert len(block) == 8
    assert block.mean() / base == pytest.approx(0.40, rel=0.1)
    assert daily.loc["2025-02-05", "total"] > 1.2 * base
    block_2026 = daily.loc["2026-02-15":"2026-02-23", "total"]
    assert block_2026.max() < 0.5 * daily.loc["2026-01-12":"2026-01-25", "total"].mean()


@pytest.mark.parametrize(("first", "last", "level"), [
    ("2025-10-01", "2025-10-08", 0.60),   # National Day golden week (with Mid-Autumn)
    ("2025-05-01", "2025-05-05", 0.72),   # Labour Day
    ("2026-04-04", "2026-04-06", 0.72),   # Tomb-Sweeping Day
])
def test_other_holidays_dip(daily, first, last, level):
    normal = _normal_days(daily)["total"].mean()
    block = daily.loc[first:last, "total"].mean()
    assert block / normal == pytest.approx(level, rel=0.12)


def test_makeup_working_days_behave_like_working_days(daily):
    # Weekend days worked in exchange for a holiday bridge (away from holiday ramps and
    # rebounds), against the same weekday of the two weeks before.
    ratios, expected = [], []
    for makeup in ("2025-04-27", "2025-09-28", "2026-05-09", "2026-09-20"):
        day = pd.Timestamp(makeup)
        ordinary = daily.loc[[day - pd.Timedelta(weeks=k) for k in (1, 2)], "total"].mean()
        ratios.append(daily.loc[day, "total"] / ordinary)
        expected.append(1.02 / (0.84 if day.day_of_week == 6 else 0.90))
        assert ratios[-1] > 1.0, makeup
    assert np.mean(ratios) == pytest.approx(np.mean(expected), rel=0.06)


# -------------------------------------------------------------------------------- events
def test_events_cover_every_promotion_without_multipliers():
    events = yaml.safe_load((EXAMPLE / "events.yaml").read_text())["events"]
    starts = {(e["name"], str(e["start_date"])) for e in events}
    assert starts == {("618", "2025-06-18"), ("Double 11", "2025-11-11"),
                      ("618", "2026-06-18"), ("Double 11", "2026-11-11"),
                      ("618", "2027-06-18"), ("Double 11", "2027-11-11")}
    for event in events:
        assert event["kind"] == "promotion"
        assert "volume_multiplier" not in event
        ramps = (4, 7) if event["name"] == "Double 11" else (3, 6)
        assert (event["ramp_days_before"], event["ramp_days_after"]) == ramps


# -------------------------------------------------------------------------------- agents
def test_agents_skills_contracts_and_availability(week):
    agents = week.agents
    assert len({a.name for a in agents}) == len(agents)
    multi = sum(len(a.skills) >= 2 for a in agents) / len(agents)
    assert multi >= 0.8
    contracts = pd.Series([a.contract for a in agents]).value_counts()
    assert contracts.to_dict() == {"full_time": 120, "part_time": 30}
    primary = pd.Series([a.queues[0] for a in agents]).value_counts()
    assert primary.to_dict() == {"chat": 86, "voice": 50, "email": 14}
    assert sum(a.queues == ("email",) for a in agents) >= 2  # a few email specialists
    for agent in agents:
        if agent.contract == "part_time":
            assert 20 <= agent.max_hours_per_week <= 30
        for start, end in agent.unavailable:  # inside one of the two plan weeks
            first, last = (t.tz_convert("Asia/Shanghai").date() for t in (start, end))
            inside = [(dt.date(2026, 11, 9), dt.date(2026, 11, 16)),
                      (dt.date(2026, 11, 23), dt.date(2026, 11, 30))]
            assert any(lo <= first and last <= hi for lo, hi in inside), (agent.agent_id, start)
    assert sum(bool(a.unavailable) for a in agents) >= 20
    assert 3 <= sum(bool(a.fixed_days_off) for a in agents) <= 15
    assert sum(bool(a.preferred_days_off) for a in agents) >= 20
    assert sum(a.preferred_start is not None for a in agents) >= 20


# --------------------------------------------------------------------------- calibration
def test_erlang_helper_matches_published_example(calibrate):
    # 100 calls in 30 min, AHT 180 s (10 Erlangs), 80 % in 20 s: 14 agents (SL 0.888);
    # 90 %: 15 (pyworkforce docs and CRAN ErlangC, /work/shared/data/erlang_c_reference).
    agents = calibrate.erlang_c_agents(np.array([10.0, 10.0, 0.0]), 180.0, 20, 0.8, 1.0)
    assert agents.tolist() == [14, 14, 0]
    assert calibrate.erlang_c_agents(np.array([10.0]), 180.0, 20, 0.9, 1.0).tolist() == [15]
    assert calibrate.erlang_c_agents(np.array([10.0]), 180.0, 20, 0.8, 0.7).tolist() == [15]


def test_headcount_covers_a_normal_week_but_not_double11(calibrate, generate):
    model = generate.express_model()
    normal = calibrate.calibrate(WEEK, model, actual=False)
    ratio = normal["capacity"]["paid_hours"].sum() / normal["need"]["paid_hours"].sum()
    assert 1.05 <= ratio <= 1.15
    promo = calibrate.calibrate(DOUBLE11, model, actual=False)
    ratio = promo["capacity"]["paid_hours"].sum() / promo["need"]["paid_hours"].sum()
    assert ratio < 0.92
