"""Who may raise corrective and preventive actions and take which action on one they can see
(visibility is checked before this, by the selectors)."""

from __future__ import annotations

from typing import Any

from fuwu import visibility
from fuwu.org.models import Role, User
from fuwu.org.selectors import is_head_of
from fuwu.policy.schema import PolicyDocument

from .models import Capa
from .rules import Action

# Who raises a CAPA (by hand, or from a complaint they can see): the people who meet problems and
# own their departments' work. Technicians report problems through their head.
RAISER_ROLES = (Role.AGENT, Role.DEPARTMENT_HEAD, Role.QUALITY_INSPECTOR, Role.DIRECTOR)


def may_raise(user: Any) -> bool:
    return visibility.is_staff_member(user) and user.has_role(*RAISER_ROLES)


def manages(user: User, capa: Capa) -> bool:
    """Who leads the work on a CAPA: the heads of its department, whoever raised it, the quality
    role and the director."""
    return (
        capa.raised_by_id == user.pk
        or user.has_role(Role.QUALITY_INSPECTOR, Role.DIRECTOR)
        or is_head_of(user, capa.department)
    )


def may(
    user: User,
    action: Action,
    capa: Capa,
    policy: PolicyDocument,
    *,
    owner_ids: set[int],
    open_owner_ids: set[int],
) -> bool:
    """``owner_ids``: owners of the CAPA's action items; ``open_owner_ids``: of its open ones."""
    match action:
        case Action.COMPLETE_ITEM:
            return user.pk in open_owner_ids or manages(user, capa)
        case Action.VERIFY:
            # ISO 9001 §10.2 asks the effectiveness to be reviewed; REQUIREMENTS §8: by someone other
            # than the owner of the actions.
            return user.has_role(*policy.capa.verifier_roles) and user.pk not in owner_ids
        case Action.CLOSE | Action.CANCEL:
            return user.has_role(*policy.capa.closer_roles)
        case (
            Action.LINK_RECORD
            | Action.ANALYSE
            | Action.DECIDE_DISPOSITION
            | Action.CHECK_EXTENT
            | Action.ADD_ITEM
            | Action.IMPLEMENT
        ):
            return manages(user, capa)
    return False
