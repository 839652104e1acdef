#!/usr/bin/env python
"""Generate the bundled express-delivery example of ``staffing`` (synthetic data).

The example is a made-up 24x7 customer-service desk of a Chinese express-delivery company, with
three queues (chat, voice, email). This script is its whole model: the history, the agents and the
promotion calendar are drawn from the components below, each a small function with named,
documented parameters.

Run from the repository root (the defaults write the bundled files, byte for byte):

    .venv/bin/python examples/express/generate.py

and the small test fixture (``tests/fixtures/small``; its ``scenario.yaml`` is written by hand):

    .venv/bin/python examples/express/generate.py --preset small

Model of the expected number of contacts of queue ``q`` in interval ``i`` of local day ``d``::

    E[volume] = daily_contacts * trend(d) * day_factor(d) * promotion(d) * share(q)
                * intraday(q, day type of d, local time of i)

- ``trend``: compound annual growth around a reference date (:class:`VolumeModel`).
- ``day_factor``: the weekday shape (Monday heaviest after the weekend's deliveries, Sunday
  lightest); a make-up working day of the CN calendar (a weekend day worked in exchange for a
  holiday bridge) behaves like an ordinary working day; days of a public-holiday block (the run of
  rest days around a holiday) take the holiday's level instead, with an optional ramp-down before
  and a rebound after (:class:`HolidayEffect`, :func:`holiday_factors`).
- ``promotion``: Double 11 and 618, a peak on the day with a linear ramp-up before and a tail of
  delivery-status contacts after (:class:`Promotion`, :func:`promotion_factors`).
- ``intraday``: arrival density over the local day per queue and day type (working day, rest
  day), with peaks around 10:00 and 15:00 and a quiet night; on a promotion day part of the volume
  arrives in a spike just after midnight, when the sale opens (:class:`IntradayShape`).

Counts are Poisson draws around ``E[volume]`` multiplied by gamma noise with mean 1 (per day, per
queue and day, per interval), so they are overdispersed like real arrivals. The interval's average
handle time is the mean of the handle times of its contacts, each gamma-distributed around an AHT
that is longer at night and shorter at the peaks (:class:`QueueModel`, :func:`aht_factors`);
``aht_seconds`` is empty when no contact arrived.

Agents (:class:`WorkforceModel`, :func:`make_agents`): Chinese names, a skill matrix with
priorities, full-time and part-time contracts, leave days and training half-days inside the plan
weeks, fixed days off and preferences. Random streams are independent per component (history
volumes, handle times, agents), so changing ``--agents`` does not change the history.

Reproducibility: a given seed, set of options and numpy version give the same files byte for byte.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import holidays as holidays_lib
import numpy as np
import pandas as pd

from staffing.io import write_table, write_text
from staffing.timegrid import interval_grid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HERE = Path(__file__).resolve().parent


# ============================================================================ model parameters
@dataclass(frozen=True)
class Peak:
    """A bump of the intraday arrival density.

    Attributes
    ----------
    hour : local time of the bump's centre. [h]
    width_hours : standard deviation of the Gaussian bump. [h]
    height : bump height relative to the daytime base level (negative = a dip, e.g. lunch). [-]
    """

    hour: float
    width_hours: float
    height: float


@dataclass(frozen=True)
class IntradayShape:
    """Arrival density over a local day (it is normalised to sum to 1 over each day).

    ``density(h) = night_floor + envelope(h) * (1 + sum of peaks)`` where ``envelope`` rises
    around ``opens_hour`` and falls around ``closes_hour`` (logistic ramps ``ramp_hours`` wide):
    a daytime plateau with bumps, and a small constant volume at night.

    Attributes
    ----------
    opens_hour : local time the daytime volume ramps up around. [h]
    closes_hour : local time the daytime volume ramps down around. [h]
    ramp_hours : steepness of both ramps (logistic scale). [h]
    night_floor : night density relative to the daytime base level. [-]
    peaks : bumps on top of the daytime level.
    """

    opens_hour: float
    closes_hour: float
    ramp_hours: float
    night_floor: float
    peaks: tuple[Peak, ...]

    def density(self, hours: np.ndarray) -> np.ndarray:
        """Unnormalised arrival density at local times ``hours``. [h] -> [-]"""
        h = np.asarray(hours, dtype=float)
        envelope = _sigmoid((h - self.opens_hour) / self.ramp_hours) * _sigmoid(
            (self.closes_hour - h) / self.ramp_hours
        )
        level = np.ones_like(h)
        for peak in self.peaks:
            level += peak.height * np.exp(-0.5 * ((h - peak.hour) / peak.width_hours) ** 2)
        return self.night_floor + envelope * np.clip(level, 0.0, None)


@dataclass(frozen=True)
class QueueModel:
    """One queue: its share of the contacts, its intraday shapes and its handle time.

    Attributes
    ----------
    id : queue id (as in the history and agents files).
    channel : ``voice``, ``chat`` or ``email``.
    share : share of the day's contacts. [fraction]
    workday : intraday shape on working days (Mon-Fri and make-up working days).
    rest_day : intraday shape on weekends and public holidays.
    promotion_spike_share : share of a promotion day's volume arriving in the opening spike
        just after midnight. [fraction]
    aht_seconds : mean handle time of a contact (chat: of a session), volume-weighted over a
        day. [s]
    handle_time_cv : coefficient of variation of one contact's handle time. [-]
    aht_night_extra : relative AHT increase at the quietest time of the day. [fraction]
    aht_peak_cut : relative AHT decrease at the busiest time of the day. [fraction]
    open_hours : local ``(open, close)`` hours of this queue inside the site's; ``None`` = the
        site's ``open_hours``. A day's volume arrives in the hours both are open. [h]
    """

    id: str
    channel: str
    share: float
    workday: IntradayShape
    rest_day: IntradayShape
    promotion_spike_share: float
    aht_seconds: float
    handle_time_cv: float
    aht_night_extra: float
    aht_peak_cut: float
    open_hours: tuple[float, float] | None = None


@dataclass(frozen=True)
class VolumeModel:
    """Daily level: trend and weekday shape.

    Attributes
    ----------
    daily_contacts : contacts on an average day (weekday factors average 1) at
        ``reference_date``, all queues. [contacts/day]
    reference_date : date ``daily_contacts`` refers to.
    annual_growth : compound growth per year. [fraction/year]
    weekday_factors : volume of each weekday, Monday first, relative to the week's mean.
    makeup_workday_factor : volume of a make-up working day (a weekend day worked in exchange
        for a holiday bridge) relative to the week's mean: an ordinary working day.
    """

    daily_contacts: float = 5000.0
    reference_date: dt.date = dt.date(2026, 1, 1)
    annual_growth: float = 0.06
    weekday_factors: tuple[float, ...] = (1.18, 1.08, 1.02, 1.00, 0.98, 0.90, 0.84)
    makeup_workday_factor: float = 1.02


@dataclass(frozen=True)
class HolidayEffect:
    """Effect of a public-holiday block (the run of rest days containing a public holiday).

    Attributes
    ----------
    level : volume on every day of the block relative to the week's mean (it replaces the
        weekday factor). [-]
    days_before : days of ramp-down before the block. [days]
    level_before : volume on the last day before the block relative to normal; the ramp is
        linear from 1 over ``days_before`` days. [-]
    rebound_peak : extra volume on the first day after the block (backlog of held parcels),
        fading linearly to 0 over ``rebound_days``. [fraction]
    rebound_days : days the rebound lasts. [days]
    """

    level: float
    days_before: int = 0
    level_before: float = 1.0
    rebound_peak: float = 0.0
    rebound_days: int = 0


#: Holiday families and their effects. The family of a block is its strongest member's.
HOLIDAY_EFFECTS: dict[str, HolidayEffect] = {
    # Couriers go home: deliveries stop for a week, then the held parcels flood in.
    "spring_festival": HolidayEffect(level=0.40, days_before=5, level_before=0.80,
                                     rebound_peak=0.35, rebound_days=6),
    # Golden week (1-7 October, with Mid-Autumn when it falls close).
    "national_day": HolidayEffect(level=0.60, rebound_peak=0.15, rebound_days=3),
    # New Year's Day, Tomb-Sweeping Day, Labour Day, Dragon Boat, Mid-Autumn.
    "public_holiday": HolidayEffect(level=0.72, rebound_peak=0.08, rebound_days=2),
}
HOLIDAY_FAMILY_ORDER = ("spring_festival", "national_day", "public_holiday")


@dataclass(frozen=True)
class Promotion:
    """A yearly shopping festival.

    The factor on day ``d`` relative to the promotion day ``p`` (``k = |d - p|``) is
    ``peak`` on the day, ``1 + (peak - 1) * ramp_before_share * (B + 1 - k) / B`` for the
    ``B = ramp_days_before`` days before, and ``1 + (peak - 1) * tail_share * (A + 1 - k) / A``
    for the ``A = ramp_days_after`` days after (delivery-status contacts).

    Attributes
    ----------
    name : event name, as in ``events.yaml``.
    month, day : date of the promotion day each year.
    peak : volume on the day relative to a normal day of the same weekday. [-]
    ramp_days_before : days of build-up (pre-sale questions). [days]
    ramp_before_share : uplift on the day before, as a share of the day's uplift. [fraction]
    ramp_days_after : days of tail (where-is-my-parcel contacts). [days]
    tail_share : uplift on the day after, as a share of the day's uplift. [fraction]
    """

    name: str
    month: int
    day: int
    peak: float
    ramp_days_before: int
    ramp_before_share: float
    ramp_days_after: int
    tail_share: float


PROMOTIONS = (
    Promotion("618", 6, 18, peak=1.55, ramp_days_before=3, ramp_before_share=0.5,
              ramp_days_after=6, tail_share=0.6),
    Promotion("Double 11", 11, 11, peak=1.65, ramp_days_before=4, ramp_before_share=0.5,
              ramp_days_after=7, tail_share=0.7),
)

#: Decay time of the midnight spike of a promotion day (arrivals fall off exponentially). [h]
PROMOTION_SPIKE_DECAY_HOURS = 0.75


@dataclass(frozen=True)
class NoiseModel:
    """Random variation around the expected values (gamma factors with mean 1).

    Attributes
    ----------
    day_cv : day-to-day variation shared by all queues (weather, news). [-]
    queue_day_cv : extra day-to-day variation per queue. [-]
    interval_cv : extra interval-to-interval variation on top of Poisson (overdispersion). [-]
    aht_day_cv : day-to-day variation of each queue's AHT. [-]
    """

    day_cv: float = 0.04
    queue_day_cv: float = 0.02
    interval_cv: float = 0.05
    aht_day_cv: float = 0.03


@dataclass(frozen=True)
class SkillProfile:
    """A skill combination and its share of the workforce, e.g. ``chat:1;voice:2``."""

    skills: tuple[str, ...]  # queue ids, priority 1 first
    share: float


@dataclass(frozen=True)
class WorkforceModel:
    """The agents: contracts, skills, unavailability and preferences.

    Counts (contracts, skill profiles) are allocated exactly by largest remainder, not drawn, so
    the documented mix holds for any number of agents.

    Attributes
    ----------
    full_time_share : share of agents on ``full_time`` (40 h/week). [fraction]
    part_time_hours : weekly hours ``(min, max)`` windows of part-timers, cycled through. [h]
    skill_profiles : skill combinations and their shares (queues the site lacks are dropped).
    leave_share : share of agents with leave days in a plan week. [fraction]
    promotion_leave_share : the same in a plan week holding a promotion (leave freeze). [fraction]
    leave_days : possible lengths of a leave, with their weights. [days]
    training_share : share of agents with a training half-day in a plan week. [fraction]
    fixed_days_off_share : share of agents with fixed weekdays off. [fraction]
    preferred_days_off_share : share of agents preferring some days off. [fraction]
    preferred_start_share : share of agents preferring a start window. [fraction]
    """

    full_time_share: float = 0.80
    part_time_hours: tuple[tuple[int, int], ...] = ((20, 30), (24, 30), (20, 24), (30, 30))
    skill_profiles: tuple[SkillProfile, ...] = (
        SkillProfile(("chat",), 0.08),
        SkillProfile(("chat", "voice"), 0.30),
        SkillProfile(("chat", "voice", "email"), 0.14),
        SkillProfile(("chat", "email"), 0.05),
        SkillProfile(("voice",), 0.05),
        SkillProfile(("voice", "chat"), 0.20),
        SkillProfile(("voice", "chat", "email"), 0.08),
        SkillProfile(("email", "chat"), 0.05),
        SkillProfile(("email", "chat", "voice"), 0.03),
        SkillProfile(("email",), 0.02),
    )
    leave_share: float = 0.10
    promotion_leave_share: float = 0.02
    leave_days: tuple[tuple[int, float], ...] = ((1, 0.5), (2, 0.3), (3, 0.2))
    training_share: float = 0.08
    fixed_days_off_share: float = 0.05
    preferred_days_off_share: float = 0.25
    preferred_start_share: float = 0.25


@dataclass(frozen=True)
class SiteModel:
    """Everything the generator needs: site, calendar, queues, volume, noise, workforce.

    Attributes
    ----------
    time_zone : IANA zone; every time is local to it (DST-correct).
    country, subdivision : public-holiday calendar (``holidays`` package).
    queues : the queues (shares must sum to 1).
    volume : daily level and weekday shape.
    holiday_effects : effect per holiday family.
    promotions : yearly promotions.
    noise : random variation.
    workforce : the agents.
    interval_minutes : length of a history interval. [min]
    open_hours : local ``(open, close)`` hours; contacts arrive only in between (``(0, 24)``
        = 24x7). [h]
    plan_weeks : first days of the weeks the agents' unavailability is drawn for.
    """

    time_zone: str
    country: str
    queues: tuple[QueueModel, ...]
    volume: VolumeModel = VolumeModel()
    holiday_effects: dict[str, HolidayEffect] = dataclasses.field(
        default_factory=lambda: dict(HOLIDAY_EFFECTS))
    promotions: tuple[Promotion, ...] = PROMOTIONS
    noise: NoiseModel = NoiseModel()
    workforce: WorkforceModel = WorkforceModel()
    subdivision: str | None = None
    interval_minutes: int = 15
    open_hours: tuple[float, float] = (0.0, 24.0)
    plan_weeks: tuple[dt.date, ...] = (dt.date(2026, 11, 9), dt.date(2026, 11, 23))


def _shape(opens: float, closes: float, ramp: float, night: float, *peaks: Peak) -> IntradayShape:
    return IntradayShape(opens, closes, ramp, night, tuple(peaks))


#: Queues of the express desk. Chat AHT is per session (agents run 2 sessions at once).
EXPRESS_QUEUES = (
    QueueModel(
        id="chat", channel="chat", share=0.65,
        workday=_shape(7.5, 22.5, 0.7, 0.08,
                       Peak(10.0, 1.3, 1.6), Peak(12.6, 0.6, -0.35), Peak(15.0, 1.4, 1.4),
                       Peak(20.5, 1.2, 0.5)),
        rest_day=_shape(8.3, 22.8, 0.8, 0.09,
                        Peak(10.3, 1.4, 1.2), Peak(12.7, 0.7, -0.35), Peak(15.2, 1.5, 1.1),
                        Peak(20.5, 1.3, 0.7)),
        promotion_spike_share=0.08,
        aht_seconds=420.0, handle_time_cv=0.6, aht_night_extra=0.18, aht_peak_cut=0.06,
    ),
    QueueModel(
        id="voice", channel="voice", share=0.30,
        workday=_shape(8.0, 21.0, 0.5, 0.05,
                       Peak(10.0, 1.2, 1.8), Peak(12.5, 0.6, -0.4), Peak(15.0, 1.3, 1.5)),
        rest_day=_shape(8.7, 20.5, 0.6, 0.05,
                        Peak(10.3, 1.3, 1.3), Peak(12.6, 0.7, -0.4), Peak(15.2, 1.4, 1.1)),
        promotion_spike_share=0.05,
        aht_seconds=240.0, handle_time_cv=0.7, aht_night_extra=0.15, aht_peak_cut=0.05,
    ),
    QueueModel(
        id="email", channel="email", share=0.05,
        workday=_shape(8.5, 19.0, 0.6, 0.02,
                       Peak(10.3, 1.5, 0.6), Peak(15.0, 1.5, 0.4)),
        rest_day=_shape(9.0, 19.5, 0.8, 0.02,
                        Peak(10.5, 1.6, 0.4), Peak(15.2, 1.6, 0.3)),
        promotion_spike_share=0.02,
        aht_seconds=600.0, handle_time_cv=0.9, aht_night_extra=0.10, aht_peak_cut=0.03,
    ),
)


def express_model() -> SiteModel:
    """The bundled example: 24x7 desk in Shanghai, CN holidays, ~5,000 contacts a day."""
    return SiteModel(time_zone="Asia/Shanghai", country="CN", queues=EXPRESS_QUEUES)


def small_model() -> SiteModel:
    """The test fixture: a small Berlin desk (DST), voice and chat only, open 09:00-18:00."""
    queues = tuple(dataclasses.replace(q, share=q.share / 0.95)
                   for q in EXPRESS_QUEUES if q.id in ("voice", "chat"))
    return SiteModel(
        time_zone="Europe/Berlin", country="DE", queues=queues,
        volume=VolumeModel(daily_contacts=220.0),
        interval_minutes=60, open_hours=(9.0, 18.0), plan_weeks=(dt.date(2026, 11, 23),),
    )


#: Presets: the model and the default command-line values of each.
PRESETS = {
    "express": dict(model=express_model, seed=20261123, start="2025-01-01", end="2026-11-22",
                    agents=150, out_dir=HERE),
    "small": dict(model=small_model, seed=7, start="2026-09-14", end="2026-11-22",
                  agents=8, out_dir=HERE.parent.parent / "tests" / "fixtures" / "small"),
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# =========================================================================== calendar and days
def date_range(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Local days from ``start`` to ``end`` inclusive (naive midnight timestamps)."""
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")


