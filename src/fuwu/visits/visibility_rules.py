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
        elif visit.department_id and person.department_id and person.has_role(Role.DEPARTMENT_HEAD):
            heads.append(person)
    if heads:
        paths = dict(
            Department.objects.filter(
                pk__in={visit.department_id, *(p.department_id for p in heads)}
            ).values_list("pk", "path")
        )
        own = paths.get(visit.department_id, "")
        allowed |= {p.pk for p in heads if own and own.startswith(paths.get(p.department_id or 0, "\0"))}
    return allowed


def _visits_for_user(user: Any) -> Any:
    from .selectors import visits_for_user

    return visits_for_user(user)


def register() -> None:
    visibility.register_rule("visits.Visit", visible_for=_visits_for_user, who_may_see=visit_viewers)
