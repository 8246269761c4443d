"""Periodic reports as a process of the approvals engine: a submitted report asks its kind's
approver role (``registry.ReportKind.approver_role``) in the shared inbox (待我审批); approving or
returning it there or on the report's page ends in the same service (``services.apply_decision``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.approvals import registry as approvals_registry
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import ApprovalProcess, Decision, RecordSummary
from fuwu.org.models import User

from . import registry, rules
from .models import PeriodicReport
from .services import APPROVAL_KIND, Context, apply_decision, gate, title_of


def _approver_roles() -> set[str]:
    return {kind.approver_role for kind in registry.kinds()}


def _may_decide(user: User, approval: Approval, context: Context) -> bool:
    return rules.may_approve(user, context.kind, context.report)


def inbox_q(user: User) -> Q:
    """The report approvals ``user`` may decide: of a role they hold, for a report they see."""
    from .visibility_rules import reports_for_user

    roles = sorted(set(user.roles) & _approver_roles())
    if not roles:
        return Q(pk__in=[])
    visible = reports_for_user(user).exclude(submitted_by=user.pk).values("pk")
    return Q(approver_role__in=roles, object_id__in=visible)


def _describe(user: User, ids: Sequence[int]) -> Mapping[int, RecordSummary]:
    from .visibility_rules import reports_for_user

    found = reports_for_user(user).filter(pk__in=ids).select_related("department")
    return {
        report.pk: RecordSummary(
            title=title_of(report),
            url=reverse("reports:detail", args=[report.pk]),
            summary=report.get_status_display(),
            department=report.department.name if report.department is not None else "",
        )
        for report in found
    }


def _apply(decision: Decision) -> Any:
    return apply_decision(decision)


def register() -> None:
    approvals_registry.register(
        ApprovalProcess(
            model=PeriodicReport,
            label=_("periodic report"),
            kinds=[
                approvals_registry.ApprovalKind(
                    APPROVAL_KIND, _("Periodic report"), _apply, note_required_on_deny=True
                )
            ],
            inbox_q=inbox_q,
            may_decide=_may_decide,
            describe=_describe,
            approves_anything=lambda user: bool(set(user.roles) & _approver_roles()),
            gate=gate,
        )
    )
