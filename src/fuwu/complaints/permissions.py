"""Who may take which action on a complaint they can see (visibility is checked before this).

The state decides what is possible (``rules``), this module decides who: the handler, the heads of
the handling (or receiving) department, the first-contact owner, agents, the quality role, the
director, and the roles the policy names (responsibility, plan and extension approvers, finance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q

from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.org.models import Role, User
from fuwu.org.selectors import is_head_of
from fuwu.policy.schema import PolicyDocument

from .models import Complaint
from .rules import Action

PLAN_KIND = "complaint_plan"
EXTENSION_KIND = "complaint_extension"


def may_take_complaints(user: Any) -> bool:
    """Who registers complaints: agents, heads, the quality role, directors and administrators."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "organisation_id", None)) and (
        user.has_role(
            Role.AGENT, Role.DEPARTMENT_HEAD, Role.QUALITY_INSPECTOR, Role.DIRECTOR, Role.ADMINISTRATOR
        )
    )


def deciding_department(complaint: Complaint) -> Any:
    """The department whose head decides a head-level approval: the handling department, or, while
    the complaint is not routed (or was returned), the department that received it."""
    return complaint.department or complaint.intake_department


def severity_level(policy: PolicyDocument, code: str) -> Any:
    """The policy's severity level of ``code`` (None when the policy no longer names it)."""
    for level in policy.complaints.severity_levels:
        if level.code == code:
            return level
    return None


def plan_approver(policy: PolicyDocument, complaint: Complaint) -> str | None:
    level = severity_level(policy, complaint.severity)
    return None if level is None else level.plan_approver


@dataclass(frozen=True)
class ApprovalAuthority:
    """What a user may approve on complaints. A director decides every request; a department head
    those that ask a head and whose deciding department is theirs or below; anybody else none."""

    decides_all: bool
    head_path: str | None

    @classmethod
    def of(cls, user: User) -> ApprovalAuthority:
        head = user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
        return cls(
            decides_all=user.has_role(Role.DIRECTOR),
            head_path=user.department.path if head and user.department is not None else None,
        )

    def allows(self, approver_role: str, complaint: Complaint) -> bool:
        if self.decides_all:
            return True
        department = deciding_department(complaint)
        return (
            approver_role == Role.DEPARTMENT_HEAD
            and self.head_path is not None
            and department is not None
            and department.path.startswith(self.head_path)
        )

    def inbox_q(self) -> Q:
        """Complaints with a pending approval request this user may decide (``allows`` as a filter)."""
        pending = Approval.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
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


def may_approve(user: User, approver_role: str | None, complaint: Complaint) -> bool:
    if not approver_role:
        return False
    return ApprovalAuthority.of(user).allows(approver_role, complaint)


def approvers_q(approver_role: str, complaint: Complaint) -> Q:
    """The active staff who may decide a request for ``approver_role`` on ``complaint`` (as a filter
    on users): ``may_approve`` read the other way round."""
    may_decide = User.role_q(Role.DIRECTOR)
    department = deciding_department(complaint)
    if approver_role == Role.DEPARTMENT_HEAD and department is not None:
        ancestors = [int(i) for i in department.path.strip("/").split("/") if i]
        may_decide |= User.role_q(Role.DEPARTMENT_HEAD) & Q(department_id__in=ancestors)
    return Q(organisation_id=complaint.organisation_id, is_active=True) & may_decide


def may(
    user: User,
    action: Action,
    complaint: Complaint,
    policy: PolicyDocument,
    pending: dict[str, str] | None = None,
) -> bool:
    """``pending``: the approver role recorded on each pending approval request, by kind."""
    pending = pending or {}
    rules = policy.complaints
    handler = complaint.handler_id is not None and complaint.handler_id == user.pk
    owner = complaint.first_contact_owner_id == user.pk
    agent = user.has_role(Role.AGENT)
    head = is_head_of(user, complaint.department) or is_head_of(user, complaint.intake_department)
    handling_head = is_head_of(user, complaint.department)
    quality = user.has_role(Role.QUALITY_INSPECTOR)
    director = user.has_role(Role.DIRECTOR)
    # A minor complaint is handled at the agent's level (004 3.3: explained on the spot).
    handles_at_level = complaint.handler_role == Role.AGENT and agent
    match action:
        case Action.ACKNOWLEDGE:
            return agent or owner or handler or head or director
        case Action.ASSESS | Action.START_INVESTIGATION:
            return handler or handles_at_level or head or quality or director
        case Action.ASSIGN_RESPONSIBILITY:
            return user.has_role(rules.responsibility_role) or director
        case Action.PROPOSE_PLAN | Action.EXECUTE:
            return handler or handles_at_level or head or director
        case Action.APPROVE_PLAN | Action.DENY_PLAN:
            return may_approve(user, pending.get(PLAN_KIND) or plan_approver(policy, complaint), complaint)
        case Action.REQUEST_EXTENSION:
            return handler or handles_at_level or head or director
        case Action.APPROVE_EXTENSION | Action.DENY_EXTENSION:
            return may_approve(user, pending.get(EXTENSION_KIND) or rules.extension_approver, complaint)
        case Action.REPLY:
            return handler or handles_at_level or owner or head or director
        case Action.RECORD_CUSTOMER_ANSWER:
            return user.has_role(rules.return_visit_role) or agent or owner or quality or head or director
        case Action.CLASSIFY_ANSWER:
            return quality or director
        case Action.REOPEN | Action.CLOSE | Action.ARCHIVE:
            return agent or owner or quality or head or director
        case Action.RETURN:
            # Only the department that received a complaint it does not own returns it (or a director).
            return handling_head or director
        case Action.REASSIGN | Action.MERGE:
            return agent or owner or head or quality or director
        case Action.REMIND:
            return True
        case Action.ADD_COST:
            return (
                handler
                or handles_at_level
                or head
                or quality
                or director
                or user.has_role(rules.cost_verifier_role)
            )
        case Action.VERIFY_COST:
            return user.has_role(rules.cost_verifier_role)
    return False
