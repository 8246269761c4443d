"""Extension of a step's deadline: asked for, decided only by the policy's approver
(``complaints.extension_approver``, seed 002: 延期须呈报运营总监审核), at most the policy's longest
extension (``complaints.max_extension``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import Decision
from fuwu.clocks import services as clock_engine
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import MAX_INT
from fuwu.notify.models import NotificationKind
from fuwu.org.models import User
from fuwu.policy.schema import DurationUnit
from fuwu.policy.templatetags.policy_format import duration

from .. import rules
from ..models import ClockKind, Complaint
from ..permissions import EXTENSION_KIND, deciding_department
from ..rules import Action
from .context import Context, _begin, _event, _notify, _required_text, approvers_for
from .steps import _decide

UNITS = list(get_args(DurationUnit))


def _details(approval: Approval) -> tuple[str, int, str]:
    data = approval.details or {}
    return (
        str(data.get("clock_kind", "")),
        int(data.get("extension_amount") or 0),
        str(data.get("extension_unit", "")),
    )


@transaction.atomic
def complaint_request_extension(
    c: Complaint, *, by: User, clock: str, amount: int, unit: str, reason: str, now: datetime | None = None
) -> Complaint:
    """Ask to move a running step's deadline (plan, execution or reply) by ``amount`` ``unit``."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    if clock not in rules.EXTENDABLE_CLOCKS:
        errors.add("clock", _("must be one of %(choices)s") % {"choices": ", ".join(rules.EXTENDABLE_CLOCKS)})
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_INT:
        errors.add("amount", _("must be greater than %(limit)s") % {"limit": 0})
    if unit not in UNITS:
        errors.add("unit", _("must be one of %(choices)s") % {"choices": ", ".join(UNITS)})
    errors.raise_if_any()
    ctx = _begin(c, Action.REQUEST_EXTENSION, by, now)
    complaint = ctx.complaint
    running = next(
        (k for k in complaint.clocks.all() if k.kind == clock and k.is_active and k.met_at is None), None
    )
    if running is None:
        raise ValidationFailed.field("clock", _("no running clock of that kind"))
    longest = ctx.policy.complaints.max_extension
    beyond = ValidationFailed.field(
        "amount", _("may move the deadline by at most %(limit)s (policy)") % {"limit": duration(longest)}
    )
    try:
        limit = ctx.calendar.deadline(running.due_at, longest.amount, longest.unit).due
        if ctx.calendar.deadline(running.due_at, amount, unit).due > limit:
            raise beyond
    except (ValueError, OverflowError):
        raise beyond from None
    role = ctx.policy.complaints.extension_approver
    approvals.request(
        record=complaint,
        kind=EXTENSION_KIND,
        approver_role=role,
        reason=reason,
        details={"clock_kind": clock, "extension_amount": amount, "extension_unit": unit},
        department=deciding_department(complaint),
        requested_by=by,
        now=ctx.now,
    )
    _event(
        ctx,
        "complaint.extension_requested",
        {"extension": {"after": {"clock": clock, "amount": amount, "unit": unit, "approver": role}}},
        reason,
    )
    _notify(
        ctx,
        approvers_for(role, complaint),
        NotificationKind.APPROVAL_REQUESTED,
        _("%(number)s: an extension waits for your approval") % {"number": complaint.number},
        reason,
    )
    return complaint


@transaction.atomic
def complaint_decide_extension(
    c: Complaint, *, by: User, approved: bool, note: str = "", now: datetime | None = None
) -> Complaint:
    return _decide(
        c,
        EXTENSION_KIND,
        (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION),
        by=by,
        approved=approved,
        note=note,
        now=now,
    )


def apply_extension_decision(decision: Decision) -> Complaint:
    """The approvals engine's handler: approved, the step's deadline moves."""
    ctx: Context = decision.context
    complaint = ctx.complaint
    _notify(
        ctx,
        [decision.approval.requested_by],
        NotificationKind.APPROVAL_DECIDED,
        _("%(number)s: the extension was %(decision)s")
        % {"number": complaint.number, "decision": _("approved") if decision.approved else _("denied")},
        decision.note,
    )
    if not decision.approved:
        _event(ctx, "complaint.extension_denied", {"extension": {"after": _("denied")}}, decision.note)
        return complaint
    kind, amount, unit = _details(decision.approval)
    clock = complaint.clocks.filter(kind=kind, is_active=True, met_at__isnull=True).first()
    if clock is None:
        raise ValidationFailed.field(
            "clock",
            _("the %(clock)s clock is no longer running; deny the request")
            % {"clock": ClockKind(kind).label},
        )
    try:
        changes: dict[str, Any] = clock_engine.extend(
            clock, amount=amount, unit=unit, calendar=ctx.calendar, policy=ctx.policy
        )
    except (ValueError, OverflowError):
        raise ValidationFailed.field(
            "amount", _("is too large to compute a deadline; deny the request")
        ) from None
    _event(ctx, "complaint.extension_approved", changes, decision.note)
    return complaint
