"""Required agents per 15-min interval: staffing vs pyworkforce ErlangC, same run, same loads.

    .venv/bin/python benchmarks/erlang_speed.py

One command: on first use it creates ``benchmarks/.venv-peers`` (git-ignored) with
``python3.11 -m venv`` and ``pip install pyworkforce==0.5.1``; pyworkforce then runs in that
environment in a subprocess, on the same inputs, in the same run. Prints Markdown.

Loads, at two levels: the express desk's voice queue (about 30 % of 5,000 contacts a day,
1,500 calls) and a busy queue of 6,000 calls a day (the load at which the issue measured
pyworkforce at 36 ms per week); 15-min intervals, two intraday peaks and an evening one,
weekday pattern, AHT varying around 240 s, and a year with the 618 and Double 11 promotions
(x1.8 and x2.6 with ramps). Target: 80 % answered within 20 s and
occupancy at most 85 %, i.e. ``ErlangC(transactions, aht=AHT/60, asa=20/60, interval=15)
.required_positions(0.8, 0.85)`` in pyworkforce, whose "asa" is the service-level threshold
in minutes, and ``required_agents(A, aht_seconds, service_level=0.8,
answer_within_seconds=20, max_occupancy=0.85)`` here. pyworkforce refuses intervals without
contacts (it raises), so both are timed on the intervals with contacts, and compared there.

Every interval where the two answers differ is settled with mpmath at 50 digits (Erlang B by
its recurrence): the smallest count whose service level is >= 0.8 and occupancy <= 0.85.
Times are the best of several repetitions (the machine is shared; ratios matter more).

Our Erlang C search is compiled by numba on first use (``cache=True``): the table's times and
ratios are steady state (the compiled code loaded), and the one-off costs are measured apart,
each in a new process with the first call on a week's intervals timed: the first call ever on
a machine (numba import + compilation, with an empty cache directory) and the first call of
every later process (numba import + loading the cached machine code).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mpmath as mp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import staffing  # noqa: E402
from staffing.erlang import required_agents  # noqa: E402

PEERS = Path(__file__).resolve().parent / ".venv-peers"
PYWORKFORCE = "pyworkforce==0.5.1"
INTERVAL_MINUTES = 15
SL, WITHIN, OCC = 0.8, 20.0, 0.85

PEER_SCRIPT = r"""
import json, sys, time
from pyworkforce.queuing import ErlangC
data = json.load(open(sys.argv[1]))
out = {}
for name, case in data.items():
    calls, aht = case["calls"], case["aht_minutes"]
    best, answers = float("inf"), None
    for _ in range(case["repeat"]):
        started = time.perf_counter()
        result = [ErlangC(transactions=c, aht=h, asa=20 / 60, interval=15)
                  .required_positions(0.8, 0.85)["raw_positions"] for c, h in zip(calls, aht)]
        best = min(best, time.perf_counter() - started)
        answers = result
    out[name] = {"seconds": best, "agents": answers}
json.dump(out, open(sys.argv[2], "w"))
"""


def ensure_peers() -> Path:
    python = PEERS / "bin" / "python"
    if not python.exists():
        print(f"creating {PEERS} with {PYWORKFORCE} ...", file=sys.stderr)
        base = "python3.11" if subprocess.run(["which", "python3.11"], capture_output=True
                                              ).returncode == 0 else sys.executable
        subprocess.run([base, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYWORKFORCE],
                       check=True)
    return python


def loads(days: int, start: dt.date, seed: int, per_day: float) -> tuple[np.ndarray, np.ndarray]:
    """Contacts and AHT per 15-min interval for ``days`` days from ``start``."""
    rng = np.random.default_rng(seed)
    slots = 96
    hours = (np.arange(slots) + 0.5) / 4
    shape = (np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
             + 0.85 * np.exp(-0.5 * ((hours - 15.5) / 2.0) ** 2)
             + 0.35 * np.exp(-0.5 * ((hours - 20.5) / 1.5) ** 2) + 0.03)
    shape /= shape.sum()
    weekday = np.array([1.12, 1.05, 1.0, 1.0, 0.98, 0.88, 0.8])
    calls, aht = [], []
    for d in range(days):
        day = start + dt.timedelta(days=d)
        level = per_day * weekday[day.weekday()]
        for event, peak, ramp in ((dt.date(day.year, 11, 11), 2.6, 4),
                                  (dt.date(day.year, 6, 18), 1.8, 3)):
            gap = abs((day - event).days)
            if gap <= ramp:
                level *= 1 + (peak - 1) * (1 - gap / (ramp + 1))
        mean = level * shape * rng.lognormal(0, 0.08)
        calls.append(rng.poisson(mean))
        aht.append(240 * rng.lognormal(0, 0.12, slots) * (1 + 0.1 * np.sin(hours / 24 * 6.28)))
    return np.concatenate(calls).astype(float), np.concatenate(aht)


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


FIRST_CALL = r"""
import sys, time
import numpy as np
from staffing.erlang import required_agents
traffic = np.array(sys.argv[1].split(","), dtype=float)
started = time.perf_counter()
required_agents(traffic, 240.0, service_level=0.8, answer_within_seconds=20, max_occupancy=0.85)
print(time.perf_counter() - started)
"""


def first_call_seconds(traffic: np.ndarray) -> tuple[float, float]:
    """(first call ever on the machine, first call of a later process), in new processes."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}      # an empty cache: compile
        args = [sys.executable, "-c", FIRST_CALL, ",".join(f"{x:.6g}" for x in traffic)]
        times = [float(subprocess.run(args, env=env, check=True, capture_output=True,
                                      text=True, cwd=ROOT).stdout) for _ in range(4)]
    return times[0], min(times[1:])


