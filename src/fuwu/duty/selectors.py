"""Reading shifts, swaps and handovers. Everything starts from ``visibility_rules``: a record outside
them does not exist for the caller (the ``*_get`` functions raise Http404).

- ``shifts_list`` / ``swaps_list`` / ``handovers_list``: the visible records, filtered, with what a
  row shows joined or annotated: the number of queries does not depend on the number of rows.
- ``next_shift(shift)``: the shift of the same post after it (who the handover goes to).
- ``collect_open_items(person, shift, now)``: what is open for the outgoing person at the change of
  shift — work orders, complaints, rectification orders — as they may see them.
- ``open_items_shown(items, viewer)``: a handover's collected items as a reader sees them (a link
  where they may open the record, its status in their language).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from fuwu import visibility
from fuwu.lib import display as fmt
from fuwu.org.models import Department, User
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

from .models import OPEN_SWAP_STATUSES, Handover, HandoverItem, Shift, SwapRequest
from .visibility_rules import handovers_for_user, shifts_for_user, swaps_for_user

SHIFT_RELATED = ("department", "person")
SWAP_RELATED = (
    "department",
    "shift",
    "shift__person",
    "counter_shift",
    "counter_shift__person",
    "requester",
    "colleague",
    "decided_by",
)
HANDOVER_RELATED = (
    "department",
    "shift",
    "shift__person",
    "incoming_shift",
    "incoming_shift__person",
    "written_by",
    "acknowledged_by",
)
# Open items of each kind kept in a handover's snapshot; beyond, they are counted only.
MAX_COLLECTED = 100
TITLE_SHOWN = 120


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _subtree(department: Department) -> Any:
    return Department.objects.filter(path__startswith=department.path).values("pk")


# --- shifts ----------------------------------------------------------------------------------


def open_swap_exists() -> Exists:
    """A swap asked or agreed that the shift is part of (as the shift or as the one in exchange)."""
    return Exists(
        SwapRequest.objects.filter(status__in=OPEN_SWAP_STATUSES).filter(
            Q(shift_id=OuterRef("pk")) | Q(counter_shift_id=OuterRef("pk"))
        )
    )


def with_row_related(queryset: QuerySet[Shift]) -> QuerySet[Shift]:
    return queryset.select_related(*SHIFT_RELATED, "handover").annotate(has_open_swap=open_swap_exists())


def shifts_list(
    *,
    user: Any,
    post: str | None = None,
    person_id: int | None = None,
    department_id: int | None = None,
    starts_from: date | datetime | None = None,
    starts_to: date | None = None,
    ends_after: datetime | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Shift]:
    """Visible shifts matching every filter given, by start. ``department_id`` takes the department
    and those below it; ``starts_to`` includes that whole day; ``ends_after``: not over by then."""
    queryset = shifts_for_user(user)
    if not include_cancelled:
        queryset = queryset.filter(cancelled_at__isnull=True)
    if post:
        queryset = queryset.filter(post=post)
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        queryset = queryset.filter(department_id__in=_subtree(department))
    if isinstance(starts_from, datetime):
        queryset = queryset.filter(starts_at__gte=starts_from)
    elif starts_from is not None:
        queryset = queryset.filter(starts_at__gte=_day_start(starts_from))
    if starts_to is not None:
        queryset = queryset.filter(starts_at__lt=_day_start(starts_to + timedelta(days=1)))
    if ends_after is not None:
        queryset = queryset.filter(ends_at__gt=ends_after)
    return with_row_related(queryset).order_by("starts_at", "id")


def shift_get(*, user: Any, pk: Any) -> Shift:
    """One visible shift (cancelled ones too); Http404 when absent or not visible."""
    queryset = shifts_for_user(user).select_related(
        "organisation", "department", "person", "created_by", "cancelled_by", "handover"
    )
    return visibility.get_visible_or_404(queryset.annotate(has_open_swap=open_swap_exists()), pk=pk)


def next_shift(shift: Shift) -> Shift | None:
    """The next shift of the post on the roster: the first one beginning when (or after) ``shift``
    ends — the posts' shifts never overlap."""
    return (
        Shift.objects.on_roster()
        .filter(organisation_id=shift.organisation_id, post=shift.post, starts_at__gte=shift.ends_at)
        .exclude(pk=shift.pk)
        .select_related("person", "department")
        .order_by("starts_at", "id")
        .first()
    )


def previous_shift(shift: Shift) -> Shift | None:
    return (
        Shift.objects.on_roster()
        .filter(organisation_id=shift.organisation_id, post=shift.post, ends_at__lte=shift.starts_at)
        .exclude(pk=shift.pk)
        .select_related("person")
        .order_by("-starts_at", "-id")
        .first()
    )


