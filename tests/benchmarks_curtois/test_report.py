"""The report: the published 60-minute runs read from bounds_cited.csv, and the table's row
and verdict for a roster the evaluator checks."""

from __future__ import annotations

import pytest
from tests.benchmarks_curtois.curtois_helpers import HAND_ROSTER

from benchmarks.curtois.__main__ import instance_numbers, parser
from benchmarks.curtois.evaluate import evaluate
from benchmarks.curtois.reader import FormatError
from benchmarks.curtois.report import HEADER, checked, format_roster, read_published_runs, table_row
from benchmarks.curtois.search import Solution


def test_published_runs_keep_the_best_60_minute_run_per_instance(tmp_path):
    (tmp_path / "bounds_cited.csv").write_text(
        "instance,bound,value,method_or_author,source\n"
        "Instance13,UB,1348,Smet IP,site\n"
        "Instance13,UB(60min run),1905,IP&VNS hybrid,readme\n"
        "Instance13,UB(60min run),3037,Ejection chain,readme\n"
        "Instance14,UB(60min run),1280,Gurobi,readme\n"
        "Instance14,UB(60min run),1279,IP&VNS hybrid,readme\n", encoding="utf-8")
    assert read_published_runs(tmp_path) == {"Instance13": (1905, "IP&VNS hybrid"),
                                             "Instance14": (1279, "IP&VNS hybrid")}
    assert read_published_runs(tmp_path / "missing") == {}


def test_published_runs_name_the_line_and_field_of_a_bad_value(tmp_path):
    (tmp_path / "bounds_cited.csv").write_text(
        "instance,bound,value,method_or_author,source\n"
        "Instance13,UB(60min run),19o5,IP&VNS hybrid,readme\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bounds_cited.csv:2: field 'value' is '19o5'"):
        read_published_runs(tmp_path)


def solution(roster, objective, *, bound=float("-inf"), status="FEASIBLE"):
    return Solution("tiny", status, objective, bound, 2.04, 0.1, 1.55,
                    None if roster is None else tuple(tuple(row) for row in roster))


def test_checked_is_ok_only_for_a_roster_the_evaluator_accepts_at_the_same_objective(tiny):
    good = [
        [None] * 5 + ["E", "E", None, None, "L", "L"] + [None] * 3,
        ["L", "L", None, None, None, "E"] + [None] * 8,
    ]
    objective = evaluate(tiny, good).objective
    assert checked(tiny, solution(good, objective)) == "ok"
    assert checked(tiny, solution(good, objective + 1)) == \
        f"objective {objective} != {objective + 1}"
    assert checked(tiny, solution(None, None)) == "-"
    verdict = checked(tiny, solution(HAND_ROSTER, 39))
    assert verdict.startswith("10 violations: ")


def test_table_row_beside_the_best_known_and_published_results(tiny):
    sol = solution([[None] * 14] * 2, 1100, bound=990.2)
    assert table_row(tiny, sol, 60, "ok", (1000, 1050), (1080, "IP&VNS hybrid")) == (
        "| tiny | 14 x 2 x 2 | 60 | 1100 | ok | 990 | FEASIBLE | 1000 | 1050 | 4.8 % "
        "| 1080 (IP&VNS hybrid) | 0.1 / 1.6 / 2.0 |")
    none = Solution("tiny", "UNKNOWN", None, float("-inf"), 5.0, None, None, None)
    assert table_row(tiny, none, 300, "-", (None, None), None) == (
        "| tiny | 14 x 2 x 2 | 300 | - | - | - | UNKNOWN | - | - | - | - | - / - / 5.0 |")
    assert HEADER.count("\n") == 1 and HEADER.splitlines()[0].count("|") == 13


def test_format_roster_writes_one_tab_separated_line_per_employee(tiny):
    assert format_roster(tiny, [["E", None, "L"], [None, None, None]]) == "E\t\tL\n\t\t\n"


def test_instance_numbers_read_ranges_and_lists():
    assert instance_numbers("1-3,7,10-11") == [1, 2, 3, 7, 10, 11]
    assert parser().parse_args([]).instances == list(range(1, 25))
