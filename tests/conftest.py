"""Shared test fixtures: paths and small scenario builders (nothing is solved at import)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path (dedented) and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


MINIMAL_SCENARIO = """
site: {name: Test Desk, time_zone: Europe/Berlin}
horizon: {start_date: 2026-10-19, days: 7}
interval_minutes: 15
queues:
  - {id: voice, channel: voice, service_level: 0.8, answer_within_seconds: 20}
  - {id: chat, channel: chat, service_level: 0.8, answer_within_seconds: 30, concurrency: 2}
"""
