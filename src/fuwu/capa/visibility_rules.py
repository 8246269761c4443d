"""Corrective and preventive actions as records of the visibility rules (``fuwu.visibility``),
registered when the app is ready.

Who sees a CAPA: its organisation's directors, quality inspectors and administrators; otherwise the
staff of its department and the departments above it, whoever raised it and the owners of its
action items — always within their clearance (a CAPA is at least as confidential as the records it
links). Anyone else gets 404 through every interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from fuwu import visibility
from fuwu.org.models import Department, User

from .models import ActionItem, Capa


def capas_for_user(user: Any) -> QuerySet[Capa]:
    if not visibility.is_staff_member(user):
        return Capa.objects.none()
    queryset = Capa.objects.filter(organisation=user.organisation_id, confidentiality__lte=user.clearance)
    if visibility.sees_whole_organisation(user):
        return queryset
    owns_item = ActionItem.objects.filter(capa_id=OuterRef("pk"), owner_id=user.pk)
    condition = Q(raised_by=user.pk) | Q(Exists(owns_item))
    if user.department_id is not None:
        subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
        condition |= Q(department_id__in=subtree)
    return queryset.filter(condition)


def capa_viewers(people: Sequence[User], capa: Capa) -> set[int]:
    """Who of ``people`` (same organisation, cleared, no organisation-wide role: ``who_may_see``
    decided the others) sees ``capa``, in at most three queries."""
    allowed = {p.pk for p in people if p.pk == capa.raised_by_id}
    rest = [p.pk for p in people if p.pk not in allowed]
    if not rest:
        return allowed
    owners = set(
        ActionItem.objects.filter(capa_id=capa.pk, owner_id__in=rest).values_list("owner_id", flat=True)
    )
    allowed |= owners
    rest = [pk for pk in rest if pk not in owners]
    if not rest:
        return allowed
    path = Department.objects.filter(pk=capa.department_id).values_list("path", flat=True).first() or ""
    ancestors = {int(part) for part in path.strip("/").split("/") if part.isdigit()}
    return allowed | set(
        User.objects.filter(pk__in=rest, department_id__in=ancestors).values_list("pk", flat=True)
    )


def register() -> None:
    visibility.register_rule("capa.Capa", visible_for=capas_for_user, who_may_see=capa_viewers)
