"""Pure deadline maths of the clocks engine: no ORM, no "now" (every instant is an argument).

- ``due(calendar, start, amount, unit)``: a clock's deadline from its start, either a duration
  ("3 working days", "2 business hours", "5 calendar minutes", ADR 0001) or a due-day rule ("by the
  5th of next month", "Monday 11:00", ADR 0008). ``unit`` is a duration unit or a rule name; for a
  rule, ``amount`` packs its parameters (``DueRule.amount`` / ``DueRule.of``).
- pause accounting (``paused_minutes``, ``extend_after_pause``), extension (``extend``), the
  approaching-deadline warning (``warn_at``), escalation levels (``levels_due``,
  ``next_escalation_at``) and the time left (``remaining_business_minutes``).

The calendar arithmetic itself lives in ``fuwu.lib.worktime.WorkCalendar`` (one implementation);
this module chooses which of its rules a clock uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from fuwu.lib.worktime import Deadline, Unit, WorkCalendar


class Level(Protocol):
    """One level of an escalation chain (the policy's ``EscalationLevel``)."""

    @property
    def after_minutes(self) -> int: ...
    @property
    def role(self) -> str: ...


class RuleName(StrEnum):
    """Due-day rules (ADR 0008). The value is the API's ``rule`` and a rule clock's ``unit``."""

    DAY_OF_NEXT_MONTH = "day_of_next_month"
    QUARTER_MONTH_DAY = "quarter_month_day"
    WEEKDAY_AT = "weekday_at"
    LAST_DAY_OF_MONTH = "last_day_of_month"


DURATION_UNITS = frozenset(u.value for u in Unit)
RULE_NAMES = frozenset(r.value for r in RuleName)
QUARTERS = ("current", "next")


@dataclass(frozen=True)
class DueRule:
    """A due-day rule with its parameters.

    - ``day_of_next_month``: ``day`` (1–31; beyond the month's length: its last day)
    - ``quarter_month_day``: ``quarter`` ("current" / "next"), ``month`` (1–3 within the quarter), ``day``
    - ``weekday_at``: ``weekday`` (1 = Monday … 7 = Sunday), ``at`` (a time of day)
    - ``last_day_of_month``: none

    Stored on a clock without a column of its own: ``unit`` = the rule's name and ``amount`` = its
    parameters as decimal digits (``amount`` / ``of``): day_of_next_month ``K``; quarter_month_day
    ``Q·1000 + M·100 + K`` (Q = 0 current, 1 next: 1315 = the next quarter's 3rd month, 15th);
    weekday_at ``W·10000 + HH·100 + MM`` (11100 = Monday 11:00); last_day_of_month 0.
    """

    name: RuleName
    day: int | None = None
    quarter: str | None = None
    month: int | None = None
    weekday: int | None = None
    at: time | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", RuleName(self.name))
        match self.name:
            case RuleName.DAY_OF_NEXT_MONTH:
                _need_day(self.day)
            case RuleName.QUARTER_MONTH_DAY:
                _need_day(self.day)
                if self.quarter not in QUARTERS:
                    raise ValueError("quarter must be 'current' or 'next'")
                if self.month not in (1, 2, 3):
                    raise ValueError("month must be 1, 2 or 3")
            case RuleName.WEEKDAY_AT:
                if self.weekday is None or not 1 <= self.weekday <= 7:
                    raise ValueError("weekday must be 1 (Monday) to 7 (Sunday)")
                if self.at is None:
                    raise ValueError("a weekday rule needs a time")
                object.__setattr__(self, "at", self.at.replace(second=0, microsecond=0, tzinfo=None))

    @property
    def amount(self) -> int:
        match self.name:
            case RuleName.DAY_OF_NEXT_MONTH:
                return int(self.day or 0)
            case RuleName.QUARTER_MONTH_DAY:
                return (
                    QUARTERS.index(str(self.quarter)) * 1000 + int(self.month or 0) * 100 + int(self.day or 0)
                )
            case RuleName.WEEKDAY_AT:
                assert self.at is not None
                return int(self.weekday or 0) * 10000 + self.at.hour * 100 + self.at.minute
        return 0

    @classmethod
    def of(cls, unit: str, amount: int) -> DueRule:
        """The rule a clock stores as ``unit`` / ``amount`` (the inverse of ``name`` / ``amount``)."""
        name = RuleName(unit)
        match name:
            case RuleName.DAY_OF_NEXT_MONTH:
                return cls(name, day=amount)
            case RuleName.QUARTER_MONTH_DAY:
                quarter, rest = divmod(amount, 1000)
                if quarter not in (0, 1):
                    raise ValueError("quarter must be 'current' or 'next'")
                return cls(name, quarter=QUARTERS[quarter], month=rest // 100, day=rest % 100)
            case RuleName.WEEKDAY_AT:
                weekday, rest = divmod(amount, 10000)
                return cls(name, weekday=weekday, at=time(rest // 100, rest % 100))
        return cls(name)


def _need_day(day: int | None) -> None:
    if day is None or not 1 <= day <= 31:
        raise ValueError("day must be 1 to 31")


def is_rule(unit: str) -> bool:
    return unit in RULE_NAMES


def due_by_rule(calendar: WorkCalendar, start: datetime, rule: DueRule) -> Deadline:
    """The deadline of a due-day rule from ``start`` (always strictly after ``start``; ADR 0008)."""
    match rule.name:
        case RuleName.DAY_OF_NEXT_MONTH:
            return calendar.day_of_next_month(start, int(rule.day or 0))
        case RuleName.QUARTER_MONTH_DAY:
            return calendar.quarter_month_day(
                start, str(rule.quarter), int(rule.month or 0), int(rule.day or 0)
            )
        case RuleName.WEEKDAY_AT:
            assert rule.at is not None
            return calendar.weekday_at(start, int(rule.weekday or 1) - 1, rule.at)
        case RuleName.LAST_DAY_OF_MONTH:
            return calendar.last_day_of_month(start)
    raise ValueError(f"unknown rule {rule.name!r}")  # pragma: no cover - RuleName() already refused it


def due(calendar: WorkCalendar, start: datetime, amount: int, unit: str) -> Deadline:
    """A clock's deadline: ``amount`` ``unit`` after ``start``, or the due-day rule ``unit``."""
    if is_rule(unit):
        return due_by_rule(calendar, start, DueRule.of(unit, amount))
    return calendar.deadline(start, amount, unit)


def extend(calendar: WorkCalendar, due_at: datetime, amount: int, unit: str) -> Deadline:
    """An approved extension: ``amount`` ``unit`` (a duration) added to the deadline."""
    return calendar.deadline(due_at, amount, unit)


def is_calendar_unit(unit: str) -> bool:
    return unit.startswith("calendar_")


def paused_minutes(calendar: WorkCalendar, unit: str, paused_at: datetime, resumed_at: datetime) -> int:
    """Time a clock stood still, in the minutes its unit counts (business or calendar minutes; a
    due-day rule counts business minutes, like working days)."""
    if is_calendar_unit(unit):
        return max(0, int((resumed_at - paused_at).total_seconds() // 60))
    return calendar.business_minutes_between(paused_at, resumed_at).minutes


def extend_after_pause(calendar: WorkCalendar, unit: str, due_at: datetime, minutes: int) -> Deadline:
    """The deadline moved by the paused time. Working-day, business and due-day-rule clocks move in
    business minutes (a clock due at close of business, paused for a business day, is due at the next
    close of business); calendar units move in calendar minutes."""
    if minutes <= 0:
        return Deadline(due=due_at, calendar_confirmed=True)
    if is_calendar_unit(unit):
        return Deadline(due=due_at + timedelta(minutes=minutes), calendar_confirmed=True)
    return calendar.add_business_minutes(due_at, minutes)


def warn_at(started_at: datetime, due_at: datetime, ratio: float) -> datetime:
    """When the 'approaching deadline' notice goes out: after ``ratio`` of the clock's time."""
    return started_at + (due_at - started_at) * ratio


def next_escalation_at(due_at: datetime, chain: Sequence[Level], fired_level: int) -> datetime | None:
    """When the next level of ``chain`` after ``fired_level`` (1-based; 0 = none) falls due; None
    when the chain has no level left (also when a shorter chain now governs the clock)."""
    if fired_level >= len(chain):
        return None
    return due_at + timedelta(minutes=chain[fired_level].after_minutes)


def levels_due(due_at: datetime, chain: Sequence[Level], fired_level: int, now: datetime) -> list[int]:
    """Levels (1-based) not yet fired whose time has come — all of them after a downtime."""
    return [
        index
        for index, level in enumerate(chain, start=1)
        if index > fired_level and due_at + timedelta(minutes=level.after_minutes) <= now
    ]


def remaining_business_minutes(calendar: WorkCalendar, now: datetime, due_at: datetime) -> int:
    """Business minutes left until ``due_at`` (negative when past it)."""
    if due_at >= now:
        return calendar.business_minutes_between(now, due_at).minutes
    return -calendar.business_minutes_between(due_at, now).minutes
