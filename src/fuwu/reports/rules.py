"""Which action a periodic report's state allows, and who may take it (visibility is checked
before this, by the selectors): pure functions of the report, its kind and the user."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.org.models import Role

from .models import EDITABLE_STATUSES, PeriodicReport, Status
from .registry import ReportKind


class Action(StrEnum):
    EDIT = "edit"  # the commentary
    REFRESH = "refresh"  # compute the figures again from the records
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"


ACTION_LABELS = {
    Action.EDIT: _("Save the commentary"),
    Action.REFRESH: _("Compute the figures again"),
    Action.SUBMIT: _("Submit for approval"),
    Action.APPROVE: _("Approve"),
    Action.RETURN: _("Return for correction"),
}

STATES: dict[Action, tuple[Status, ...]] = {
    Action.EDIT: EDITABLE_STATUSES,
    Action.REFRESH: EDITABLE_STATUSES,
    Action.SUBMIT: EDITABLE_STATUSES,
    Action.APPROVE: (Status.SUBMITTED,),
    Action.RETURN: (Status.SUBMITTED,),
}


def state_allows(action: Action, report: PeriodicReport) -> bool:
    return report.status in STATES[action]


def may_prepare(user: Any, kind: ReportKind) -> bool:
    return visibility.is_staff_member(user) and user.has_role(*kind.preparer_roles)


def may_approve(user: Any, kind: ReportKind, report: PeriodicReport) -> bool:
    """The kind's approver role — a department head only for a report of their department or one
    below it (or the organisation's) — and never the person who submitted it (four eyes)."""
    if not visibility.is_staff_member(user) or not user.has_role(kind.approver_role):
        return False
    if report.submitted_by_id is not None and report.submitted_by_id == user.pk:
        return False
    if kind.approver_role == Role.DEPARTMENT_HEAD and report.department_id is not None:
        department = user.department
        own = report.department
        return department is not None and own is not None and own.path.startswith(department.path)
    return True


def may(user: Any, action: Action, kind: ReportKind, report: PeriodicReport) -> bool:
    if action in (Action.APPROVE, Action.RETURN):
        return may_approve(user, kind, report)
    return may_prepare(user, kind)


def allowed_actions(user: Any, kind: ReportKind, report: PeriodicReport) -> list[Action]:
    return [a for a in Action if state_allows(a, report) and may(user, a, kind, report)]
