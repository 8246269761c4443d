"""Inspections on other pages: ``{% load inspection_links %}``.

- ``{% inspection_bench %}`` on the home page: the reader's open inspections, their overdue ones and
  their department's open rectification orders (``selectors.open_counts``), with the next few of
  each, every figure opening its list. Shown to those who have any.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from fuwu import visibility

from .. import selectors
from ..models import RECTIFICATION_OPEN

register = template.Library()

NEXT_SHOWN = 3


@register.inclusion_tag("inspections/_bench.html", takes_context=True)
def inspection_bench(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not visibility.is_staff_member(user):
        return {"visible": False}
    now = timezone.now()
    counts = selectors.open_counts(user, now=now)
    if not any(counts.values()):
        return {"visible": False}
    url = reverse("inspections:list")
    department = f"&department={user.department_id}" if user.department_id else ""
    tiles = [
        {"key": "inspections", "count": counts["inspections"], "tone": "primary", "url": f"{url}?tab=mine"},
        {"key": "overdue", "count": counts["overdue"], "tone": "danger", "url": f"{url}?tab=overdue&mine=on"},
        {
            "key": "rectifications",
            "count": counts["rectifications"],
            "tone": "warning",
            "url": f"{url}?tab=rectifications{department}",
        },
    ]
    for tile in tiles:
        if not tile["count"]:
            tile["tone"] = "secondary"
    next_inspections = (
        list(selectors.filtered_inspections(user, now=now, mine=True, open_only=True)[:NEXT_SHOWN])
        if counts["inspections"]
        else []
    )
    next_orders = []
    if counts["rectifications"] and user.department_id:
        next_orders = list(
            selectors.rectifications(user, now=now)
            .filter(department__path__startswith=user.department.path, status__in=RECTIFICATION_OPEN)
            .order_by("due_at", "id")[:NEXT_SHOWN]
        )
    return {"visible": True, "tiles": tiles, "next_inspections": next_inspections, "next_orders": next_orders}
