"""Reading complaints. Everything starts from ``complaints_for_user``: a complaint outside it does not
exist for the caller (``complaint_detail`` raises Http404).

- ``complaints_for_user(user)``: the visibility rule (organisation, clearance, the handling,
  receiving and responsible departments and the ones below, the handler, the first-contact owner,
  the responsible people; organisation-wide roles and finance see the whole organisation).
- ``complaint_list(user, tab=…, <filters>)``: a list tab, filtered, newest first, rows annotated with
  ``is_overdue`` and ``next_due_at`` (a bounded number of queries whatever the number of rows).
- ``complaint_detail(user, pk)``: one visible complaint with what its page shows prefetched.
- ``penalties_for_user(user)``: the penalty proposals a user may see.
- ``complaint_figures(queryset)``: the counts every report reads (the later answer counts; invalid
  complaints counted apart).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.approvals.models import Approval
from fuwu.clocks import annotations as clock_annotations
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.related import load_related
from fuwu.lib.search import search_q
from fuwu.org.models import Department, Role
from fuwu.org.selectors import subtree_ids

from .models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    AnswerOutcome,
    Caller,
    Channel,
    Complaint,
    ComplaintAnswer,
    ComplaintClock,
    ComplaintCost,
    ComplaintObject,
    PenaltyProposal,
    Status,
    Validity,
)
from .permissions import ApprovalAuthority

# Roles that see every complaint of the organisation (below their clearance). Finance allocates
# costs across departments, so it sees them all too.
ORGANISATION_WIDE_ROLES = (*visibility.ORGANISATION_WIDE_ROLES, Role.FINANCE)
# Who sees a protected complainant's name and phone (12345 practice): those who take and follow calls.
IDENTITY_ROLES = (Role.AGENT, Role.QUALITY_INSPECTOR)

LIST_RELATED = ("customer", "department", "handler", "first_contact_owner", "service_type", "answer")


def complaints_for_user(user: Any) -> QuerySet[Complaint]:
    """The complaints ``user`` may see (the visibility rule of complaints)."""
    if not visibility.is_staff_member(user):
        return Complaint.objects.none()
    queryset = Complaint.objects.filter(
        organisation=user.organisation_id, confidentiality__lte=user.clearance
    )
    if user.is_superuser or user.has_role(*ORGANISATION_WIDE_ROLES):
        return queryset
    responsible = Complaint.responsible_people.through.objects.filter(
        complaint_id=OuterRef("pk"), user_id=user.pk
    )
    condition = Q(handler=user.pk) | Q(first_contact_owner=user.pk) | Q(Exists(responsible))
    if user.department_id is not None:
        subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
        condition |= (
            Q(department_id__in=subtree)
            | Q(intake_department_id__in=subtree)
            | Q(responsible_department_id__in=subtree)
        )
    return queryset.filter(condition)


def shows_identity(user: Any, complaint: Complaint) -> bool:
    """Whether ``user`` sees the complainant's name and phone: always, unless the complainant asked
    for their identity to be protected; then only agents, the quality role and the first-contact owner."""
    if not complaint.identity_protected:
        return True
    return bool(
        user.is_superuser or user.has_role(*IDENTITY_ROLES) or complaint.first_contact_owner_id == user.pk
    )


# --- penalties ------------------------------------------------------------------------------------


def penalties_for_user(user: Any) -> QuerySet[PenaltyProposal]:
    """The person's own proposals; those the user may decide (a head: of their department and below,
    when the proposal asks a head); everything of the organisation for the quality role, directors
    and administrators."""
    if not visibility.is_staff_member(user):
        return PenaltyProposal.objects.none()
    queryset = PenaltyProposal.objects.filter(organisation=user.organisation_id)
    if user.is_superuser or user.has_role(Role.QUALITY_INSPECTOR, Role.DIRECTOR, Role.ADMINISTRATOR):
        return queryset
    condition = Q(person=user.pk)
    if user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None:
        condition |= Q(approver_role=Role.DEPARTMENT_HEAD, department__path__startswith=user.department.path)
    return queryset.filter(condition)


# --- lists ----------------------------------------------------------------------------------------


class Tab(StrEnum):
    ALL = "all"
    MINE = "mine"  # I handle it or first received it
    DEPARTMENT = "department"  # handled by my department (and the ones below)
    OVERDUE = "overdue"  # a step past its deadline (live, between two sweeps too)
    AWAITING_APPROVAL = "awaiting_approval"  # a plan or an extension I may decide
    REPEATED = "repeated"  # flagged as a repeat of an earlier complaint
    OPEN = "open"
    CLOSED = "closed"


TABS = tuple(t.value for t in Tab)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _bound(value: date | datetime, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return _day_start(value + timedelta(days=1)) if end else _day_start(value)


def tab_q(tab: str, user: Any, now: datetime) -> Q:
    """The one definition of a list tab (pages, API and counts use it)."""
    match tab:
        case Tab.ALL:
            return Q()
        case Tab.MINE:
            return Q(handler=user.pk) | Q(first_contact_owner=user.pk)
        case Tab.DEPARTMENT:
            if user.department_id is None:
                return Q(pk__in=[])
            return Q(department_id__in=subtree_ids(user.department))
        case Tab.OVERDUE:
            return Q(clock_annotations.overdue_exists(ComplaintClock, now))
        case Tab.AWAITING_APPROVAL:
            return ApprovalAuthority.of(user).inbox_q()
        case Tab.REPEATED:
            return Q(repeat_of__isnull=False)
        case Tab.OPEN:
            return Q(status__in=OPEN_STATUSES)
        case Tab.CLOSED:
            return Q(status__in=(Status.CLOSED, Status.ARCHIVED))
    raise ValidationFailed.field("tab", _("must be one of %(choices)s") % {"choices": ", ".join(TABS)})


def with_list_related(queryset: QuerySet[Complaint], *, now: datetime | None = None) -> QuerySet[Complaint]:
    """What a list row shows, in the same query; ``is_overdue`` and ``next_due_at`` per returned row."""
    now = now or timezone.now()
    return queryset.select_related(*LIST_RELATED).annotate(
        is_overdue=clock_annotations.is_overdue(ComplaintClock, now),
        next_due_at=clock_annotations.next_due(ComplaintClock),
    )


def complaint_list(
    user: Any,
    *,
    tab: str = Tab.ALL,
    q: str = "",
    status: str | None = None,
    department_id: int | None = None,
    object: str | None = None,
    validity: str | None = None,
    channel: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """The visible complaints of a tab matching every filter given, newest first. ``department_id``
    matches the handling department only; ``date_to`` as a date includes that day; ``q`` searches
    number, subject, description, complainant, phone, address and customer. Unknown choices are
    refused (422 naming the field)."""
    now = now or timezone.now()
    complaints = complaints_for_user(user)
    for field, value, choices in (
        ("status", status, Status.values),
        ("object", object, ComplaintObject.values),
        ("validity", validity, Validity.values),
        ("channel", channel, Channel.values),
    ):
        if value in (None, ""):
            continue
        if value not in choices:
            raise ValidationFailed.field(
                field, _("must be one of %(choices)s") % {"choices": ", ".join(choices)}
            )
        complaints = complaints.filter(**{field: value})
    complaints = complaints.filter(tab_q(tab or Tab.ALL, user, now))
    if department_id is not None:
        complaints = complaints.filter(department_id=department_id)
    if date_from is not None:
        complaints = complaints.filter(received_at__gte=_bound(date_from, end=False))
    if date_to is not None:
        bound = _bound(date_to, end=True)
        if isinstance(date_to, datetime):
            complaints = complaints.filter(received_at__lte=bound)
        else:
            complaints = complaints.filter(received_at__lt=bound)
    if q and q.strip():
        complaints = complaints.filter(search_q(q))
    return with_list_related(complaints, now=now).order_by("-received_at", "-id")


def tab_counts(user: Any, tabs: tuple[str, ...] = TABS, now: datetime | None = None) -> dict[str, int]:
    """How many visible complaints each tab holds (one count per tab)."""
    now = now or timezone.now()
    visible = complaints_for_user(user)
    return {tab: visible.filter(tab_q(tab, user, now)).order_by().count() for tab in tabs}


# --- detail ---------------------------------------------------------------------------------------


# The complaint page's organisation, policy version, people, departments and linked complaints:
# looked up after the complaint is read, one query per model (``fuwu.lib.related``), rather than
# joined. Joined with the rest, 22 joins took PostgreSQL 64 ms to plan for a 4 ms query.
DETAIL_LOOKED_UP = (
    "organisation",
    "policy_version",
    "department",
    "intake_department",
    "responsible_department",
    "handler",
    "first_contact_owner",
    "logged_by",
    "assessed_by",
    "responsibility_by",
    "plan_proposed_by",
    "plan_approved_by",
    "executed_by",
    "replied_by",
    "closed_by",
    "repeat_of",
    "merged_into",
)


def with_detail_related(queryset: QuerySet[Complaint], user: Any) -> QuerySet[Complaint]:
    """What the complaint page and the API detail show besides ``DETAIL_LOOKED_UP`` (which
    ``with_detail_links`` adds once the complaint is read), in a fixed number of queries."""
    return queryset.select_related(
        "customer",
        "product",
        "service_type",
        "work_order",
        "answer",
    ).prefetch_related(
        "clocks",
        "responsible_people",
        Prefetch("callers", queryset=Caller.objects.select_related("merged_from")),
        Prefetch("answers", queryset=ComplaintAnswer.objects.select_related("recorded_by", "classified_by")),
        Prefetch(
            "costs", queryset=ComplaintCost.objects.select_related("department", "recorded_by", "verified_by")
        ),
        Prefetch(
            "penalties",
            queryset=penalties_for_user(user).select_related("person", "department", "decided_by"),
        ),
        Prefetch("approvals", queryset=Approval.objects.select_related("requested_by", "decided_by")),
    )


def complaint_detail(user: Any, pk: Any) -> Complaint:
    """One visible complaint with its clocks, callers, answers, costs, penalties (those the user may
    see), approvals and visit tasks prefetched; Http404 when absent or not visible."""
    return with_detail_links(
        visibility.get_visible_or_404(with_detail_related(complaints_for_user(user), user), pk=pk)
    )


def with_detail_links(complaint: Complaint) -> Complaint:
    """``complaint`` (read through ``with_detail_related``) with ``DETAIL_LOOKED_UP`` filled."""
    load_related([complaint], *DETAIL_LOOKED_UP)
    return complaint


def complaint_clocks(complaint: Complaint) -> list[ComplaintClock]:
    """The complaint's current clocks (superseded ones of an earlier handling round left out)."""
    return [clock for clock in complaint.clocks.all() if clock.is_active]


