"""The handling steps (seed 003/004): acknowledge, assess (valid or invalid, object, cause,
severity), start the investigation, cause and responsibility, the handling plan and its approval,
execution, the reply to the customer. Each is one transaction and one timeline event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.approvals.registry import Decision
from fuwu.lib.errors import ConflictError, FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_INT
from fuwu.notify.models import NotificationKind
from fuwu.org.models import Department, User

from .. import rules
from ..models import (
    CauseType,
    ClockKind,
    Complaint,
    ComplaintObject,
    ReplyMethod,
    Status,
    Validity,
)
from ..notifying import VISIT_DUE
from ..permissions import PLAN_KIND, deciding_department, plan_approver, severity_level
from ..rules import Action
from .context import (
    Context,
    _begin,
    _change,
    _end_return_visit,
    _event,
    _meet,
    _notify,
    _optional_text,
    _required_text,
    _save,
    _set_status,
    _start_clocks,
    _stop_clocks,
    _withdraw_pending,
    approvers_for,
    handlers_of,
)

# Most people one responsibility decision may name.
MAX_RESPONSIBLE = 20


def _choices(values: list[str]) -> str:
    return _("must be one of %(choices)s") % {"choices": ", ".join(values)}


def _investigation_status(complaint: Complaint) -> Status:
    """Where a complaint goes back to while its plan is redone: its investigation, or its re-handling."""
    return Status.REHANDLING if complaint.rehandle_count else Status.INVESTIGATING


# --- acknowledge, assess, investigate ------------------------------------------------------------


@transaction.atomic
def complaint_acknowledge(
    c: Complaint, *, by: User, note: str = "", now: datetime | None = None
) -> Complaint:
    """The complainant is told the complaint was received (the acknowledgement clock is met)."""
    errors = FieldErrors()
    note = _optional_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.ACKNOWLEDGE, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {}
    _set_status(ctx, Status.ACKNOWLEDGED, changes)
    complaint.acknowledged_at = ctx.now
    _meet(ctx, changes, ClockKind.ACKNOWLEDGE)
    _save(complaint, "status", "acknowledged_at")
    _event(ctx, "complaint.acknowledged", changes, note)
    return complaint


@transaction.atomic
def complaint_assess(
    c: Complaint,
    *,
    by: User,
    validity: str,
    object: str,
    cause_type: str = "",
    severity: str,
    note: str,
    now: datetime | None = None,
) -> Complaint:
    """Classify the complaint: valid or invalid (the customer misunderstood: still answered and
    explained, counted apart, no penalty, no plan to execute), what it is about, quality or
    non-quality cause, and its severity (which decides the level that handles it)."""
    errors = FieldErrors()
    if validity not in (Validity.VALID, Validity.INVALID):
        errors.add("validity", _choices([Validity.VALID, Validity.INVALID]))
    if object not in ComplaintObject.values:
        errors.add("object", _choices(ComplaintObject.values))
    if cause_type and cause_type not in CauseType.values:
        errors.add("cause_type", _choices(CauseType.values))
    note = _required_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.ASSESS, by, now)
    complaint = ctx.complaint
    level = severity_level(ctx.policy, severity)
    if level is None:
        errors.add("severity", _choices([lv.code for lv in ctx.policy.complaints.severity_levels]))
        errors.raise_if_any()
    changes: dict[str, Any] = {}
    for name, value in (
        ("validity", validity),
        ("object", object),
        ("cause_type", cause_type),
        ("severity", severity),
        ("handler_role", level.handler_role),
    ):
        _change(changes, name, getattr(complaint, name), value)
        setattr(complaint, name, value)
    complaint.assessment_note = note
    complaint.assessed_by, complaint.assessed_at = by, ctx.now
    if validity == Validity.INVALID:
        # Nothing to plan or execute; the reply still explains it to the customer.
        _stop_clocks(ctx, changes, ClockKind.PLAN, ClockKind.EXECUTION)
        _withdraw_pending(ctx, changes, [PLAN_KIND])
        if complaint.status == Status.PLAN_PROPOSED:
            _set_status(ctx, _investigation_status(complaint), changes)
        from .penalties import waive_for_invalid

        waived = waive_for_invalid(complaint, ctx)
        if waived:
            changes["penalties_waived"] = {"after": [p.pk for p in waived]}
    else:
        if complaint.status in rules.BEFORE_PLAN and not any(
            clock.kind == ClockKind.PLAN and clock.is_active for clock in complaint.clocks.all()
        ):
            # Found valid after all: the plan's deadline runs from now.
            _start_clocks(ctx, [ClockKind.PLAN], changes=changes)
        if validity == Validity.VALID and complaint.responsibility_at is not None:
            # Responsibility was decided while validity was still open: its consequences follow now.
            from .penalties import propose_for

            proposed = propose_for(complaint, ctx)
            if proposed:
                changes["penalties_proposed"] = {"after": [p.pk for p in proposed]}
    _save(
        complaint,
        "validity",
        "object",
        "cause_type",
        "severity",
        "handler_role",
        "assessment_note",
        "assessed_by",
        "assessed_at",
        "status",
    )
    _event(ctx, "complaint.assessed", changes, note)
    return complaint


@transaction.atomic
def complaint_start_investigation(
    c: Complaint, *, by: User, note: str = "", now: datetime | None = None
) -> Complaint:
    """The investigation starts (seed 004: within one working day); a complaint not yet acknowledged
    is acknowledged with it."""
    errors = FieldErrors()
    note = _optional_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.START_INVESTIGATION, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {}
    fields = ["status", "investigation_started_at"]
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = ctx.now
        fields.append("acknowledged_at")
    _set_status(ctx, Status.INVESTIGATING, changes)
    complaint.investigation_started_at = ctx.now
    if complaint.handler_id is None and complaint.department_id is not None and _heads_handle(ctx, by):
        # A head who starts the investigation of their department's complaint handles it.
        complaint.handler = by
        changes["handler"] = {"after": by.pk}
        fields.append("handler")
    _meet(ctx, changes, ClockKind.ACKNOWLEDGE, ClockKind.INVESTIGATION)
    _save(complaint, *fields)
    _event(ctx, "complaint.investigation_started", changes, note)
    return complaint


def _heads_handle(ctx: Context, by: User) -> bool:
    from ..permissions import is_head_of

    return is_head_of(by, ctx.complaint.department)


# --- responsibility ------------------------------------------------------------------------------


def _ids(value: Any, field: str, errors: FieldErrors) -> list[int]:
    if not isinstance(value, list | tuple):
        errors.add(field, _("must be a list of ids"))
        return []
    if len(value) > MAX_RESPONSIBLE:
        errors.add(field, _("at most %(n)s items") % {"n": MAX_RESPONSIBLE})
        return []
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= MAX_INT:
            errors.add(field, _("no such member of staff"))
            return []
        if item not in ids:
            ids.append(item)
    return ids


@transaction.atomic
def complaint_assign_responsibility(
    c: Complaint,
    *,
    by: User,
    cause: str,
    department_id: int | None,
    person_ids: list[int],
    now: datetime | None = None,
) -> Complaint:
    """Cause and responsibility (003 6: 质检科 decides the department and the people): by the policy's
    ``complaints.responsibility_role`` or a director. A valid complaint attributed to people proposes
    their penalties (``services.penalties.propose_for``); people no longer named have theirs waived."""
    errors = FieldErrors()
    cause = _required_text(cause, "cause", errors, limit=DESCRIPTION_LENGTH)
    ids = _ids(person_ids, "person_ids", errors)
    if department_id is None:
        errors.add("department_id", _("is required"))
    elif (
        isinstance(department_id, bool)
        or not isinstance(department_id, int)
        or not 0 < department_id <= MAX_INT
    ):
        errors.add("department_id", _("no such department"))
        department_id = None
    errors.raise_if_any()
    assert department_id is not None
    ctx = _begin(c, Action.ASSIGN_RESPONSIBILITY, by, now)
    complaint = ctx.complaint
    department = Department.objects.filter(
        pk=department_id, organisation_id=complaint.organisation_id
    ).first()
    if department is None:
        errors.add("department_id", _("no such department"))
    people = list(User.objects.filter(pk__in=ids, organisation_id=complaint.organisation_id, is_active=True))
    if len(people) != len(ids):
        errors.add("person_ids", _("no such member of staff"))
    errors.raise_if_any()
    changes: dict[str, Any] = {}
    before_people = sorted(complaint.responsible_people.values_list("pk", flat=True))
    _change(changes, "cause", complaint.cause, cause)
    _change(changes, "responsible_department", complaint.responsible_department_id, department_id)
    _change(changes, "responsible_people", before_people, sorted(ids))
    complaint.cause = cause
    complaint.responsible_department = department
    complaint.responsibility_by, complaint.responsibility_at = by, ctx.now
    complaint.responsible_people.set(people)
    _save(complaint, "cause", "responsible_department", "responsibility_by", "responsibility_at")
    from .penalties import propose_for

    proposed = propose_for(complaint, ctx)
    if proposed:
        changes["penalties_proposed"] = {"after": [p.pk for p in proposed]}
    _event(ctx, "complaint.responsibility_assigned", changes)
    return complaint


# --- plan ----------------------------------------------------------------------------------------


def _plan_approved(ctx: Context, approver: User | None, changes: dict[str, Any]) -> None:
    """The plan stands: its clock is met and the execution's starts."""
    complaint = ctx.complaint
    _set_status(ctx, Status.PLANNED, changes)
    complaint.plan_approved_by, complaint.plan_approved_at = approver, ctx.now
    _meet(ctx, changes, ClockKind.PLAN)
    _start_clocks(ctx, [ClockKind.EXECUTION], changes=changes)
    _save(complaint, "status", "plan_approved_by", "plan_approved_at")


