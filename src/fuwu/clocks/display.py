"""Deadlines as people read them on the pages of every process: the next one of a list row, the
rows of a record's deadlines table (``clocks/_deadlines.html``), business time left in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from fuwu.workcal.selectors import work_calendar_for

from . import deadlines


def duration_text(minutes: int) -> str:
    """``2 h 05 min`` (business time); the sign is shown by the caller."""
    minutes = abs(minutes)
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": rest}
    return _("%(minutes)s min") % {"minutes": rest}


@dataclass
class DueInfo:
    """The next deadline of a row or a clock as shown: when, how much business time is left."""

    kind_label: str
    due_at: datetime
    remaining_minutes: int | None
    is_overdue: bool
    is_paused: bool = False
    calendar_confirmed: bool = True

    @property
    def remaining_text(self) -> str:
        if self.remaining_minutes is None:
            return ""
        if self.remaining_minutes < 0:
            return _("%(time)s overdue") % {"time": duration_text(self.remaining_minutes)}
        return _("%(time)s left") % {"time": duration_text(self.remaining_minutes)}


class Calendars:
    """The organisation's work calendar, loaded once per request and only when needed."""

    def __init__(self, organisation: Any) -> None:
        self.organisation = organisation
        self._calendar: Any = None

    def get(self) -> Any:
        if self._calendar is None:
            self._calendar = work_calendar_for(self.organisation)
        return self._calendar


def time_left(clock: Any, at: datetime, calendars: Calendars) -> int:
    """Minutes left until the clock's deadline (negative when past), counted as the clock counts:
    business minutes for working-day and business-hour clocks, calendar minutes for calendar ones
    (a five-minute dispatch clock at night is not "0 business minutes" away)."""
    if deadlines.is_calendar_unit(clock.unit):
        return int((clock.due_at - at).total_seconds() // 60)
    return deadlines.remaining_business_minutes(calendars.get(), at, clock.due_at)


def next_due(clocks: list[Any], now: datetime, calendars: Calendars) -> DueInfo | None:
    """The earliest running deadline of a record's clocks, or None when none runs."""
    running = [c for c in clocks if c.is_active and c.met_at is None]
    if not running:
        return None
    clock = min(running, key=lambda c: c.due_at)
    at = clock.paused_at or now
    remaining = time_left(clock, at, calendars)
    return DueInfo(
        kind_label=clock.get_kind_display(),
        due_at=clock.due_at,
        remaining_minutes=remaining,
        is_overdue=at > clock.due_at,
        is_paused=clock.paused_at is not None,
        calendar_confirmed=clock.calendar_confirmed,
    )


def clock_row(clock: Any, now: datetime, remaining_minutes: int | None) -> dict[str, Any]:
    """One row of a record's deadlines table: the clock; its outcome — met (in time), late,
    stopped (no longer needed: superseded or the step was skipped), paused, overdue, running; the
    time left in words while it runs (``remaining_minutes`` as ``time_left`` counts it)."""
    if clock.met_at is not None:
        outcome = "met" if clock.met_at <= clock.due_at else "late"
    elif not clock.is_active:
        outcome = "stopped"
    elif clock.paused_at is not None:
        outcome = "paused"
    else:
        outcome = "overdue" if now > clock.due_at else "running"
    remaining = ""
    if outcome in ("running", "overdue", "paused"):
        remaining = DueInfo(
            kind_label=clock.get_kind_display(),
            due_at=clock.due_at,
            remaining_minutes=remaining_minutes,
            is_overdue=outcome == "overdue",
        ).remaining_text
    return {
        "clock": clock,
        "outcome": outcome,
        "remaining": remaining,
        "is_calendar_time": deadlines.is_calendar_unit(clock.unit),
    }
