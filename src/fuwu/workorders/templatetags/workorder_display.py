"""Work-order values on pages: ``{% load workorder_display %}`` (rules: fuwu.workorders.display)."""

from __future__ import annotations

from typing import Any

from django import template

from fuwu.lib import display as fmt

from ..models import ClockKind

register = template.Library()


@register.filter
def extension_asked(approval: Any) -> str:
    """An extension request as read: ``到场 +2 个工作日`` (not ``arrival +2 working_days``)."""
    if not approval.extension_amount:
        return ""
    clock = fmt.choice_label(ClockKind, approval.clock_kind) if approval.clock_kind else ""
    return f"{clock} +{fmt.duration(approval.extension_amount, approval.extension_unit)}".strip()
