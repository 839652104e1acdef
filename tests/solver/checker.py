"""An independent checker of every hard rule, from the output frames alone.

It shares no code with :mod:`staffing.solver`: it reads the roster, activities and coverage
frames (the published formats), the agents, contracts, shift rules and horizon, and recomputes
each rule from timestamps. Tests call :func:`check_roster` on every roster they produce; it
returns the list of violations (empty when every hard rule holds).

Weekly rules apply per 7-day block from the first day of the horizon. A shorter last block is
part of a week that continues outside the horizon: its maxima hold as they are, the days outside
count as days off, and it has no hour minimum (the documented semantics of the solver).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _in_window(local: int, lo: int, hi: int) -> bool:
    return lo <= local <= hi if lo <= hi else (local >= lo or local <= hi)


def _night_minutes(start: pd.Timestamp, end: pd.Timestamp, rules, step: int) -> int:
    ns, ne = _minutes(rules.night_start), _minutes(rules.night_end)
    total = 0
    t = start
    while t < end:
        local = t.hour * 60 + t.minute
        if (ns < ne and ns <= local < ne) or (ns > ne and (local >= ns or local < ne)):
            total += step
        t = t + pd.Timedelta(minutes=step)
    return total


def check_roster(result, agents, contracts, rules, horizon, requirements=None) -> list[str]:
    """Every hard-rule violation of ``result`` (a RosterResult), as readable lines."""
    out: list[str] = []
    step = horizon.interval_minutes
    first = horizon.start_date
    zone = horizon.time_zone
    roster = result.roster
    activities = result.activities
    by_id = {a.agent_id: a for a in agents}
    dates = [first + dt.timedelta(days=d) for d in range(horizon.days)]
    weekend_days = {WEEKDAY_NAMES.index(w) for w in rules.weekend_days}

    expected_cols = ["agent_id", "date", "shift_start", "shift_end", "paid_minutes"]
    if list(roster.columns) != expected_cols:
        out.append(f"roster columns {list(roster.columns)} != {expected_cols}")
        return out
    if list(activities.columns) != ["agent_id", "start", "end", "activity"]:
        out.append(f"activities columns {list(activities.columns)}")
        return out

    shifts_of = defaultdict(list)
    for row in roster.itertuples(index=False):
        s, e = pd.Timestamp(row.shift_start), pd.Timestamp(row.shift_end)
        if str(s.tz) != zone:
            out.append(f"{row.agent_id}: shift_start {s} not in {zone}")
        shifts_of[row.agent_id].append((s, e, row))

    acts_of = defaultdict(list)
    for row in activities.itertuples(index=False):
        acts_of[row.agent_id].append((pd.Timestamp(row.start), pd.Timestamp(row.end),
                                      row.activity))

    for agent_id in set(shifts_of) | set(acts_of):
        if agent_id not in by_id:
            out.append(f"{agent_id}: not an agent")
    for agent_id, shifts in shifts_of.items():
        agent = by_id.get(agent_id)
        if agent is None:
            continue
        c = contracts[agent.contract]
        shifts.sort(key=lambda x: x[0])
        min_h = c.min_hours_per_week if agent.min_hours_per_week is None \
            else agent.min_hours_per_week
        max_h = c.max_hours_per_week if agent.max_hours_per_week is None \
            else agent.max_hours_per_week
        worked_days: dict[int, tuple] = {}
        paid_by_day: dict[int, int] = {}
        night_days: set[int] = set()
        for s, e, row in shifts:
            where = f"{agent_id} shift {s.isoformat()}"
            length = int(round((e - s).total_seconds() / 60))
            local = s.hour * 60 + s.minute
            d = (s.date() - first).days
            if row.date != s.date():
                out.append(f"{where}: date {row.date} is not the start's local date")
            if not 0 <= d < horizon.days:
                out.append(f"{where}: starts outside the horizon")
                continue
            if d in worked_days:
                out.append(f"{where}: a second shift on {s.date()}")
            worked_days[d] = (s, e)
            if not c.min_shift_minutes <= length <= c.max_shift_minutes:
                out.append(f"{where}: length {length} min outside "
                           f"{c.min_shift_minutes}-{c.max_shift_minutes}")
            elif (length - c.min_shift_minutes) % rules.length_step_minutes and \
                    length != c.max_shift_minutes:
                out.append(f"{where}: length {length} min off the length grid")
            if local % rules.start_step_minutes:
                out.append(f"{where}: start off the start grid")
            if not _in_window(local, _minutes(c.earliest_start), _minutes(c.latest_start)):
                out.append(f"{where}: start outside the contract window")
            if s.weekday() in agent.fixed_days_off:
                out.append(f"{where}: on a fixed day off ({WEEKDAY_NAMES[s.weekday()]})")
            for us, ue in agent.unavailable:
                if s < ue and e > us:
                    out.append(f"{where}: overlaps unavailability {us}/{ue}")
            if _night_minutes(s, e, rules, step) >= rules.night_min_minutes:
                night_days.add(d)
            # Breaks and activities of the shift.
            blocks = sorted((a for a in acts_of.get(agent_id, []) if s <= a[0] < e),
                            key=lambda a: a[0])
            cursor = s
            for bs, be, act in blocks:
                if bs != cursor:
                    out.append(f"{where}: activities leave a gap or overlap at {bs}")
                cursor = be
                if act not in ("break", "lunch") and act not in {k.queue for k in agent.skills}:
                    out.append(f"{where}: serves {act!r}, not a skill of the agent")
            if cursor != e:
                out.append(f"{where}: activities end at {cursor}, shift ends {e}")
            pauses = [(bs, be, act) for bs, be, act in blocks if act in ("break", "lunch")]
            unpaid = 0
            taken = [r for r in rules.breaks if length >= r.min_shift_minutes]
            used = set()
            for r in taken:
                match = None
                for i, (bs, be, act) in enumerate(pauses):
                    offset = (bs - s).total_seconds() / 60
                    dur = (be - bs).total_seconds() / 60
                    if i not in used and act == r.activity and dur == r.duration_minutes and \
                            r.earliest_after_start_minutes <= offset <= \
                            r.latest_after_start_minutes:
                        match = i
                        break
                if match is None:
                    out.append(f"{where}: no {r.activity} of {r.duration_minutes} min "
                               f"{r.earliest_after_start_minutes}-"
                               f"{r.latest_after_start_minutes} min after the start")
                else:
                    used.add(match)
                    if not r.paid:
                        unpaid += r.duration_minutes
            if len(pauses) != len(used):
                out.append(f"{where}: {len(pauses) - len(used)} break(s) no rule asks for")
            if row.paid_minutes != length - unpaid:
                out.append(f"{where}: paid_minutes {row.paid_minutes} != {length - unpaid}")
            paid_by_day[d] = int(row.paid_minutes)
        # Rest between consecutive shifts.
        rest = rules.min_rest_hours * 60
        for (s1, e1, _), (s2, _e2, _) in zip(shifts, shifts[1:]):
            gap = (s2 - e1).total_seconds() / 60
            if gap < rest - 1e-9:
                out.append(f"{agent_id}: rest {gap:g} min between {e1} and {s2} < {rest:g}")
        # Weekly blocks.
        for b0 in range(0, horizon.days, 7):
            days = min(7, horizon.days - b0)
            block = range(b0, b0 + days)
            n = sum(1 for d in block if d in worked_days)
            paid = sum(paid_by_day.get(d, 0) for d in block)
            nights = sum(1 for d in block if d in night_days)
            off_needed = c.min_days_off_per_week if days == 7 else \
                max(0, c.min_days_off_per_week - (7 - days))
            where = f"{agent_id} week from {dates[b0]}"
            if paid > max_h * 60 + 1e-6:
                out.append(f"{where}: {paid} paid min > max {max_h} h")
            if days == 7 and paid < min_h * 60 - 1e-6:
                out.append(f"{where}: {paid} paid min < min {min_h} h")
            if n > c.max_shifts_per_week:
                out.append(f"{where}: {n} shifts > {c.max_shifts_per_week}")
            if days - n < off_needed:
                out.append(f"{where}: {days - n} days off < {off_needed}")
            if c.max_night_shifts_per_week is not None and nights > c.max_night_shifts_per_week:
                out.append(f"{where}: {nights} nights > {c.max_night_shifts_per_week}")
        # Runs of working days and days off.
        flags = [d in worked_days for d in range(horizon.days)]
        run = 0
        for d, w in enumerate(flags):
            run = run + 1 if w else 0
            if run > c.max_consecutive_days:
                out.append(f"{agent_id}: {run} consecutive working days up to {dates[d]}")
        d = 0
        while d < horizon.days:
            if flags[d]:
                d += 1
                continue
            e = d
            while e < horizon.days and not flags[e]:
                e += 1
            if d > 0 and e < horizon.days and e - d < c.min_consecutive_days_off:
                out.append(f"{agent_id}: {e - d} days off from {dates[d]} < "
                           f"{c.min_consecutive_days_off}")
            d = e
        # Weekends wholly inside the horizon.
        rotation = getattr(c, "max_consecutive_weekends_worked", None)
        if c.min_weekends_off or rotation is not None:
            is_we = [(first + dt.timedelta(days=d)).weekday() in weekend_days
                     for d in range(-1, horizon.days + 1)]
            weekends, d = [], 0
            while d < horizon.days:
                if is_we[d + 1]:
                    run_days = [d]
                    while d + 1 < horizon.days and is_we[d + 2]:
                        d += 1
                        run_days.append(d)
                    if not is_we[run_days[0]] and not is_we[run_days[-1] + 2]:
                        weekends.append(run_days)
                d += 1
            off = sum(1 for w in weekends if not any(flags[x] for x in w))
            if off < c.min_weekends_off:
                out.append(f"{agent_id}: {off} weekends off < {c.min_weekends_off}")
            streak = 0
            for w in weekends:
                streak = streak + 1 if any(flags[x] for x in w) else 0
                if rotation is not None and streak > rotation:
                    out.append(f"{agent_id}: {streak} consecutive weekends worked up to "
                               f"{dates[w[-1]]} > {rotation}")

    # Coverage agrees with the activities, and required with the requirements.
    cov = result.coverage
    if list(cov.columns) != ["queue", "interval_start", "required", "scheduled", "gap"]:
        out.append(f"coverage columns {list(cov.columns)}")
        return out
    counted: dict[tuple[str, pd.Timestamp], int] = defaultdict(int)
    for bs, be, act in (a for acts in acts_of.values() for a in acts):
        if act in ("break", "lunch"):
            continue
        t = bs
        while t < be:
            counted[(act, t)] += 1
            t = t + pd.Timedelta(minutes=step)
    for row in cov.itertuples(index=False):
        want = counted.get((row.queue, pd.Timestamp(row.interval_start)), 0)
        if row.scheduled != want:
            out.append(f"coverage {row.queue} {row.interval_start}: scheduled {row.scheduled} "
                       f"!= {want} agents in activities")
            break
        if row.gap != row.scheduled - row.required:
            out.append(f"coverage {row.queue} {row.interval_start}: gap is not scheduled - "
                       "required")
            break
    if requirements is not None:
        req = requirements.set_index(["queue", "interval_start"])[
            "agents_required_with_shrinkage"]
        merged = cov.set_index(["queue", "interval_start"])["required"]
        common = merged.index.intersection(req.index)
        bad = (merged.loc[common] != req.loc[common].round().astype(int)).sum()
        if bad:
            out.append(f"coverage: {bad} intervals whose required differs from the requirements")
    return out
