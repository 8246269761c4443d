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
- Work lists (``WorkList``: first received by me, assigned to me, department queue, overdue, due
  today, waiting for the customer, awaiting my approval): ``work_list_q(name, user, now)`` is the one
  definition the list tabs, the API's ``view`` filter and the home pages' counts use;
  ``default_work_list(user)`` the tab a role starts on; ``ordered(..., sort)`` newest first, or by
  lateness and deadline then priority (the default of the overdue, queue and due-today lists).
- ``dispatch_suggestions(work_order, user, now)``: who to send, available first, least load first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.approvals.models import Approval
from fuwu.clocks import annotations as clock_annotations
from fuwu.lib.search import search_q
from fuwu.org.models import Absence, Role, User
from fuwu.org.selectors import absences_at, person_handler
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for
from fuwu.workcal.selectors import work_calendar_for

from . import rules
from .models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    Clock,
    MissingMaterialsNotice,
    Priority,
    ServiceReport,
    Status,
    WorkOrder,
)
from .permissions import ApprovalAuthority

LIST_RELATED = ("service_type", "customer", "department", "assignee", "first_contact_owner")


# --- overdue ----------------------------------------------------------------------------------


def overdue_clocks(now: datetime) -> QuerySet[Clock]:
    """Clocks past their deadline at ``now``: active and unmet, and either running and due before
    ``now``, or paused after their deadline had already passed (a pause does not cure a breach)."""
    return clock_annotations.overdue_clocks(Clock, now)


def is_overdue_q(now: datetime) -> Any:
    """``EXISTS`` (an overdue clock of this work order), for ``filter`` and ``exclude``: in a WHERE
    clause the planner makes it a semi-join. The list's column is ``clock_annotations.is_overdue``."""
    return clock_annotations.overdue_exists(Clock, now)


def _next_due_at() -> Subquery:
    """The earliest deadline among the work order's running (active, unmet) clocks."""
    return clock_annotations.next_due(Clock)


