"""What every model of one queue needs at one forecast origin, computed once.

Given a queue's series and an origin (the first day forecast; only days before it are used),
:func:`prepare` finds

* the daily totals of the training days (a day with a few missing intervals is completed by its
  weekday's intraday profile; one missing more than half of its profile is missing),
* regularly closed weekdays, days kept out of training (anomaly events, closures, unexplained
  zero days, outlier days),
* the calendar effect of every day (holidays, eves, after-days, month turns, events): a ridge
  regression of the log ratio between a special day and the median of its same-weekday
  neighbours on the day's features, with pooled holiday effects and named deviations shrunk
  toward them,
* the intraday profile of every forecast day: the weighted mean share of each slot over recent
  normal days of the same weekday, smoothed within the open hours; holidays, eves and learned
  events use their own learned shapes.

Models then forecast *normal-day* volume; :meth:`Context.finish` applies the calendar layer
(level and intraday shape of special days, zero on closed days) the same way for every model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.forecast.calendar import (
    HolidayCalendar,
    closed_weekdays,
    feature_penalty,
    holiday_features,
    weekdays_of,
)
from staffing.forecast.events import EventDays, event_days, nearest_key
from staffing.forecast.series import QueueSeries

__all__ = ["Context", "prepare", "smooth_profile"]

PROFILE_DAYS = 12       # same-weekday days behind a weekday profile
PROFILE_HALF_LIFE = 8.0  # [weeks] weight halves every this many weeks back
NEIGHBOUR_DAYS = 28     # [days] window of the same-weekday median a special day is compared to
OUTLIER_SCALES = 5.0    # a normal day this many robust scales off its neighbours is an outlier
OUTLIER_MIN_LOG = 0.3   # ... and at least this far in log terms (x1.35 or x0.74)


@dataclass
class Context:
    """One queue at one origin: training data, calendar layer and profiles.

    Day indices count rows of ``series``; ``origin`` is the first forecast day and
    ``window`` the number of days forecast.
    """

    series: QueueSeries
    origin: int
    window: int
    weekday: np.ndarray                  # per row, 0 = Monday
    totals: np.ndarray                   # per training row; NaN = unknown or kept out
    closed_weekdays: frozenset
    excluded: np.ndarray                 # per training row
    special: np.ndarray                  # per row: any calendar feature
    log_effect: np.ndarray               # per row, learned/given calendar effect
    closed: np.ndarray                   # per row: no volume (closure, closed weekday/holiday)
    base_profiles: np.ndarray            # 7 x slots, weekday profiles (sum 1 or 0)
    profiles: np.ndarray                 # window x slots, profile of each forecast day
    open_slots: np.ndarray               # slots with any volume in the recent profiles
    notes: list[str] = field(default_factory=list)

    @property
    def train(self) -> np.ndarray:
        """Training volumes (rows before the origin), excluded days blanked."""
        out = self.series.volume[: self.origin].copy()
        out[self.excluded] = np.nan
        return out

    @property
    def open_days(self) -> np.ndarray:
        """Per row: not a regularly closed weekday."""
        return ~np.isin(self.weekday, list(self.closed_weekdays))

    def window_rows(self) -> np.ndarray:
        """Row indices of the forecast window."""
        return np.arange(self.origin, self.origin + self.window)

    def normal_totals(self) -> np.ndarray:
        """Training totals with the calendar effect divided out (log-space adjustment)."""
        adjusted = self.totals * np.exp(-self.log_effect[: self.origin])
        adjusted[self.excluded] = np.nan
        return adjusted

    def finish_totals(self, totals: np.ndarray) -> np.ndarray:
        """Volume matrix of the window from normal-day totals: calendar effect and profiles."""
        rows = self.window_rows()
        level = totals * np.exp(self.log_effect[rows])
        out = level[:, None] * self.profiles
        out[self.closed[rows]] = 0.0
        return out

    def finish_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Apply the calendar layer to a normal-day volume matrix of the window.

        Normal days keep the model's own intraday shape; special days get their total scaled
        by the calendar effect and their learned profile.
        """
        rows = self.window_rows()
        out = np.where(np.isfinite(matrix), np.maximum(matrix, 0.0), 0.0)
        special = self.special[rows]
        if special.any():
            totals = out[special].sum(axis=1) * np.exp(self.log_effect[rows][special])
            out[special] = totals[:, None] * self.profiles[special]
        out[self.closed[rows]] = 0.0
        return out


