"""Red light (rejection), deferral and extensions: requested, approved or denied, resumed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.approvals.registry import Decision
from fuwu.clocks import services as clock_engine
from fuwu.lib.errors import ConflictError, FieldErrors, ValidationFailed
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify, send_sms
from fuwu.org.models import User
from fuwu.policy.templatetags.policy_format import duration

from .. import rules
from ..approvals import Details
from ..models import ApprovalKind, ClockKind, Status, WorkOrder
from ..permissions import deciding_department
from ..rules import Action
from .clocks import _enter_pause_status, _leave_pause_status, _pause, _pauses_clocks, _resume
from .context import Context, _begin, _event, _required_text, _save, _set_status
from .lifecycle import _withdraw_pending
from .people import _tell_owner, approvers_for, approvers_told, heads_of


def _deferral_day(ctx: Context, day: date | None, errors: FieldErrors) -> date | None:
    """The day from which a request that cannot be done now can be done: after today, and at most the
    policy's maximum of working days ahead (暂缓办理 is a wait with an end, not a silent refusal)."""
    if day is None:
        errors.add("deferred_until", _("is required: the day from which the work can be done"))
        return None
    today = timezone.localtime(ctx.now).date()
    latest = rules.latest_deferral_day(ctx.calendar, ctx.now, ctx.policy)
    if day <= today:
        errors.add("deferred_until", _("must be after today (%(today)s)") % {"today": today.isoformat()})
    elif day > latest:
        errors.add(
            "deferred_until",
            _("must be at most %(days)s working days ahead, by %(latest)s")
            % {"days": ctx.policy.approvals.max_deferral_working_days, "latest": latest.isoformat()},
        )
    return day


@transaction.atomic
def work_order_request_rejection(
    *,
    work_order: WorkOrder,
    by: User,
    kind: str,
    reason: str,
    answer: str,
    deferred_until: date | None = None,
    now: datetime | None = None,
) -> Approval:
    """Staff may explain, only a head may refuse (红灯): the refusal waits for approval, nothing is sent.
    ``cannot_do_now`` (暂缓办理) is not a refusal: it names the day from which the work can be done
    (``deferred_until``) and, once approved, the request waits open until then."""
    errors = FieldErrors()
    if kind not in (ApprovalKind.REJECTION, ApprovalKind.CANNOT_DO_NOW):
        errors.add("kind", _("must be one of %(choices)s") % {"choices": "rejection, cannot_do_now"})
    reason = _required_text(reason, "reason", errors)
    answer = _required_text(answer, "answer", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REQUEST_REJECTION, by, now)
    wo = ctx.work_order
    if kind == ApprovalKind.CANNOT_DO_NOW:
        deferred_until = _deferral_day(ctx, deferred_until, errors)
    elif deferred_until is not None:
        errors.add("deferred_until", _("only a request that cannot be done now names a day"))
    errors.raise_if_any()
    approver_role = getattr(ctx.policy.approvals, kind)
    request = approvals.request(
        record=wo,
        kind=kind,
        approver_role=approver_role,
        reason=reason,
        answer=answer,
        details=Details(status_before=wo.status, deferred_until=deferred_until).as_json(),
        department=deciding_department(wo),
        requested_by=by,
        now=ctx.now,
    )
    approval: dict[str, Any] = {"kind": kind, "approver": approver_role}
    if deferred_until is not None:
        approval["deferred_until"] = deferred_until
    changes: dict[str, Any] = {"approval": {"after": approval}}
    _enter_pause_status(ctx, Status.AWAITING_APPROVAL, changes)
    _save(wo, "status", "resume_status")
    if kind == ApprovalKind.CANNOT_DO_NOW:
        _event(ctx, "work_order.deferral_requested", changes, reason)
        title = _("%(number)s: a deferral until %(day)s waits for your approval") % {
            "number": wo.number,
            "day": deferred_until.isoformat() if deferred_until else "",
        }
    else:
        _event(ctx, "work_order.rejection_requested", changes, reason)
        title = _("%(number)s: a refusal waits for your approval") % {"number": wo.number}
    notify(
        approvers_told(approver_role, wo),
        kind=NotificationKind.APPROVAL_REQUESTED,
        subject=wo,
        title=title,
        body=reason,
    )
    return request