@transaction.atomic
def complaint_propose_plan(c: Complaint, *, by: User, plan: str, now: datetime | None = None) -> Complaint:
    """The handling plan. A severity whose level names a plan approver waits for their decision
    (through the approvals engine); otherwise the plan stands at once."""
    errors = FieldErrors()
    plan = _required_text(plan, "plan", errors, limit=DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(c, Action.PROPOSE_PLAN, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {"plan": {"after": plan}}
    complaint.plan = plan
    complaint.plan_proposed_by, complaint.plan_proposed_at = by, ctx.now
    complaint.plan_approved_by, complaint.plan_approved_at = None, None
    _save(complaint, "plan", "plan_proposed_by", "plan_proposed_at", "plan_approved_by", "plan_approved_at")
    role = plan_approver(ctx.policy, complaint)
    if role is None:
        _plan_approved(ctx, by, changes)
        _event(ctx, "complaint.plan_proposed", changes)
        return complaint
    approvals.request(
        record=complaint,
        kind=PLAN_KIND,
        approver_role=role,
        reason=plan,
        department=deciding_department(complaint),
        requested_by=by,
        now=ctx.now,
    )
    _set_status(ctx, Status.PLAN_PROPOSED, changes)
    changes["approval"] = {"after": {"kind": PLAN_KIND, "approver": role}}
    _save(complaint, "status")
    _event(ctx, "complaint.plan_proposed", changes)
    _notify(
        ctx,
        approvers_for(role, complaint),
        NotificationKind.APPROVAL_REQUESTED,
        _("%(number)s: a handling plan waits for your approval") % {"number": complaint.number},
        plan,
    )
    return complaint


def pending_approval(complaint: Complaint, kind: str) -> Approval | None:
    return (
        approvals.approvals_of(complaint)
        .filter(kind=kind, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "id")
        .first()
    )


def _decide(
    c: Complaint,
    kind: str,
    actions: tuple[Action, Action],
    *,
    by: User,
    approved: bool,
    note: str,
    now: datetime | None,
) -> Complaint:
    """A decision on the complaint's pending approval of ``kind``, through the approvals engine (so
    the inbox and the complaint page end in the same handler). None pending: 409 as for any action
    the state does not allow."""
    if not isinstance(approved, bool):
        errors = FieldErrors()
        errors.add("approved", _("must be true or false"))
        errors.raise_if_any()
    request = pending_approval(c, kind)
    if request is None:
        _begin(c, actions[0] if approved else actions[1], by, now)
        raise ConflictError(_("Nothing waits for this decision."))
    decided: Complaint = approvals.decide(request, by=by, approved=approved, note=note, now=now)
    return decided


@transaction.atomic
def complaint_decide_plan(
    c: Complaint, *, by: User, approved: bool, note: str = "", now: datetime | None = None
) -> Complaint:
    """Approve or deny the proposed plan (the plan approver of the severity's level)."""
    return _decide(
        c, PLAN_KIND, (Action.APPROVE_PLAN, Action.DENY_PLAN), by=by, approved=approved, note=note, now=now
    )


def apply_plan_decision(decision: Decision) -> Complaint:
    """The approvals engine's handler: approved, the plan stands; denied, back to the investigation
    (or the re-handling) for another plan."""
    ctx: Context = decision.context
    complaint = ctx.complaint
    changes: dict[str, Any] = {
        "approval": {"after": {"kind": PLAN_KIND, "decision": decision.approval.status}}
    }
    if decision.approved:
        _plan_approved(ctx, decision.by, changes)
        _event(ctx, "complaint.plan_approved", changes, decision.note)
    else:
        _set_status(ctx, _investigation_status(complaint), changes)
        _save(complaint, "status")
        _event(ctx, "complaint.plan_denied", changes, decision.note)
    _notify(
        ctx,
        [decision.approval.requested_by],
        NotificationKind.APPROVAL_DECIDED,
        _("%(number)s: the handling plan was %(decision)s")
        % {"number": complaint.number, "decision": _("approved") if decision.approved else _("denied")},
        decision.note,
    )
    return complaint


# --- execution and reply -------------------------------------------------------------------------


@transaction.atomic
def complaint_execute(c: Complaint, *, by: User, note: str, now: datetime | None = None) -> Complaint:
    """What was done under the plan (seed 002: within 3 working days of the plan)."""
    errors = FieldErrors()
    note = _required_text(note, "note", errors, limit=DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(c, Action.EXECUTE, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {"execution_note": {"after": note}}
    _set_status(ctx, Status.EXECUTED, changes)
    complaint.execution_note = note
    complaint.executed_by, complaint.executed_at = by, ctx.now
    _meet(ctx, changes, ClockKind.EXECUTION)
    _save(complaint, "status", "execution_note", "executed_by", "executed_at")
    _event(ctx, "complaint.executed", changes)
    return complaint


@transaction.atomic
def complaint_reply(
    c: Complaint, *, by: User, text: str, method: str, now: datetime | None = None
) -> Complaint:
    """The reply to the customer — and to every caller of a merged duplicate. The return visit is
    due within the policy's time (seed 003: a week): its clock starts and its task is created for
    the policy's visit role. Failed contact attempts count afresh from here."""
    errors = FieldErrors()
    text = _required_text(text, "text", errors, limit=DESCRIPTION_LENGTH)
    if method not in ReplyMethod.values:
        errors.add("method", _choices(ReplyMethod.values))
    errors.raise_if_any()
    ctx = _begin(c, Action.REPLY, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {"reply": {"after": text}, "reply_method": {"after": method}}
    _set_status(ctx, Status.REPLIED, changes)
    complaint.reply, complaint.reply_method = text, method
    complaint.replied_by, complaint.replied_at = by, ctx.now
    complaint.contact_attempts = 0
    # Every earlier step is over with the reply (an invalid complaint goes straight to it).
    _meet(ctx, changes, ClockKind.ACKNOWLEDGE, ClockKind.INVESTIGATION, ClockKind.REPLY)
    _stop_clocks(ctx, changes, ClockKind.PLAN, ClockKind.EXECUTION)
    replied = complaint.callers.update(replied_at=ctx.now)
    if replied > 1:
        changes["callers_replied"] = {"after": replied}
    _end_return_visit(ctx, "cancelled")
    (visit_clock,) = _start_clocks(ctx, [ClockKind.RETURN_VISIT], changes=changes)
    role = ctx.policy.complaints.return_visit_role
    _save(complaint, "status", "reply", "reply_method", "replied_by", "replied_at", "contact_attempts")
    _event(ctx, "complaint.replied", changes)
    from .. import signals

    signals.replied.send(
        sender=Complaint, complaint=complaint, due_at=visit_clock.due_at, role=role, now=ctx.now
    )
    from ..clock_process import people_with_role

    _notify(
        ctx,
        people_with_role(complaint, role, ctx.now),
        VISIT_DUE,
        _("%(number)s: return visit due by %(due)s")
        % {"number": complaint.number, "due": _local(visit_clock.due_at)},
    )
    return complaint


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


__all__ = [
    "apply_plan_decision",
    "complaint_acknowledge",
    "complaint_assess",
    "complaint_assign_responsibility",
    "complaint_decide_plan",
    "complaint_execute",
    "complaint_propose_plan",
    "complaint_reply",
    "complaint_start_investigation",
    "handlers_of",
    "pending_approval",
]