def holiday_family(name: str) -> str | None:
    """Family of a holiday by its ``holidays`` name; ``None`` for a bridging day off."""
    lower = name.lower()
    if lower.startswith("day off"):
        return None
    if "chinese new year" in lower or "spring festival" in lower:
        return "spring_festival"
    if "national day" in lower:
        return "national_day"
    return "public_holiday"


def holiday_calendar(days: pd.DatetimeIndex, country: str,
                     subdivision: str | None = None) -> pd.DataFrame:
    """Public holidays, make-up working days and holiday blocks of ``days``.

    Returns one row per day (index ``days``) with ``holiday`` (the name, or empty),
    ``makeup_workday`` (a weekend day worked in exchange for a bridge), ``rest_day`` (holiday or a
    weekend day that is not worked), ``block`` (number of the holiday block the day belongs to,
    -1 outside blocks) and ``family`` (the block's family, empty outside blocks). A holiday block
    is a maximal run of rest days containing at least one public holiday.
    """
    years = range(days[0].year - 1, days[-1].year + 2)
    calendar = holidays_lib.country_holidays(country, subdiv=subdivision, years=years,
                                             language="en_US")
    makeup = {pd.Timestamp(d) for d in getattr(calendar, "weekend_workdays", ())}
    names = pd.Series([calendar.get(d.date(), "") for d in days], index=days, dtype=object)
    names = names.map(lambda n: n.split(";")[0].strip())
    weekend = days.day_of_week >= 5
    is_makeup = days.isin(list(makeup)) & weekend
    rest = (names != "").to_numpy() | (weekend & ~is_makeup)
    # Runs of consecutive rest days; a run is a holiday block if it holds a holiday.
    run_id = np.cumsum(np.r_[True, rest[1:] != rest[:-1]])
    frame = pd.DataFrame({"holiday": names, "makeup_workday": is_makeup, "rest_day": rest,
                          "block": -1, "family": ""}, index=days)
    for run in np.unique(run_id[rest]):
        members = run_id == run
        if not (names[members] != "").any():
            continue  # an ordinary weekend
        families = {holiday_family(n) for n in names[members] if n} - {None}
        family = next((f for f in HOLIDAY_FAMILY_ORDER if f in families), "public_holiday")
        frame.loc[members, "block"] = int(run)
        frame.loc[members, "family"] = family
    return frame


