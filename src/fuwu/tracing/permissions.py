"""Who may register batches and take which action on one they can see (visibility is checked
before this, by the selectors).

The people of the department handling a batch do its work — register it, sign its steps, confirm
another's signature of a double-check step, return items, write the feedback — and so do the people
of the departments above it (their heads included). Whoever sees a batch only through an
organisation-wide role (director, quality inspector, administrator) reads it and does not sign.
"""

from __future__ import annotations

from typing import Any

from fuwu import visibility
from fuwu.org.models import Department

from .models import Batch
from .rules import Action


def works_in(user: Any, department: Department | None) -> bool:
    """``department`` is the user's own or one below it."""
    own = getattr(user, "department", None)
    return bool(
        visibility.is_staff_member(user)
        and department is not None
        and own is not None
        and department.organisation_id == user.organisation_id
        and department.path.startswith(own.path)
    )


def may_register(user: Any) -> bool:
    """A member of staff of a department (whose batches they handle)."""
    return visibility.is_staff_member(user) and getattr(user, "department_id", None) is not None


def works_on(user: Any, batch: Batch) -> bool:
    return works_in(user, batch.department)


def may(user: Any, action: Action, batch: Batch, *, first_signer_id: int | None = None) -> bool:
    """``first_signer_id``: who signed the step that waits for the second person's confirmation."""
    if not works_on(user, batch):
        return False
    if action == Action.CONFIRM:
        # 双人核对: two different people, each with their own login.
        return user.pk != first_signer_id
    return True
