"""Complaints on other records' pages: ``{% load complaint_links %}{% work_order_complaints wo %}``
on the work order page lists the complaints raised from it (those the reader may see) and offers
"Raise a complaint" to those who register complaints."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fuwu import visibility

from .. import permissions, selectors
from ..views.common import complaint_tiles, status_colour

register = template.Library()

SHOWN = 20


@register.inclusion_tag("complaints/_work_order_complaints.html", takes_context=True)
def work_order_complaints(context: template.Context, work_order: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    complaints = list(
        selectors.complaints_for_user(user)
        .filter(work_order=work_order)
        .order_by("-received_at", "-id")[:SHOWN]
    )
    return {
        "wo": work_order,
        "rows": [{"c": c, "status_colour": status_colour(c.status)} for c in complaints],
        "may_raise": permissions.may_take_complaints(user),
    }


@register.inclusion_tag("complaints/_bench.html", takes_context=True)
def complaint_bench(context: template.Context) -> dict[str, Any]:
    """The home page's complaint tiles (mine, my department's, overdue, awaiting my approval)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not visibility.is_staff_member(user):
        return {"complaint_tiles": []}
    return {
        "complaint_tiles": complaint_tiles(user, timezone.now()),
        "may_take_complaints": permissions.may_take_complaints(user),
    }