def trend_factors(days: pd.DatetimeIndex, volume: VolumeModel) -> np.ndarray:
    """Compound growth of each day relative to ``volume.reference_date``. [-]"""
    years = (days - pd.Timestamp(volume.reference_date)).days.to_numpy() / 365.25
    return (1.0 + volume.annual_growth) ** years


def weekday_factors(calendar: pd.DataFrame, volume: VolumeModel) -> np.ndarray:
    """Weekday shape; make-up working days count as ordinary working days. [-]"""
    factors = np.asarray(volume.weekday_factors)[calendar.index.day_of_week]
    return np.where(calendar["makeup_workday"], volume.makeup_workday_factor, factors)


def holiday_factors(calendar: pd.DataFrame, weekday: np.ndarray,
                    effects: dict[str, HolidayEffect]) -> np.ndarray:
    """Day factor with holidays: the block level inside a block (instead of the weekday
    factor), the weekday factor times the ramp-down and rebound around it. [-]"""
    out = weekday.astype(float).copy()
    block = calendar["block"].to_numpy()
    family = calendar["family"].to_numpy()
    n = len(out)
    modifier = np.ones(n)
    for b in np.unique(block[block >= 0]):
        where = np.flatnonzero(block == b)
        effect = effects[family[where[0]]]
        out[where] = effect.level
        first, last = where[0], where[-1]
        for k in range(1, effect.days_before + 1):
            i = first - k
            if i >= 0 and block[i] < 0:
                depth = (1.0 - effect.level_before) * (effect.days_before + 1 - k) / \
                    effect.days_before
                modifier[i] *= 1.0 - depth
        for k in range(1, effect.rebound_days + 1):
            i = last + k
            if i < n and block[i] < 0:
                modifier[i] *= 1.0 + effect.rebound_peak * (effect.rebound_days + 1 - k) / \
                    effect.rebound_days
    return out * modifier


