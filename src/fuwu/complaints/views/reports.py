"""The exports' pages of complaints: the register (客户投诉登记追踪表) as Excel with the list's tab and
filters, and the cost report by allocated department and month — a page whose every figure opens
the cost lines behind it, and the same report as Excel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.exports.views import export_xlsx
from fuwu.lib.forms import StyledForm

from .. import exports
from ..models import CostKind, CostStatus
from .common import staff

LINES_PAGE_SIZE = 50


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    """The register of what the list shows (the list's query string): downloaded at once, or a
    background job on "My exports" beyond the engine's threshold."""
    staff(request)
    return export_xlsx(request, exports.COMPLAINT_REGISTER.kind)


class CostReportForm(StyledForm):
    month_from = forms.CharField(
        label=_("From month"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    month_to = forms.CharField(
        label=_("Until month"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    department_id = forms.TypedChoiceField(
        label=_("Department"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All")), *visibility.departments_for_user(user).values_list("pk", "name")]

    def _month(self, name: str) -> Any:
        value = self.cleaned_data.get(name) or ""
        if value and exports.parse_month(value) is None:
            raise forms.ValidationError(_("Enter a month such as 2026-11."))
        return value

    def clean_month_from(self) -> Any:
        return self._month("month_from")

    def clean_month_to(self) -> Any:
        return self._month("month_to")

    def filters(self) -> exports.CostFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return exports.CostFilters.from_parameters(data)


def _viewer(request: HttpRequest) -> Any:
    user = staff(request)
    if not exports.may_view_costs(user):
        raise PermissionDenied(_("The cost report is for heads, the quality role, finance and directors."))
    return user


def _lines_url(base: dict[str, Any], **extra: Any) -> str:
    from django.urls import reverse

    query = {**base, **{k: v for k, v in extra.items() if v not in (None, "")}}
    return f"{reverse('complaints:cost_lines')}?{urlencode(query)}"


@login_required
def cost_report(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = CostReportForm(request.GET or None, user=user)
    f = form.filters()
    report = exports.cost_report(user, f)
    base = {k: v for k, v in f.as_parameters().items() if k in ("month_from", "month_to", "department_id")}
    rows = []
    for row in report.rows:
        where = {
            "department": row.department_id or exports.UNALLOCATED,
            "month": exports.month_text(row.month),
        }
        rows.append(
            {
                "row": row,
                "month": exports.month_text(row.month),
                "cells": [
                    {
                        "kind": kind,
                        "recorded": row.figures.recorded.get(kind),
                        "verified": row.figures.verified.get(kind),
                        "recorded_url": _lines_url(base, **where, kind=kind, status="recorded"),
                        "verified_url": _lines_url(base, **where, kind=kind, status="verified"),
                    }
                    for kind in report.kinds
                ],
                "recorded_url": _lines_url(base, **where, status="recorded"),
                "verified_url": _lines_url(base, **where, status="verified"),
                "rejected_url": _lines_url(base, **where, status="rejected"),
            }
        )
    totals = [
        {
            "kind": kind,
            "recorded": report.total.recorded.get(kind),
            "verified": report.total.verified.get(kind),
            "recorded_url": _lines_url(base, kind=kind, status="recorded"),
            "verified_url": _lines_url(base, kind=kind, status="verified"),
        }
        for kind in report.kinds
    ]
    kind_labels = dict(CostKind.choices)
    return render(
        request,
        "complaints/costs.html",
        {
            "form": form,
            "report": report,
            "rows": rows,
            "totals": totals,
            "kinds": [{"code": k, "label": kind_labels[k]} for k in report.kinds],
            "total_urls": {
                "recorded": _lines_url(base, status="recorded"),
                "verified": _lines_url(base, status="verified"),
                "rejected": _lines_url(base, status="rejected"),
            },
            "query": urlencode(base),
        },
    )


@login_required
def cost_lines(request: HttpRequest) -> HttpResponse:
    """The cost lines behind one figure of the report (its department, month, kind and status)."""
    user = _viewer(request)
    f = exports.CostFilters.from_parameters(request.GET.dict())
    page = Paginator(exports.cost_lines(user, f), LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    department = ""
    if f.department == exports.UNALLOCATED:
        department = str(_("Not allocated"))
    elif f.department is not None:
        found = visibility.departments_for_user(user).filter(pk=f.department).first()
        department = found.name if found else "—"
    statuses = {
        "recorded": _("recorded (all but rejected)"),
        "verified": _("verified"),
        "rejected": _("rejected by finance"),
    }
    back = {k: v for k, v in f.as_parameters().items() if k in ("month_from", "month_to", "department_id")}
    return render(
        request,
        "complaints/costs_lines.html",
        {
            "page": page,
            "filters": f,
            "department": department,
            "month": exports.month_text(f.month),
            "kind_label": CostKind(f.kind).label if f.kind else "",
            "status_label": statuses.get(f.status or "", ""),
            "back_query": urlencode(back),
            "page_query": urlencode(f.as_parameters()),
            "verified": CostStatus.VERIFIED,
            "rejected": CostStatus.REJECTED,
        },
    )


@login_required
def costs_export(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    return export_xlsx(request, exports.COST_REPORT.kind)
