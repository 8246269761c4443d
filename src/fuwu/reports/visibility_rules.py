"""Periodic reports as records of the visibility rules (``fuwu.visibility``), registered when the
app is ready.

Who sees a report: its organisation's directors, quality inspectors and administrators; a
department's report, the staff of that department and of the departments above it; the whole
organisation's report, the people holding a role that prepares or approves that kind. Anyone else
gets 404 through every interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from fuwu import visibility
from fuwu.org.models import User

from . import registry
from .models import PeriodicReport


def _kinds_of_roles(user: Any) -> list[str]:
    """The kinds whose organisation-wide reports ``user`` sees through a role."""
    roles = set(user.roles)
    return [kind.code for kind in registry.kinds() if roles & {*kind.preparer_roles, kind.approver_role}]


def reports_for_user(user: Any) -> QuerySet[PeriodicReport]:
    if not visibility.is_staff_member(user):
        return PeriodicReport.objects.none()
    queryset = PeriodicReport.objects.filter(organisation_id=user.organisation_id)
    if visibility.sees_whole_organisation(user):
        return queryset
    condition = Q(department__isnull=True, kind__in=_kinds_of_roles(user))
    if user.department_id is not None:
        condition |= visibility.department_scope_q(user)
    return queryset.filter(condition)


def report_viewers(people: Sequence[User], report: PeriodicReport) -> set[int]:
    """Who of ``people`` (same organisation, no organisation-wide role: ``who_may_see`` decided the
    others) sees ``report``, without a query (the people's departments are read with them)."""
    if report.department_id is None:
        kind = registry.find(report.kind)
        if kind is None:
            return set()
        roles = {*kind.preparer_roles, kind.approver_role}
        return {p.pk for p in people if roles & set(p.roles)}
    path = report.department.path if report.department is not None else ""
    allowed: set[int] = set()
    for person in people:
        department = person.department if person.department_id else None
        if department is not None and path.startswith(department.path):
            allowed.add(person.pk)
    return allowed


def register() -> None:
    visibility.register_rule(
        "reports.PeriodicReport", visible_for=reports_for_user, who_may_see=report_viewers
    )
