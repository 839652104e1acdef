"""staffing.export: write_plan writes every documented output of a plan, atomically."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from staffing.export import PLAN_FILES, write_plan
from staffing.io import read_format


def test_write_plan_writes_every_output(fake_plan, tmp_path):
    written = write_plan(fake_plan, tmp_path)
    tz = fake_plan.scenario.config.site.time_zone
    for name, fmt in PLAN_FILES:
        assert (tmp_path / name).is_file(), name
        if fmt is not None:
            assert len(read_format(tmp_path / name, fmt, tz)) > 0
    charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert charts == ["agent_hours.png", "coverage.png", "forecast.png", "gaps.png",
                      "roster.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in (tmp_path / "charts").iterdir())
    assert set(written) >= {tmp_path / n for n, _ in PLAN_FILES}
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    book = load_workbook(tmp_path / "roster.xlsx")
    days = [d.strftime("%a %Y-%m-%d") for d in fake_plan.scenario.config.horizon_.dates()]
    assert book.sheetnames == ["Legend", *days, "Agents", "Coverage"]
    # Every scenario agent has a row, working or not (8 agents + header).
    assert book[days[0]].max_row == 1 + len(fake_plan.scenario.agents)


def test_a_failed_write_keeps_the_old_file(fake_plan, tmp_path, monkeypatch):
    from openpyxl.workbook import workbook as wb_module

    target = tmp_path / "roster.xlsx"
    target.write_bytes(b"old")

    def boom(self, filename):
        raise OSError("disk full")

    monkeypatch.setattr(wb_module.Workbook, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_plan(fake_plan, tmp_path)
    assert target.read_bytes() == b"old"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
