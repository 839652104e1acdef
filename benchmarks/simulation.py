"""Simulation benchmark: speed, agreement with Erlang C, and the bundled week as planned.

One command (prints Markdown tables; about a minute after the plan exists):

    .venv/bin/python -m staffing plan configs/express-week.yaml --out /tmp/sim-plan   # once
    .venv/bin/python benchmarks/simulation.py --plan /tmp/sim-plan

(a) Speed: one replication and 20 replications of the bundled week (the plan's forecast and
    activities, the scenario's agents), beside an anchor measured in the same run: a plain
    Python ``heapq`` event loop of the same model (as-rostered, no chat slowdown), fed the
    same draws, so its answer is checked against the engine's as well as timed.
(b) Agreement: a steady week (672 intervals of 15 min, one voice queue, constant rate and
    agents) simulated against exact Erlang C, per interval and overall.
(c) The week as planned: per queue the formula's service level (the plan's coverage.csv,
    weighted by volume as summary.csv is) against the simulated one, 20 replications, for each
    routing policy.
(d) Which of the model's choices move the week's service level (absence, breaks, handle-time
    distribution, arrival dispersion).
(e) Real data (alone: ``benchmarks/simulation.py --real-data``, no plan needed): the Anonymous
    Bank's February 1999 as ``benchmarks/erlang_real_data.py`` reads it (same half-hours, agent
    counts, AHT, patience), simulated through ``simulation_input``/``simulate`` beside Erlang C,
    Erlang A and what happened: each half-hour alone from an empty queue, each alone after a
    warm-up half-hour at its own load (the formulas' steady state), and the month as one run
    (the queue carried from half-hour to half-hour).

The anchor is a second event loop on purpose (the brief asks for one): it is the yardstick
for the compiled loop's speed and a cross-check of its logic, not a product feature.
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import statistics
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import staffing.erlang as E
from staffing import io
from staffing.io import load_scenario
from staffing.simulate import (
    ROUTINGS,
    SimulationOptions,
    interval_counts,
    run_one,
    simulate,
    simulation_input,
)
from staffing.simulate.inputs import BREAK
from staffing.simulate.replication import _absences, _contacts

#: Per-call records of the Anonymous Bank, February 1999 (section (e)).
BANK_CALLS = Path("/work/shared/data/callcenter_anonymous_bank_1999/anonbank_1999_02_calls.tsv")


# --------------------------------------------------------------------------- the anchor
def heapq_replication(inp, options, seed):
    """Plain-Python event loop of the same model (as-rostered, full breaks, no slowdown).

    Same draws as the engine (same generator calls in the same order). Returns per contact
    ``(status, leave_seconds)``.
    """
    assert options.routing == "as-rostered" and options.break_policy == "full"
    assert not inp.concurrency_slowdown.any()
    rng = np.random.default_rng(seed)
    ptr, seg_start, seg_end, seg_act = _absences(inp, options, rng)
    arrival, queue, work, patience = _contacts(inp, options, rng)
    arrival, queue, work, patience = (arrival.tolist(), queue.tolist(), work.tolist(),
                                      patience.tolist())
    conc = inp.concurrency.tolist()
    horizon = inp.horizon_seconds
    n_agents = ptr.size - 1
    status = [0] * len(arrival)
    leave = [float("nan")] * len(arrival)
    waiting = [deque() for _ in inp.queue_ids]
    serving = [-1] * n_agents          # queue served now, -1 = not taking work
    in_hand = [0] * n_agents
    seg = [int(ptr[a]) for a in range(n_agents)]
    pending = [False] * n_agents       # a break is due once the contacts in hand end
    free_since = [float("-inf")] * n_agents
    events = []                        # (time, class, who, sub, kind): the engine's tie order
    rank = {"done": (0, 0), "leave": (0, 1), "resume": (0, 1), "enter": (0, 1),
            "abandon": (1, 0), "arrive": (2, 0)}

    def push(t, kind, who):
        cls, sub = rank[kind]
        heapq.heappush(events, (t, cls, who if cls == 0 else 0, sub, who, kind))

    for a in range(n_agents):
        if ptr[a] < ptr[a + 1]:
            push(float(seg_start[ptr[a]]), "enter", a)
    for c, t in enumerate(arrival):
        push(t, "arrive", c)

    hand = [-1] * n_agents             # the queue of the contacts in hand

    def can_take(a, q):
        return in_hand[a] == 0 or (hand[a] == q and in_hand[a] < conc[q])

    def take(a, t):
        q = serving[a]
        while q >= 0 and can_take(a, q) and waiting[q]:
            c = waiting[q].popleft()
            if status[c]:
                continue
            status[c], leave[c] = 1, t
            in_hand[a] += 1
            hand[a] = q
            push(t + work[c], "done", a)

    def enter(a, t):
        j = seg[a]
        while j < ptr[a + 1]:
            if seg_start[j] > t:
                seg[a] = j
                push(float(seg_start[j]), "enter", a)
                return
            kind = seg_act[j]
            if kind >= 0:
                if seg_end[j] > t:
                    seg[a], serving[a] = j, int(kind)
                    push(float(seg_end[j]), "leave", a)
                    take(a, t)
                    return
            else:
                if in_hand[a]:
                    seg[a], pending[a] = j, True
                    return
                end = t + (seg_end[j] - seg_start[j]) if kind == BREAK else seg_end[j]
                if end > t:
                    seg[a] = j
                    push(float(end), "resume", a)
                    return
            j += 1
        seg[a] = j

    while events:
        t, _, _, _, who, kind = heapq.heappop(events)
        if t > horizon:
            break
        if kind == "arrive":
            c, q = who, queue[who]
            waiting[q].append(c)
            if patience[c] != float("inf"):
                push(t + patience[c], "abandon", c)
            # The free agent with the fewest contacts in hand, then free the longest.
            best = min((a for a in range(n_agents) if serving[a] == q and can_take(a, q)),
                       key=lambda a: (in_hand[a], free_since[a]), default=None)
            if best is not None:
                take(best, t)
        elif kind == "abandon":
            if status[who] == 0:
                status[who], leave[who] = 2, t
        elif kind == "done":
            in_hand[who] -= 1
            if in_hand[who] == 0:
                free_since[who] = t
            if pending[who] and in_hand[who] == 0:
                pending[who] = False
                enter(who, t)
            elif serving[who] >= 0:
                take(who, t)
        elif kind == "leave":
            serving[who] = -1
            seg[who] += 1
            enter(who, t)
        elif kind == "resume":
            seg[who] += 1
            enter(who, t)
        elif kind == "enter":
            enter(who, t)
    return np.array(status), np.array(leave)


# ------------------------------------------------------------------------------ helpers
def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores visible, Python {platform.python_version()}"


def table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *rows])


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def week_sl(counts, k):
    return counts["within"][:, k].sum() / counts["verdicts"][:, k].sum()


# ------------------------------------------------------------------------------ sections
def speed(inp):
    options = SimulationOptions()
    run_one(inp, options, np.random.SeedSequence(0))              # compile or load cache
    seeds = np.random.SeedSequence(0).spawn(20)
    one, outcome = timed(lambda: run_one(inp, options, seeds[0]), 5)
    one_counts, _ = timed(lambda: interval_counts(inp, run_one(inp, options, seeds[0])), 5)
    serial, _ = timed(lambda: simulate(inp, replications=20, processes=1), 1)
    parallel, result = timed(lambda: simulate(inp, replications=20, processes=2), 2)
    anchor, (status, leave) = timed(lambda: heapq_replication(inp, options, seeds[0]), 1)
    same = (status == outcome.status).mean()
    answered = (status == 1) & (outcome.status == 1)
    close = np.abs(leave[answered] - outcome.leave_seconds[answered]) < 1e-6
    rows = pd.DataFrame([
        ("engine (numba), 1 replication, event loop", f"{one:.3f} s"),
        ("engine, 1 replication with per-interval counts", f"{one_counts:.3f} s"),
        ("engine, 20 replications, 1 process", f"{serial:.2f} s"),
        ("engine, 20 replications, 2 processes (simulate default here)", f"{parallel:.2f} s"),
        ("anchor (plain Python heapq), 1 replication", f"{anchor:.2f} s"),
        ("speed-up, 1 replication", f"{anchor / one:.0f}x"),
    ], columns=["run", "time (median)"])
    print(f"contacts in replication 0: {outcome.arrival_seconds.size:,}; agents "
          f"{len(inp.agent_ids)}; queues {len(inp.queue_ids)}; intervals "
          f"{inp.interval_starts.size}")
    print(table(rows))
    print(f"\nanchor vs engine on the same draws: same outcome for {same:.4%} of contacts, "
          f"same answer time for {close.mean():.4%} of those both answered "
          "(the two break ties the same way; a difference means a bug in one)")
    return result


def agreement(replications):
    from tests.simulate.conftest import build_case  # the tests' in-memory builder

    volume, aht, agents = 100.0, 240.0, 30               # 26.7 Erlangs on 30 agents
    inp = build_case([{"id": "voice", "channel": "voice", "service_level": 0.8,
                       "answer_within_seconds": 20}],
                     [(f"A{i}", "voice", [(0, 168, "voice")]) for i in range(agents)],
                     volume={"voice": volume}, aht_seconds={"voice": aht}, days=7)
    start = time.perf_counter()
    result = simulate(inp, replications=replications, processes=2, absence="none")
    took = time.perf_counter() - start
    exact = E.performance(volume * aht / 900, agents, aht, answer_within_seconds=20)
    iv = result.intervals
    covered = ((iv.service_level_low <= float(exact.service_level))
               & (float(exact.service_level) <= iv.service_level_high)).mean()
    c = result.counts
    per_rep_sl = c["within"][:, 0].sum(1) / c["verdicts"][:, 0].sum(1)
    per_rep_asa = c["wait_seconds"][:, 0].sum(1) / c["answered"][:, 0].sum(1)

    def ci(v):
        half = 2.093 * v.std(ddof=1) / np.sqrt(v.size) if v.size == 20 else np.nan
        return f"{v.mean():.4f} ({v.mean() - half:.4f}-{v.mean() + half:.4f})"

    rows = pd.DataFrame([
        ("service level, week", f"{float(exact.service_level):.4f}", ci(per_rep_sl)),
        ("ASA, week [s]", f"{float(exact.asa_seconds):.2f}", ci(per_rep_asa)),
        ("occupancy, week", f"{float(exact.occupancy):.4f}",
         f"{result.weeks.occupancy.iloc[0]:.4f}"),
        ("per interval: mean |SL sim - exact|", "",
         f"{np.abs(iv.service_level - float(exact.service_level)).mean():.4f}"),
        ("per interval: max |SL sim - exact|", "",
         f"{np.abs(iv.service_level - float(exact.service_level)).max():.4f}"),
        ("per interval: 95 % interval covers exact", "", f"{covered:.1%}"),
        ("per interval: mean half-width of the 95 % interval", "",
         f"{((iv.service_level_high - iv.service_level_low) / 2).mean():.4f}"),
    ], columns=["quantity", "Erlang C (exact)", f"simulated, {replications} replications"])
    print(f"steady week: {volume:g} calls per 15 min, AHT {aht:g} s, {agents} agents, 672 "
          f"intervals; {replications} replications in {took:.2f} s")
    print(table(rows))


def as_planned(inp, plan_dir: Path, time_zone: str, replications):
    coverage = io.read_format(plan_dir / "coverage.csv", "coverage", time_zone)
    requirements = io.read_format(plan_dir / "requirements.csv", "requirements", time_zone)
    merged = coverage.merge(requirements[["queue", "interval_start", "volume"]],
                            on=["queue", "interval_start"])
    merged["service_level"] = pd.to_numeric(merged["service_level"], errors="coerce")
    merged["volume"] = pd.to_numeric(merged["volume"], errors="coerce")
    rows = []
    results = {}
    for routing in ROUTINGS:
        start = time.perf_counter()
        results[routing] = simulate(inp, replications=replications, routing=routing,
                                    processes=2)
        results[routing + "_s"] = time.perf_counter() - start
    start = time.perf_counter()
    results["warm"] = simulate(inp, replications=replications, processes=2, warm_start=True)
    results["warm_s"] = time.perf_counter() - start
    for queue in inp.queue_ids:
        sel = merged[(merged.queue == queue) & merged.service_level.notna()]
        formula = float((sel.service_level * sel.volume).sum() / sel.volume.sum())
        row = {"queue": queue, "formula (plan)": f"{formula:.1%}"}
        for routing in ROUTINGS:
            w = results[routing].weeks.set_index("queue").loc[queue]
            row[routing] = (f"{w.service_level:.1%} ({w.service_level_low:.1%}-"
                            f"{w.service_level_high:.1%})")
        w = results["warm"].weeks.set_index("queue").loc[queue]
        row["as-rostered, warm start"] = (f"{w.service_level:.1%} ({w.service_level_low:.1%}-"
                                          f"{w.service_level_high:.1%})")
        rows.append(row)
    print(table(pd.DataFrame(rows)))
    print("\nsimulated ASA [s] / abandoned share / occupancy / backlog at the week's end:")
    detail = []
    for routing in ROUTINGS:
        for _, w in results[routing].weeks.iterrows():
            detail.append({"routing": routing, "queue": w.queue,
                           "asa_seconds": f"{w.asa_seconds:.1f}",
                           "occupancy": f"{w.occupancy:.3f}",
                           "backlog": f"{w.backlog:.1f}",
                           "agents_present": f"{w.agents_present:.1f}"})
    print(table(pd.DataFrame(detail)))
    print("\nper day, as-rostered (formula from summary.csv):")
    summary = pd.read_csv(plan_dir / "summary.csv")
    days = results["as-rostered"].days.copy()
    days["date"] = days["date"].astype(str)
    both = summary.merge(days, on=["queue", "date"], suffixes=("_formula", "_sim"))
    both = both[["queue", "date", "service_level_formula", "service_level_sim",
                 "service_level_low", "service_level_high"]]
    for col in both.columns[2:]:
        both[col] = both[col].map(lambda v: f"{v:.1%}" if pd.notna(v) else "n/a")
    print(table(both))
    print("\ntimes: " + ", ".join(f"{r} {results[r + '_s']:.2f} s" for r in ROUTINGS)
          + f", as-rostered with warm start {results['warm_s']:.2f} s")


def decomposition(inp, replications):
    """Which of the model's choices move the bundled week's service level (as-rostered)."""
    variants = [
        ("default: whole-shift absence, breaks in full", {}),
        ("absence per interval", {"absence": "interval"}),
        ("breaks end on schedule", {"break_policy": "shortened"}),
        ("both", {"absence": "interval", "break_policy": "shortened"}),
        ("default, lognormal handle time CV 0.8", {"handle_time": "lognormal",
                                                   "handle_time_cv": 0.8}),
        ("default, over-dispersed arrivals", {"arrivals": "overdispersed"}),
    ]
    rows = []
    for label, kwargs in variants:
        result = simulate(inp, replications=replications, processes=2, **kwargs)
        row = {"variant": label}
        for w in result.weeks.itertuples(False):
            row[w.queue] = (f"{w.service_level:.1%} ({w.service_level_low:.1%}-"
                            f"{w.service_level_high:.1%})")
        rows.append(row)
    print(table(pd.DataFrame(rows)))


def _bank_input(volume, agents, aht, theta, start_date):
    """A SimulationInput for one voice queue on a grid of consecutive half-hours.

    ``volume``, ``agents``, ``aht`` are arrays over the grid (offered calls, agents at a desk,
    mean handle time); agent ``i`` is on the queue in every half-hour with more than ``i``
    agents (consecutive half-hours make one shift). No shrinkage: the counts are agents
    present.
    """
    from staffing.config import parse_config
    from staffing.domain import Agent, Skill

    step = pd.Timedelta(minutes=30)
    days = int(np.ceil(volume.size / 48))
    config = parse_config({
        "site": {"name": "Anonymous Bank", "time_zone": "UTC"},
        "horizon": {"start_date": start_date, "days": days},
        "interval_minutes": 30,
        "queues": [{"id": "bank", "channel": "voice", "service_level": 0.8,
                    "answer_within_seconds": 20, "patience_seconds": theta}],
        "shrinkage": 0.0,
        "shift_rules": {"breaks": []},        # no breaks: the counts are agents at a desk
    }, source="<real data>")
    starts = config.horizon_.intervals()
    grid = np.zeros(starts.size)
    vol, hold = grid.copy(), np.full(starts.size, 1.0)
    vol[:volume.size], hold[:aht.size] = volume, aht
    forecast = pd.DataFrame({"queue": "bank", "interval_start": starts, "volume": vol,
                             "aht_seconds": hold})
    counts = np.zeros(starts.size, dtype=int)
    counts[:agents.size] = agents
    people, blocks = [], []
    for i in range(int(counts.max())):
        on = np.r_[False, counts > i, False].astype(int)
        edge = np.diff(on)
        for a, b in zip(np.flatnonzero(edge == 1), np.flatnonzero(edge == -1), strict=True):
            blocks.append({"agent_id": f"A{i}", "start": starts[0] + a * step,
                           "end": starts[0] + b * step, "activity": "bank"})
        people.append(Agent(f"A{i}", f"A{i}", "full_time", (Skill("bank", 1),)))
    activities = pd.DataFrame(blocks, columns=["agent_id", "start", "end", "activity"])
    return simulation_input(forecast, activities, people, config)


def real_data(path: Path, replications: int):
    """Erlang C, Erlang A and the simulation against the Anonymous Bank's February 1999."""
    from benchmarks import erlang_real_data as R  # the call reading, not a copy of it

    calls = R.read_calls(path)
    theta = R.patience_seconds(calls)
    every = R.intervals(calls)
    frame = every[(every["offered"] >= R.MIN_OFFERED) & (every["present"] > 0)
                  & every["aht_seconds"].notna()].copy()
    w = frame["offered"].to_numpy()
    service = calls.loc[calls["answered"] & (calls["service_seconds"] > 0), "service_seconds"]
    month_aht = float(service.mean())
    cv = float(service.std() / service.mean())          # of the month's service times
    # The month as one calendar of half-hours (for the continuous run): every half-hour's
    # offered calls, agents counted from the records (also in half-hours outside the
    # comparison), AHT of the half-hour or the month's where it has no answered call.
    origin = pd.Timestamp("1999-02-01")
    calendar = pd.date_range(origin, every.index.max(), freq=R.INTERVAL)
    counted = {"agents": R.agents_per_interval(calls),
               "present": R.agents_present(calls, R.PRESENCE_GAP).round()}
    full_volume = every["offered"].reindex(calendar).fillna(0).to_numpy()
    full_aht = every["aht_seconds"].reindex(calendar).fillna(month_aht).to_numpy()
    at = calendar.get_indexer(frame.index)
    k = frame.shape[0]
    vol, aht = frame["offered"].to_numpy(float), frame["aht_seconds"].to_numpy()
    times, drained, rows, load_rows, asa, paired = {}, {}, [], [], [], []
    for column, label in R.MEASURES.items():
        n = frame[column].to_numpy()
        erlang = R.predict(frame, column, theta)
        variants = {}
        # Independent half-hours, from an empty queue: the half-hour's calls, then a
        # half-hour without arrivals in which the same agents finish them (their verdicts are
        # given at the half-hour's staffing); the next half-hour starts empty.
        inp = _bank_input(np.column_stack([vol, np.zeros(k)]).ravel(),
                          np.repeat(n, 2), np.repeat(aht, 2), theta, "2000-01-01")
        variants["independent, empty start"] = (inp, 2 * np.arange(k), {})
        # Independent and stationary: a warm-up half-hour at the same load first (not
        # counted), so the counted half-hour starts in (near) steady state, as the formulas.
        inp = _bank_input(np.column_stack([vol, vol, np.zeros(k)]).ravel(),
                          np.repeat(n, 3), np.repeat(aht, 3), theta, "2000-01-01")
        variants["independent, warmed up"] = (inp, 3 * np.arange(k) + 1, {})
        # The month as one run: the queue carried from half-hour to half-hour.
        full_agents = counted[column].reindex(calendar).fillna(0).to_numpy()
        inp = _bank_input(full_volume, full_agents, full_aht, theta, "1999-02-01")
        variants["month, continuous"] = (inp, at, {})
        # The same with handle times spread as the month's (lognormal, its CV).
        variants[f"month, continuous, lognormal CV {cv:.2f}"] = (
            inp, at, {"handle_time": "lognormal", "handle_time_cv": cv})
        preds = {"Erlang C": (erlang["sl_c"].to_numpy(), erlang["ab_c"].to_numpy(),
                              erlang["asa_c"].to_numpy()),
                 "Erlang A": (erlang["sl_a"].to_numpy(), erlang["ab_a"].to_numpy(),
                              erlang["asa_a"].to_numpy())}
        for name, (inp, pos, options) in variants.items():
            start = time.perf_counter()
            result = simulate(inp, replications=replications, processes=2, seed=0, **options)
            times[f"{name}, {column}"] = time.perf_counter() - start
            iv = result.intervals.iloc[pos]
            preds[f"sim {name}"] = (iv["service_level"].to_numpy(),
                                    iv["abandoned_share"].to_numpy(),
                                    iv["asa_seconds"].to_numpy())
            if name == "independent, empty start":
                drained[column] = result.intervals["backlog"].to_numpy()[pos + 1].max()
        for quantity, i, actual in (("service level 20 s", 0, frame["sl"]),
                                    ("abandonment", 1, frame["abandon"])):
            for model, p in preds.items():
                e = R._errors(p[i], actual.to_numpy())
                rows.append({"agents counted as": label, "quantity": quantity,
                             "model": model, "MAE": f"{e['mae']:.1f}",
                             "bias": f"{e['bias']:+.1f}", "RMSE": f"{e['rmse']:.1f}",
                             "within 10 pp": f"{e['within10']:.0%}",
                             "month predicted / actual":
                             f"{np.average(p[i], weights=w):.1%} / "
                             f"{np.average(actual, weights=w):.1%}"})
        for model, p in preds.items():
            if not model.startswith("sim"):
                continue
            row = {"agents counted as": label, "model": model}
            for quantity, i, actual in (("service level", 0, frame["sl"]),
                                        ("abandonment", 1, frame["abandon"])):
                d = 100 * (np.abs(p[i] - actual) - np.abs(preds["Erlang A"][i] - actual))
                half = 2 * d.std(ddof=1) / np.sqrt(d.size)
                row[quantity] = f"{d.mean():+.2f} (+- {half:.2f})"
            paired.append(row)
        for model, p in preds.items():
            finite = np.isfinite(p[2])
            err = np.abs(p[2] - frame["asa_seconds"].to_numpy())[finite]
            asa.append(f"{label}, {model}: {err.mean():.0f} s"
                       + ("" if finite.all() else f" ({(~finite).sum()} infinite left out)"))
        if column == "present":
            bands = pd.cut(erlang["load"], [0, 0.7, 0.85, 0.95, 1.0, 1.1, np.inf],
                           right=False)
            for band in bands.cat.categories:
                sel = (bands == band).to_numpy()
                if not sel.any():
                    continue
                actual = frame["sl"].to_numpy()[sel]
                row = {"traffic / agents present": f"{band.left:.2f} to {band.right:.2f}",
                       "half-hours": int(sel.sum()), "actual SL": f"{actual.mean():.1%}"}
                for model, p in preds.items():
                    e = R._errors(p[0][sel], actual)
                    row[model] = f"{e['mae']:.1f} ({e['bias']:+.1f})"
                row["actual abandonment"] = f"{frame['abandon'].to_numpy()[sel].mean():.1%}"
                for model in ("Erlang A", "sim month, continuous"):
                    row[f"{model} abandonment"] = f"{preds[model][1][sel].mean():.1%}"
                load_rows.append(row)
    print(f"{path.name}: {len(calls):,} calls offered to agents; {k} half-hours with at least "
          f"{R.MIN_OFFERED} of them ({int(w.sum()):,} calls), mean patience {theta:.0f} s "
          f"(exponential, one queue), {replications} replications per simulation (seed 0, "
          "as-rostered, Poisson arrivals, exponential handle times unless marked, no absence: the counts "
          "are agents present). In the continuous run the month's "
          f"{len(calendar):,} half-hours are simulated ({int(full_volume.sum()):,} calls; "
          f"AHT {month_aht:.0f} s where a half-hour has no answered call) and the same {k} "
          "compared.\n")
    print("Per half-hour, predicted minus actual, in percentage points, and the month "
          "(calls-weighted):\n")
    print(table(pd.DataFrame(rows)))
    print("\nASA of answered calls, mean absolute error per half-hour: " + "; ".join(asa)
          + ".\n")
    print("By load (traffic / agents present): service-level MAE (bias) in points, and mean "
          "abandonment:\n")
    print(table(pd.DataFrame(load_rows)))
    print("\ntimes (the first includes compiling the engine unless cached): "
          + ", ".join(f"{name} {value:.2f} s" for name, value in times.items())
          + "; independent, empty start: most calls still waiting at the end of a drain "
          "half-hour (mean over replications): "
          + ", ".join(f"{column} {value:.2f}" for column, value in drained.items()))
    print("\nPaired per half-hour, |simulated error| - |Erlang A error| in points, mean "
          "(+- 2 standard errors over the half-hours; negative: the simulation is closer):\n")
    print(table(pd.DataFrame(paired)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=Path("/tmp/sim-plan"),
                        help="plan folder of configs/express-week.yaml")
    parser.add_argument("--scenario", type=Path, default=ROOT / "configs/express-week.yaml")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--real-data", action="store_true",
                        help="run only (e): the Anonymous Bank's February 1999 (no plan needed)")
    parser.add_argument("--calls", type=Path, default=BANK_CALLS,
                        help="per-call records for (e)")
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    if args.real_data:
        print("## (e) real data: Erlang C, Erlang A and the simulation vs the Anonymous Bank\n")
        real_data(args.calls, args.replications)
        return
    scenario = load_scenario(args.scenario)
    tz = scenario.config.site.time_zone
    forecast = io.read_format(args.plan / "forecast.csv", "forecast", tz)
    activities = io.read_format(args.plan / "activities.csv", "activities", tz)
    inp = simulation_input(forecast, activities, scenario.agents, scenario.config)
    print("## (a) speed: the bundled week\n")
    speed(inp)
    print("\n## (b) agreement with Erlang C: a steady week\n")
    agreement(args.replications)
    print("\n## (c) the bundled week as planned: formula vs simulated service level\n")
    as_planned(inp, args.plan, tz, args.replications)
    print("\n## (d) which choices move it: as-rostered, week\n")
    decomposition(inp, args.replications)
    if args.calls.exists():
        print("\n## (e) real data: Erlang C, Erlang A and the simulation vs the Anonymous "
              "Bank\n")
        real_data(args.calls, args.replications)


if __name__ == "__main__":
    main()
