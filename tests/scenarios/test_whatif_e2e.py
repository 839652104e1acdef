"""Compare and capacity end to end on the small fixture (real forecast, Erlang and CP-SAT)."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from tests.conftest import FIXTURES

import staffing
from staffing.cli import cli
from staffing.scenarios.capacity import find_capacity, misses
from staffing.scenarios.compare import compare

SMALL = FIXTURES / "small" / "scenario.yaml"


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    variant = folder / "plus40.yaml"
    variant.write_text(f"extends: {SMALL}\nadjustments:\n  volume:\n    - {{multiplier: 1.4}}\n",
                       encoding="utf-8")
    # Verification would raise both plans' requirements where the simulation finds them short,
    # which hides the formula's +40 % this test is about: simulated, but not verified.
    return [staffing.load_scenario(path).with_changes({"simulation": {"verify": False}})
            for path in (SMALL, variant)]


@pytest.fixture(scope="module")
def local(scenarios):
    return compare(scenarios, max_workers=2)


def test_compare_puts_the_variant_beside_the_base(local):
    assert local.names == ["scenario", "plus40"]
    totals = local.totals().set_index(["queue", "metric"])
    for queue in ("voice", "chat"):
        base, plus = totals.loc[(queue, "volume"), ["scenario", "plus40"]]
        assert plus == pytest.approx(1.4 * base, rel=1e-6)
        base, plus = totals.loc[(queue, "required_agent_hours"), ["scenario", "plus40"]]
        assert plus > base
    table = local.table()
    assert set(table["metric"]) == {"volume", "required_agent_hours", "scheduled_agent_hours",
                                    "service_level", "simulated_service_level", "asa_seconds",
                                    "abandon_rate",
                                    "understaffed_intervals", "paid_hours", "overtime_hours",
                                    "cost"}


def test_dask_cluster_gives_the_same_results(scenarios, local):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = compare(scenarios, executor=client.get_executor())
    pd.testing.assert_frame_equal(remote.table(), local.table())


def test_cli_compare_writes_tables_report_and_plans(scenarios, tmp_path):
    out = tmp_path / "compare"
    run = CliRunner().invoke(cli, ["compare", str(SMALL), str(scenarios[1].source),
                                    "--out", str(out), "--parallel", "1"])
    assert run.exit_code == 0, run.output
    for name in ("compare.csv", "compare_totals.csv", "report.html", "scenario/roster.csv",
                 "plus40/roster.csv"):
        assert (out / name).is_file(), name
    assert "plus40" in run.output and "service_level" in run.output


def test_compare_needs_a_variant():
    run = CliRunner().invoke(cli, ["compare", str(SMALL), "--out", "x"])
    assert run.exit_code == 1
    assert "compare needs a base and at least one variant" in run.output


def test_capacity_answer_meets_the_targets_when_applied(scenarios):
    base = scenarios[1]                  # +40 % volume: the fixture's agents fall short
    result = find_capacity(base, max_added=12)
    assert not result.points[0].meets and result.points[0].added == 0
    assert result.answer is not None and result.answer.meets
    # The answer is confirmed by a second plan with other seeds; one fewer either missed or
    # was not confirmed.
    confirming = [p for p in result.points if p.added == result.answer.added and p.seed]
    assert [p.seed for p in confirming] == [1] and confirming[0].meets
    fewer = [p for p in result.points if p.added == result.answer.added - 1]
    assert fewer and not all(p.meets for p in fewer)
    # Applying the answer and planning again meets every target.
    again = staffing.plan(base.with_changes(result.changes))
    assert misses(again.summary, again.scenario) == ()
