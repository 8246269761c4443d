"""The return visits' two quarterly reports on the periodic-reports engine (ADR 0012, 0013; seed
001 §3, §4.6):

- the needs summary (顾客需求汇总): the customer-service agents (客服专员/指挥中心) summarise the
  needs and suggestions customers gave in the quarter's visits and hand them to the customer-service
  head (客服主管) by ``visits.needs_summary_due`` (the 5th of the quarter's 3rd month);
- the analysis report 《居家服务情况统计分析报告》: the customer-service head (a department head)
  fills it in by ``visits.analysis_report_due`` (the 9th); the director (the 部门经理 above the
  客服主管) approves it and the quality role is told (filed with 品质部).

**Which months**: a report due in the quarter's 3rd month covers the three whole months before
that month (due 5/9 March: December–February; June: March–May; September: June–August; December:
September–November). On the 5th of the 3rd month that month has hardly begun: reporting the
calendar quarter would report it incomplete, and leaving it out would leave a month of every
quarter unreported. The shifted quarters follow each other without a gap or an overlap, so every
visit of the year is reported exactly once.

**The figures** (``compute``: seven queries whatever the number of visits; ``visit_figures`` is
the pure part that turns aggregate rows into the snapshot): for the period and the one before it,
visits planned (created in the period), answered (the answer that counts — ``counts`` — given in
the period), not reached and cancelled (ended in the period), satisfied, solved, charged, flagged
charges and answers taken on site; in total, by level, by handling department, by technician (the
people a work order's visit rates) and by service type; and the needs: every non-empty answer to a
"suggestions" question given in the period (superseded answers too: a need does not expire because
the customer was called again), with the visit it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fuwu.clocks.deadlines import DueRule, RuleName
from fuwu.org.models import Role
from fuwu.policy.selectors import active_policy
from fuwu.reports import periods
from fuwu.reports.registry import CellKind, Period, PeriodScope, ReportKind, Table, register

from .models import PLANNED_REASONS, Method, Status, Visit

FIRST_MONTH = 12  # December–February, March–May, June–August, September–November
NEEDS_SHOWN = 1000  # needs listed in one report (the count says how many there were)
NEED_LENGTH = 2000
COUNTS = (
    "planned",
    "answered",
    "unreachable",
    "cancelled",
    "satisfied",
    "solved_asked",
    "solved",
    "charged",
    "charge_flagged",
    "on_site",
)


# --- the due-day rules ---------------------------------------------------------------------------


def _rule(due: Any) -> DueRule:
    return DueRule(RuleName.QUARTER_MONTH_DAY, quarter="current", month=due.month_of_quarter, day=due.day)


def needs_summary_rule(policy: Any) -> DueRule:
    return _rule(policy.visits.needs_summary_due)


def analysis_report_rule(policy: Any) -> DueRule:
    return _rule(policy.visits.analysis_report_due)


# --- the figures -----------------------------------------------------------------------------


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _counts(prefix: str, start: datetime, end: datetime) -> dict[str, Count]:
    """The aggregates of one period [start, end): conditional counts over the visits' rows."""
    answered = Q(status=Status.DONE, counts=True, answered_at__gte=start, answered_at__lt=end)
    ended = Q(ended_at__gte=start, ended_at__lt=end)
    conditions = {
        "planned": Q(created_at__gte=start, created_at__lt=end),
        "answered": answered,
        "unreachable": Q(status=Status.UNREACHABLE) & ended,
        "cancelled": Q(status=Status.CANCELLED) & ended,
        "satisfied": answered & Q(satisfied=True),
        "solved_asked": answered & Q(solved__isnull=False),
        "solved": answered & Q(solved=True),
        "charged": answered & Q(charged=True),
        "charge_flagged": answered & Q(charge_flagged=True),
        "on_site": answered & Q(method=Method.ON_SITE),
    }
    return {f"{prefix}{name}": Count("pk", filter=condition) for name, condition in conditions.items()}


