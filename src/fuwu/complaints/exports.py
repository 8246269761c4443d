"""The complaint forms of the exports engine (ADR 0007, 0010):

- the register 客户投诉登记追踪表 (``Register`` "complaints"): the rows of the complaint list with its
  tab and filters, as the requester may see them (``selectors.complaints_for_user``; the phone
  masked per ``privacy.unmasked_roles``; a protected complainant shown only to who may see them),
  each step's deadline, when it was done and whether late, the reply, the customer's latest answer
  (the later answer is the one that counts), the counters and the costs;
- the cost report by allocated department and month (``Register`` "complaint-costs", and
  ``cost_report`` for the page): recorded and verified amounts per cost kind;
- the complaint handling form 客户意见处理表 (``complaint_pdf``): one complaint with its whole
  history as a PDF with the embedded Chinese font.

Everything reads through the visibility rule; a register costs a fixed number of queries per
chunk of rows whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register
from fuwu.lib.display import join_list
from fuwu.visibility import PhoneShown

from . import selectors
from .models import (
    AnswerOutcome,
    CauseType,
    Channel,
    ClockKind,
    Complaint,
    ComplaintClock,
    ComplaintCost,
    ComplaintObject,
    CostKind,
    CostStatus,
    ReplyMethod,
    Status,
    Validity,
)

# Translators: the complainant's name is hidden (12345 practice: identity protected on request).
PROTECTED = _("(identity protected)")

# --- parameters: the list's tab and filters as JSON ----------------------------------------------

# The keyword arguments of ``selectors.complaint_list`` an export may carry.
SELECTOR_ARGUMENTS = (
    "tab",
    "q",
    "status",
    "department_id",
    "object",
    "validity",
    "channel",
    "date_from",
    "date_to",
)
CHOICES = {
    "status": Status.values,
    "object": ComplaintObject.values,
    "validity": Validity.values,
    "channel": Channel.values,
}


def as_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """Selector arguments as JSON values (dates as ISO 8601), without the empty ones."""
    out: dict[str, Any] = {}
    for name in SELECTOR_ARGUMENTS:
        value = arguments.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


def _moment(value: Any) -> date | datetime | None:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def selector_arguments(parameters: Parameters) -> dict[str, Any]:
    """JSON parameters back as ``selectors.complaint_list`` keyword arguments; anything that is not
    one of the list's values is dropped (an export never fails on a stale or edited query string)."""
    tab = parameters.get("tab")
    arguments: dict[str, Any] = {
        "tab": tab if tab in selectors.TABS else selectors.Tab.ALL.value,
        "q": str(parameters.get("q") or "")[:100],
        "department_id": _positive_int(parameters.get("department_id")),
        "date_from": _moment(parameters.get("date_from")),
        "date_to": _moment(parameters.get("date_to")),
    }
    for name, choices in CHOICES.items():
        value = parameters.get(name)
        arguments[name] = value if value in choices else None
    return arguments


def page_parameters(request: Any) -> dict[str, Any]:
    """The filters of the complaint list page (its tab and filter form), read by the list's code."""
    from .forms import ListFilterForm
    from .views.lists import _filters, list_tab

    user = request.user
    form = ListFilterForm(request.GET or None, user=user)
    arguments = {**_filters(form), "tab": list_tab(request.GET.get("tab"), user)}
    channel = request.GET.get("channel")
    if channel in Channel.values:
        arguments["channel"] = channel
    return as_parameters(arguments)


def records(user: Any, parameters: Parameters) -> QuerySet[Complaint]:
    return (
        selectors.complaint_list(user, **selector_arguments(parameters))
        .select_related("responsible_department", "work_order")
        .prefetch_related(
            Prefetch("clocks", queryset=ComplaintClock.objects.order_by("started_at", "id")),
            "responsible_people",
            Prefetch("costs", queryset=ComplaintCost.objects.order_by()),
        )
    )


# --- values as people read them -----------------------------------------------------------------


def is_late(clock: ComplaintClock, now: datetime) -> bool | None:
    """Whether a step was (or is) late: done after its deadline, or not done and past it. A clock
    that stopped without being met (not applicable: an invalid complaint needs no plan) says nothing."""
    if clock.met_at is not None:
        return clock.met_at > clock.due_at
    if not clock.is_active:
        return None
    if clock.paused_at is not None:  # a pause does not cure a breach
        return clock.due_at < clock.paused_at
    return clock.due_at < now