def mp_required(calls: float, aht: float) -> int:
    """The smallest agent count meeting both targets, at 50 digits."""
    mp.mp.dps = 50
    a = mp.mpf(calls) * mp.mpf(aht) / (INTERVAL_MINUTES * 60)
    n = int(mp.floor(a)) + 1
    inv_b = mp.mpf(1)
    for k in range(1, n + 1):
        inv_b = 1 + inv_b * k / a
    while True:
        b = 1 / inv_b
        c = n * b / (n - a * (1 - b))
        sl = 1 - c * mp.exp(-(n - a) * WITHIN / aht)
        if sl >= SL and a / n <= OCC:
            return n
        n += 1
        inv_b = 1 + inv_b * n / a


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba
    import scipy
    return (f"{cpu}, {os.cpu_count()} cores (shared with other jobs), {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}, numpy "
            f"{np.__version__}, scipy {scipy.__version__}, numba {numba.__version__}; "
            f"staffing {staffing.__version__}, {PYWORKFORCE}")


def main() -> None:
    peer_python = ensure_peers()
    cases = {}
    for label, per_day in (("desk voice, 1,500/day", 1500), ("busy queue, 6,000/day", 6000)):
        cases[f"{label}: one week"] = (*loads(7, dt.date(2026, 3, 2), 1, per_day), 20)
        cases[f"{label}: Double 11 week"] = (*loads(7, dt.date(2026, 11, 8), 2, per_day), 20)
        cases[f"{label}: one year"] = (*loads(365, dt.date(2026, 1, 1), 3, per_day), 3)
    ours = {}
    for name, (calls, aht, repeat) in cases.items():
        traffic = calls * aht / (INTERVAL_MINUTES * 60)
        busy = calls > 0

        def run(traffic=traffic, aht=aht):
            return required_agents(traffic, aht, service_level=SL, answer_within_seconds=WITHIN,
                                   max_occupancy=OCC)

        answer = run()
        # Timed on the intervals pyworkforce can take (with contacts), like pyworkforce.
        ours[name] = (best_of(lambda t=traffic[busy], h=aht[busy]: run(t, h), repeat * 25),
                      answer)
    week_calls, week_aht, _ = cases["desk voice, 1,500/day: one week"]
    compile_s, load_s = first_call_seconds(week_calls * week_aht / (INTERVAL_MINUTES * 60))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, script = Path(tmp, "in.json"), Path(tmp, "out.json"), Path(tmp, "peer.py")
        script.write_text(PEER_SCRIPT)
        src.write_text(json.dumps({
            name: {"calls": calls[calls > 0].tolist(),
                   "aht_minutes": (aht[calls > 0] / 60).tolist(), "repeat": repeat}
            for name, (calls, aht, repeat) in cases.items()}))
        subprocess.run([str(peer_python), str(script), str(src), str(dst)], check=True)
        peers = json.loads(dst.read_text())

    print("## Required agents: staffing vs pyworkforce ErlangC\n")
    print(f"Machine: {machine()}.\n")
    print("Command: `.venv/bin/python benchmarks/erlang_speed.py`\n")
    print("Times and ratios are steady state (staffing's compiled search loaded). One-off "
          "costs of the first call in a new process (a week's intervals), numba import "
          f"included: {compile_s:.2f} s the first time on a machine (compilation), "
          f"{load_s * 1e3:.0f} ms in every later process (cached machine code).\n")
    print("| loads | intervals | with contacts | peak traffic | staffing | pyworkforce | "
          "throughput ratio | identical answers | disagreements (mpmath: staffing right / "
          "pyworkforce right) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    listing = []
    for name, (calls, aht, _) in cases.items():
        seconds, answer = ours[name]
        busy = calls > 0
        peer = peers[name]
        # Both timed on the same intervals (pyworkforce refuses empty ones).
        ratio = peer["seconds"] / seconds
        theirs = np.array(peer["agents"])
        mine = answer[busy]
        differ = np.flatnonzero(mine != theirs)
        right = {"staffing": 0, "pyworkforce": 0, "neither": 0}
        for i in differ:
            c, h = calls[busy][i], aht[busy][i]
            truth = mp_required(c, h)
            who = ("staffing" if truth == mine[i] else "pyworkforce" if truth == theirs[i]
                   else "neither")
            right[who] += 1
            listing.append(f"| {name} | {c:.0f} | {h:.2f} | {c * h / 900:.4f} | {mine[i]} | "
                           f"{theirs[i]} | {truth} | {who} |")
        verdict = f"{right['staffing']} / {right['pyworkforce']}"
        if right["neither"]:
            verdict += f" / neither {right['neither']}"
        peak = (calls * aht).max() / (INTERVAL_MINUTES * 60)
        print(f"| {name} | {calls.size:,} | {busy.sum():,} | {peak:.1f} Erl | "
              f"{seconds * 1e3:.3f} ms | "
              f"{peer['seconds'] * 1e3:,.1f} ms | {ratio:,.0f}x | "
              f"{(mine == theirs).sum():,} / {busy.sum():,} | {differ.size} ({verdict}) |")
    print()
    if listing:
        print("Every disagreement, with the count mpmath finds correct:\n")
        print("| loads | contacts | AHT s | traffic (Erlangs) | staffing | pyworkforce | "
              "mpmath | right |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        print("\n".join(listing))
    else:
        print("No disagreements.")


if __name__ == "__main__":
    main()
