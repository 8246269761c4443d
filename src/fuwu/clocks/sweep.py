"""The one periodic sweep over every registered process: approaching-deadline warnings and
escalation levels, then each process's extra steps (work orders: A/B hand-over of started absences,
deferred requests whose day has come).

Safe to run late (it catches up: every level whose time has come fires, each once) and twice at once
(each clock is claimed with a conditional UPDATE, and a level is unique per clock in the database).

Progress never depends on what fired: the due clocks are read in keyset order
(``next_escalation_at``, ``id``), so a batch that fires nothing — clocks of one organisation whose
chain a later policy shortened, say — never hides the clocks after it, of that organisation or of
any other. A clock with no level left in its chain moves on (its next escalation is cleared or set
to the chain's next level), so it is not read again at every sweep. One clock failing is logged and
does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fuwu.timeline.services import lock_subject, record_event

from . import deadlines, registry
from .models import RUNNING, BaseClock

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class SweepResult:
    warned: int = 0
    escalated: int = 0
    moved_on: int = 0  # clocks with no level left whose next escalation was cleared or moved
    failed: int = 0
    steps: dict[str, int] = field(default_factory=dict)  # the processes' extra steps: name → count

    def __getattr__(self, name: str) -> int:  # ``result.handed_over`` for the step "handed_over"
        steps = self.__dict__.get("steps", {})
        if name in steps:
            return steps[name]
        raise AttributeError(name)


def _keyset(queryset: Any, key: str, related: tuple[str, ...]) -> Iterator[Any]:
    """Every row of ``queryset`` in (``key``, id) order, BATCH at a time, whatever happens to them."""
    last: tuple[datetime, int] | None = None
    while True:
        page = queryset
        if last is not None:
            page = page.filter(Q(**{f"{key}__gt": last[0]}) | Q(**{key: last[0], "pk__gt": last[1]}))
        batch = list(page.select_related(*related).order_by(key, "pk")[:BATCH])
        # the position as read: processing the rows changes their key
        last = (getattr(batch[-1], key), batch[-1].pk) if batch else None
        yield from batch
        if len(batch) < BATCH:
            return


def _due_text(clock: BaseClock) -> str:
    return f"{clock.due_at.astimezone():%m-%d %H:%M}"


def warn(clock: BaseClock, now: datetime) -> bool:
    """The approaching-deadline notice, once per clock."""
    process = registry.for_clock_model(type(clock))
    model = type(clock)
    with transaction.atomic():
        claimed = model._default_manager.filter(pk=clock.pk, warned_at__isnull=True, **RUNNING).update(
            warned_at=now
        )
        if not claimed:
            return False
        record = process.record_of(clock)
        process.notify(
            process.warn_recipients(record, now),
            process.kinds.approaching,
            record,
            _("%(number)s: %(clock)s due at %(due)s")
            % {"number": process.title(record), "clock": clock.kind_label(), "due": _due_text(clock)},
        )
    return True


def escalate(clock: BaseClock, now: datetime) -> int:
    """Fire every level of the clock's chain whose time has come (each once); the number fired."""
    process = registry.for_clock_model(type(clock))
    model = type(clock)
    record = process.record_of(clock)
    chain = list(process.chain(process.policy(record), clock.kind))
    levels = deadlines.levels_due(clock.due_at, chain, clock.escalation_level, now)
    if not levels:
        # Nothing to fire now. A clock whose chain has no level left (a later policy version shortened
        # it) or whose next level is later moves on, so it is not due again at every sweep.
        upcoming = deadlines.next_escalation_at(clock.due_at, chain, clock.escalation_level)
        if upcoming != clock.next_escalation_at:
            model._default_manager.filter(
                pk=clock.pk,
                escalation_level=clock.escalation_level,
                next_escalation_at=clock.next_escalation_at,
            ).update(next_escalation_at=upcoming)
            clock.next_escalation_at = upcoming
        return 0
    top = levels[-1]
    try:
        with transaction.atomic():
            # The record first, then its clock: the order every business action takes its locks in
            # (the action locks the record, then changes its clocks), so that a sweep and a user's
            # action on the same record queue behind each other on PostgreSQL instead of deadlocking.
            lock_subject(record)
            claimed = model._default_manager.filter(
                pk=clock.pk, escalation_level=clock.escalation_level, **RUNNING
            ).update(
                escalation_level=top,
                next_escalation_at=deadlines.next_escalation_at(clock.due_at, chain, top),
                breached_at=clock.breached_at or now,
            )
            if not claimed:
                return 0
            for level in levels:
                role = chain[level - 1].role
                people = process.people_with_role(record, role, now)
                process.escalation_model._default_manager.create(
                    level=level,
                    role=role,
                    fired_at=now,
                    notified=[p.pk for p in people],
                    **{"clock": clock, process.record_field: record},
                )
                process.notify(
                    people,
                    process.kinds.escalated if level > 1 or clock.breached_at else process.kinds.breached,
                    record,
                    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s")
                    % {
                        "number": process.title(record),
                        "clock": clock.kind_label(),
                        "level": level,
                        "due": _due_text(clock),
                    },
                )
                record_event(
                    subject=record,
                    action=process.escalated_action,
                    at=now,
                    organisation=process.organisation(record),
                    changes={
                        "clock": {"after": clock.kind},
                        "level": {"after": level},
                        "role": {"after": role},
                        "notified": {"after": [str(p) for p in people]},
                    },
                )
            if not clock.breached_at:
                process.notify(
                    process.breach_recipients(record, now),
                    process.kinds.breached,
                    record,
                    _("%(number)s: %(clock)s deadline missed")
                    % {"number": process.title(record), "clock": clock.kind_label()},
                )
    except IntegrityError:  # another sweep recorded the same level first
        return 0
    return len(levels)


