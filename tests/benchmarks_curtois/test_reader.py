"""The reader: the fields of Instance1 and of a hand-made instance, the sizes of all 24
instances (shared data folder), and errors that name the line."""

from __future__ import annotations

import csv

import pytest
from tests.benchmarks_curtois.conftest import CURTOIS_DATA, TINY

from benchmarks.curtois.reader import FormatError, instance_path, parse_instance, read_instance


def test_reader_parses_the_sizes_of_all_24_instances(shared_instances):
    with open(CURTOIS_DATA / "instance_summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 24
    for row in rows:
        inst = read_instance(instance_path(int(row["instance"].removeprefix("Instance")),
                                          shared_instances))
        assert inst.name == row["instance"]
        assert (inst.days, len(inst.shifts), len(inst.staff), len(inst.days_off),
                len(inst.on_requests), len(inst.off_requests), len(inst.cover)) == (
            int(row["horizon_days"]), int(row["shift_types"]), int(row["staff"]),
            int(row["days_off_rows"]), int(row["shift_on_requests"]),
            int(row["shift_off_requests"]), int(row["cover_rows"])), row["instance"]


def test_reader_fields_of_instance1(instance1):
    inst = instance1
    assert inst.days == 14 and inst.shift_ids == ["D"]
    assert inst.shifts[0].length_minutes == 480 and inst.shifts[0].cannot_follow == ()
    a = inst.staff[0]
    assert (a.id, a.max_shifts, a.max_total_minutes, a.min_total_minutes,
            a.max_consecutive_shifts, a.min_consecutive_shifts, a.min_consecutive_days_off,
            a.max_weekends) == ("A", {"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert inst.days_off["B"] == (5,)
    assert inst.on_requests[2].staff == "B" and inst.on_requests[2].weight == 3
    assert (inst.off_requests[2].staff, inst.off_requests[2].day) == ("F", 8)
    assert (inst.cover[1].day, inst.cover[1].requirement, inst.cover[1].weight_under,
            inst.cover[1].weight_over) == (1, 7, 100, 1)
    assert inst.weekends == [(5, 6), (12, 13)]


def test_reader_parses_forbidden_successions(tiny):
    assert tiny.shifts[1].cannot_follow == ("E",)
    assert tiny.staff[0].max_shifts == {"E": 3, "L": 14}
    assert tiny.days_off == {"A": (3,), "B": ()}


@pytest.mark.parametrize("edit, message", [
    (("L,480,E", "L,480,X"), "tiny:8: unknown shift 'X'; shifts are E, L"),
    (("SECTION_COVER\n", ""), "tiny: missing section(s) SECTION_COVER"),
    (("0,E,1,10,1", "0,E,1,10"), "tiny:28: SECTION_COVER rows have 5 fields, found 4: 0,E,1,10"),
    (("13,L,1,10,1", "14,L,1,10,1"), "tiny:31: day 14 outside the horizon 0..13"),
    (("B,2,E,1", "Z,2,E,1"), "tiny:25: unknown employee 'Z'"),
])


def test_reader_errors_name_the_line(edit, message):
    with pytest.raises(FormatError) as err:
        parse_instance(TINY.replace(*edit), "tiny")
    assert str(err.value) == message
