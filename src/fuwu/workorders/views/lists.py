"""The work-order lists (tabs, filters, pages) and the next due clock of each row."""

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

from .. import forms as wo_forms
from .. import permissions, selectors
from ..models import Clock
from .common import PRIORITY_COLOURS, staff, status_colour

PAGE_SIZE = 25

W = selectors.WorkList
TABS = [
    (W.FIRST_RECEIVED, gettext_lazy("First received by me")),
    (W.ASSIGNED, gettext_lazy("Assigned to me")),
    (W.QUEUE, gettext_lazy("Department queue")),
    (W.OVERDUE, gettext_lazy("Overdue")),
    (W.DUE_TODAY, gettext_lazy("Due today")),
    (W.WAITING_CUSTOMER, gettext_lazy("Waiting for the customer")),
    (W.AWAITING_MY_APPROVAL, gettext_lazy("Awaiting my approval")),
    (W.ALL, gettext_lazy("All")),
]
TAB_ALIASES = {"first": W.FIRST_RECEIVED, "approval": W.AWAITING_MY_APPROVAL}  # links of earlier releases


def list_tab(value: str | None, user: User) -> selectors.WorkList:
    """The tab asked for (a work list of ``selectors.WorkList``), else the role's own."""
    if not value:
        return selectors.default_work_list(user)
    value = TAB_ALIASES.get(value, value)
    return W(value) if value in selectors.WORK_LISTS else W.ALL


def _filters(form: wo_forms.ListFilterForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or ""
    return {
        "statuses": [status] if status else None,
        "priority": data.get("priority") or None,
        "service_type_id": data.get("service_type"),
        "department_id": data.get("department"),
        "channel": data.get("channel") or None,
        "received_from": data.get("received_from"),
        "received_to": data.get("received_to"),
        "q": (data.get("q") or "").strip() or None,
        "mine": data.get("mine") or None,
        "sort": data.get("sort") or None,
    }


@login_required
def work_order_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    tabs = dict(TABS)
    tab = list_tab(request.GET.get("tab"), user)
    form = wo_forms.ListFilterForm(request.GET or None, user=user)
    work_orders = selectors.work_orders_list(user=user, now=now, view=tab, **_filters(form)).prefetch_related(
        Prefetch(
            "clocks",
            queryset=Clock.objects.filter(is_active=True, met_at__isnull=True).order_by("due_at"),
            to_attr="running_clocks",
        )
    )
    page = Paginator(work_orders, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = PhoneShown(user)
    calendars = Calendars(user.organisation)
    rows = [
        {
            "wo": wo,
            "phone": shown(wo.caller_phone),
            "status_colour": status_colour(wo.status),
            "priority_colour": PRIORITY_COLOURS.get(wo.priority, "secondary"),
            "due": next_due(getattr(wo, "running_clocks", []), now, calendars),
        }
        for wo in page.object_list
    ]
    return render(
        request,
        "workorders/list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "tab": tab,
            "tab_label": tabs[tab],
            "tabs": [{"key": key, "label": label, "active": key == tab} for key, label in TABS],
            "may_take_calls": permissions.may_take_calls(user),
            "now": now,
            "filters_in_use": sum(
                1 for name in form.fields if name != "q" and form.is_bound and form.data.get(name)
            ),
        },
    )
