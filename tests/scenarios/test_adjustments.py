"""What-if adjustments: each shortcut alone, on hand-made inputs with known answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from staffing.config import DEFAULT_CONTRACTS, Adjustments, parse_config
from staffing.domain import Agent, Skill
from staffing.errors import ConfigError, DataError
from staffing.forecast.adjustments import adjust_forecast, effective_events
from staffing.solver.adjustments import adjust_agents, adjust_contracts
from staffing.timegrid import Horizon
from tests.conftest import MINIMAL_SCENARIO

TZ = "Europe/Berlin"
HORIZON = Horizon(dt.date(2026, 10, 19), 7, 60, TZ)


def config_with(extra: dict):
    data = yaml.safe_load(MINIMAL_SCENARIO)
    data.update(extra)
    return parse_config(data, source="what-if.yaml", base_dir=".")


def adjustments(**kw) -> Adjustments:
    return config_with({"adjustments": kw}).adjustments


def forecast_frame() -> pd.DataFrame:
    stamps = HORIZON.intervals()
    rows = [(q, t) for q in ("voice", "chat") for t in stamps]
    return pd.DataFrame({"queue": [r[0] for r in rows], "interval_start": [r[1] for r in rows],
                         "volume": 10.0, "volume_lower": 8.0, "volume_upper": 12.0,
                         "aht_seconds": 300.0})


def test_volume_change_on_a_queue_and_date_range():
    frame = forecast_frame()
    out = adjust_forecast(frame, adjustments(volume=[
        {"multiplier": 1.4},
        {"multiplier": 2.0, "queues": ["chat"], "start_date": "2026-10-21",
         "end_date": "2026-10-22"}]))
    dates = out["interval_start"].map(lambda t: t.date())
    doubled = (out["queue"] == "chat") & dates.between(dt.date(2026, 10, 21),
                                                       dt.date(2026, 10, 22))
    assert out.loc[doubled, "volume"].eq(28.0).all()
    assert out.loc[~doubled, "volume"].eq(14.0).all()
    assert out.loc[doubled, "volume_upper"].eq(12.0 * 2.8).all()
    assert doubled.sum() == 2 * 24
    assert frame["volume"].eq(10.0).all(), "the input frame must not change"


def test_aht_change_multiplies_then_adds_and_never_goes_below_one_second():
    out = adjust_forecast(forecast_frame(), adjustments(aht=[
        {"queues": ["voice"], "multiplier": 1.1, "add_seconds": 20},
        {"queues": ["chat"], "add_seconds": -1000}]))
    assert out.loc[out["queue"] == "voice", "aht_seconds"].eq(350.0).all()
    assert out.loc[out["queue"] == "chat", "aht_seconds"].eq(1.0).all()


def test_no_adjustments_is_the_identity():
    frame = forecast_frame()
    assert adjust_forecast(frame, Adjustments()) is frame


def test_events_move_and_add():
    config = config_with({
        "events": [{"name": "Double 11", "start_date": "2025-11-11", "ramp_days_before": 3},
                   {"name": "Double 11", "start_date": "2026-11-11", "end_date": "2026-11-12",
                    "ramp_days_before": 3}],
        "adjustments": {
            "move_events": [{"name": "Double 11", "year": 2026, "start_date": "2026-11-10"}],
            "add_events": [{"name": "Flash sale", "start_date": "2026-11-20",
                            "volume_multiplier": 1.3}]}})
    events = effective_events(config)
    assert [(e.name, e.start_date, e.last_date) for e in events] == [
        ("Double 11", dt.date(2025, 11, 11), dt.date(2025, 11, 11)),
        ("Double 11", dt.date(2026, 11, 10), dt.date(2026, 11, 11)),
        ("Flash sale", dt.date(2026, 11, 20), dt.date(2026, 11, 20))]
    assert events[1].ramp_days_before == 3


def agents() -> list[Agent]:
    return [Agent(f"A{i:02d}", f"Agent {i}", "full_time" if i % 2 else "part_time",
                  (Skill("voice"), Skill("chat", 2)) if i < 6 else (Skill("chat"),))
            for i in range(1, 11)]


def run_agents(**kw):
    return adjust_agents(agents(), adjustments(**kw), horizon=HORIZON,
                         contracts=DEFAULT_CONTRACTS, queue_ids=["voice", "chat"],
                         source="what-if.yaml")


def test_named_leave_blocks_the_days_and_prorates_minimum_hours():
    out = {a.agent_id: a for a in run_agents(leave=[
        {"agents": ["A01"], "start_date": "2026-10-20", "end_date": "2026-10-21"}])}
    window = out["A01"].unavailable[-1]
    assert window == (pd.Timestamp("2026-10-20", tz=TZ), pd.Timestamp("2026-10-22", tz=TZ))
    full_time = DEFAULT_CONTRACTS["full_time"]
    assert out["A01"].min_hours_per_week == pytest.approx(
        full_time.min_hours_per_week * (full_time.max_shifts_per_week - 2)
        / full_time.max_shifts_per_week)
    assert out["A02"].unavailable == () and out["A02"].min_hours_per_week is None


def test_counted_leave_picks_evenly_and_reproducibly():
    spec = [{"count": 3, "contract": "full_time", "queue": "voice",
             "start_date": "2026-10-19", "end_date": "2026-10-25"}]
    first = run_agents(leave=spec)
    on_leave = [a.agent_id for a in first if a.unavailable]
    assert on_leave == ["A01", "A03", "A05"]        # the full-timers with voice: A01, A03, A05
    assert [a.agent_id for a in run_agents(leave=spec) if a.unavailable] == on_leave
    assert all(a.min_hours_per_week == 0 for a in first if a.unavailable)


def test_leave_errors_name_the_key():
    with pytest.raises(DataError, match=r"what-if.yaml: adjustments.leave\[0\].agents: no "
                                        r"agent 'A99'"):
        run_agents(leave=[{"agents": ["A99"], "start_date": "2026-10-20",
                           "end_date": "2026-10-20"}])
    with pytest.raises(DataError, match=r"adjustments.leave\[0\].count: only 3 agents match"):
        run_agents(leave=[{"count": 4, "queue": "voice", "contract": "full_time",
                           "start_date": "2026-10-20", "end_date": "2026-10-20"}])


def test_hires_with_training_and_an_end_date():
    out = run_agents(hires=[{"count": 2, "id_prefix": "TMP", "contract": "part_time",
                             "skills": "chat:1;voice:2", "start_date": "2026-10-19",
                             "training_days": 2, "end_date": "2026-10-23"}])
    hires = [a for a in out if a.agent_id.startswith("TMP")]
    assert [a.agent_id for a in hires] == ["TMP001", "TMP002"]
    hire = hires[0]
    assert hire.queues == ("chat", "voice") and hire.contract == "part_time"
    assert hire.unavailable == (
        (pd.Timestamp("2026-10-19", tz=TZ), pd.Timestamp("2026-10-21", tz=TZ)),  # training
        (pd.Timestamp("2026-10-24", tz=TZ), pd.Timestamp("2026-10-26", tz=TZ)),  # after the end
    )
    assert len(out) == 12


def test_hire_id_clash_is_an_error():
    staff = [*agents(), Agent("NEW001", "Earlier hire", "full_time", (Skill("chat"),))]
    with pytest.raises(DataError, match=r"adjustments.hires\[0\].id_prefix: id 'NEW001' is "
                                        r"already taken"):
        adjust_agents(staff, adjustments(hires=[{"count": 1, "skills": "chat"}]),
                      horizon=HORIZON, contracts=DEFAULT_CONTRACTS,
                      queue_ids=["voice", "chat"])


def test_overtime_raises_every_weekly_maximum():
    out = adjust_contracts(DEFAULT_CONTRACTS, adjustments(overtime_hours_per_week=4))
    for name, contract in DEFAULT_CONTRACTS.items():
        assert out[name].max_hours_per_week == contract.max_hours_per_week + 4
        assert out[name].min_hours_per_week == contract.min_hours_per_week


@pytest.mark.parametrize(("extra", "message"), [
    ({"adjustments": {"volume": [{"multiplier": 1.2, "queues": ["chats"]}]}},
     "what-if.yaml: adjustments.volume[0].queues must name a queue of this scenario (voice, "
     "chat), got 'chats'; did you mean 'chat'?"),
    ({"adjustments": {"volume": [{"multiplier": 0}]}},
     "what-if.yaml: adjustments.volume[0].multiplier must be > 0, got 0"),
    ({"adjustments": {"leave": [{"agents": ["A1"], "count": 2, "start_date": "2026-10-20",
                                 "end_date": "2026-10-20"}]}},
     "what-if.yaml: adjustments.leave[0] give either agents (a list of ids) or count, not both "
     "and not neither"),
    ({"adjustments": {"move_events": [{"name": "Double 11", "year": 2026,
                                       "start_date": "2026-11-10"}]}},
     "what-if.yaml: adjustments.move_events[0] no event 'Double 11' starts in 2026; events "
     "are: none"),
    ({"adjustments": {"hires": [{"count": 1, "skills": "chat", "contract": "casual"}]}},
     "what-if.yaml: adjustments.hires[0].contract must name a contract (full_time, "
     "part_time), got 'casual'"),
    ({"adjustments": {"volumes": []}},
     "what-if.yaml: adjustments.volumes is not a known key; did you mean 'volume'?"),
])
def test_adjustment_validation(extra, message):
    with pytest.raises(ConfigError) as error:
        config_with(extra)
    assert message in str(error.value)
