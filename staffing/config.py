"""Scenario settings: a parsed scenario mapping in, validated frozen objects out.

A scenario describes one site and one planning horizon: queues and their service targets,
shrinkage and occupancy, where the history and the agents are, events and holidays, contracts,
shift rules and solver settings. Every key is documented in ``docs/scenario.md``.

Validation errors name the file, the dotted path, what was expected and what was found::

    configs/x.yaml: queues[1].aht_seconds must be > 0, got -5

and an unknown key suggests the closest valid one. Relative paths in a scenario resolve from the
scenario file's folder. This module reads no file: :mod:`staffing.io.scenario` reads the YAML
(``extends:``, the events file) and the data files a scenario names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from staffing.domain import parse_skills
from staffing.errors import ConfigError
from staffing.timegrid import Horizon, check_time_zone

__all__ = [
    "BreakRule",
    "ContractConfig",
    "DEFAULT_CONTRACTS",
    "EventConfig",
    "FORECAST_MODELS",
    "ForecastSettings",
    "HolidaysConfig",
    "HorizonConfig",
    "QueueConfig",
    "ScenarioConfig",
    "ShiftRules",
    "ShrinkageWindow",
    "SimulationSettings",
    "SiteConfig",
    "SolverSettings",
    "SolverWeights",
    "deep_merge",
    "format_validation_error",
    "parse_config",
    "show_value",
]

RESERVED_ACTIVITIES = ("break", "lunch", "off")


def _fail(message: str, subpath: str = "") -> PydanticCustomError:
    """A validation error whose message is used verbatim (``subpath`` extends the location)."""
    return PydanticCustomError("staffing", "{message}", {"message": message, "subpath": subpath})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


# --------------------------------------------------------------------------------------- site
class SiteConfig(_Model):
    """The contact center: its name and the IANA time zone all its times are local to."""

    name: str = Field(min_length=1, examples=["Express Service Desk"])
    time_zone: str = Field(examples=["Asia/Shanghai"])

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            check_time_zone(value)
        except Exception:
            raise _fail(
                f"must be an IANA time zone such as 'Asia/Shanghai' or 'Europe/Berlin', "
                f"got {value!r}"
            ) from None
        return value


class HorizonConfig(_Model):
    """The days to plan: from local midnight of ``start_date`` for ``days`` days."""

    start_date: dt.date = Field(examples=["2026-11-23"])
    days: int = Field(7, ge=1, le=366)


# ------------------------------------------------------------------------------------- queues
class QueueConfig(_Model):
    """A queue (one skill): its channel, service target and handle time.

    Voice and chat take ``service_level`` with ``answer_within_seconds`` (e.g. 80 % answered
    within 20 s), or ``asa_seconds``, or both. Email takes ``response_within_hours``.
    """

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$", examples=["voice"])
    channel: Literal["voice", "chat", "email"]
    service_level: float | None = Field(None, gt=0, lt=1)
    answer_within_seconds: float | None = Field(None, gt=0)
    asa_seconds: float | None = Field(None, gt=0)
    response_within_hours: float | None = Field(None, gt=0)
    aht_seconds: float | None = Field(None, gt=0)
    concurrency: int = Field(1, ge=1, le=10)
    concurrency_slowdown: float = Field(0.0, ge=0, le=5)
    patience_seconds: float | None = Field(None, gt=0)
    max_abandon_rate: float | None = Field(None, gt=0, lt=1)
    shrinkage: float | None = Field(None, ge=0, lt=1)
    max_occupancy: float | None = Field(None, gt=0, le=1)

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_ACTIVITIES:
            raise _fail(f"must not be one of {', '.join(RESERVED_ACTIVITIES)}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _target_fits_channel(self) -> QueueConfig:
        if (self.service_level is None) != (self.answer_within_seconds is None):
            given, missing = (
                ("service_level", "answer_within_seconds")
                if self.answer_within_seconds is None
                else ("answer_within_seconds", "service_level")
            )
            raise _fail(f"is required with {given} (e.g. service_level: 0.8 with "
                        "answer_within_seconds: 20)", missing)
        if self.channel == "email":
            if self.response_within_hours is None:
                raise _fail("is required for an email queue (e.g. 24)", "response_within_hours")
        elif self.service_level is None and self.asa_seconds is None:
            raise _fail(
                f"needs a service target for a {self.channel} queue: service_level with "
                "answer_within_seconds (e.g. 0.8 and 20), or asa_seconds",
                "service_level",
            )
        if self.concurrency > 1 and self.channel != "chat":
            raise _fail(f"must be 1 for a {self.channel} queue, got {self.concurrency}",
                        "concurrency")
        if self.concurrency_slowdown > 0 and self.channel != "chat":
            raise _fail(f"applies to chat queues only, got {self.concurrency_slowdown:g} for a "
                        f"{self.channel} queue", "concurrency_slowdown")
        if self.max_abandon_rate is not None and self.patience_seconds is None:
            raise _fail("is required with max_abandon_rate: abandonment is modelled from the "
                        "callers' mean patience (e.g. patience_seconds: 120)",
                        "patience_seconds")
        return self


# ---------------------------------------------------------------------- holidays and events
class HolidaysConfig(_Model):
    """Public holidays from the ``holidays`` package, by country and optional subdivision."""

    country: str = Field(examples=["CN"])
    subdivision: str | None = None
    categories: tuple[str, ...] = Field(("public",), min_length=1, examples=[["public"]])

    @model_validator(mode="after")
    def _known_country(self) -> HolidaysConfig:
        import holidays

        supported = holidays.list_supported_countries()
        if self.country not in supported:
            close = difflib.get_close_matches(self.country.upper(), list(supported), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (an ISO 3166 code like 'CN')"
            raise _fail(f"must be a country the holidays package knows, got "
                        f"{self.country!r}{hint}", "country")
        subdivisions = supported[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            valid = ", ".join(subdivisions) if subdivisions else "none for this country"
            raise _fail(f"must be a subdivision of {self.country} ({valid}), got "
                        f"{self.subdivision!r}", "subdivision")
        known = holidays.country_holidays(self.country).supported_categories
        for i, category in enumerate(self.categories):
            if category not in known:
                raise _fail(f"must be a holiday category of {self.country} "
                            f"({', '.join(sorted(known))}), got {category!r}",
                            f"categories[{i}]")
        return self


class EventConfig(_Model):
    """One occurrence of a named event (promotion, peak season, incident, anomaly, closure).

    Occurrences sharing a ``name`` are the same event in different years: the forecaster learns
    the uplift from past occurrences in the history, or uses ``volume_multiplier`` if given.
    ``anomaly`` days are kept out of training; ``closure`` days get no volume.
    """

    name: str = Field(min_length=1, examples=["Double 11"])
    kind: Literal["promotion", "peak_season", "incident", "anomaly", "closure"] = "promotion"
    start_date: dt.date
    end_date: dt.date | None = None
    ramp_days_before: int = Field(0, ge=0, le=60)
    ramp_days_after: int = Field(0, ge=0, le=60)
    volume_multiplier: float | None = Field(None, gt=0)
    queues: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> EventConfig:
        if self.end_date is not None and self.end_date < self.start_date:
            raise _fail(
                f"must not be before start_date ({self.start_date.isoformat()}), got "
                f"{self.end_date.isoformat()}",
                "end_date",
            )
        return self

    @property
    def last_date(self) -> dt.date:
        """The event's last day (``end_date``, or ``start_date`` for a one-day event)."""
        return self.end_date or self.start_date


