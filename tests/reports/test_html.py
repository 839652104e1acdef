"""report.html: self-contained, with every section; rendered in headless Chromium."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread

from staffing.reports.html import comparison_report, plan_report
from staffing.scenarios.compare import Comparison, outcome_of

SECTIONS = ("kpis", "summary", "forecast", "coverage", "gaps", "roster", "agents",
            "violations")


@pytest.fixture(scope="module")
def report(fake_plan) -> str:
    return plan_report(fake_plan)


def test_report_is_self_contained(report):
    assert report.startswith("<!DOCTYPE html>")
    assert "<script" not in report
    # Nothing is fetched: every image is inline, no stylesheet or font is linked.
    assert not re.search(r'(src|href)="(?!data:)', report)
    assert report.count('src="data:image/png;base64,') == 5


def test_report_has_every_section_and_the_key_figures(report, fake_plan):
    for section in SECTIONS:
        assert f'id="{section}"' in report, section
    volume = fake_plan.forecast.frame["volume"].sum()
    assert f"{volume:,.0f}" in report
    assert "FEASIBLE, gap 2.8%" in report
    assert "preferred_day_off" in report
    understaffed = int(fake_plan.summary["understaffed_intervals"].sum())
    assert understaffed > 0
    assert re.search(rf'id="kpi-understaffed"><div class="v bad">{understaffed:,}<', report)


def test_comparison_report(fake_plan):
    base = outcome_of(fake_plan, "base")
    variant = outcome_of(fake_plan, "variant")
    text = comparison_report(Comparison((base, variant)))
    assert 'id="totals-table"' in text and "base" in text and "variant" in text
    assert text.count("data:image/png;base64,") == 1


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    if path is None:
        message = ("headless Chromium is not installed; run `sudo tools/install-chromium` "
                   "(Debian packages chromium and chromium-driver) to enable this test")
        if os.environ.get("CI"):
            pytest.fail(f"{message} (in CI .ci/run installs it: the test must run there)")
        pytest.skip(message)
    return path


def _run(browser: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--no-first-run", "--disable-extensions", *args],
        capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_in_chromium(browser, report, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(report, encoding="utf-8")
    dom = _run(browser, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert f'id="{section}"' in dom.stdout
    assert dom.stdout.count("<img") == 5
    shot = tmp_path / "shot.png"
    run = _run(browser, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert shot.is_file(), run.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    non_white = (pixels < 0.95).any(axis=-1).mean()
    assert non_white > 0.05, f"screenshot is (nearly) blank: {non_white:.1%} non-white"
    assert np.std(pixels) > 0.05


def test_report_shows_queue_switches_per_shift(fake_plan):
    import dataclasses

    summary = fake_plan.roster.agent_summary.copy()
    summary["queue_switches"] = np.arange(len(summary))
    roster = dataclasses.replace(fake_plan.roster, agent_summary=summary)
    report = plan_report(dataclasses.replace(fake_plan, roster=roster))
    switches = int(summary["queue_switches"].sum())
    per_shift = switches / max(int(summary["shifts"].sum()), 1)
    assert re.search(rf'id="kpi-queue-switches"><div class="v ">{switches:,}<', report)
    assert f'id="kpi-switches-per-shift"><div class="v ">{per_shift:.2f}<' in report
