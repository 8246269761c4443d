"""Which return visits a user sees, and the lists built on that.

- The director, the quality role and administrators: every visit of their organisation.
- A department head: the visits of their department and the departments below it, and the visits
  given to the people of those departments (the agents' head sees their agents' visits).
- Anyone: the visits given to them, and the visits not given to anybody yet of a role they make
  visits as (an agent sees the agents' open visits, to take one).
- A visit of a subject above the user's clearance does not exist for them.
The people a visit rates (the technicians, the people responsible) see nothing of it through
these rules unless one of them holds: the answers are not shown to the person rated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from fuwu import visibility
from fuwu.org.models import Role, User

from .models import Status, Visit


def visits_for_user(user: Any) -> QuerySet[Visit]:
    queryset = Visit.objects.all()
    if not visibility.is_staff_member(user):
        return queryset.none()
    queryset = queryset.filter(organisation_id=user.organisation_id, confidentiality__lte=user.clearance)
    if visibility.sees_whole_organisation(user):
        return queryset
    condition = Q(visitor_id=user.pk)
    # Open to a role: an agent sees the agents' visits nobody took yet. A head's are their
    # department's (below), never another department's.
    roles = set(user.roles) - {Role.DEPARTMENT_HEAD, Role.DIRECTOR}
    if roles:
        condition |= Q(visitor__isnull=True, visitor_role__in=sorted(roles))
    if user.has_role(Role.DEPARTMENT_HEAD):
        condition |= visibility.department_scope_q(user)
        condition |= visibility.department_scope_q(user, field="visitor__department")
    return queryset.filter(condition)


def due_for(user: User, now: datetime, queryset: QuerySet[Visit] | None = None) -> QuerySet[Visit]:
    """The agent's day: the open visits given to ``user`` or open to their roles whose next attempt
    is due by the end of today, in call order (the earliest next attempt first)."""
    from django.utils import timezone

    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    visible = queryset if queryset is not None else visits_for_user(user)
    mine = Q(visitor_id=user.pk) | Q(visitor__isnull=True)
    return visible.filter(mine, status=Status.DUE, next_attempt_at__lte=end_of_day).order_by(
        "next_attempt_at", "id"
    )


__all__ = ["due_for", "visits_for_user"]