def _pending(work_order: WorkOrder, action: Action, by: User, now: datetime | None, *kinds: str) -> Approval:
    """The pending approval a decision is about. None pending: the gate refuses the decision as for
    any action the state does not allow (409 naming the allowed ones)."""
    found = (
        approvals.approvals_of(work_order)
        .filter(kind__in=kinds, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "id")
        .first()
    )
    if found is None:
        _begin(work_order, action, by, now)
        raise ConflictError(_("Nothing waits for this decision."))
    return found


def _tell_requester(ctx: Context, request: Approval) -> None:
    """Who asked hears the decision (the engine has recorded it on the approval)."""
    notify(
        [request.requested_by],
        kind=NotificationKind.APPROVAL_DECIDED,
        subject=ctx.work_order,
        title=_("%(number)s: %(kind)s %(decision)s")
        % {
            "number": ctx.work_order.number,
            "kind": request.get_kind_display(),
            "decision": request.get_status_display(),
        },
    )


def deferral_notice(number: str, answer: str, day: date) -> str:
    """What the customer is told of an approved deferral: why, and from when it can be done."""
    return _(
        "Work order %(number)s cannot be done now: %(answer)s It can be done from %(day)s; we will "
        "contact you then. Your request stays open."
    ) % {"number": number, "answer": answer.strip(), "day": day.isoformat()}


def _approve_deferral(ctx: Context, approval: Approval, note: str, deferred_until: date | None) -> WorkOrder:
    wo = ctx.work_order
    request = Details.of(approval)
    errors = FieldErrors()
    day = _deferral_day(ctx, deferred_until or request.deferred_until, errors)
    if errors and deferred_until is None and request.deferred_until is not None:
        errors = FieldErrors()  # the day asked for has passed meanwhile: the head names a new one
        errors.add(
            "deferred_until",
            _("the day asked for (%(day)s) is no longer possible; give a new day")
            % {"day": request.deferred_until.isoformat()},
        )
    errors.raise_if_any()
    assert day is not None
    _tell_requester(ctx, approval)
    changes: dict[str, Any] = {
        "approval": {"after": _("approved")},
        "answer": {"after": approval.answer},
        "deferred_until": {"before": wo.deferred_until, "after": day},
    }
    wo.deferred_until = day
    before = wo.status
    _set_status(ctx, Status.DEFERRED, changes)
    if _pauses_clocks(ctx.policy, Status.DEFERRED):
        _pause(ctx)
        if not _pauses_clocks(ctx.policy, before):
            changes["clocks"] = {"after": _("paused")}
    else:
        changes.update(_resume(ctx))
    _save(wo, "status", "deferred_until")
    send_sms(to=wo.caller_phone, body=deferral_notice(wo.number, approval.answer, day), subject=wo)
    _event(ctx, "work_order.deferred", changes, note)
    _tell_owner(ctx, _("deferred until %(day)s") % {"day": day.isoformat()})
    return wo