# --- figures --------------------------------------------------------------------------------------


def complaint_figures(queryset: QuerySet[Complaint]) -> dict[str, int]:
    """The counts of a set of complaints in one query. The customer's answer is the latest one
    (``Complaint.answer``: after a re-handling the later answer counts); invalid complaints are
    counted apart (``invalid``, ``invalid_answered``) and never in the valid ones' answers."""
    valid = Q(validity=Validity.VALID)
    invalid = Q(validity=Validity.INVALID)
    satisfied = Q(answer__outcome=AnswerOutcome.SATISFIED)
    unsatisfied = Q(answer__outcome=AnswerOutcome.UNSATISFIED)
    figures = queryset.order_by().aggregate(
        total=Count("pk"),
        valid=Count("pk", filter=valid),
        invalid=Count("pk", filter=invalid),
        pending_assessment=Count("pk", filter=Q(validity=Validity.PENDING)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        ended=Count("pk", filter=Q(status__in=ENDED_STATUSES)),
        satisfied=Count("pk", filter=valid & satisfied),
        unsatisfied=Count("pk", filter=valid & unsatisfied),
        unsatisfied_reasonable=Count("pk", filter=valid & unsatisfied & Q(answer__reasonable=True)),
        unsatisfied_unreasonable=Count("pk", filter=valid & unsatisfied & Q(answer__reasonable=False)),
        invalid_answered=Count("pk", filter=invalid & (satisfied | unsatisfied)),
        rehandled=Count("pk", filter=Q(rehandle_count__gt=0)),
        rehandlings=Sum("rehandle_count", default=0),
        reminders=Sum("reminder_count", default=0),
        returns=Sum("return_count", default=0),
        reassignments=Sum("reassign_count", default=0),
        repeats=Count("pk", filter=Q(repeat_of__isnull=False)),
        merged=Count("pk", filter=Q(status=Status.MERGED)),
    )
    return {key: int(value or 0) for key, value in figures.items()}
