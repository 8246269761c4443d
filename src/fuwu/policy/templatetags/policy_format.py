"""Readable labels for policy values on pages."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import template
from django.utils.translation import gettext as _

from fuwu.lib import display as texts
from fuwu.org.models import Role

from .. import display
from ..schema import Duration, PolicyDocument

register = template.Library()


@register.filter
def policy_text(value: str) -> str:
    """A description or a publishing reason as read (stored system words in the reader's language)."""
    return display.policy_text(value)


@register.filter
def sla_label(code: str, document: PolicyDocument | None) -> str:
    """``{{ service_type.sla_class|sla_label:policy }}``: the class's label (紧急报修), not its key."""
    return display.sla_class_label(document, code)


@register.filter
def preset_label(code: str) -> str:
    return display.preset_label(code)


@register.filter
def duration(value: Duration | None) -> str:
    """A policy duration for people: ``3 个工作日`` / ``3 working days``."""
    if value is None:
        return "—"
    return texts.duration(value.amount, value.unit)


@register.filter
def role_label(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return code


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:g}%"


@register.filter
def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


@register.filter
def month_day(day: int) -> str:
    return _("last day") if day >= 31 else _("day %(day)s") % {"day": day}


@register.filter
def label(value: Any) -> str:
    """Label of an enumerated policy value (weekday, frequency, commitment, kind, status, clock…)."""
    return str(LABELS.get(str(value), value))


def _labels() -> dict[str, str]:
    return {
        # weekdays
        "monday": _("Monday"),
        "tuesday": _("Tuesday"),
        "wednesday": _("Wednesday"),
        "thursday": _("Thursday"),
        "friday": _("Friday"),
        "saturday": _("Saturday"),
        "sunday": _("Sunday"),
        # frequencies and periods
        "daily": _("daily"),
        "weekly": _("weekly"),
        "monthly": _("monthly"),
        "quarterly": _("quarterly"),
        "month": _("every month"),
        "year": _("every year"),
        "never": _("never"),
        # commitments and scopes
        "arrival": _("arrive on site"),
        "written_reply": _("written reply"),
        "department": _("each responsible department"),
        "own_department": _("own department"),
        "own_area": _("own area"),
        "supplier": _("each outsourced supplier"),
        "shift": _("each shift of the post"),
        # priorities
        "low": _("low"),
        "normal": _("normal"),
        "high": _("high"),
        "urgent": _("urgent"),
        # clocks
        "response": _("response"),
        "dispatch": _("dispatch"),
        "resolution": _("resolution"),
        "complaint_investigation": _("complaint: start of investigation"),
        "complaint_plan": _("complaint: handling plan"),
        "complaint_execution": _("complaint: execution"),
        "complaint_reply": _("complaint: reply"),
        "complaint_return_visit": _("complaint: return visit"),
        "inspection": _("inspection"),
        "rectification": _("rectification"),
        "rectification_verification": _("rectification: verification"),
        "tracing_feedback": _("feedback on returned items"),
        "duty_handover": _("handover acknowledgement"),
        "report": _("report"),
        "visit": _("return visit"),
        # statuses
        "awaiting_materials": _("awaiting materials"),
        "awaiting_approval": _("awaiting approval"),
        "received": _("received"),
        "routed": _("routed"),
        "dispatched": _("dispatched"),
        "on_site": _("on site"),
        "done": _("done"),
        "confirmed": _("confirmed"),
        "visited": _("visited"),
        "closed": _("closed"),
        "rejected": _("rejected"),
        "cancelled": _("cancelled"),
        # on-site visit rules
        "new_agreement_customer": _("customers with a new service agreement"),
        "new_technician_for_customer": _("service by a technician new to the customer"),
        "technician_complained_last_time": _("service by a technician complained about last time"),
        # question kinds
        "yes_no": _("yes / no"),
        "choice": _("choice"),
        "score": _("score"),
        "text": _("free text"),
        # reward and penalty kinds
        "praise": _("praise"),
        "bonus": _("bonus"),
        "criticism": _("criticism"),
        "notice_of_criticism": _("notice of criticism"),
        "warning": _("warning"),
        "fine": _("fine"),
        "demerit": _("demerit"),
        "demotion": _("demotion"),
        "dismissal": _("dismissal"),
    }


class _LazyLabels:
    def get(self, key: str, default: Any) -> Any:
        return _labels().get(key, default)


LABELS = _LazyLabels()