@transaction.atomic
def work_order_approve_rejection(
    *,
    work_order: WorkOrder,
    by: User,
    note: str = "",
    deferred_until: date | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """The head approves: now, and only now, the negative answer goes to the customer. A "cannot be
    done now" approved is a deferral, not a refusal: the customer is told why and from which day
    (the head may name another day in ``deferred_until``), and the request stays open.
    Decided through the approvals engine, which calls ``apply_red_light_decision``."""
    request = _pending(work_order, Action.APPROVE_REJECTION, by, now, *RED_LIGHT)
    return approvals.approve(request, by=by, note=note, now=now, deferred_until=deferred_until)


RED_LIGHT = (ApprovalKind.REJECTION, ApprovalKind.CANNOT_DO_NOW)


def apply_red_light_decision(decision: Decision) -> WorkOrder:
    """The approvals engine's handler for a refusal or a deferral decided (inside its transaction)."""
    ctx: Context = decision.context
    request, note = decision.approval, decision.note
    if not decision.approved:
        return _deny_red_light(ctx, request, note)
    deferred_until = decision.params.get("deferred_until")
    if request.kind == ApprovalKind.CANNOT_DO_NOW:
        return _approve_deferral(ctx, request, note, deferred_until)
    if deferred_until is not None:
        raise ValidationFailed.field(
            "deferred_until", _("only a request that cannot be done now names a day")
        )
    wo = ctx.work_order
    _tell_requester(ctx, request)
    changes: dict[str, Any] = {"approval": {"after": _("approved")}, "answer": {"after": request.answer}}
    _withdraw_pending(ctx, changes)
    _set_status(ctx, Status.REJECTED, changes)
    wo.resume_status, wo.closed_at, wo.deferred_until = "", ctx.now, None
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _save(wo, "status", "resume_status", "closed_at", "deferred_until")
    send_sms(
        to=wo.caller_phone,
        body=_("Work order %(number)s: %(answer)s") % {"number": wo.number, "answer": request.answer},
        subject=wo,
    )
    _event(ctx, "work_order.rejection_approved", changes, note)
    _tell_owner(ctx, _("refused after approval"))
    return wo


@transaction.atomic
def work_order_deny_rejection(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """The head refuses the refusal (or the deferral): the work goes on where it was, its clocks restart."""
    errors = FieldErrors()
    note = _required_text(note, "note", errors)
    errors.raise_if_any()
    request = _pending(work_order, Action.DENY_REJECTION, by, now, *RED_LIGHT)
    return approvals.deny(request, by=by, note=note, now=now)


def _deny_red_light(ctx: Context, request: Approval, note: str) -> WorkOrder:
    _tell_requester(ctx, request)
    changes: dict[str, Any] = {"approval": {"after": _("denied")}}
    _leave_pause_status(ctx, changes, to=Details.of(request).status_before)
    _save(ctx.work_order, "status", "resume_status")
    _event(
        ctx,
        "work_order.deferral_denied"
        if request.kind == ApprovalKind.CANNOT_DO_NOW
        else "work_order.rejection_denied",
        changes,
        note,
    )
    return ctx.work_order


def _deferral_return_status(wo: WorkOrder) -> str:
    """The status a deferred request goes back to: the one it had when the deferral was asked
    (a deferral asked again while deferred keeps the first one's)."""
    for approval in wo.approvals.filter(
        kind=ApprovalKind.CANNOT_DO_NOW, status=ApprovalStatus.APPROVED
    ).order_by("-decided_at", "-id"):
        status_before = Details.of(approval).status_before
        if status_before and status_before not in (Status.DEFERRED, Status.AWAITING_APPROVAL):
            return status_before
    return wo.resume_status or Status.RECEIVED


@transaction.atomic
def work_order_resume(
    *, work_order: WorkOrder, by: User | None, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    """A deferred request is taken up again: by staff before its day, or by the sweep on it
    (``by`` None). It goes back to where it was; its clocks restart, moved by the time they stood still."""
    ctx = _begin(work_order, Action.RESUME, by, now)
    wo = ctx.work_order
    day = wo.deferred_until
    changes: dict[str, Any] = {"deferred_until": {"before": day, "after": None}}
    wo.deferred_until = None
    _leave_pause_status(ctx, changes, to=_deferral_return_status(wo))
    _save(wo, "status", "resume_status", "deferred_until")
    if not reason and by is None:
        reason = _("the day from which it can be done has come")
    _event(ctx, "work_order.resumed", changes, reason)
    title = _("%(number)s can be done now (deferred until %(day)s)") % {
        "number": wo.number,
        "day": day.isoformat() if day else "—",
    }
    handlers = [wo.assignee] if wo.assignee else heads_of(wo.department or wo.intake_department)
    notify(
        [p for p in [*handlers, wo.first_contact_owner] if p is not None and p != by],
        kind=NotificationKind.ASSIGNED,
        subject=wo,
        title=title,
        body=reason,
    )
    return wo


def resume_due_deferrals(now: datetime) -> int:
    """Sweep step: every deferred request whose day has come goes back to work (each in its own
    transaction; one resumed meanwhile by someone else is skipped)."""
    today = timezone.localtime(now).date()
    count = 0
    for pk in WorkOrder.objects.filter(status=Status.DEFERRED, deferred_until__lte=today).values_list(
        "pk", flat=True
    ):
        try:
            work_order_resume(work_order=WorkOrder(pk=pk), by=None, now=now)
        except ConflictError:
            continue
        count += 1
    return count


@transaction.atomic
def work_order_request_extension(
    *,
    work_order: WorkOrder,
    by: User,
    clock: str,
    amount: int,
    unit: str,
    reason: str,
    now: datetime | None = None,
) -> Approval:
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    if amount is None or amount <= 0:
        errors.add("amount", _("must be greater than %(limit)s") % {"limit": 0})
    if unit not in (
        "working_days",
        "business_hours",
        "business_minutes",
        "calendar_hours",
        "calendar_minutes",
    ):
        errors.add(
            "unit",
            _("must be one of %(choices)s")
            % {"choices": "working_days, business_hours, business_minutes, calendar_hours, calendar_minutes"},
        )
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REQUEST_EXTENSION, by, now)
    wo = ctx.work_order
    running = wo.clocks.filter(kind=clock, is_active=True, met_at__isnull=True).first()
    if running is None:
        raise ValidationFailed.field("clock", _("no running clock of that kind"))
    # At most the policy's longest extension, compared by where each would move the deadline (so
    # that "3 working days" and "24 business hours" compare fairly).
    longest = ctx.policy.approvals.max_extension
    beyond = ValidationFailed.field(
        "amount", _("may move the deadline by at most %(limit)s (policy)") % {"limit": duration(longest)}
    )
    try:
        limit = ctx.calendar.deadline(running.due_at, longest.amount, longest.unit).due
        if ctx.calendar.deadline(running.due_at, amount, unit).due > limit:
            raise beyond
    except (ValueError, OverflowError):
        raise beyond from None
    role = ctx.policy.approvals.extension
    request = approvals.request(
        record=wo,
        kind=ApprovalKind.EXTENSION,
        approver_role=role,
        reason=reason,
        details=Details(clock_kind=clock, extension_amount=amount, extension_unit=unit).as_json(),
        department=deciding_department(wo),
        requested_by=by,
        now=ctx.now,
    )
    _event(
        ctx,
        "work_order.extension_requested",
        {"extension": {"after": {"clock": clock, "amount": amount, "unit": unit, "approver": role}}},
        reason,
    )
    notify(
        approvers_for(role, wo),
        kind=NotificationKind.APPROVAL_REQUESTED,
        subject=wo,
        title=_("%(number)s: an extension waits for your approval") % {"number": wo.number},
        body=reason,
    )
    return request


@transaction.atomic
def work_order_approve_extension(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """Decided through the approvals engine, which calls ``apply_extension_decision``."""
    request = _pending(work_order, Action.APPROVE_EXTENSION, by, now, ApprovalKind.EXTENSION)
    return approvals.approve(request, by=by, note=note, now=now)


def apply_extension_decision(decision: Decision) -> WorkOrder:
    """The approvals engine's handler for an extension decided: approved, the clock moves."""
    ctx: Context = decision.context
    note = decision.note
    _tell_requester(ctx, decision.approval)
    if not decision.approved:
        _event(ctx, "work_order.extension_denied", {"extension": {"after": _("denied")}}, note)
        return ctx.work_order
    request = Details.of(decision.approval)  # the clock to move, by how much
    clock = ctx.work_order.clocks.filter(kind=request.clock_kind, is_active=True, met_at__isnull=True).first()
    if clock is None:  # the step was done (or stopped) meanwhile: nothing left to extend
        raise ValidationFailed.field(
            "clock",
            _("the %(clock)s clock is no longer running; deny the request")
            % {"clock": ClockKind(request.clock_kind).label},
        )
    try:
        changes = clock_engine.extend(
            clock,
            amount=request.extension_amount or 0,
            unit=request.extension_unit,
            calendar=ctx.calendar,
            policy=ctx.policy,
        )
    except (ValueError, OverflowError):  # asked for before the policy bounded extensions
        raise ValidationFailed.field(
            "amount", _("is too large to compute a deadline; deny the request")
        ) from None
    _event(ctx, "work_order.extension_approved", changes, note)
    return ctx.work_order


@transaction.atomic
def work_order_deny_extension(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    request = _pending(work_order, Action.DENY_EXTENSION, by, now, ApprovalKind.EXTENSION)
    return approvals.deny(request, by=by, note=note, now=now)
