"""The compiled Erlang C search (staffing.erlang._compiled): exactness, both runs, errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import staffing.erlang as E
from staffing.erlang import _compiled
from staffing.errors import DataError
from tests import mp_reference as ref


def _goals(rng, size):
    """Targets per interval, each set or not (NaN), at least one of SL and ASA mostly."""
    sl = np.where(rng.random(size) < 0.7, rng.uniform(0.5, 0.99, size), np.nan)
    t = np.where(np.isnan(sl), np.nan, rng.uniform(0, 120, size))
    asa = np.where(rng.random(size) < 0.5, rng.uniform(1, 120, size), np.nan)
    occ = np.where(rng.random(size) < 0.5, rng.uniform(0.5, 1.0, size), np.nan)
    return np.ascontiguousarray(np.stack([sl, t, asa, occ]))


def test_compiled_and_python_runs_are_the_same_code_and_agree():
    # One implementation, run compiled for large inputs and as Python for small ones: the
    # answers must be the same integers, for loads on both sides of the recurrence's start
    # (A - 10 sqrt(A) > 0 from 100 Erlangs) and without any traffic.
    rng = np.random.default_rng(5)
    size = 400
    a = np.exp(rng.uniform(np.log(0.01), np.log(3000), size))
    a[::37] = 0.0
    aht = rng.uniform(30, 900, size)
    goals = _goals(rng, size)
    compiled = _compiled.kernel(_compiled.erlang_c_required, size)
    assert compiled is not _compiled.erlang_c_required
    assert compiled.py_func is _compiled.erlang_c_required
    out_c, out_p = np.empty(size, np.int64), np.empty(size, np.int64)
    assert compiled(a, aht, goals, out_c) == -1
    with np.errstate(over="ignore"):        # as run_erlang_c_required runs it
        assert _compiled.erlang_c_required(a, aht, goals, out_p) == -1
    np.testing.assert_array_equal(out_c, out_p)
    assert (out_c[a == 0] == 0).all() and (out_c[a > 0] > a[a > 0]).all()


@pytest.mark.parametrize("a", [0.05, 3.7, 99.5, 100.5, 1234.5, 9999.5])
def test_a_target_set_at_the_exact_value_is_met_by_that_count(a):
    # Targets equal to the 50-digit service level and ASA of n agents: n is the answer, to
    # within the 1e-9 tolerance, on both sides of where the recurrence starts above 0
    # (A - 10 sqrt(A) >= 1 from 100 Erlangs), scalar (run as Python) and in a batch
    # (compiled).
    n = int(np.ceil(a + 1.3 * np.sqrt(a))) + 1
    _, _, sl, asa, _ = ref.erlang_c_metrics(a, n, 240, 20)
    sl, asa = float(sl), float(asa)
    assert int(E.required_agents(a, 240, service_level=sl, answer_within_seconds=20)) == n
    assert int(E.required_agents(a, 240, asa_seconds=asa)) == n
    batch = E.required_agents(np.full(20, a), 240, service_level=sl, answer_within_seconds=20)
    assert (batch == n).all()
    batch = E.required_agents(np.full(20, a), 240, asa_seconds=asa)
    assert (batch == n).all()


def test_small_inputs_never_import_numba():
    # A command asking for one interval (the calculator) must not pay numba's import; a
    # week of intervals runs compiled.
    code = textwrap.dedent("""
        import sys
        import numpy as np
        from staffing.erlang import required_agents
        required_agents(12.5, 180, service_level=0.8, answer_within_seconds=20)
        print("numba" in sys.modules)
        required_agents(np.full(672, 12.5), 180, service_level=0.8, answer_within_seconds=20)
        print("numba" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "True"]


def test_bad_inputs_are_named_in_a_large_batch_too():
    a = np.full(100, 5.0)
    aht = np.full(100, 180.0)
    aht[60] = np.nan
    with pytest.raises(DataError, match=r"^aht_seconds must be finite numbers > 0, got nan$"):
        E.required_agents(a, aht, service_level=0.8, answer_within_seconds=20)
    a[70] = -2.0
    with pytest.raises(DataError, match=r"^traffic_erlangs must be finite numbers >= 0, got -2$"):
        E.required_agents(a, aht, service_level=0.8, answer_within_seconds=20)


@pytest.mark.parametrize("size", [1, 50])
def test_more_than_ten_million_agents_is_refused(size):
    with pytest.raises(DataError, match="required agents exceed 10,000,000"):
        E.required_agents(np.full(size, 2e7), 180, service_level=0.8, answer_within_seconds=20)
    # The walk crossing the limit (the floor is below it) is refused too.
    with pytest.raises(DataError, match="required agents exceed 10,000,000"):
        E.required_agents(np.full(size, 9_999_999.5), 180, service_level=0.8,
                          answer_within_seconds=20)


def test_targets_per_interval_broadcast_like_the_traffic():
    a = np.array([[5.0, 50.0, 500.0], [6.0, 60.0, 600.0]])
    sl = np.array([0.8, 0.9, 0.95])
    together = E.required_agents(a, 180, service_level=sl, answer_within_seconds=20,
                                 max_occupancy=[[0.85], [0.9]])
    assert together.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            alone = E.required_agents(a[i, j], 180, service_level=sl[j],
                                      answer_within_seconds=20,
                                      max_occupancy=[0.85, 0.9][i])
            assert together[i, j] == alone
