"""Return visits on other pages: ``{% load visit_links %}``.

- ``{% visit_bench %}`` on the home page: the reader's calls due today (the first few in call
  order), their overdue visits and the visits given to them, each opening the visits list.
- ``{% customer_visits customer %}`` on the customer's page: their latest visits the reader sees.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from fuwu import visibility
from fuwu.org.models import Role

from .. import selectors
from ..models import Status

register = template.Library()

NEXT_CALLS_SHOWN = 5
CUSTOMER_VISITS_SHOWN = 10
# Who is shown the visit tiles even when there is nothing for them: those who make visits.
VISITOR_ROLES = (Role.AGENT, Role.DEPARTMENT_HEAD, Role.DIRECTOR)


@register.inclusion_tag("visits/_bench.html", takes_context=True)
def visit_bench(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not visibility.is_staff_member(user):
        return {"visible": False}
    now = timezone.now()
    visible = selectors.visits_for_user(user)
    today = selectors.due_for(user, now, visible)
    mine = visible.filter(visitor=user, status=Status.DUE)
    overdue = visible.filter(visitor=user, status=Status.DUE, due_at__lt=now)
    counts = {"today": today.count(), "mine": mine.count(), "overdue": overdue.count()}
    url = reverse("visits:list")
    tiles = [
        {"key": "today", "count": counts["today"], "tone": "primary", "url": f"{url}?tab=today"},
        {"key": "overdue", "count": counts["overdue"], "tone": "danger", "url": f"{url}?tab=mine&status=due"},
        {"key": "mine", "count": counts["mine"], "tone": "secondary", "url": f"{url}?tab=mine&status=due"},
    ]
    for tile in tiles:
        if not tile["count"]:
            tile["tone"] = "secondary"
    return {
        "visible": any(counts.values()) or user.has_role(*VISITOR_ROLES),
        "tiles": tiles,
        "next_calls": list(today.select_related("customer")[:NEXT_CALLS_SHOWN]) if counts["today"] else [],
    }


@register.inclusion_tag("visits/_customer_visits.html", takes_context=True)
def customer_visits(context: template.Context, customer: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    visits = list(
        selectors.visits_for_user(user)
        .filter(customer=customer)
        .select_related("work_order", "complaint", "visitor")
        .order_by("-created_at", "-id")[:CUSTOMER_VISITS_SHOWN]
    )
    return {"visits": visits}


@register.inclusion_tag("visits/_subject_visits.html", takes_context=True)
def subject_visits(context: template.Context, subject: Any) -> dict[str, Any]:
    """The return visits of a work order or a complaint the reader sees, each with its outcome and
    whether its answer is the one that counts (a card in the subject page's grid; none: nothing)."""
    from fuwu.complaints.models import Complaint

    request = context.get("request")
    user = getattr(request, "user", None)
    field = "complaint" if isinstance(subject, Complaint) else "work_order"
    visits = list(
        selectors.visits_for_user(user)
        .filter(**{field: subject})
        .select_related("visitor")
        .order_by("-created_at", "-id")[:CUSTOMER_VISITS_SHOWN]
    )
    return {"visits": visits}
