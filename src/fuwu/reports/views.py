"""Periodic report pages: the list (due, late flagged, status), creating a period's report by hand,
one report with its tables, commentary and the actions the viewer may take, and its downloads.
Every page reads through the visibility rule: a report outside it is 404."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.exports.services import XLSX_TYPE
from fuwu.exports.views import file_response
from fuwu.lib.errors import BusinessError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.paging import page_rows
from fuwu.org.models import User

from . import exports, registry, rules, selectors, services
from .forms import CommentaryForm, CreateForm, ListFilterForm, NoteForm, ReturnForm
from .models import PeriodicReport, Status
from .rules import ACTION_LABELS, Action

PAGE = 30
STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.SUBMITTED: "primary",
    Status.APPROVED: "success",
    Status.RETURNED: "warning",
}


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


def _page(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 10_000 else 1


def list_filters(form: ListFilterForm) -> selectors.ReportFilters:
    if not form.is_valid():
        return selectors.ReportFilters()
    data = form.cleaned_data
    late = {"yes": True, "no": False}.get(data.get("late") or "")
    return selectors.ReportFilters(
        kind=data.get("kind") or None, status=data.get("status") or None, late=late, year=data.get("year")
    )


def _preparable(user: User) -> list[registry.ReportKind]:
    return [
        kind
        for kind in registry.kinds()
        if rules.may_prepare(user, kind) and kind.scope == registry.Scope.ORGANISATION
    ]


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    form = ListFilterForm(request.GET or None)
    reports = selectors.report_list(user, list_filters(form), now=now)
    page = _page(request)
    rows = page_rows(reports, (page - 1) * PAGE, page * PAGE + 1)
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    kinds = _preparable(user)
    return render(
        request,
        "reports/list.html",
        {
            "form": form,
            "rows": [
                {
                    "report": r,
                    "title": services.kind_title(r),
                    "colour": STATUS_COLOURS.get(Status(r.status), "secondary"),
                }
                for r in rows[:PAGE]
            ],
            "has_next": len(rows) > PAGE,
            "page": page,
            "query": query,
            "create_form": CreateForm(kinds=kinds, today=timezone.localdate(now)) if kinds else None,
        },
    )


@login_required
def report_create_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = staff(request)
    kinds = _preparable(user)
    form = CreateForm(request.POST, kinds=kinds, today=timezone.localdate())
    if not form.is_valid():
        messages.error(request, _("Choose a kind of report and a period."))
        return redirect("reports:list")
    from datetime import date

    assert user.organisation is not None  # a member of staff (``staff``)
    try:
        report = services.report_create(
            organisation=user.organisation,
            kind=registry.get(form.cleaned_data["kind"]),
            period_start=date.fromisoformat(form.cleaned_data["period_start"]),
            by=user,
        )
    except BusinessError as error:
        messages.error(request, str(error.message))
        return redirect("reports:list")
    messages.success(request, _("The report was created."))
    return redirect("reports:detail", pk=report.pk)


def _forms(action: Action, data: Any = None, report: PeriodicReport | None = None) -> Any:
    if action in (Action.EDIT, Action.SUBMIT):
        initial = {"commentary": report.commentary} if report is not None else None
        return CommentaryForm(data, initial=initial, prefix=action.value)
    if action == Action.APPROVE:
        return NoteForm(data, prefix=action.value)
    if action == Action.RETURN:
        return ReturnForm(data, prefix=action.value)
    return None


def _context(
    request: HttpRequest, report: PeriodicReport, bound: dict[Action, Any] | None = None
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    kind = registry.find(report.kind)
    allowed = rules.allowed_actions(user, kind, report) if kind else []
    bound = bound or {}
    tables = [{"table": t, "rows": exports.shown_rows(t)} for t in exports.tables_of(report)]
    commentary_form = bound.get(Action.EDIT) or (
        _forms(Action.EDIT, report=report) if Action.EDIT in allowed else None
    )
    decisions = [
        {
            "action": a.value,
            "label": ACTION_LABELS[a],
            "form": bound.get(a) or _forms(a, report=report),
            "style": {"approve": "success", "return": "warning", "refresh": "outline-secondary"}.get(
                a.value, "primary"
            ),
            "url": reverse("reports:action", args=[report.pk, a.value]),
            "open": a in bound,
        }
        for a in allowed
        if a in (Action.APPROVE, Action.RETURN, Action.REFRESH)
    ]
    return {
        "report": report,
        "kind": kind,
        "title": services.title_of(report),
        "status_colour": STATUS_COLOURS.get(Status(report.status), "secondary"),
        "is_late": report.is_late(now),
        "tables": tables,
        "commentary_form": commentary_form,
        "may_submit": Action.SUBMIT in allowed,
        "decisions": decisions,
        "events": list(selectors.timeline_of(report)),
        "now": now,
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(staff(request), pk)
    return render(request, "reports/detail.html", _context(request, report))


@login_required
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = staff(request)
    report = selectors.report_get(user, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    # "Save" and "submit" share the commentary form (its submit button names the action).
    form_action = Action.EDIT if verb in (Action.EDIT, Action.SUBMIT) else verb
    form = _forms(form_action, request.POST, report)
    if form is not None and not form.is_valid():
        return render(
            request, "reports/detail.html", _context(request, report, {form_action: form}), status=422
        )
    data = form.cleaned_data if form is not None else {}
    try:
        match verb:
            case Action.EDIT:
                services.report_save_commentary(report=report, by=user, commentary=data["commentary"])
                message = _("Commentary saved.")
            case Action.SUBMIT:
                services.report_submit(report=report, by=user, commentary=data["commentary"])
                message = _("Submitted for approval.")
            case Action.REFRESH:
                services.report_refresh(report=report, by=user)
                message = _("The figures were computed again.")
            case Action.APPROVE:
                services.report_approve(report=report, by=user, note=data.get("note", ""))
                message = _("Approved.")
            case Action.RETURN:
                services.report_return(report=report, by=user, note=data.get("note", ""))
                message = _("Returned for correction.")
    except ValidationFailed as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect("reports:detail", pk=pk)
        add_service_errors(form, error)
        return render(
            request, "reports/detail.html", _context(request, report, {form_action: form}), status=422
        )
    except BusinessError as error:
        messages.error(request, str(error.message))
        return render(
            request,
            "reports/detail.html",
            _context(request, selectors.report_get(user, pk)),
            status=error.status,
        )
    messages.success(request, message)
    return redirect(reverse("reports:detail", args=[pk]))


@login_required
def report_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    report = selectors.report_get(user, pk)
    return file_response(exports.report_xlsx(report, user), exports.filename(report, "xlsx"), XLSX_TYPE)


@login_required
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    report = selectors.report_get(user, pk)
    return file_response(exports.report_pdf(report, user), exports.filename(report, "pdf"), "application/pdf")
