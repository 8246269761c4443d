"""The work order's clocks: starting them at intake, meeting, pausing, resuming and rescheduling them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from fuwu.lib.worktime import WorkCalendar
from fuwu.policy.schema import PolicyDocument

from .. import rules
from ..models import Clock, ClockKind, Status, WorkOrder
from .context import Context, _set_status


def _chain(policy: PolicyDocument, kind: str) -> list[Any]:
    return policy.escalation.chain(kind)


def _schedule(clock: Clock, policy: PolicyDocument) -> None:
    """Recompute when the clock warns and escalates next, from its (possibly moved) deadline."""
    clock.warn_at = rules.warn_at(clock.started_at, clock.due_at, policy.sla.warn_at_ratio)
    clock.next_escalation_at = rules.next_escalation_at(
        clock.due_at, _chain(policy, clock.kind), clock.escalation_level
    )


def _meet(ctx: Context, *kinds: ClockKind) -> dict[str, Any]:
    """Stop the given clocks (the step is done) and say whether each was met in time."""
    changes: dict[str, Any] = {}
    for clock in ctx.work_order.clocks.filter(kind__in=kinds, is_active=True, met_at__isnull=True):
        clock.met_at = ctx.now
        if clock.paused_at is not None:  # a step done while paused: the pause ends with it
            clock.paused_at = None
        clock.save(update_fields=["met_at", "paused_at"])
        changes[f"clock.{clock.kind}"] = {
            "after": _("met in time") if ctx.now <= clock.due_at else _("met late")
        }
    return changes


def _pause(ctx: Context) -> None:
    ctx.work_order.clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=True).update(
        paused_at=ctx.now
    )


def _resume(ctx: Context) -> dict[str, Any]:
    """Restart paused clocks, moving each deadline by the time it stood still."""
    changes: dict[str, Any] = {}
    for clock in ctx.work_order.clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=False):
        assert clock.paused_at is not None  # the filter takes paused clocks only
        minutes = rules.paused_minutes(ctx.calendar, clock.unit, clock.paused_at, ctx.now)
        moved = rules.extend_after_pause(ctx.calendar, clock.unit, clock.due_at, minutes)
        changes[f"clock.{clock.kind}"] = {"before": clock.due_at, "after": moved.due}
        clock.due_at = moved.due
        clock.calendar_confirmed = clock.calendar_confirmed and moved.calendar_confirmed
        clock.paused_minutes += minutes
        clock.paused_at = None
        _schedule(clock, ctx.policy)
        clock.save(
            update_fields=[
                "due_at",
                "calendar_confirmed",
                "paused_minutes",
                "paused_at",
                "warn_at",
                "next_escalation_at",
            ]
        )
    return changes


_WAITING = (Status.AWAITING_MATERIALS, Status.AWAITING_APPROVAL, Status.DEFERRED)


def _pauses_clocks(policy: PolicyDocument, status: str) -> bool:
    """Whether the clocks stand still in ``status`` (the policy's pause statuses; waiting for
    materials only when the one-time notice pauses the clock; a deferred request as
    ``approvals.deferral_pauses_clocks`` says)."""
    if status == Status.DEFERRED:
        return policy.approvals.deferral_pauses_clocks
    if status not in policy.sla.pause_statuses:
        return False
    return status != Status.AWAITING_MATERIALS or policy.notice.pauses_clock


def _enter_pause_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.work_order.status
    if before not in _WAITING:  # waiting within waiting keeps the working status to go back to
        ctx.work_order.resume_status = before
    _set_status(ctx, status, changes)
    if _pauses_clocks(ctx.policy, status):
        _pause(ctx)
        if not _pauses_clocks(ctx.policy, before):
            changes["clocks"] = {"after": _("paused")}
    elif _pauses_clocks(
        ctx.policy, before
    ):  # e.g. deferred (paused) → awaiting an approval that does not pause
        changes.update(_resume(ctx))


def _leave_pause_status(ctx: Context, changes: dict[str, Any], to: str = "") -> None:
    """Back to ``to`` (default: the working status before waiting); the clocks restart unless still waiting."""
    target = Status(to or ctx.work_order.resume_status or Status.RECEIVED)
    _set_status(ctx, target, changes)
    if target not in _WAITING:
        ctx.work_order.resume_status = ""
    if not _pauses_clocks(ctx.policy, target):
        changes.update(_resume(ctx))


def _start_clocks(
    work_order: WorkOrder,
    policy: PolicyDocument,
    calendar: WorkCalendar,
    start: datetime,
    kinds: Iterable[ClockKind] | None = None,
) -> list[Clock]:
    planned = rules.plan_clocks(
        policy,
        sla_class=work_order.sla_class,
        priority=work_order.priority,
        channel=work_order.channel,
        distance_km=work_order.distance_km,
    )
    clocks = []
    for plan in planned:
        if kinds is not None and plan.kind not in kinds:
            continue
        deadline = rules.due(calendar, start, plan.duration)
        clock = Clock(
            work_order=work_order,
            kind=plan.kind,
            amount=plan.duration.amount,
            unit=plan.duration.unit,
            started_at=start,
            due_at=deadline.due,
            calendar_confirmed=deadline.calendar_confirmed,
            met_at=start if plan.met_at_intake else None,
        )
        _schedule(clock, policy)
        clocks.append(clock)
    return Clock.objects.bulk_create(clocks)
