"""Who may take which action on a work order they can see (visibility is checked before this)."""

from __future__ import annotations

from typing import Any

from fuwu.org.models import Role, User
from fuwu.policy.schema import PolicyDocument

from .models import Status, WorkOrder
from .rules import Action


def is_head_of(user: User, department: Any) -> bool:
    """A department head of ``department`` or of a department above it."""
    return bool(
        department is not None and user.department_id is not None and user.has_role(Role.DEPARTMENT_HEAD)
        and department.path.startswith(user.department.path)
    )


def is_assigned(user: User, work_order: WorkOrder, team_ids: set[int]) -> bool:
    return work_order.assignee_id == user.pk or user.pk in team_ids


def may_approve(user: User, approver_role: str, work_order: WorkOrder) -> bool:
    """The policy names the approver: a head (of the work order's department or above) or a director.
    A director may always decide what a head may."""
    if user.has_role(Role.DIRECTOR):
        return True
    # Not routed yet: the receiving department's head decides (the one notified, see ``approvers_for``).
    department = work_order.department or work_order.intake_department
    return approver_role == Role.DEPARTMENT_HEAD and is_head_of(user, department)


def may(
    user: User, action: Action, work_order: WorkOrder, policy: PolicyDocument, team_ids: set[int],
    approver_roles: dict[str, str] | None = None,
) -> bool:
    """``approver_roles``: the approver role recorded on each pending approval request, by kind."""
    pending = approver_roles or {}
    owner = work_order.first_contact_owner_id == user.pk
    assigned = is_assigned(user, work_order, team_ids)
    agent = user.has_role(Role.AGENT)
    head = is_head_of(user, work_order.department) or is_head_of(user, work_order.intake_department)
    director = user.has_role(Role.DIRECTOR)
    match action:
        case Action.CLOSE | Action.REOPEN if work_order.status == Status.DONE and work_order.confirmation_refused:
            # The customer refused to confirm: the head told of it decides (close with a reason, or re-handle).
            return is_head_of(user, work_order.department or work_order.intake_department) or director
        case Action.ROUTE | Action.CLOSE | Action.CANCEL | Action.REOPEN:
            return agent or owner or head or director
        case Action.DISPATCH:
            return agent or head or director
        case Action.ACCEPT | Action.ARRIVE | Action.COMPLETE:
            return assigned
        case (Action.NOTICE_MISSING | Action.MATERIALS_RECEIVED | Action.RECORD_FEE | Action.COLLECT_FEE
              | Action.REPLY):
            return agent or owner or assigned or head
        case Action.SEND_CONFIRMATION_CODE | Action.CONFIRM | Action.REFUSE_CONFIRMATION:
            return agent or owner or assigned
        case Action.REQUEST_REJECTION | Action.REQUEST_EXTENSION:
            return agent or owner or assigned or head
        case Action.APPROVE_REJECTION | Action.DENY_REJECTION:
            role = pending.get("rejection") or pending.get("cannot_do_now") or policy.approvals.rejection
            return may_approve(user, role, work_order)
        case Action.APPROVE_EXTENSION | Action.DENY_EXTENSION:
            return may_approve(user, pending.get("extension") or policy.approvals.extension, work_order)
        case Action.APPROVE_PAID_SERVICE | Action.DENY_PAID_SERVICE:
            return may_approve(user, pending.get("paid_service") or policy.approvals.paid_service, work_order)
        case Action.REMIND:
            return True
    return False