def _split(row: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    return {
        period: {name: int(row.get(f"{period[0]}_{name}") or 0) for name in COUNTS}
        for period in ("current", "previous")
    }


def visit_figures(
    *,
    totals: Mapping[str, Any],
    groups: Mapping[str, Iterable[Mapping[str, Any]]],
    needs: Iterable[Mapping[str, Any]],
    suggestion_codes: Iterable[str],
    start: date,
    end: date,
    previous: tuple[date, date],
) -> dict[str, Any]:
    """The snapshot from the aggregate rows (pure: no query). ``groups`` maps a breakdown to its
    rows, each with ``key``, ``name`` and the ``c_``/``p_`` counts; ``needs`` are answered visits
    with their answers."""
    figures: dict[str, Any] = {
        "version": 1,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous": {"start": previous[0].isoformat(), "end": previous[1].isoformat()},
        "totals": _split(totals),
    }
    for name, rows in groups.items():
        items = []
        for row in rows:
            split = _split(row)
            if not any(split["current"].values()) and not any(split["previous"].values()):
                continue
            items.append({"key": row["key"], "name": row["name"], **split})
        items.sort(
            key=lambda item: (-item["current"]["answered"], -item["current"]["planned"], str(item["name"]))
        )
        figures[name] = items
    codes = list(suggestion_codes)
    collected = []
    for visit in needs:
        answers = visit.get("answers") or {}
        for code in codes:
            text = answers.get(code)
            if isinstance(text, str) and text.strip():
                collected.append(
                    {
                        "visit": visit["pk"],
                        "subject": visit.get("work_order__number") or visit.get("complaint__number") or "",
                        "answered_at": visit["answered_at"].isoformat() if visit.get("answered_at") else None,
                        "department": visit.get("department__name") or "",
                        "question": code,
                        "text": text.strip()[:NEED_LENGTH],
                    }
                )
    collected.sort(key=lambda need: (need["answered_at"] or "", need["visit"]))
    figures["needs_count"] = len(collected)
    figures["needs"] = collected[:NEEDS_SHOWN]
    return figures


def _visits(scope: PeriodScope) -> Any:
    visits = Visit.objects.filter(organisation=scope.organisation)
    if scope.department is not None:
        visits = visits.filter(department__path__startswith=scope.department.path)
    return visits


def suggestion_codes(policy: Any) -> list[str]:
    """The questions whose answers are needs: the service visits' and the planned visits'."""
    questions = [*policy.visits.questionnaire, *policy.visits.planned.questionnaire]
    return sorted({q.code for q in questions if q.measures == "suggestions"})


def compute(scope: PeriodScope, *, breakdowns: bool = True) -> dict[str, Any]:
    """The figures of ``scope``'s period and the one before it: one aggregate query for the totals,
    one per breakdown, one for the needs."""
    previous = periods.previous_period(scope.start, Period.QUARTER, FIRST_MONTH)
    begin, middle, finish = _moment(previous[0]), _moment(scope.start), _moment(scope.end + timedelta(days=1))
    touched = (
        Q(created_at__gte=begin, created_at__lt=finish)
        | Q(answered_at__gte=begin, answered_at__lt=finish)
        | Q(ended_at__gte=begin, ended_at__lt=finish)
    )
    # Satisfaction is of the service: the planned visits (first visits, greetings, campaigns) rate
    # nothing and stay out of the figures; the needs they collect are listed below.
    visits = _visits(scope).filter(touched).exclude(reason__in=PLANNED_REASONS).order_by()
    aggregates = {**_counts("c_", middle, finish), **_counts("p_", begin, middle)}
    totals = visits.aggregate(**aggregates)
    groups: dict[str, list[dict[str, Any]]] = {}
    if breakdowns:
        for name, key, label, extra in (
            ("by_level", "level", "level", Q()),
            ("by_department", "department_id", "department__name", Q()),
            ("by_technician", "rated_people__id", "rated_people__full_name", Q(work_order__isnull=False)),
            ("by_service_type", "work_order__service_type_id", "work_order__service_type__name", Q()),
        ):
            grouped = visits.filter(extra)
            names = [key, label]
            if name == "by_technician":
                grouped = grouped.filter(rated_people__isnull=False)
                names.append("rated_people__username")
            rows = grouped.values(*names).annotate(**aggregates).order_by()
            groups[name] = [
                {**row, "key": row[key], "name": row[label] or row.get("rated_people__username") or ""}
                for row in rows
            ]
    policy = active_policy(scope.organisation)
    codes = suggestion_codes(policy)
    needs_query = Q(pk__in=[])
    for code in codes:
        needs_query |= Q(answers__has_key=code)
    needs = (
        _visits(scope)
        .filter(needs_query, answered_at__gte=middle, answered_at__lt=finish)
        .values("pk", "answers", "answered_at", "work_order__number", "complaint__number", "department__name")
        .order_by("answered_at", "pk")
    )
    return visit_figures(
        totals=totals,
        groups=groups,
        needs=needs,
        suggestion_codes=codes,
        start=scope.start,
        end=scope.end,
        previous=previous,
    )


def compute_analysis(scope: PeriodScope) -> dict[str, Any]:
    return compute(scope)


def compute_needs(scope: PeriodScope) -> dict[str, Any]:
    return compute(scope, breakdowns=False)


# --- the tables as people read them -------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def change(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


def _satisfaction(counts: Mapping[str, int]) -> float | None:
    return rate(counts.get("satisfied", 0), counts.get("answered", 0))


def _solved(counts: Mapping[str, int]) -> float | None:
    return rate(counts.get("solved", 0), counts.get("solved_asked", 0))


def _question_labels(policy: Any) -> dict[str, str]:
    english = (get_language() or "").startswith("en")
    return {
        q.code: str(q.text_en) if english and q.text_en else str(q.text) for q in policy.visits.questionnaire
    }


def totals_table(figures: Mapping[str, Any]) -> Table:
    current = figures["totals"]["current"]
    previous = figures["totals"]["previous"]
    lines: list[tuple[Any, str]] = [
        (_("Visits planned"), "planned"),
        (_("Answered (the answer that counts)"), "answered"),
        (_("Not reached"), "unreachable"),
        (_("Cancelled"), "cancelled"),
        (_("Satisfied"), "satisfied"),
        (_("Solved"), "solved"),
        (_("Said they were charged"), "charged"),
        (_("Charges flagged (free or warranty service)"), "charge_flagged"),
        (_("Answered on site"), "on_site"),
    ]
    rows: list[list[Any]] = [
        [label, current[key], previous[key], current[key] - previous[key]] for label, key in lines
    ]
    shares = [
        (_("Satisfaction rate"), _satisfaction(current), _satisfaction(previous)),
        (_("Solved rate"), _solved(current), _solved(previous)),
    ]
    rows += [[label, now, before, change(now, before)] for label, now, before in shares]
    counted = [CellKind.TEXT, CellKind.NUMBER, CellKind.NUMBER, CellKind.NUMBER]
    shared = [CellKind.TEXT, CellKind.PERCENT, CellKind.PERCENT, CellKind.POINTS]
    return Table(
        key="totals",
        title=_("Visits in the period"),
        headers=[_("Figure"), _("This period"), _("Previous period"), _("Change")],
        kinds=counted,
        rows=rows,
        row_kinds=[*([counted] * len(lines)), *([shared] * len(shares))],
        note=_(
            "Rates: satisfied (or solved) answers over the answers that count; only the latest answer "
            "of a work order or complaint counts."
        ),
    )


def breakdown_table(
    key: str, title: Any, name_header: Any, items: Iterable[Mapping[str, Any]], names: Any = None
) -> Table:
    rows = []
    for item in items:
        current, previous = item["current"], item["previous"]
        satisfaction = _satisfaction(current)
        name = names(item) if names is not None else item["name"]
        rows.append(
            [
                name or _("(none)"),
                current["planned"],
                current["answered"],
                current["unreachable"],
                satisfaction,
                change(satisfaction, _satisfaction(previous)),
                _solved(current),
                current["charge_flagged"],
                current["on_site"],
            ]
        )
    return Table(
        key=key,
        title=title,
        headers=[
            name_header,
            _("Planned"),
            _("Answered"),
            _("Not reached"),
            _("Satisfaction"),
            _("vs previous period"),
            _("Solved rate"),
            _("Charges flagged"),
            _("On site"),
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
        ],
        rows=rows,
    )


def needs_table(figures: Mapping[str, Any], policy: Any) -> Table:
    labels = _question_labels(policy)
    rows = [
        [
            datetime.fromisoformat(need["answered_at"]) if need.get("answered_at") else None,
            need["subject"],
            need["department"],
            labels.get(need["question"], need["question"]),
            need["text"],
        ]
        for need in figures.get("needs", [])
    ]
    shown, total = len(rows), int(figures.get("needs_count", len(rows)))
    note = (
        _("%(shown)s of %(total)s needs are listed.") % {"shown": shown, "total": total}
        if total > shown
        else ""
    )
    return Table(
        key="needs",
        title=_("Customer needs and suggestions collected"),
        headers=[
            _("Answered at"),
            _("Work order or complaint"),
            _("Department"),
            _("Question"),
            _("What the customer said"),
        ],
        kinds=[CellKind.DATETIME, CellKind.TEXT, CellKind.TEXT, CellKind.TEXT, CellKind.TEXT],
        rows=rows,
        note=note,
    )


def _level_name(item: Mapping[str, Any]) -> str:
    return str(_("Level %(level)s") % {"level": item["key"]})


def _service_type_name(item: Mapping[str, Any]) -> str:
    return str(item["name"] or _("Complaints (no service type)"))


def analysis_tables(figures: Mapping[str, Any], policy: Any) -> list[Table]:
    return [
        totals_table(figures),
        breakdown_table("by_level", _("By level"), _("Level"), figures.get("by_level", []), _level_name),
        breakdown_table(
            "by_department", _("By department"), _("Department"), figures.get("by_department", [])
        ),
        breakdown_table(
            "by_technician",
            _("By technician (the people rated)"),
            _("Technician"),
            figures.get("by_technician", []),
        ),
        breakdown_table(
            "by_service_type",
            _("By service type"),
            _("Service type"),
            figures.get("by_service_type", []),
            _service_type_name,
        ),
        needs_table(figures, policy),
    ]


def needs_tables(figures: Mapping[str, Any], policy: Any) -> list[Table]:
    current, previous = figures["totals"]["current"], figures["totals"]["previous"]
    summary = Table(
        key="totals",
        title=_("Visits in the period"),
        headers=[_("Figure"), _("This period"), _("Previous period"), _("Change")],
        kinds=[CellKind.TEXT, CellKind.NUMBER, CellKind.NUMBER, CellKind.NUMBER],
        rows=[
            [
                _("Answered (the answer that counts)"),
                current["answered"],
                previous["answered"],
                current["answered"] - previous["answered"],
            ],
            [_("Needs and suggestions collected"), figures.get("needs_count", 0), None, None],
        ],
    )
    return [summary, needs_table(figures, policy)]


NEEDS_SUMMARY = register(
    ReportKind(
        code="visits_needs",
        # Translators: 顾客需求汇总 (seed 001 4.6), handed to the customer-service head each quarter.
        title=_("Customer needs summary"),
        description=_(
            "The needs and suggestions customers gave in the quarter's return visits, summarised by "
            "the customer-service agents for the customer-service head."
        ),
        period=Period.QUARTER,
        first_month=FIRST_MONTH,
        due_rule=needs_summary_rule,
        policy_key="visits.needs_summary_due",
        preparer_roles=(Role.AGENT,),
        approver_role=Role.DEPARTMENT_HEAD,
        compute=compute_needs,
        tables=needs_tables,
        filename="visit-needs",
    )
)

ANALYSIS_REPORT = register(
    ReportKind(
        code="visits_analysis",
        # Translators: 居家服务情况统计分析报告 (seed 001 §3, 4.6).
        title=_("Home service statistics and analysis report"),
        description=_(
            "The quarter's return visits in figures — satisfaction, solved, charges, on-site visits by "
            "level, department, technician and service type, against the previous period — and the "
            "customers' needs; filled in by the customer-service head, approved by the director and "
            "filed with the quality department."
        ),
        period=Period.QUARTER,
        first_month=FIRST_MONTH,
        due_rule=analysis_report_rule,
        policy_key="visits.analysis_report_due",
        preparer_roles=(Role.DEPARTMENT_HEAD,),
        approver_role=Role.DIRECTOR,
        compute=compute_analysis,
        tables=analysis_tables,
        filename="visit-analysis",
    )
)
