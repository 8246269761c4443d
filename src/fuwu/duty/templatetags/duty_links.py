"""Shifts on other pages: ``{% load duty_links %}``.

- ``{% duty_bench %}`` on the home page: the reader's next shifts, the handovers waiting for their
  signature and the swaps asked of them (the colleague agrees first). Shown to those who have any;
  a bounded number of queries.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fuwu import visibility

from .. import selectors
from ..models import SwapStatus

register = template.Library()

SHOWN = 3


@register.inclusion_tag("duty/_bench.html", takes_context=True)
def duty_bench(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not visibility.is_staff_member(user):
        return {"visible": False}
    now = timezone.now()
    shifts = list(selectors.shifts_list(user=user, person_id=user.pk, ends_after=now)[:SHOWN])
    handovers = list(
        selectors.handovers_list(user=user, incoming_person_id=user.pk, unacknowledged=True, now=now)[:SHOWN]
    )
    swaps = [
        swap
        for swap in selectors.swaps_list(user=user, statuses=[SwapStatus.ASKED], person_id=user.pk)[:SHOWN]
        if swap.colleague_id == user.pk
    ]
    if not (shifts or handovers or swaps):
        return {"visible": False}
    return {"visible": True, "shifts": shifts, "handovers": handovers, "swaps": swaps, "now": now}
