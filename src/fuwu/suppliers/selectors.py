"""Reading suppliers, and what their page shows of their inspections, evaluations and
rectification orders.

Suppliers start from ``visibility_rules.suppliers_for_user`` (a supplier outside it does not exist
for the caller: ``supplier_get`` raises Http404). A supplier's inspections and rectification orders
are read through ``fuwu.inspections.selectors`` (their own visibility rules): the history shows
what the reader may see of them, never more. Every read here is a fixed number of queries whatever
the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from fuwu import visibility
from fuwu.inspections import selectors as inspection_selectors
from fuwu.inspections.models import Inspection, Purpose, Rectification, Status
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

from .models import Standing, Supplier
from .visibility_rules import suppliers_for_user

HISTORY_SHOWN = 50  # inspections and evaluations on the supplier's page, the newest first
TREND_SHOWN = 12  # the latest evaluations' scores (three years of quarterly evaluations)
RECTIFICATIONS_SHOWN = 50


def suppliers_list(
    *,
    user: Any,
    standing: str | None = None,
    department_id: int | None = None,
    active: bool | None = True,
    q: str | None = None,
) -> QuerySet[Supplier]:
    """Visible suppliers matching every filter given, by name. ``department_id`` takes the
    department and those below it; ``active`` None: active and inactive alike."""
    queryset = suppliers_for_user(user)
    if standing:
        queryset = queryset.filter(standing=standing)
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        queryset = queryset.filter(department__path__startswith=department.path)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    if q:
        for word in q.split()[:10]:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(code__icontains=word) | Q(services__icontains=word)
            )
    return queryset.select_related("department").order_by("name", "id")


def supplier_get(*, user: Any, pk: Any) -> Supplier:
    """One visible supplier; Http404 when absent or another organisation's."""
    return visibility.get_visible_or_404(
        suppliers_for_user(user).select_related("department", "created_by", "organisation"), pk=pk
    )


def timeline_of(supplier: Supplier) -> QuerySet[Event]:
    return events_for(supplier)


def _of_supplier(user: Any, supplier: Supplier, now: datetime) -> QuerySet[Inspection]:
    return inspection_selectors.inspections(user, now=now).filter(supplier=supplier.pk)


def history(user: Any, supplier: Supplier, *, now: datetime, limit: int = HISTORY_SHOWN) -> list[Inspection]:
    """The supplier's inspections and evaluations the user may see, not cancelled: the open ones
    first (the first due first), then the submitted ones, the latest first."""
    rows = (
        _of_supplier(user, supplier, now)
        .exclude(status=Status.CANCELLED)
        .order_by(F("submitted_at").desc(nulls_first=True), "due_at", "-id")
    )
    return list(rows[:limit])


@dataclass(frozen=True)
class TrendPoint:
    inspection_id: int
    number: str
    submitted_at: datetime
    score: Decimal
    standing: Standing


def evaluation_trend(
    user: Any, supplier: Supplier, *, now: datetime, thresholds: Any, limit: int = TREND_SHOWN
) -> list[TrendPoint]:
    """The latest submitted evaluations' scores the user may see, the oldest first, each with the
    standing it earns under ``thresholds`` (the policy's ``suppliers`` section)."""
    from .services import standing_for

    rows = (
        _of_supplier(user, supplier, now)
        .filter(
            status=Status.SUBMITTED,
            score__isnull=False,
            template_version__template__purpose=Purpose.EVALUATION,
        )
        .order_by("-submitted_at", "-id")
        .values_list("pk", "number", "submitted_at", "score")[:limit]
    )
    points = []
    for pk, number, submitted_at, score in reversed(list(rows)):
        assert submitted_at is not None
        assert score is not None
        points.append(TrendPoint(pk, number, submitted_at, score, standing_for(score, thresholds)))
    return points


def open_rectifications(
    user: Any, supplier: Supplier, *, now: datetime, limit: int = RECTIFICATIONS_SHOWN
) -> list[Rectification]:
    """Open rectification orders from the supplier's inspections that the user may see, the first
    due first."""
    rows = inspection_selectors.filtered_rectifications(user, now=now, open_only=True).filter(
        inspection__supplier=supplier.pk
    )
    return list(rows[:limit])


@dataclass(frozen=True)
class Summary:
    """What the API says of a supplier's history (within the caller's visibility)."""

    inspections: int
    evaluations: int
    open_inspections: int
    open_rectifications: int
    last_inspected_at: datetime | None


def history_summary(user: Any, supplier: Supplier, *, now: datetime | None = None) -> Summary:
    now = now or timezone.now()
    evaluation = Q(template_version__template__purpose=Purpose.EVALUATION)
    submitted = Q(status=Status.SUBMITTED)
    counts = (
        _of_supplier(user, supplier, now)
        .order_by()
        .aggregate(
            inspections=Count("pk", filter=submitted & ~evaluation),
            evaluations=Count("pk", filter=submitted & evaluation),
            open=Count("pk", filter=Q(status__in=(Status.PLANNED, Status.IN_PROGRESS))),
        )
    )
    last = (
        _of_supplier(user, supplier, now)
        .filter(status=Status.SUBMITTED)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    orders = (
        inspection_selectors.filtered_rectifications(user, now=now, open_only=True)
        .filter(inspection__supplier=supplier.pk)
        .order_by()
        .count()
    )
    return Summary(
        inspections=counts["inspections"] or 0,
        evaluations=counts["evaluations"] or 0,
        open_inspections=counts["open"] or 0,
        open_rectifications=orders,
        last_inspected_at=last,
    )


def open_evaluation_shown(user: Any, supplier: Supplier, *, now: datetime) -> Inspection | None:
    """The supplier's open evaluation, when the user may see it."""
    return (
        _of_supplier(user, supplier, now)
        .filter(
            status__in=(Status.PLANNED, Status.IN_PROGRESS),
            template_version__template__purpose=Purpose.EVALUATION,
        )
        .order_by("due_at", "pk")
        .first()
    )