def step_clocks(complaint: Complaint) -> dict[str, ComplaintClock]:
    """The clock of each step that counts: the current one (after a re-handling, the new round's),
    else the latest one that was met; a step that does not apply has none."""
    chosen: dict[str, ComplaintClock] = {}
    for clock in complaint.clocks.all():
        if not clock.is_active and clock.met_at is None:
            continue
        current = chosen.get(clock.kind)
        if current is None or (clock.is_active, clock.started_at, clock.pk) >= (
            current.is_active,
            current.started_at,
            current.pk,
        ):
            chosen[clock.kind] = clock
    return chosen


class Context:
    """Computed once per export: the phone rule, the labels in the requester's language, the
    policy's severity labels and the moment of the export."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.now = timezone.now()
        self.shown = PhoneShown(user)
        self.labels = {
            name: {value: str(label) for value, label in choices.choices}
            for name, choices in (
                ("status", Status),
                ("channel", Channel),
                ("object", ComplaintObject),
                ("validity", Validity),
                ("cause_type", CauseType),
                ("reply_method", ReplyMethod),
                ("answer", AnswerOutcome),
            )
        }
        self._severities: dict[int | None, dict[str, str]] = {}
        self._clocks: dict[int, dict[str, ComplaintClock]] = {}

    def label(self, name: str, code: str) -> str:
        return self.labels[name].get(code, "") if code else ""

    def severity(self, complaint: Complaint) -> str:
        """The label of the complaint's severity level in the policy that governed it (one query per
        policy version met in the export, not per row)."""
        key = complaint.policy_version_id
        if key not in self._severities:
            from .services.context import policy_of

            policy = policy_of(complaint)
            self._severities[key] = {level.code: level.label for level in policy.complaints.severity_levels}
        return self._severities[key].get(complaint.severity, complaint.severity)

    def clocks(self, complaint: Complaint) -> dict[str, ComplaintClock]:
        found = self._clocks.get(complaint.pk)
        if found is None:
            found = step_clocks(complaint)
            self._clocks = {complaint.pk: found}  # one row at a time: keep only the current one
        return found

    def complainant(self, complaint: Complaint) -> tuple[str, str]:
        if not selectors.shows_identity(self.user, complaint):
            return (str(PROTECTED), "")
        return (complaint.caller_name, self.shown(complaint.caller_phone))


def _name(person: Any) -> str:
    return person.display_name if person is not None else ""


def _costs(complaint: Complaint, *statuses: str) -> Decimal | None:
    lines = [c.amount for c in complaint.costs.all() if c.status in statuses]
    return sum(lines, start=Decimal(0)) if lines else None


def _answer(complaint: Complaint) -> Any:
    answer = complaint.answer
    if answer is None or answer.outcome == AnswerOutcome.UNREACHABLE:
        return None
    return answer


def _step_columns(kind: ClockKind, width: int = 16) -> list[Column]:
    def due(c: Complaint, x: Context) -> Any:
        clock = x.clocks(c).get(kind.value)
        return clock.due_at if clock else None

    def done(c: Complaint, x: Context) -> Any:
        clock = x.clocks(c).get(kind.value)
        return clock.met_at if clock else None

    def late(c: Complaint, x: Context) -> Any:
        clock = x.clocks(c).get(kind.value)
        return is_late(clock, x.now) if clock else None

    return [
        Column(format_lazy("{} · {}", kind.label, _("due")), due, width=width, kind=Kind.DATETIME),
        Column(format_lazy("{} · {}", kind.label, _("done")), done, width=width, kind=Kind.DATETIME),
        Column(format_lazy("{} · {}", kind.label, _("late")), late, width=8),
    ]


COLUMNS = [
    Column(pgettext_lazy("complaint", "Number"), lambda c, x: c.number, width=12),
    Column(_("Received at"), lambda c, x: c.received_at, width=16, kind=Kind.DATETIME),
    Column(_("Channel"), lambda c, x: x.label("channel", c.channel), width=10),
    Column(_("Complainant"), lambda c, x: x.complainant(c)[0], width=10),
    Column(_("Phone"), lambda c, x: x.complainant(c)[1], width=14),
    Column(_("Customer"), lambda c, x: c.customer.name if c.customer else "", width=16),
    Column(_("Subject"), lambda c, x: c.subject, width=24),
    Column(_("Complaint about"), lambda c, x: x.label("object", c.object), width=14),
    Column(_("Severity"), lambda c, x: x.severity(c), width=12),
    Column(_("Validity"), lambda c, x: x.label("validity", c.validity), width=10),
    Column(_("Cause type"), lambda c, x: x.label("cause_type", c.cause_type), width=10),
    Column(_("Work order"), lambda c, x: c.work_order.number if c.work_order else "", width=12),
    Column(_("Handling department"), lambda c, x: c.department.name if c.department else "", width=14),
    Column(_("Handler"), lambda c, x: _name(c.handler), width=10),
    Column(_("First-contact owner"), lambda c, x: _name(c.first_contact_owner), width=10),
    Column(_("Cause found"), lambda c, x: c.cause, width=30),
    Column(
        _("Responsible department"),
        lambda c, x: c.responsible_department.name if c.responsible_department else "",
        width=14,
    ),
    Column(
        _("Responsible people"),
        lambda c, x: join_list(p.display_name for p in c.responsible_people.all()),
        width=14,
    ),
    *(column for kind in ClockKind for column in _step_columns(kind)),
    Column(_("Reply to the customer"), lambda c, x: c.reply, width=30),
    Column(_("Replied at"), lambda c, x: c.replied_at, width=16, kind=Kind.DATETIME),
    Column(_("Replied by"), lambda c, x: x.label("reply_method", c.reply_method), width=8),
    Column(
        _("Customer's answer (latest)"),
        lambda c, x: x.label("answer", a.outcome) if (a := _answer(c)) else "",
        width=10,
    ),
    Column(_("Customer's words"), lambda c, x: a.comment if (a := _answer(c)) else "", width=24),
    Column(
        _("Answer recorded at"),
        lambda c, x: a.recorded_at if (a := _answer(c)) else None,
        width=16,
        kind=Kind.DATETIME,
    ),
    Column(
        _("Dissatisfaction reasonable"),
        lambda c, x: a.reasonable if (a := _answer(c)) else None,
        width=8,
    ),
    Column(_("Failed contact attempts"), lambda c, x: c.contact_attempts, width=8, kind=Kind.NUMBER),
    Column(_("Re-handlings"), lambda c, x: c.rehandle_count, width=8, kind=Kind.NUMBER),
    Column(_("Reminders"), lambda c, x: c.reminder_count, width=8, kind=Kind.NUMBER),
    Column(_("Returns"), lambda c, x: c.return_count, width=8, kind=Kind.NUMBER),
    Column(_("Reassignments"), lambda c, x: c.reassign_count, width=8, kind=Kind.NUMBER),
    Column(_("Repeat"), lambda c, x: c.repeat_of_id is not None, width=6),
    Column(
        _("Costs"),
        lambda c, x: _costs(c, CostStatus.RECORDED, CostStatus.VERIFIED),
        width=12,
        kind=Kind.MONEY,
    ),
    Column(_("Verified costs"), lambda c, x: _costs(c, CostStatus.VERIFIED), width=12, kind=Kind.MONEY),
    Column(_("Status"), lambda c, x: x.label("status", c.status), width=12),
    Column(_("Overdue"), lambda c, x: bool(getattr(c, "is_overdue", False)), width=8),
    Column(_("Next deadline"), lambda c, x: getattr(c, "next_due_at", None), width=16, kind=Kind.DATETIME),
    Column(_("Closed at"), lambda c, x: c.closed_at, width=16, kind=Kind.DATETIME),
]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    """The tab and filters in use as (label, value) pairs in the requester's language."""
    from fuwu.lib.display import local_day, local_time

    from .views.lists import TABS

    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    tabs = {str(key): label for key, label in TABS}
    pairs.append((_("List"), tabs.get(arguments["tab"], arguments["tab"])))
    for name, label, choices in (
        ("status", _("Status"), Status),
        ("object", _("Complaint about"), ComplaintObject),
        ("validity", _("Validity"), Validity),
        ("channel", _("Channel"), Channel),
    ):
        if arguments[name]:
            pairs.append((label, choices(arguments[name]).label))
    if arguments["department_id"]:
        department = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Handling department"), department.name if department else "—"))
    for name, label in (("date_from", _("Received from")), ("date_to", _("Received until"))):
        value = arguments[name]
        if value is not None:
            pairs.append((label, local_time(value) if isinstance(value, datetime) else local_day(value)))
    if arguments["q"]:
        pairs.append((_("Search"), arguments["q"]))
    return pairs


