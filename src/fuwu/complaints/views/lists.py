"""The complaint lists: tabs (mine, my department's, overdue, awaiting my approval, repeated, …),
filters, pages, and the next deadline of each row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fuwu.clocks.display import Calendars, next_due
from fuwu.lib.paging import Paginator
from fuwu.org.models import User
from fuwu.visibility import PhoneShown

from .. import forms as cp_forms
from .. import permissions, selectors
from ..models import ComplaintClock
from .common import complainant, staff, status_colour, url_or_empty

PAGE_SIZE = 25

TABS = [
    ("mine", gettext_lazy("Mine")),
    ("department", gettext_lazy("My department's")),
    ("overdue", gettext_lazy("Overdue")),
    ("awaiting_approval", gettext_lazy("Awaiting my approval")),
    ("repeated", gettext_lazy("Repeated")),
    ("open", gettext_lazy("Open")),
    ("closed", gettext_lazy("Closed")),
    ("all", gettext_lazy("All")),
]
TAB_KEYS = {key for key, _label in TABS}


def list_tab(value: str | None, user: User) -> str:
    """The tab asked for, else the user's own: a head starts with the department's, others with theirs."""
    if value in TAB_KEYS:
        return str(value)
    return "department" if permissions.is_head_of(user, user.department) else "mine"


def _filters(form: cp_forms.ListFilterForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "q": (data.get("q") or "").strip(),
        "status": data.get("status") or None,
        "department_id": data.get("department"),
        "object": data.get("object") or None,
        "validity": data.get("validity") or None,
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    tab = list_tab(request.GET.get("tab"), user)
    form = cp_forms.ListFilterForm(request.GET or None, user=user)
    complaints = selectors.complaint_list(user, tab=tab, now=now, **_filters(form)).prefetch_related(
        Prefetch(
            "clocks",
            queryset=ComplaintClock.objects.filter(is_active=True, met_at__isnull=True).order_by("due_at"),
            to_attr="running_clocks",
        )
    )
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = PhoneShown(user)
    calendars = Calendars(user.organisation)
    rows = []
    for complaint in page.object_list:
        name, phone = complainant(user, complaint, shown)
        rows.append(
            {
                "c": complaint,
                "name": name,
                "phone": phone,
                "status_colour": status_colour(complaint.status),
                "due": next_due(getattr(complaint, "running_clocks", []), now, calendars),
            }
        )
    labels = dict(TABS)
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "tab": tab,
            "tab_label": labels[tab],
            "tabs": [{"key": key, "label": label, "active": key == tab} for key, label in TABS],
            "may_take_complaints": permissions.may_take_complaints(user),
            "has_register": bool(url_or_empty("complaints:register_export")),
            "cost_report_url": url_or_empty("complaints:costs"),
            "filters_in_use": sum(
                1 for name in form.fields if name != "q" and form.is_bound and form.data.get(name)
            ),
        },
    )
