"""Reading CAPAs. Everything starts from ``visibility_rules.capas_for_user``: a CAPA outside it does
not exist for the caller (``capa_get`` raises Http404).

- ``capas_list(user=..., <filters>)``: the visible CAPAs, filtered, newest first, with what a row
  shows joined or annotated: the number of queries does not depend on the number of rows.
- ``capa_get(user=..., pk=...)``: one visible CAPA with everything its page shows prefetched.
- ``clock_states(capa, now=...)``: its clocks with their state.
- ``recurring_categories(user=..., period=..., ...)``: CAPAs counted by period, department and
  problem category (the report of recurring problems); each cell drills down to ``capas_list``
  with the same filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone

from fuwu import visibility
from fuwu.clocks import annotations as clock_annotations
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

from .models import ActionItem, AffectedRecord, Capa, CapaClock, Status
from .visibility_rules import capas_for_user

LIST_RELATED = ("department", "raised_by")
PERIODS = ("month", "quarter", "year")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def capas_list(
    *,
    user: Any,
    statuses: Sequence[str] | None = None,
    kind: str | None = None,
    origin: str | None = None,
    department_id: int | None = None,
    exact_department: bool = False,
    category: str | None = None,
    raised_from: date | None = None,
    raised_to: date | None = None,
    overdue: bool | None = None,
    owner_id: int | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Capa]:
    """Visible CAPAs matching every filter given, newest first. ``department_id`` takes the
    department and those below it (only that one with ``exact_department``); ``raised_to`` includes that whole day."""
    now = now or timezone.now()
    queryset = capas_for_user(user)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if kind:
        queryset = queryset.filter(kind=kind)
    if origin:
        queryset = queryset.filter(origin=origin)
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        if exact_department:
            queryset = queryset.filter(department_id=department.pk)
        else:
            queryset = queryset.filter(department__path__startswith=department.path)
    if category:
        queryset = queryset.filter(category=category)
    if raised_from is not None:
        queryset = queryset.filter(raised_at__gte=_day_start(raised_from))
    if raised_to is not None:
        queryset = queryset.filter(raised_at__lt=_day_start(raised_to + timedelta(days=1)))
    if overdue is not None:
        exists = clock_annotations.overdue_exists(CapaClock, now)
        queryset = queryset.filter(exists) if overdue else queryset.exclude(exists)
    if owner_id is not None:
        queryset = queryset.filter(pk__in=ActionItem.objects.filter(owner_id=owner_id).values("capa_id"))
    if q:
        for word in q.split()[:10]:
            queryset = queryset.filter(
                Q(number__icontains=word) | Q(title__icontains=word) | Q(problem__icontains=word)
            )
    return (
        queryset.select_related(*LIST_RELATED)
        .annotate(
            is_overdue=clock_annotations.is_overdue(CapaClock, now),
            next_due_at=clock_annotations.next_due(CapaClock),
        )
        .order_by("-raised_at", "-id")
    )


def with_detail_related(queryset: QuerySet[Capa]) -> QuerySet[Capa]:
    return queryset.select_related(
        "organisation",
        "policy_version",
        "department",
        "raised_by",
        "root_cause_by",
        "disposition_by",
        "extent_checked_by",
        "verified_by",
        "closed_by",
    ).prefetch_related(
        "clocks",
        Prefetch("items", queryset=ActionItem.objects.select_related("owner", "done_by")),
        Prefetch("affected", queryset=AffectedRecord.objects.select_related("content_type")),
        "verifications__verified_by",
    )


def capa_get(*, user: Any, pk: Any) -> Capa:
    """One visible CAPA with its clocks, items, affected records and verifications; Http404 when
    absent or not visible."""
    return visibility.get_visible_or_404(with_detail_related(capas_for_user(user)), pk=pk)


def timeline_of(capa: Capa) -> QuerySet[Event]:
    return events_for(capa)


@dataclass(frozen=True)
class AffectedShown:
    """An affected record as the viewer may see it: its name and link, or its stored label
    without a link when the viewer may not open it."""

    reference: str
    label: str
    url: str | None
    visible: bool


def affected_shown(capa: Capa, user: Any) -> list[AffectedShown]:
    """The CAPA's affected records (prefetched), each checked against the viewer's visibility (one
    query per kind of record)."""
    from . import sources

    rows = list(capa.affected.all())
    by_type: dict[int, set[int]] = {}
    for row in rows:
        by_type.setdefault(row.content_type_id, set()).add(row.object_id)
    visible: dict[tuple[int, int], Any] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        try:
            seen = visibility.visible_of_kind(model, user).filter(pk__in=ids)
        except TypeError:
            continue
        for record in seen:
            visible[(type_id, record.pk)] = record
    shown = []
    for row in rows:
        record = visible.get((row.content_type_id, row.object_id))
        reference = f"{row.content_type.app_label}.{row.content_type.model}:{row.object_id}"
        if record is None:
            shown.append(AffectedShown(reference, row.label, None, False))
        else:
            shown.append(AffectedShown(reference, row.label, sources.record_url(record), True))
    return shown


@dataclass(frozen=True)
class ClockState:
    clock: CapaClock
    is_breached: bool
    item: ActionItem | None


def clock_states(capa: Capa, *, now: datetime | None = None) -> list[ClockState]:
    now = now or timezone.now()
    items = {item.clock_id: item for item in capa.items.all() if item.clock_id}
    return [
        ClockState(clock=clock, is_breached=clock.is_breached(now), item=items.get(clock.pk))
        for clock in sorted(capa.clocks.all(), key=lambda c: (c.due_at, c.pk))
        if clock.is_active
    ]


# --- the report of recurring problem categories -------------------------------------------------

_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


@dataclass(frozen=True)
class CategoryCount:
    period_start: date
    period_end: date  # the period's last day
    department_id: int
    department_name: str
    category: str
    count: int


def period_end(start: date, period: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def recurring_categories(
    *,
    user: Any,
    period: str = "month",
    raised_from: date | None = None,
    raised_to: date | None = None,
    department_id: int | None = None,
    exact_department: bool = False,
    kind: str | None = None,
) -> list[CategoryCount]:
    """Visible CAPAs (cancelled ones left out) counted by period (local time), department and
    category, in one query; most recent period first, then the largest count."""
    queryset = capas_list(
        user=user,
        raised_from=raised_from,
        raised_to=raised_to,
        department_id=department_id,
        exact_department=exact_department,
        kind=kind,
    ).exclude(status=Status.CANCELLED)
    trunc = _TRUNC[period]("raised_at", tzinfo=timezone.get_current_timezone())
    rows = (
        queryset.order_by()
        .annotate(period=trunc)
        .values("period", "department_id", "department__name", "category")
        .annotate(count=Count("pk"))
        .order_by("-period", "-count", "department__name", "category")
    )
    found = []
    for row in rows:
        start = row["period"]
        start_day = timezone.localtime(start).date() if isinstance(start, datetime) else start
        found.append(
            CategoryCount(
                period_start=start_day,
                period_end=period_end(start_day, period),
                department_id=row["department_id"],
                department_name=row["department__name"],
                category=row["category"],
                count=row["count"],
            )
        )
    return found


def drill_down_filters(row: CategoryCount) -> dict[str, str]:
    """The list filters that show exactly the CAPAs of one report cell (cancelled ones excepted:
    the report leaves them out, so the drill-down names the other statuses)."""
    return {
        "category": row.category,
        "department": str(row.department_id),
        "exact_department": "1",
        "raised_from": row.period_start.isoformat(),
        "raised_to": row.period_end.isoformat(),
        "status": ",".join(s for s in Status.values if s != Status.CANCELLED),
    }
