"""The work order's clocks: starting them at intake, meeting, pausing, resuming and rescheduling them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fuwu.clocks import registry
from fuwu.clocks import services as engine
from fuwu.lib.worktime import WorkCalendar
from fuwu.policy.schema import PolicyDocument

from .. import rules
from ..models import Clock, ClockKind, Status, WorkOrder
from .context import Context, _set_status


def _schedule(clock: Clock, policy: PolicyDocument) -> None:
    """Recompute when the clock warns and escalates next, from its (possibly moved) deadline."""
    engine.schedule(clock, registry.for_clock_model(Clock), policy)


def _meet(ctx: Context, *kinds: ClockKind) -> dict[str, Any]:
    """Stop the given clocks (the step is done) and say whether each was met in time."""
    return engine.meet(ctx.work_order.clocks.all(), ctx.now, kinds)


def _pause(ctx: Context) -> dict[str, Any]:
    return engine.pause(ctx.work_order.clocks.all(), ctx.now)


def _resume(ctx: Context) -> dict[str, Any]:
    """Restart paused clocks, moving each deadline by the time it stood still."""
    return engine.resume(ctx.work_order.clocks.all(), ctx.now, calendar=ctx.calendar, policy=ctx.policy)


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
        paused = _pause(ctx)
        if not _pauses_clocks(ctx.policy, before):
            changes.update(paused)
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
    wanted = [plan for plan in planned if kinds is None or plan.kind in kinds]
    return engine.start(
        work_order,
        [
            engine.Planned(plan.kind, plan.duration.amount, plan.duration.unit, met=plan.met_at_intake)
            for plan in wanted
        ],
        policy=policy,
        calendar=calendar,
        at=start,
    )