# ------------------------------------------------------------------------------- profiles
def _kernel(interval_minutes: int) -> np.ndarray:
    half = int(round(10 / interval_minutes))
    if half <= 0:
        return np.ones(1)
    k = np.concatenate([np.arange(1, half + 2), np.arange(half, 0, -1)]).astype(float)
    return k / k.sum()


def smooth_profile(profile: np.ndarray, interval_minutes: int) -> np.ndarray:
    """Smooth a day profile within its open slots (closed slots stay 0); sums to 1 or 0.

    The kernel is triangular and spans about 20 minutes either side at 5-min intervals, one
    interval either side at 15 min, and nothing at 30 or 60 min. Slots past midnight wrap.
    """
    profile = np.nan_to_num(profile)
    kernel = _kernel(interval_minutes)
    is_open = profile > 0
    if len(kernel) > 1 and is_open.any():
        half = len(kernel) // 2
        padded = np.concatenate([profile[-half:], profile, profile[:half]])
        mask = np.concatenate([is_open[-half:], is_open, is_open[:half]]).astype(float)
        num = np.convolve(padded * mask, kernel, "valid")
        den = np.convolve(mask, kernel, "valid")
        profile = np.where(is_open, num / np.maximum(den, 1e-12), 0.0)
    total = profile.sum()
    return profile / total if total > 0 else profile


def _weighted_profile(shares: np.ndarray, rows: np.ndarray, origin: int) -> np.ndarray | None:
    if len(rows) == 0:
        return None
    age_weeks = (origin - rows) / 7.0
    weights = 0.5 ** (age_weeks / PROFILE_HALF_LIFE)
    block = shares[rows]
    valid = np.isfinite(block)
    num = np.where(valid, block, 0.0).T @ weights
    den = valid.astype(float).T @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        profile = np.where(den > 0, num / den, np.nan)
    if np.isnan(profile).all():
        return None
    profile = np.nan_to_num(profile)
    total = profile.sum()
    return profile / total if total > 0 else profile


