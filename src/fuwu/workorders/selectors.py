"""Reading work orders. Everything starts from ``visibility.work_orders_for_user``: a work order
outside it does not exist for the caller (``work_order_get`` raises Http404).

Shared by the API and the web pages:

- ``work_orders_list(user=..., <filters>)`` → the visible work orders, filtered, newest first, with
  what a list row shows already joined or annotated (``with_list_related``): the number of queries
  does not depend on the number of rows.
- ``work_order_get(user=..., pk=...)`` → one visible work order with everything its page shows
  prefetched.
- ``overdue_clocks(now)`` / ``is_overdue_q(now)``: "overdue" is computed live from the clocks, so it
  is right between two sweeps.
- ``clock_states(work_order, now=...)``: each clock with its remaining business time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from fuwu import visibility
from fuwu.lib.search import search_q
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for
from fuwu.workcal.selectors import work_calendar_for

from . import rules
from .models import ApprovalRequest, Clock, MissingMaterialsNotice, ServiceReport, WorkOrder

LIST_RELATED = ("service_type", "customer", "department", "assignee", "first_contact_owner")


# --- overdue ----------------------------------------------------------------------------------

def overdue_clocks(now: datetime) -> QuerySet[Clock]:
    """Clocks past their deadline at ``now``: active and unmet, and either running and due before
    ``now``, or paused after their deadline had already passed (a pause does not cure a breach)."""
    return Clock.objects.filter(is_active=True, met_at__isnull=True).filter(
        Q(paused_at__isnull=True, due_at__lt=now) | Q(paused_at__isnull=False, due_at__lt=F("paused_at"))
    )


def is_overdue_q(now: datetime) -> Exists:
    """``EXISTS`` (an overdue clock of this work order), for ``filter`` or ``annotate``."""
    return Exists(overdue_clocks(now).filter(work_order=OuterRef("pk")))


def _next_due_at() -> Subquery:
    """The earliest deadline among the work order's running (active, unmet) clocks."""
    return Subquery(
        Clock.objects.filter(work_order=OuterRef("pk"), is_active=True, met_at__isnull=True)
        .order_by("due_at").values("due_at")[:1]
    )


def with_list_related(queryset: QuerySet[WorkOrder], *, now: datetime | None = None) -> QuerySet[WorkOrder]:
    """What a list row shows, in the same query: service type, customer, department, assignee,
    first-contact owner; ``is_overdue`` and ``next_due_at`` annotated (per row, cheap subqueries on
    the clock table's work-order index)."""
    now = now or timezone.now()
    return queryset.select_related(*LIST_RELATED).annotate(is_overdue=is_overdue_q(now), next_due_at=_next_due_at())


# --- list -------------------------------------------------------------------------------------

