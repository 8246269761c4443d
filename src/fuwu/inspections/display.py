"""How inspections, rectification orders and checklists are shown (loaded by the timeline app at
start-up): the labels of their actions and of every key the services write into their timelines,
and the sentences stored as text (notification titles)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.capa.models import Capa, Disposition
from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.timeline.display import (
    Auto,
    Choice,
    Fields,
    ListOf,
    Ref,
    Text,
    Value,
    YesNo,
    timeline_display,
)

from .models import (
    ChecklistTemplate,
    ClockKind,
    Inspection,
    Rectification,
    RectificationStatus,
    Result,
    Status,
)

# ISO 2859 verdicts of a sample (``sampling.verdict``).
VERDICTS = {"accept": _("Lot accepted"), "reject": _("Lot rejected")}

INSPECTION_EVENTS = {
    "inspection.planned": _("Planned"),
    "inspection.started": _("Started on site"),
    "inspection.recorded": _("Findings recorded"),
    "inspection.photos_added": _("Photos added"),
    "inspection.submitted": _("Submitted"),
    "inspection.reassigned": _("Handed to another inspector"),
    "inspection.cancelled": _("Cancelled"),
    "inspection.escalated": _("Escalated"),
}
RECTIFICATION_EVENTS = {
    "rectification.issued": _("Rectification order issued"),
    "rectification.acknowledged": _("Acknowledged (signed) by the department"),
    "rectification.disposition_decided": _("Decision on the nonconformity"),
    "rectification.done": _("Rectification recorded"),
    "rectification.verified": _("Verified"),
    "rectification.reopened": _("Verification failed: reopened"),
    "rectification.cancelled": _("Cancelled"),
    "rectification.escalated": _("Escalated"),
}
CHECKLIST_EVENTS = {
    "checklist.created": _("Checklist created"),
    "checklist.published": _("New version published"),
    "checklist.activated": _("Put back in use"),
    "checklist.retired": _("Retired"),
}

FINDING = Fields(
    {
        "item": Value(_("item"), Text()),
        "result": Value(_("result"), Choice(Result)),
        "score": Value(_("score given"), Auto()),
        "note": Value(_("note"), Text()),
        "count": Value(_("photos"), Auto()),
    }
)
ESCALATION_FIELDS = {
    "clock": Value(_("clock"), Choice(ClockKind)),
    "level": Value(_("level"), Auto()),
    "role": Value(_("role"), Choice(Role)),
    "notified": Value(_("notified"), Auto()),
}
CLOCK_FIELDS = {f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind}


def _inspections(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import inspections_for_user

    return inspections_for_user(viewer).filter(pk__in=ids).only("pk", "number")


def _rectifications(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import rectifications_for_user

    return rectifications_for_user(viewer).filter(pk__in=ids).only("pk", "number")


timeline_display.reference(
    Inspection,
    visible=_inspections,
    name=lambda inspection: inspection.number,
    url=lambda inspection, viewer: reverse("inspections:detail", args=[inspection.pk]),
)
timeline_display.reference(
    Rectification,
    visible=_rectifications,
    name=lambda rectification: rectification.number,
    url=lambda rectification, viewer: reverse("inspections:rectification", args=[rectification.pk]),
)

timeline_display.subject(
    Inspection,
    actions=INSPECTION_EVENTS,
    fields={
        "status": Value(format=Choice(Status)),
        "checklist": Value(_("checklist"), Text()),
        "schedule": Value(_("plan"), Text()),
        "department": Value(_("department"), Auto()),
        "site": Value(format=Text()),
        "inspector": Value(_("inspector"), Auto()),
        "population": Value(format=Auto()),
        "sampling": Value(
            _("sample"),
            Fields(
                {
                    "sample_size": Value(_("sample size"), Auto()),
                    "units": Value(_("units to check"), Auto()),
                }
            ),
        ),
        "findings": Value(_("findings"), ListOf(FINDING)),
        "photos": Value(_("photos"), FINDING),
        "score": Value(_("score"), Auto()),
        "passed": Value(_("passed"), YesNo()),
        "failed_items": Value(format=Auto()),
        "nonconforming_units": Value(format=Auto()),
        "verdict": Value(_("sample verdict"), Choice(VERDICTS)),
        "rectifications": Value(_("rectification orders"), Auto()),
        "missed": Value(_("missed items"), ListOf(Text())),
        **CLOCK_FIELDS,
        **ESCALATION_FIELDS,
    },
)

timeline_display.subject(
    Rectification,
    actions=RECTIFICATION_EVENTS,
    fields={
        "status": Value(format=Choice(RectificationStatus)),
        "inspection": Value(_("inspection"), Auto()),
        "item": Value(_("item"), Text()),
        "department": Value(_("responsible department"), Auto()),
        "acknowledged_by": Value(_("acknowledged by"), Auto()),
        "disposition": Value(format=Choice(Disposition)),
        "disposition_by": Value(_("decided by"), Auto()),
        "photos": Value(_("photos"), Auto()),
        "verified": Value(_("verification passed"), YesNo()),
        "capa": Value(_("corrective action"), Ref(Capa)),
        **CLOCK_FIELDS,
        **ESCALATION_FIELDS,
    },
)

timeline_display.subject(
    ChecklistTemplate,
    actions=CHECKLIST_EVENTS,
    fields={
        "name": Value(format=Text()),
        "version": Value(_("version"), Auto()),
        "is_active": Value(_("in use"), YesNo()),
    },
)

system_texts.register(
    _("%(number)s: inspect %(department)s by %(due)s"),
    _("%(number)s: rectify “%(item)s” by %(due)s"),
    _("%(number)s: verify the rectification by %(due)s"),
    _("Recurring finding: %(item)s"),
    _("“%(item)s” failed %(n)s times in %(department)s within %(months)s months: %(orders)s."),
)
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(Status, RectificationStatus, Result, ClockKind)

__all__ = ["CHECKLIST_EVENTS", "INSPECTION_EVENTS", "RECTIFICATION_EVENTS", "VERDICTS"]
