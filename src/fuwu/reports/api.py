"""``/api/v1/reports``: periodic reports (定期报告) — the list, one report with its tables, creating
a period's report by hand, and its actions.

Every endpoint on one report first looks it up through the caller's visibility: a report outside it
answers 404 whatever else is wrong with the request. Then 422 ``invalid`` (``fields`` names each
field), 409 ``conflict`` (not possible in the report's state: the body carries
``allowed_actions`` and ``status``), 403 ``permission_denied`` (the state allows it, the caller's
role does not — or they submitted it and would approve it themselves). Each action is
``POST /api/v1/reports/{id}/<action>`` and answers the report as ``GET`` shows it after the change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.exports.services import XLSX_TYPE
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import PathId, caller, found, ref, visible
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.inputs import Day, Id, InputSchema, Limit, Offset, QuerySchema
from fuwu.lib.paging import page_count, page_rows

from . import exports, registry, rules, selectors, services
from .models import PeriodicReport, Status
from .rules import Action

router = Router(tags=["reports"])

KindCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Commentary = Annotated[str, Field(max_length=services.COMMENTARY_LENGTH)]
Note = Annotated[str, Field(max_length=services.NOTE_LENGTH)]
Year = Annotated[int, Field(ge=2000, le=2100)]
StatusCode = Literal["draft", "submitted", "approved", "returned"]


def _report(user: Any, pk: int) -> PeriodicReport:
    return selectors.report_get(user, pk)


VisibleReportId = Annotated[PathId, AfterValidator(visible("report", _report))]


# --- schemas -------------------------------------------------------------------------------------


class PeriodicReportKindOut(Schema):
    code: str
    title: str
    description: str
    period: str
    policy_key: str
    preparer_roles: list[str]
    approver_role: str
    scope: str


class PeriodicReportRefOut(Schema):
    id: int
    name: str


class PeriodicReportTableOut(Schema):
    key: str
    title: str
    headers: list[str]
    kinds: list[list[str]]  # each row's cell kinds: text, number, percent, points, datetime
    rows: list[list[Any]]  # shares 0…1 for percent, their change for points, ISO 8601 for datetime
    note: str


class PeriodicReportSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    period_start: date
    period_end: date
    department: PeriodicReportRefOut | None
    due_at: datetime
    calendar_confirmed: bool
    status: str
    status_label: str
    is_late: bool
    submitted_at: datetime | None
    approved_at: datetime | None
    url: str


class PeriodicReportOut(PeriodicReportSummaryOut):
    commentary: str
    figures_at: datetime
    first_submitted_at: datetime | None
    submitted_by: PeriodicReportRefOut | None
    returned_by: PeriodicReportRefOut | None
    returned_at: datetime | None
    return_note: str
    approved_by: PeriodicReportRefOut | None
    approval_note: str
    tables: list[PeriodicReportTableOut]
    figures: dict[str, Any]
    allowed_actions: list[str]
    xlsx_url: str
    pdf_url: str


class PeriodicReportPage(Schema):
    items: list[PeriodicReportSummaryOut]
    count: int
    count_exact: bool


class PeriodicReportQuery(QuerySchema):
    kind: KindCode | None = None
    status: StatusCode | None = None
    late: bool | None = None
    department_id: Id | None = None
    year: Year | None = None
    limit: Limit = 50
    offset: Offset = 0


class PeriodicReportIn(InputSchema):
    kind: KindCode
    period_start: Day
    department_id: Id | None = None


class PeriodicReportCommentaryIn(InputSchema):
    commentary: Commentary


class PeriodicReportSubmitIn(InputSchema):
    commentary: Commentary | None = None


class PeriodicReportApproveIn(InputSchema):
    note: Note = ""


class PeriodicReportReturnIn(InputSchema):
    note: Note


# --- answers ---------------------------------------------------------------------------------


def _label(report: PeriodicReport) -> str:
    return services.kind_title(report)


def summary_out(report: PeriodicReport, now: datetime) -> dict[str, Any]:
    late = getattr(report, "is_late_now", None)
    return {
        "id": report.pk,
        "kind": report.kind,
        "kind_label": _label(report),
        "period_start": report.period_start,
        "period_end": report.period_end,
        "department": ref(report.department),
        "due_at": report.due_at,
        "calendar_confirmed": report.calendar_confirmed,
        "status": report.status,
        "status_label": report.get_status_display(),
        "is_late": late if isinstance(late, bool) else report.is_late(now),
        "submitted_at": report.submitted_at,
        "approved_at": report.approved_at,
        "url": reverse("api:report_get", args=[report.pk]),
    }


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


def table_out(table: registry.Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": str(table.title),
        "headers": [str(h) for h in table.headers],
        "kinds": [[str(k) for k in table.kinds_of(i)] for i in range(len(table.rows))],
        "rows": [[_cell(v) for v in row] for row in table.rows],
        "note": str(table.note),
    }


def report_out(report: PeriodicReport, user: Any, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    kind = registry.find(report.kind)
    return {
        **summary_out(report, now),
        "commentary": report.commentary,
        "figures_at": report.figures_at,
        "first_submitted_at": report.first_submitted_at,
        "submitted_by": ref(report.submitted_by),
        "returned_by": ref(report.returned_by),
        "returned_at": report.returned_at,
        "return_note": report.return_note,
        "approved_by": ref(report.approved_by),
        "approval_note": report.approval_note,
        "tables": [table_out(t) for t in exports.tables_of(report)],
        "figures": report.figures,
        "allowed_actions": [a.value for a in rules.allowed_actions(user, kind, report)] if kind else [],
        "xlsx_url": reverse("api:report_xlsx", args=[report.pk]),
        "pdf_url": reverse("api:report_pdf", args=[report.pk]),
    }


def _fresh(user: Any, report: PeriodicReport) -> dict[str, Any]:
    return report_out(selectors.report_get(user, report.pk), user)


# --- endpoints -------------------------------------------------------------------------------


@router.get("", response=PeriodicReportPage, summary="List periodic reports (the latest period first)")
def list_reports(request: HttpRequest, filters: Query[PeriodicReportQuery]) -> dict[str, Any]:
    user = caller(request)
    now = timezone.now()
    reports = selectors.report_list(
        user,
        selectors.ReportFilters(
            kind=filters.kind,
            status=filters.status,
            late=filters.late,
            department_id=filters.department_id,
            year=filters.year,
        ),
        now=now,
    )
    count, exact = page_count(reports, offset=filters.offset, limit=filters.limit)
    rows = page_rows(reports, filters.offset, filters.offset + filters.limit)
    return {"items": [summary_out(r, now) for r in rows], "count": count, "count_exact": exact}


@router.get("/kinds", response=list[PeriodicReportKindOut], summary="The kinds of periodic report offered")
def list_kinds(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": kind.code,
            "title": str(kind.title),
            "description": str(kind.description),
            "period": kind.period.value,
            "policy_key": kind.policy_key,
            "preparer_roles": list(kind.preparer_roles),
            "approver_role": kind.approver_role,
            "scope": kind.scope.value,
        }
        for kind in registry.kinds()
    ]


@router.post("", response={201: PeriodicReportOut}, summary="Create a period's report by hand (once)")
def create_report(request: HttpRequest, payload: PeriodicReportIn) -> HttpStatus[dict[str, Any]]:
    """By a person of a preparer role of the kind: the report of the period beginning on
    ``period_start`` (409 when it exists, 422 ``period_start`` when no period begins that day)."""
    user = caller(request)
    kind = registry.find(payload.kind)
    if kind is None:
        raise ValidationFailed.field("kind", _("is not a kind of report offered here"))
    department = None
    if payload.department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=payload.department_id).first()
        if department is None:
            raise ValidationFailed.field("department_id", _("is not a department you can choose"))
    assert user.organisation is not None  # the API admits members of an organisation only
    report = services.report_create(
        organisation=user.organisation,
        kind=kind,
        period_start=payload.period_start,
        department=department,
        by=user,
    )
    return HttpStatus(201, _fresh(user, report))


@router.get(
    "/{report_id}", response=PeriodicReportOut, url_name="report_get", summary="One report with its tables"
)
def get_report(request: HttpRequest, report_id: VisibleReportId) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    return report_out(report, user)


@router.patch("/{report_id}", response=PeriodicReportOut, summary="Save the commentary (draft or returned)")
def edit_report(
    request: HttpRequest, report_id: VisibleReportId, payload: PeriodicReportCommentaryIn
) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    services.report_save_commentary(report=report, by=user, commentary=payload.commentary)
    return _fresh(user, report)


@router.post(
    f"/{{report_id}}/{Action.REFRESH.value}", response=PeriodicReportOut, summary="Compute the figures again"
)
def refresh_report(request: HttpRequest, report_id: VisibleReportId) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    services.report_refresh(report=report, by=user)
    return _fresh(user, report)


@router.post(
    f"/{{report_id}}/{Action.SUBMIT.value}", response=PeriodicReportOut, summary="Submit for approval"
)
def submit_report(
    request: HttpRequest, report_id: VisibleReportId, payload: PeriodicReportSubmitIn
) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    services.report_submit(report=report, by=user, commentary=payload.commentary)
    return _fresh(user, report)


@router.post(
    f"/{{report_id}}/{Action.APPROVE.value}", response=PeriodicReportOut, summary="Approve a submitted report"
)
def approve_report(
    request: HttpRequest, report_id: VisibleReportId, payload: PeriodicReportApproveIn
) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    services.report_approve(report=report, by=user, note=payload.note)
    return _fresh(user, report)


@router.post(
    f"/{{report_id}}/{Action.RETURN.value}",
    response=PeriodicReportOut,
    summary="Return a submitted report (why: note)",
)
def return_report(
    request: HttpRequest, report_id: VisibleReportId, payload: PeriodicReportReturnIn
) -> dict[str, Any]:
    user, report = found(request, "report", report_id, _report)
    services.report_return(report=report, by=user, note=payload.note)
    return _fresh(user, report)


@router.get(
    "/{report_id}/report.xlsx",
    response={200: None},
    url_name="report_xlsx",
    summary="The report as an Excel workbook",
    openapi_extra={
        "responses": {200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
    },
)
def report_xlsx(request: HttpRequest, report_id: VisibleReportId) -> HttpResponse:
    user, report = found(request, "report", report_id, _report)
    return file_response(exports.report_xlsx(report, user), exports.filename(report, "xlsx"), XLSX_TYPE)


@router.get(
    "/{report_id}/report.pdf",
    response={200: None},
    url_name="report_pdf",
    summary="The report as a PDF",
    openapi_extra={
        "responses": {
            200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def report_pdf(request: HttpRequest, report_id: VisibleReportId) -> HttpResponse:
    user, report = found(request, "report", report_id, _report)
    return file_response(exports.report_pdf(report, user), exports.filename(report, "pdf"), "application/pdf")


__all__ = ["Status", "router"]