def _isolated(step: str, clock: BaseClock, action: Any, now: datetime, result: SweepResult) -> int:
    try:
        return int(action(clock, now))
    except Exception:  # one broken record must not stop the others
        logger.exception("clock sweep: %s of %s #%s failed", step, type(clock).__name__, clock.pk)
        result.failed += 1
        return 0


def sweep_process(process: registry.ClockProcess, now: datetime, result: SweepResult) -> None:
    clocks = process.clock_model._default_manager.filter(**RUNNING)
    for clock in _keyset(
        clocks.filter(warn_at__lte=now, warned_at__isnull=True, due_at__gt=now), "warn_at", process.related
    ):
        result.warned += _isolated("warning", clock, warn, now, result)
    for clock in _keyset(clocks.filter(next_escalation_at__lte=now), "next_escalation_at", process.related):
        before = clock.next_escalation_at
        fired = _isolated("escalation", clock, escalate, now, result)
        result.escalated += fired
        if not fired and clock.next_escalation_at != before:
            result.moved_on += 1


def oldest_unswept(now: datetime) -> datetime | None:
    """The earliest moment at which the sweep had something to do that is still undone at ``now``
    (a warning or an escalation level due), over every process; None when it is up to date. Read
    through the sweep's own partial indexes: two short index reads per process."""
    oldest: datetime | None = None
    for process in registry.processes():
        clocks = process.clock_model._default_manager.filter(**RUNNING)
        for due in (
            clocks.filter(next_escalation_at__lte=now)
            .order_by("next_escalation_at")
            .values_list("next_escalation_at", flat=True)[:1],
            clocks.filter(warn_at__lte=now, warned_at__isnull=True, due_at__gt=now)
            .order_by("warn_at")
            .values_list("warn_at", flat=True)[:1],
        ):
            for moment in due:
                if moment is not None and (oldest is None or moment < oldest):
                    oldest = moment
    return oldest


def sweep(now: datetime) -> SweepResult:
    """One pass over every registered process at ``now``; each clock in its own short transaction."""
    result = SweepResult()
    for process in registry.processes():
        sweep_process(process, now, result)
    for process in registry.processes():
        for name, step in process.extra_steps:
            result.steps[name] = result.steps.get(name, 0) + step(now)
    return result
