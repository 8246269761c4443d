"""Complaints as a process of the approvals engine: the handling plan (the severity level's
``plan_approver``) and a step's extension (``complaints.extension_approver``). Who decides is
``permissions.ApprovalAuthority`` (a director all, a head those asking a head for their deciding
department or below); what a decision does stays in the services (``steps``, ``extension``).
Penalty proposals register their own process (``services.penalties``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.approvals import registry
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import ApprovalProcess, Decision, RecordSummary
from fuwu.org.models import Role, User

from .models import Complaint
from .permissions import EXTENSION_KIND, PLAN_KIND, ApprovalAuthority, may_approve
from .rules import Action

KIND_LABELS = {PLAN_KIND: _("Complaint handling plan"), EXTENSION_KIND: _("Complaint deadline extension")}

DECISION_ACTIONS: dict[str, tuple[Action, Action]] = {
    PLAN_KIND: (Action.APPROVE_PLAN, Action.DENY_PLAN),
    EXTENSION_KIND: (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION),
}


def _gate(approval: Approval, by: User, approved: bool, now: datetime) -> Any:
    from .services.context import _begin

    approve, deny = DECISION_ACTIONS[approval.kind]
    return _begin(Complaint(pk=approval.object_id), approve if approved else deny, by, now)


def _may_decide(user: User, approval: Approval, context: Any) -> bool:
    complaint = context.complaint
    return visibility.may_see(user, complaint) and may_approve(user, approval.approver_role, complaint)


def inbox_q(user: User) -> Q:
    """The complaint approvals ``user`` may see and decide, as a filter on approvals."""
    from .selectors import complaints_for_user

    authority = ApprovalAuthority.of(user)
    records = complaints_for_user(user)
    if authority.decides_all:
        return Q(object_id__in=records.values("pk"))
    if authority.head_path is None:
        return Q(pk__in=[])
    deciding = Q(department__path__startswith=authority.head_path) | Q(
        department__isnull=True, intake_department__path__startswith=authority.head_path
    )
    return Q(approver_role=Role.DEPARTMENT_HEAD, object_id__in=records.filter(deciding).values("pk"))


def _approves_anything(user: User) -> bool:
    return user.has_role(Role.DIRECTOR) or (
        user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
    )


def _describe(user: User, ids: Sequence[int]) -> Mapping[int, RecordSummary]:
    from .notifying import complaint_link
    from .selectors import complaints_for_user

    found = complaints_for_user(user).filter(pk__in=ids).select_related("department")
    return {
        c.pk: RecordSummary(
            title=c.number,
            url=complaint_link(c),
            summary=f"{c.subject} · {c.get_status_display()}",
            department=c.department.name if c.department is not None else "",
        )
        for c in found
    }


def _apply_plan(decision: Decision) -> Any:
    from .services.steps import apply_plan_decision

    return apply_plan_decision(decision)


def _apply_extension(decision: Decision) -> Any:
    from .services.extension import apply_extension_decision

    return apply_extension_decision(decision)


def register() -> None:
    registry.register(
        ApprovalProcess(
            model=Complaint,
            label=_("complaint"),
            kinds=[
                registry.ApprovalKind(
                    PLAN_KIND, KIND_LABELS[PLAN_KIND], _apply_plan, note_required_on_deny=True
                ),
                registry.ApprovalKind(EXTENSION_KIND, KIND_LABELS[EXTENSION_KIND], _apply_extension),
            ],
            inbox_q=inbox_q,
            may_decide=_may_decide,
            describe=_describe,
            approves_anything=_approves_anything,
            gate=_gate,
        )
    )
