"""End of life: close, cancel, reopen, remind; requests still pending are withdrawn."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User

from .. import signals
from ..models import ClockKind, Status, WorkOrder
from ..rules import Action
from .clocks import _start_clocks
from .context import Context, _begin, _event, _required_text, _save, _set_status
from .people import _tell_owner, heads_of


def _withdraw_pending(ctx: Context, changes: dict[str, Any]) -> None:
    """Requests still waiting when the work order ends or restarts are withdrawn, never decided later."""
    kinds = approvals.withdraw(record=ctx.work_order, by=ctx.by, now=ctx.now)
    if kinds:
        changes["approvals_withdrawn"] = {"after": kinds}


@transaction.atomic
def work_order_close(
    *, work_order: WorkOrder, by: User, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    ctx = _begin(work_order, Action.CLOSE, by, now)
    wo = ctx.work_order
    # Closing a done (not confirmed) order: only after a refusal, by the head (see ``may``), with a reason.
    if wo.status == Status.DONE and not (reason or "").strip():
        raise ValidationFailed.field("reason", _("is required"))
    changes: dict[str, Any] = {}
    _withdraw_pending(ctx, changes)
    wo.closed_at = ctx.now
    _set_status(ctx, Status.CLOSED, changes)
    _save(wo, "closed_at", "status")
    _event(ctx, "work_order.closed", changes, reason)
    _tell_owner(ctx, _("closed"))
    return wo


@transaction.atomic
def work_order_cancel(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.CANCEL, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {}
    _withdraw_pending(ctx, changes)
    _set_status(ctx, Status.CANCELLED, changes)
    wo.closed_at, wo.resume_status, wo.deferred_until = ctx.now, "", None
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _save(wo, "closed_at", "resume_status", "deferred_until", "status")
    _event(ctx, "work_order.cancelled", changes, reason)
    _tell_owner(ctx, _("cancelled"))
    return wo


@transaction.atomic
def work_order_reopen(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    """Re-handle (重办): back to the department's queue with a new resolution clock."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REOPEN, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {"reopen_count": {"before": wo.reopen_count, "after": wo.reopen_count + 1}}
    wo.reopen_count += 1
    _withdraw_pending(ctx, changes)
    wo.confirmation_refused = False
    wo.assignee, wo.dispatched_at, wo.accepted_at, wo.arrived_at = None, None, None, None
    wo.done_at, wo.confirmed_at, wo.closed_at = None, None, None
    wo.team.clear()
    _set_status(ctx, Status.ROUTED if wo.department_id else Status.RECEIVED, changes)
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _start_clocks(
        wo,
        ctx.policy,
        ctx.calendar,
        ctx.now,
        kinds=(ClockKind.DISPATCH, ClockKind.ARRIVAL, ClockKind.RESOLUTION),
    )
    _save(
        wo,
        "reopen_count",
        "confirmation_refused",
        "assignee",
        "dispatched_at",
        "accepted_at",
        "arrived_at",
        "done_at",
        "confirmed_at",
        "closed_at",
        "status",
    )
    _event(ctx, "work_order.reopened", changes, reason)
    signals.reopened.send(sender=WorkOrder, work_order=wo, now=ctx.now)
    notify(
        heads_of(wo.department),
        kind=NotificationKind.ASSIGNED,
        subject=wo,
        title=_("%(number)s was reopened: %(reason)s") % {"number": wo.number, "reason": reason},
    )
    return wo


@transaction.atomic
def work_order_remind(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """A reminder (催办) to whoever handles it; reminders are counted."""
    ctx = _begin(work_order, Action.REMIND, by, now)
    wo = ctx.work_order
    wo.reminder_count += 1
    _save(wo, "reminder_count")
    _event(
        ctx,
        "work_order.reminded",
        {"reminder_count": {"before": wo.reminder_count - 1, "after": wo.reminder_count}},
        note,
    )
    notify(
        [wo.assignee] if wo.assignee else heads_of(wo.department or wo.intake_department),
        kind=NotificationKind.REMINDER,
        subject=wo,
        body=note,
        title=_("%(number)s: reminder from %(name)s") % {"number": wo.number, "name": by.display_name},
    )
    return wo


def work_order_mark_visited(
    *, work_order: WorkOrder, by: User | None, satisfied: bool, visit: Any, now: datetime
) -> bool:
    """The customer answered the return visit (the visits process, in its action's transaction):
    a done or confirmed work order becomes visited. Not an action anyone takes on the work order
    itself; nothing changes in any other state (a reopened order is handled again first)."""
    from django.utils import timezone

    from fuwu.workcal.selectors import work_calendar_for

    from .context import policy_of

    locked = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=work_order.pk)
    )
    if locked.status not in (Status.DONE, Status.CONFIRMED):
        return False
    ctx = Context(
        work_order=locked,
        by=by,
        now=now or timezone.now(),
        policy=policy_of(locked),
        calendar=work_calendar_for(locked.organisation),
    )
    changes: dict[str, Any] = {"visit": {"after": visit.pk}, "satisfied": {"after": satisfied}}
    _set_status(ctx, Status.VISITED, changes)
    _save(locked, "status")
    _event(ctx, "work_order.visited", changes)
    return True
