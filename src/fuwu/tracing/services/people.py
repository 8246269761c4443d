"""Who is told about a batch: the heads of its department, people of a role (A/B-aware) — and only
those who may see the batch (``notify`` checks it again for each recipient)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fuwu import visibility
from fuwu.org.models import Role, User
from fuwu.org.selectors import heads_of, with_stand_ins

from ..models import Batch


def _of_role(batch: Batch, role: str) -> list[User]:
    if role == Role.DEPARTMENT_HEAD:
        return heads_of(batch.department)
    return list(
        User.objects.filter(organisation_id=batch.organisation_id, is_active=True)
        .filter(User.role_q(role))
        .select_related("department")
    )


def people_with_role(batch: Batch, role: str, now: datetime | None = None) -> list[User]:
    """The people of ``role`` for the batch (department head: the nearest heads of its department;
    else everybody of the role), a person absent at ``now`` replaced by whoever handles their work
    when that person may see the batch."""
    return with_stand_ins(
        _of_role(batch, role), now or timezone.now(), lambda handler: visibility.may_see(handler, batch)
    )


__all__ = ["heads_of", "people_with_role"]