#: Forecast models by name, simplest first; ``auto`` chooses per queue by backtest and two
#: names joined by ``+`` (``daily_sarimax+recent_weeks``) average their forecasts.
FORECAST_MODELS = (
    "auto", "recent_days", "seasonal_naive", "recent_weeks", "daily_ets", "mstl",
    "daily_sarimax",
)


class ForecastSettings(_Model):
    """How the forecast is made (see ``docs/scenario.md``)."""

    model: str = Field("auto", examples=["auto"])
    interval_coverage: float = Field(0.8, gt=0, lt=1)
    backtest_weeks: int = Field(4, ge=1, le=52)
    history_weeks: int | None = Field(None, ge=1)

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        names = FORECAST_MODELS[1:]
        parts = value.split("+")
        if value == "auto" or value in names:
            return value
        if len(parts) == 2 and all(p in names for p in parts) and parts[0] != parts[1]:
            return value
        bad = next((p for p in parts if p not in names), value)
        close = difflib.get_close_matches(bad, list(FORECAST_MODELS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _fail(f"must be auto, a model ({', '.join(names)}) or two models joined by '+' "
                    f"(e.g. daily_sarimax+recent_weeks), got {value!r}{hint}")


# ------------------------------------------------------------------ contracts and shift rules
class ContractConfig(_Model):
    """A contract type: weekly hours, shift lengths and start window, legal limits, cost.

    Hours are paid hours per 7-day week of the horizon. Shift length is the span from start to
    end, unpaid breaks included.
    """

    min_hours_per_week: float = Field(0, ge=0, le=168)
    max_hours_per_week: float = Field(40, gt=0, le=168)
    min_shift_minutes: int = Field(240, gt=0, le=1440)
    max_shift_minutes: int = Field(600, gt=0, le=1440)
    earliest_start: dt.time = dt.time(0, 0)
    latest_start: dt.time = dt.time(23, 45)
    max_shifts_per_week: int = Field(5, ge=0, le=7)
    min_days_off_per_week: int = Field(2, ge=0, le=7)
    max_consecutive_days: int = Field(6, ge=1, le=366)
    min_consecutive_days_off: int = Field(1, ge=1, le=7)
    max_night_shifts_per_week: int | None = Field(None, ge=0, le=7)
    min_weekends_off: int = Field(0, ge=0)
    max_consecutive_weekends_worked: int | None = Field(None, ge=0, le=52)
    hourly_cost: float = Field(1.0, ge=0)

    @model_validator(mode="after")
    def _lengths_ordered(self) -> ContractConfig:
        if self.max_hours_per_week < self.min_hours_per_week:
            raise _fail(
                f"must be >= min_hours_per_week ({self.min_hours_per_week:g}), got "
                f"{self.max_hours_per_week:g}",
                "max_hours_per_week",
            )
        if self.max_shift_minutes < self.min_shift_minutes:
            raise _fail(
                f"must be >= min_shift_minutes ({self.min_shift_minutes}), got "
                f"{self.max_shift_minutes}",
                "max_shift_minutes",
            )
        return self


#: Named contract types every scenario knows; a scenario's ``contracts`` adds to or replaces them.
DEFAULT_CONTRACTS: Mapping[str, ContractConfig] = types.MappingProxyType(
    {
        "full_time": ContractConfig(
            min_hours_per_week=40, max_hours_per_week=40, min_shift_minutes=510,
            max_shift_minutes=510, max_shifts_per_week=5, min_days_off_per_week=2,
            max_consecutive_days=6, hourly_cost=25.0,
        ),
        "part_time": ContractConfig(
            min_hours_per_week=20, max_hours_per_week=30, min_shift_minutes=240,
            max_shift_minutes=480, max_shifts_per_week=5, min_days_off_per_week=2,
            max_consecutive_days=6, hourly_cost=22.0,
        ),
    }
)


class BreakRule(_Model):
    """A break or lunch every shift of at least ``min_shift_minutes`` takes, inside a window
    measured from the shift start."""

    activity: Literal["break", "lunch"]
    duration_minutes: int = Field(gt=0, le=240)
    paid: bool = True
    min_shift_minutes: int = Field(0, ge=0)
    earliest_after_start_minutes: int = Field(ge=0)
    latest_after_start_minutes: int = Field(ge=0)

    @model_validator(mode="after")
    def _window_ordered(self) -> BreakRule:
        if self.latest_after_start_minutes < self.earliest_after_start_minutes:
            raise _fail(
                f"must be >= earliest_after_start_minutes ({self.earliest_after_start_minutes})"
                f", got {self.latest_after_start_minutes}",
                "latest_after_start_minutes",
            )
        return self


DEFAULT_BREAKS = (
    BreakRule(activity="break", duration_minutes=15, paid=True, min_shift_minutes=240,
              earliest_after_start_minutes=60, latest_after_start_minutes=150),
    BreakRule(activity="lunch", duration_minutes=30, paid=False, min_shift_minutes=360,
              earliest_after_start_minutes=180, latest_after_start_minutes=300),
    BreakRule(activity="break", duration_minutes=15, paid=True, min_shift_minutes=480,
              earliest_after_start_minutes=360, latest_after_start_minutes=450),
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ShiftRules(_Model):
    """Rules every shift follows: start and length grids, rest, nights, weekends, breaks."""

    start_step_minutes: int = Field(30, gt=0, le=240)
    length_step_minutes: int = Field(30, gt=0, le=240)
    min_rest_hours: float = Field(11, ge=0, le=48)
    night_start: dt.time = dt.time(22, 0)
    night_end: dt.time = dt.time(6, 0)
    night_min_minutes: int = Field(120, gt=0)
    weekend_days: tuple[Weekday, ...] = ("sat", "sun")
    breaks: tuple[BreakRule, ...] = DEFAULT_BREAKS
    max_break_fraction: float | None = Field(None, gt=0, le=1)
    late_end: dt.time = dt.time(21, 0)

    @model_validator(mode="after")
    def _break_windows_apart(self) -> ShiftRules:
        problem = break_overlap(self.breaks)
        if problem is not None:
            raise _fail(*problem)
        return self


def break_overlap(breaks: tuple[BreakRule, ...]) -> tuple[str, str] | None:
    """The first pair of breaks one shift can take whose windows overlap, as
    ``(message, subpath)``; ``None`` when every shift's breaks can never collide.

    A break's window runs from ``earliest_after_start_minutes`` to ``latest_after_start_minutes
    + duration_minutes``; two breaks taken by the same shift (the longer of their
    ``min_shift_minutes``) must have disjoint windows, so the roster can place each inside its own.
    """
    for j, later in enumerate(breaks):
        for i, earlier in enumerate(breaks[:j]):
            a0 = earlier.earliest_after_start_minutes
            a1 = earlier.latest_after_start_minutes + earlier.duration_minutes
            b0 = later.earliest_after_start_minutes
            b1 = later.latest_after_start_minutes + later.duration_minutes
            if a0 < b1 and b0 < a1:
                return (
                    f"window ({b0}-{b1} min after the shift start, duration included) overlaps "
                    f"the window of breaks[{i}] ({a0}-{a1} min); shifts taking both need "
                    "disjoint windows: move earliest/latest_after_start_minutes apart",
                    f"breaks[{j}]",
                )
    return None


def break_fit(breaks: tuple[BreakRule, ...], contracts: Mapping[str, ContractConfig]
              ) -> tuple[str, str] | None:
    """The first break that does not fit inside the shortest shift taking it, as
    ``(message, subpath)`` (subpath relative to ``shift_rules``); ``None`` when all fit."""
    for i, rule in enumerate(breaks):
        end = rule.latest_after_start_minutes + rule.duration_minutes
        for name, contract in contracts.items():
            if contract.max_shift_minutes < rule.min_shift_minutes:
                continue
            shortest = max(contract.min_shift_minutes, rule.min_shift_minutes)
            if end > shortest:
                return (
                    f"latest_after_start_minutes + duration_minutes ({end} min) must fit in the "
                    f"shortest shift taking this break ({shortest} min, contract {name!r}); "
                    "raise breaks[].min_shift_minutes or move the window earlier",
                    f"breaks[{i}]",
                )
    return None


class SolverWeights(_Model):
    """Objective weights of the roster solver (penalty units per unit named)."""

    understaffing: float = Field(100.0, ge=0)
    understaffing_growth: float = Field(0.5, ge=0)
    overstaffing: float = Field(5.0, ge=0)
    cost: float = Field(1.0, ge=0)
    skill_priority: float = Field(1.0, ge=0)
    preference: float = Field(10.0, ge=0)
    fairness: float = Field(5.0, ge=0)
    queue_switch: float = Field(1.0, ge=0)
    shift_change: float = Field(500.0, ge=0)
    agent_change: float = Field(500.0, ge=0)


class SolverSettings(_Model):
    """CP-SAT settings. A solve is reproducible for a fixed seed and worker count only with
    ``deterministic`` (the default stops on the wall clock, so its roster depends on load)."""

    time_limit_seconds: float = Field(60, gt=0)
    workers: int = Field(2, ge=1, le=64)
    random_seed: int = Field(0, ge=0)
    deterministic: bool = False
    search: Literal["auto", "cp-sat", "lns"] = "auto"
    bound: Literal["auto", "relaxation", "column-generation", "none"] = "auto"
    weights: SolverWeights = SolverWeights()


class SimulationSettings(_Model):
    """Contact-by-contact simulation of every plan, and verification by it
    (``docs/simulation.md``)."""

    replications: int = Field(20, ge=0, le=1000)
    routing: Literal["as-rostered", "overflow", "skill-priority"] = "as-rostered"
    verify: bool = True
    max_rounds: int = Field(2, ge=0, le=10)
    round_time_limit_seconds: float | None = Field(None, gt=0)
    block_minutes: int = Field(120, ge=15, le=1440)
    seed: int = Field(0, ge=0)
    arrivals: Literal["poisson", "overdispersed"] = "poisson"
    handle_time: Literal["exponential", "lognormal"] = "exponential"
    handle_time_cv: float = Field(1.0, gt=0, le=5)
    absence: Literal["shift", "interval", "none"] = "shift"
    break_policy: Literal["full", "shortened"] = "full"


# -------------------------------------------------------------------------------- shrinkage
class ShrinkageWindow(_Model):
    """Shrinkage for the intervals starting in a local time window, e.g. training afternoons.

    An interval whose local start time ``t`` satisfies ``start <= t < end`` (or, when ``end``
    is not after ``start``, ``t >= start`` or ``t < end``: the window wraps past midnight) on one
    of ``days`` takes this shrinkage, for ``queues`` (default: every queue). A later window
    wins over an earlier one.
    """

    start: dt.time = Field(examples=["14:00"])
    end: dt.time = Field(examples=["16:00"])
    shrinkage: float = Field(ge=0, lt=1)
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    queues: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ShrinkageWindow:
        if self.end == self.start:
            raise _fail(f"must differ from start ({self.start.strftime('%H:%M')}); a window "
                        "of the whole day is the plain shrinkage", "end")
        return self


# -------------------------------------------------------------------------------- scenario
# -------------------------------------------------------------------------------- adjustments
class _DatedChange(_Model):
    queues: tuple[str, ...] | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _DatedChange:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise _fail(f"must not be before start_date ({self.start_date.isoformat()}), got "
                        f"{self.end_date.isoformat()}", "end_date")
        return self


class VolumeChange(_DatedChange):
    """Multiply the forecast volume of some queues on some days (all by default)."""

    multiplier: float = Field(gt=0, examples=[1.4])


class AhtChange(_DatedChange):
    """Change the forecast handle time: ``aht * multiplier + add_seconds``."""

    multiplier: float = Field(1.0, gt=0, examples=[1.1])
    add_seconds: float = Field(0.0, examples=[20])


class EventMove(_Model):
    """Move the occurrence of event ``name`` that starts in ``year`` to a new start date."""

    name: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2200)
    start_date: dt.date


class LeaveChange(_Model):
    """Agents on leave from ``start_date`` to ``end_date`` (inclusive): named ones, or
    ``count`` of them picked evenly among those with ``contract`` and/or the skill ``queue``."""

    agents: tuple[str, ...] | None = None
    count: int | None = Field(None, ge=1)
    contract: str | None = None
    queue: str | None = None
    start_date: dt.date
    end_date: dt.date

    @model_validator(mode="after")
    def _who(self) -> LeaveChange:
        if (self.agents is None) == (self.count is None):
            raise _fail("give either agents (a list of ids) or count, not both and not neither")
        if self.end_date < self.start_date:
            raise _fail(f"must not be before start_date ({self.start_date.isoformat()}), got "
                        f"{self.end_date.isoformat()}", "end_date")
        return self


class HireChange(_Model):
    """``count`` new (or temporary) agents with one contract and skill set.

    They are available from ``start_date`` plus ``training_days`` (the ramp-up, spent in
    training off the phones) until ``end_date`` (temporary agents; open-ended by default).
    """

    count: int = Field(ge=1, le=10_000)
    id_prefix: str = Field("NEW", min_length=1)
    contract: str = "full_time"
    skills: str = Field(min_length=1, examples=["chat:1;voice:2"])
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    training_days: int = Field(0, ge=0, le=365)
    hourly_cost: float | None = Field(None, ge=0)


class Adjustments(_Model):
    """What-if shortcuts applied on top of the scenario's data (see ``docs/scenario.md``)."""

    volume: tuple[VolumeChange, ...] = ()
    aht: tuple[AhtChange, ...] = ()
    add_events: tuple[EventConfig, ...] = ()
    move_events: tuple[EventMove, ...] = ()
    leave: tuple[LeaveChange, ...] = ()
    hires: tuple[HireChange, ...] = ()
    overtime_hours_per_week: float = Field(0.0, ge=0, le=40)


class ScenarioConfig(_Model):
    """A whole scenario file, validated; paths are absolute."""

    site: SiteConfig
    horizon: HorizonConfig
    interval_minutes: Literal[15, 30, 60] = 15
    queues: tuple[QueueConfig, ...] = Field(min_length=1)
    shrinkage: float = Field(0.30, ge=0, lt=1)
    shrinkage_windows: tuple[ShrinkageWindow, ...] = ()
    max_occupancy: float = Field(0.85, gt=0, le=1)
    history: Path | None = None
    history_missing: Literal["error", "zero"] = "error"
    agents: Path | None = None
    previous_roster: Path | None = None
    holidays: HolidaysConfig | None = None
    events: tuple[EventConfig, ...] = ()
    forecast: ForecastSettings = ForecastSettings()
    contracts: dict[str, ContractConfig] = Field(default_factory=lambda: dict(DEFAULT_CONTRACTS))
    shift_rules: ShiftRules = ShiftRules()
    solver: SolverSettings = SolverSettings()
    simulation: SimulationSettings = SimulationSettings()
    adjustments: Adjustments = Adjustments()

    @field_validator("history", "agents", "previous_roster", mode="after")
    @classmethod
    def _resolve_path(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        base = (info.context or {}).get("base_dir")
        path = value if value.is_absolute() or base is None else Path(base) / value
        if not path.is_file():
            raise _fail(f"file {str(value)!r} not found (looked for {path}); paths are "
                        "relative to the scenario file's folder")
        return path

    @field_validator("contracts", mode="before")
    @classmethod
    def _merge_default_contracts(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {**DEFAULT_CONTRACTS, **value}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioConfig:
        ids = [q.id for q in self.queues]
        for i, qid in enumerate(ids):
            if qid in ids[:i]:
                raise _fail(f"must be unique, got {qid!r} twice", f"queues[{i}].id")
        for i, window in enumerate(self.shrinkage_windows):
            for queue in window.queues or ():
                if queue not in ids:
                    raise _fail(f"must name queues of this scenario ({', '.join(ids)}), got "
                                f"{queue!r}", f"shrinkage_windows[{i}].queues")
        for i, event in enumerate(self.events):
            for queue in event.queues or ():
                if queue not in ids:
                    raise _fail(f"must name queues of this scenario ({', '.join(ids)}), got "
                                f"{queue!r}", f"events[{i}].queues")
        step = self.interval_minutes
        rules = self.shift_rules
        for name in ("start_step_minutes", "length_step_minutes"):
            value = getattr(rules, name)
            if value % step:
                raise _fail(f"must be a multiple of interval_minutes ({step}), got {value}",
                            f"shift_rules.{name}")
        for i, rule in enumerate(rules.breaks):
            for name in ("duration_minutes", "earliest_after_start_minutes",
                         "latest_after_start_minutes"):
                value = getattr(rule, name)
                if value % step:
                    raise _fail(f"must be a multiple of interval_minutes ({step}), got {value}",
                                f"shift_rules.breaks[{i}].{name}")
        for name, contract in self.contracts.items():
            for field in ("min_shift_minutes", "max_shift_minutes"):
                value = getattr(contract, field)
                if value % step:
                    raise _fail(f"must be a multiple of interval_minutes ({step}), got {value}",
                                f"contracts.{name}.{field}")
        misfit = break_fit(rules.breaks, self.contracts)
        if misfit is not None:
            raise _fail(misfit[0], f"shift_rules.{misfit[1]}")
        return self

    # Convenience views -----------------------------------------------------------------
    @model_validator(mode="after")
    def _adjustments_consistent(self) -> ScenarioConfig:
        ids = [q.id for q in self.queues]
        adj = self.adjustments

        def queue_ok(queue: str, where: str) -> None:
            if queue not in ids:
                hint = difflib.get_close_matches(queue, ids, n=1)
                raise _fail(f"must name a queue of this scenario ({', '.join(ids)}), got "
                            f"{queue!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                            where)

        def contract_ok(name: str, where: str) -> None:
            if name not in self.contracts:
                raise _fail(f"must name a contract ({', '.join(self.contracts)}), got {name!r}",
                            where)

        for section in ("volume", "aht"):
            for i, change in enumerate(getattr(adj, section)):
                for queue in change.queues or ():
                    queue_ok(queue, f"adjustments.{section}[{i}].queues")
        for i, event in enumerate(adj.add_events):
            for queue in event.queues or ():
                queue_ok(queue, f"adjustments.add_events[{i}].queues")
        for i, move in enumerate(adj.move_events):
            if not any(e.name == move.name and e.start_date.year == move.year
                       for e in self.events):
                known = sorted({f"{e.name} {e.start_date.year}" for e in self.events})
                raise _fail(f"no event {move.name!r} starts in {move.year}; events are: "
                            f"{', '.join(known) or 'none'}", f"adjustments.move_events[{i}]")
        for i, leave in enumerate(adj.leave):
            if leave.queue is not None:
                queue_ok(leave.queue, f"adjustments.leave[{i}].queue")
            if leave.contract is not None:
                contract_ok(leave.contract, f"adjustments.leave[{i}].contract")
        for i, hire in enumerate(adj.hires):
            contract_ok(hire.contract, f"adjustments.hires[{i}].contract")
            try:
                parse_skills(hire.skills, ids)
            except ValueError as exc:
                raise _fail(str(exc), f"adjustments.hires[{i}].skills") from None
        return self

    @property
    def horizon_(self) -> Horizon:
        """The planning horizon as a :class:`~staffing.timegrid.Horizon`."""
        return Horizon(self.horizon.start_date, self.horizon.days, self.interval_minutes,
                       self.site.time_zone)

    def queue(self, queue_id: str) -> QueueConfig:
        """The queue named ``queue_id``; a ``KeyError`` lists the valid ids."""
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(f"no queue {queue_id!r}; valid: {', '.join(q.id for q in self.queues)}")


# ------------------------------------------------------------------------------ loading
def deep_merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` over ``base``: the rules of ``extends:`` and of overrides.

    Mappings merge key by key, recursively. Lists of mappings that all have an ``id`` (queues)
    merge item by item on ``id``, new ids appended. Any other value, lists included, replaces
    the base value. ``None`` (YAML ``null``) sets a key back to its default.
    """
    out = dict(base)
    for key, value in changes.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = deep_merge(old, value)
        elif _is_id_list(old) and _is_id_list(value):
            merged = {item["id"]: dict(item) for item in old}
            for item in value:
                merged[item["id"]] = deep_merge(merged.get(item["id"], {}), item)
            out[key] = list(merged.values())
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _is_id_list(value: Any) -> bool:
    return (isinstance(value, list | tuple) and len(value) > 0
            and all(isinstance(v, Mapping) and "id" in v for v in value))


def parse_config(data: Any, *, source: Path | str = "<scenario>",
                 base_dir: Path | str | None = None,
                 sources: Mapping[str, Path | str] | None = None) -> ScenarioConfig:
    """Validate a scenario given as a mapping (e.g. parsed YAML): pure, it reads no file.

    ``source`` names the file in error messages; ``base_dir`` (default: the folder of
    ``source``) is where relative paths resolve from; ``sources`` names the file a top-level
    key came from when it is not ``source`` (``{"events": "events.yaml"}``).
    """
    source = Path(source)
    if base_dir is None:
        base_dir = source.parent
    if not isinstance(data, Mapping):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"{source}: a scenario must be a mapping of keys (site:, horizon:, "
                          f"queues:, ...), got {found}")
    data = dict(data)
    if isinstance(data.get("events"), str | Path):
        raise ConfigError(f"{source}: events is a file path ({str(data['events'])!r}); read it "
                          "first (staffing.io.load_config and parse_scenario do) or give the "
                          "events as a list")
    try:
        return ScenarioConfig.model_validate(data, context={"base_dir": Path(base_dir)})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, ScenarioConfig,
                                                  sources=sources)) from None


# ------------------------------------------------------------------------- error messages
def format_validation_error(exc: ValidationError, source: Path | str, root: type[BaseModel],
                            limit: int = 5,
                            sources: Mapping[str, Path | str] | None = None) -> str:
    """Turn pydantic errors into ``file: dotted.path must be ..., got ...`` lines; an error
    under a top-level key of ``sources`` names that key's file."""
    errors = exc.errors(include_url=False)
    # pydantic also reports a list as too short when one of its items failed; keep the item's.
    errors = [
        e for e in errors
        if not (e["type"] == "too_short"
                and any(o is not e and tuple(o["loc"])[: len(e["loc"])] == tuple(e["loc"])
                        and len(o["loc"]) > len(e["loc"]) for o in errors))
    ]
    sources = sources or {}

    def file_of(error: Mapping[str, Any]) -> Path | str:
        loc = tuple(error["loc"]) or (str((error.get("ctx") or {}).get("subpath") or "")
                                      .split("[")[0].split(".")[0],)
        return sources.get(str(loc[0]), source) if loc else source

    lines = [f"{file_of(error)}: {_describe(error, root)}" for error in errors[:limit]]
    extra = len(errors) - limit
    if extra > 0:
        lines.append(f"... and {extra} more")
    return "\n".join(lines)


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def show_value(value: Any) -> str:
    """A value as an error message shows it: strings quoted, containers by kind."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing (null)"
    return str(value)


_TYPE_PHRASES = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "text",
    "date": "a date like 2026-11-23",
    "time": "a time like 07:30",
    "list": "a list",
    "tuple": "a list",
    "dict": "a mapping (key: value)",
    "model": "a mapping (key: value)",
    "path": "a file path",
}


def _describe(error: Mapping[str, Any], root: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "staffing":
        subpath = ctx.get("subpath") or ""
        full = _dotted(loc)
        if subpath:
            full = f"{full}{'' if subpath.startswith('[') or not full else '.'}{subpath}"
        return f"{full} {ctx['message']}" if full else ctx["message"]
    path = _dotted(loc)
    if kind == "extra_forbidden":
        valid = _valid_keys(root, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        if close:
            return f"{path} is not a known key; did you mean {close[0]!r}?"
        return f"{path} is not a known key; valid keys here: {', '.join(valid)}"
    if kind == "missing":
        example = _example(root, loc)
        return f"{path} is required" + (f" (e.g. {example})" if example else "")
    bounds = {
        "greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
        "less_than_equal": "<=",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{path} must be {bounds[kind]} {limit}, got {show_value(value)}"
    if kind == "literal_error":
        return f"{path} must be one of {ctx.get('expected')}, got {show_value(value)}"
    if kind == "too_short":
        return f"{path} must have at least {ctx.get('min_length')} item(s), got {show_value(value)}"
    if kind == "string_pattern_mismatch":
        return (f"{path} must use only letters, digits, '_', '.' and '-', got {show_value(value)}")
    if kind == "int_from_float":
        return f"{path} must be a whole number, got {show_value(value)}"
    stem = kind.split("_")[0]
    if stem in _TYPE_PHRASES:
        return f"{path} must be {_TYPE_PHRASES[stem]}, got {show_value(value)}"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{path}: {message}, got {show_value(value)}"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside an annotation (Optional, Annotated and unions opened)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = root
    parts = list(loc)
    while parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(parts.pop(0)))
        if field is None:
            return None
        current = field.annotation
        while True:
            candidates = [c for c in _unwrap(current) if c is not type(None)]
            if len(candidates) != 1:
                return None
            current = candidates[0]
            origin = typing.get_origin(current)
            if origin in (tuple, list) and parts and isinstance(parts[0], int):
                parts.pop(0)
                current = typing.get_args(current)[0]
            elif origin in (dict, Mapping) and parts:
                parts.pop(0)
                current = typing.get_args(current)[1]
            else:
                break
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _valid_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(root, loc)
    return list(model.model_fields) if model else []


def _example(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    model = _model_at(root, loc[:-1])
    if model is None:
        return ""
    field = model.model_fields.get(str(loc[-1]))
    if field is None or not field.examples:
        return ""
    return f"{loc[-1]}: {field.examples[0]}"


