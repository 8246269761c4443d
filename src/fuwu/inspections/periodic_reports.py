"""The service quality inspections' three periodic reports on the periodic-reports engine (ADR 0013;
seed 002 §4.8–4.9):

- the department's **monthly report** 服务质量巡检月度报告 (``inspections_department_month``): each
  responsible department (责任部门) inspected in the month collects the month's 《服务质量巡检表》,
  sums them up and reports to the quality role (行政人事部) by ``inspections.monthly_report_due``
  (the 10th of the next month); prepared by the department's head, approved by a quality inspector;
- the department's **quarterly report** 服务质量巡检季度报告 (``inspections_department_quarter``): made
  from the three monthly reports — the months side by side, showing the month-to-month improvement
  (报告中应反应月度服务质量改进情况) — by ``inspections.quarterly_report_due`` (the 10th of the month
  after the quarter); same roles;
- the quality role's **quarterly summary** 服务质量巡检季度汇总报告 (``inspections_quality_quarter``): every
  department's quarter, whether its monthly and quarterly reports came in on time, the common
  problems (共性问题: checklist items that failed in two or more departments, which go to the
  corrective action procedure 《纠正措施控制程序》) and the corrective actions raised from inspections,
  by ``inspections.quality_quarter_summary_due`` (the 15th of the next quarter's first month);
  prepared by a quality inspector, approved by a director.

Quarters are calendar quarters (``first_month = 1``). Due moments follow ADR 0008 through the
engine: the rule applied from the period's last day, a due day on a rest day moved to the next
working day, close of business.

**When a report is made: the ``opens`` rule of the engine.** 002 4.8 has the month's tables
collected by the 5th (``inspections.monthly_tables_collected_by``): an inspection carried out on
the last days of the month may be entered on the 2nd. The engine's daily task therefore creates a
department's monthly and quarterly report (and takes its figures snapshot) only after close of
business of that day (moved off rest days like a due day): at 06:15 on the 6th for a 5th that is
worked. The engine's "compute again" is the preparer's manual refresh of a draft: it stays for a
table entered later still, but it alone would leave the snapshot of the 1st, without the tables of
the 1st–5th, in a report its preparer is told about on the 1st. The quality summary opens when the
departments' quarterly reports are due (``inspections.quarterly_report_due``): its figures then say
which department's reports came in on time. An opening day after the due day is taken as the due
day. A report asked for by hand (``POST /api/v1/reports``) is made at once, whatever the day.

**Which records a period holds.** An inspection belongs to the period its due moment falls in
(local time), whatever became of it: *planned* all of them; *done* submitted (*late* of those:
after the due moment); *missed* not submitted and past due when the figures were computed;
*cancelled*; *pending* not due yet (only when a report is computed before its period is over). The
score is the submitted tables' mean, rounded half up to one decimal; *passed* the share of scored
tables that passed. Failed items are the failed findings of the period's submitted tables, by
checklist item (its code; where versions word it differently, one of the wordings). A rectification order is
*issued* in the period it was issued in, *verified* in the period its verification passed; *failed
verifications* are those of the orders issued in the period; *still open* (and *overdue*: to be
rectified, past its deadline) counts every order issued up to the period's end that is open when the
figures are computed — a backlog has no previous period. A cancelled order counts nowhere. A
department's report is of that department's own inspections (a team below it reports on its own).
Only service quality inspections count — checklists of purpose ``inspection``, a supplier's work
inspected under the department that manages it included; duty rounds (值班巡查) and supplier
evaluations (供方评价) are other records — and the orders their failed items raised.

**The figures** (``compute_*``: a fixed number of queries whatever the number of inspections — the
month four, the department's quarter three, the summary five; ``*_figures`` are the pure part that
turns aggregate rows into the snapshot) store counts, sums, ids and names for the period and the
previous one; averages, shares, labels and changes are worked out by ``*_tables`` when they are read,
in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu.capa.models import Capa, Origin
from fuwu.capa.models import Status as CapaStatus
from fuwu.clocks.deadlines import DueRule, RuleName
from fuwu.lib.display import join_list
from fuwu.org.models import Department, Role
from fuwu.reports import periods
from fuwu.reports.models import PeriodicReport
from fuwu.reports.registry import CellKind, Period, PeriodScope, ReportKind, Scope, Table, register

from .models import (
    OPEN_STATUSES,
    RECTIFICATION_OPEN,
    Finding,
    Inspection,
    Purpose,
    Rectification,
    RectificationStatus,
    Result,
    Status,
)

VERSION = 1
MONTH_CODE = "inspections_department_month"
QUARTER_CODE = "inspections_department_quarter"
SUMMARY_CODE = "inspections_quality_quarter"
TABLES_SHOWN = 500  # inspection tables listed in one monthly report (the count says how many)
CAPAS_SHOWN = 200
COMMON_AT_LEAST = 2  # departments an item fails in to be a common problem (共性问题)
INSPECTION_COUNTS = ("planned", "done", "late", "missed", "cancelled", "pending", "scored", "passed")
RECTIFICATION_COUNTS = ("issued", "verified", "failed_verifications")
TO_RECTIFY = (RectificationStatus.ISSUED, RectificationStatus.IN_RECTIFICATION)
ONE_DECIMAL = Decimal("0.1")


# --- the due-day rules ---------------------------------------------------------------------------


def _next_month_day(day: int) -> DueRule:
    return DueRule(RuleName.DAY_OF_NEXT_MONTH, day=day)


def monthly_report_rule(policy: Any) -> DueRule:
    """``inspections.monthly_report_due``: the Kth of the month after the period (10th)."""
    return _next_month_day(policy.inspections.monthly_report_due)


def quarterly_report_rule(policy: Any) -> DueRule:
    """``inspections.quarterly_report_due``: the Kth of the month after the quarter (10th)."""
    return _next_month_day(policy.inspections.quarterly_report_due)


def quality_summary_rule(policy: Any) -> DueRule:
    """``inspections.quality_quarter_summary_due``: day K of month M of the next quarter (1, 15)."""
    due = policy.inspections.quality_quarter_summary_due
    return DueRule(RuleName.QUARTER_MONTH_DAY, quarter="next", month=due.month_of_quarter, day=due.day)


def monthly_opens(policy: Any) -> DueRule:
    """The month's tables are collected by ``inspections.monthly_tables_collected_by`` (the 5th)."""
    section = policy.inspections
    return _next_month_day(min(section.monthly_tables_collected_by, section.monthly_report_due))


