"""Showing timeline events in the user's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Changes recorded under names that are not model fields.
PSEUDO_FIELDS = {
    "clocks": _("clocks"),
    "notice": _("notice"),
    "approval": _("approval"),
    "approvals_withdrawn": _("approvals withdrawn"),
    "answer": _("answer to the customer"),
    "report": _("service report"),
    "confirmation": _("confirmation"),
    "fee": _("fee"),
    "fees_dropped": _("fees dropped"),
    "paid_service": _("paid service"),
    "extension": _("extension"),
    "received": _("received"),
    "still_missing": _("still missing"),
    "reply": _("written reply"),
    "addressed_to": _("addressed to"),
    "absence": _("absence"),
    "clock": _("clock"),
    "level": _("level"),
    "role": _("role"),
    "notified": _("notified"),
    "phone": _("phone"),
}


@register.filter
def change_label(name: str, event: Any) -> Any:
    """The translated label of a changed field of ``event``'s subject (``clock.arrival`` → 到场时限)."""
    if name.startswith("clock."):
        from fuwu.workorders.models import ClockKind

        kind = name.split(".", 1)[1]
        return ClockKind(kind).label if kind in ClockKind.values else name
    if name in PSEUDO_FIELDS:
        return PSEUDO_FIELDS[name]
    model = event.subject_type.model_class() if getattr(event, "subject_type_id", None) else None
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        # Reverse relations (a customer's "phones") have no verbose name of their own.
        label = getattr(field, "verbose_name", None)
        if label is None and getattr(field, "related_model", None) is not None:
            label = field.related_model._meta.verbose_name_plural
        return label or name
    return name


@register.filter
def change_value(value: Any) -> Any:
    """Times recorded as ISO 8601 (in UTC) shown as local date and minute; other values as they are."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        from datetime import datetime

        from django.utils import timezone

        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    return value
