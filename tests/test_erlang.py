"""Erlang B, C and A: golden values, high-precision grids, invariants and errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import staffing.erlang as E
from staffing.errors import ConfigError, DataError
from tests import mp_reference as ref
from tests.conftest import DATA

HYPOTHESIS = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
REFERENCE = pd.read_csv(DATA / "erlang_c_reference_cases.csv", dtype={"case_id": str})
GRID_C = pd.read_csv(DATA / "erlang_c_mpmath_grid.csv")
GRID_A = pd.read_csv(DATA / "erlang_a_mpmath_grid.csv")
RTOL = 1e-9


# ------------------------------------------------------------------- published reference cases
def _mmc(a: float, c: int, metric: str, hours_per_service: float) -> float:
    """Textbook M/M/c quantities (times in the unit of the service time)."""
    b = float(E.erlang_b(a, c))
    pw = float(E.erlang_c(a, c))
    wq = float(E.average_speed_of_answer(a, c, hours_per_service))
    lam = a / hours_per_service
    if metric == "mmc_P0":   # P(N=0) = P(N<=c) / sum_{k<=c} A^k/k!, and B = (A^c/c!) / that sum
        below = (1 - pw) / (1 - b)
        return below * b * np.prod(np.arange(1, c + 1)) / a ** c
    return {"mmc_Wq": wq, "mmc_Lq": lam * wq, "mmc_W": wq + hours_per_service,
            "mmc_L": lam * (wq + hours_per_service)}[metric]


def _compute(row: pd.Series) -> float:
    metric = row["metric"]
    if row["model"] == "ErlangC" and metric.startswith("mmc_"):
        mu = 3.0  # lambda = 2/h, mu = 3/h: service time 1/3 h
        return _mmc(row["arrival_rate"] / mu, int(row["agents"]), metric, 1 / mu)
    if metric == "offered_load_erlangs":
        if pd.isna(row["calls_per_interval"]):
            return float(row["offered_load_erlangs"])
        return row["calls_per_interval"] * row["aht_s"] / row["interval_s"]
    a = (row["calls_per_interval"] * row["aht_s"] / row["interval_s"]
         if not pd.isna(row["calls_per_interval"]) else row["offered_load_erlangs"])
    aht = row["aht_s"] if not pd.isna(row["aht_s"]) else 180.0
    t = row["target_answer_time_s"]
    patience = 300.0 if row["model"] == "ErlangA" else None   # "mean patience 5 min"
    if metric == "agents_required":
        kind = row["goal_kind"]
        if kind == "service_level":
            return float(E.required_agents(a, aht, service_level=row["goal"],
                                           answer_within_seconds=t))
        assert kind == "asa_max_s"
        return float(E.required_agents(a, aht, asa_seconds=row["goal"]))
    m = E.performance(a, row["agents"], aht, answer_within_seconds=0 if pd.isna(t) else t,
                      patience_seconds=patience)
    return float({
        "prob_wait": m.prob_wait, "service_level": m.service_level, "asa_s": m.asa_seconds,
        "occupancy": m.occupancy, "prob_immediate_answer": 1 - m.prob_wait,
        "abandonment_probability": m.abandon_rate,
        # pyworkforce's Erlang A "asa" is the mean wait of all callers, in minutes.
        "asa_min": m.mean_wait_seconds / 60,
    }[metric])


def _corrected(row: pd.Series) -> float:
    """The correct value a SOURCE_ERROR row names in its status."""
    status = row["status"]
    if row["metric"] == "mmc_P0":
        return float(re.search(r"is (\d\.\d+)", status).group(1))
    values = dict(re.findall(r"(\w+)=([\d.]+)", status))
    key = {"prob_wait": "Pw", "asa_s": "ASA", "service_level": "SL"}[row["metric"]]
    return float(values[key])


VERIFIED = REFERENCE[~REFERENCE["status"].str.startswith("SOURCE_ERROR")]
WRONG = REFERENCE[REFERENCE["status"].str.startswith("SOURCE_ERROR")]


def test_reference_file_has_the_four_known_source_errors():
    assert sorted(WRONG["case_id"]) == ["G1", "G2", "G3", "T4P0"]
    assert len(REFERENCE) == 53


@pytest.mark.parametrize("case_id", list(VERIFIED["case_id"]))
def test_published_values(case_id):
    row = VERIFIED.set_index("case_id").loc[case_id]
    value = _compute(row)
    assert value == pytest.approx(row["published_value"], abs=row["tolerance"] * 1.0001)


@pytest.mark.parametrize("case_id", list(WRONG["case_id"]))
def test_known_wrong_published_values_are_not_reproduced(case_id):
    row = WRONG.set_index("case_id").loc[case_id]
    value = _compute(row)
    assert abs(value - row["published_value"]) > 5 * row["tolerance"]
    assert value == pytest.approx(_corrected(row), rel=5e-7)


def test_textbook_example_two_servers_exactly():
    # lambda = 2/h, mu = 3/h, c = 2: P0 = 1/2, Lq = 1/12, Wq = 1/24 h.
    assert _mmc(2 / 3, 2, "mmc_P0", 1 / 3) == pytest.approx(0.5, rel=1e-14)
    assert _mmc(2 / 3, 2, "mmc_Lq", 1 / 3) == pytest.approx(1 / 12, rel=1e-14)
    assert _mmc(2 / 3, 2, "mmc_Wq", 1 / 3) == pytest.approx(1 / 24, rel=1e-14)


# --------------------------------------------------------------------------- mpmath grids
def _relative_errors(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    representable = np.abs(theirs) > 1e-300
    assert np.all(np.abs(ours[~representable]) < 1e-290)   # underflows, never garbage
    return np.abs(ours[representable] / theirs[representable] - 1.0)


def test_erlang_c_grid_matches_mpmath_to_1e9():
    g = GRID_C
    assert g["traffic_erlangs"].max() == 10_000 and g["agents"].max() >= 10_500
    a, n = g["traffic_erlangs"].to_numpy(), g["agents"].to_numpy()
    m = E.performance(a, n, g["aht_seconds"].to_numpy(),
                      answer_within_seconds=g["answer_within_seconds"].to_numpy())
    worst = {}
    for column, ours in (("erlang_b", E.erlang_b(a, n)), ("erlang_c", E.erlang_c(a, n)),
                         ("service_level", m.service_level), ("asa_seconds", m.asa_seconds),
                         ("occupancy", m.occupancy)):
        worst[column] = _relative_errors(ours, g[column].to_numpy()).max()
    assert max(worst.values()) <= RTOL, worst


def test_erlang_a_grid_matches_mpmath_to_1e9():
    g = GRID_A
    kw = dict(answer_within_seconds=g["answer_within_seconds"].to_numpy(),
              patience_seconds=g["patience_seconds"].to_numpy())
    args = (g["traffic_erlangs"].to_numpy(), g["agents"].to_numpy(), g["aht_seconds"].to_numpy())
    m = E.performance(*args, **kw)
    answered = E.service_level(*args, definition="answered", **kw)
    short = E.service_level(*args, definition="exclude_short_abandons", **kw)
    ab = g["abandon_rate"].to_numpy()
    sl = g["sl_offered"].to_numpy()
    abandoned_within = g["wait_within"].to_numpy() - sl
    worst = {}
    for column, ours, theirs in (
            ("prob_wait", m.prob_wait, g["prob_wait"].to_numpy()),
            ("abandon_rate", m.abandon_rate, ab),
            ("sl_offered", m.service_level, sl),
            ("sl_answered", answered, sl / (1 - ab)),
            ("sl_exclude_short", short, sl / (1 - abandoned_within)),
            ("asa_answered", m.asa_seconds, g["asa_answered"].to_numpy()),
            ("mean_wait", m.mean_wait_seconds, g["mean_wait"].to_numpy())):
        worst[column] = _relative_errors(ours, theirs).max()
    assert max(worst.values()) <= RTOL, worst


def test_a_few_grid_points_recomputed_live():
    # Guards the committed grid files against drift from tests/mp_reference.py.
    row = GRID_C[(GRID_C["traffic_erlangs"] == 100) & (GRID_C["agents"] == 110)].iloc[0]
    b, c, sl, asa, _ = ref.erlang_c_metrics(100, 110, row["aht_seconds"],
                                            row["answer_within_seconds"])
    assert float(c) == pytest.approx(row["erlang_c"], rel=1e-15)
    assert float(sl) == pytest.approx(row["service_level"], rel=1e-15)
    row = GRID_A[(GRID_A["traffic_erlangs"] == 5) & (GRID_A["agents"] == 6)].iloc[0]
    live = ref.erlang_a_metrics(5, 6, row["aht_seconds"], row["patience_seconds"],
                                row["answer_within_seconds"])
    for key in ("prob_wait", "abandon_rate", "sl_offered", "asa_answered"):
        assert float(live[key]) == pytest.approx(row[key], rel=1e-15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_random_large_points_against_mpmath(seed):
    rng = np.random.default_rng(seed)
    a = float(rng.uniform(100, 10_000))
    n = int(np.ceil(a + rng.uniform(0.2, 4) * np.sqrt(a)))
    b, c, sl, asa, _ = ref.erlang_c_metrics(a, n, 240, 30)
    m = E.performance(a, n, 240, answer_within_seconds=30)
    assert float(E.erlang_b(a, n)) == pytest.approx(float(b), rel=RTOL)
    assert float(m.prob_wait) == pytest.approx(float(c), rel=RTOL)
    assert float(m.service_level) == pytest.approx(float(sl), rel=RTOL)
    assert float(m.asa_seconds) == pytest.approx(float(asa), rel=RTOL)
    aa = float(rng.uniform(5, 60))
    na = int(max(1, round(aa * rng.uniform(0.7, 1.3))))
    live = ref.erlang_a_metrics(aa, na, 200, float(rng.uniform(20, 400)), 20)
    ma = E.performance(aa, na, 200, answer_within_seconds=20,
                       patience_seconds=float(live["mean_wait"] / live["abandon_rate"]))
    assert float(ma.abandon_rate) == pytest.approx(float(live["abandon_rate"]), rel=1e-8)
    assert float(ma.service_level) == pytest.approx(float(live["sl_offered"]), rel=1e-8)


# ------------------------------------------------------------------------------- invariants
traffic = st.floats(0.05, 2000)
aht = st.floats(30, 900)


@HYPOTHESIS
@given(a=traffic, extra=st.floats(0.01, 60), h=aht, t=st.floats(0, 120))
def test_service_level_rises_with_agents(a, extra, h, t):
    n = np.floor(a) + 1 + np.floor(extra) + np.arange(6)
    sl = E.service_level(a, n, h, t)
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all((sl >= 0) & (sl <= 1))


@HYPOTHESIS
@given(a=st.floats(0.05, 300), n0=st.integers(1, 300), h=aht, t=st.floats(0, 120),
       patience=st.floats(5, 2000))
def test_erlang_a_service_level_rises_and_abandonment_falls_with_agents(a, n0, h, t, patience):
    n = n0 + np.arange(5)
    m = E.performance(a, n, h, answer_within_seconds=t, patience_seconds=patience)
    assert np.all(np.diff(m.service_level) >= -1e-12)
    assert np.all(np.diff(m.abandon_rate) <= 1e-12)
    assert np.all(np.diff(m.asa_seconds) <= 1e-9 * np.maximum(m.asa_seconds[:-1], 1))
    assert np.all(m.abandon_rate <= m.prob_wait + 1e-15)
    answered = E.service_level(a, n, h, t, patience_seconds=patience, definition="answered")
    assert np.all(answered >= m.service_level - 1e-15)


@HYPOTHESIS
@given(a=st.floats(0.01, 5000), h=aht, target=st.floats(0.05, 0.99), t=st.floats(0, 120))
def test_required_agents_exceed_traffic_and_are_the_fewest(a, h, target, t):
    n = int(E.required_agents(a, h, service_level=target, answer_within_seconds=t))
    assert n > a
    assert E.service_level(a, n, h, t) >= target * (1 - 1e-9)
    assert n - 1 <= a or E.service_level(a, n - 1, h, t) < target


@HYPOTHESIS
@given(a=st.floats(0.01, 500), h=aht, asa=st.floats(1, 300), occ=st.floats(0.5, 1.0),
       patience=st.one_of(st.none(), st.floats(10, 1000)))
def test_required_agents_meet_asa_and_occupancy(a, h, asa, occ, patience):
    n = int(E.required_agents(a, h, asa_seconds=asa, max_occupancy=occ,
                              patience_seconds=patience))
    m = E.performance(a, [n, n - 1], h, patience_seconds=patience)
    assert m.asa_seconds[0] <= asa * (1 + 1e-9) and m.occupancy[0] <= occ * (1 + 1e-9)
    assert n == 1 or m.asa_seconds[1] > asa or m.occupancy[1] > occ or \
        (patience is None and n - 1 <= a)


@HYPOTHESIS
@given(a=st.floats(0.05, 500), extra=st.floats(0.01, 40), h=aht, t=st.floats(0, 120))
def test_erlang_a_with_infinite_patience_is_erlang_c(a, extra, h, t):
    n = np.floor(a) + 1 + np.floor(extra) + np.arange(3)
    c = E.performance(a, n, h, answer_within_seconds=t)
    inf = E.performance(a, n, h, answer_within_seconds=t, patience_seconds=np.inf)
    for field in ("prob_wait", "service_level", "asa_seconds", "occupancy"):
        np.testing.assert_array_equal(getattr(inf, field), getattr(c, field))
    np.testing.assert_array_equal(inf.abandon_rate, 0.0)


@pytest.mark.parametrize("a, n", [(10, 14), (48, 55), (250, 266), (2.5, 4), (900, 950)])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(a, n):
    # The gap is first order in 1/patience (about theta E[W^2] / E[W] for the ASA): ten times
    # smaller per decade of patience, down to a few parts per million.
    c = E.performance(a, n, 180, answer_within_seconds=20)
    gaps = []
    for patience in (1e3, 1e4, 1e5, 1e6, 1e7):
        m = E.performance(a, n, 180, answer_within_seconds=20, patience_seconds=patience)
        gaps.append(max(abs(m.prob_wait - c.prob_wait), abs(m.service_level - c.service_level),
                        abs(m.asa_seconds - c.asa_seconds) / c.asa_seconds))
        assert m.abandon_rate <= c.asa_seconds / patience * (1 + 1e-9)
    assert all(later < 0.2 * earlier for earlier, later in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] < 1e-4


@HYPOTHESIS
@given(a=st.floats(0.01, 3000), n=st.integers(1, 3500))
def test_erlang_b_recurrence_and_c_above_b(a, n):
    b1, b0 = E.erlang_b(a, n), E.erlang_b(a, n - 1)
    assume(b1 > 1e-290)  # below that B underflows, as it should
    assert 1 / b1 == pytest.approx(1 + (n / a) / b0, rel=1e-10)
    c = E.erlang_c(a, n)
    assert c >= b1 * (1 - 1e-12)
    assert 0 <= b1 <= 1 and 0 <= c <= 1


def test_vectorised_equals_one_by_one():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 400, 200)
    h = rng.uniform(60, 600, 200)
    together = E.required_agents(a, h, service_level=0.8, answer_within_seconds=20,
                                 asa_seconds=30, max_occupancy=0.9)
    alone = [int(E.required_agents(x, y, service_level=0.8, answer_within_seconds=20,
                                   asa_seconds=30, max_occupancy=0.9)) for x, y in zip(a, h)]
    assert together.tolist() == alone


def test_required_agents_are_the_fewest_across_loads_and_caps():
    # The compiled Erlang C walk (Erlang's recurrence from A - 10 sqrt(A), then up) checked
    # against the direct formulas at n and n - 1, from 0.01 to 10,000 Erlangs, including an
    # occupancy cap far above the answer (where R = 1/B - 1 overflows: no warning, C = 0).
    rng = np.random.default_rng(11)
    a = np.exp(rng.uniform(np.log(0.01), np.log(10_000), 3000))
    h = rng.uniform(30, 900, a.size)
    cases = [dict(service_level=0.8, answer_within_seconds=20),
             dict(service_level=0.99, answer_within_seconds=0, max_occupancy=0.5),
             dict(asa_seconds=5, max_occupancy=0.85)]
    for targets in cases:
        with np.errstate(all="raise"):
            n = E.required_agents(a, h, **targets)
        for count, must_meet in ((n, True), (n - 1, False)):
            m = E.performance(a, count, h,
                              answer_within_seconds=targets.get("answer_within_seconds", 0))
            meets = np.ones(a.size, dtype=bool)
            if "service_level" in targets:
                meets &= m.service_level >= targets["service_level"] * (1 - 1e-9)
            if "asa_seconds" in targets:
                meets &= m.asa_seconds <= targets["asa_seconds"] * (1 + 1e-9)
            if "max_occupancy" in targets:
                meets &= m.occupancy <= targets["max_occupancy"] * (1 + 1e-9)
            meets &= count > a
            assert meets.all() if must_meet else not meets.any(), targets


def test_stable_at_ten_thousand_erlangs():
    a = np.full(5, 10_000.0)
    n = np.array([10_001, 10_050, 10_100, 10_300, 10_500])
    m = E.performance(a, n, 180, answer_within_seconds=20, patience_seconds=300)
    assert np.all(np.isfinite(m.prob_wait)) and np.all(np.isfinite(m.asa_seconds))
    assert int(E.required_agents(10_000, 180, service_level=0.8, answer_within_seconds=20)) \
        == 10_013


def test_no_traffic_needs_no_agents_and_no_agents_serve_nobody():
    assert int(E.required_agents(0, 180, service_level=0.8, answer_within_seconds=20)) == 0
    m = E.performance([0, 5], [0, 0], 180, answer_within_seconds=20)
    assert m.service_level.tolist() == [1.0, 0.0]
    assert m.asa_seconds.tolist() == [0.0, np.inf]
    m = E.performance(5, 0, 180, answer_within_seconds=20, patience_seconds=60)
    assert (float(m.abandon_rate), float(m.service_level)) == (1.0, 0.0)


def test_overloaded_erlang_c_never_serves_in_time():
    m = E.performance(10, [9, 10], 180, answer_within_seconds=20)
    assert m.prob_wait.tolist() == [1.0, 1.0]
    assert m.service_level.tolist() == [0.0, 0.0]
    assert np.isinf(m.asa_seconds).all()


def test_scalars_in_scalars_out_and_shapes_broadcast():
    assert np.ndim(E.erlang_c(10, 14)) == 0
    assert E.erlang_c(np.ones((2, 3)) * 10, [12, 13, 14]).shape == (2, 3)


# ---------------------------------------------------------------------------------- errors
def test_negative_traffic_is_refused():
    with pytest.raises(DataError, match=r"^traffic_erlangs must be finite numbers >= 0, got -1$"):
        E.erlang_c(-1, 3)


def test_bad_handle_times_and_empty_input():
    for aht, shown in ((0, "0"), (-3, "-3"), (np.nan, "nan"), (np.inf, "inf")):
        with pytest.raises(DataError) as err:
            E.required_agents([5, 6], [180, aht], service_level=0.8, answer_within_seconds=20)
        assert str(err.value) == f"aht_seconds must be finite numbers > 0, got {shown}"
    with pytest.raises(DataError, match=r"^patience_seconds must be > 0, got 0$"):
        E.performance(5, 6, 180, patience_seconds=0)
    for kwargs in ({}, {"patience_seconds": 60}):
        none = E.required_agents(np.zeros(0), 180, service_level=0.8, answer_within_seconds=20,
                                 **kwargs)
        assert none.shape == (0,) and none.dtype.kind == "i"


def test_required_agents_needs_a_target():
    with pytest.raises(ConfigError) as err:
        E.required_agents(10, 180)
    assert str(err.value) == ("required_agents needs a target: service_level with "
                              "answer_within_seconds, asa_seconds, max_abandon_rate or "
                              "max_occupancy")


def test_service_level_target_range_and_pairing():
    with pytest.raises(ConfigError, match=r"^service_level must be > 0 and < 1, got 1.5$"):
        E.required_agents(10, 180, service_level=1.5, answer_within_seconds=20)
    with pytest.raises(ConfigError, match="service_level and answer_within_seconds go together"):
        E.required_agents(10, 180, service_level=0.8)
    with pytest.raises(ConfigError, match="max_abandon_rate needs patience_seconds"):
        E.required_agents(10, 180, max_abandon_rate=0.05)


def test_unknown_service_level_definition():
    with pytest.raises(ConfigError) as err:
        E.service_level(10, 12, 180, 20, patience_seconds=60, definition="handled")
    assert str(err.value) == ("service-level definition must be one of offered, answered, "
                              "exclude_short_abandons, got 'handled'")
