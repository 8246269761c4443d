"""Who may do what on inspections, checklists and rectification orders they can see (visibility
is checked before this, by the selectors)."""

from __future__ import annotations

from typing import Any

from fuwu import visibility
from fuwu.org.models import Role, User
from fuwu.org.selectors import is_head_of

from .models import Inspection, Rectification
from .rules import Action, RectificationAction

# Checklists (服务质量巡检表) are kept by the quality role (002 3.1: 行政人事部 monitors the
# service), with the director and the administrators.
TEMPLATE_ROLES = (Role.QUALITY_INSPECTOR, Role.DIRECTOR, Role.ADMINISTRATOR)
# An inspection by hand: the quality role, directors, and department heads for their departments.
PLANNER_ROLES = (Role.QUALITY_INSPECTOR, Role.DIRECTOR, Role.DEPARTMENT_HEAD)
OVERSEER_ROLES = (Role.QUALITY_INSPECTOR, Role.DIRECTOR)


def may_manage_templates(user: Any) -> bool:
    return visibility.is_staff_member(user) and (user.is_superuser or user.has_role(*TEMPLATE_ROLES))


def may_plan(user: Any) -> bool:
    return visibility.is_staff_member(user) and user.has_role(*PLANNER_ROLES)


def may_plan_for(user: User, department: Any) -> bool:
    return user.has_role(*OVERSEER_ROLES) or is_head_of(user, department)


def oversees(user: User, inspection: Inspection) -> bool:
    """Who may hand an inspection to someone else or cancel it: the quality role, the director, and
    the heads above the inspector (a department head's own weekly inspection: the heads above)."""
    if user.has_role(*OVERSEER_ROLES):
        return True
    department = inspection.inspector.department
    return department is not None and is_head_of(user, department) and user.pk != inspection.inspector_id


def may(user: User, action: Action, inspection: Inspection, *, stand_in_id: int | None) -> bool:
    """``stand_in_id``: who handles the inspector's work now when the inspector is absent (A/B)."""
    match action:
        case Action.START | Action.RECORD | Action.SUBMIT:
            return (
                user.pk == inspection.inspector_id
                or user.pk == stand_in_id
                or user.has_role(Role.QUALITY_INSPECTOR, Role.DIRECTOR)
            )
        case Action.REASSIGN | Action.CANCEL:
            return oversees(user, inspection)
    return False


def may_rectify(user: User, action: RectificationAction, rectification: Rectification) -> bool:
    department = rectification.department
    match action:
        case RectificationAction.ACKNOWLEDGE:
            # 002 4.1: 由相关责任部门负责人签字确认
            return is_head_of(user, department) or user.has_role(Role.DIRECTOR)
        case RectificationAction.DECIDE_DISPOSITION:
            return is_head_of(user, department) or user.has_role(*OVERSEER_ROLES)
        case RectificationAction.RECORD_DONE:
            in_department = user.department is not None and department.path.startswith(user.department.path)
            return in_department or user.has_role(Role.DIRECTOR)
        case RectificationAction.VERIFY:
            # 002 4.1: 行政人事部对整改情况及时跟踪验证 — the inspector or the quality role, never the
            # person who did the rectification.
            verifier = user.pk == rectification.inspection.inspector_id or user.has_role(
                Role.QUALITY_INSPECTOR, Role.DIRECTOR
            )
            return verifier and user.pk != rectification.done_by_id
        case RectificationAction.CANCEL:
            return user.has_role(*OVERSEER_ROLES)
    return False
