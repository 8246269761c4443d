"""Who may take which action on a work order they can see (visibility is checked before this)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q

from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.org.models import Role, User
from fuwu.policy.schema import PolicyDocument

from .models import Status, WorkOrder
from .rules import Action


def is_head_of(user: User, department: Any) -> bool:
    """A department head of ``department`` or of a department above it."""
    return bool(
        department is not None
        and user.has_role(Role.DEPARTMENT_HEAD)
        and user.department is not None
        and department.path.startswith(user.department.path)
    )


def is_assigned(user: User, work_order: WorkOrder, team_ids: set[int]) -> bool:
    return work_order.assignee_id == user.pk or user.pk in team_ids


def may_take_calls(user: Any) -> bool:
    """Who receives requests (intake, 首问负责制): agents, heads, directors, administrators, and a
    gatekeeper, who logs a visitor for a named owner. Technicians and quality inspectors do not."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "organisation_id", None)) and (
        user.has_role(Role.AGENT, Role.DEPARTMENT_HEAD, Role.DIRECTOR, Role.ADMINISTRATOR)
        or user.is_gatekeeper
    )


# --- approvals ------------------------------------------------------------------------------
#
# One rule decides who may approve, read three ways: for one work order (``may_approve``, the
# actions offered), as a filter on work orders ("awaiting my approval", ``ApprovalAuthority.inbox_q``)
# and as a filter on people (``approvers_q``: who is asked, see ``services.approvers_for``).


def deciding_department(work_order: WorkOrder) -> Any:
    """The department whose head decides a head-level approval: the handling department, or, while
    the work order is not routed yet, the department that received it."""
    return work_order.department or work_order.intake_department


@dataclass(frozen=True)
class ApprovalAuthority:
    """What a user may approve. A director decides every request; a department head those that ask
    a head and whose deciding department is theirs or below; anybody else none."""

    decides_all: bool
    head_path: str | None  # the head's department path, None when not a head

    @classmethod
    def of(cls, user: User) -> ApprovalAuthority:
        head = user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
        return cls(
            decides_all=user.has_role(Role.DIRECTOR),
            head_path=user.department.path if head and user.department is not None else None,
        )

    def allows(self, approver_role: str, work_order: WorkOrder) -> bool:
        if self.decides_all:
            return True
        department = deciding_department(work_order)
        return (
            approver_role == Role.DEPARTMENT_HEAD
            and self.head_path is not None
            and department is not None
            and department.path.startswith(self.head_path)
        )

    def inbox_q(self) -> Q:
        """Work orders with a pending approval request this user may decide (``allows`` as a filter)."""
        pending = Approval.objects.filter(
            content_type=ContentType.objects.get_for_model(WorkOrder),
            object_id=OuterRef("pk"),
            status=ApprovalStatus.PENDING,
        )
        if self.decides_all:
            return Q(Exists(pending))
        if self.head_path is None:
            return Q(pk__in=[])
        deciding = Q(department__path__startswith=self.head_path) | Q(
            department__isnull=True, intake_department__path__startswith=self.head_path
        )
        return Q(Exists(pending.filter(approver_role=Role.DEPARTMENT_HEAD))) & deciding


def may_approve(user: User, approver_role: str, work_order: WorkOrder) -> bool:
    """The policy names the approver: a head (of the deciding department or above) or a director.
    A director may always decide what a head may."""
    return ApprovalAuthority.of(user).allows(approver_role, work_order)


def approvers_q(approver_role: str, work_order: WorkOrder) -> Q:
    """The active staff who may decide a request for ``approver_role`` on ``work_order``, as a filter
    on users: ``may_approve`` read the other way round."""
    may = User.role_q(Role.DIRECTOR)
    department = deciding_department(work_order)
    if approver_role == Role.DEPARTMENT_HEAD and department is not None:
        ancestors = [int(i) for i in department.path.strip("/").split("/") if i]
        may |= User.role_q(Role.DEPARTMENT_HEAD) & Q(department_id__in=ancestors)
    return Q(organisation_id=work_order.organisation_id, is_active=True) & may


def may(
    user: User,
    action: Action,
    work_order: WorkOrder,
    policy: PolicyDocument,
    team_ids: set[int],
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
        case Action.CLOSE | Action.REOPEN if (
            work_order.status == Status.DONE and work_order.confirmation_refused
        ):
            # The customer refused to confirm: the head told of it decides (close with a reason, or re-handle).
            return is_head_of(user, work_order.department or work_order.intake_department) or director
        case Action.ROUTE | Action.CLOSE | Action.CANCEL | Action.REOPEN:
            return agent or owner or head or director
        case Action.DISPATCH:
            return agent or head or director
        case Action.ACCEPT | Action.ARRIVE | Action.COMPLETE:
            return assigned
        case Action.RECORD_WARRANTY:  # found on site; the head may record what the technician reports
            return assigned or head
        case Action.RESUME:  # a deferred request taken up before its day (the sweep does it on the day)
            return agent or owner or assigned or head or director
        case (
            Action.NOTICE_MISSING
            | Action.MATERIALS_RECEIVED
            | Action.RECORD_FEE
            | Action.COLLECT_FEE
            | Action.REPLY
        ):
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
