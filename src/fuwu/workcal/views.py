"""The calendar page: a year's holidays and make-up days, admin changes, and a deadline preview."""

from __future__ import annotations

import calendar as std_calendar
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from fuwu import visibility
from fuwu.lib.errors import BusinessError, PermissionDeniedError
from fuwu.lib.worktime import Deadline, WorkCalendar

from . import selectors, services
from .forms import DayOverrideForm, DeadlinePreviewForm, NoticeImportForm, YearConfirmForm
from .models import CalendarDay, CalendarYear, DayKind, Source

PREVIEW_FIELDS = ("start", "amount", "unit")


@dataclass(frozen=True)
class Cell:
    day: date
    in_month: bool
    css: str
    title: str
    is_today: bool


@dataclass(frozen=True)
class HolidayRun:
    first: date
    last: date
    kind: str
    name: str
    days: int


def _year_from(value: Any, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if services.MIN_YEAR <= year <= services.MAX_YEAR else default


def _months(year: int, work_calendar: WorkCalendar, today: date) -> list[dict[str, Any]]:
    weeks_of = std_calendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(year, month):
            row = []
            for day in week:
                status = work_calendar.day_status(day)
                if status.kind == DayKind.HOLIDAY:
                    css, title = "day-holiday", status.name or _("Holiday")
                elif status.kind == DayKind.WORKDAY and day.weekday() >= 5:
                    css, title = "day-makeup", _("Make-up working day %(name)s") % {"name": status.name}
                elif not status.is_working:
                    css, title = "day-weekend", _("Weekend")
                else:
                    css, title = "day-working", _("Working day")
                row.append(Cell(day, day.month == month, css, title.strip(), day == today))
            weeks.append(row)
        months.append({"first": date(year, month, 1), "weeks": weeks})
    return months


def _runs(rows: list[CalendarDay]) -> list[HolidayRun]:
    """Consecutive days of the same kind and name shown as one line (春节 2026-02-15 – 02-23)."""
    runs: list[HolidayRun] = []
    for row in rows:
        previous = runs[-1] if runs else None
        if (
            previous
            and row.kind == DayKind.HOLIDAY
            and previous.kind == row.kind
            and previous.name == row.name
            and (row.date - previous.last).days == 1
        ):
            runs[-1] = HolidayRun(previous.first, row.date, row.kind, row.name, previous.days + 1)
        else:
            runs.append(HolidayRun(row.date, row.date, row.kind, row.name, 1))
    return runs


def _preview(request: HttpRequest, form: DeadlinePreviewForm) -> Deadline | None:
    if not form.is_bound or not form.is_valid():
        return None
    work_calendar = selectors.work_calendar_for(getattr(request.user, "organisation", None))
    data = form.cleaned_data
    try:
        return work_calendar.deadline(data["start"], data["amount"], data["unit"])
    except ValueError:
        form.add_error("amount", _("is too large to compute a deadline"))
        return None


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year_from(request.GET.get("year"), today.year)
    preview_form = DeadlinePreviewForm(
        request.GET if any(f in request.GET for f in PREVIEW_FIELDS) else None,
        initial={"unit": "working_days", "amount": 3},
    )
    due = _preview(request, preview_form)
    context: dict[str, Any] = {"preview_form": preview_form, "due": due, "year": year}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "workcal/_deadline_result.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response

    rows = list(selectors.calendar_days(year=year).select_related("updated_by"))
    year_row = CalendarYear.objects.filter(year=year).first()
    is_confirmed = bool(year_row and year_row.is_confirmed)
    work_calendar = WorkCalendar(
        overrides={row.date: (row.kind, row.name) for row in rows},
        confirmed_years=frozenset({year} if is_confirmed else set()),
        always_open=True,  # only days are shown here, hours do not matter
    )
    can_manage = visibility.can_manage_organisation(request.user)
    context.update(
        {
            "years": [year - 1, year, year + 1],
            "previous_year": year - 1,
            "next_year": year + 1,
            "year_row": year_row,
            "is_confirmed": is_confirmed,
            "months": _months(year, work_calendar, today),
            "weekday_headers": [date(2024, 1, day) for day in range(1, 8)],  # 2024-01-01 is a Monday
            "holidays": [run for run in _runs(rows) if run.kind == DayKind.HOLIDAY],
            "makeup_days": [row for row in rows if row.kind == DayKind.WORKDAY],
            "admin_rows": [row for row in rows if row.source == Source.ADMIN],
            "can_manage": can_manage,
            "working_day_count": sum(
                1
                for month in range(1, 13)
                for day in range(1, std_calendar.monthrange(year, month)[1] + 1)
                if work_calendar.day_status(date(year, month, day)).is_working
            ),
        }
    )
    if can_manage:
        context.update(
            {
                "override_form": DayOverrideForm(initial={"kind": DayKind.HOLIDAY}),
                "import_form": NoticeImportForm(),
                "confirm_form": YearConfirmForm(),
            }
        )
    response = render(request, "workcal/calendar.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _back(request: HttpRequest, year: int) -> HttpResponse:
    """Back to the calendar page of ``year``, keeping the deadline preview the user had entered."""
    params: dict[str, Any] = {"year": _year_from(request.POST.get("year"), year)}
    preview = {name: request.POST[name] for name in PREVIEW_FIELDS if request.POST.get(name)}
    next_url = request.POST.get("next", "")
    if preview:
        url = f"{reverse('workcal:calendar')}?{urlencode(params | preview)}"
    elif next_url.startswith(reverse("workcal:calendar")) and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = next_url
    else:
        url = f"{reverse('workcal:calendar')}?{urlencode(params)}"
    if getattr(request, "htmx", None):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _report(request: HttpRequest, error: BusinessError) -> None:
    if isinstance(error, PermissionDeniedError):
        raise PermissionDenied(str(error.message)) from error
    details = [
        f"{name}: {message}" if name not in ("__all__", "file") else message
        for name, field_messages in error.fields.items()
        for message in field_messages
    ]
    messages.error(request, " ".join([str(error.message), *[d for d in details if d != str(error.message)]]))


def _require_administrator(request: HttpRequest) -> None:
    if not visibility.can_manage_organisation(request.user):
        raise PermissionDenied(_("Only an administrator can change the working-day calendar."))


def _form_errors(request: HttpRequest, form: Any) -> None:
    messages.error(
        request,
        " ".join(
            f"{form.fields[name].label if name in form.fields else ''}: {message}".lstrip(": ")
            for name, errors in form.errors.items()
            for message in errors
        ),
    )


@login_required
@require_POST
def day_set(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = DayOverrideForm(request.POST)
    year = timezone.localdate().year
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, year)
    data = form.cleaned_data
    try:
        row = services.calendar_day_set(
            day=data["date"], kind=data["kind"], name=data["name"], by=request.user, reason=data["reason"]
        )
    except BusinessError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("%(date)s is now a %(kind)s.")
            % {"date": row.date.isoformat(), "kind": row.get_kind_display().lower()},
        )
        year = row.date.year
    return _back(request, year)


@login_required
@require_POST
def day_remove(request: HttpRequest, day: str) -> HttpResponse:
    _require_administrator(request)
    year = timezone.localdate().year
    try:
        when = date.fromisoformat(day)
    except ValueError:
        messages.error(request, _("%(value)s is not a date (YYYY-MM-DD).") % {"value": day})
        return _back(request, year)
    try:
        services.calendar_day_reset(day=when, by=request.user)
    except BusinessError as error:
        _report(request, error)
    else:
        messages.success(request, _("The entry for %(date)s was removed.") % {"date": when.isoformat()})
    return _back(request, when.year)


@login_required
@require_POST
def year_confirm(request: HttpRequest, year: int) -> HttpResponse:
    _require_administrator(request)
    form = YearConfirmForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, year)
    try:
        services.calendar_year_confirm(year=year, by=request.user, note=form.cleaned_data["note"])
    except BusinessError as error:
        _report(request, error)
    else:
        messages.success(request, _("The calendar of %(year)s is confirmed.") % {"year": year})
    return _back(request, year)


@login_required
@require_POST
def notice_import(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = NoticeImportForm(request.POST, request.FILES)
    year = timezone.localdate().year
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, year)
    try:
        result = services.calendar_import_notice(
            content=form.cleaned_data["file"].read(),
            by=request.user,
            confirm_years=form.cleaned_data["confirm_years"],
        )
    except BusinessError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("%(days)s days imported for %(years)s.")
            % {"days": result.days, "years": ", ".join(str(y) for y in result.years)},
        )
        year = result.years[0]
    return _back(request, year)