def with_list_related(queryset: QuerySet[WorkOrder], *, now: datetime | None = None) -> QuerySet[WorkOrder]:
    """What a list row shows, in the same query: service type, customer, department, assignee,
    first-contact owner; ``is_overdue`` and ``next_due_at`` annotated (per row, cheap subqueries on
    the clock table's work-order index)."""
    now = now or timezone.now()
    return queryset.select_related(*LIST_RELATED).annotate(
        is_overdue=clock_annotations.is_overdue(Clock, now), next_due_at=_next_due_at()
    )


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
    view: str | None = None,
    mine: str | None = None,
    sort: str | None = None,
    now: datetime | None = None,
) -> QuerySet[WorkOrder]:
    """Visible work orders matching every filter given, in the order ``sort`` names (``received``:
    newest first; ``due``: most overdue, then the earliest deadline, then priority), by default the
    work list's own order (``default_sort``).

    ``view`` is one of the work lists (``WorkList``); ``mine`` narrows to one of the user's own
    lists as well (``first_received`` or ``assigned``: "due today" of what I first received).

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
        work_orders = (
            work_orders.filter(is_overdue_q(now)) if overdue else work_orders.exclude(is_overdue_q(now))
        )
    if q and q.strip():
        work_orders = work_orders.filter(search_q(q))
    if view:
        work_orders = work_orders.filter(work_list_q(view, user, now))
    if mine:
        work_orders = work_orders.filter(work_list_q(mine, user, now))
    return ordered(with_list_related(work_orders, now=now), sort or default_sort(view), now)


# --- work lists -----------------------------------------------------------------------------


class WorkList(StrEnum):
    """The lists people work from: the list page's tabs, the API's ``view``, the home pages."""

    FIRST_RECEIVED = "first_received"  # 首接: what I first received, until it is closed or ended
    ASSIGNED = "assigned"  # my open work, and done work waiting for the customer's confirmation
    QUEUE = "queue"  # my department's (and below): waiting to be dispatched, or dispatched, not started
    OVERDUE = "overdue"  # a clock past its deadline (live, between two sweeps too)
    DUE_TODAY = "due_today"  # a running clock due later today (local day), not yet overdue
    WAITING_CUSTOMER = "waiting_customer"  # materials from the customer, or the customer's confirmation
    AWAITING_MY_APPROVAL = "awaiting_my_approval"  # a pending request I may decide
    ALL = "all"


WORK_LISTS = frozenset(w.value for w in WorkList)
# Lists of a person's own work, for ``mine``.
MY_LISTS = (WorkList.FIRST_RECEIVED, WorkList.ASSIGNED)
# The department queue: what waits to be dispatched, and what is dispatched but not started.
QUEUE_STATUSES = (Status.RECEIVED, Status.ROUTED, Status.DISPATCHED)
# "Assigned to me": my open work, and done work still waiting for the customer's confirmation.
ASSIGNED_STATUSES = (*OPEN_STATUSES, Status.DONE)
# Sorted by lateness and deadline unless asked otherwise; the others newest first.
SORTED_BY_DUE = (WorkList.OVERDUE, WorkList.QUEUE, WorkList.DUE_TODAY)
SORTS = ("received", "due")
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


def default_work_list(user: Any) -> WorkList:
    """The list a role starts on: technicians their work, heads their queue, agents what they received."""
    if user.has_role(Role.TECHNICIAN):
        return WorkList.ASSIGNED
    if user.has_role(Role.DEPARTMENT_HEAD):
        return WorkList.QUEUE
    if user.has_role(Role.AGENT):
        return WorkList.FIRST_RECEIVED
    return WorkList.ALL


def default_sort(view: str | None) -> str:
    return "due" if view in SORTED_BY_DUE else "received"


def assigned_q(user: Any) -> Q:
    """Work the user handles: as assignee, in the team, or handed to their B while they were away
    (back in their view on return, AB角)."""
    team = WorkOrder.team.through.objects.filter(workorder_id=OuterRef("pk"), user_id=user.pk)
    return Q(assignee=user.pk) | Q(handed_over_from=user.pk) | Q(Exists(team))


def due_today_q(now: datetime) -> Exists:
    """A running (active, unmet, not paused) clock due later on ``now``'s local day: still to be met
    today (a deadline already past is overdue instead)."""
    tomorrow = _day_start(timezone.localtime(now).date() + timedelta(days=1))
    return Exists(
        Clock.objects.filter(
            work_order=OuterRef("pk"),
            is_active=True,
            met_at__isnull=True,
            paused_at__isnull=True,
            due_at__gte=now,
            due_at__lt=tomorrow,
        )
    )


def work_list_q(name: str, user: Any, now: datetime) -> Q:
    """The filter of one work list for ``user`` at ``now``, on top of the visible work orders (one
    definition for the list tabs, the API's ``view`` and the home pages' counts). An unknown name
    keeps nothing."""
    match name:
        case WorkList.FIRST_RECEIVED:
            return Q(first_contact_owner=user.pk) & ~Q(status__in=ENDED_STATUSES)
        case WorkList.ASSIGNED:
            return assigned_q(user) & Q(status__in=ASSIGNED_STATUSES)
        case WorkList.QUEUE:
            if getattr(user, "department_id", None) is None:
                return Q(pk__in=[])
            return Q(department__path__startswith=user.department.path, status__in=QUEUE_STATUSES)
        case WorkList.OVERDUE:
            return Q(is_overdue_q(now))
        case WorkList.DUE_TODAY:
            return Q(due_today_q(now))
        case WorkList.WAITING_CUSTOMER:
            return Q(status=Status.AWAITING_MATERIALS) | Q(status=Status.DONE, confirmation_refused=False)
        case WorkList.AWAITING_MY_APPROVAL:
            return ApprovalAuthority.of(user).inbox_q()
        case WorkList.ALL:
            return Q()
    return Q(pk__in=[])


def ordered(queryset: QuerySet[WorkOrder], sort: str, now: datetime) -> QuerySet[WorkOrder]:
    """``received``: newest first. ``due``: overdue work first, most overdue first; then the earliest
    next deadline; then priority (urgent first); then the oldest request. Rows of ``with_list_related``."""
    if sort != "due":
        return queryset.order_by("-received_at", "-id")
    rank = Case(
        *(When(priority=value, then=Value(position)) for value, position in PRIORITY_RANK.items()),
        default=Value(len(PRIORITY_RANK)),
        output_field=IntegerField(),
    )
    # The earliest deadline among the overdue clocks: the most overdue first.
    overdue_since = clock_annotations.overdue_since(Clock, now)
    return queryset.annotate(deadline=Coalesce(overdue_since, "next_due_at"), priority_rank=rank).order_by(
        F("is_overdue").desc(), F("deadline").asc(nulls_last=True), "priority_rank", "received_at", "id"
    )


# --- home pages (workbenches) ------------------------------------------------------------------


@dataclass(frozen=True)
class BenchList:
    """One list on a home page: a work list, narrowed to one of the user's own lists (``mine``)."""

    view: WorkList
    mine: WorkList | None = None
    count: int = 0


