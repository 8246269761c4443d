"""Complaints as records of the visibility rules (``fuwu.visibility``), registered when the app is
ready: who sees which complaint (``selectors.complaints_for_user``) and who of some people sees one
complaint, in a bounded number of queries (``complaint_viewers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from fuwu import visibility
from fuwu.org.models import Department, Role, User


def complaint_viewers(people: Sequence[User], complaint: Any) -> set[int]:
    """Who of ``people`` (same organisation, cleared, no organisation-wide role: ``who_may_see``
    decided the others) sees ``complaint`` under ``complaints_for_user``'s rules, in at most three
    queries: its person fields, its responsible people, and the departments above its handling,
    receiving and responsible departments (a department sees the ones below it)."""
    named = {complaint.handler_id, complaint.first_contact_owner_id}
    allowed = {p.pk for p in people if p.pk in named or p.has_role(Role.FINANCE) or p.is_superuser}
    rest = [p.pk for p in people if p.pk not in allowed]
    if not rest:
        return allowed
    responsible = set(
        complaint.responsible_people.through.objects.filter(
            complaint_id=complaint.pk, user_id__in=rest
        ).values_list("user_id", flat=True)
    )
    allowed |= responsible
    rest = [pk for pk in rest if pk not in responsible]
    department_ids = {
        d
        for d in (
            complaint.department_id,
            complaint.intake_department_id,
            complaint.responsible_department_id,
        )
        if d
    }
    if not rest or not department_ids:
        return allowed
    paths = Department.objects.filter(pk__in=department_ids).values_list("path", flat=True)
    ancestors = {int(part) for path in paths for part in path.strip("/").split("/") if part.isdigit()}
    return allowed | set(
        User.objects.filter(pk__in=rest).filter(Q(department_id__in=ancestors)).values_list("pk", flat=True)
    )


def _complaints_for_user(user: Any) -> Any:
    from .selectors import complaints_for_user

    return complaints_for_user(user)


def register() -> None:
    visibility.register_rule(
        "complaints.Complaint", visible_for=_complaints_for_user, who_may_see=complaint_viewers
    )
