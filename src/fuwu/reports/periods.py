"""Pure period arithmetic of the reports engine: no ORM, no "now" (every day is an argument).

A period is a month, or three months beginning in the kind's ``first_month`` and every third month
after it. ``first_month = 1`` gives the calendar quarters; the return visits' reports, due in the
quarter's third month, use ``first_month = 12`` (December–February, March–May, June–August,
September–November: the three whole months before the due month, ADR 0013).

A report's due moment is the kind's due-day rule applied from the period's last day (00:00 local
time): "by the 5th of the quarter's 3rd month" from the last day of February is 5 March, "by the
10th of next month" from 30 November is 10 December, "by the 15th of the next quarter's first
month" from 31 December is 15 January.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fuwu.clocks.deadlines import DueRule, due_by_rule
from fuwu.lib.worktime import Deadline, WorkCalendar

from .registry import Period


def _months(period: Period) -> int:
    return 1 if period == Period.MONTH else 3


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, period: Period, first_month: int = 1) -> tuple[date, date]:
    """The period (first day, last day) that ``day`` falls in."""
    length = _months(period)
    offset = 0 if period == Period.MONTH else (first_month - 1) % 3
    index = day.year * 12 + (day.month - 1)
    start_index = index - (index - offset) % length
    start = date(start_index // 12, start_index % 12 + 1, 1)
    return start, add_months(start, length) - timedelta(days=1)


def is_period_start(day: date, period: Period, first_month: int = 1) -> bool:
    return period_containing(day, period, first_month)[0] == day


def previous_period(start: date, period: Period, first_month: int = 1) -> tuple[date, date]:
    return period_containing(start - timedelta(days=1), period, first_month)


def last_ended_period(today: date, period: Period, first_month: int = 1) -> tuple[date, date]:
    """The latest period whose last day is before ``today``."""
    start, _end = period_containing(today, period, first_month)
    return previous_period(start, period, first_month)


def rule_start(end: date, zone: ZoneInfo) -> datetime:
    """Where a report's due-day rule counts from: the period's last day, 00:00 local time."""
    return datetime.combine(end, time.min, tzinfo=zone)


def due_of(calendar: WorkCalendar, end: date, rule: DueRule) -> Deadline:
    """The due moment of the report of the period ending on ``end`` (ADR 0008's rules: a rest day
    moves to the next working day, close of business); also the moment a kind's ``opens`` rule
    lets the daily task create it."""
    return due_by_rule(calendar, rule_start(end, calendar.tz), rule)


def label(start: date, end: date, period: Period) -> str:
    """``2026-11`` for a month, ``2026-03…2026-05`` for three months (language-neutral)."""
    if period == Period.MONTH:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m}…{end:%Y-%m}"
