"""The gate every complaint action runs first (``_begin``: lock, state, role) and the helpers that
write the change: the action's context, its timeline event, status and saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import ApprovalStatus
from fuwu.clocks import services as clock_engine
from fuwu.clocks.services import Planned
from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError
from fuwu.lib.inputs import REASON_LENGTH, has_control_characters
from fuwu.lib.worktime import WorkCalendar
from fuwu.notify.services import notify
from fuwu.org.models import Role, User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import rules
from ..models import AnswerOutcome, ClockKind, Complaint, ComplaintClock, CostStatus, Status
from ..permissions import approvers_q, deciding_department, may
from ..rules import Action


@dataclass
class Context:
    """What an action needs to know besides its own input: locked row, policy, calendar, now."""

    complaint: Complaint
    by: User | None
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


def policy_of(complaint: Complaint) -> PolicyDocument:
    """The policy version that governed the complaint when it was received."""
    version = complaint.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(complaint.organisation)


def pending_approvals(complaint: Complaint) -> dict[str, str]:
    """The approver role of each pending approval request, by kind (uses a prefetch if present)."""
    return {a.kind: a.approver_role for a in complaint.approvals.all() if a.status == ApprovalStatus.PENDING}


def facts_of(complaint: Complaint, policy: PolicyDocument | None = None) -> rules.StateFacts:
    policy = policy or policy_of(complaint)
    answer = complaint.answer
    latest = ""
    if answer is not None and answer.outcome in (AnswerOutcome.SATISFIED, AnswerOutcome.UNSATISFIED):
        latest = answer.outcome
    extendable = frozenset(
        c.kind
        for c in complaint.clocks.all()
        if c.is_active and c.met_at is None and c.kind in rules.EXTENDABLE_CLOCKS
    )
    return rules.StateFacts(
        status=complaint.status,
        validity=complaint.validity,
        has_department=complaint.department_id is not None,
        responsibility_assigned=complaint.responsibility_at is not None,
        latest_answer=latest,
        latest_answer_classified=bool(latest) and answer is not None and answer.reasonable is not None,
        latest_answer_unreasonable=latest == AnswerOutcome.UNSATISFIED
        and answer is not None
        and answer.reasonable is False,
        contact_attempts=complaint.contact_attempts,
        max_contact_attempts=policy.complaints.max_contact_attempts,
        return_count=complaint.return_count,
        max_returns=policy.complaints.max_returns,
        pending_approvals=frozenset(pending_approvals(complaint)),
        extendable_clocks=extendable,
        has_unverified_costs=any(c.status == CostStatus.RECORDED for c in complaint.costs.all()),
    )


def allowed_actions(user: User, complaint: Complaint, policy: PolicyDocument | None = None) -> list[Action]:
    """Actions ``user`` may take now: allowed by the state and by the user's role."""
    policy = policy or policy_of(complaint)
    facts = facts_of(complaint, policy)
    pending = pending_approvals(complaint)
    return [
        action for action in rules.actions_in_state(facts) if may(user, action, complaint, policy, pending)
    ]


def lock(complaint: Complaint | int) -> Complaint:
    """The complaint's row, locked for the rest of the transaction, with what the gate reads."""
    pk = complaint if isinstance(complaint, int) else complaint.pk
    return (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
        Complaint.objects.select_for_update(of=("self",))
        .select_related(
            "organisation",
            "policy_version",
            "department",
            "intake_department",
            "handler",
            "first_contact_owner",
            "customer",
            "work_order",
            "answer",
        )
        .prefetch_related("approvals", "clocks", "costs")
        .get(pk=pk)
    )


def _begin(complaint: Complaint, action: Action, by: User | None, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the role (403) does not allow.
    Must run inside the action's transaction."""
    locked = lock(complaint)
    policy = policy_of(locked)
    facts = facts_of(locked, policy)
    in_state = rules.actions_in_state(facts)
    if by is not None:
        pending = pending_approvals(locked)
        if action not in in_state:
            permitted = [a for a in in_state if may(by, a, locked, policy, pending)]
            raise ConflictError(
                _("“%(action)s” is not possible while the complaint is %(status)s.")
                % {"action": action.value, "status": locked.get_status_display()},
                extra={"allowed_actions": [a.value for a in permitted], "status": locked.status},
            )
        if not may(by, action, locked, policy, pending):
            raise PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this complaint.") % {"action": action.value}
            )
    elif action not in in_state:
        raise ConflictError(
            _("“%(action)s” is not possible now.") % {"action": action.value},
            extra={"allowed_actions": [], "status": locked.status},
        )
    now = now or timezone.now()
    return Context(
        complaint=locked, by=by, now=now, policy=policy, calendar=work_calendar_for(locked.organisation)
    )


def _event(
    ctx: Context,
    action: str,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    subject: Any = None,
) -> None:
    """The action's one timeline event (on the complaint unless ``subject`` says otherwise)."""
    target = subject if subject is not None else ctx.complaint
    record_event(
        subject=target,
        action=action,
        actor=ctx.by,
        changes=changes,
        reason=reason,
        at=ctx.now,
        organisation=ctx.complaint.organisation,
    )


def _set_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.complaint.status
    if before != status:
        changes["status"] = {"before": before, "after": str(status)}
        ctx.complaint.status = status


