"""Domain objects shared by the pipeline stages: agents and their skills.

Frozen dataclasses; times are aware ``pandas.Timestamp`` objects in the site's zone.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Agent", "Skill", "WEEKDAYS", "did_you_mean", "parse_skills"]

#: Weekday names as used in files and configs, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Skill:
    """An agent's ability to serve a queue.

    Attributes
    ----------
    queue : id of the queue served.
    priority : routing priority, 1 = primary skill, larger = served only when needed. [1..9]
    """

    queue: str
    priority: int = 1


@dataclass(frozen=True)
class Agent:
    """A named agent with a contract, skills, availability and preferences.

    Attributes
    ----------
    agent_id : unique id, as in the agents file.
    name : display name.
    contract : name of a contract type of the scenario (``contracts:``).
    skills : queues the agent can serve, primary first.
    unavailable : ``(start, end)`` windows (aware, end exclusive) the agent cannot work:
        leave, training, other commitments. Hard.
    fixed_days_off : weekdays never worked (0 = Monday). Hard.
    preferred_days_off : weekdays the agent prefers off (0 = Monday). Soft.
    preferred_start : ``(earliest, latest)`` local start times preferred. Soft.
    min_hours_per_week, max_hours_per_week : override the contract's weekly paid hours. [h]
    hourly_cost : overrides the contract's cost per paid hour. [currency/h]
    """

    agent_id: str
    name: str
    contract: str
    skills: tuple[Skill, ...]
    unavailable: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    fixed_days_off: frozenset[int] = field(default_factory=frozenset)
    preferred_days_off: frozenset[int] = field(default_factory=frozenset)
    preferred_start: tuple[dt.time, dt.time] | None = None
    min_hours_per_week: float | None = None
    max_hours_per_week: float | None = None
    hourly_cost: float | None = None

    @property
    def queues(self) -> tuple[str, ...]:
        """Ids of the queues the agent can serve, primary first."""
        return tuple(s.queue for s in sorted(self.skills, key=lambda s: (s.priority, s.queue)))

    def priority(self, queue: str) -> int | None:
        """The agent's priority on ``queue`` (1 = primary), or ``None`` without the skill."""
        for skill in self.skills:
            if skill.queue == queue:
                return skill.priority
        return None


def did_you_mean(value: str, valid: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``valid``, or ``""`` if none is close."""
    close = difflib.get_close_matches(value, list(valid), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_skills(text: str, queue_ids: Sequence[str]) -> tuple[Skill, ...]:
    """Parse a skills text such as ``"voice:1;chat:2"`` (queue, then an optional priority from
    1 = primary to 9; no priority means 1), primary skills first.

    Raises ``ValueError`` with the problem (no location: the caller, which knows the file and
    field, adds it).

    >>> parse_skills("chat:2;voice", ["voice", "chat"])
    (Skill(queue='voice', priority=1), Skill(queue='chat', priority=2))
    """
    if not text:
        raise ValueError("skills is empty; list queues like 'voice:1;chat:2'")
    skills: list[Skill] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        queue, _, priority_text = item.partition(":")
        queue = queue.strip()
        if queue not in queue_ids:
            raise ValueError(f"skill {queue!r} is not a queue of the scenario (queues: "
                             f"{', '.join(queue_ids)}){did_you_mean(queue, queue_ids)}")
        priority = 1
        if priority_text.strip():
            if not priority_text.strip().isdigit() or not 1 <= int(priority_text) <= 9:
                raise ValueError(f"skill {item!r}: the priority after ':' must be a whole "
                                 "number from 1 (primary) to 9")
            priority = int(priority_text)
        if any(s.queue == queue for s in skills):
            raise ValueError(f"skill {queue!r} is listed twice")
        skills.append(Skill(queue, priority))
    return tuple(sorted(skills, key=lambda s: (s.priority, s.queue)))
