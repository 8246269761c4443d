"""Who is told: the heads of a CAPA's department, people of a role (A/B-aware), the verifiers —
and only those who may see the CAPA (``notify`` checks it again for each recipient)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fuwu import visibility
from fuwu.org.models import Role, User
from fuwu.org.selectors import heads_of, with_stand_ins

from ..models import Capa


def _of_role(capa: Capa, role: str) -> list[User]:
    if role == Role.DEPARTMENT_HEAD:
        return heads_of(capa.department)
    return list(
        User.objects.filter(organisation_id=capa.organisation_id, is_active=True)
        .filter(User.role_q(role))
        .select_related("department")
    )


def people_with_role(capa: Capa, role: str, now: datetime | None = None) -> list[User]:
    """The people of ``role`` for the CAPA (department head: the nearest heads of its department;
    else everybody of the role), a person absent at ``now`` replaced by whoever handles their work
    when that person may see the CAPA."""
    return with_stand_ins(
        _of_role(capa, role), now or timezone.now(), lambda handler: visibility.may_see(handler, capa)
    )


def verifiers_of(capa: Capa, roles: list[str], exclude: set[int]) -> list[User]:
    """The people of the policy's verifier roles who own none of the actions."""
    found: dict[int, User] = {}
    for role in roles:
        for person in people_with_role(capa, role):
            if person.pk not in exclude:
                found.setdefault(person.pk, person)
    return list(found.values())
