"""Inspections and rectification orders as records of the visibility rules (``fuwu.visibility``),
registered when the app is ready.

Who sees an inspection: its organisation's directors, quality inspectors and administrators; the
inspector; the staff of the inspected department and of the departments above it. A rectification
order: the same people for its responsible department, the inspection's inspector and whoever
recorded what was done. Always within the record's confidentiality; anyone else gets 404 through
every interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from fuwu import visibility
from fuwu.org.models import Department, User

from .models import ChecklistTemplate, Inspection, Rectification


def _ancestors(department_id: int | None) -> set[int]:
    if department_id is None:
        return set()
    path = Department.objects.filter(pk=department_id).values_list("path", flat=True).first() or ""
    return {int(part) for part in path.strip("/").split("/") if part.isdigit()}


def inspections_for_user(user: Any) -> QuerySet[Inspection]:
    if not visibility.is_staff_member(user):
        return Inspection.objects.none()
    queryset = Inspection.objects.filter(
        organisation=user.organisation_id, confidentiality__lte=user.clearance
    )
    if visibility.sees_whole_organisation(user):
        return queryset
    condition = Q(inspector=user.pk)
    if user.department_id is not None:
        condition |= Q(department__path__startswith=user.department.path)
    return queryset.filter(condition)


def inspection_viewers(people: Sequence[User], inspection: Inspection) -> set[int]:
    allowed = {p.pk for p in people if p.pk == inspection.inspector_id}
    ancestors = _ancestors(inspection.department_id)
    return allowed | {p.pk for p in people if p.department_id in ancestors}


def rectifications_for_user(user: Any) -> QuerySet[Rectification]:
    if not visibility.is_staff_member(user):
        return Rectification.objects.none()
    queryset = Rectification.objects.filter(
        organisation=user.organisation_id, confidentiality__lte=user.clearance
    )
    if visibility.sees_whole_organisation(user):
        return queryset
    condition = Q(inspection__inspector=user.pk) | Q(done_by=user.pk)
    if user.department_id is not None:
        condition |= Q(department__path__startswith=user.department.path)
    return queryset.filter(condition)


def rectification_viewers(people: Sequence[User], rectification: Rectification) -> set[int]:
    inspector_id = (
        Inspection.objects.filter(pk=rectification.inspection_id)
        .values_list("inspector_id", flat=True)
        .first()
    )
    allowed = {p.pk for p in people if p.pk in (inspector_id, rectification.done_by_id)}
    ancestors = _ancestors(rectification.department_id)
    return allowed | {p.pk for p in people if p.department_id in ancestors}


def templates_for_user(user: Any) -> QuerySet[ChecklistTemplate]:
    """Checklists are the organisation's forms: every member of staff may read them."""
    if not visibility.is_staff_member(user):
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.filter(organisation=user.organisation_id)


def register() -> None:
    visibility.register_rule(
        "inspections.Inspection", visible_for=inspections_for_user, who_may_see=inspection_viewers
    )
    visibility.register_rule(
        "inspections.Rectification", visible_for=rectifications_for_user, who_may_see=rectification_viewers
    )
