"""Periodic reports on the home page: ``{% load report_links %}{% report_bench %}`` — the reports the
reader prepares that are still to be submitted (drafts and returned ones) and the late ones they
see, each opening the reports list. Any process's reports (return visits' now, inspections' later)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from fuwu import visibility

from .. import registry, rules
from ..models import EDITABLE_STATUSES
from ..selectors import late_q
from ..visibility_rules import reports_for_user

register = template.Library()


@register.inclusion_tag("reports/_bench.html", takes_context=True)
def report_bench(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not visibility.is_staff_member(user):
        return {"visible": False}
    prepared = [kind.code for kind in registry.kinds() if rules.may_prepare(user, kind)]
    visible = reports_for_user(user)
    to_prepare = visible.filter(kind__in=prepared, status__in=EDITABLE_STATUSES).count() if prepared else 0
    late = visible.filter(late_q(timezone.now())).count()
    url = reverse("reports:list")
    return {
        "visible": bool(prepared or to_prepare or late),
        "tiles": [
            {
                "key": "to_prepare",
                "count": to_prepare,
                "tone": "primary" if to_prepare else "secondary",
                "url": url,
            },
            {
                "key": "late",
                "count": late,
                "tone": "danger" if late else "secondary",
                "url": f"{url}?late=yes",
            },
        ],
    }
