"""Who may register, change and deactivate suppliers, and who may have one evaluated by hand
(visibility — every member of staff of the organisation reads them — is checked before this, by
the selectors).

Suppliers are kept by the quality role (002 3.1: the quality department monitors the service),
the directors and the administrators, and by the head of the department that manages a supplier
for its own suppliers (002 3.3: 各部门负责对所辖业务涉及的外包服务质量的检验). An evaluation by hand
is an inspection planned by hand: whoever may plan inspections of the managing department
(``fuwu.inspections.permissions``).
"""

from __future__ import annotations

from typing import Any

from fuwu import visibility
from fuwu.inspections.permissions import may_plan, may_plan_for
from fuwu.org.models import Department, Role
from fuwu.org.selectors import is_head_of

from .models import Supplier

KEEPER_ROLES = (Role.QUALITY_INSPECTOR, Role.DIRECTOR, Role.ADMINISTRATOR)


def keeps_all(user: Any) -> bool:
    """The quality role, directors and administrators keep every supplier of the organisation."""
    return visibility.is_staff_member(user) and (user.is_superuser or user.has_role(*KEEPER_ROLES))


def may_register(user: Any) -> bool:
    """May register a supplier at all (a department head: for the departments they head)."""
    return keeps_all(user) or (visibility.is_staff_member(user) and user.has_role(Role.DEPARTMENT_HEAD))


def may_keep_for(user: Any, department: Department | None) -> bool:
    """May register or manage a supplier managed by ``department``."""
    if department is None or not visibility.is_staff_member(user):
        return False
    if user.organisation_id != department.organisation_id:
        return False
    return keeps_all(user) or is_head_of(user, department)


def may_manage(user: Any, supplier: Supplier) -> bool:
    """May change or deactivate ``supplier``."""
    return user.organisation_id == supplier.organisation_id and may_keep_for(user, supplier.department)


def may_evaluate(user: Any, supplier: Supplier) -> bool:
    """May have ``supplier`` evaluated now (an evaluation planned by hand)."""
    return (
        supplier.is_active
        and user.organisation_id == supplier.organisation_id
        and may_plan(user)
        and may_plan_for(user, supplier.department)
    )
