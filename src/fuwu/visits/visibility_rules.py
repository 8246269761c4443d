"""Return visits as records of the visibility rules (``fuwu.visibility``): who sees which visit
(``selectors.visits_for_user``) and who of some people sees one visit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fuwu import visibility
from fuwu.org.models import Department, Role, User


def visit_viewers(people: Sequence[User], visit: Any) -> set[int]:
    """Who of ``people`` (same organisation, cleared, no organisation-wide role) sees ``visit``
    under ``visits_for_user``'s rules, in at most one query (the departments' paths)."""
    allowed: set[int] = set()
    heads: list[User] = []
    for person in people:
        open_to = set(person.roles) - {Role.DEPARTMENT_HEAD, Role.DIRECTOR}
        if person.pk == visit.visitor_id or (visit.visitor_id is None and visit.visitor_role in open_to):
            allowed.add(person.pk)
        elif person.department_id and person.has_role(Role.DEPARTMENT_HEAD):
            heads.append(person)
    visitor_department = visit.visitor.department_id if visit.visitor_id and visit.visitor else None
    if heads and (visit.department_id or visitor_department):
        paths = dict(
            Department.objects.filter(
                pk__in={visit.department_id, visitor_department, *(p.department_id for p in heads)} - {None}
            ).values_list("pk", "path")
        )
        # the head of the visit's department (and above), or of the visitor's (and above)
        owned = [paths[d] for d in (visit.department_id, visitor_department) if d in paths]
        for head in heads:
            scope = paths.get(head.department_id or 0)
            if scope is not None and any(path.startswith(scope) for path in owned):
                allowed.add(head.pk)
    return allowed


def _visits_for_user(user: Any) -> Any:
    from .selectors import visits_for_user

    return visits_for_user(user)


def register() -> None:
    visibility.register_rule("visits.Visit", visible_for=_visits_for_user, who_may_see=visit_viewers)