def promotion_dates(promotions: Sequence[Promotion], start: dt.date,
                    end: dt.date) -> list[tuple[Promotion, dt.date]]:
    """Occurrences ``(promotion, date)`` from ``start`` to ``end`` inclusive, by date."""
    out = [(p, dt.date(year, p.month, p.day))
           for year in range(start.year, end.year + 1) for p in promotions]
    return sorted(((p, d) for p, d in out if start <= d <= end), key=lambda pd_: pd_[1])


def promotion_factors(days: pd.DatetimeIndex,
                      promotions: Sequence[Promotion]) -> tuple[np.ndarray, np.ndarray]:
    """Promotion factor of each day and whether it is a promotion day. [-], [bool]"""
    factor = np.ones(len(days))
    is_day = np.zeros(len(days), dtype=bool)
    first, last = days[0].date(), days[-1].date()
    pad = dt.timedelta(days=31)
    for promo, date in promotion_dates(promotions, first - pad, last + pad):
        offset = (days - pd.Timestamp(date)).days.to_numpy()
        uplift = promo.peak - 1.0
        before = (offset < 0) & (offset >= -promo.ramp_days_before)
        after = (offset > 0) & (offset <= promo.ramp_days_after)
        factor[offset == 0] *= promo.peak
        factor[before] *= 1.0 + uplift * promo.ramp_before_share * (
            promo.ramp_days_before + 1 + offset[before]) / promo.ramp_days_before
        factor[after] *= 1.0 + uplift * promo.tail_share * (
            promo.ramp_days_after + 1 - offset[after]) / promo.ramp_days_after
        is_day |= offset == 0
    return factor, is_day


