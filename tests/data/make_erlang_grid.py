"""Generate the golden Erlang grids (mpmath, 50+ digits) used by tests/test_erlang.py.

    .venv/bin/python tests/data/make_erlang_grid.py [c] [a]   # a few minutes on one core

Writes ``erlang_c_mpmath_grid.csv`` and ``erlang_a_mpmath_grid.csv`` next to this script. The
values come from ``tests/mp_reference.py``, which uses only definitions, not the library's
closed forms: Erlang B by its recurrence (whole agents) or by mpmath's own incomplete gamma
function (``1/B = e^A A^-n Gamma(n+1, A)``, real agents); Erlang A by summing the birth-death
chain state by state, and the waits of a tagged contact by partial fractions of its
hypoexponential law (at 2 x queue length + 60 digits). Values are written with 17 significant
digits (every double round-trips).
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import mpmath as mp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import mp_reference as ref  # noqa: E402

DPS = 50


def fmt(value) -> str:
    value = mp.mpf(value)
    if mp.isinf(value):
        return "inf"
    return mp.nstr(value, 17, min_fixed=-1, max_fixed=-1) if value != 0 else "0"


def erlang_c_rows():
    loads = [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 17.3, 25, 50, 100, 250, 500, 1000, 2500, 5000,
             10000]
    rows = []
    for a in loads:
        base = math.floor(a) + 1
        agents = {base, base + 1, base + 2}
        for beta in (0.5, 1, 2, 3, 5, 8, 12):
            agents.add(max(base, math.ceil(a + beta * math.sqrt(a))))
        if a >= 1000:
            agents.add(10500)
        for n in sorted(agents):
            for aht, t in ((180, 20), (300, 60), (180, 0)):
                b, c, sl, asa, occ = ref.erlang_c_metrics(a, n, aht, t, DPS)
                rows.append({"traffic_erlangs": a, "agents": n, "aht_seconds": aht,
                             "answer_within_seconds": t, "erlang_b": b, "erlang_c": c,
                             "service_level": sl, "asa_seconds": asa, "occupancy": occ,
                             "method": "recurrence"})
    # Real (non-whole) agent counts, by mpmath's incomplete gamma function.
    for a, n in ((0.5, 1.5), (3.2, 4.7), (10, 12.25), (98.6, 111.1), (2500, 2571.5)):
        with mp.workdps(DPS):
            am, nm = mp.mpf(a), mp.mpf(n)
            inv_b = mp.exp(am) * am ** (-nm) * mp.gammainc(nm + 1, am)
            b = 1 / inv_b
            c = nm * b / (nm - am * (1 - b))
            for aht, t in ((180, 20),):
                sl = 1 - c * mp.exp(-(nm - am) * t / aht)
                asa = c * aht / (nm - am)
                rows.append({"traffic_erlangs": a, "agents": n, "aht_seconds": aht,
                             "answer_within_seconds": t, "erlang_b": b, "erlang_c": c,
                             "service_level": sl, "asa_seconds": asa, "occupancy": am / nm,
                             "method": "incomplete_gamma"})
    return rows


def erlang_a_rows():
    cases = []
    for a in (0.5, 2, 5, 10, 30, 60):
        for n in sorted({max(1, round(a * f)) for f in (0.6, 0.9, 1.0, 1.2, 1.5)}):
            for ratio in (0.1, 0.5, 1.0, 3.0):          # patience / AHT
                if a * ratio > 60:   # long queues: the partial fractions get slow
                    continue
                cases.append((a, n, 180.0, 180.0 * ratio))
    cases += [(10, 14, 180.0, 300.0), (100, 95, 240.0, 60.0), (100, 110, 240.0, 120.0),
              (400, 380, 200.0, 30.0), (400, 420, 200.0, 40.0)]
    rows = []
    thresholds = [0.0, 20.0, 60.0]
    for a, n, aht, patience in cases:
        m = ref.erlang_a_metrics(a, n, aht, patience, thresholds, dps=DPS)
        for k, t in enumerate(thresholds):
            rows.append({"traffic_erlangs": a, "agents": n, "aht_seconds": aht,
                         "patience_seconds": patience, "answer_within_seconds": t,
                         **{key: (v[k] if isinstance(v, list) else v) for key, v in m.items()}})
    return rows


def write(path: Path, rows) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (fmt(v) if isinstance(v, mp.mpf) else v)
                             for k, v in row.items()})


def main() -> None:
    which = sys.argv[1:] or ["c", "a"]
    if "c" in which:
        write(HERE / "erlang_c_mpmath_grid.csv", erlang_c_rows())
    if "a" in which:
        write(HERE / "erlang_a_mpmath_grid.csv", erlang_a_rows())


if __name__ == "__main__":
    main()
