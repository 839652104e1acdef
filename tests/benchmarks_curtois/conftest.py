"""Curtois benchmark fixtures: the bundled Instance1, the shared data folder, a tiny hand-made
instance (nothing is solved at import)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.curtois.reader import DATA, Instance, parse_instance, read_instance

CURTOIS_DATA = Path(__file__).resolve().parents[1] / "data" / "curtois"

#: Two employees, two shift types (E cannot follow L), two weeks. Limits chosen so that the
#: hand-made roster ``curtois_helpers.HAND_ROSTER`` breaks each hard rule once.
TINY = """
# hand-made
SECTION_HORIZON
14

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=3|L=14,3000,960,3,2,2,1
B,E=14|L=14,4800,960,5,1,1,2

SECTION_DAYS_OFF
A,3
B

SECTION_SHIFT_ON_REQUESTS
A,1,E,2
A,0,E,3
B,5,L,4

SECTION_SHIFT_OFF_REQUESTS
A,13,L,5
B,2,E,1

SECTION_COVER
0,E,1,10,1
1,E,0,10,7
5,E,2,10,1
13,L,1,10,1
"""


@pytest.fixture(scope="session")
def instance1() -> Instance:
    return read_instance(CURTOIS_DATA / "Instance1.txt")


@pytest.fixture(scope="session")
def tiny() -> Instance:
    return parse_instance(TINY, "tiny")


@pytest.fixture(scope="session")
def shared_instances() -> Path:
    folder = DATA / "instances_txt"
    if not folder.is_dir():
        pytest.skip(f"the 24 instance files are read from {folder} (shared data folder absent)")
    return DATA