def day_table(model: SiteModel, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per local day: calendar and every day-level factor, and the expected total.

    Columns: ``holiday``, ``makeup_workday``, ``rest_day``, ``block``, ``family``, ``trend``,
    ``day_factor`` (weekday shape with holidays), ``promotion``, ``promotion_day`` and
    ``expected_contacts`` (all queues). [contacts/day]
    """
    pad = dt.timedelta(days=40)  # so ramps and rebounds reaching over the edges are right
    padded = date_range(start - pad, end + pad)
    calendar = holiday_calendar(padded, model.country, model.subdivision)
    weekday = weekday_factors(calendar, model.volume)
    calendar["trend"] = trend_factors(padded, model.volume)
    calendar["day_factor"] = holiday_factors(calendar, weekday, model.holiday_effects)
    calendar["promotion"], calendar["promotion_day"] = promotion_factors(padded, model.promotions)
    calendar["expected_contacts"] = (model.volume.daily_contacts * calendar["trend"]
                                     * calendar["day_factor"] * calendar["promotion"])
    return calendar.loc[pd.Timestamp(start):pd.Timestamp(end)].copy()


# ============================================================================== intraday
def interval_table(model: SiteModel, days: pd.DataFrame) -> pd.DataFrame:
    """The history's intervals (aware, DST-correct) with their day and local time.

    Columns: ``interval_start`` (aware), ``day`` (position in ``days``), ``hour`` (local time of
    the interval's midpoint, [h]) and ``open`` (inside ``model.open_hours``).
    """
    grid = interval_grid(days.index[0].date(), len(days), model.interval_minutes,
                         model.time_zone)
    local = grid.tz_localize(None)
    day = days.index.get_indexer(local.normalize())
    hour = local.hour + local.minute / 60.0 + model.interval_minutes / 120.0
    opens, closes = model.open_hours
    return pd.DataFrame({"interval_start": grid, "day": day, "hour": hour,
                         "open": (hour >= opens) & (hour < closes)})


def promotion_spike(hours: np.ndarray) -> np.ndarray:
    """Density of the opening spike of a promotion day: exponential decay from midnight."""
    return np.exp(-np.asarray(hours) / PROMOTION_SPIKE_DECAY_HOURS)


def _per_day_normalise(weights: np.ndarray, day: np.ndarray, n_days: int) -> np.ndarray:
    totals = np.bincount(day, weights=weights, minlength=n_days)
    return weights / totals[day]


def intraday_weights(queue: QueueModel, days: pd.DataFrame,
                     intervals: pd.DataFrame) -> np.ndarray:
    """Share of its day's volume each interval gets, for ``queue`` (sums to 1 per day)."""
    day = intervals["day"].to_numpy()
    hour = intervals["hour"].to_numpy()
    is_open = intervals["open"].to_numpy()
    if queue.open_hours is not None:
        opens, closes = queue.open_hours
        is_open = is_open & (hour >= opens) & (hour < closes)
    rest = days["rest_day"].to_numpy()[day]
    density = np.where(rest, queue.rest_day.density(hour), queue.workday.density(hour))
    base = _per_day_normalise(density * is_open, day, len(days))
    spike = _per_day_normalise(promotion_spike(hour) * is_open, day, len(days))
    promo = days["promotion_day"].to_numpy()[day]
    s = queue.promotion_spike_share
    return np.where(promo, (1.0 - s) * base + s * spike, base)


def aht_factors(queue: QueueModel, weights: np.ndarray, day: np.ndarray,
                n_days: int) -> np.ndarray:
    """AHT of each interval relative to ``queue.aht_seconds``: longer when it is quiet (night),
    shorter at the peaks, scaled so each day's volume-weighted mean is exactly 1. [-]"""
    peak = np.zeros(n_days)
    np.maximum.at(peak, day, weights)
    load = weights / peak[day]  # 1 at the day's busiest interval, ~0 at night
    raw = 1.0 + queue.aht_night_extra * (1.0 - load) - queue.aht_peak_cut * load
    mean = np.bincount(day, weights=weights * raw, minlength=n_days)
    return raw / mean[day]


def expected_history(model: SiteModel, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The model's expected values, noise-free: what a perfect forecaster would predict.

    Returns the history format (``queue, interval_start, volume, aht_seconds``) with float
    volumes, one row per queue and interval from ``start`` to ``end`` (inclusive, local days).
    """
    days = day_table(model, start, end)
    intervals = interval_table(model, days)
    day = intervals["day"].to_numpy()
    frames = []
    for queue in model.queues:
        weights = intraday_weights(queue, days, intervals)
        volume = days["expected_contacts"].to_numpy()[day] * queue.share * weights
        aht = queue.aht_seconds * aht_factors(queue, weights, day, len(days))
        frames.append(pd.DataFrame({"queue": queue.id,
                                    "interval_start": intervals["interval_start"],
                                    "volume": volume, "aht_seconds": aht}))
    return _time_major(frames, [q.id for q in model.queues])


def _time_major(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """Rows by interval, then queue in ``order`` (each queue's rows stay in time order)."""
    frame = pd.concat(frames, ignore_index=True)
    n = len(frames[0])
    frame["_rank"] = np.tile(np.arange(n), len(frames))
    frame["_queue"] = frame["queue"].map({q: i for i, q in enumerate(order)})
    frame = frame.sort_values(["_rank", "_queue"], kind="stable")
    return frame.drop(columns=["_rank", "_queue"]).reset_index(drop=True)


# ================================================================================ noise
def gamma_noise(rng: np.random.Generator, cv: float, size) -> np.ndarray:
    """Gamma factors with mean 1 and coefficient of variation ``cv`` (1 when ``cv`` is 0)."""
    if cv <= 0:
        return np.ones(size)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size)


def simulate_history(model: SiteModel, start: dt.date, end: dt.date,
                     seed: int) -> pd.DataFrame:
    """Draw a contact history (history format: integer volumes, AHT empty when volume is 0)."""
    volume_rng, aht_rng, _ = _streams(seed)
    expected = expected_history(model, start, end)
    n_days = (end - start).days + 1
    day_noise = gamma_noise(volume_rng, model.noise.day_cv, n_days)
    frames = []
    for queue in model.queues:
        rows = expected[expected["queue"] == queue.id]
        local_day = rows["interval_start"].dt.tz_localize(None).dt.normalize()
        day = ((local_day - pd.Timestamp(start)).dt.days).to_numpy()
        queue_noise = gamma_noise(volume_rng, model.noise.queue_day_cv, n_days)
        rate = (rows["volume"].to_numpy() * day_noise[day] * queue_noise[day]
                * gamma_noise(volume_rng, model.noise.interval_cv, len(rows)))
        volume = volume_rng.poisson(rate)
        # The mean of n gamma handle times (mean m, cv c) is gamma(n / c^2, m c^2 / n).
        mean_aht = rows["aht_seconds"].to_numpy() * gamma_noise(
            aht_rng, model.noise.aht_day_cv, n_days)[day]
        shape = np.maximum(volume, 1) / queue.handle_time_cv**2
        aht = aht_rng.gamma(shape, mean_aht / shape)
        aht = np.where(volume > 0, np.round(aht, 1), np.nan)
        frames.append(pd.DataFrame({"queue": queue.id,
                                    "interval_start": rows["interval_start"].array,
                                    "volume": volume.astype("int64"), "aht_seconds": aht}))
    return _time_major(frames, [q.id for q in model.queues])


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent random streams: history volumes, handle times, agents."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]


# =============================================================================== events
def events_yaml(model: SiteModel, start: dt.date, end: dt.date, future_days: int = 365, *,
                writer: str = "examples/express/generate.py") -> str:
    """The event calendar (``events:`` of docs/scenario.md) for the history and the year after.

    No ``volume_multiplier`` is given: the forecaster learns each promotion's uplift from its
    past occurrences in the history. ``writer`` is the script named in the header comment.
    """
    last = end + dt.timedelta(days=future_days)
    lines = [
        "# Promotion calendar of the site: every occurrence in the history and in the year after",
        f"# it. Written by {writer} (do not edit by hand).",
        "#",
        "# ramp_days_before / ramp_days_after match the generator's build-up and tail. There is no",
        "# volume_multiplier on purpose: the forecaster learns each promotion's uplift (level and",
        "# intraday shape) from its past occurrences in history.csv.",
        "events:",
    ]
    for promo, date in promotion_dates(model.promotions, start, last):
        lines.append(
            f'  - {{name: "{promo.name}", kind: promotion, start_date: {date.isoformat()}, '
            f"ramp_days_before: {promo.ramp_days_before}, "
            f"ramp_days_after: {promo.ramp_days_after}}}"
        )
    return "\n".join(lines) + "\n"


# =============================================================================== agents
SURNAMES = (  # the most common Chinese surnames, roughly by frequency
    ("Wang", 7.1), ("Li", 7.0), ("Zhang", 6.7), ("Liu", 5.4), ("Chen", 4.6), ("Yang", 3.1),
    ("Huang", 2.2), ("Zhao", 2.0), ("Wu", 1.9), ("Zhou", 1.9), ("Xu", 1.5), ("Sun", 1.4),
    ("Ma", 1.3), ("Zhu", 1.3), ("Hu", 1.2), ("Guo", 1.1), ("He", 1.0), ("Lin", 1.0),
    ("Gao", 1.0), ("Luo", 0.9), ("Zheng", 0.9), ("Liang", 0.8), ("Xie", 0.7), ("Song", 0.6),
    ("Tang", 0.6), ("Han", 0.6), ("Feng", 0.5), ("Deng", 0.5), ("Cao", 0.5), ("Peng", 0.5),
    ("Zeng", 0.5), ("Xiao", 0.5), ("Tian", 0.4), ("Dong", 0.4), ("Pan", 0.4), ("Yuan", 0.4),
    ("Cai", 0.4), ("Jiang", 0.4), ("Yu", 0.4), ("Du", 0.3), ("Ye", 0.3), ("Cheng", 0.3),
    ("Wei", 0.3), ("Su", 0.3), ("Lü", 0.3), ("Ding", 0.3), ("Ren", 0.3), ("Shen", 0.3),
)
GIVEN_NAMES = (
    "Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Yan",
    "Jie", "Juan", "Tao", "Ming", "Chao", "Xiulan", "Xia", "Ping", "Gang", "Hui", "Yu", "Hao",
    "Yuxuan", "Zihan", "Xinyi", "Haoran", "Yichen", "Zimo", "Yutong", "Shuang", "Lan", "Ting",
    "Bo", "Peng", "Hua", "Xin", "Rui", "Kai", "Lina", "Mei", "Xiaoyan", "Jianguo", "Guiying",
    "Dan", "Qian", "Ying", "Lu", "Hong", "Jianhua", "Xiaoming", "Wenjie", "Yiming", "Siyu",
    "Jiayi", "Zixuan", "Mengqi", "Xiaohui", "Chen", "Long", "Fei", "Lihua", "Shuai", "Yue",
    "Jiahao", "Zhiqiang", "Xiaoli", "Yanan", "Wenjing", "Tianyu", "Ruoxi", "Jingyi", "Haoyu",
    "Shiyu", "Xuan", "Zhen", "Qing", "Ning", "Kang",
)
PREFERRED_DAYS_OFF = ("sat;sun", "sun", "sat", "fri;sat", "mon", "wed", "sun;mon")
PREFERRED_STARTS = ("07:00-09:00", "08:00-10:00", "09:00-11:00", "12:00-14:00",
                    "14:00-16:00", "21:00-23:00")
FIXED_DAYS_OFF = ("sun", "sat;sun", "wed")
TRAINING_HALF_DAYS = ((9, 13), (14, 18))
#: Paid hours of a longest shift, per contract (full time: 510 min less 30 min unpaid lunch).
SHIFT_PAID_HOURS = {"full_time": 8.0, "part_time": 7.5}
CONTRACT_HOURS = {"full_time": (40, 40), "part_time": (20, 30)}
MAX_SHIFTS_PER_WEEK = 5


def allocate(shares: Sequence[float], n: int) -> np.ndarray:
    """Split ``n`` into whole counts proportional to ``shares`` (largest remainder)."""
    shares = np.asarray(shares, dtype=float)
    exact = n * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def skill_profiles_for(queue_ids: Sequence[str],
                       profiles: Iterable[SkillProfile]) -> list[SkillProfile]:
    """Profiles restricted to the site's queues: absent queues are dropped from each profile,
    a profile whose primary queue is absent is dropped, equal profiles are merged."""
    merged: dict[tuple[str, ...], float] = {}
    for profile in profiles:
        if profile.skills[0] not in queue_ids:
            continue
        skills = tuple(q for q in profile.skills if q in queue_ids)
        merged[skills] = merged.get(skills, 0.0) + profile.share
    return [SkillProfile(k, v) for k, v in merged.items()]


def unique_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct names ``Surname Given`` (surnames weighted by frequency)."""
    surnames = [s for s, _ in SURNAMES]
    weights = np.array([w for _, w in SURNAMES])
    names: list[str] = []
    while len(names) < n:
        name = f"{surnames[rng.choice(len(surnames), p=weights / weights.sum())]} " \
               f"{GIVEN_NAMES[rng.integers(len(GIVEN_NAMES))]}"
        if name not in names:
            names.append(name)
    return names


def make_agents(model: SiteModel, n: int, seed: int) -> pd.DataFrame:
    """The agents file (agents format of docs/formats.md), all cells as text.

    Leave (whole days) and training half-days fall inside ``model.plan_weeks``. An agent whose
    fixed days off and leave leave fewer working days than the contract's minimum hours need
    gets ``min_hours_per_week`` lowered to what the week allows, so the plan weeks stay feasible.
    """
    rng = _streams(seed)[2]
    work = model.workforce
    queue_ids = [q.id for q in model.queues]
    profiles = skill_profiles_for(queue_ids, work.skill_profiles)
    counts = allocate([p.share for p in profiles], n)
    skills = [";".join(f"{q}:{i + 1}" for i, q in enumerate(p.skills))
              for p, c in zip(profiles, counts, strict=True) for _ in range(c)]
    skills = [skills[i] for i in rng.permutation(n)]
    n_full = int(allocate([work.full_time_share, 1 - work.full_time_share], n)[0])
    contracts = ["full_time"] * n_full + ["part_time"] * (n - n_full)
    contracts = [contracts[i] for i in rng.permutation(n)]
    names = unique_names(rng, n)

    rows = []
    part_time_seen = 0
    for i in range(n):
        contract = contracts[i]
        min_h, max_h = CONTRACT_HOURS[contract]
        own_hours: tuple[int, int] | None = None
        if contract == "part_time":
            own_hours = work.part_time_hours[part_time_seen % len(work.part_time_hours)]
            part_time_seen += 1
            min_h, max_h = own_hours
        fixed = ""
        if rng.random() < work.fixed_days_off_share:
            fixed = FIXED_DAYS_OFF[rng.integers(len(FIXED_DAYS_OFF))]
        unavailable, min_needed = _unavailability(rng, work, model, fixed, contract, min_h)
        preferred_days = ""
        if rng.random() < work.preferred_days_off_share:
            preferred_days = PREFERRED_DAYS_OFF[rng.integers(len(PREFERRED_DAYS_OFF))]
        preferred_start = ""
        if rng.random() < work.preferred_start_share:
            preferred_start = PREFERRED_STARTS[rng.integers(len(PREFERRED_STARTS))]
        if min_needed < min_h:
            min_h = min_needed
            own_hours = (min_h, max_h)
        rows.append({
            "agent_id": f"A{i + 1:03d}", "name": names[i], "contract": contract,
            "skills": skills[i], "unavailable": ";".join(unavailable),
            "fixed_days_off": fixed, "preferred_days_off": preferred_days,
            "preferred_start": preferred_start,
            "min_hours_per_week": "" if own_hours is None else f"{own_hours[0]:g}",
            "max_hours_per_week": "" if own_hours is None else f"{own_hours[1]:g}",
        })
    return pd.DataFrame(rows)


def _unavailability(rng: np.random.Generator, work: WorkforceModel, model: SiteModel,
                    fixed: str, contract: str, min_hours: float, *,
                    shift_paid_hours: float | None = None) -> tuple[list[str], float]:
    """Leave and training windows of one agent in the plan weeks, and the minimum paid hours
    to roster them for. [h]

    Leave is paid leave: each leave day that is not a fixed day off takes one shift of
    ``shift_paid_hours`` (default: the contract's longest, ``SHIFT_PAID_HOURS``) off the
    contract's minimum (and the minimum never exceeds what the free days can hold), so every
    plan week stays feasible. The maximum is left alone.
    """
    fixed_days = {WEEKDAYS.index(d) for d in fixed.split(";") if d}
    shift_hours = SHIFT_PAID_HOURS[contract] if shift_paid_hours is None else shift_paid_hours
    windows: list[str] = []
    allowed = float(min_hours)
    promo_days = {d for _, d in promotion_dates(model.promotions, model.plan_weeks[0],
                                                model.plan_weeks[-1] + dt.timedelta(days=6))}
    for week in model.plan_weeks:
        week_days = [week + dt.timedelta(days=k) for k in range(7)]
        has_promo = any(d in promo_days for d in week_days)
        leave_share = work.promotion_leave_share if has_promo else work.leave_share
        leave: set[dt.date] = set()
        if rng.random() < leave_share:
            lengths, weights = zip(*work.leave_days, strict=True)
            length = lengths[rng.choice(len(lengths), p=np.array(weights) / sum(weights))]
            first = int(rng.integers(0, 7 - length + 1))
            leave = set(week_days[first:first + length])
            last = week_days[first + length - 1]
            windows.append(week_days[first].isoformat() if length == 1
                           else f"{week_days[first].isoformat()}/{last.isoformat()}")
        if rng.random() < work.training_share:
            free = [d for d in week_days if d not in leave and d.weekday() < 5]
            day = free[int(rng.integers(len(free)))]
            start, end = TRAINING_HALF_DAYS[int(rng.integers(len(TRAINING_HALF_DAYS)))]
            windows.append(f"{day.isoformat()}T{start:02d}:00/{day.isoformat()}T{end:02d}:00")
        leave_workdays = sum(1 for d in leave if d.weekday() not in fixed_days)
        workable = sum(1 for d in week_days if d not in leave and d.weekday() not in fixed_days)
        allowed = min(allowed, min_hours - leave_workdays * shift_hours,
                      min(MAX_SHIFTS_PER_WEEK, workable) * shift_hours)
    return windows, max(allowed, 0.0)


# ================================================================================= main
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Presets: express (default; examples/express) and small (tests/fixtures/small).",
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="express",
                        help="model and default values (default: express)")
    parser.add_argument("--seed", type=int, help="random seed")
    parser.add_argument("--start", type=dt.date.fromisoformat,
                        help="first local day of the history (YYYY-MM-DD)")
    parser.add_argument("--end", type=dt.date.fromisoformat,
                        help="last local day of the history, inclusive (YYYY-MM-DD)")
    parser.add_argument("--agents", type=int, help="number of agents")
    parser.add_argument("--daily-contacts", type=float,
                        help="contacts on an average day at the reference date (2026-01-01)")
    parser.add_argument("--out-dir", type=Path, help="folder to write the files into")
    parser.add_argument("--expected", action="store_true",
                        help="also write expected.csv, the model's noise-free values")
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    for key in ("seed", "agents", "out_dir"):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    for key in ("start", "end"):
        if getattr(args, key) is None:
            setattr(args, key, dt.date.fromisoformat(preset[key]))
    if args.end < args.start:
        parser.error(f"--end ({args.end}) is before --start ({args.start})")
    if args.agents < 1:
        parser.error(f"--agents must be at least 1, got {args.agents}")
    return args


def build_model(args: argparse.Namespace) -> SiteModel:
    """The preset's model with the command line's overrides."""
    model = PRESETS[args.preset]["model"]()
    if args.daily_contacts is not None:
        model = dataclasses.replace(
            model, volume=dataclasses.replace(model.volume, daily_contacts=args.daily_contacts))
    return model


def generate(args: argparse.Namespace) -> list[Path]:
    """Write history.csv, agents.csv and events.yaml (and expected.csv) into ``args.out_dir``."""
    model = build_model(args)
    out = Path(args.out_dir)
    history = simulate_history(model, args.start, args.end, args.seed)
    write_table(history, out / "history.csv", "history")
    write_table(make_agents(model, args.agents, args.seed), out / "agents.csv")
    write_text(events_yaml(model, args.start, args.end), out / "events.yaml")
    written = [out / "history.csv", out / "agents.csv", out / "events.yaml"]
    if args.expected:
        write_table(expected_history(model, args.start, args.end), out / "expected.csv",
                    "history")
        written.append(out / "expected.csv")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for path in generate(args):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