def received_handover(shift: Shift) -> Handover | None:
    """The handover addressed to ``shift`` (from the shift before it), if written."""
    return (
        Handover.objects.filter(incoming_shift=shift)
        .select_related("written_by")
        .prefetch_related("items")
        .order_by("-written_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Post:
    name: str
    department_id: int
    department_name: str


def posts_for_user(user: Any) -> list[Post]:
    """The posts on the rosters the user sees, with their department, by name (one query)."""
    rows = (
        shifts_for_user(user)
        .filter(cancelled_at__isnull=True)
        .order_by()
        .values_list("post", "department_id", "department__name")
        .distinct()
    )
    return sorted((Post(*row) for row in rows), key=lambda p: (p.department_name, p.name))


def post_department(organisation_id: int, post: str) -> Department | None:
    """The department whose roster a post is on (a post belongs to one department)."""
    shift = (
        Shift.objects.on_roster()
        .filter(organisation_id=organisation_id, post=post)
        .select_related("department")
        .order_by("starts_at")
        .first()
    )
    return shift.department if shift is not None else None


def timeline_of(record: Any) -> QuerySet[Event]:
    return events_for(record)


# --- swaps -----------------------------------------------------------------------------------


def swaps_list(
    *,
    user: Any,
    statuses: Sequence[str] | None = None,
    person_id: int | None = None,
    shift_id: int | None = None,
    department_id: int | None = None,
) -> QuerySet[SwapRequest]:
    """Visible swaps, newest first. ``person_id``: asked by or of that person."""
    queryset = swaps_for_user(user)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if person_id is not None:
        queryset = queryset.filter(Q(requester_id=person_id) | Q(colleague_id=person_id))
    if shift_id is not None:
        queryset = queryset.filter(Q(shift_id=shift_id) | Q(counter_shift_id=shift_id))
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        queryset = queryset.filter(department_id__in=_subtree(department))
    return queryset.select_related(*SWAP_RELATED).order_by("-requested_at", "-id")


def swap_get(*, user: Any, pk: Any) -> SwapRequest:
    queryset = swaps_for_user(user).select_related(
        "organisation",
        *SWAP_RELATED,
        "shift__department",
    )
    return visibility.get_visible_or_404(queryset, pk=pk)


# --- handovers -------------------------------------------------------------------------------


def handovers_list(
    *,
    user: Any,
    post: str | None = None,
    department_id: int | None = None,
    unacknowledged: bool | None = None,
    late: bool | None = None,
    incoming_person_id: int | None = None,
    written_from: date | None = None,
    written_to: date | None = None,
    now: datetime | None = None,
) -> QuerySet[Handover]:
    """Visible handovers, newest first. ``late``: not acknowledged by the incoming shift's start
    (acknowledged after it, or not yet while it has begun)."""
    now = now or timezone.now()
    queryset = handovers_for_user(user)
    if post:
        queryset = queryset.filter(post=post)
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        queryset = queryset.filter(department_id__in=_subtree(department))
    if unacknowledged is not None:
        queryset = queryset.filter(acknowledged_at__isnull=unacknowledged)
    if late is not None:
        condition = Q(acknowledged_at__gt=F("due_at")) | Q(acknowledged_at__isnull=True, due_at__lt=now)
        queryset = queryset.filter(condition) if late else queryset.exclude(condition)
    if incoming_person_id is not None:
        queryset = queryset.filter(incoming_shift__person_id=incoming_person_id)
    if written_from is not None:
        queryset = queryset.filter(written_at__gte=_day_start(written_from))
    if written_to is not None:
        queryset = queryset.filter(written_at__lt=_day_start(written_to + timedelta(days=1)))
    return queryset.select_related(*HANDOVER_RELATED).order_by("-written_at", "-id")


def handover_get(*, user: Any, pk: Any) -> Handover:
    queryset = (
        handovers_for_user(user)
        .select_related("organisation", *HANDOVER_RELATED)
        .prefetch_related(
            Prefetch("items", queryset=HandoverItem.objects.order_by("position", "id")), "clocks"
        )
    )
    return visibility.get_visible_or_404(queryset, pk=pk)


# --- open items at the change of shift -------------------------------------------------------


@dataclass(frozen=True)
class OpenItemKind:
    key: str
    model: str  # app_label.ModelName
    url_name: str
    status_choices: str  # dotted path of the TextChoices of its status


OPEN_ITEM_KINDS: dict[str, OpenItemKind] = {
    "work_order": OpenItemKind(
        "work_order", "workorders.WorkOrder", "workorders:detail", "fuwu.workorders.models.Status"
    ),
    "complaint": OpenItemKind(
        "complaint", "complaints.Complaint", "complaints:detail", "fuwu.complaints.models.Status"
    ),
    "rectification": OpenItemKind(
        "rectification",
        "inspections.Rectification",
        "inspections:rectification",
        "fuwu.inspections.models.RectificationStatus",
    ),
}


def _choices(kind: OpenItemKind) -> Any:
    from django.utils.module_loading import import_string

    return import_string(kind.status_choices)


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_SHOWN else text[: TITLE_SHOWN - 1] + "…"


def _row(kind: str, pk: int, number: str, title: str, status: str, label: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": pk,
        "number": number,
        "title": _short(title),
        "status": status,
        "status_label": label,
    }


def _kept(rows: Iterable[Any]) -> tuple[list[Any], int]:
    """The first ``MAX_COLLECTED`` rows and how many there were beyond them (one extra read)."""
    found = list(rows)
    return found[:MAX_COLLECTED], max(0, len(found) - MAX_COLLECTED)


@dataclass(frozen=True)
class Collected:
    items: list[dict[str, Any]]
    not_listed: int


def collect_open_items(person: User, shift: Shift, now: datetime) -> Collected:
    """What is open at ``now`` for the outgoing ``person`` of ``shift``, as they may see it: the work
    orders assigned to them or handled by the shift's department (or one below it), the complaints
    they handle or that their department handles, and the department's open rectification orders —
    oldest first. A fixed number of queries whatever their number."""
    from fuwu.complaints.models import OPEN_STATUSES as COMPLAINT_OPEN
    from fuwu.complaints.selectors import complaints_for_user
    from fuwu.workorders.models import OPEN_STATUSES as WORK_ORDER_OPEN

    department = shift.department
    items: list[dict[str, Any]] = []
    beyond = 0

    work_orders, more = _kept(
        visibility.work_orders_for_user(person)
        .filter(status__in=WORK_ORDER_OPEN)
        .filter(Q(assignee=person.pk) | Q(department_id__in=_subtree(department)))
        .select_related("service_type")
        .order_by("received_at", "id")[: MAX_COLLECTED + 1]
    )
    beyond += more
    items += [
        _row(
            "work_order",
            wo.pk,
            wo.number,
            f"{wo.service_type.name} · {wo.description}",
            wo.status,
            wo.get_status_display(),
        )
        for wo in work_orders
    ]

    complaints, more = _kept(
        complaints_for_user(person)
        .filter(status__in=COMPLAINT_OPEN)
        .filter(Q(handler=person.pk) | Q(department_id__in=_subtree(department)))
        .order_by("received_at", "id")[: MAX_COLLECTED + 1]
    )
    beyond += more
    items += [
        _row("complaint", c.pk, c.number, c.subject, c.status, c.get_status_display()) for c in complaints
    ]

    if apps.is_installed("fuwu.inspections"):
        from fuwu.inspections.selectors import filtered_rectifications

        rectifications, more = _kept(
            filtered_rectifications(person, now=now, open_only=True, department_id=department.pk)[
                : MAX_COLLECTED + 1
            ]
        )
        beyond += more
        items += [
            _row("rectification", r.pk, r.number, r.finding.item, r.status, r.get_status_display())
            for r in rectifications
        ]
    return Collected(items=items, not_listed=beyond)


@dataclass(frozen=True)
class OpenItemShown:
    kind: str
    kind_label: str
    id: int
    number: str
    title: str  # empty when the reader may not see the record
    status: str
    status_label: str
    url: str | None
    visible: bool


def open_items_shown(items: Sequence[dict[str, Any]], viewer: Any) -> list[OpenItemShown]:
    """A handover's collected items for ``viewer``: each checked against their visibility (one query
    per kind): a record they may open is linked with its title; one they may not see keeps its
    number only. Status labels in the reader's language; phone numbers in titles masked as
    everywhere."""
    from .display import OPEN_ITEM_LABELS

    phones = visibility.PhoneShown(viewer)
    by_kind: dict[str, set[int]] = {}
    for item in items:
        if item.get("kind") in OPEN_ITEM_KINDS and isinstance(item.get("id"), int):
            by_kind.setdefault(item["kind"], set()).add(item["id"])
    seen: dict[str, set[int]] = {}
    for key, ids in by_kind.items():
        try:
            model = apps.get_model(OPEN_ITEM_KINDS[key].model)
            records = visibility.visible_of_kind(model, viewer).filter(pk__in=ids)
        except (LookupError, TypeError):
            seen[key] = set()
            continue
        seen[key] = set(records.values_list("pk", flat=True))
    shown = []
    for item in items:
        key = str(item.get("kind", ""))
        kind = OPEN_ITEM_KINDS.get(key)
        pk = item.get("id")
        visible = kind is not None and pk in seen.get(key, set())
        label = str(item.get("status_label", ""))
        if kind is not None:
            try:
                label = str(_choices(kind)(item.get("status")).label)
            except ValueError:  # a status gone since: as it was written
                label = fmt.system_text(label)
        shown.append(
            OpenItemShown(
                kind=key,
                kind_label=str(OPEN_ITEM_LABELS.get(key, key)),
                id=pk if isinstance(pk, int) else 0,
                number=str(item.get("number", "")),
                title=phones.in_value(str(item.get("title", ""))) if visible else "",
                status=str(item.get("status", "")),
                status_label=label,
                url=reverse(kind.url_name, args=[pk]) if visible and kind is not None else None,
                visible=visible,
            )
        )
    return shown