# -------------------------------------------------------------------------------- prepare
def prepare(series: QueueSeries, origin: int, window: int, *, holidays: HolidayCalendar,
            events: EventDays | None = None, event_configs=(),
            ) -> Context:
    """Build the :class:`Context` of ``series`` for forecasting rows ``origin`` ...
    ``origin + window - 1`` from the rows before ``origin``."""
    n = origin + window
    dates = series.dates()[:n]
    weekday = weekdays_of(dates)
    volume = series.volume[:origin]
    exists = series.exists[:origin]
    slots = series.slots
    notes: list[str] = []
    if events is None:
        events = event_days(event_configs, series.queue, dates)
    else:
        events = EventDays({k: v[:n] for k, v in events.features.items()}, events.anomaly[:n],
                           events.closure[:n], {i: g for i, g in events.given.items() if i < n},
                           events.names[:n])

    # Daily totals: complete days first, then days with a few gaps completed by the profile.
    observed = np.isfinite(volume)
    complete = (observed | ~exists).all(axis=1) & observed.any(axis=1)
    raw_sum = np.where(observed, volume, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(observed, volume / raw_sum[:, None], np.nan)
    shares[~complete] = np.nan
    shares[raw_sum <= 0] = np.nan
    rough = _rough_profiles(shares, weekday[:origin], complete & (raw_sum > 0), origin, slots)
    mass = np.array([rough[w][observed[d]].sum() if observed[d].any() else 0.0
                     for d, w in enumerate(weekday[:origin])])
    all_zero = observed.any(axis=1) & (raw_sum == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        totals = np.where(complete, raw_sum, np.where(mass >= 0.5, raw_sum / mass, np.nan))
    totals[all_zero & (mass >= 0.5)] = 0.0
    totals[~observed.any(axis=1)] = np.nan
    # Days with a DST gap are complete but miss a slot's share of the day: scale them up too.
    gap = complete & ~exists.all(axis=1) & (raw_sum > 0)
    totals[gap] = raw_sum[gap] / np.maximum(mass[gap], 0.5)

    closed_days = closed_weekdays(totals, weekday[:origin])
    features = holiday_features(dates, holidays, closed_days)
    features.update(events.features)
    keys = sorted(features)
    special = np.zeros(n, dtype=bool)
    for key in keys:
        special |= features[key]

    excluded = events.anomaly[:origin] | events.closure[:origin]
    is_open = ~np.isin(weekday, list(closed_days))
    is_holiday = features.get("holiday", np.zeros(n, dtype=bool))
    outage = (totals == 0) & is_open[:origin] & ~is_holiday[:origin] & ~excluded
    if outage.any():
        notes.append(_days_note(series.queue, dates[:origin][outage],
                                "had no contacts on an open day and",
                                "kept out of training"))
    excluded |= outage
    excluded |= ~is_open[:origin] & ~special[:origin]  # closed weekdays carry no information

    log_totals = np.full(origin, np.nan)
    positive = np.isfinite(totals) & (totals > 0) & ~excluded
    log_totals[positive] = np.log(totals[positive])
    baseline = _neighbour_median(log_totals, weekday[:origin], special[:origin])
    residual = log_totals - baseline
    outliers = _outliers(residual, special[:origin], log_totals, weekday[:origin])
    if outliers.any():
        what = ("looked like an outlier against its weekday neighbours and"
                if outliers.sum() == 1 else
                "looked like outliers against their weekday neighbours and")
        notes.append(_days_note(series.queue, dates[:origin][outliers], what,
                                "kept out of training"))
        excluded |= outliers
        log_totals[outliers] = np.nan
        baseline = _neighbour_median(log_totals, weekday[:origin], special[:origin])
        residual = log_totals - baseline

    # Calendar effects: ridge regression of the special days' log ratios on their features.
    X = np.column_stack([features[k] for k in keys]).astype(float) if keys else np.zeros((n, 0))
    rows = np.flatnonzero(special[:origin] & np.isfinite(residual))
    beta = np.zeros(len(keys))
    if keys and len(rows):
        A = X[rows]
        penalty = np.array([feature_penalty(k) for k in keys])
        beta = np.linalg.solve(A.T @ A + np.diag(penalty), A.T @ residual[rows])
    support = (X[rows] > 0).sum(axis=0) if len(rows) else np.zeros(len(keys), dtype=int)
    learned = {k for k, s in zip(keys, support, strict=True) if s > 0}
    coef = dict(zip(keys, beta, strict=True))

    log_effect = np.zeros(n)
    event_keys = [k for k in keys if k.startswith("event:")]
    learned_events = [k for k in event_keys if k in learned]
    for j, key in enumerate(keys):
        if key.startswith("event:"):
            continue
        log_effect += X[:, j] * coef[key]
    event_effect = np.zeros(n)
    unlearned: set[str] = set()
    for key in event_keys:
        mask = features[key]
        use = key if key in learned else nearest_key(key, learned_events)
        if use is None:
            unlearned.add(key.split(":")[1])
            continue
        event_effect[mask] += coef[use]
    for i, size in events.given.items():
        event_effect[i] = size
    log_effect += event_effect
    window_rows = np.arange(origin, n)
    missing_uplift = sorted({
        events.names[i] for i in window_rows
        if events.names[i] in unlearned and i not in events.given
    })
    for name in missing_uplift:
        notes.append(f"queue {series.queue!r}: event {name!r} has no past occurrence in the "
                     "history and no volume_multiplier; forecast without an uplift (give "
                     "volume_multiplier to set one)")

    # Closed days of the window: closures, closed weekdays (not worked as a workday), holidays
    # that were closed when last seen (or, for a holiday never seen, when most holidays were).
    closed = np.zeros(n, dtype=bool)
    closed |= events.closure[:n]
    workday = features.get("workday", np.zeros(n, dtype=bool))
    closed |= ~is_open & ~workday
    closed |= _closed_holidays(features, keys, totals, is_holiday, origin, n)

    base = _base_profiles(shares, weekday[:origin], special[:origin] | excluded,
                          np.isfinite(totals) & (totals > 0), origin, slots,
                          series.interval_minutes, is_open)
    profiles = np.array([
        _day_profile(i, weekday, features, keys, learned, learned_events, base, shares,
                     origin, special[:origin], excluded, series.interval_minutes, is_open)
        for i in window_rows
    ]).reshape(len(window_rows), slots)
    open_slots = base.sum(axis=0) > 0
    return Context(series, origin, window, weekday, np.where(excluded, np.nan, totals),
                   closed_days, excluded, special, log_effect, closed, base, profiles,
                   open_slots, notes)


def _days_note(queue: str, days: np.ndarray, what: str, action: str) -> str:
    listed = ", ".join(str(d) for d in days[:5])
    more = f" and {len(days) - 5} more" if len(days) > 5 else ""
    plural = "s" if len(days) > 1 else ""
    verb = "were" if len(days) > 1 else "was"
    return (f"queue {queue!r}: {len(days)} day{plural} ({listed}{more}) {what} {verb} "
            f"{action}")


def _rough_profiles(shares, weekday, usable, origin, slots) -> np.ndarray:
    """Unsmoothed weekday profiles from complete days, pooled when a weekday has none."""
    out = np.zeros((7, slots))
    pooled = _weighted_profile(shares, np.flatnonzero(usable)[-4 * PROFILE_DAYS:], origin)
    for w in range(7):
        rows = np.flatnonzero(usable & (weekday == w))[-PROFILE_DAYS:]
        profile = _weighted_profile(shares, rows, origin)
        if profile is None:
            profile = pooled if pooled is not None else np.full(slots, 1.0 / slots)
        out[w] = profile
    return out


def _base_profiles(shares, weekday, unusual, positive, origin, slots, interval_minutes,
                   is_open) -> np.ndarray:
    """Smoothed weekday profiles from recent normal days (pooled when a weekday has none)."""
    usable = positive & ~unusual & np.isfinite(shares).any(axis=1)
    out = np.zeros((7, slots))
    pooled_rows = np.flatnonzero(usable & is_open[:origin])[-4 * PROFILE_DAYS:]
    pooled = _weighted_profile(shares, pooled_rows, origin)
    if pooled is None:  # no normal day at all: take any positive complete day
        pooled = _weighted_profile(shares, np.flatnonzero(positive)[-4 * PROFILE_DAYS:], origin)
    for w in range(7):
        rows = np.flatnonzero(usable & (weekday == w))[-PROFILE_DAYS:]
        profile = _weighted_profile(shares, rows, origin)
        if profile is None:
            profile = pooled if pooled is not None else np.full(slots, 1.0 / slots)
        out[w] = smooth_profile(profile, interval_minutes)
    return out


def _day_profile(i, weekdays, features, keys, learned, learned_events, base, shares, origin,
                 special, excluded, interval_minutes, is_open) -> np.ndarray:
    """Profile of forecast row ``i``: a learned event shape, a holiday or eve shape, or its
    weekday's."""
    day_keys = [k for k in keys if features[k][i]]
    profile = base[weekdays[i]]
    if not profile.any():  # a closed weekday worked (workday) or opened for an event
        opened = [w for w in range(7) if base[w].any()] or list(range(7))
        profile = base[opened].mean(axis=0)
    past_ok = np.isfinite(shares).any(axis=1) & ~excluded

    def past(key: str) -> np.ndarray:
        return np.flatnonzero(features[key][:origin] & past_ok)

    for key in day_keys:
        if not key.startswith("event:"):
            continue
        use = key if key in learned else nearest_key(key, learned_events)
        if use is None:
            continue
        rows = past(use)
        if not len(rows):
            continue
        ratios = []
        for r in rows:
            ref = base[weekdays[r]]
            with np.errstate(invalid="ignore", divide="ignore"):
                ratios.append(np.where(ref > 0, np.nan_to_num(shares[r]) / ref, 1.0))
        ratio = np.clip(np.mean(ratios, axis=0), 0.1, 10.0)
        ratio = smooth_profile(ratio * (profile > 0) + 1e-12 * (profile > 0),
                               interval_minutes) * (profile > 0).sum()
        shaped = profile * ratio
        total = shaped.sum()
        return shaped / total if total > 0 else profile
    for prefix in ("holiday", "eve", "workday"):
        if prefix not in day_keys:
            continue
        pooled_rows = past(prefix)
        named = [k for k in day_keys if k.startswith(prefix + ":") and k in learned]
        out = profile
        if len(pooled_rows):
            pooled = _weighted_profile(shares, pooled_rows, origin)
            if pooled is not None:
                weight = len(pooled_rows) / (len(pooled_rows) + 1.0)
                out = weight * smooth_profile(pooled, interval_minutes) + (1 - weight) * out
        for key in named:
            rows = past(key)
            own = _weighted_profile(shares, rows, origin) if len(rows) else None
            if own is not None:
                weight = len(rows) / (len(rows) + 1.0)
                out = weight * smooth_profile(own, interval_minutes) + (1 - weight) * out
        total = out.sum()
        return out / total if total > 0 else profile
    return profile


def _neighbour_median(log_totals: np.ndarray, weekday: np.ndarray,
                      special: np.ndarray) -> np.ndarray:
    """Per day, the median log total of normal same-weekday days within 4 weeks either side."""
    out = np.full(len(log_totals), np.nan)
    clean = np.where(special, np.nan, log_totals)
    half = NEIGHBOUR_DAYS // 7
    for w in range(7):
        rows = np.flatnonzero(weekday == w)
        if not len(rows):
            continue
        values = pd.Series(clean[rows])
        # Exclude the day itself: median of the window around it without the centre.
        before = [values.shift(k) for k in range(1, half + 1)]
        after = [values.shift(-k) for k in range(1, half + 1)]
        block = np.column_stack([s.to_numpy() for s in before + after])
        count = np.isfinite(block).sum(axis=1)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(block, axis=1)
        med[count < 2] = np.nan
        out[rows] = med
    return out


def _outliers(residual, special, log_totals, weekday) -> np.ndarray:
    """Normal days far off their same-weekday neighbours on both sides."""
    normal = ~special & np.isfinite(residual)
    if normal.sum() < 8:
        return np.zeros(len(residual), dtype=bool)
    scale = 1.4826 * np.median(np.abs(residual[normal]))
    limit = max(OUTLIER_SCALES * scale, OUTLIER_MIN_LOG)
    later = np.zeros(len(residual), dtype=bool)
    for w in range(7):
        rows = np.flatnonzero(weekday == w)
        known = np.isfinite(log_totals[rows]) & ~special[rows]
        # at least one known same-weekday normal day after it within 4 weeks
        ahead = pd.Series(known[::-1].astype(float)).rolling(
            NEIGHBOUR_DAYS // 7 + 1, min_periods=1).sum().to_numpy()[::-1] - known
        later[rows] = ahead > 0
    return normal & (np.abs(residual) > limit) & later


def _closed_holidays(features: Mapping[str, np.ndarray], keys, totals, is_holiday, origin,
                     n) -> np.ndarray:
    """Window holidays whose name was closed (no contacts) when last seen, or, for names never
    seen, when most holidays seen were closed."""
    closed = np.zeros(n, dtype=bool)
    past = is_holiday[:origin] & np.isfinite(totals)
    if not past.any():
        return closed
    pooled_closed = (totals[past] == 0).mean() > 0.5
    window = np.arange(origin, n)
    for i in window[is_holiday[origin:n]]:
        names = [k for k in keys if k.startswith("holiday:") and features[k][i]]
        verdict = None
        for key in names:
            seen = np.flatnonzero(features[key][:origin] & np.isfinite(totals))
            if len(seen):
                verdict = totals[seen[-1]] == 0
                break
        closed[i] = pooled_closed if verdict is None else verdict
    return closed
