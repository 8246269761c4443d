"""Work-order values on pages: ``{% load workorder_display %}`` (rules: fuwu.workorders.display)."""

from __future__ import annotations

from typing import Any

from django import template

from fuwu.lib import display as fmt

from ..approvals import Details
from ..models import ClockKind

register = template.Library()


@register.filter
def extension_asked(approval: Any) -> str:
    """An extension request as read: ``到场 +2 个工作日`` (not ``arrival +2 working_days``)."""
    details = Details.of(approval)
    if not details.extension_amount:
        return ""
    clock = fmt.choice_label(ClockKind, details.clock_kind) if details.clock_kind else ""
    return f"{clock} +{fmt.duration(details.extension_amount, details.extension_unit)}".strip()


@register.filter
def deferral_day(approval: Any) -> Any:
    """The day a "cannot be done now" asked for (a date, or None)."""
    return Details.of(approval).deferred_until
