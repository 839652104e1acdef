"""One replication's outcome: conservation, routing policies, break policy, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from staffing.errors import ConfigError
from staffing.simulate import SimulationOptions, interval_counts, run_one, simulate

from .conftest import build_case

VOICE = {"channel": "voice", "service_level": 0.8, "answer_within_seconds": 20}


def _mixed(shrinkage=0.3):
    """Voice with patience, chat at concurrency 2, email; agents with breaks and lunches."""
    queues = [{"id": "voice", **VOICE, "patience_seconds": 120},
              {"id": "chat", "channel": "chat", "service_level": 0.8,
               "answer_within_seconds": 30, "concurrency": 2, "concurrency_slowdown": 0.2},
              {"id": "email", "channel": "email", "response_within_hours": 4}]
    day = [(7, 9, "{q}"), (9, 9.25, "break"), (9.25, 11, "{q}"), (11, 11.5, "lunch"),
           (11.5, 15.5, "{q}")]
    agents = []
    for i, (q, skills) in enumerate([("voice", "voice:1;chat:2"), ("voice", "voice:1"),
                                     ("chat", "chat:1;voice:2"), ("chat", "chat:1;email:2"),
                                     ("chat", "chat:1"), ("email", "email:1;voice:3")] * 2):
        shift = i % 2 * 0.5
        agents.append((f"A{i}", skills, [(s + shift, e + shift, a.format(q=q))
                                          for s, e, a in day]))
    hours = np.arange(96) / 4
    open_ = ((hours >= 7) & (hours < 16)).astype(float)
    return build_case(queues, agents, shrinkage=shrinkage,
                      volume={"voice": 14 * open_, "chat": 30 * open_, "email": 6 * open_},
                      aht_seconds={"voice": 240, "chat": 300, "email": 420})


def _activity_at(inp, outcome, agent, t):
    ptr = outcome.segment_ptr
    lo, hi = ptr[agent], ptr[agent + 1]
    j = lo + np.searchsorted(outcome.segment_start_seconds[lo:hi], t, side="right") - 1
    return outcome.segment_activity[j]


@pytest.mark.parametrize("absence", ["shift", "interval"])
@pytest.mark.parametrize("routing", ["as-rostered", "overflow", "skill-priority"])
def test_every_contact_is_answered_abandoned_or_still_waiting(routing, absence):
    inp = _mixed()
    out = run_one(inp, SimulationOptions(routing=routing, absence=absence),
                  np.random.SeedSequence(11))
    size = out.arrival_seconds.size
    assert size > 1000
    assert set(np.unique(out.status)) <= {0, 1, 2}
    answered, abandoned, waiting = (out.status == k for k in (1, 2, 0))
    assert answered.sum() + abandoned.sum() + waiting.sum() == size
    assert (out.leave_seconds[answered | abandoned] >= out.arrival_seconds[answered | abandoned]).all()
    assert np.isnan(out.leave_seconds[waiting]).all()
    assert (out.agent[answered] >= 0).all() and (out.agent[~answered] == -1).all()
    assert (out.end_seconds[answered & ~np.isnan(out.end_seconds)]
            >= out.leave_seconds[answered & ~np.isnan(out.end_seconds)]).all()
    counts = interval_counts(inp, out)
    assert counts["contacts"].sum() == size
    assert counts["answered"].sum() + counts["abandoned"].sum() + waiting.sum() == size
    assert counts["backlog"][:, -1].sum() == waiting.sum()
    # Only voice has patience.
    assert (out.queue[abandoned] == inp.queue_ids.index("voice")).all()


def _waiting_at(out, queue, t):
    left = np.where(out.status > 0, out.leave_seconds, np.inf)
    return ((out.queue == queue) & (out.arrival_seconds < t) & (left > t)).any()


def test_as_rostered_serves_only_the_activity_queue():
    inp = _mixed()
    out = run_one(inp, SimulationOptions(routing="as-rostered"), np.random.SeedSequence(3))
    for c in np.flatnonzero(out.status == 1):
        assert _activity_at(inp, out, out.agent[c], out.leave_seconds[c]) == out.queue[c]


def test_overflow_serves_other_skills_only_when_its_own_queue_is_empty():
    inp = _mixed()
    out = run_one(inp, SimulationOptions(routing="overflow"), np.random.SeedSequence(3))
    others = 0
    for c in np.flatnonzero(out.status == 1):
        a, t, q = out.agent[c], out.leave_seconds[c], out.queue[c]
        own = _activity_at(inp, out, a, t)
        if own != q:
            others += 1
            assert inp.skill_priority[a, q] > 0
            assert not _waiting_at(out, own, t)
    assert others > 50


def test_skill_priority_takes_the_best_skill_first():
    inp = _mixed()
    out = run_one(inp, SimulationOptions(routing="skill-priority"), np.random.SeedSequence(3))
    for c in np.flatnonzero(out.status == 1):
        a, t, q = out.agent[c], out.leave_seconds[c], out.queue[c]
        assert inp.skill_priority[a, q] > 0
        better = np.flatnonzero((inp.skill_priority[a] > 0)
                                & (inp.skill_priority[a] < inp.skill_priority[a, q]))
        assert not any(_waiting_at(out, b, t) for b in better)


def _one_agent_with_a_break():
    # One agent, always a queue: voice 0-1 h, break 1-1.25 h, voice 1.25-3 h.
    return build_case([{"id": "voice", **VOICE}],
                      [("A0", "voice", [(0, 1, "voice"), (1, 1.25, "break"),
                                        (1.25, 3, "voice")])],
                      volume={"voice": 20.0}, aht_seconds={"voice": 600.0})


@pytest.mark.parametrize("policy", ["full", "shortened"])
def test_break_policy(policy):
    inp = _one_agent_with_a_break()
    for seed in range(5):
        out = run_one(inp, SimulationOptions(break_policy=policy, absence="none"),
                      np.random.SeedSequence(seed))
        served = out.status == 1
        in_hand = np.flatnonzero(served & (out.leave_seconds < 3600)
                                 & (out.end_seconds > 3600))
        assert in_hand.size == 1                     # the call in hand is finished, not cut
        finish = out.end_seconds[in_hand[0]]
        after = out.leave_seconds[served & (out.leave_seconds > 3600)].min()
        expected = finish + 900 if policy == "full" else max(finish, 4500)
        assert after == pytest.approx(expected)


def test_a_seed_gives_one_outcome_whatever_the_process_count():
    inp = _mixed()
    one = simulate(inp, replications=4, seed=7, processes=1, routing="overflow")
    two = simulate(inp, replications=4, seed=7, processes=2, routing="overflow")
    for name, values in one.counts.items():
        assert np.array_equal(values, two.counts[name]), name
    other = simulate(inp, replications=4, seed=8, processes=1, routing="overflow")
    assert not np.array_equal(one.counts["within"], other.counts["within"])
    # Replication r is child r: the first two of four are the two of two.
    first = simulate(inp, replications=2, seed=7, processes=1, routing="overflow")
    assert np.array_equal(first.counts["within"], one.counts["within"][:2])


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="^routing must be one of as-rostered, overflow, "
                                          "skill-priority, got 'fifo'$"):
        SimulationOptions(routing="fifo")


@pytest.mark.parametrize("absence", ["shift", "interval"])
def test_absence_removes_the_shrinkage_share_of_rostered_time(absence):
    # 20 agents, two 4-hour shifts each around a break, shrinkage 0.3: 70 % present on average.
    agents = [(f"A{i}", "voice", [(8, 10, "voice"), (10, 10.25, "break"), (10.25, 12, "voice"),
                                  (32, 36, "voice")]) for i in range(20)]
    inp = build_case([{"id": "voice", **VOICE}], agents, days=2, shrinkage=0.3,
                     volume={"voice": 0.0}, aht_seconds={"voice": 60.0})
    rostered = 20 * 7.75 * 3600
    present = [run_one(inp, SimulationOptions(absence=absence),
                       np.random.SeedSequence(s)).present_seconds.sum() for s in range(40)]
    assert np.mean(present) / rostered == pytest.approx(0.7, abs=0.03)
    if absence == "interval":          # pieces of 15 min: far less spread than whole shifts
        assert np.std(present) / rostered < 0.03


def test_warm_start_hands_the_horizon_a_queue_and_counts_only_the_horizon():
    # Email: 4 messages an interval all day (384, 38,400 s of work), one agent 8-16 h
    # (28,800 s): about 96 messages a day are left for the next.
    queue = {"id": "email", "channel": "email", "response_within_hours": 24}
    inp = build_case([queue], [("A0", "email", [(8, 16, "email")])],
                     volume={"email": 4.0}, aht_seconds={"email": 100.0})
    cold = run_one(inp, SimulationOptions(absence="none"), np.random.SeedSequence(1))
    warm = run_one(inp, SimulationOptions(absence="none", warm_start=True),
                   np.random.SeedSequence(1))
    cold_counts, warm_counts = interval_counts(inp, cold), interval_counts(inp, warm)
    assert (warm.arrival_seconds < 0).sum() > 300
    assert warm_counts["contacts"].sum() == (warm.arrival_seconds >= 0).sum()
    # At 8 h the cold start has the night's mail waiting (128); the warm one also what the
    # day before left (about 96).
    assert warm_counts["backlog"][0, 31] > cold_counts["backlog"][0, 31] + 50
    assert warm_counts["backlog"][0, -1] == (warm.status == 0).sum()
    assert (warm.agent[(warm.status == 1) & (warm.leave_seconds >= 0)] == 0).all()
