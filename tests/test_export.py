"""staffing.export: write_plan writes every documented output of a plan, atomically."""

from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook

from staffing.export import PLAN_FILES, read_manifest, write_plan
from staffing.io import atomic_write, read_format


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


def test_a_failed_write_leaves_the_folder_marked_incomplete(fake_plan, tmp_path, monkeypatch):
    """An earlier plan's files are removed first and plan.json says complete: false until the
    last file is written, so a failed run never looks like a plan, nor mixes two runs."""
    from openpyxl.workbook import workbook as wb_module

    write_plan(fake_plan, tmp_path)
    assert read_manifest(tmp_path)["complete"] is True
    (tmp_path / ".roster.csv.abc123.tmp").write_bytes(b"")  # left by a killed run

    def boom(self, filename):
        raise OSError("disk full")

    monkeypatch.setattr(wb_module.Workbook, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_plan(fake_plan, tmp_path)
    manifest = read_manifest(tmp_path)
    assert manifest["complete"] is False and "files" not in manifest
    assert not (tmp_path / "roster.xlsx").exists()
    assert not (tmp_path / "report.html").exists()  # the earlier run's is gone too
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("new")
        raise RuntimeError
    assert target.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_manifest_lists_every_file_and_stale_files_go(fake_plan, tmp_path):
    (tmp_path / "mine.txt").write_text("a planner's note")
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "old_chart.png").write_bytes(b"x")
    written = write_plan(fake_plan, tmp_path, interrupted=True)
    manifest = read_manifest(tmp_path)
    assert manifest["complete"] is True
    assert manifest["status"] == "INTERRUPTED" and manifest["interrupted"] is True
    assert manifest["roster_status"] == "FEASIBLE"
    listed = {f["path"] for f in manifest["files"]}
    assert listed == {p.relative_to(tmp_path).as_posix() for p in written} - {"plan.json"}
    assert (tmp_path / "mine.txt").read_text() == "a planner's note"  # not ours: kept
    assert not (tmp_path / "charts" / "old_chart.png").exists()
    assert len(manifest["run_id"]) == 32 and len(manifest["scenario_sha256"]) == 64


def test_files_get_the_users_umask(fake_plan, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        write_plan(fake_plan, tmp_path)
    finally:
        os.umask(old)
    assert (tmp_path / "roster.csv").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "charts" / "coverage.png").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "plan.json").stat().st_mode & 0o777 == 0o644


KILL_MID_WRITE = """
import os, pickle, signal, sys
import pandas as pd
from staffing.export import write_plan

result = pickle.load(open(sys.argv[1], "rb"))
real, calls = pd.DataFrame.to_csv, []

def to_csv(self, *args, **kw):
    calls.append(1)
    if len(calls) == 3:  # the third table: its temporary file is open, nothing renamed yet
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, *args, **kw)

pd.DataFrame.to_csv = to_csv
write_plan(result, sys.argv[2])
"""


def test_a_plan_killed_mid_write_is_marked_incomplete(fake_plan, tmp_path):
    import pickle
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "plan"
    write_plan(fake_plan, out)
    old_report = (out / "report.html").read_bytes()
    plan_file = tmp_path / "plan.pickle"
    plan_file.write_bytes(pickle.dumps(fake_plan))
    killed = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, str(plan_file), str(out)],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    manifest = read_manifest(out)
    assert manifest["complete"] is False  # a reader can tell: not a plan
    assert (out / "forecast.csv").is_file()  # new files were being written ...
    assert not (out / "report.html").exists()  # ... and none of the earlier run's is left
    assert [p.name for p in out.glob(".*.tmp")] != []  # the kill left its temporary file
    write_plan(fake_plan, out)  # the next run clears it up
    assert read_manifest(out)["complete"] is True
    assert not list(out.rglob("*.tmp"))
    assert (out / "report.html").read_bytes()[:15] == old_report[:15]


def test_an_infeasible_plan_removes_the_earlier_roster(fake_plan, tmp_path):
    from dataclasses import replace

    write_plan(fake_plan, tmp_path)
    infeasible = replace(fake_plan, roster=replace(fake_plan.roster, status="INFEASIBLE"))
    write_plan(infeasible, tmp_path)
    manifest = read_manifest(tmp_path)
    assert manifest["complete"] is True and manifest["status"] == "INFEASIBLE"
    for name in ("roster.csv", "activities.csv", "coverage.csv", "roster.xlsx", "summary.csv"):
        assert not (tmp_path / name).exists(), name
    assert {f["path"] for f in manifest["files"]} >= {"forecast.csv", "requirements.csv",
                                                      "summary.txt", "report.html"}
