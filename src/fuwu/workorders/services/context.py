"""The gate every action runs first (``_begin``: lock, state, role) and the helpers that write the
change: the action's context, its timeline event, status and saves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals.models import ApprovalStatus
from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import rules
from ..models import ClockKind, Status, WorkOrder
from ..permissions import may
from ..rules import Action


@dataclass
class Context:
    """What an action needs to know besides its own input: locked row, policy, calendar, now."""

    work_order: WorkOrder
    by: User | None
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


def policy_of(work_order: WorkOrder) -> PolicyDocument:
    """The policy version that governed the work order when it was received."""
    version = work_order.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(work_order.organisation)


def facts_of(work_order: WorkOrder) -> rules.StateFacts:
    pending = {
        a.kind: a.approver_role for a in work_order.approvals.all() if a.status == ApprovalStatus.PENDING
    }
    fees = list(work_order.fees.all())
    return rules.StateFacts(
        status=work_order.status,
        pending_approvals=frozenset(pending),
        has_unmet_written_reply=any(
            c.kind == ClockKind.WRITTEN_REPLY and c.is_active and c.met_at is None
            for c in work_order.clocks.all()
        ),
        accepted=work_order.accepted_at is not None,
        confirmation_refused=work_order.confirmation_refused,
        has_uncollected_fees=any(not f.is_collected for f in fees),
        has_fees=bool(fees),
        is_paid=work_order.is_paid,
    )


def allowed_actions(user: User, work_order: WorkOrder, policy: PolicyDocument | None = None) -> list[Action]:
    """Actions ``user`` may take now: allowed by the state and by the user's role."""
    policy = policy or policy_of(work_order)
    facts = facts_of(work_order)
    team_ids = {m.pk for m in work_order.team.all()}
    pending = {
        a.kind: a.approver_role for a in work_order.approvals.all() if a.status == ApprovalStatus.PENDING
    }
    return [
        action
        for action in rules.actions_in_state(facts)
        if may(user, action, work_order, policy, team_ids, pending)
    ]


def _begin(work_order: WorkOrder, action: Action, by: User | None, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the role (403) does not allow."""
    locked = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins (department, assignee).
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related(
            "organisation",
            "policy_version",
            "department",
            "intake_department",
            "service_type",
            "customer",
            "assignee",
            "first_contact_owner",
        )
        .get(pk=work_order.pk)
    )
    policy = policy_of(locked)
    facts = facts_of(locked)
    in_state = rules.actions_in_state(facts)
    if by is not None:
        team_ids = {m.pk for m in locked.team.all()}
        pending = {
            a.kind: a.approver_role for a in locked.approvals.all() if a.status == ApprovalStatus.PENDING
        }
        if action not in in_state:
            permitted = [a for a in in_state if may(by, a, locked, policy, team_ids, pending)]
            raise ConflictError(
                _("“%(action)s” is not possible while the work order is %(status)s.")
                % {"action": action.value, "status": locked.get_status_display()},
                extra={"allowed_actions": [a.value for a in permitted], "status": locked.status},
            )
        if not may(by, action, locked, policy, team_ids, pending):
            raise PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this work order.") % {"action": action.value}
            )
    elif action not in in_state:
        raise ConflictError(
            _("“%(action)s” is not possible now.") % {"action": action.value},
            extra={"allowed_actions": [], "status": locked.status},
        )
    now = now or timezone.now()
    return Context(
        work_order=locked, by=by, now=now, policy=policy, calendar=work_calendar_for(locked.organisation)
    )


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.work_order,
        action=action,
        actor=ctx.by,
        changes=changes,
        reason=reason,
        at=ctx.now,
        organisation=ctx.work_order.organisation,
    )


def _set_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.work_order.status
    if before != status:
        changes["status"] = {"before": before, "after": str(status)}
        ctx.work_order.status = status


def _save(work_order: WorkOrder, *fields: str) -> None:
    work_order.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str | None, field: str, errors: FieldErrors, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, _("is required"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    return text
