"""Who may plan rosters and take which action on a shift, a swap or a handover they can see
(visibility is checked before this, by the selectors)."""

from __future__ import annotations

from typing import Any

from fuwu import visibility
from fuwu.org.models import Department, Role, User
from fuwu.org.selectors import is_head_of

from .models import Handover, Shift, SwapRequest
from .rules import HandoverAction, ShiftAction, SwapAction


def may_plan(user: Any, department: Department | None) -> bool:
    """Who makes a department's roster: its heads (or the heads of a department above it) and the
    directors."""
    return bool(
        department is not None
        and visibility.is_staff_member(user)
        and user.organisation_id == department.organisation_id
        and (user.has_role(Role.DIRECTOR) or is_head_of(user, department))
    )


def plans_anything(user: Any) -> bool:
    """Without a query: the roster pages offer creating shifts."""
    return visibility.is_staff_member(user) and (
        user.has_role(Role.DIRECTOR)
        or (user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None)
    )


def in_department(person: User, department: Department) -> bool:
    """A member of ``department`` or of a department below it (who may be on its roster)."""
    return bool(
        person.department is not None
        and person.organisation_id == department.organisation_id
        and person.department.path.startswith(department.path)
    )


def may_shift(user: User, action: ShiftAction, shift: Shift) -> bool:
    match action:
        case ShiftAction.EDIT | ShiftAction.CANCEL:
            return may_plan(user, shift.department)
        case ShiftAction.REQUEST_SWAP | ShiftAction.WRITE_HANDOVER:
            # 004 三.3: the person on the shift asks (nobody arranges a swap for them); the outgoing
            # person writes their own handover.
            return user.pk == shift.person_id
    return False


def may_decide_swap(user: User, swap: SwapRequest, approver_role: str) -> bool:
    """The supervisor (the policy's ``duty.swap_approver``): a head of the shift's department (or of
    one above it) when that is the role, a director always — never one of the two people swapping."""
    if user.pk in (swap.requester_id, swap.colleague_id):
        return False
    if user.has_role(Role.DIRECTOR):
        return True
    return approver_role == Role.DEPARTMENT_HEAD and is_head_of(user, swap.department)


def may_swap(user: User, action: SwapAction, swap: SwapRequest, approver_role: str) -> bool:
    match action:
        case SwapAction.AGREE | SwapAction.DECLINE:
            return user.pk == swap.colleague_id
        case SwapAction.WITHDRAW:
            return user.pk == swap.requester_id
        case SwapAction.APPROVE | SwapAction.REFUSE:
            return may_decide_swap(user, swap, approver_role)
    return False


def may_handover(user: User, action: HandoverAction, handover: Handover) -> bool:
    """The incoming person acknowledges (signs) — or a head of the department for them; never the
    person who wrote it."""
    if action != HandoverAction.ACKNOWLEDGE or user.pk == handover.written_by_id:
        return False
    return user.pk == handover.incoming_shift.person_id or is_head_of(user, handover.department)
