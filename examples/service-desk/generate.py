#!/usr/bin/env python
"""Generate the bundled service-desk example of ``staffing`` (synthetic data).

The example is a made-up 24x7 customer-service desk of a Chinese express-delivery and e-commerce
company in Shanghai, with its full skill matrix: 12 queues by channel and topic (3 voice, 7 chat,
2 email) and 200 multi-skilled agents on three contracts. It reuses the model of the express
example (``examples/express/generate.py``: calendar, holidays, promotions, intraday shapes,
handle times, noise, names, leave); this script adds only what differs: the queues and their
topics, stronger promotions, a 30-minute history, and the agents (contracts, skill teams with
priorities, night-capable agents).

Run from the repository root (the defaults write the bundled files, byte for byte):

    .venv/bin/python examples/service-desk/generate.py

Model of the expected contacts of queue ``q`` in interval ``i`` of local day ``d`` (as in the
express example)::

    E[volume] = daily_contacts * trend(d) * day_factor(d) * promotion(d) * share(q)
                * intraday(q, day type of d, local time of i)

Reproducibility: a given seed, set of options and numpy version give the same files byte for byte.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "express"))
import generate as express  # noqa: E402  (the express example's model, reused)

from staffing.io import write_table, write_text  # noqa: E402

Peak = express.Peak
IntradayShape = express.IntradayShape
QueueModel = express.QueueModel


# ============================================================================== intraday shapes
def rest_day_shape(workday: IntradayShape, *, delay_hours: float = 0.5,
                   peak_damping: float = 0.75) -> IntradayShape:
    """The rest-day (weekend, holiday) variant of a working-day shape.

    People start later: the day opens ``delay_hours`` later and every peak moves by half that;
    the peaks are flatter (positive heights times ``peak_damping``; dips unchanged); the night
    floor is 10 % higher. [h], [-]
    """
    peaks = tuple(Peak(p.hour + delay_hours / 2, p.width_hours * 1.1,
                       p.height * peak_damping if p.height > 0 else p.height)
                  for p in workday.peaks)
    return IntradayShape(workday.opens_hour + delay_hours, workday.closes_hour + delay_hours / 2,
                         workday.ramp_hours * 1.1, workday.night_floor * 1.1, peaks)


def _shape(opens: float, closes: float, ramp: float, night: float, *peaks: Peak) -> IntradayShape:
    return IntradayShape(opens, closes, ramp, night, tuple(peaks))


_LUNCH_DIP = Peak(12.6, 0.6, -0.35)
#: Working-day shapes by topic. Tracking is a morning question (parcels out for delivery);
#: complaints and claims build up over the day; returns have an evening bump (people at home);
#: international follows overseas customers (a high night floor and a late evening peak);
#: VIP merchants call in office hours.
SHAPES = {
    "chat_tracking": _shape(7.5, 22.5, 0.7, 0.08, Peak(10.0, 1.3, 1.8), _LUNCH_DIP,
                            Peak(15.0, 1.4, 1.3), Peak(20.5, 1.2, 0.4)),
    "chat_complaints": _shape(8.0, 23.0, 0.7, 0.08, Peak(10.5, 1.4, 1.0), _LUNCH_DIP,
                              Peak(15.5, 1.5, 1.5), Peak(20.8, 1.2, 0.8)),
    "chat_exceptions": _shape(7.5, 22.5, 0.7, 0.08, Peak(10.0, 1.3, 1.5), _LUNCH_DIP,
                              Peak(15.0, 1.4, 1.4), Peak(20.5, 1.2, 0.5)),
    "chat_claims": _shape(8.5, 21.5, 0.6, 0.05, Peak(10.5, 1.5, 1.2), _LUNCH_DIP,
                          Peak(15.0, 1.5, 1.3)),
    "chat_vip": _shape(8.5, 21.0, 0.5, 0.05, Peak(10.0, 1.2, 1.6), _LUNCH_DIP,
                       Peak(15.0, 1.3, 1.4)),
    "chat_international": _shape(7.0, 23.8, 0.8, 0.35, Peak(10.0, 1.5, 0.6),
                                 Peak(16.0, 1.5, 0.8), Peak(21.5, 1.5, 1.2)),
    "chat_returns": _shape(8.0, 23.0, 0.7, 0.06, Peak(11.0, 1.5, 1.2), _LUNCH_DIP,
                           Peak(15.0, 1.4, 0.8), Peak(20.5, 1.3, 1.0)),
    "voice_tracking": _shape(8.0, 21.0, 0.5, 0.05, Peak(10.0, 1.2, 1.8), Peak(12.5, 0.6, -0.4),
                             Peak(15.0, 1.3, 1.4)),
    "voice_complaints": _shape(8.0, 21.5, 0.5, 0.05, Peak(10.5, 1.3, 1.3),
                               Peak(12.5, 0.6, -0.4), Peak(15.5, 1.4, 1.7)),
    "voice_vip": _shape(8.5, 20.0, 0.5, 0.04, Peak(10.0, 1.2, 1.6), Peak(12.5, 0.6, -0.4),
                        Peak(15.0, 1.3, 1.4)),
    "email_claims": _shape(8.5, 19.0, 0.6, 0.02, Peak(10.3, 1.5, 0.6), Peak(15.0, 1.5, 0.4)),
    "email_general": _shape(8.5, 19.5, 0.6, 0.02, Peak(10.3, 1.5, 0.5), Peak(15.0, 1.5, 0.5)),
}


# ================================================================================= queues
@dataclass(frozen=True)
class Topic:
    """One queue's numbers: share of the day's contacts, handle time and how it varies.

    Attributes
    ----------
    id : queue id (``<channel>_<topic>``).
    share : share of all contacts. [fraction]
    aht_seconds : mean handle time (chat: of a session at the queue's concurrency). [s]
    handle_time_cv : coefficient of variation of one contact's handle time. [-]
    spike_share : share of a promotion day's volume in the midnight opening spike. [fraction]
    open_hours : local ``(open, close)`` hours; ``None`` = around the clock. [h]
    """

    id: str
    share: float
    aht_seconds: float
    handle_time_cv: float
    spike_share: float
    open_hours: tuple[float, float] | None = None


#: The 12 queues. Chat 65 %, voice 30 %, email 5 %. Complaints and claims take longest;
#: VIP is small and slower than tracking (a senior agent, no script) and open 08:00-22:00
#: (merchants' office hours; at night their contacts go to the other queues and are not
#: counted here); international chats need translation and customs questions.
TOPICS = (
    Topic("voice_tracking", 0.17, 210.0, 0.7, 0.05),
    Topic("voice_complaints", 0.11, 420.0, 0.8, 0.03),
    Topic("voice_vip", 0.02, 360.0, 0.7, 0.0, open_hours=(8.0, 22.0)),
    Topic("chat_tracking", 0.24, 300.0, 0.6, 0.10),
    Topic("chat_complaints", 0.08, 600.0, 0.7, 0.05),
    Topic("chat_exceptions", 0.12, 480.0, 0.6, 0.08),
    Topic("chat_claims", 0.05, 660.0, 0.7, 0.03),
    Topic("chat_vip", 0.02, 480.0, 0.6, 0.0, open_hours=(8.0, 22.0)),
    Topic("chat_international", 0.04, 540.0, 0.7, 0.02),
    Topic("chat_returns", 0.10, 420.0, 0.6, 0.06),
    Topic("email_claims", 0.03, 900.0, 0.9, 0.01),
    Topic("email_general", 0.02, 480.0, 0.9, 0.02),
)


def desk_queues() -> tuple[QueueModel, ...]:
    """The express model's queue records for the 12 topics (AHT 15 % longer at night, 5 %
    shorter at the peak, as the express voice queue)."""
    return tuple(
        QueueModel(id=t.id, channel=t.id.split("_")[0], share=t.share,
                   workday=SHAPES[t.id], rest_day=rest_day_shape(SHAPES[t.id]),
                   promotion_spike_share=t.spike_share, aht_seconds=t.aht_seconds,
                   handle_time_cv=t.handle_time_cv, aht_night_extra=0.15, aht_peak_cut=0.05,
                   open_hours=t.open_hours)
        for t in TOPICS)


#: An e-commerce desk feels the shopping festivals harder than the express desk (1.55x, 1.65x).
PROMOTIONS = (
    dataclasses.replace(express.PROMOTIONS[0], peak=1.70),   # 618
    dataclasses.replace(express.PROMOTIONS[1], peak=1.80),   # Double 11
)

PLAN_WEEK = dt.date(2026, 11, 23)


def desk_model() -> express.SiteModel:
    """The service desk: 24x7 in Shanghai, CN holidays, ~4,950 contacts a day in late 2026."""
    return express.SiteModel(
        time_zone="Asia/Shanghai", country="CN", queues=desk_queues(),
        volume=express.VolumeModel(daily_contacts=4700.0), promotions=PROMOTIONS,
        interval_minutes=30, plan_weeks=(PLAN_WEEK,))


# ================================================================================= agents
@dataclass(frozen=True)
class Contract:
    """A contract type as the generator needs it (the scenario file holds the rules).

    Attributes
    ----------
    name : contract name in the scenario's ``contracts:``.
    share : share of agents. [fraction]
    hours : weekly paid hours ``(min, max)`` windows, cycled through. [h]
    shift_paid_hours : paid hours of a usual shift (leave lowers the minimum by this). [h]
    preferred_starts : start windows an agent of this contract may prefer.
    """

    name: str
    share: float
    hours: tuple[tuple[int, int], ...]
    shift_paid_hours: float
    preferred_starts: tuple[str, ...]


CONTRACTS = (
    Contract("day_full_time", 0.50, ((40, 40),), 8.0,
             ("07:00-09:00", "08:00-10:00", "09:00-11:00", "12:00-13:00")),
    Contract("night_full_time", 0.25, ((40, 40),), 8.0,
             ("14:00-16:00", "16:00-18:00", "21:00-23:00", "22:00-23:30")),
    Contract("part_time", 0.25, ((20, 30), (24, 30), (20, 24), (30, 30)), 7.5,
             ("08:00-10:00", "12:00-14:00", "14:00-16:00")),
)


@dataclass(frozen=True)
class Team:
    """A skill set with priorities (1 = primary) and the contracts that hold it.

    Attributes
    ----------
    skills : queue ids, priority 1 first.
    shares : share of each contract's agents in this team, by contract name. [fraction]
    """

    skills: tuple[str, ...]
    shares: dict[str, float]


#: Skill teams. Day and part-time agents: broad teams by primary topic; a few newcomers with one
#: or two skills; VIP and international held by small specialist teams. Night-capable agents:
#: broad generalists; VIP and international in very few hands (the night's weak spot).
TEAMS = (
    # ---- day full-time and part-time
    Team(("chat_tracking", "voice_tracking", "chat_exceptions", "chat_returns"),
         {"day_full_time": 0.12, "part_time": 0.24}),
    Team(("voice_tracking", "voice_complaints", "chat_tracking"),
         {"day_full_time": 0.08, "part_time": 0.10}),
    Team(("voice_complaints", "voice_tracking", "chat_complaints"),
         {"day_full_time": 0.07, "part_time": 0.06}),
    Team(("chat_exceptions", "chat_tracking", "chat_returns", "email_general"),
         {"day_full_time": 0.11, "part_time": 0.12}),
    Team(("chat_complaints", "voice_complaints", "chat_exceptions", "email_general"),
         {"day_full_time": 0.11, "part_time": 0.06}),
    Team(("chat_claims", "email_claims", "chat_complaints"),
         {"day_full_time": 0.09, "part_time": 0.06}),
    Team(("chat_returns", "chat_tracking", "chat_exceptions"),
         {"day_full_time": 0.06, "part_time": 0.12}),
    Team(("email_claims", "email_general", "chat_claims"),
         {"day_full_time": 0.06, "part_time": 0.04}),
    Team(("voice_vip", "chat_vip", "voice_complaints", "chat_complaints"),
         {"day_full_time": 0.14}),
    Team(("chat_international", "chat_tracking", "chat_exceptions"),
         {"day_full_time": 0.08}),
    # newcomers: one or two skills
    Team(("chat_tracking",), {"day_full_time": 0.04, "part_time": 0.10}),
    Team(("voice_tracking", "chat_tracking"), {"day_full_time": 0.04, "part_time": 0.10}),
    # ---- night-capable full-time: the quiet night hours go to email at the lowest priority
    Team(("chat_tracking", "chat_exceptions", "chat_returns", "chat_complaints", "chat_claims",
          "email_general"), {"night_full_time": 0.30}),
    Team(("voice_tracking", "voice_complaints", "chat_tracking", "chat_exceptions",
          "email_claims"), {"night_full_time": 0.28}),
    Team(("chat_complaints", "voice_complaints", "chat_claims", "chat_returns", "email_claims"),
         {"night_full_time": 0.16}),
    Team(("chat_international", "chat_tracking", "chat_exceptions", "email_general"),
         {"night_full_time": 0.14}),
    Team(("voice_vip", "chat_vip", "voice_complaints", "chat_complaints"),
         {"night_full_time": 0.12}),
)


#: Share of agents with leave, training, fixed days off and preferences in the plan week (the
#: express example's workforce model, whose leave and training draws are reused).
WORKFORCE = express.WorkforceModel(leave_share=0.10, training_share=0.08,
                                   fixed_days_off_share=0.05, preferred_days_off_share=0.25,
                                   preferred_start_share=0.25)


def make_agents(model: express.SiteModel, n: int, seed: int) -> pd.DataFrame:
    """The agents file (agents format of docs/formats.md), all cells as text.

    Contract counts are allocated exactly (largest remainder), then each contract's skill teams,
    then everything is shuffled. Leave and training fall in the plan week; leave lowers the
    agent's minimum hours (the express example's rule, :func:`express._unavailability`).
    """
    rng = express._streams(seed)[2]
    counts = express.allocate([c.share for c in CONTRACTS], n)
    people: list[tuple[Contract, str]] = []
    for contract, count in zip(CONTRACTS, counts, strict=True):
        teams = [t for t in TEAMS if contract.name in t.shares]
        team_counts = express.allocate([t.shares[contract.name] for t in teams], int(count))
        for team, k in zip(teams, team_counts, strict=True):
            skills = ";".join(f"{q}:{i + 1}" for i, q in enumerate(team.skills))
            people += [(contract, skills)] * int(k)
    people = [people[i] for i in rng.permutation(n)]
    names = express.unique_names(rng, n)

    rows = []
    seen: dict[str, int] = {}
    for i, (contract, skills) in enumerate(people):
        k = seen.get(contract.name, 0)
        seen[contract.name] = k + 1
        min_h, max_h = contract.hours[k % len(contract.hours)]
        fixed = ""
        if rng.random() < WORKFORCE.fixed_days_off_share:
            fixed = express.FIXED_DAYS_OFF[rng.integers(len(express.FIXED_DAYS_OFF))]
        unavailable, min_needed = express._unavailability(
            rng, WORKFORCE, model, fixed, contract.name, min_h,
            shift_paid_hours=contract.shift_paid_hours)
        preferred_days = ""
        if rng.random() < WORKFORCE.preferred_days_off_share:
            preferred_days = express.PREFERRED_DAYS_OFF[
                rng.integers(len(express.PREFERRED_DAYS_OFF))]
        preferred_start = ""
        if rng.random() < WORKFORCE.preferred_start_share:
            preferred_start = contract.preferred_starts[
                rng.integers(len(contract.preferred_starts))]
        own = (min(min_h, min_needed), max_h)
        default = contract.hours[0] if len(contract.hours) == 1 else None
        rows.append({
            "agent_id": f"S{i + 1:03d}", "name": names[i], "contract": contract.name,
            "skills": skills, "unavailable": ";".join(unavailable),
            "fixed_days_off": fixed, "preferred_days_off": preferred_days,
            "preferred_start": preferred_start,
            "min_hours_per_week": "" if own == default else f"{own[0]:g}",
            "max_hours_per_week": "" if own == default else f"{own[1]:g}",
        })
    return pd.DataFrame(rows)


# =============================================================================== history
def history_table(model: express.SiteModel, start: dt.date, end: dt.date,
                  seed: int) -> pd.DataFrame:
    """The drawn history, written compactly so 12 queues x 56 weeks stay near 8 MB.

    ``interval_start`` is local time without the UTC offset (``2026-11-22 23:30``), which
    docs/formats.md reads as local time in the scenario's zone: Asia/Shanghai has no DST, so
    it is unambiguous. ``aht_seconds`` is in whole seconds (a tenth of a second says nothing at
    these volumes), empty when no contact arrived.
    """
    frame = express.simulate_history(model, start, end, seed)
    stamps = frame["interval_start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M")
    return frame.assign(interval_start=stamps,
                        aht_seconds=frame["aht_seconds"].round(0).astype("Int64"))


# ================================================================================= main
DEFAULTS = dict(seed=20261124, start="2025-10-27", end="2026-11-22", agents=200, out_dir=HERE)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed")
    parser.add_argument("--start", type=dt.date.fromisoformat,
                        default=dt.date.fromisoformat(DEFAULTS["start"]),
                        help="first local day of the history (YYYY-MM-DD)")
    parser.add_argument("--end", type=dt.date.fromisoformat,
                        default=dt.date.fromisoformat(DEFAULTS["end"]),
                        help="last local day of the history, inclusive (YYYY-MM-DD)")
    parser.add_argument("--agents", type=int, default=DEFAULTS["agents"],
                        help="number of agents")
    parser.add_argument("--out-dir", type=Path, default=DEFAULTS["out_dir"],
                        help="folder to write the files into")
    parser.add_argument("--expected", action="store_true",
                        help="also write expected.csv, the model's noise-free values")
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error(f"--end ({args.end}) is before --start ({args.start})")
    return args


def generate(args: argparse.Namespace) -> list[Path]:
    """Write history.csv, agents.csv and events.yaml (and expected.csv) into ``args.out_dir``."""
    model = desk_model()
    out = Path(args.out_dir)
    write_table(history_table(model, args.start, args.end, args.seed), out / "history.csv",
                "history")
    write_table(make_agents(model, args.agents, args.seed), out / "agents.csv")
    write_text(express.events_yaml(model, args.start, args.end,
                                   writer="examples/service-desk/generate.py"),
               out / "events.yaml")
    written = [out / "history.csv", out / "agents.csv", out / "events.yaml"]
    if args.expected:
        write_table(express.expected_history(model, args.start, args.end),
                    out / "expected.csv", "history")
        written.append(out / "expected.csv")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    for path in generate(parse_args(argv)):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