def bench_lists(user: Any) -> list[BenchList]:
    """The lists of each role's home page, in order (a person with several roles gets each once):
    an agent what they first received (open, due today, overdue, waiting for the customer); a head
    the department queue, overdue and awaiting approval; a technician their jobs (all, due today,
    overdue); a director overdue and awaiting approval; quality and administrators overdue."""
    wanted: list[tuple[WorkList, WorkList | None]] = []
    mine = WorkList.FIRST_RECEIVED
    if user.has_role(Role.AGENT):
        wanted += [
            (WorkList.FIRST_RECEIVED, None),
            (WorkList.DUE_TODAY, mine),
            (WorkList.OVERDUE, mine),
            (WorkList.WAITING_CUSTOMER, mine),
        ]
    if user.has_role(Role.TECHNICIAN):
        jobs = WorkList.ASSIGNED
        wanted += [(WorkList.ASSIGNED, None), (WorkList.DUE_TODAY, jobs), (WorkList.OVERDUE, jobs)]
    if user.has_role(Role.DEPARTMENT_HEAD):
        wanted += [(WorkList.QUEUE, None), (WorkList.OVERDUE, None), (WorkList.AWAITING_MY_APPROVAL, None)]
    if user.has_role(Role.DIRECTOR):
        wanted += [(WorkList.OVERDUE, None), (WorkList.AWAITING_MY_APPROVAL, None)]
    if user.has_role(Role.QUALITY_INSPECTOR, Role.ADMINISTRATOR):
        wanted += [(WorkList.OVERDUE, None)]
    unique = list(dict.fromkeys(wanted))
    return [BenchList(view=view, mine=scope) for view, scope in unique]


def bench_counts(user: Any, lists: Sequence[BenchList], now: datetime) -> list[BenchList]:
    """Each list with its count: the visible work orders the list page shows for it, in one query."""
    if not lists:
        return []

    def condition(item: BenchList) -> Q:
        q = work_list_q(item.view, user, now)
        return q & work_list_q(item.mine, user, now) if item.mine else q

    found = visibility.work_orders_for_user(user).aggregate(
        **{f"n{i}": Count("pk", filter=condition(item)) for i, item in enumerate(lists)}
    )
    return [
        BenchList(view=item.view, mine=item.mine, count=found[f"n{i}"] or 0) for i, item in enumerate(lists)
    ]


# --- one work order ---------------------------------------------------------------------------


