"""Chat concurrency model: reduces to Erlang C, matches a brute-force chain, staffs minimally."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import staffing.erlang as E
from staffing.errors import DataError

SETTINGS = settings(max_examples=50, deadline=None)


def brute_force(a, n, k, s, aht, t):
    """P(wait), SL(t), slot occupancy of the balanced chain, state by state (floats)."""
    full = 1 + s * (k - 1)

    def g(m):
        return m * full / (1 + s * (m - 1)) if m > 0 else 0.0

    def rate(sessions):
        base, extra = divmod(sessions, n)
        return extra * g(base + 1) + (n - extra) * g(base)

    slots = n * k
    terms = [1.0]
    for sessions in range(1, slots + 1):
        terms.append(terms[-1] * a / rate(sessions))
    tail = terms[-1] / (1 - a / slots)
    total = sum(terms[:-1]) + tail
    pw = tail / total
    busy = (sum(i * v for i, v in enumerate(terms[:-1])) + slots * tail) / total
    return pw, 1 - pw * np.exp(-(slots - a) * t / aht), busy / slots


@pytest.mark.parametrize("a, n, k, s", [(10, 5, 3, 0.3), (25, 12, 3, 0.5), (4, 3, 2, 1.0),
                                        (60, 30, 4, 0.2), (1.5, 1, 3, 0.25)])
def test_matches_the_chain_summed_state_by_state(a, n, k, s):
    m = E.chat_performance(a, n, 400, concurrency=k, concurrency_slowdown=s,
                           answer_within_seconds=30)
    pw, sl, occ = brute_force(a, n, k, s, 400, 30)
    assert float(m.prob_wait) == pytest.approx(pw, rel=1e-12)
    assert float(m.service_level) == pytest.approx(sl, rel=1e-12)
    assert float(m.occupancy) == pytest.approx(occ, rel=1e-12)


@SETTINGS
@given(a=st.floats(0.05, 200), n=st.integers(1, 80), k=st.integers(1, 6),
       t=st.floats(0, 120), patience=st.one_of(st.none(), st.floats(10, 600)))
def test_no_slowdown_is_erlang_with_agents_times_concurrency(a, n, k, t, patience):
    chat = E.chat_performance(a, n, 300, concurrency=k, concurrency_slowdown=0.0,
                              answer_within_seconds=t, patience_seconds=patience)
    slots = E.performance(a, n * k, 300, answer_within_seconds=t, patience_seconds=patience)
    for field in ("prob_wait", "service_level", "asa_seconds", "abandon_rate", "occupancy"):
        ours, theirs = float(getattr(chat, field)), float(getattr(slots, field))
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-14) or ours == theirs, field


@SETTINGS
@given(a=st.floats(0.5, 100), k=st.integers(2, 5), t=st.floats(0, 120))
def test_slowdown_speeds_up_lightly_loaded_agents(a, k, t):
    n = int(np.floor(a / k)) + 2
    sl = [float(E.chat_performance(a, n, 300, concurrency=k, concurrency_slowdown=s,
                                   answer_within_seconds=t).service_level)
          for s in (0.0, 0.2, 0.5, 1.0)]
    # aht is the session length at full concurrency: a slowdown makes lightly loaded
    # agents faster, so the service level can only improve as s grows.
    assert all(later >= earlier - 1e-12 for earlier, later in zip(sl, sl[1:], strict=False))


@SETTINGS
@given(a=st.floats(0.05, 150), k=st.integers(1, 5), s=st.floats(0, 1), target=st.floats(0.5, 0.95),
       t=st.floats(5, 120))
def test_required_chat_agents_are_the_fewest(a, k, s, target, t):
    n = int(E.required_agents(a, 400, service_level=target, answer_within_seconds=t,
                              concurrency=k, concurrency_slowdown=s))
    m = E.chat_performance(a, [n, max(n - 1, 0)], 400, concurrency=k, concurrency_slowdown=s,
                           answer_within_seconds=t)
    assert m.service_level[0] >= target * (1 - 1e-9)
    assert n * k > a
    assert n == 1 or (n - 1) * k <= a or m.service_level[1] < target


def test_session_length_by_concurrency():
    lengths = E.session_aht_seconds(600, [1, 2, 3], concurrency=3, concurrency_slowdown=0.25)
    np.testing.assert_allclose(lengths, [400, 500, 600])


def test_fractional_agents_are_refused():
    with pytest.raises(DataError, match=r"^agents must be whole numbers for the chat model, "
                                        r"got 2.5$"):
        E.chat_performance(5, 2.5, 300, concurrency=2)
