#!/usr/bin/env python
"""Nothing of the old BENCHMARKS.md was lost when it was split (issue 25).

Every non-empty line of BENCHMARKS.md as of e7036f9 (before the split) must be a line of the
new BENCHMARKS.md or of docs/benchmarks-log.md (whitespace stripped), at least as many times
as it occurred; headings are listed apart (they were rewritten on purpose, dated). Exit 1 when
a line is missing. Run from the repository root: ``python tools/check_benchmarks_log.py``.
"""

import collections
import pathlib
import subprocess
import sys

BEFORE = "e7036f9"

old = subprocess.run(["git", "show", f"{BEFORE}:BENCHMARKS.md"], capture_output=True, text=True,
                     check=True).stdout.splitlines()
new = collections.Counter()
for path in ("BENCHMARKS.md", "docs/benchmarks-log.md"):
    new.update(line.strip() for line in pathlib.Path(path).read_text().splitlines())
wanted = collections.Counter(line.strip() for line in old if line.strip())
headings = [line for line in wanted if line.startswith("#") and not new[line]]
missing = [line for line, n in wanted.items() if not line.startswith("#") and new[line] < n]
print(f"{sum(wanted.values())} non-empty lines in BENCHMARKS.md at {BEFORE}; "
      f"{len(missing)} missing; {len(headings)} headings rewritten")
for line in missing:
    print("missing:", line[:120])
sys.exit(1 if missing else 0)