def with_detail_related(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Everything the work order page and the API detail show, in a fixed number of queries."""
    return queryset.select_related(
        "organisation",
        "policy_version",
        "service_type",
        "customer",
        "product",
        "department",
        "intake_department",
        "assignee",
        "first_contact_owner",
        "logged_by",
    ).prefetch_related(
        "team",
        "clocks",
        "materials",
        "photos",
        "confirmations",
        "fees",
        Prefetch("notices", queryset=MissingMaterialsNotice.objects.select_related("sent_by")),
        Prefetch("approvals", queryset=Approval.objects.select_related("requested_by", "decided_by")),
        Prefetch(
            "reports",
            queryset=ServiceReport.objects.select_related("completed_by").order_by("completed_at", "id"),
        ),
    )


def work_order_get(*, user: Any, pk: Any) -> WorkOrder:
    """One visible work order with its clocks, materials, notices, approvals, reports,
    confirmations, fees, photos and team prefetched; Http404 when absent or not visible."""
    return visibility.get_visible_or_404(with_detail_related(visibility.work_orders_for_user(user)), pk=pk)


RECENT_SHOWN = 5


def recent_of_customer(*, user: Any, customer: Any, limit: int = RECENT_SHOWN) -> tuple[list[WorkOrder], int]:
    """The customer's latest work orders that ``user`` may see (newest first), and how many of those
    visible are still open: at intake a repeat call is obvious. Two queries at most."""
    visible = visibility.work_orders_for_user(user).filter(customer=customer)
    rows = list(visible.select_related("service_type").order_by("-received_at", "-id")[:limit])
    open_count = visible.filter(status__in=OPEN_STATUSES).count() if rows else 0
    return rows, open_count


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


def clock_states(
    work_order: WorkOrder, *, now: datetime | None = None, clocks: Sequence[Clock] | None = None
) -> list[ClockState]:
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
            years=_years_between(
                [now, *(c.due_at for c in running), *(c.paused_at for c in running if c.paused_at)]
            ),
        )
    states = []
    for clock in clocks:
        remaining = None
        if clock.met_at is None and calendar is not None:
            remaining = rules.remaining_business_minutes(calendar, clock.paused_at or now, clock.due_at)
        breached = clock.met_at > clock.due_at if clock.met_at else (clock.paused_at or now) > clock.due_at
        states.append(
            ClockState(
                clock=clock,
                is_running=clock.met_at is None and clock.paused_at is None,
                is_paused=clock.met_at is None and clock.paused_at is not None,
                is_breached=breached,
                remaining_business_minutes=remaining,
            )
        )
    return states


# --- dispatch -----------------------------------------------------------------------------------


def _local_time(moment: datetime | None) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""


@dataclass
class Suggestion:
    """A technician offered for dispatch: absent or not now, and their open work."""

    person: User
    open_count: int
    absence: Absence | None = None
    handler: User | None = None  # who takes the work while they are absent (A/B)

    @property
    def label(self) -> str:
        text = _("%(name)s · %(count)s open") % {"name": self.person.display_name, "count": self.open_count}
        if self.absence is not None:
            text += " · " + _("absent until %(until)s") % {"until": _local_time(self.absence.ends_at)}
        return text

    @property
    def notice(self) -> str:
        if self.absence is None:
            return ""
        if self.handler is not None and self.handler.pk != self.person.pk:
            return _("%(name)s is absent (%(kind)s) until %(until)s: the work goes to %(handler)s (A/B).") % {
                "name": self.person.display_name,
                "kind": self.absence.get_kind_display(),
                "until": _local_time(self.absence.ends_at),
                "handler": self.handler.display_name,
            }
        return _("%(name)s is absent (%(kind)s) until %(until)s.") % {
            "name": self.person.display_name,
            "kind": self.absence.get_kind_display(),
            "until": _local_time(self.absence.ends_at),
        }


def dispatch_suggestions(work_order: WorkOrder, user: Any, now: datetime) -> list[Suggestion]:
    """Technicians of the work order's department and below (else of the organisation): available
    first, then the least open work (load balancing). Three queries, plus one hand-over lookup per
    absent person."""
    technicians = visibility.staff_for_user(user).filter(User.role_q(Role.TECHNICIAN))
    people: list[User] = []
    if work_order.department is not None:
        people = list(technicians.filter(department__path__startswith=work_order.department.path))
    if not people:
        people = list(technicians)
    absent = absences_at(people, now)
    loads = dict(
        WorkOrder.objects.filter(assignee__in=[p.pk for p in people], status__in=OPEN_STATUSES)
        .values_list("assignee")
        .annotate(count=Count("pk"))
        .values_list("assignee", "count")
    )
    suggestions = []
    for person in people:
        absence = absent.get(person.pk)
        handler = person_handler(person, now).person if absence is not None else None
        suggestions.append(
            Suggestion(person=person, open_count=loads.get(person.pk, 0), absence=absence, handler=handler)
        )
    suggestions.sort(key=lambda s: (s.absence is not None, s.open_count, s.person.display_name))
    return suggestions
