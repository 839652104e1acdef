"""The README's library example runs as written."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_library_example_runs(monkeypatch, capsys):
    blocks = _python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "README.md has no python example"
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README is ours
    printed = capsys.readouterr().out
    result = namespace["result"]
    assert result.roster.feasible
    assert str(result.roster.status) in printed
    # The README promises DataFrames in the documented formats.
    assert list(namespace["roster"].columns[:5]) == [
        "agent_id", "date", "shift_start", "shift_end", "paid_minutes"]
    assert {"volume", "volume_lower", "volume_upper", "aht_seconds"} <= set(
        namespace["forecast"].columns)
