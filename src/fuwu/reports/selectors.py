"""Which periodic reports a user sees (``visibility_rules``), and the list built on that."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When

from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for
from fuwu.visibility import get_visible_or_404

from .models import PeriodicReport, Status
from .visibility_rules import reports_for_user


def late_q(now: datetime) -> Q:
    """Submitted (the first time) after the due moment, or not submitted and past it."""
    return Q(first_submitted_at__gt=F("due_at")) | Q(first_submitted_at__isnull=True, due_at__lt=now)


@dataclass(frozen=True)
class ReportFilters:
    kind: str | None = None
    status: str | None = None
    late: bool | None = None
    department_id: int | None = None
    year: int | None = None  # of the period's first day


def report_list(user: Any, filters: ReportFilters, *, now: datetime) -> QuerySet[PeriodicReport]:
    """The visible reports matching ``filters``, the latest period first, each with ``is_late_now``
    (late at ``now``, as ``PeriodicReport.is_late`` says it)."""
    reports = reports_for_user(user).select_related("department", "submitted_by", "approved_by")
    if filters.kind:
        reports = reports.filter(kind=filters.kind)
    if filters.status in Status.values:
        reports = reports.filter(status=filters.status)
    if filters.department_id is not None:
        reports = reports.filter(department_id=filters.department_id)
    if filters.year is not None:
        reports = reports.filter(
            period_start__gte=date(filters.year, 1, 1), period_start__lte=date(filters.year, 12, 31)
        )
    if filters.late is True:
        reports = reports.filter(late_q(now))
    elif filters.late is False:
        reports = reports.exclude(late_q(now))
    return reports.annotate(
        is_late_now=Case(
            When(late_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    ).order_by("-period_start", "kind", "department__name", "id")


def report_get(user: Any, pk: int) -> PeriodicReport:
    """One report the user may see (else 404), with what its page reads joined."""
    return get_visible_or_404(
        reports_for_user(user).select_related(
            "organisation",
            "department",
            "policy_version",
            "submitted_by",
            "approved_by",
            "returned_by",
            "created_by",
        ),
        pk=pk,
    )


def timeline_of(report: PeriodicReport) -> QuerySet[Event]:
    return events_for(report)