COMPLAINT_REGISTER = register(
    Register(
        kind="complaints",
        # Translators: 客户投诉登记追踪表, the complaint register of seed 004.
        title=_("Complaint register and tracking sheet"),
        sheet=_("Complaints"),
        filename="complaints",
        columns=COLUMNS,
        records=records,
        context=Context,
        filters=filters,
        from_request=page_parameters,
        list_url="complaints:list",
    )
)


# --- costs by department and month ---------------------------------------------------------------

COST_REPORT_ROLES = ("department_head", "quality_inspector", "finance", "director", "administrator")
# The department filter's value for costs allocated to no department.
UNALLOCATED = "none"


def may_view_costs(user: Any) -> bool:
    """Who reads the cost report: heads, the quality role, finance, directors and administrators —
    each over the complaints they may see."""
    return visibility.is_staff_member(user) and (user.is_superuser or user.has_role(*COST_REPORT_ROLES))


def parse_month(value: Any) -> date | None:
    """``2026-11`` → 2026-11-01; anything else → None."""
    if isinstance(value, date):
        return value.replace(day=1)
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        return None
    try:
        month = date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2999 else None


def month_text(month: date | None) -> str:
    return f"{month:%Y-%m}" if month else ""


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_start(month: date) -> datetime:
    """The first moment of a month in the organisation's time zone (a cost at 23:30 on the 30th of
    November, Beijing time, is November's, though it is 15:30 UTC)."""
    return timezone.make_aware(datetime.combine(month, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class CostFilters:
    """The cost report's filters. ``department_id`` keeps the allocated department and the ones
    below; ``department`` (a drill-down) exactly one department or ``UNALLOCATED``."""

    month_from: date | None = None
    month_to: date | None = None
    department_id: int | None = None
    # Drill-down to the lines behind one figure.
    department: int | str | None = None
    month: date | None = None
    kind: str | None = None
    status: str | None = None  # "recorded" (all but rejected), "verified" or "rejected"

    def as_parameters(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "month_from": month_text(self.month_from),
            "month_to": month_text(self.month_to),
            "department_id": self.department_id,
            "department": self.department,
            "month": month_text(self.month),
            "kind": self.kind,
            "status": self.status,
        }
        return {name: value for name, value in out.items() if value not in (None, "")}

    @classmethod
    def from_parameters(cls, parameters: Parameters) -> CostFilters:
        department: int | str | None = parameters.get("department")
        if department != UNALLOCATED:
            department = _positive_int(department)
        kind = parameters.get("kind")
        status = parameters.get("status")
        return cls(
            month_from=parse_month(parameters.get("month_from")),
            month_to=parse_month(parameters.get("month_to")),
            department_id=_positive_int(parameters.get("department_id")),
            department=department,
            month=parse_month(parameters.get("month")),
            kind=kind if kind in CostKind.values else None,
            status=status if status in ("recorded", "verified", "rejected") else None,
        )


STATUS_FILTERS = {
    "recorded": ~Q(status=CostStatus.REJECTED),
    "verified": Q(status=CostStatus.VERIFIED),
    "rejected": Q(status=CostStatus.REJECTED),
}


def visible_costs(user: Any) -> QuerySet[ComplaintCost]:
    """The cost lines of the complaints ``user`` may see (nothing else: another department's
    complaints and their costs are absent)."""
    return ComplaintCost.objects.filter(complaint__in=selectors.complaints_for_user(user).values("pk"))


def costs_matching(user: Any, f: CostFilters) -> QuerySet[ComplaintCost]:
    costs = visible_costs(user)
    if f.month_from is not None:
        costs = costs.filter(recorded_at__gte=_month_start(f.month_from))
    if f.month_to is not None:
        costs = costs.filter(recorded_at__lt=_month_start(next_month(f.month_to)))
    if f.department_id is not None:
        found = visibility.departments_for_user(user).filter(pk=f.department_id).values("path").first()
        path = found["path"] if found else None
        costs = costs.filter(department__path__startswith=path) if path else costs.none()
    if f.department == UNALLOCATED:
        costs = costs.filter(department__isnull=True)
    elif f.department is not None:
        costs = costs.filter(department_id=f.department)
    if f.month is not None:
        costs = costs.filter(
            recorded_at__gte=_month_start(f.month), recorded_at__lt=_month_start(next_month(f.month))
        )
    if f.kind:
        costs = costs.filter(kind=f.kind)
    if f.status:
        costs = costs.filter(STATUS_FILTERS[f.status])
    return costs


def _sums() -> dict[str, Any]:
    recorded, verified = STATUS_FILTERS["recorded"], STATUS_FILTERS["verified"]
    sums: dict[str, Any] = {}
    for kind in CostKind.values:
        sums[f"recorded_{kind}"] = Sum("amount", filter=Q(kind=kind) & recorded)
        sums[f"verified_{kind}"] = Sum("amount", filter=Q(kind=kind) & verified)
    sums["recorded_total"] = Sum("amount", filter=recorded)
    sums["verified_total"] = Sum("amount", filter=verified)
    sums["rejected_total"] = Sum("amount", filter=STATUS_FILTERS["rejected"])
    return sums


def cost_rows(user: Any, f: CostFilters) -> QuerySet[Any]:
    """One row (a dict) per allocated department and month, in one query: the amounts recorded
    (all but rejected) and verified per cost kind, and the totals."""
    from django.db.models import Count

    return (
        costs_matching(user, f)
        .annotate(month=TruncMonth("recorded_at", tzinfo=timezone.get_default_timezone()))
        .values("department_id", "department__name", "month")
        .annotate(lines=Count("pk"), **_sums())
        .order_by("department__name", "department_id", "month")
    )


def _month_of(value: Any) -> date | None:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    return None


@dataclass
class CostFigures:
    recorded: dict[str, Decimal] = field(default_factory=dict)
    verified: dict[str, Decimal] = field(default_factory=dict)
    recorded_total: Decimal = Decimal(0)
    verified_total: Decimal = Decimal(0)
    rejected_total: Decimal = Decimal(0)
    lines: int = 0

    def add(self, row: dict[str, Any]) -> None:
        for kind in CostKind.values:
            for name, into in (("recorded", self.recorded), ("verified", self.verified)):
                value = row.get(f"{name}_{kind}")
                if value:
                    into[kind] = into.get(kind, Decimal(0)) + Decimal(value)
        self.recorded_total += Decimal(row.get("recorded_total") or 0)
        self.verified_total += Decimal(row.get("verified_total") or 0)
        self.rejected_total += Decimal(row.get("rejected_total") or 0)
        self.lines += int(row.get("lines") or 0)


@dataclass
class CostRow:
    department_id: int | None
    department: str
    month: date | None
    figures: CostFigures


@dataclass
class CostReport:
    rows: list[CostRow]
    total: CostFigures
    kinds: list[str]  # the kinds with any amount, in the order of ``CostKind``


def cost_report(user: Any, f: CostFilters) -> CostReport:
    """The cost report for the page: its rows (one query), the grand total, the kinds in use."""
    rows: list[CostRow] = []
    total = CostFigures()
    for row in cost_rows(user, f):
        figures = CostFigures()
        figures.add(row)
        total.add(row)
        rows.append(
            CostRow(
                department_id=row["department_id"],
                department=row["department__name"] or str(_("Not allocated")),
                month=_month_of(row["month"]),
                figures=figures,
            )
        )
    kinds = [k for k in CostKind.values if k in total.recorded or k in total.verified]
    return CostReport(rows=rows, total=total, kinds=kinds)


def cost_lines(user: Any, f: CostFilters) -> QuerySet[ComplaintCost]:
    """The cost lines behind a figure, newest first, with what the page shows joined."""
    return (
        costs_matching(user, f)
        .select_related("complaint", "department", "recorded_by", "verified_by")
        .order_by("-recorded_at", "-id")
    )


def _cost_records(user: Any, parameters: Parameters) -> QuerySet[Any]:
    return cost_rows(user, CostFilters.from_parameters(parameters))


def _cost_value(key: str) -> Any:
    return lambda row, x: row.get(key)


COST_COLUMNS = [
    Column(_("Department"), lambda row, x: row["department__name"] or str(_("Not allocated")), width=16),
    Column(_("Month"), lambda row, x: month_text(_month_of(row["month"])), width=9),
    *(
        column
        for kind in CostKind
        for column in (
            Column(
                format_lazy("{} · {}", kind.label, _("recorded")),
                _cost_value(f"recorded_{kind.value}"),
                width=12,
                kind=Kind.MONEY,
            ),
            Column(
                format_lazy("{} · {}", kind.label, _("verified")),
                _cost_value(f"verified_{kind.value}"),
                width=12,
                kind=Kind.MONEY,
            ),
        )
    ),
    Column(_("Recorded in total"), _cost_value("recorded_total"), width=13, kind=Kind.MONEY),
    Column(_("Verified in total"), _cost_value("verified_total"), width=13, kind=Kind.MONEY),
    Column(_("Rejected by finance"), _cost_value("rejected_total"), width=13, kind=Kind.MONEY),
    Column(_("Cost lines"), _cost_value("lines"), width=8, kind=Kind.NUMBER),
]


def cost_filters_line(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    f = CostFilters.from_parameters(parameters)
    pairs: list[tuple[Any, Any]] = []
    if f.month_from:
        pairs.append((_("From month"), month_text(f.month_from)))
    if f.month_to:
        pairs.append((_("Until month"), month_text(f.month_to)))
    if f.department_id:
        department = visibility.departments_for_user(user).filter(pk=f.department_id).first()
        pairs.append((_("Department"), department.name if department else "—"))
    return pairs


def cost_page_parameters(request: Any) -> dict[str, Any]:
    """The cost report page's filters (its query string)."""
    return CostFilters.from_parameters(
        {name: request.GET.get(name) for name in ("month_from", "month_to", "department_id")}
    ).as_parameters()


COST_REPORT = register(
    Register(
        kind="complaint-costs",
        title=_("Complaint costs by department and month"),
        sheet=_("Costs"),
        filename="complaint-costs",
        columns=COST_COLUMNS,
        records=_cost_records,
        filters=cost_filters_line,
        may_export=may_view_costs,
        from_request=cost_page_parameters,
        list_url="complaints:costs",
    )
)


# --- the complaint handling form (客户意见处理表) as PDF -------------------------------------------


def _plain(html: Any) -> str:
    """A timeline value (safe HTML for a page) as plain text for the PDF."""
    from html import unescape

    from django.utils.html import strip_tags

    return unescape(strip_tags(str(html))).strip()


def timeline_lines(complaint: Complaint, viewer: Any) -> list[tuple[str, str]]:
    """The complaint's timeline as the viewer reads it on the page: (time, what happened)."""
    from fuwu.lib.display import join_pairs, local_time
    from fuwu.timeline.display import shown_events
    from fuwu.timeline.selectors import events_for

    lines = []
    for event in shown_events(events_for(complaint), viewer):
        changes = join_pairs(
            (
                change.label,
                _plain(change.after)
                if change.before is None
                else f"{_plain(change.before)} → {_plain(change.after)}",
            )
            for change in event.changes
        )
        text = " · ".join(part for part in (event.action_label, event.actor) if part)
        if changes:
            text += "\n" + changes
        if event.reason:
            text += "\n" + event.reason
        lines.append((local_time(event.at), text))
    return lines


def complaint_pdf(complaint: Complaint, viewer: Any, *, now: datetime | None = None) -> bytes:
    """One complaint with its whole history as an A4 PDF in the viewer's language: what was
    received, classification, cause and responsibility, plan and approval, execution, reply, the
    customer's answers, costs, step deadlines and the timeline; the complainant as the viewer may
    see them. ``complaint`` comes from ``selectors.complaint_detail`` (visible, prefetched)."""
    from django.utils.translation import gettext

    from fuwu.exports.pdf import FormPDF
    from fuwu.lib.display import EMPTY, join_list, local_time, money, yes_no

    now = now or timezone.now()
    c = complaint
    context = Context(viewer)
    context.now = now
    name, phone = context.complainant(c)
    form_title = gettext("Customer complaint handling form")
    pdf = FormPDF(
        title=f"{c.number} · {form_title}",
        organisation=c.organisation.name,
        footer=f"{gettext('No.')} {c.number}",
    )
    pdf.add_page()
    pdf.heading(c.organisation.name, size=12)
    pdf.heading(form_title, size=18)
    pdf.paragraph(f"{gettext('No.')} {c.number} · {gettext('Printed')} {local_time(now)}", size=9, align="C")

    def section(title: str) -> None:
        pdf.ln(3)
        if pdf.get_y() + 20 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.heading(title, size=12, align="L")
        pdf.ln(1)

    def person_at(person: Any, moment: Any) -> str:
        parts = [p for p in (_name(person), local_time(moment) if moment else "") if p]
        return " · ".join(parts) or EMPTY

    product = EMPTY
    if c.product is not None:
        product = f"{c.product.name} {c.product.model}".strip()
    received = local_time(c.received_at)
    if c.registered_at and abs((c.registered_at - c.received_at).total_seconds()) >= 60:
        received += f" ({gettext('registered')} {local_time(c.registered_at)})"
    callers = [caller for caller in c.callers.all() if caller.merged_from_id is not None]
    section(gettext("Complaint received"))
    rows: list[list[tuple[str, str]]] = [
        [(gettext("Received at"), received), (gettext("Channel"), context.label("channel", c.channel))],
        [(gettext("Complainant"), name or EMPTY), (gettext("Phone"), phone or EMPTY)],
        [
            (gettext("Customer"), c.customer.name if c.customer else EMPTY),
            (gettext("Address"), c.address or EMPTY),
        ],
        [
            (gettext("Work order"), c.work_order.number if c.work_order else EMPTY),
            (gettext("Service type"), c.service_type.name if c.service_type else EMPTY),
        ],
        [(gettext("Product"), product)],
        [(gettext("Subject"), c.subject)],
        [(gettext("What happened"), c.description)],
        [(gettext("Customer's demand"), c.demand or EMPTY)],
        [
            (gettext("First-contact owner"), _name(c.first_contact_owner) or EMPTY),
            (gettext("Handling department"), c.department.name if c.department else EMPTY),
        ],
        [
            (gettext("Handler"), _name(c.handler) or EMPTY),
            (gettext("Status"), context.label("status", c.status)),
        ],
    ]
    if callers:
        shown = [
            f"{caller.name} {context.shown(caller.phone)}".strip()
            if selectors.shows_identity(viewer, c)
            else str(PROTECTED)
            for caller in callers
        ]
        rows.append([(gettext("Merged callers"), join_list(shown))])
    if c.repeat_of_id:
        rows.append([(gettext("Repeat of"), c.repeat_of.number if c.repeat_of else EMPTY)])
    pdf.rows(rows)

    section(gettext("Classification"))
    pdf.rows(
        [
            [
                (gettext("Complaint about"), context.label("object", c.object)),
                (gettext("Severity"), context.severity(c) or EMPTY),
            ],
            [
                (gettext("Validity"), context.label("validity", c.validity)),
                (gettext("Cause type"), context.label("cause_type", c.cause_type) or EMPTY),
            ],
            [(gettext("Assessment"), c.assessment_note or EMPTY)],
            [(gettext("Assessed by"), person_at(c.assessed_by, c.assessed_at))],
        ]
    )

    section(gettext("Cause and responsibility"))
    pdf.rows(
        [
            [(gettext("Cause found"), c.cause or EMPTY)],
            [
                (
                    gettext("Responsible department"),
                    c.responsible_department.name if c.responsible_department else EMPTY,
                ),
                (
                    gettext("Responsible people"),
                    join_list(p.display_name for p in c.responsible_people.all()) or EMPTY,
                ),
            ],
            [(gettext("Decided by"), person_at(c.responsibility_by, c.responsibility_at))],
        ]
    )

    section(gettext("Handling plan and approval"))
    pdf.rows(
        [
            [(gettext("Handling plan"), c.plan or EMPTY)],
            [
                (gettext("Proposed by"), person_at(c.plan_proposed_by, c.plan_proposed_at)),
                (gettext("Approved by"), person_at(c.plan_approved_by, c.plan_approved_at)),
            ],
        ]
    )

    section(gettext("Execution"))
    pdf.rows(
        [
            [(gettext("What was done"), c.execution_note or EMPTY)],
            [(gettext("Executed by"), person_at(c.executed_by, c.executed_at))],
        ]
    )

    section(gettext("Reply to the customer"))
    pdf.rows(
        [
            [(gettext("Reply"), c.reply or EMPTY)],
            [
                (gettext("Replied by"), person_at(c.replied_by, c.replied_at)),
                (gettext("How"), context.label("reply_method", c.reply_method) or EMPTY),
            ],
        ]
    )

    section(gettext("The customer's answers"))
    answers = list(c.answers.all())
    if answers:
        answer_rows = []
        for answer in answers:
            label = context.label("answer", answer.outcome)
            if answer.pk == c.answer_id and answer.outcome != AnswerOutcome.UNREACHABLE:
                label += f" ({gettext('the answer that counts')})"
            text = [label, answer.comment]
            if answer.reasonable is not None:
                text.append(
                    f"{gettext('Dissatisfaction reasonable')}: {yes_no(answer.reasonable)} {answer.reasonable_note}".strip()
                )
            text.append(
                f"{context.label('reply_method', answer.method)} · {person_at(answer.recorded_by, answer.recorded_at)}"
            )
            round_label = (
                gettext("First handling")
                if answer.round == 0
                else gettext("Re-handling %(n)s") % {"n": answer.round}
            )
            answer_rows.append([(round_label, "\n".join(p for p in text if p))])
        pdf.rows(answer_rows)
    else:
        pdf.paragraph(gettext("No answer recorded yet."), grey=True)
    pdf.rows(
        [
            [
                (gettext("Re-handlings"), str(c.rehandle_count)),
                (gettext("Reminders"), str(c.reminder_count)),
            ],
            [(gettext("Returns"), str(c.return_count)), (gettext("Reassignments"), str(c.reassign_count))],
        ]
    )

    section(gettext("Costs"))
    costs = list(c.costs.all())
    if costs:
        cost_rows_ = [
            [
                (
                    str(CostKind(cost.kind).label) if cost.kind in CostKind.values else cost.kind,
                    " · ".join(
                        p
                        for p in (
                            money(cost.amount),
                            cost.description,
                            cost.department.name if cost.department else str(_("Not allocated")),
                            str(CostStatus(cost.status).label),
                            person_at(cost.verified_by, cost.verified_at) if cost.verified_by else "",
                        )
                        if p
                    ),
                )
            ]
            for cost in costs
        ]
        counted = [cost.amount for cost in costs if cost.status != CostStatus.REJECTED]
        cost_rows_.append([(gettext("Total"), money(sum(counted, start=Decimal(0))))])
        pdf.rows(cost_rows_)
    else:
        pdf.paragraph(gettext("No costs recorded."), grey=True)

    # Penalty proposals: only those the viewer may see (``complaint_detail`` prefetched them so).
    penalties = list(c.penalties.all())
    if penalties:
        section(gettext("Penalty proposals"))
        pdf.rows(
            [
                [
                    (
                        penalty.person.display_name,
                        " · ".join(
                            p
                            for p in (
                                penalty.catalogue_label,
                                money(
                                    penalty.amount if penalty.amount is not None else penalty.proposed_amount
                                ),
                                penalty.get_status_display(),
                                penalty.get_appeal_status_display()
                                if penalty.appeal_status != "none"
                                else "",
                            )
                            if p
                        ),
                    )
                ]
                for penalty in penalties
            ]
        )

    section(gettext("Step deadlines"))
    clocks = step_clocks(c)
    step_rows = []
    for kind in ClockKind:
        clock = clocks.get(kind.value)
        if clock is None:
            continue
        late = is_late(clock, now)
        done = local_time(clock.met_at) if clock.met_at else gettext("not done")
        verdict = "" if late is None else (gettext("late") if late else gettext("in time"))
        step_rows.append(
            [
                (
                    str(kind.label),
                    f"{gettext('due')} {local_time(clock.due_at)} · {gettext('done')} {done}"
                    + (f" · {verdict}" if verdict else ""),
                )
            ]
        )
    if step_rows:
        pdf.rows(step_rows)

    section(gettext("Timeline"))
    events = timeline_lines(c, viewer)
    if events:
        pdf.rows([[(moment, text)] for moment, text in events], label_width=32)
    pdf.ln(2)
    pdf.rows(
        [
            [
                (gettext("Closed at"), person_at(c.closed_by, c.closed_at)),
                (gettext("Archived at"), local_time(c.archived_at)),
            ]
        ]
    )
    pdf.ln(4)
    pdf.signature_boxes(
        [
            (gettext("Handler's signature"), ""),
            (gettext("Department head's signature"), ""),
            (gettext("Date"), ""),
        ]
    )
    return pdf.bytes()