def quarterly_opens(policy: Any) -> DueRule:
    """The quarter's last month's tables are collected by the same day."""
    section = policy.inspections
    return _next_month_day(min(section.monthly_tables_collected_by, section.quarterly_report_due))


def summary_opens(policy: Any) -> DueRule:
    """The departments' quarterly reports are due (their timeliness is in the summary)."""
    section = policy.inspections
    due = section.quality_quarter_summary_due
    day = section.quarterly_report_due
    if due.month_of_quarter == 1:
        day = min(day, due.day)
    return _next_month_day(day)


# --- periods as moments ----------------------------------------------------------------------

Window = tuple[str, datetime, datetime]  # a key of the snapshot, from (inclusive), until (exclusive)


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def window(key: str, start: date, end: date) -> Window:
    """The period from ``start`` to ``end`` (both days included) as local moments."""
    return key, _moment(start), _moment(end + timedelta(days=1))


def _span(windows: Sequence[Window]) -> tuple[datetime, datetime]:
    return min(w[1] for w in windows), max(w[2] for w in windows)


def _months_of(start: date) -> list[tuple[date, date]]:
    months = []
    for index in range(3):
        first = periods.add_months(start, index)
        months.append((first, periods.add_months(first, 1) - timedelta(days=1)))
    return months


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _period(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


# --- the aggregates ----------------------------------------------------------------------------


def _inspection_aggregates(windows: Sequence[Window], at: datetime) -> dict[str, Any]:
    """Conditional counts and sums over the inspections due in each window."""
    aggregates: dict[str, Any] = {}
    for key, begin, end in windows:
        due = Q(due_at__gte=begin, due_at__lt=end)
        submitted = due & Q(status=Status.SUBMITTED)
        scored = submitted & Q(score__isnull=False)
        still_open = due & Q(status__in=OPEN_STATUSES)
        aggregates.update(
            {
                f"{key}_planned": Count("pk", filter=due),
                f"{key}_done": Count("pk", filter=submitted),
                f"{key}_late": Count("pk", filter=submitted & Q(submitted_at__gt=F("due_at"))),
                f"{key}_missed": Count("pk", filter=still_open & Q(due_at__lt=at)),
                f"{key}_cancelled": Count("pk", filter=due & Q(status=Status.CANCELLED)),
                f"{key}_pending": Count("pk", filter=still_open & Q(due_at__gte=at)),
                f"{key}_scored": Count("pk", filter=scored),
                f"{key}_passed": Count("pk", filter=scored & Q(passed=True)),
                f"{key}_score_sum": Sum("score", filter=scored),
                f"{key}_failed_items": Sum("failed_items", filter=submitted),
            }
        )
    return aggregates


def _rectification_aggregates(windows: Sequence[Window], at: datetime, finish: datetime) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for key, begin, end in windows:
        issued = Q(issued_at__gte=begin, issued_at__lt=end)
        verified = Q(status=RectificationStatus.VERIFIED, verified_at__gte=begin, verified_at__lt=end)
        aggregates.update(
            {
                f"{key}_issued": Count("pk", filter=issued),
                f"{key}_verified": Count("pk", filter=verified),
                f"{key}_failed_verifications": Sum("failed_verifications", filter=issued),
            }
        )
    backlog = Q(issued_at__lt=finish, status__in=RECTIFICATION_OPEN)
    aggregates["open"] = Count("pk", filter=backlog)
    aggregates["overdue"] = Count("pk", filter=backlog & Q(status__in=TO_RECTIFY, due_at__lt=at))
    return aggregates


def _item_aggregates(windows: Sequence[Window]) -> dict[str, Any]:
    return {
        key: Count("pk", filter=Q(inspection__due_at__gte=begin, inspection__due_at__lt=end))
        for key, begin, end in windows
    }


def _inspections(scope: PeriodScope, windows: Sequence[Window]) -> Any:
    begin, finish = _span(windows)
    rows = Inspection.objects.filter(
        organisation=scope.organisation,
        template_version__template__purpose=Purpose.INSPECTION,
        due_at__gte=begin,
        due_at__lt=finish,
    )
    if scope.department is not None:
        rows = rows.filter(department=scope.department)
    return rows.order_by()


def _rectifications(scope: PeriodScope, windows: Sequence[Window]) -> Any:
    begin, finish = _span(windows)
    touched = (
        Q(issued_at__gte=begin, issued_at__lt=finish)
        | Q(verified_at__gte=begin, verified_at__lt=finish)
        | Q(issued_at__lt=finish, status__in=RECTIFICATION_OPEN)
    )
    rows = (
        Rectification.objects.filter(
            organisation=scope.organisation,
            inspection__template_version__template__purpose=Purpose.INSPECTION,
        )
        .filter(touched)
        .exclude(status=RectificationStatus.CANCELLED)
    )
    if scope.department is not None:
        rows = rows.filter(department=scope.department)
    return rows.order_by()


def _failed_findings(scope: PeriodScope, windows: Sequence[Window]) -> Any:
    begin, finish = _span(windows)
    rows = Finding.objects.filter(
        inspection__organisation=scope.organisation,
        inspection__template_version__template__purpose=Purpose.INSPECTION,
        inspection__status=Status.SUBMITTED,
        inspection__due_at__gte=begin,
        inspection__due_at__lt=finish,
        result=Result.FAIL,
    )
    if scope.department is not None:
        rows = rows.filter(inspection__department=scope.department)
    return rows.order_by()


def _at(scope: PeriodScope) -> datetime:
    return scope.at or timezone.now()


# --- the pure part: rows into the snapshot --------------------------------------------------------


def _number(value: Any) -> int:
    return int(value or 0)


def _score_sum(value: Any) -> float:
    return float(Decimal(str(value or 0)).quantize(ONE_DECIMAL, ROUND_HALF_UP))


def inspection_counts(row: Mapping[str, Any], key: str) -> dict[str, Any]:
    counts: dict[str, Any] = {name: _number(row.get(f"{key}_{name}")) for name in INSPECTION_COUNTS}
    counts["failed_items"] = _number(row.get(f"{key}_failed_items"))
    counts["score_sum"] = _score_sum(row.get(f"{key}_score_sum"))
    return counts


def rectification_counts(row: Mapping[str, Any], key: str) -> dict[str, int]:
    return {name: _number(row.get(f"{key}_{name}")) for name in RECTIFICATION_COUNTS}


def _items(rows: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    items = []
    for row in rows:
        counts = {key: _number(row.get(key)) for key in keys}
        if not any(counts.values()):
            continue
        items.append(
            {
                "code": row["item_code"],
                "item": row.get("item_text") or "",
                "section": row.get("section_title") or "",
                **counts,
            }
        )
    items.sort(key=lambda item: (*(-item[key] for key in keys), item["code"]))
    return items


def _table_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["pk"],
        "number": row["number"],
        "due_at": _iso(row["due_at"]),
        "submitted_at": _iso(row.get("submitted_at")),
        "status": row["status"],
        "score": float(row["score"]) if row.get("score") is not None else None,
        "passed": row.get("passed"),
        "failed_items": _number(row.get("failed_items")),
        "site": row.get("site") or "",
        "inspector": row.get("inspector__full_name") or row.get("inspector__username") or "",
        "checklist": row.get("template_version__template__name") or "",
        "checklist_version": row.get("template_version__number"),
    }


def month_figures(
    *,
    inspections: Mapping[str, Any],
    rectifications: Mapping[str, Any],
    items: Iterable[Mapping[str, Any]],
    tables: Iterable[Mapping[str, Any]],
    start: date,
    end: date,
    previous: tuple[date, date],
) -> dict[str, Any]:
    """A department's month from the aggregate rows (pure: no query). ``inspections`` and
    ``rectifications`` carry the ``c_``/``p_`` aggregates (this month, the previous one);
    ``items`` the failed findings by item code with ``c``/``p`` counts; ``tables`` the month's
    inspections (at most ``TABLES_SHOWN``)."""
    listed = [_table_row(row) for row in tables]
    planned = _number(inspections.get("c_planned"))
    return {
        "version": VERSION,
        "kind": "month",
        "period": _period(start, end),
        "previous": _period(*previous),
        "inspections": {
            key: inspection_counts(inspections, prefix)
            for key, prefix in (("current", "c"), ("previous", "p"))
        },
        "rectifications": {
            "current": rectification_counts(rectifications, "c"),
            "previous": rectification_counts(rectifications, "p"),
            "open": _number(rectifications.get("open")),
            "overdue": _number(rectifications.get("overdue")),
        },
        "items": [
            {
                "code": i["code"],
                "item": i["item"],
                "section": i["section"],
                "current": i["c"],
                "previous": i["p"],
            }
            for i in _items(items, ("c", "p"))
        ],
        "tables": listed,
        "tables_count": max(planned, len(listed)),
    }


QUARTER_KEYS = ("m1", "m2", "m3", "c", "p")


def quarter_figures(
    *,
    inspections: Mapping[str, Any],
    rectifications: Mapping[str, Any],
    items: Iterable[Mapping[str, Any]],
    start: date,
    end: date,
    previous: tuple[date, date],
) -> dict[str, Any]:
    """A department's quarter from the aggregate rows (pure): each month (``m1``…``m3``), the
    quarter (``c``) and the previous quarter (``p``)."""
    return {
        "version": VERSION,
        "kind": "quarter",
        "period": _period(start, end),
        "previous": _period(*previous),
        "months": [_period(first, last) for first, last in _months_of(start)],
        "inspections": {key: inspection_counts(inspections, key) for key in QUARTER_KEYS},
        "rectifications": {
            **{key: rectification_counts(rectifications, key) for key in QUARTER_KEYS},
            "open": _number(rectifications.get("open")),
            "overdue": _number(rectifications.get("overdue")),
        },
        "items": _items(items, QUARTER_KEYS),
    }


def report_state(row: Mapping[str, Any], at: datetime) -> str:
    """A department report's timeliness when the summary is computed."""
    submitted = row.get("first_submitted_at")
    if submitted is not None:
        return "on_time" if submitted <= row["due_at"] else "late"
    return "overdue" if row["due_at"] < at else "pending"


REPORT_STATES = ("on_time", "late", "overdue", "pending")


def summary_figures(
    *,
    inspections: Iterable[Mapping[str, Any]],
    rectifications: Iterable[Mapping[str, Any]],
    findings: Iterable[Mapping[str, Any]],
    reports: Iterable[Mapping[str, Any]],
    capas: Iterable[Mapping[str, Any]],
    capas_count: int,
    start: date,
    end: date,
    previous: tuple[date, date],
    at: datetime,
) -> dict[str, Any]:
    """The organisation's quarter from the aggregate rows (pure). ``inspections`` and
    ``rectifications`` are grouped by department (``department_id``, ``department__name``,
    ``department__path`` and the ``c_``/``p_`` aggregates); ``findings`` are failed findings counted
    by item code and department; ``reports`` the departments' monthly and quarterly reports of the
    quarter; ``capas`` the corrective actions raised from inspections in it."""
    departments: dict[int, dict[str, Any]] = {}

    def department(row: Mapping[str, Any]) -> dict[str, Any]:
        found = departments.get(row["department_id"])
        if found is None:
            found = departments[row["department_id"]] = {
                "id": row["department_id"],
                "name": row.get("department__name") or "",
                "path": row.get("department__path") or "",
                "current": inspection_counts({}, "c"),
                "previous": inspection_counts({}, "p"),
                "rectifications": {
                    "current": rectification_counts({}, "c"),
                    "previous": rectification_counts({}, "p"),
                },
                "open": 0,
                "overdue": 0,
                "reports": {"month": dict.fromkeys(REPORT_STATES, 0), "quarter": None},
            }
        return found

    for row in inspections:
        entry = department(row)
        entry["current"], entry["previous"] = inspection_counts(row, "c"), inspection_counts(row, "p")
    for row in rectifications:
        entry = department(row)
        entry["rectifications"] = {
            "current": rectification_counts(row, "c"),
            "previous": rectification_counts(row, "p"),
        }
        entry["open"], entry["overdue"] = _number(row.get("open")), _number(row.get("overdue"))
    for row in reports:
        entry = department(row)
        state = report_state(row, at)
        if row["kind"] == QUARTER_CODE:
            entry["reports"]["quarter"] = state
        else:
            entry["reports"]["month"][state] += 1

    totals: dict[str, Any] = {
        "current": inspection_counts({}, "c"),
        "previous": inspection_counts({}, "p"),
        "rectifications": {
            "current": rectification_counts({}, "c"),
            "previous": rectification_counts({}, "p"),
        },
        "open": 0,
        "overdue": 0,
    }
    for entry in departments.values():
        for key in ("current", "previous"):
            for name, value in entry[key].items():
                totals[key][name] += value
            for name, value in entry["rectifications"][key].items():
                totals["rectifications"][key][name] += value
        totals["open"] += entry["open"]
        totals["overdue"] += entry["overdue"]
    for key in ("current", "previous"):
        totals[key]["score_sum"] = _score_sum(totals[key]["score_sum"])

    shown = [
        entry
        for entry in departments.values()
        if any(entry["current"].values())
        or any(entry["rectifications"]["current"].values())
        or entry["open"]
        or entry["reports"]["quarter"] is not None
        or any(entry["reports"]["month"].values())
    ]
    shown.sort(key=lambda entry: (entry["path"], entry["id"]))

    by_item: dict[str, dict[str, Any]] = {}
    names = {entry["id"]: entry["name"] for entry in departments.values()}
    for row in findings:
        item = by_item.setdefault(
            row["item_code"],
            {"code": row["item_code"], "item": "", "section": "", "departments": {}, "times": 0},
        )
        item["item"] = max(item["item"], row.get("item_text") or "")
        item["section"] = max(item["section"], row.get("section_title") or "")
        department_id = row["inspection__department_id"]
        name = names.get(department_id) or row.get("inspection__department__name") or ""
        item["departments"][department_id] = name
        item["times"] += _number(row.get("times"))
    common = [
        {
            "code": item["code"],
            "item": item["item"],
            "section": item["section"],
            "departments": sorted(item["departments"].values()),
            "department_count": len(item["departments"]),
            "times": item["times"],
        }
        for item in by_item.values()
        if len(item["departments"]) >= COMMON_AT_LEAST
    ]
    common.sort(key=lambda item: (-item["department_count"], -item["times"], item["code"]))
    return {
        "version": VERSION,
        "kind": "quality_quarter",
        "period": _period(start, end),
        "previous": _period(*previous),
        "departments": [{k: v for k, v in entry.items() if k != "path"} for entry in shown],
        "totals": totals,
        "common_problems": common,
        "capas": [
            {
                "id": row["pk"],
                "number": row["number"],
                "title": row["title"] if not row.get("confidentiality") else "",
                "confidential": bool(row.get("confidentiality")),
                "department": row.get("department__name") or "",
                "status": row["status"],
                "raised_at": _iso(row["raised_at"]),
            }
            for row in capas
        ],
        "capas_count": capas_count,
    }


# --- compute: the queries -------------------------------------------------------------------------

TABLE_FIELDS = (
    "pk",
    "number",
    "due_at",
    "submitted_at",
    "status",
    "score",
    "passed",
    "failed_items",
    "site",
    "inspector__full_name",
    "inspector__username",
    "template_version__template__name",
    "template_version__number",
)


def compute_month(scope: PeriodScope) -> dict[str, Any]:
    """A department's month and the month before it: four queries (inspections, rectification
    orders, failed items, the month's tables)."""
    at = _at(scope)
    previous = periods.previous_period(scope.start, Period.MONTH)
    windows = [window("c", scope.start, scope.end), window("p", *previous)]
    inspections = _inspections(scope, windows).aggregate(**_inspection_aggregates(windows, at))
    finish = windows[0][2]
    rectifications = _rectifications(scope, windows).aggregate(
        **_rectification_aggregates(windows, at, finish)
    )
    items = (
        _failed_findings(scope, windows)
        .values("item_code")
        .annotate(item_text=Max("item"), section_title=Max("section"), **_item_aggregates(windows))
    )
    tables = _inspections(scope, windows[:1]).order_by("due_at", "pk").values(*TABLE_FIELDS)[:TABLES_SHOWN]
    return month_figures(
        inspections=inspections,
        rectifications=rectifications,
        items=items,
        tables=tables,
        start=scope.start,
        end=scope.end,
        previous=previous,
    )


def compute_quarter(scope: PeriodScope) -> dict[str, Any]:
    """A department's quarter month by month and the quarter before it: three queries."""
    at = _at(scope)
    previous = periods.previous_period(scope.start, Period.QUARTER, 1)
    windows = [
        *(
            window(f"m{index}", first, last)
            for index, (first, last) in enumerate(_months_of(scope.start), start=1)
        ),
        window("c", scope.start, scope.end),
        window("p", *previous),
    ]
    inspections = _inspections(scope, windows).aggregate(**_inspection_aggregates(windows, at))
    finish = window("c", scope.start, scope.end)[2]
    rectifications = _rectifications(scope, windows).aggregate(
        **_rectification_aggregates(windows, at, finish)
    )
    items = (
        _failed_findings(scope, windows)
        .values("item_code")
        .annotate(item_text=Max("item"), section_title=Max("section"), **_item_aggregates(windows))
    )
    return quarter_figures(
        inspections=inspections,
        rectifications=rectifications,
        items=items,
        start=scope.start,
        end=scope.end,
        previous=previous,
    )


DEPARTMENT_GROUP = ("department_id", "department__name", "department__path")


def compute_summary(scope: PeriodScope) -> dict[str, Any]:
    """The organisation's quarter by department, the common problems and the corrective actions:
    five queries (inspections and rectification orders by department, failed findings by item and
    department, the departments' reports, the corrective actions)."""
    at = _at(scope)
    previous = periods.previous_period(scope.start, Period.QUARTER, 1)
    windows = [window("c", scope.start, scope.end), window("p", *previous)]
    _key, begin, finish = windows[0]
    inspections = (
        _inspections(scope, windows).values(*DEPARTMENT_GROUP).annotate(**_inspection_aggregates(windows, at))
    )
    rectifications = (
        _rectifications(scope, windows)
        .values(*DEPARTMENT_GROUP)
        .annotate(**_rectification_aggregates(windows, at, finish))
    )
    findings = (
        _failed_findings(scope, windows[:1])
        .values("item_code", "inspection__department_id", "inspection__department__name")
        .annotate(item_text=Max("item"), section_title=Max("section"), times=Count("pk"))
    )
    reports = (
        PeriodicReport.objects.filter(organisation=scope.organisation, department__isnull=False)
        .filter(
            Q(kind=MONTH_CODE, period_start__gte=scope.start, period_start__lte=scope.end)
            | Q(kind=QUARTER_CODE, period_start=scope.start)
        )
        .order_by()
        .values(*DEPARTMENT_GROUP, "kind", "period_start", "due_at", "first_submitted_at")
    )
    capas = list(
        Capa.objects.filter(
            organisation=scope.organisation,
            origin=Origin.INSPECTION,
            raised_at__gte=begin,
            raised_at__lt=finish,
        )
        .order_by("raised_at", "pk")
        .values("pk", "number", "title", "confidentiality", "department__name", "status", "raised_at")[
            : CAPAS_SHOWN + 1
        ]
    )
    return summary_figures(
        inspections=inspections,
        rectifications=rectifications,
        findings=findings,
        reports=reports,
        capas=capas[:CAPAS_SHOWN],
        capas_count=len(capas),
        start=scope.start,
        end=scope.end,
        previous=previous,
        at=at,
    )


def inspected_departments(organisation: Any, policy: Any, start: date, end: date) -> list[Department]:
    """The departments with an inspection due in the period (one not cancelled): they report."""
    begin, finish = _moment(start), _moment(end + timedelta(days=1))
    inspected = Inspection.objects.filter(
        organisation=organisation,
        template_version__template__purpose=Purpose.INSPECTION,
        department=OuterRef("pk"),
        due_at__gte=begin,
        due_at__lt=finish,
    ).exclude(status=Status.CANCELLED)
    return list(
        Department.objects.filter(organisation=organisation).filter(Exists(inspected)).order_by("path", "pk")
    )


# --- the tables as people read them -------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def change(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


def average_score(counts: Mapping[str, Any]) -> float | None:
    """The mean score as a share (0…1): the tables' scores are percents, the mean rounded half up
    to one decimal like each table's."""
    scored = _number(counts.get("scored"))
    if not scored:
        return None
    mean = (Decimal(str(counts.get("score_sum") or 0)) / scored).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return float(mean) / 100


def passed_share(counts: Mapping[str, Any]) -> float | None:
    return rate(_number(counts.get("passed")), _number(counts.get("scored")))


COUNTED = [CellKind.TEXT, CellKind.NUMBER, CellKind.NUMBER, CellKind.NUMBER]
SHARED = [CellKind.TEXT, CellKind.PERCENT, CellKind.PERCENT, CellKind.POINTS]
HEADERS_MONTH = [_("Figure"), _("This month"), _("Previous month"), _("Change")]
HEADERS_QUARTER = [_("Figure"), _("This quarter"), _("Previous quarter"), _("Change")]


def _inspection_lines() -> list[tuple[Any, str]]:
    return [
        (_("Inspections planned (due in the period)"), "planned"),
        (_("Carried out (tables submitted)"), "done"),
        (_("of which submitted after the due day"), "late"),
        # Translators: inspections not carried out by their due day and still not submitted.
        (_("Missed (not submitted by the due day)"), "missed"),
        (_("Cancelled"), "cancelled"),
        (_("Failed items"), "failed_items"),
    ]


def _shares(current: Mapping[str, Any], previous: Mapping[str, Any]) -> list[list[Any]]:
    rows = []
    for label, function in ((_("Average score"), average_score), (_("Tables passed"), passed_share)):
        now, before = function(current), function(previous)
        rows.append([label, now, before, change(now, before)])
    return rows


def inspections_table(figures: Mapping[str, Any], headers: Sequence[Any]) -> Table:
    current, previous = figures["inspections"]["current"], figures["inspections"]["previous"]
    lines = _inspection_lines()
    rows: list[list[Any]] = [
        [label, current[key], previous[key], current[key] - previous[key]] for label, key in lines
    ]
    shares = _shares(current, previous)
    return Table(
        key="inspections",
        title=_("Inspections"),
        headers=headers,
        kinds=COUNTED,
        rows=[*rows, *shares],
        row_kinds=[*([COUNTED] * len(rows)), *([SHARED] * len(shares))],
        note=_(
            "An inspection belongs to the period it is due in. Average score: the mean of the submitted "
            "tables' scores; passed: the share of them that reached the pass mark."
        ),
    )


def rectifications_table(figures: Mapping[str, Any], headers: Sequence[Any]) -> Table:
    data = figures["rectifications"]
    current, previous = data["current"], data["previous"]
    lines: list[tuple[Any, str]] = [
        (_("Rectification orders issued"), "issued"),
        (_("Verified (rectified)"), "verified"),
        (_("Failed verifications (of the orders issued)"), "failed_verifications"),
    ]
    rows: list[list[Any]] = [
        [label, current[key], previous[key], current[key] - previous[key]] for label, key in lines
    ]
    rows += [
        [_("Still open (issued up to the end of the period)"), data["open"], None, None],
        [_("of which overdue"), data["overdue"], None, None],
    ]
    return Table(
        key="rectifications",
        title=_("Rectification orders"),
        headers=headers,
        kinds=COUNTED,
        rows=rows,
        note=_("Still open and overdue: when the figures were computed."),
    )


def items_table(figures: Mapping[str, Any], headers: Sequence[Any]) -> Table:
    rows = [
        [
            item["item"] or item["code"],
            item["section"],
            item["current"],
            item["previous"],
            item["current"] - item["previous"],
        ]
        for item in figures.get("items", [])
    ]
    return Table(
        key="items",
        title=_("Failed items by checklist item"),
        headers=[_("Checklist item"), _("Section"), *headers[1:]],
        kinds=[CellKind.TEXT, CellKind.TEXT, CellKind.NUMBER, CellKind.NUMBER, CellKind.NUMBER],
        rows=rows,
    )


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _moment_of(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def inspection_tables_table(figures: Mapping[str, Any]) -> Table:
    statuses = _labels(Status)
    yes, no = str(_("yes")), str(_("no"))
    rows = []
    for table in figures.get("tables", []):
        checklist = table["checklist"]
        if table.get("checklist_version"):
            checklist = f"{checklist} v{table['checklist_version']}"
        rows.append(
            [
                table["number"],
                _moment_of(table["due_at"]),
                _moment_of(table["submitted_at"]),
                table["inspector"],
                table["site"],
                checklist,
                statuses.get(table["status"], table["status"]),
                table["score"] / 100 if table["score"] is not None else None,
                (yes if table["passed"] else no) if table["passed"] is not None else None,
                table["failed_items"] if table["status"] == Status.SUBMITTED else None,
            ]
        )
    shown, total = len(rows), int(figures.get("tables_count", len(rows)))
    return Table(
        key="tables",
        # Translators: the month's filled-in 《服务质量巡检表》, collected by the department.
        title=_("Inspection tables of the month"),
        headers=[
            _("Inspection no."),
            _("Due at"),
            _("Submitted at"),
            _("Inspector"),
            _("Site or area"),
            _("Checklist"),
            _("Status"),
            _("Score"),
            _("Passed"),
            _("Failed items"),
        ],
        kinds=[
            CellKind.TEXT,
            CellKind.DATETIME,
            CellKind.DATETIME,
            CellKind.TEXT,
            CellKind.TEXT,
            CellKind.TEXT,
            CellKind.TEXT,
            CellKind.PERCENT,
            CellKind.TEXT,
            CellKind.NUMBER,
        ],
        rows=rows,
        note=_("%(shown)s of %(total)s tables are listed.") % {"shown": shown, "total": total}
        if total > shown
        else "",
    )


def month_tables(figures: Mapping[str, Any], policy: Any) -> list[Table]:
    return [
        inspections_table(figures, HEADERS_MONTH),
        rectifications_table(figures, HEADERS_MONTH),
        items_table(figures, HEADERS_MONTH),
        inspection_tables_table(figures),
    ]


def _month_headers(figures: Mapping[str, Any]) -> list[str]:
    return [month["start"][:7] for month in figures.get("months", [])]


def by_month_table(figures: Mapping[str, Any]) -> Table:
    """The three months side by side, the quarter and the previous quarter: the improvement from
    month to month (002 4.8)."""
    inspections, rectifications = figures["inspections"], figures["rectifications"]
    counted = [CellKind.TEXT, *([CellKind.NUMBER] * 6)]
    shared = [CellKind.TEXT, *([CellKind.PERCENT] * 5), CellKind.POINTS]
    lines: list[tuple[Any, Mapping[str, Any], str]] = [
        (_("Inspections planned (due in the period)"), inspections, "planned"),
        (_("Carried out (tables submitted)"), inspections, "done"),
        (_("Missed (not submitted by the due day)"), inspections, "missed"),
        (_("Failed items"), inspections, "failed_items"),
        (_("Rectification orders issued"), rectifications, "issued"),
        (_("Verified (rectified)"), rectifications, "verified"),
        (_("Failed verifications (of the orders issued)"), rectifications, "failed_verifications"),
    ]
    rows: list[list[Any]] = []
    kinds: list[list[CellKind]] = []
    for label, function in ((_("Average score"), average_score), (_("Tables passed"), passed_share)):
        values = [function(inspections[key]) for key in QUARTER_KEYS]
        rows.append([label, *values, change(values[3], values[4])])
        kinds.append(shared)
    for label, data, name in lines:
        counts = [int(data[key][name]) for key in QUARTER_KEYS]
        rows.append([label, *counts, counts[3] - counts[4]])
        kinds.append(counted)
    rows += [
        [_("Rectification orders still open"), None, None, None, rectifications["open"], None, None],
        [_("of which overdue"), None, None, None, rectifications["overdue"], None, None],
    ]
    kinds += [counted, counted]
    return Table(
        key="by_month",
        title=_("Month by month"),
        headers=[
            _("Figure"),
            *_month_headers(figures),
            _("This quarter"),
            _("Previous quarter"),
            _("Change"),
        ],
        kinds=counted,
        rows=rows,
        row_kinds=kinds,
        note=_(
            "Change: this quarter against the previous one. Still open and overdue: when the figures "
            "were computed."
        ),
    )


def quarter_items_table(figures: Mapping[str, Any]) -> Table:
    rows = [
        [
            item["item"] or item["code"],
            item["section"],
            *(item[key] for key in QUARTER_KEYS),
            item["c"] - item["p"],
        ]
        for item in figures.get("items", [])
    ]
    return Table(
        key="items",
        title=_("Failed items by checklist item"),
        headers=[
            _("Checklist item"),
            _("Section"),
            *_month_headers(figures),
            _("This quarter"),
            _("Previous quarter"),
            _("Change"),
        ],
        kinds=[CellKind.TEXT, CellKind.TEXT, *([CellKind.NUMBER] * 6)],
        rows=rows,
    )


def quarter_tables(figures: Mapping[str, Any], policy: Any) -> list[Table]:
    return [by_month_table(figures), quarter_items_table(figures)]


def _report_state_labels() -> dict[str | None, str]:
    return {
        "on_time": str(_("in time")),
        "late": str(_("submitted late")),
        "overdue": str(_("overdue, not submitted")),
        "pending": str(_("not due yet")),
        None: str(_("no report")),
    }


def _monthly_reports(states: Mapping[str, int]) -> str:
    made = sum(states.values())
    if not made:
        return str(_("no report"))
    text = str(_("%(on_time)s of %(made)s in time")) % {"on_time": states.get("on_time", 0), "made": made}
    late = [
        str(label) % {"n": states[key]}
        for key, label in (("late", _("%(n)s late")), ("overdue", _("%(n)s not submitted")))
        if states.get(key)
    ]
    return "; ".join([text, *late])


def departments_table(figures: Mapping[str, Any]) -> Table:
    labels = _report_state_labels()
    rows = []
    for entry in figures.get("departments", []):
        current, previous = entry["current"], entry["previous"]
        score = average_score(current)
        rows.append(
            [
                entry["name"],
                current["planned"],
                current["done"],
                current["missed"],
                score,
                change(score, average_score(previous)),
                passed_share(current),
                current["failed_items"],
                entry["rectifications"]["current"]["issued"],
                entry["open"],
                entry["overdue"],
                _monthly_reports(entry["reports"]["month"]),
                labels.get(entry["reports"]["quarter"], labels[None]),
            ]
        )
    totals = figures["totals"]
    score = average_score(totals["current"])
    rows.append(
        [
            str(_("Whole organisation")),
            totals["current"]["planned"],
            totals["current"]["done"],
            totals["current"]["missed"],
            score,
            change(score, average_score(totals["previous"])),
            passed_share(totals["current"]),
            totals["current"]["failed_items"],
            totals["rectifications"]["current"]["issued"],
            totals["open"],
            totals["overdue"],
            None,
            None,
        ]
    )
    return Table(
        key="departments",
        title=_("Departments in the quarter"),
        headers=[
            _("Department"),
            _("Planned"),
            _("Carried out"),
            _("Missed"),
            _("Average score"),
            _("vs previous quarter"),
            _("Tables passed"),
            _("Failed items"),
            _("Rectification orders issued"),
            _("Still open"),
            _("Overdue"),
            _("Monthly reports"),
            _("Quarterly report"),
        ],
        kinds=[
            CellKind.TEXT,
            CellKind.NUMBER,
            CellKind.NUMBER,
            CellKind.NUMBER,
            CellKind.PERCENT,
            CellKind.POINTS,
            CellKind.PERCENT,
            CellKind.NUMBER,
            CellKind.NUMBER,
            CellKind.NUMBER,
            CellKind.NUMBER,
            CellKind.TEXT,
            CellKind.TEXT,
        ],
        rows=rows,
        note=_(
            "Monthly and quarterly reports: the departments' own reports of the quarter, in time when "
            "first submitted by their due moment."
        ),
    )


def summary_totals_table(figures: Mapping[str, Any]) -> Table:
    return inspections_table(
        {"inspections": {"current": figures["totals"]["current"], "previous": figures["totals"]["previous"]}},
        HEADERS_QUARTER,
    )


def common_problems_table(figures: Mapping[str, Any]) -> Table:
    rows = [
        [
            item["item"] or item["code"],
            item["section"],
            item["department_count"],
            join_list(item["departments"]),
            item["times"],
        ]
        for item in figures.get("common_problems", [])
    ]
    return Table(
        key="common_problems",
        # Translators: 共性问题 (seed 002 4.9).
        title=_("Common problems"),
        headers=[
            _("Checklist item"),
            _("Section"),
            _("Departments"),
            _("Which departments"),
            _("Times failed"),
        ],
        kinds=[CellKind.TEXT, CellKind.TEXT, CellKind.NUMBER, CellKind.TEXT, CellKind.NUMBER],
        rows=rows,
        note=_(
            "Items that failed in two or more departments in the quarter; they are dealt with by the "
            "corrective action procedure."
        ),
    )


def capas_table(figures: Mapping[str, Any]) -> Table:
    statuses = _labels(CapaStatus)
    rows = [
        [
            capa["number"],
            _moment_of(capa["raised_at"]),
            capa["department"],
            str(_("(confidential)")) if capa.get("confidential") else capa["title"],
            statuses.get(capa["status"], capa["status"]),
        ]
        for capa in figures.get("capas", [])
    ]
    shown, total = len(rows), int(figures.get("capas_count", len(rows)))
    return Table(
        key="capas",
        title=_("Corrective actions raised from inspections"),
        headers=[_("No."), _("Raised at"), _("Department"), _("Title"), _("Status")],
        kinds=[CellKind.TEXT, CellKind.DATETIME, CellKind.TEXT, CellKind.TEXT, CellKind.TEXT],
        rows=rows,
        note=_("%(shown)s of %(total)s corrective actions are listed.") % {"shown": shown, "total": total}
        if total > shown
        else "",
    )


def summary_tables(figures: Mapping[str, Any], policy: Any) -> list[Table]:
    return [
        departments_table(figures),
        summary_totals_table(figures),
        common_problems_table(figures),
        capas_table(figures),
    ]


# --- the kinds -----------------------------------------------------------------------------------

DEPARTMENT_MONTH = register(
    ReportKind(
        code=MONTH_CODE,
        # Translators: 服务质量巡检月度报告 (seed 002 4.8).
        title=_("Service quality inspection monthly report"),
        description=_(
            "A responsible department's month of service quality inspections: the tables collected, "
            "scores, failed items against the previous month and the rectification orders; prepared "
            "by the department head, approved by the quality inspector."
        ),
        period=Period.MONTH,
        due_rule=monthly_report_rule,
        policy_key="inspections.monthly_report_due",
        opens=monthly_opens,
        preparer_roles=(Role.DEPARTMENT_HEAD,),
        approver_role=Role.QUALITY_INSPECTOR,
        compute=compute_month,
        tables=month_tables,
        scope=Scope.DEPARTMENT,
        departments=inspected_departments,
        filename="inspection-month",
    )
)

DEPARTMENT_QUARTER = register(
    ReportKind(
        code=QUARTER_CODE,
        # Translators: 服务质量巡检季度报告 of a responsible department (seed 002 4.8).
        title=_("Service quality inspection quarterly report"),
        description=_(
            "A responsible department's quarter of service quality inspections, month by month to show "
            "the improvement, against the previous quarter; prepared by the department head, approved "
            "by the quality inspector."
        ),
        period=Period.QUARTER,
        first_month=1,
        due_rule=quarterly_report_rule,
        policy_key="inspections.quarterly_report_due",
        opens=quarterly_opens,
        preparer_roles=(Role.DEPARTMENT_HEAD,),
        approver_role=Role.QUALITY_INSPECTOR,
        compute=compute_quarter,
        tables=quarter_tables,
        scope=Scope.DEPARTMENT,
        departments=inspected_departments,
        filename="inspection-quarter",
    )
)

QUALITY_QUARTER = register(
    ReportKind(
        code=SUMMARY_CODE,
        # Translators: 服务质量巡检季度汇总报告 of 行政人事部 (seed 002 4.9).
        title=_("Service quality inspection quarterly summary"),
        description=_(
            "Every responsible department's quarter of service quality inspections, whether their "
            "monthly and quarterly reports came in on time, the problems common to several departments "
            "and the corrective actions raised; prepared by the quality inspector, approved by the "
            "director."
        ),
        period=Period.QUARTER,
        first_month=1,
        due_rule=quality_summary_rule,
        policy_key="inspections.quality_quarter_summary_due",
        opens=summary_opens,
        preparer_roles=(Role.QUALITY_INSPECTOR,),
        approver_role=Role.DIRECTOR,
        compute=compute_summary,
        tables=summary_tables,
        filename="inspection-summary",
    )
)