def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def received_bound(value: date | datetime, *, end: bool) -> datetime:
    """A ``received_from`` / ``received_to`` bound as an aware datetime. A date as the end bound
    includes that whole day; a naive datetime is read in the local time zone (Asia/Shanghai)."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return _day_start(value + timedelta(days=1)) if end else _day_start(value)


def work_orders_list(
    *,
    user: Any,
    statuses: Sequence[str] | None = None,
    department_id: int | None = None,
    assignee_id: int | None = None,
    first_contact_owner_id: int | None = None,
    service_type_id: int | None = None,
    channel: str | None = None,
    priority: str | None = None,
    received_from: date | datetime | None = None,
    received_to: date | datetime | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> QuerySet[WorkOrder]:
    """Visible work orders matching every filter given, newest first (``received_at``, then id).

    ``department_id`` matches the handling department only (not the departments below it);
    ``received_to`` as a date includes that day; ``overdue=True`` keeps work orders with an overdue
    clock, ``overdue=False`` those without; ``q`` is a Chinese keyword search (every word must
    appear: number, description, caller, phone, address, customer, service type, product).
    Rows carry ``is_overdue`` and ``next_due_at`` (see ``with_list_related``).
    """
    now = now or timezone.now()
    work_orders = visibility.work_orders_for_user(user)
    if statuses:
        work_orders = work_orders.filter(status__in=list(statuses))
    if department_id is not None:
        work_orders = work_orders.filter(department_id=department_id)
    if assignee_id is not None:
        work_orders = work_orders.filter(assignee_id=assignee_id)
    if first_contact_owner_id is not None:
        work_orders = work_orders.filter(first_contact_owner_id=first_contact_owner_id)
    if service_type_id is not None:
        work_orders = work_orders.filter(service_type_id=service_type_id)
    if channel:
        work_orders = work_orders.filter(channel=channel)
    if priority:
        work_orders = work_orders.filter(priority=priority)
    if received_from is not None:
        work_orders = work_orders.filter(received_at__gte=received_bound(received_from, end=False))
    if received_to is not None:
        bound = received_bound(received_to, end=True)
        if isinstance(received_to, datetime):
            work_orders = work_orders.filter(received_at__lte=bound)
        else:  # the next day's start: the whole day given is included
            work_orders = work_orders.filter(received_at__lt=bound)
    if overdue is not None:
        work_orders = work_orders.filter(is_overdue_q(now)) if overdue else work_orders.exclude(is_overdue_q(now))
    if q and q.strip():
        work_orders = work_orders.filter(search_q(q))
    return with_list_related(work_orders, now=now).order_by("-received_at", "-id")


COUNT_EXACT_UP_TO = 1000


def count_up_to(queryset: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """``(count, exact)``: rows of ``queryset`` counted up to ``cap``. Beyond it the count stops at
    ``cap`` and ``exact`` is False. Counting a whole large filtered set (every work order with 漏水
    among 100,000) reads the whole table; stopping early keeps a list page fast whatever the total."""
    found = queryset.order_by().values("pk")[:cap + 1].count()
    return (found, True) if found <= cap else (cap, False)


# --- one work order ---------------------------------------------------------------------------

def with_detail_related(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Everything the work order page and the API detail show, in a fixed number of queries."""
    return queryset.select_related(
        "organisation", "policy_version", "service_type", "customer", "product", "department", "intake_department",
        "assignee", "first_contact_owner", "logged_by",
    ).prefetch_related(
        "team", "clocks", "materials", "photos", "confirmations", "fees",
        Prefetch("notices", queryset=MissingMaterialsNotice.objects.select_related("sent_by")),
        Prefetch("approvals", queryset=ApprovalRequest.objects.select_related("requested_by", "decided_by")),
        Prefetch("reports", queryset=ServiceReport.objects.select_related("completed_by").order_by("completed_at", "id")),
    )


def work_order_get(*, user: Any, pk: Any) -> WorkOrder:
    """One visible work order with its clocks, materials, notices, approvals, reports,
    confirmations, fees, photos and team prefetched; Http404 when absent or not visible."""
    return visibility.get_visible_or_404(with_detail_related(visibility.work_orders_for_user(user)), pk=pk)


def timeline_of(work_order: WorkOrder) -> QuerySet[Event]:
    """The work order's timeline, oldest first (the caller already saw the work order)."""
    return events_for(work_order)


# --- clocks -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClockState:
    """A clock as shown: its deadline and, while it runs, the business time left (negative when
    past); a paused clock shows the time it had left when it stopped."""

    clock: Clock
    is_running: bool
    is_paused: bool
    is_breached: bool
    remaining_business_minutes: int | None


def _years_between(moments: Iterable[datetime]) -> set[int]:
    years = [timezone.localtime(m).year for m in moments]
    return set(range(min(years), max(years) + 1)) if years else set()


def clock_states(work_order: WorkOrder, *, now: datetime | None = None,
                 clocks: Sequence[Clock] | None = None) -> list[ClockState]:
    """Active clocks of the work order (prefetched ``clocks`` are used) with the business time left,
    computed with the organisation's work calendar (only the years concerned are loaded)."""
    now = now or timezone.now()
    if clocks is None:
        clocks = list(work_order.clocks.all())
    clocks = [c for c in clocks if c.is_active]
    running = [c for c in clocks if c.met_at is None]
    calendar = None
    if running:
        calendar = work_calendar_for(
            work_order.organisation,
            years=_years_between([now, *(c.due_at for c in running), *(c.paused_at for c in running if c.paused_at)]),
        )
    states = []
    for clock in clocks:
        remaining = None
        if clock.met_at is None and calendar is not None:
            remaining = rules.remaining_business_minutes(calendar, clock.paused_at or now, clock.due_at)
        breached = clock.met_at > clock.due_at if clock.met_at else (clock.paused_at or now) > clock.due_at
        states.append(ClockState(clock=clock, is_running=clock.met_at is None and clock.paused_at is None,
                                 is_paused=clock.met_at is None and clock.paused_at is not None,
                                 is_breached=breached, remaining_business_minutes=remaining))
    return states
