"""Clock services: start, meet, pause, resume, extend — on the clock rows of one record.

Each returns the changes for the caller's timeline event (``{"clock.<kind>": {"before": …,
"after": …}}``); the caller records ONE event per business action and runs these inside its own
transaction, with the record locked. ``start`` returns the inserted clocks (``bulk_create``), so the
caller never reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fuwu.lib.worktime import Deadline, WorkCalendar

from . import deadlines, registry
from .models import BaseClock

SCHEDULE_FIELDS = ("warn_at", "next_escalation_at")


@dataclass(frozen=True)
class Planned:
    """A clock to start: its kind and either a duration (``amount`` ``unit``) or a due-day rule
    (``unit`` = the rule's name, ``amount`` its packed parameters, ``deadlines.DueRule``). ``met``:
    the step is done already (e.g. a phone call answers at intake). ``due_at``: a deadline a person
    fixed (a corrective action's due day), not computed: the clock then counts calendar minutes
    (``amount``) from its start to it."""

    kind: str
    amount: int
    unit: str
    met: bool = False
    due_at: datetime | None = None

    @classmethod
    def fixed(cls, kind: str, *, start: datetime, due_at: datetime) -> Planned:
        minutes = max(0, int((due_at - start).total_seconds() // 60))
        return cls(kind=kind, amount=minutes, unit="calendar_minutes", due_at=due_at)

    @classmethod
    def by_rule(cls, kind: str, rule: deadlines.DueRule) -> Planned:
        return cls(kind=kind, amount=rule.amount, unit=rule.name.value)


def schedule(clock: BaseClock, process: registry.ClockProcess, policy: Any) -> None:
    """Recompute when the clock warns and escalates next, from its (possibly moved) deadline."""
    clock.warn_at = deadlines.warn_at(clock.started_at, clock.due_at, process.warn_ratio(policy))
    clock.next_escalation_at = deadlines.next_escalation_at(
        clock.due_at, process.chain(policy, clock.kind), clock.escalation_level
    )


def start(
    record: Any, planned: Iterable[Planned], *, policy: Any, calendar: WorkCalendar, at: datetime
) -> list[Any]:
    """Start the planned clocks of ``record`` at ``at``; returns the inserted rows (of the process's
    clock model)."""
    process = registry.for_record(record)
    clocks = []
    for plan in planned:
        if plan.due_at is not None:
            local = plan.due_at.astimezone(calendar.tz)
            deadline = Deadline(due=plan.due_at, calendar_confirmed=calendar.is_confirmed_year(local.year))
        else:
            deadline = deadlines.due(calendar, at, plan.amount, plan.unit)
        clock = process.clock_model(
            kind=plan.kind,
            amount=plan.amount,
            unit=plan.unit,
            started_at=at,
            due_at=deadline.due,
            calendar_confirmed=deadline.calendar_confirmed,
            met_at=at if plan.met else None,
            **{process.record_field: record},
        )
        schedule(clock, process, policy)
        clocks.append(clock)
    return process.clock_model._default_manager.bulk_create(clocks)


def meet(clocks: QuerySet[Any], now: datetime, kinds: Iterable[str]) -> dict[str, Any]:
    """Stop the record's running clocks of ``kinds`` (the step is done), each met in time or late."""
    changes: dict[str, Any] = {}
    for clock in clocks.filter(kind__in=list(kinds), is_active=True, met_at__isnull=True):
        clock.met_at = now
        if clock.paused_at is not None:  # a step done while paused: the pause ends with it
            clock.paused_at = None
        clock.save(update_fields=["met_at", "paused_at"])
        changes[f"clock.{clock.kind}"] = {"after": _("met in time") if now <= clock.due_at else _("met late")}
    return changes


def pause(clocks: QuerySet[Any], now: datetime) -> dict[str, Any]:
    """Stop the record's running clocks (awaiting materials, an approval …)."""
    clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=True).update(paused_at=now)
    return {"clocks": {"after": _("paused")}}


def resume(clocks: QuerySet[Any], now: datetime, *, calendar: WorkCalendar, policy: Any) -> dict[str, Any]:
    """Restart the record's paused clocks, moving each deadline by the time it stood still."""
    process = registry.for_clock_model(clocks.model)
    changes: dict[str, Any] = {}
    for clock in clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=False):
        assert clock.paused_at is not None  # the filter takes paused clocks only
        minutes = deadlines.paused_minutes(calendar, clock.unit, clock.paused_at, now)
        moved = deadlines.extend_after_pause(calendar, clock.unit, clock.due_at, minutes)
        changes[f"clock.{clock.kind}"] = {"before": clock.due_at, "after": moved.due}
        clock.due_at = moved.due
        clock.calendar_confirmed = clock.calendar_confirmed and moved.calendar_confirmed
        clock.paused_minutes += minutes
        clock.paused_at = None
        schedule(clock, process, policy)
        clock.save(
            update_fields=["due_at", "calendar_confirmed", "paused_minutes", "paused_at", *SCHEDULE_FIELDS]
        )
    return changes


def extend(
    clock: BaseClock, *, amount: int, unit: str, calendar: WorkCalendar, policy: Any
) -> dict[str, Any]:
    """Move one clock's deadline by an approved extension (``amount`` ``unit``); it may warn again.
    Raises ``ValueError``/``OverflowError`` when the deadline cannot be computed (the caller names
    the field)."""
    process = registry.for_clock_model(type(clock))
    moved = deadlines.extend(calendar, clock.due_at, amount, unit)
    changes = {f"clock.{clock.kind}": {"before": clock.due_at, "after": moved.due}}
    clock.due_at = moved.due
    clock.calendar_confirmed = clock.calendar_confirmed and moved.calendar_confirmed
    clock.extended_count += 1
    clock.warned_at = None
    schedule(clock, process, policy)
    clock.save(
        update_fields=["due_at", "calendar_confirmed", "extended_count", "warned_at", *SCHEDULE_FIELDS]
    )
    return changes