def _change(changes: dict[str, Any], field: str, before: Any, after: Any) -> None:
    """Record a field's change for the event (only when it changed)."""
    if before != after:
        changes[field] = {"before": before, "after": after}


def _save(complaint: Complaint, *fields: str) -> None:
    complaint.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str | None, field: str, errors: FieldErrors, limit: int = REASON_LENGTH) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, _("is required"))
    elif has_control_characters(text):
        errors.add(field, _("must not contain control characters"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    return text


def _optional_text(value: str | None, field: str, errors: FieldErrors, limit: int = REASON_LENGTH) -> str:
    text = (value or "").strip()
    if has_control_characters(text):
        errors.add(field, _("must not contain control characters"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    return text


# --- clocks -------------------------------------------------------------------------------------

# The policy key (``[complaints]``) of each clock kind's duration.
CLOCK_DURATIONS = {
    ClockKind.ACKNOWLEDGE: "acknowledge",
    ClockKind.INVESTIGATION: "investigation_start",
    ClockKind.PLAN: "plan",
    ClockKind.EXECUTION: "execution",
    ClockKind.REPLY: "reply",
    ClockKind.RETURN_VISIT: "return_visit",
}


def planned_clocks(policy: PolicyDocument, kinds: Iterable[str], met: Iterable[str] = ()) -> list[Planned]:
    """The clocks of ``kinds`` with the policy's durations (``met``: done at once)."""
    done = set(met)
    plans = []
    for kind in kinds:
        duration = getattr(policy.complaints, CLOCK_DURATIONS[ClockKind(kind)])
        plans.append(Planned(str(kind), duration.amount, duration.unit, met=kind in done))
    return plans


def _start_clocks(
    ctx: Context, kinds: Iterable[str], at: datetime | None = None, changes: dict[str, Any] | None = None
) -> list[ComplaintClock]:
    """Start the complaint's clocks of ``kinds`` at ``at`` (default: now); a running clock of the same
    kind is superseded (a re-handling round starts its steps afresh)."""
    kinds = [str(k) for k in kinds]
    ctx.complaint.clocks.filter(kind__in=kinds, is_active=True).update(is_active=False)
    started: list[ComplaintClock] = clock_engine.start(
        ctx.complaint,
        planned_clocks(ctx.policy, kinds),
        policy=ctx.policy,
        calendar=ctx.calendar,
        at=at or ctx.now,
    )
    if changes is not None:
        for clock in started:
            changes[f"clock.{clock.kind}"] = {"after": clock.due_at}
    return started


def _meet(ctx: Context, changes: dict[str, Any], *kinds: str) -> None:
    changes.update(clock_engine.meet(ctx.complaint.clocks.all(), ctx.now, kinds))


def _stop_clocks(ctx: Context, changes: dict[str, Any], *kinds: str) -> None:
    """The steps of ``kinds`` no longer apply (an invalid complaint has no plan to execute)."""
    stopped = ctx.complaint.clocks.filter(kind__in=kinds, is_active=True, met_at__isnull=True).update(
        is_active=False
    )
    if stopped:
        changes["clocks_stopped"] = {"after": list(kinds)}


# --- people told -------------------------------------------------------------------------------


def heads_of(department: Any) -> list[User]:
    """Heads of the department, else of the nearest department above it that has one."""
    from fuwu.org.selectors import heads_of as department_heads

    return department_heads(department)


def approvers_for(role: str, complaint: Complaint) -> list[User]:
    """Who is asked to decide a request for ``role``: the heads nearest to the deciding department
    (handling, else receiving); the directors when the policy reserves the decision to them, or no
    head above the department has one. ``notify`` keeps only those who may see the complaint."""
    if role == Role.DEPARTMENT_HEAD and (heads := heads_of(deciding_department(complaint))):
        return heads
    return list(User.objects.filter(approvers_q(role, complaint)).filter(User.role_q(Role.DIRECTOR)))


def handlers_of(ctx: Context) -> list[User]:
    """Who must act now: the handler, else the heads of the handling (or receiving) department."""
    from ..clock_process import handlers_of as current_handlers

    return list(current_handlers(ctx.complaint, ctx.now))


def _notify(ctx: Context, people: Iterable[User | None], kind: str, title: str, body: str = "") -> None:
    notify(
        [p for p in people if p is not None and (ctx.by is None or p.pk != ctx.by.pk)],
        kind=kind,
        subject=ctx.complaint,
        title=title,
        body=body,
        now=ctx.now,
    )


def _withdraw_pending(ctx: Context, changes: dict[str, Any], kinds: Iterable[str] | None = None) -> None:
    """The complaint's pending approvals (of ``kinds``) no longer apply."""
    withdrawn = approvals.withdraw(record=ctx.complaint, by=ctx.by, now=ctx.now, kinds=kinds)
    if withdrawn:
        changes["approvals_withdrawn"] = {"after": withdrawn}


def _end_return_visit(ctx: Context, outcome: str, answer: Any = None) -> None:
    """The due return visit ends (``outcome``: "done" with the customer's ``answer``, or
    "cancelled"): the return-visit process (``fuwu.visits``, which keeps the visits) hears of it in
    this transaction."""
    from .. import signals

    signals.return_visit_ended.send(
        sender=Complaint, complaint=ctx.complaint, outcome=outcome, answer=answer, now=ctx.now
    )
