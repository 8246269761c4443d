"""Reads of inspections, rectification orders and checklists, always through the visibility rules
(``visibility_rules``): lists, an inspector's day, a department's open orders, one record with what
its page and the API need (a fixed number of queries whatever the number of rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from fuwu import visibility
from fuwu.clocks import annotations as clock_annotations

from .models import (
    OPEN_STATUSES,
    RECTIFICATION_OPEN,
    ChecklistTemplate,
    Finding,
    Inspection,
    InspectionClock,
    Rectification,
    RectificationClock,
    TemplateVersion,
)
from .visibility_rules import inspections_for_user, rectifications_for_user, templates_for_user

INSPECTION_LIST_RELATED = (
    "department",
    "inspector",
    "template_version",
    "template_version__template",
)
RECTIFICATION_LIST_RELATED = ("department", "inspection", "finding", "acknowledged_by")


def _in_department(queryset: QuerySet[Any], user: Any, department_id: int) -> QuerySet[Any]:
    """The department's records and those of the departments below it (none for a department the
    user may not see)."""
    department = visibility.departments_for_user(user).filter(pk=department_id).first()
    if department is None:
        return queryset.none()
    return queryset.filter(department__path__startswith=department.path)


def inspections(user: Any, *, now: datetime) -> QuerySet[Inspection]:
    """The inspections ``user`` may see, with ``is_overdue`` (an open one past its due moment)."""
    return (
        inspections_for_user(user)
        .select_related(*INSPECTION_LIST_RELATED)
        .annotate(
            is_overdue=clock_annotations.is_overdue(InspectionClock, now),
            next_due_at=clock_annotations.next_due(InspectionClock),
        )
    )


def filtered_inspections(
    user: Any,
    *,
    now: datetime,
    status: str | None = None,
    department_id: int | None = None,
    mine: bool = False,
    overdue: bool = False,
    open_only: bool = False,
) -> QuerySet[Inspection]:
    queryset = inspections(user, now=now)
    if status:
        queryset = queryset.filter(status=status)
    if open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if department_id is not None:
        queryset = _in_department(queryset, user, department_id)
    if mine:
        queryset = queryset.filter(inspector=user.pk)
    if overdue:
        queryset = queryset.filter(clock_annotations.overdue_exists(InspectionClock, now))
    return (
        queryset.order_by("due_at", "id")
        if (open_only or overdue or mine)
        else queryset.order_by("-due_at", "-id")
    )


def inspection_detail(user: Any, pk: int, *, now: datetime) -> Inspection | None:
    """One inspection with its findings (and their photos), rectification orders and clocks."""
    return (
        inspections(user, now=now)
        .select_related("organisation", "policy_version", "inspector__department", "created_by")
        .prefetch_related(
            Prefetch(
                "findings", queryset=Finding.objects.prefetch_related("photos").select_related("recorded_by")
            ),
            Prefetch("rectifications", queryset=Rectification.objects.select_related("finding")),
            "clocks",
        )
        .filter(pk=pk)
        .first()
    )


def rectifications(user: Any, *, now: datetime) -> QuerySet[Rectification]:
    return (
        rectifications_for_user(user)
        .select_related(*RECTIFICATION_LIST_RELATED)
        .annotate(
            is_overdue=clock_annotations.is_overdue(RectificationClock, now),
            next_due_at=clock_annotations.next_due(RectificationClock),
        )
    )


def filtered_rectifications(
    user: Any,
    *,
    now: datetime,
    status: str | None = None,
    department_id: int | None = None,
    open_only: bool = False,
    overdue: bool = False,
    inspection_id: int | None = None,
) -> QuerySet[Rectification]:
    queryset = rectifications(user, now=now)
    if status:
        queryset = queryset.filter(status=status)
    if open_only:
        queryset = queryset.filter(status__in=RECTIFICATION_OPEN)
    if department_id is not None:
        queryset = _in_department(queryset, user, department_id)
    if overdue:
        queryset = queryset.filter(clock_annotations.overdue_exists(RectificationClock, now))
    if inspection_id is not None:
        queryset = queryset.filter(inspection_id=inspection_id)
    return (
        queryset.order_by("due_at", "id")
        if (open_only or overdue)
        else queryset.order_by("-issued_at", "-id")
    )


def rectification_detail(user: Any, pk: int, *, now: datetime) -> Rectification | None:
    return (
        rectifications(user, now=now)
        .select_related(
            "organisation",
            "inspection__inspector",
            "inspection__policy_version",
            "inspection__organisation",
            "inspection__template_version__template",
            "done_by",
            "verified_by",
            "disposition_by",
            "capa",
        )
        .prefetch_related("photos", "finding__photos", "clocks")
        .filter(pk=pk)
        .first()
    )


def templates(user: Any) -> QuerySet[ChecklistTemplate]:
    latest = TemplateVersion.objects.order_by("-number")
    return (
        templates_for_user(user)
        .prefetch_related(Prefetch("versions", queryset=latest))
        .order_by("name", "id")
    )


def template_detail(user: Any, pk: int) -> ChecklistTemplate | None:
    return templates(user).filter(pk=pk).first()


def open_counts(user: Any, *, now: datetime) -> dict[str, int]:
    """For the home page: my open inspections, my overdue ones, my department's open orders."""
    mine = inspections(user, now=now).filter(inspector=user.pk, status__in=OPEN_STATUSES)
    department = Q(department__path__startswith=user.department.path) if user.department_id else Q(pk__in=[])
    orders = rectifications(user, now=now).filter(department, status__in=RECTIFICATION_OPEN)
    return {
        "inspections": mine.count(),
        "overdue": mine.filter(clock_annotations.overdue_exists(InspectionClock, now)).count(),
        "rectifications": orders.count(),
    }
